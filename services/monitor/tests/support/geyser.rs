//! An in-process Yellowstone gRPC server, built from `yellowstone_grpc_proto`'s generated
//! `GeyserServer` on 127.0.0.1, and an axum JSON-RPC stub serving `getMultipleAccounts`.
//!
//! Both are real servers on real sockets; the monitor talks to them through its real
//! `yellowstone-grpc-client` and `reqwest` clients. What they serve is the real mainnet
//! accounts under `../shared/fixtures/accounts/`. Only the validator behind them is
//! simulated: no validator can run here, so the test decides which account writes happen at
//! which slot.
//!
//! The Geyser server keeps what a real one keeps: every published write (for `from_slot`
//! replay, with a configurable floor below which the gap cannot be replayed), the current
//! filter set per stream (a non-ping request replaces it), and the requests it received. It
//! runs on its own runtime so a test can kill it the hard way (every socket closed at once)
//! and start it again on the same port.
//!
//! It answers like a chosen yellowstone-grpc server [`Generation`], with the codes and texts
//! of the real plugin (`yellowstone-grpc-geyser/src/grpc.rs`): no replay, a gap as INTERNAL or
//! as OUT_OF_RANGE, and a refused `x-token`. It can also hold every message back by a set
//! delay (a slower provider) or stop sending on open streams (a stalled one).

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use decoder::Pubkey;
use futures::{Stream, StreamExt};
use tokio::sync::{broadcast, mpsc};
use yellowstone_grpc_proto::geyser::geyser_server::{Geyser, GeyserServer};
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::*;
use yellowstone_grpc_proto::tonic::{self, Request, Response, Status, Streaming};

/// One real mainnet account from the fixtures.
#[derive(Debug, Clone)]
pub struct Account {
    pub pubkey: Pubkey,
    pub owner: Pubkey,
    pub data: Vec<u8>,
    pub lamports: u64,
    pub kind: String,
}

/// Every fixture account; `None` (with a notice) when absent outside CI.
pub fn fixture_accounts() -> Option<Vec<Account>> {
    let all = decoder::test_utils::all_fixtures()?;
    Some(
        all.into_iter()
            .map(|f| Account {
                pubkey: f.pubkey.parse().expect("fixture pubkey"),
                owner: f.account.owner,
                data: f.account.data,
                lamports: f.account.lamports,
                kind: f.kind,
            })
            .collect(),
    )
}

/// The fixture pools of every kind the monitor prices.
pub fn fixture_pools(accounts: &[Account]) -> Vec<Pubkey> {
    accounts
        .iter()
        .filter(|a| {
            matches!(
                a.kind.as_str(),
                "raydium-amm-v4.AmmInfo"
                    | "raydium-cpmm.PoolState"
                    | "raydium-clmm.PoolState"
                    | "orca-whirlpool.Whirlpool"
                    | "meteora-dlmm.LbPair"
            )
        })
        .map(|a| a.pubkey)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// How the server answers `from_slot`, by yellowstone-grpc geyser version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// 12.3 / 13.1 and later with replay on: a gap beyond the window is OUT_OF_RANGE.
    OutOfRangeGap,
    /// 3.2 / 4.2 → 12.2 with replay on: a gap beyond the window is INTERNAL.
    InternalGap,
    /// Any version from 3.2 with `replay_stored_slots = 0`: every `from_slot` is INTERNAL.
    NoReplay,
}

/// One write as the server publishes it.
#[derive(Debug, Clone)]
struct Write {
    slot: u64,
    update: SubscribeUpdate,
    pubkey: Option<String>,
    published: tokio::time::Instant,
}

