//! A real WebSocket client's helpers: connect, read typed messages, send JSON.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use monitor::Running;
use protocol::{Codec, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn connect_with(
    server: &Running,
    path: &str,
    headers: &[(&'static str, &str)],
) -> Result<Client, WsError> {
    let mut request = format!("ws://{}{path}", server.addr)
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        request
            .headers_mut()
            .insert(*k, HeaderValue::from_str(v).unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

pub async fn connect(server: &Running) -> Client {
    connect_with(server, "/ws", &[]).await.expect("connect")
}

/// The next server message, skipping protocol pings. Panics after 10 s of silence.
pub async fn next(ws: &mut Client) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("stream open")
            .expect("frame");
        match frame {
            Message::Text(t) => {
                return protocol::decode_server(t.as_bytes(), Codec::Json).expect("valid JSON");
            }
            Message::Binary(b) => {
                return protocol::decode_server(&b, Codec::MsgPack).expect("valid MessagePack");
            }
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => {}
        }
    }
}

/// Reads until a message matches, returning it.
pub async fn until(
    ws: &mut Client,
    what: &str,
    pred: impl Fn(&ServerMessage) -> bool,
) -> ServerMessage {
    for _ in 0..100_000 {
        let m = next(ws).await;
        if pred(&m) {
            return m;
        }
    }
    panic!("never saw {what}");
}

/// Reads until the server closes, returning the close code.
pub async fn close_code_of(ws: &mut Client) -> u16 {
    read_to_close(ws).await.0
}

/// Reads until the close frame: its code, and the payload bytes of the messages before it.
pub async fn read_to_close(ws: &mut Client) -> (u16, usize) {
    let mut bytes = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => return (u16::from(frame.code), bytes),
            Ok(Some(Ok(Message::Close(None)))) => return (1005, bytes),
            Ok(Some(Ok(other))) => {
                bytes += other.len();
                if std::env::var_os("DEBUG_WS").is_some() {
                    eprintln!(
                        "{:?}",
                        other
                            .to_text()
                            .map(|t| t.chars().take(80).collect::<String>())
                    );
                }
            }
            Ok(Some(Err(e))) => panic!("connection failed before a close frame: {e}"),
            Ok(None) => panic!("stream ended without a close frame"),
            Err(_) => panic!("no close within 20 s"),
        }
    }
}

pub async fn send(ws: &mut Client, json: &str) {
    ws.send(Message::text(json.to_owned())).await.expect("send");
}

pub async fn send_resume(ws: &mut Client, channel: &str, epoch: &str, after_seq: u64) {
    let json = format!(
        r#"{{"type":"resume","id":7,"channel":"{channel}","epoch":"{epoch}","after_seq":{after_seq}}}"#
    );
    send(ws, &json).await;
}

pub async fn expect_error(ws: &mut Client, code: &str) {
    let m = until(ws, code, |m| matches!(m, ServerMessage::Error(_))).await;
    let ServerMessage::Error(e) = m else {
        unreachable!()
    };
    assert_eq!(e.code.as_str(), code, "{e:?}");
}

/// Proves the connection still works: a ping gets its pong.
pub async fn still_alive(ws: &mut Client, id: u64) {
    send(ws, &format!(r#"{{"type":"ping","id":{id}}}"#)).await;
    let m = until(ws, "pong", |m| matches!(m, ServerMessage::Pong(_))).await;
    let ServerMessage::Pong(p) = m else {
        unreachable!()
    };
    assert_eq!(p.id, Some(protocol::RequestId::Number(id)));
}
