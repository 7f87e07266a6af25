//! A `dexmon.v1` WebSocket client for tests: connects, decodes every frame, sends requests.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use protocol::{Codec, Connected, Resumed, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// One connection to `/ws`.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `connected` message it was greeted with.
    pub connected: Connected,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.connected.session_id)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to `ws://addr/ws` and reads the `connected` greeting.
    pub async fn connect(addr: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
            .await
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        let mut client = Self {
            ws,
            connected: Connected {
                timestamp: protocol::Timestamp::default(),
                protocol: String::new(),
                server_version: String::new(),
                session_id: String::new(),
                epoch: String::new(),
                heartbeat_interval_ms: 0,
                channels: Vec::new(),
            },
        };
        match client.next().await {
            ServerMessage::Connected(c) => client.connected = c,
            other => panic!("expected connected, got {other:?}"),
        }
        client
    }

    /// The next message, skipping protocol pings; `None` when the connection ends or
    /// nothing arrives for 15 s.
    pub async fn try_next(&mut self) -> Option<ServerMessage> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(15), self.ws.next())
                .await
                .ok()??
                .ok()?;
            match frame {
                Message::Text(t) => {
                    return Some(
                        protocol::decode_server(t.as_bytes(), Codec::Json).expect("valid JSON"),
                    );
                }
                Message::Binary(b) => {
                    return Some(
                        protocol::decode_server(&b, Codec::MsgPack).expect("valid MessagePack"),
                    );
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The next message; panics when the connection ends or stays silent for 15 s.
    pub async fn next(&mut self) -> ServerMessage {
        self.try_next().await.expect("a message within 15 s")
    }

    /// Reads until `pred` matches, returning that message.
    pub async fn until(
        &mut self,
        what: &str,
        pred: impl Fn(&ServerMessage) -> bool,
    ) -> ServerMessage {
        for _ in 0..1_000_000 {
            let m = self.next().await;
            if pred(&m) {
                return m;
            }
        }
        panic!("never saw {what}");
    }

    /// Sends one JSON text frame.
    pub async fn send(&mut self, json: &str) {
        self.ws
            .send(Message::text(json.to_owned()))
            .await
            .expect("send");
    }

    /// Sends `resume` and returns the `resumed` answer (messages before it are dropped).
    pub async fn resume(&mut self, channel: &str, epoch: &str, after_seq: u64) -> Resumed {
        self.send(&format!(
            r#"{{"type":"resume","id":"r","channel":"{channel}","epoch":"{epoch}","after_seq":{after_seq}}}"#
        ))
        .await;
        match self
            .until("resumed", |m| matches!(m, ServerMessage::Resumed(_)))
            .await
        {
            ServerMessage::Resumed(r) => r,
            _ => unreachable!(),
        }
    }
}