/// State that outlives a killed server.
#[derive(Debug)]
pub struct Shared {
    /// Every request received, in order, across all streams.
    pub requests: Mutex<Vec<SubscribeRequest>>,
    history: Mutex<Vec<Write>>,
    live: broadcast::Sender<Write>,
    /// `from_slot` below this cannot be replayed.
    pub replay_floor: AtomicU64,
    pub generation: Mutex<Generation>,
    /// Accept streams but send nothing, on new streams and open ones (a stalled server).
    pub silent: AtomicBool,
    /// Every live message leaves this long after it was published (a slower provider).
    pub delay_ms: AtomicU64,
    /// Subscribe calls refused for a bad `x-token`.
    pub refused: AtomicU64,
    /// Send one ping when a stream opens.
    pub ping_on_connect: AtomicBool,
    pub ping_replies: AtomicU64,
    pub subscribes: AtomicU64,
    /// The `x-token` the server requires, when set.
    pub x_token: Mutex<Option<String>>,
    write_version: AtomicU64,
}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            requests: Mutex::new(Vec::new()),
            history: Mutex::new(Vec::new()),
            live: broadcast::channel(65_536).0,
            replay_floor: AtomicU64::new(0),
            generation: Mutex::new(Generation::OutOfRangeGap),
            silent: AtomicBool::new(false),
            delay_ms: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            ping_on_connect: AtomicBool::new(false),
            ping_replies: AtomicU64::new(0),
            subscribes: AtomicU64::new(0),
            x_token: Mutex::new(None),
            write_version: AtomicU64::new(1),
        })
    }

    /// Publishes an account write at `slot` (kept for replay, streamed to live streams).
    pub fn publish(&self, account: &Account, data: &[u8], slot: u64) {
        let write_version = self.write_version.fetch_add(1, Ordering::Relaxed);
        let update = SubscribeUpdate {
            filters: vec![],
            update_oneof: Some(UpdateOneof::Account(SubscribeUpdateAccount {
                account: Some(SubscribeUpdateAccountInfo {
                    pubkey: account.pubkey.to_bytes().to_vec(),
                    lamports: account.lamports,
                    owner: account.owner.to_bytes().to_vec(),
                    executable: false,
                    rent_epoch: u64::MAX,
                    data: data.to_vec(),
                    write_version,
                    txn_signature: None,
                }),
                slot,
                is_startup: false,
                ..Default::default()
            })),
            created_at: None,
        };
        self.push(Write {
            slot,
            update,
            pubkey: Some(account.pubkey.to_string()),
            published: tokio::time::Instant::now(),
        });
    }

    /// Publishes a processed-slot tick.
    pub fn publish_slot(&self, slot: u64) {
        let update = SubscribeUpdate {
            filters: vec![],
            update_oneof: Some(UpdateOneof::Slot(SubscribeUpdateSlot {
                slot,
                parent: slot.checked_sub(1),
                status: SlotStatus::SlotProcessed as i32,
                dead_error: None,
                ..Default::default()
            })),
            created_at: None,
        };
        self.push(Write {
            slot,
            update,
            pubkey: None,
            published: tokio::time::Instant::now(),
        });
    }

    /// Numbers this server's writes from `base`: another validator, another sequence.
    pub fn set_write_version_base(&self, base: u64) {
        self.write_version.store(base, Ordering::Relaxed);
    }

    /// Answer like `generation` from now on.
    pub fn set_generation(&self, generation: Generation) {
        *self.generation.lock().unwrap() = generation;
    }

    fn push(&self, write: Write) {
        self.history.lock().unwrap().push(write.clone());
        let _ = self.live.send(write);
    }

    /// The accounts named by the newest non-ping request.
    pub fn subscribed_accounts(&self) -> HashSet<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|r| r.ping.is_none())
            .map(filter_accounts)
            .unwrap_or_default()
    }

    /// The `from_slot` of every subscribe (first request of each stream).
    pub fn subscribe_requests(&self) -> Vec<SubscribeRequest> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.ping.is_none())
            .cloned()
            .collect()
    }
}

fn filter_accounts(request: &SubscribeRequest) -> HashSet<String> {
    request
        .accounts
        .values()
        .flat_map(|f| f.account.iter().cloned())
        .collect()
}

fn wants(filter: &HashSet<String>, write: &Write) -> bool {
    write.pubkey.as_ref().is_none_or(|k| filter.contains(k))
}

#[derive(Debug, Clone)]
struct MockGeyser {
    shared: Arc<Shared>,
}

type UpdateStream = Pin<Box<dyn Stream<Item = Result<SubscribeUpdate, Status>> + Send>>;

#[tonic::async_trait]
impl Geyser for MockGeyser {
    type SubscribeStream = UpdateStream;

