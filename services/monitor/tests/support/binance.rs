//! A local server that stands in for Binance's spot market-data endpoint: there is no network
//! here. It speaks the same wire format, `GET /stream?streams=a/b/c` upgraded to a WebSocket
//! whose text frames are combined-stream envelopes, and it sends protocol pings. The frames it
//! sends are Binance's own documentation examples (`tests/data/binance/frames.jsonl`) or
//! frames of the same shape built by the test. The test scripts it: send frames, ping, go
//! silent, drop a connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::broadcast;

/// The documentation examples, one combined-stream frame per line.
pub fn doc_frames() -> Vec<String> {
    include_str!("../data/binance/frames.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the test tells every open connection to do.
#[derive(Debug, Clone)]
pub enum Command {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    /// Close the TCP connection without a close frame.
    Drop,
}

/// One connection as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub streams: String,
    pub opened: Instant,
    pub closed: Option<Instant>,
    /// Whether the client ended it (close frame or EOF) rather than the server.
    pub closed_by_client: bool,
}

#[derive(Debug)]
pub struct Shared {
    commands: broadcast::Sender<Command>,
    pub connections: Mutex<Vec<Seen>>,
    pub pongs: Mutex<Vec<Vec<u8>>>,
    /// Frames sent to every new connection first.
    pub greeting: Mutex<Vec<String>>,
    pub opened: AtomicU64,
}

#[derive(Clone)]
pub struct BinanceStandIn {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
}

#[derive(serde::Deserialize)]
struct Params {
    streams: String,
}

impl BinanceStandIn {
    pub async fn start(greeting: Vec<String>) -> Self {
        let (commands, _) = broadcast::channel(1_024);
        let shared = Arc::new(Shared {
            commands,
            connections: Mutex::new(Vec::new()),
            pongs: Mutex::new(Vec::new()),
            greeting: Mutex::new(greeting),
            opened: AtomicU64::new(0),
        });
        let app = axum::Router::new()
            .route("/stream", get(upgrade))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared }
    }

    pub fn endpoint(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Sends to every open connection.
    pub fn send(&self, command: Command) {
        let _ = self.shared.commands.send(command);
    }

    pub fn connections(&self) -> Vec<Seen> {
        self.shared.connections.lock().unwrap().clone()
    }

    pub fn pongs(&self) -> Vec<Vec<u8>> {
        self.shared.pongs.lock().unwrap().clone()
    }
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<Params>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| serve(socket, shared, params.streams))
}

async fn serve(mut socket: WebSocket, shared: Arc<Shared>, streams: String) {
    let mut commands = shared.commands.subscribe();
    let index = {
        let mut all = shared.connections.lock().unwrap();
        all.push(Seen {
            streams,
            opened: Instant::now(),
            closed: None,
            closed_by_client: false,
        });
        all.len() - 1
    };
    shared.opened.fetch_add(1, Ordering::Relaxed);
    let greeting = shared.greeting.lock().unwrap().clone();
    for frame in greeting {
        if socket.send(Message::text(frame)).await.is_err() {
            break;
        }
    }
    let by_client = loop {
        tokio::select! {
            command = commands.recv() => {
                let message = match command {
                    Ok(Command::Text(t)) => Message::text(t),
                    Ok(Command::Binary(b)) => Message::Binary(b.into()),
                    Ok(Command::Ping(p)) => Message::Ping(p.into()),
                    Ok(Command::Drop) | Err(_) => break false,
                };
                if socket.send(message).await.is_err() {
                    break true;
                }
            }
            frame = socket.recv() => match frame {
                Some(Ok(Message::Pong(payload))) => shared.pongs.lock().unwrap().push(payload.to_vec()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break true,
                Some(Ok(_)) => {}
            },
        }
    };
    let mut all = shared.connections.lock().unwrap();
    all[index].closed = Some(Instant::now());
    all[index].closed_by_client = by_client;
}
