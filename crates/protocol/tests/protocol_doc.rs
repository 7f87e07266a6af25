//! Every JSON example in `docs/protocol.md` parses as the message it claims to be and
//! round-trips through both codecs unchanged, so the document cannot drift from the code.

use protocol::{
    ClientMessage, Codec, DEFAULT_MAX_CLIENT_MESSAGE_BYTES, ServerMessage, decode_client,
    decode_server, encode, encode_client,
};
use serde_json::Value;

const CLIENT_TYPES: [&str; 7] = [
    "subscribe",
    "unsubscribe",
    "ping",
    "resume",
    "alert_add",
    "alert_remove",
    "alert_list",
];

fn examples() -> Vec<String> {
    let doc = include_str!("../../../docs/protocol.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim()) {
            (None, "```json") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => block.push_str(text),
            (None, _) => {}
        }
    }
    assert!(
        current.is_none(),
        "unterminated code block in docs/protocol.md"
    );
    blocks
}

#[test]
fn every_documented_message_round_trips_in_both_codecs() {
    let examples = examples();
    let mut server_types = std::collections::BTreeSet::new();
    for example in &examples {
        let original: Value = serde_json::from_str(example)
            .unwrap_or_else(|e| panic!("example is not JSON ({e}): {example}"));
        let msg_type = original["type"]
            .as_str()
            .expect("example has a type")
            .to_owned();
        let reencoded: Value = if CLIENT_TYPES.contains(&msg_type.as_str()) {
            let msg = decode_client(
                example.as_bytes(),
                Codec::Json,
                DEFAULT_MAX_CLIENT_MESSAGE_BYTES,
            )
            .unwrap_or_else(|e| panic!("client example rejected ({e}): {example}"));
            let packed = encode_client(&msg, Codec::MsgPack).unwrap();
            let unpacked: ClientMessage =
                decode_client(&packed, Codec::MsgPack, DEFAULT_MAX_CLIENT_MESSAGE_BYTES).unwrap();
            assert_eq!(unpacked, msg, "MessagePack round-trip changed {example}");
            serde_json::from_slice(&encode_client(&msg, Codec::Json).unwrap()).unwrap()
        } else {
            let msg = decode_server(example.as_bytes(), Codec::Json)
                .unwrap_or_else(|e| panic!("server example rejected ({e}): {example}"));
            assert_ne!(
                msg,
                ServerMessage::Unknown,
                "example has an unknown type: {example}"
            );
            server_types.insert(msg_type.clone());
            let packed = encode(&msg, Codec::MsgPack).unwrap();
            let unpacked = decode_server(&packed, Codec::MsgPack).unwrap();
            assert_eq!(unpacked, msg, "MessagePack round-trip changed {example}");
            serde_json::from_slice(&encode(&msg, Codec::Json).unwrap()).unwrap()
        };
        assert_eq!(reencoded, original, "JSON round-trip changed the example");
    }
    let expected = [
        "connected",
        "subscribed",
        "unsubscribed",
        "snapshot",
        "resumed",
        "pong",
        "error",
        "price_update",
        "opportunity",
        "health",
        "log",
        "alert_added",
        "alert_removed",
        "alerts",
        "alert_triggered",
    ];
    for t in expected {
        assert!(
            server_types.contains(t),
            "docs/protocol.md has no example of {t:?}"
        );
    }
}