    async fn subscribe(
        &self,
        request: Request<Streaming<SubscribeRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let required = self.shared.x_token.lock().unwrap().clone();
        if let Some(required) = required {
            let presented = request
                .metadata()
                .get("x-token")
                .and_then(|v| v.to_str().ok());
            if presented != Some(required.as_str()) {
                // The plugin's XTokenInterceptor, on the call itself.
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
                return Err(Status::unauthenticated("No valid auth token"));
            }
        }
        let mut requests = request.into_inner();
        let first = match requests.next().await {
            Some(Ok(first)) => first,
            _ => return Err(Status::invalid_argument("no subscribe request")),
        };
        let shared = self.shared.clone();
        shared.requests.lock().unwrap().push(first.clone());
        let (tx, rx) = mpsc::channel::<Result<SubscribeUpdate, Status>>(4_096);
        let filter = Arc::new(Mutex::new(filter_accounts(&first)));

        // Requests after the first: pings are counted, anything else replaces the filters.
        {
            let (shared, filter) = (shared.clone(), filter.clone());
            tokio::spawn(async move {
                while let Some(Ok(request)) = requests.next().await {
                    if request.ping.is_some() {
                        shared.ping_replies.fetch_add(1, Ordering::Relaxed);
                    } else {
                        *filter.lock().unwrap() = filter_accounts(&request);
                    }
                    shared.requests.lock().unwrap().push(request);
                }
            });
        }

        if shared.silent.load(Ordering::Relaxed) {
            shared.subscribes.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                // Keep the stream open and say nothing.
                tx.closed().await;
            });
            return Ok(Response::new(Box::pin(
                tokio_stream::wrappers::ReceiverStream::new(rx),
            )));
        }
        // Replay answers come as an error item on the accepted stream, as the plugin's
        // client loop sends them.
        if let Some(from) = first.from_slot {
            let floor = shared.replay_floor.load(Ordering::Relaxed);
            let gap = format!("broadcast from {from} is not available, last available: {floor}");
            let refusal = match *shared.generation.lock().unwrap() {
                Generation::NoReplay => Some(Status::internal("from_slot is not supported")),
                Generation::InternalGap if from < floor => Some(Status::internal(gap)),
                Generation::OutOfRangeGap if from < floor => Some(Status::out_of_range(gap)),
                _ => None,
            };
            if let Some(status) = refusal {
                shared.subscribes.fetch_add(1, Ordering::Relaxed);
                let _ = tx.send(Err(status)).await;
                return Ok(Response::new(Box::pin(
                    tokio_stream::wrappers::ReceiverStream::new(rx),
                )));
            }
        }
        // Subscribe to live writes before reading history, so nothing falls in between.
        let mut live = shared.live.subscribe();
        // Counted once it follows live writes: a test may publish as soon as it sees this.
        shared.subscribes.fetch_add(1, Ordering::Relaxed);
        let replay: Vec<Write> = match first.from_slot {
            Some(from) => shared
                .history
                .lock()
                .unwrap()
                .iter()
                .filter(|w| w.slot >= from)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let ping = shared.ping_on_connect.load(Ordering::Relaxed);
        tokio::spawn(async move {
            if ping {
                let ping = SubscribeUpdate {
                    update_oneof: Some(UpdateOneof::Ping(SubscribeUpdatePing {})),
                    ..Default::default()
                };
                if tx.send(Ok(ping)).await.is_err() {
                    return;
                }
            }
            let mut sent_up_to = 0usize;
            for write in replay {
                sent_up_to += 1;
                if wants(&filter.lock().unwrap(), &write)
                    && tx.send(Ok(write.update.clone())).await.is_err()
                {
                    return;
                }
            }
            let _ = sent_up_to;
            loop {
                match live.recv().await {
                    Ok(write) => {
                        let delay = shared.delay_ms.load(Ordering::Relaxed);
                        if delay > 0 {
                            let due = write.published + std::time::Duration::from_millis(delay);
                            tokio::time::sleep_until(due).await;
                        }
                        if shared.silent.load(Ordering::Relaxed) {
                            continue;
                        }
                        let wanted = wants(&filter.lock().unwrap(), &write);
                        if wanted && tx.send(Ok(write.update)).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(Err(Status::data_loss("lagged"))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    type SubscribeDeshredStream =
        Pin<Box<dyn Stream<Item = Result<SubscribeUpdateDeshred, Status>> + Send>>;
    async fn subscribe_deshred(
        &self,
        _request: Request<Streaming<SubscribeDeshredRequest>>,
    ) -> Result<Response<Self::SubscribeDeshredStream>, Status> {
        Err(Status::unimplemented("not served by the test server"))
    }

    type SubscribeGossipStream =
        Pin<Box<dyn Stream<Item = Result<SubscribeUpdateGossip, Status>> + Send>>;
    async fn subscribe_gossip(
        &self,
        _request: Request<SubscribeGossipRequest>,
    ) -> Result<Response<Self::SubscribeGossipStream>, Status> {
        Err(Status::unimplemented("not served by the test server"))
    }

    async fn subscribe_replay_info(
        &self,
        _request: Request<SubscribeReplayInfoRequest>,
    ) -> Result<Response<SubscribeReplayInfoResponse>, Status> {
        let first = self.shared.replay_floor.load(Ordering::Relaxed);
        Ok(Response::new(SubscribeReplayInfoResponse {
            first_available: Some(first),
        }))
    }

    async fn ping(&self, request: Request<PingRequest>) -> Result<Response<PongResponse>, Status> {
        Ok(Response::new(PongResponse {
            count: request.into_inner().count,
        }))
    }

    async fn get_latest_blockhash(
        &self,
        _request: Request<GetLatestBlockhashRequest>,
    ) -> Result<Response<GetLatestBlockhashResponse>, Status> {
        Err(Status::unimplemented("not served by the test server"))
    }

    async fn get_block_height(
        &self,
        _request: Request<GetBlockHeightRequest>,
    ) -> Result<Response<GetBlockHeightResponse>, Status> {
        Err(Status::unimplemented("not served by the test server"))
    }

    async fn get_slot(
        &self,
        _request: Request<GetSlotRequest>,
    ) -> Result<Response<GetSlotResponse>, Status> {
        Err(Status::unimplemented("not served by the test server"))
    }

    async fn is_blockhash_valid(
        &self,
        _request: Request<IsBlockhashValidRequest>,
    ) -> Result<Response<IsBlockhashValidResponse>, Status> {
        Err(Status::unimplemented("not served by the test server"))
    }

    async fn get_version(
        &self,
        _request: Request<GetVersionRequest>,
    ) -> Result<Response<GetVersionResponse>, Status> {
        Ok(Response::new(GetVersionResponse {
            version: "dexmon-test-geyser".to_owned(),
        }))
    }
}

/// A running in-process Geyser server; [`GeyserServerHandle::kill`] drops every connection.
#[derive(Debug)]
pub struct GeyserServerHandle {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl GeyserServerHandle {
    /// Starts a server on a free loopback port.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), Shared::new())
    }

    fn start_on(addr: SocketAddr, shared: Arc<Shared>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // Bound inside the server's runtime; SO_REUSEADDR lets a restart take the same port
        // while the killed connections linger in TIME_WAIT.
        let listener = {
            let _inside = runtime.enter();
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            // A killed runtime closes its sockets on a background thread: wait for the port.
            let mut tries = 0;
            while let Err(e) = socket.bind(addr) {
                tries += 1;
                assert!(tries < 200, "cannot bind {addr}: {e}");
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            socket.listen(1024).unwrap()
        };
        let addr = listener.local_addr().unwrap();
        let service = GeyserServer::new(MockGeyser {
            shared: shared.clone(),
        });
        runtime.spawn(async move {
            let incoming = tonic::transport::server::TcpIncoming::from(listener);
            let _ = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(incoming)
                .await;
        });
        Self {
            addr,
            shared,
            runtime: Some(runtime),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the server: its runtime goes, and with it every socket.
    pub fn kill(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }

    /// Starts it again on the same port, with the same history.
    pub fn restart(&mut self) {
        self.kill();
        let mut again = Self::start_on(self.addr, self.shared.clone());
        self.runtime = again.runtime.take();
    }
}

impl Drop for GeyserServerHandle {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A JSON-RPC stub that answers `getMultipleAccounts` and `getProgramAccounts` in the real
/// response shapes, from the fixture accounts (and anything the test sets later).
///
/// `getProgramAccounts` applies Agave's filter semantics: `dataSize` is the exact length,
/// `memcmp` compares bytes (base58 or base64) at an offset and fails when out of range, at
/// most four filters, and `dataSlice` returns `data[offset..offset+length]` clamped to the
/// account while `space` stays the whole length. A provider that refuses the method
/// (`refuse_program_accounts`) answers like one that disables it: JSON-RPC -32601.
/// `rate_limited` makes the next N calls answer HTTP 429. `program_accounts_delay_ms` makes
/// each `getProgramAccounts` take that long (an expensive call), and `max_in_flight` records
/// how many were ever served at once.
#[derive(Debug)]
pub struct RpcStub {
    pub addr: SocketAddr,
    pub calls: Arc<AtomicU64>,
    pub slot: Arc<AtomicU64>,
    pub program_account_calls: Arc<Mutex<Vec<serde_json::Value>>>,
    pub refuse_program_accounts: Arc<AtomicBool>,
    pub rate_limited: Arc<AtomicU64>,
    pub program_accounts_delay_ms: Arc<AtomicU64>,
    pub max_in_flight: Arc<AtomicU64>,
    accounts: Arc<Mutex<BTreeMap<String, Account>>>,
    _server: tokio::task::JoinHandle<()>,
}

impl RpcStub {
    pub async fn start(accounts: &[Account], slot: u64) -> Self {
        use axum::routing::post;
        let calls = Arc::new(AtomicU64::new(0));
        let slot = Arc::new(AtomicU64::new(slot));
        let map: BTreeMap<String, Account> = accounts
            .iter()
            .map(|a| (a.pubkey.to_string(), a.clone()))
            .collect();
        let accounts = Arc::new(Mutex::new(map));
        let program_account_calls = Arc::new(Mutex::new(Vec::new()));
        let refuse_program_accounts = Arc::new(AtomicBool::new(false));
        let rate_limited = Arc::new(AtomicU64::new(0));
        let program_accounts_delay_ms = Arc::new(AtomicU64::new(0));
        let max_in_flight = Arc::new(AtomicU64::new(0));
        let in_flight = Arc::new(AtomicU64::new(0));
        let app = {
            let (calls, slot, accounts) = (calls.clone(), slot.clone(), accounts.clone());
            let (gpa, refuse, limited) = (
                program_account_calls.clone(),
                refuse_program_accounts.clone(),
                rate_limited.clone(),
            );
            let (delay, max, now) = (
                program_accounts_delay_ms.clone(),
                max_in_flight.clone(),
                in_flight.clone(),
            );
            axum::Router::new().route(
                "/",
                post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                    let (calls, slot, accounts) = (calls.clone(), slot.clone(), accounts.clone());
                    let (gpa, refuse, limited) = (gpa.clone(), refuse.clone(), limited.clone());
                    let (delay, max, now) = (delay.clone(), max.clone(), now.clone());
                    async move {
                        use axum::response::IntoResponse as _;
                        calls.fetch_add(1, Ordering::Relaxed);
                        if limited
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                            .is_ok()
                        {
                            return (axum::http::StatusCode::TOO_MANY_REQUESTS, "Too many requests")
                                .into_response();
                        }
                        let slot = slot.load(Ordering::Relaxed);
                        let reply = if body["method"] == "getProgramAccounts" {
                            gpa.lock().unwrap().push(body.clone());
                            let serving = now.fetch_add(1, Ordering::SeqCst) + 1;
                            max.fetch_max(serving, Ordering::SeqCst);
                            let ms = delay.load(Ordering::Relaxed);
                            if ms > 0 {
                                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                            }
                            now.fetch_sub(1, Ordering::SeqCst);
                            if refuse.load(Ordering::Relaxed) {
                                serde_json::json!({"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": body["id"]})
                            } else {
                                program_accounts(&body, slot, &accounts.lock().unwrap())
                            }
                        } else {
                            answer(&body, slot, &accounts.lock().unwrap())
                        };
                        axum::Json(reply).into_response()
                    }
                }),
            )
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            calls,
            slot,
            program_account_calls,
            refuse_program_accounts,
            rate_limited,
            program_accounts_delay_ms,
            max_in_flight,
            accounts,
            _server: server,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Removes an account from now on (a closed pool).
    pub fn remove(&self, pubkey: &Pubkey) {
        self.accounts.lock().unwrap().remove(&pubkey.to_string());
    }

    /// Replaces an account's data from now on.
    pub fn set(&self, account: Account) {
        self.accounts
            .lock()
            .unwrap()
            .insert(account.pubkey.to_string(), account);
    }
}

/// The `getMultipleAccounts` answer, shaped like a real node's (see
/// `../shared/fixtures/rpc/`).
fn answer(
    body: &serde_json::Value,
    slot: u64,
    accounts: &BTreeMap<String, Account>,
) -> serde_json::Value {
    let id = body.get("id").cloned().unwrap_or(serde_json::Value::Null);
    if body.get("method").and_then(|m| m.as_str()) != Some("getMultipleAccounts") {
        return serde_json::json!({"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": id});
    }
    let keys = body["params"][0].as_array().cloned().unwrap_or_default();
    if keys.len() > 100 {
        return serde_json::json!({"jsonrpc": "2.0", "error": {"code": -32602, "message": "Too many inputs provided; max 100"}, "id": id});
    }
    let value: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| match k.as_str().and_then(|k| accounts.get(k)) {
            None => serde_json::Value::Null,
            Some(a) => serde_json::json!({
                "data": [base64::engine::general_purpose::STANDARD.encode(&a.data), "base64"],
                "executable": false,
                "lamports": a.lamports,
                "owner": a.owner.to_string(),
                "rentEpoch": u64::MAX,
                "space": a.data.len(),
            }),
        })
        .collect();
    serde_json::json!({
        "jsonrpc": "2.0",
        "result": {"context": {"apiVersion": "2.1.9", "slot": slot}, "value": value},
        "id": id,
    })
}

/// Decodes base58 (the Bitcoin alphabet Solana uses), any length.
fn base58_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut bytes: Vec<u8> = Vec::new();
    for c in text.bytes() {
        let mut carry = ALPHABET.iter().position(|a| *a == c)? as u32;
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = text.bytes().take_while(|c| *c == b'1').count();
    let mut out = vec![0u8; zeros];
    out.extend(bytes);
    Some(out)
}

/// One `getProgramAccounts` filter as Agave reads it; `Err` for a malformed one.
fn filter_passes(filter: &serde_json::Value, data: &[u8]) -> Result<bool, String> {
    if let Some(size) = filter.get("dataSize") {
        let size = size.as_u64().ok_or("dataSize must be a number")?;
        return Ok(data.len() as u64 == size);
    }
    let memcmp = filter.get("memcmp").ok_or("unknown filter")?;
    let offset = memcmp["offset"].as_u64().ok_or("memcmp offset")? as usize;
    let text = memcmp["bytes"].as_str().ok_or("memcmp bytes")?;
    let bytes = match memcmp
        .get("encoding")
        .and_then(|e| e.as_str())
        .unwrap_or("base58")
    {
        "base58" => base58_decode(text).ok_or("invalid base58")?,
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| "invalid base64")?,
        other => return Err(format!("unsupported memcmp encoding {other}")),
    };
    Ok(data
        .get(offset..offset.saturating_add(bytes.len()))
        .is_some_and(|have| have == bytes.as_slice()))
}

/// The `getProgramAccounts` answer over the stub's accounts, with real filter semantics.
fn program_accounts(
    body: &serde_json::Value,
    slot: u64,
    accounts: &BTreeMap<String, Account>,
) -> serde_json::Value {
    let id = body.get("id").cloned().unwrap_or(serde_json::Value::Null);
    let invalid = |message: String| serde_json::json!({"jsonrpc": "2.0", "error": {"code": -32602, "message": message}, "id": id});
    let program = body["params"][0].as_str().unwrap_or_default();
    let config = &body["params"][1];
    if config["encoding"] != "base64" {
        return invalid("this stub serves encoding base64 only".into());
    }
    let filters = config["filters"].as_array().cloned().unwrap_or_default();
    if filters.len() > 4 {
        return invalid("Too many filters provided; max 4".into());
    }
    let slice = config.get("dataSlice").map(|s| {
        (
            s["offset"].as_u64().unwrap_or(0) as usize,
            s["length"].as_u64().unwrap_or(0) as usize,
        )
    });
    let mut value = Vec::new();
    for account in accounts.values() {
        if account.owner.to_string() != program {
            continue;
        }
        let mut passes = true;
        for filter in &filters {
            match filter_passes(filter, &account.data) {
                Ok(true) => {}
                Ok(false) => passes = false,
                Err(message) => return invalid(message),
            }
        }
        if !passes {
            continue;
        }
        let data = match slice {
            None => account.data.as_slice(),
            Some((offset, length)) => {
                let start = offset.min(account.data.len());
                let end = offset.saturating_add(length).min(account.data.len());
                &account.data[start..end]
            }
        };
        value.push(serde_json::json!({
            "pubkey": account.pubkey.to_string(),
            "account": {
                "data": [base64::engine::general_purpose::STANDARD.encode(data), "base64"],
                "executable": false,
                "lamports": account.lamports,
                "owner": program,
                "rentEpoch": u64::MAX,
                "space": account.data.len(),
            },
        }));
    }
    let result = if config["withContext"] == true {
        serde_json::json!({"context": {"apiVersion": "2.1.9", "slot": slot}, "value": value})
    } else {
        serde_json::Value::Array(value)
    };
    serde_json::json!({"jsonrpc": "2.0", "result": result, "id": id})
}
