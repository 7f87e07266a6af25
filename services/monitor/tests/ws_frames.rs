//! `/ws` at the frame level: a raw TCP client writes RFC 6455 frames byte by byte against the
//! real server, in process, on loopback, to check what a library client never sends: the
//! handshake's edge cases, fragmented and interleaved frames, pings with payloads, and frames
//! that break the protocol, each answered with its close code.

mod support;

use std::time::Duration;

use monitor::Settings;
use support::start;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The sample handshake of RFC 6455 §1.3: this key must be answered with this accept value.
const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn settings() -> Settings {
    let mut s = Settings::default();
    s.simulator.updates_per_second = 200;
    s
}

/// Sends a handshake with `headers` and returns the status line and headers of the answer,
/// leaving the stream at the first frame.
async fn handshake(addr: std::net::SocketAddr, headers: &str) -> (TcpStream, String) {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET /ws HTTP/1.1\r\nHost: {addr}\r\n{headers}\r\n");
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = tcp.read_u8().await.expect("response head");
        head.push(byte);
    }
    (tcp, String::from_utf8(head).expect("ascii head"))
}

async fn open(addr: std::net::SocketAddr) -> TcpStream {
    let (tcp, head) = handshake(
        addr,
        &format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {RFC_KEY}\r\n"
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    tcp
}

/// A masked client frame.
fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![u8::from(fin) << 7 | opcode];
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | u8::try_from(len).unwrap());
    } else {
        out.push(0x80 | 126);
        out.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    out
}

/// The next server frame: FIN, opcode and payload. Server frames are never masked.
async fn read_frame(tcp: &mut TcpStream) -> (bool, u8, Vec<u8>) {
    let first = tcp.read_u8().await.expect("frame");
    let second = tcp.read_u8().await.expect("frame");
    assert_eq!(second & 0x80, 0, "a server frame must not be masked");
    let len = match second & 0x7f {
        126 => u64::from(tcp.read_u16().await.expect("length")),
        127 => tcp.read_u64().await.expect("length"),
        n => u64::from(n),
    };
    let mut payload = vec![0; usize::try_from(len).unwrap()];
    tcp.read_exact(&mut payload).await.expect("payload");
    (first & 0x80 != 0, first & 0x0f, payload)
}

/// Reads frames until one with `opcode`, and returns its payload.
async fn until_opcode(tcp: &mut TcpStream, opcode: u8) -> Vec<u8> {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (fin, op, payload) = read_frame(tcp).await;
            assert!(fin, "the server sends every message in one frame");
            if op == opcode {
                return payload;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no frame with opcode {opcode:#x}"))
}

/// Reads until the close frame and returns its code, then expects the server to end the
/// TCP connection.
async fn close_code(tcp: &mut TcpStream) -> u16 {
    let payload = until_opcode(tcp, 0x8).await;
    let code = u16::from_be_bytes([payload[0], payload[1]]);
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut rest)).await;
    // A clean end (FIN), not a timeout and not a reset.
    assert!(
        matches!(ended, Ok(Ok(_))),
        "the server ends the socket cleanly after its close frame: {ended:?}"
    );
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handshake_follows_rfc_6455() {
    let server = start(settings()).await;
    let (_tcp, head) = handshake(
        server.addr,
        &format!(
            "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {RFC_KEY}\r\nSec-WebSocket-Protocol: chat, dexmon.v1.msgpack\r\n"
        ),
    )
    .await;
    let lower = head.to_ascii_lowercase();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(head.contains(RFC_ACCEPT), "{head}");
    assert!(
        lower.contains("sec-websocket-protocol: dexmon.v1.msgpack"),
        "{head}"
    );

    let refused = [
        (
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
            "400",
        ),
        (
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: x\r\n",
            "426",
        ),
        (
            "Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x\r\n",
            "400",
        ),
    ];
    for (headers, status) in refused {
        let (_tcp, head) = handshake(server.addr, headers).await;
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status}")),
            "{headers:?}: {head}"
        );
        if status == "426" {
            assert!(
                head.to_ascii_lowercase()
                    .contains("sec-websocket-version: 13"),
                "{head}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragments_pings_and_close_are_answered_as_the_rfc_says() {
    let server = start(settings()).await;
    let mut tcp = open(server.addr).await;
    // A request in three fragments, with a ping between two of them.
    let request = br#"{"type":"ping","id":"frag-1"}"#;
    let mut bytes = frame(false, 0x1, &request[..5]);
    bytes.extend(frame(true, 0x9, b"are you there"));
    bytes.extend(frame(false, 0x0, &request[5..20]));
    bytes.extend(frame(true, 0x0, &request[20..]));
    // Written a few bytes at a time: frames split across reads.
    for chunk in bytes.chunks(3) {
        tcp.write_all(chunk).await.unwrap();
        tcp.flush().await.unwrap();
    }
    assert_eq!(until_opcode(&mut tcp, 0xA).await, b"are you there");
    loop {
        let text = until_opcode(&mut tcp, 0x1).await;
        let text = String::from_utf8(text).expect("text frames are UTF-8");
        if text.contains(r#""type":"pong""#) {
            assert!(text.contains("frag-1"), "{text}");
            break;
        }
    }
    tcp.write_all(&frame(true, 0x8, &[0x03, 0xE8]))
        .await
        .unwrap();
    assert_eq!(
        close_code(&mut tcp).await,
        1000,
        "the client's code is echoed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_that_break_the_protocol_close_with_their_code() {
    let server = start(settings()).await;
    let cases: [(&str, Vec<u8>, u16); 5] = [
        ("unmasked", vec![0x81, 0x02, b'{', b'}'], 1002),
        ("reserved bit", frame(true, 0x41, b"{}"), 1002),
        (
            "invalid UTF-8",
            frame(true, 0x1, &[b'"', 0xC3, 0x28, b'"']),
            1007,
        ),
        ("continuation first", frame(true, 0x0, b"{}"), 1002),
        // Only the header of a 16 MB frame: refused before its payload is awaited.
        (
            "oversized",
            vec![0x81, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4],
            1009,
        ),
    ];
    for (name, bytes, code) in cases {
        let mut tcp = open(server.addr).await;
        tcp.write_all(&bytes).await.unwrap();
        assert_eq!(close_code(&mut tcp).await, code, "{name}");
    }
    let metrics = support::http_get(server.addr, "/metrics").await;
    assert!(
        metrics.contains("dexmon_ws_frame_errors_total{reason=\"client frame not masked\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_still_sending_an_oversized_frame_gets_the_close_frame() {
    let server = start(settings()).await;
    let tcp = open(server.addr).await;
    let (mut read, mut write) = tcp.into_split();
    // The client goes on sending the rest of its 16 MB frame (4 MB of it, then it ends its
    // side) while it is not reading. The server must read and drop those bytes after its
    // close frame: closing a socket with unread input resets it, and a reset makes the
    // client's kernel drop what it received and had not read yet, the close frame included.
    let sender = tokio::spawn(async move {
        write
            .write_all(&[0x81, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4])
            .await?;
        for _ in 0..64 {
            write.write_all(&[b'x'; 64 * 1024]).await?;
        }
        write.shutdown().await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut whole = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut whole)).await;
    assert!(
        matches!(ended, Ok(Ok(_))),
        "a clean end, not a reset: {ended:?}"
    );
    sender
        .await
        .unwrap()
        .expect("the server read all the client sent");
    // The last frame is the close, with 1009.
    let close = [0x88, 0x13, 0x03, 0xF1];
    assert!(
        whole.windows(4).any(|w| w == close),
        "no close frame with 1009 among {} bytes",
        whole.len()
    );
}
