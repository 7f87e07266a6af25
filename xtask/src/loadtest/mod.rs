//! `cargo xtask loadtest`: WebSocket fan-out, dexmon against its peers, side by side in one
//! run on this machine.
//!
//! # Targets
//! Each publishes `log` messages at a set rate to every client, stamped with the publication
//! time in nanoseconds since the Unix epoch (`context.sent_ns`) and a per-channel `seq`:
//! - `dexmon`: the release monitor with its benchmark publisher (`--bench-publish-rate`), so
//!   the messages take the real path (hub, encode once, outbox, writer). JSON, and MessagePack
//!   through the `dexmon.v1.msgpack` subprotocol.
//! - `naive`: `naive-broadcast`, an axum server that sends a `String` from a
//!   `tokio::sync::broadcast` channel to each client (this crate's second binary).
//! - `node-ws`: `peers/node/server.mjs` on the `ws` package.
//! - `python-websockets`: `peers/python/server.py` on `websockets` and its `broadcast()`.
//!
//! # Measurement
//! The server runs on CPU 0 (`taskset -c 0`), this load client on CPU 1 on a single-threaded
//! runtime. After a warm-up, every healthy client records the latency from `sent_ns` to receipt
//! (same host clock) in an HDR histogram, counts deliveries, and checks `seq` for gaps (lost)
//! and repeats (duplicates). Server CPU time comes from `/proc/PID/stat` and memory from
//! `VmRSS` in `/proc/PID/status`. Everything is bounded in time and count and stops by itself.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;

mod nats;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Target {
    Dexmon,
    Naive,
    NodeWs,
    PythonWebsockets,
}

impl Target {
    const ALL: [Self; 4] = [
        Self::Dexmon,
        Self::Naive,
        Self::NodeWs,
        Self::PythonWebsockets,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Dexmon => "dexmon",
            Self::Naive => "naive",
            Self::NodeWs => "node-ws",
            Self::PythonWebsockets => "python-websockets",
        }
    }

    fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!("unknown target {s:?} (dexmon, naive, node-ws, python-websockets)")
            })
    }
}

/// The wire format a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Json,
    MsgPack,
}

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) targets: Vec<Target>,
    pub(crate) scenarios: Vec<String>,
    /// Measured seconds per run (after a 2 s warm-up).
    pub(crate) seconds: u64,
    /// Publish rates (messages/s) for the 1,000-client sweep.
    pub(crate) sweep_rates: Vec<u32>,
    pub(crate) idle: usize,
    pub(crate) payload: usize,
    /// Write the results into docs/benchmarks.md and docs/loadtest.svg.
    pub(crate) write_docs: bool,
}

const SCENARIOS: [&str; 7] = [
    "sweep", "latency", "idle", "stall", "msgpack", "e2e", "nats",
];

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Self {
            targets: Target::ALL.to_vec(),
            scenarios: SCENARIOS.iter().map(|s| (*s).to_owned()).collect(),
            seconds: 5,
            sweep_rates: vec![100, 250, 500, 1_000, 2_000],
            idle: 10_000,
            payload: 256,
            write_docs: false,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if flag == "--write-docs" {
                o.write_docs = true;
                continue;
            }
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: {value} is not a number"))
            };
            match flag.as_str() {
                "--targets" => {
                    o.targets = value
                        .split(',')
                        .map(Target::parse)
                        .collect::<Result<_, _>>()?
                }
                "--scenarios" => {
                    o.scenarios = value.split(',').map(str::to_owned).collect();
                    if let Some(bad) = o
                        .scenarios
                        .iter()
                        .find(|s| !SCENARIOS.contains(&s.as_str()))
                    {
                        return Err(format!(
                            "unknown scenario {bad:?} ({})",
                            SCENARIOS.join(", ")
                        ));
                    }
                }
                "--seconds" => o.seconds = number()?.clamp(1, 120),
                "--rates" => {
                    o.sweep_rates = value
                        .split(',')
                        .map(|r| r.parse().map_err(|_| format!("bad rate {r}")))
                        .collect::<Result<_, _>>()?;
                }
                // Each idle connection is a socket here and one in the server: stay well under
                // this machine's 20,000 open files per process.
                "--idle" => o.idle = usize::try_from(number()?.min(15_000)).unwrap_or(15_000),
                "--payload" => {
                    o.payload = usize::try_from(number()?.clamp(200, 65_536)).unwrap_or(256)
                }
                other => return Err(format!("unknown loadtest flag {other}")),
            }
        }
        Ok(o)
    }
}

/// One measured run.
#[derive(Debug, Clone)]
struct RunResult {
    scenario: &'static str,
    target: Target,
    codec: Codec,
    clients: usize,
    stalled: usize,
    rate: u32,
    delivered_per_s: f64,
    p50_us: u64,
    p99_us: u64,
    p999_us: u64,
    max_us: u64,
    lost: u64,
    duplicates: u64,
    disconnected: usize,
    cpu_ns_per_delivery: f64,
    rss_mib: f64,
}

impl RunResult {
    fn offered(&self) -> f64 {
        f64::from(self.rate) * (self.clients - self.stalled) as f64
    }

    /// Everything published reached every healthy client, at the rate it was published.
    fn sustained(&self) -> bool {
        self.lost == 0 && self.disconnected == 0 && self.delivered_per_s >= 0.95 * self.offered()
    }
}

// ---------------------------------------------------------------------------------------
// Servers

struct Server {
    child: Child,
    pid: u32,
    addr: String,
    path: &'static str,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

struct Binaries {
    monitor: PathBuf,
    naive: PathBuf,
    node_dir: PathBuf,
    python_server: PathBuf,
}

impl Binaries {
    fn new(root: &Path) -> Self {
        let target =
            std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
        Self {
            monitor: target.join("release/monitor"),
            naive: target.join("release/naive-broadcast"),
            node_dir: root.join("xtask/peers/node"),
            python_server: root.join("xtask/peers/python/server.py"),
        }
    }
}

/// Starts a server that begins publishing `delay` after it starts, so clients connect first.
fn start_server(
    bins: &Binaries,
    target: Target,
    rate: u32,
    payload: usize,
    delay: Duration,
) -> Result<Server, String> {
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let (rate_s, payload_s, port_s) = (rate.to_string(), payload.to_string(), port.to_string());
    let delay_s = delay.as_millis().to_string();
    // The server gets CPU 0; this process runs on CPU 1.
    let mut command = Command::new("taskset");
    command.args(["-c", "0"]);
    let path = match target {
        Target::Dexmon => {
            command.arg(&bins.monitor).args([
                "--listen",
                &addr,
                "--sim-rate",
                "100",
                "--bench-publish-rate",
                &rate_s,
                "--bench-payload",
                &payload_s,
                "--bench-publish-delay-ms",
                &delay_s,
                "--max-connections",
                "20000",
                "--heartbeat-secs",
                "300",
            ]);
            command.env("DEXMON_LOG", "error");
            "/ws"
        }
        Target::Naive => {
            command
                .arg(&bins.naive)
                .args([&port_s, &rate_s, &payload_s]);
            "/ws"
        }
        Target::NodeWs => {
            command
                .arg("node")
                .arg(bins.node_dir.join("server.mjs"))
                .args([&port_s, &rate_s, &payload_s, &delay_s])
                .current_dir(&bins.node_dir);
            "/"
        }
        Target::PythonWebsockets => {
            command
                .arg("python3")
                .arg(&bins.python_server)
                .args([&port_s, &rate_s, &payload_s]);
            "/"
        }
    };
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", target.name()))?;
    let pid = child.id();
    let server = Server {
        child,
        pid,
        addr,
        path,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&server.addr).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{} did not start listening", target.name()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // `taskset` execs the server, so the pid is the server's own.
    Ok(server)
}

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn rss_kib(pid: u32) -> u64 {
    proc_field(pid, "status", "VmRSS:").unwrap_or(0)
}

/// User plus system CPU time of a process, in nanoseconds.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime (fields 14 and 15 of stat) are the 12th and 13th after the name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    ticks * 10_000_000 // 100 ticks per second
}

// ---------------------------------------------------------------------------------------
// Clients

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The number after `"key":` (optionally quoted, optionally after spaces).
fn number_after(text: &[u8], key: &[u8]) -> Option<u128> {
    let at = text.windows(key.len()).position(|w| w == key)? + key.len();
    let rest = &text[at..];
    let start = rest.iter().position(|b| b.is_ascii_digit())?;
    // Only a colon, spaces and a quote may come between the key and the number.
    if !rest[..start]
        .iter()
        .all(|b| matches!(b, b':' | b' ' | b'"'))
    {
        return None;
    }
    let digits = &rest[start..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

#[derive(serde::Deserialize)]
struct PackedLog {
    #[serde(rename = "type")]
    kind: String,
    seq: Option<u64>,
    context: Option<BTreeMap<String, String>>,
}

/// The (seq, sent_ns) of a benchmark message, or `None` for anything else.
fn bench_fields(message: &Message, codec: Codec) -> Option<(u64, u128)> {
    match (codec, message) {
        (Codec::Json, Message::Text(text)) => {
            let bytes = text.as_bytes();
            // Only `log` messages carry the stamp; skip `connected`, snapshots, health. Every
            // target writes `type` first; Python's json puts a space after the colon.
            if !(bytes.starts_with(b"{\"type\":\"log\"")
                || bytes.starts_with(b"{\"type\": \"log\""))
            {
                return None;
            }
            // `seq` comes right after `type`, and `sent_ns` at the very end: look only there,
            // so the client's cost does not grow with the payload.
            let seq =
                u64::try_from(number_after(&bytes[..bytes.len().min(48)], b"\"seq\"")?).ok()?;
            let tail = &bytes[bytes.len().saturating_sub(48)..];
            Some((seq, number_after(tail, b"\"sent_ns\"")?))
        }
        (Codec::MsgPack, Message::Binary(bytes)) => {
            let log: PackedLog = rmp_serde::from_slice(bytes).ok()?;
            if log.kind != "log" {
                return None;
            }
            Some((log.seq?, log.context?.get("sent_ns")?.parse().ok()?))
        }
        _ => None,
    }
}

/// One healthy client's figures.
struct ClientStats {
    latencies: Histogram<u64>,
    delivered: u64,
    lost: u64,
    duplicates: u64,
    disconnected: bool,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &Server, target: Target, codec: Codec) -> Result<Socket, String> {
    connect_to(&server.addr, server.path, target, codec).await
}

async fn connect_to(
    addr: &str,
    path: &str,
    target: Target,
    codec: Codec,
) -> Result<Socket, String> {
    let mut request = format!("ws://{addr}{path}")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    if codec == Codec::MsgPack {
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("dexmon.v1.msgpack"),
        );
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    if target == Target::Dexmon {
        // Only the benchmark channel.
        let unsubscribe =
            r#"{"type":"unsubscribe","channels":["prices","opportunities","health"]}"#;
        ws.send(Message::text(unsubscribe))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(ws)
}

/// Every healthy client's figures, added up.
struct Totals {
    latencies: Histogram<u64>,
    delivered: u64,
    lost: u64,
    duplicates: u64,
    disconnected: usize,
}

/// Waits for the client tasks (after their stop) and adds up what they measured.
async fn gather(tasks: Vec<tokio::task::JoinHandle<ClientStats>>) -> Result<Totals, String> {
    let mut totals = Totals {
        latencies: Histogram::new_with_bounds(1, 600_000_000, 3).map_err(|e| e.to_string())?,
        delivered: 0,
        lost: 0,
        duplicates: 0,
        disconnected: 0,
    };
    for task in tasks {
        let c = task.await.map_err(|e| e.to_string())?;
        totals
            .latencies
            .add(&c.latencies)
            .map_err(|e| e.to_string())?;
        totals.delivered += c.delivered;
        totals.lost += c.lost;
        totals.duplicates += c.duplicates;
        totals.disconnected += usize::from(c.disconnected);
    }
    Ok(totals)
}

async fn read_client(
    mut ws: Socket,
    codec: Codec,
    measuring: Arc<AtomicBool>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> ClientStats {
    let mut stats = ClientStats {
        latencies: Histogram::new_with_bounds(1, 600_000_000, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!())),
        delivered: 0,
        lost: 0,
        duplicates: 0,
        disconnected: false,
    };
    let mut last_seq: Option<u64> = None;
    loop {
        let message = tokio::select! {
            m = ws.next() => m,
            _ = stop.wait_for(|s| *s) => break,
        };
        let message = match message {
            Some(Ok(m)) => m,
            _ => {
                stats.disconnected = true;
                break;
            }
        };
        let Some((seq, sent_ns)) = bench_fields(&message, codec) else {
            continue;
        };
        match last_seq {
            Some(last) if seq <= last => stats.duplicates += 1,
            Some(last) => stats.lost += seq - last - 1,
            None => {}
        }
        last_seq = Some(last_seq.map_or(seq, |l| l.max(seq)));
        if measuring.load(Ordering::Relaxed) {
            stats.delivered += 1;
            let us = u64::try_from(now_ns().saturating_sub(sent_ns) / 1_000).unwrap_or(u64::MAX);
            let _ = stats.latencies.record(us.clamp(1, 600_000_000));
        }
    }
    stats
}

/// The end-to-end pipeline figure: from the simulator creating an account update to the
/// resulting `price_update` arriving on a client's socket, at `sim_rate` updates/s with
/// `clients` clients on the prices channel. The message carries its publication time
/// (`timestamp`, ms) and the age of the update it was built from (`last_update_ms`), so
/// the update's creation time is known to within a millisecond either way; the figures are
/// rounded to that resolution.
async fn pipeline_e2e(
    bins: &Binaries,
    clients: usize,
    sim_rate: u32,
    seconds: u64,
) -> Result<String, String> {
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new("taskset")
        .args(["-c", "0"])
        .arg(&bins.monitor)
        .args(["--listen", &addr, "--sim-rate", &sim_rate.to_string()])
        .env("DEXMON_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the monitor: {e}"))?;
    let pid = child.id();
    let server = Server {
        child,
        pid,
        addr,
        path: "/ws",
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&server.addr).is_err() {
        if Instant::now() > deadline {
            return Err("the monitor did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let measuring = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let url = format!("ws://{}/ws", server.addr);
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| e.to_string())?;
        let only_prices = r#"{"type":"unsubscribe","channels":["opportunities","health","logs"]}"#;
        ws.send(Message::text(only_prices))
            .await
            .map_err(|e| e.to_string())?;
        let (measuring, mut stop) = (measuring.clone(), stop_rx.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).ok()?;
            loop {
                let m = tokio::select! {
                    m = ws.next() => m,
                    _ = stop.wait_for(|s| *s) => break,
                };
                let Some(Ok(Message::Text(text))) = m else {
                    break;
                };
                if !text.as_str().starts_with(r#"{"type":"price_update""#)
                    || !measuring.load(Ordering::Relaxed)
                {
                    continue;
                }
                let now_us = now_ns() / 1_000;
                let v: serde_json::Value = serde_json::from_str(text.as_str()).ok()?;
                let published =
                    chrono::DateTime::parse_from_rfc3339(v["timestamp"].as_str()?).ok()?;
                let published_us = u128::try_from(published.timestamp_micros()).ok()?;
                let created_us =
                    published_us.saturating_sub(u128::from(v["last_update_ms"].as_u64()?) * 1_000);
                let _ = h.record(
                    u64::try_from(now_us.saturating_sub(created_us))
                        .unwrap_or(u64::MAX)
                        .max(1),
                );
            }
            Some(h)
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    let mut all =
        Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).map_err(|e| e.to_string())?;
    for t in tasks {
        if let Ok(Some(h)) = t.await {
            all.add(&h).map_err(|e| e.to_string())?;
        }
    }
    drop(server);
    #[allow(clippy::cast_precision_loss)]
    let line = format!(
        "Account update created by the simulator to `price_update` on a client's socket, {sim_rate} updates/s, {clients} clients on the prices channel: p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms over {} messages (each within 1 ms, from the message's own `timestamp` and `last_update_ms`).",
        all.value_at_quantile(0.5) as f64 / 1_000.0,
        all.value_at_quantile(0.99) as f64 / 1_000.0,
        all.value_at_quantile(0.999) as f64 / 1_000.0,
        all.len()
    );
    eprintln!("  {line}");
    Ok(line)
}

struct Scenario {
    name: &'static str,
    target: Target,
    codec: Codec,
    clients: usize,
    stalled: usize,
    rate: u32,
}

async fn run_once(
    bins: &Binaries,
    s: &Scenario,
    seconds: u64,
    payload: usize,
) -> Result<RunResult, String> {
    // Clients connect before publishing starts (about 4 ms each is ample), then 2 s warm-up.
    let delay = Duration::from_millis(1_000 + 4 * s.clients as u64);
    let publishing_at = tokio::time::Instant::now() + delay;
    let server = start_server(bins, s.target, s.rate, payload, delay)?;
    let measuring = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::with_capacity(s.clients);
    let mut stalled = Vec::with_capacity(s.stalled);
    for i in 0..s.clients {
        let ws = connect(&server, s.target, s.codec).await?;
        if i < s.stalled {
            // Connected and never read again: the server's buffers for it fill up.
            stalled.push(ws);
        } else {
            tasks.push(tokio::spawn(read_client(
                ws,
                s.codec,
                measuring.clone(),
                stop_rx.clone(),
            )));
        }
    }
    tokio::time::sleep_until(
        publishing_at.max(tokio::time::Instant::now()) + Duration::from_secs(2),
    )
    .await;
    let cpu_start = cpu_ns(server.pid);
    let started = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_ns(server.pid).saturating_sub(cpu_start);
    let rss = rss_kib(server.pid);
    let _ = stop_tx.send(true);
    let Totals {
        latencies,
        delivered,
        lost,
        duplicates,
        disconnected,
    } = gather(tasks).await?;
    drop(stalled);
    drop(server);
    #[allow(clippy::cast_precision_loss)]
    let result = RunResult {
        scenario: s.name,
        target: s.target,
        codec: s.codec,
        clients: s.clients,
        stalled: s.stalled,
        rate: s.rate,
        delivered_per_s: delivered as f64 / elapsed,
        p50_us: latencies.value_at_quantile(0.5),
        p99_us: latencies.value_at_quantile(0.99),
        p999_us: latencies.value_at_quantile(0.999),
        max_us: latencies.max(),
        lost,
        duplicates,
        disconnected,
        cpu_ns_per_delivery: if delivered == 0 {
            0.0
        } else {
            cpu as f64 / delivered as f64
        },
        rss_mib: rss as f64 / 1024.0,
    };
    eprintln!("  {}", row(&result));
    Ok(result)
}

/// Memory per idle connection: RSS with `idle` connections minus RSS with none, over `idle`.
async fn idle_memory(
    bins: &Binaries,
    target: Target,
    idle: usize,
    payload: usize,
) -> Result<(f64, f64), String> {
    let server = start_server(bins, target, 1, payload, Duration::ZERO)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(server.pid);
    let mut sockets = Vec::with_capacity(idle);
    for _ in 0..idle {
        sockets.push(connect(&server, target, Codec::Json).await?);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Drain what they were sent on connect, so the server holds nothing for them.
    for ws in &mut sockets {
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_micros(100), ws.next()).await {}
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(server.pid);
    #[allow(clippy::cast_precision_loss)]
    let per = after.saturating_sub(before) as f64 / idle.max(1) as f64;
    eprintln!(
        "  {:<18} idle {idle}: {per:.1} KiB per connection ({before} KiB -> {after} KiB)",
        target.name()
    );
    Ok((per, after as f64 / 1024.0))
}

// ---------------------------------------------------------------------------------------
// Report

fn codec_name(c: Codec) -> &'static str {
    match c {
        Codec::Json => "JSON",
        Codec::MsgPack => "MessagePack",
    }
}

fn ms(us: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let v = us as f64 / 1_000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.0}")
    }
}

fn row(r: &RunResult) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {:.0} | {:.0} | {} / {} / {} / {} | {} | {} | {} | {:.0} | {:.0} |",
        r.scenario,
        r.target.name(),
        codec_name(r.codec),
        if r.stalled > 0 {
            format!("{} ({} stalled)", r.clients, r.stalled)
        } else {
            r.clients.to_string()
        },
        r.rate,
        r.offered(),
        r.delivered_per_s,
        ms(r.p50_us),
        ms(r.p99_us),
        ms(r.p999_us),
        ms(r.max_us),
        r.lost,
        r.duplicates,
        r.disconnected,
        r.cpu_ns_per_delivery,
        r.rss_mib,
    )
}

const HEADER: &str = "| scenario | target | codec | clients | msg/s | offered deliveries/s | delivered/s | latency p50 / p99 / p99.9 / max (ms) | lost | dup | disconnected | server CPU ns/delivery | server RSS MiB |\n|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|";

/// An SVG of delivered/s against p99 latency, one line per target, from the sweep.
fn plot(results: &[RunResult]) -> String {
    let sweep: Vec<&RunResult> = results.iter().filter(|r| r.scenario == "sweep").collect();
    let (w, h, left, bottom) = (760.0, 420.0, 80.0, 50.0);
    let max_x = sweep.iter().map(|r| r.delivered_per_s).fold(1.0, f64::max) * 1.1;
    #[allow(clippy::cast_precision_loss)]
    let max_y = sweep
        .iter()
        .map(|r| (r.p99_us as f64 / 1_000.0).max(0.1))
        .fold(1.0, f64::max)
        .log10()
        .ceil()
        .max(1.0);
    let min_y = -1.0; // 0.1 ms
    let x = |v: f64| left + (w - left - 20.0) * v / max_x;
    let y = |ms: f64| {
        (h - bottom) - (h - bottom - 20.0) * (ms.max(0.1).log10() - min_y) / (max_y - min_y)
    };
    let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"16\" text-anchor=\"middle\" font-size=\"14\">1,000 clients: delivered messages/s against p99 latency (log scale)</text>\n",
        w / 2.0
    );
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>",
        h - bottom,
        w - 20.0,
        h - bottom
    );
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"20\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>",
        h - bottom
    );
    for i in 0..=4 {
        let v = max_x * f64::from(i) / 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{:.0}k</text>",
            x(v),
            h - bottom + 16.0,
            v / 1_000.0
        );
    }
    #[allow(clippy::cast_possible_truncation)]
    for e in (min_y as i32)..=(max_y as i32) {
        let v = 10f64.powi(e);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{} ms</text>",
            left - 6.0,
            y(v) + 4.0,
            v
        );
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/>",
            y(v),
            w - 20.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">delivered messages/s</text>",
        w / 2.0,
        h - 8.0
    );
    for (i, target) in Target::ALL.iter().enumerate() {
        let points: Vec<&&RunResult> = sweep
            .iter()
            .filter(|r| r.target == *target && r.codec == Codec::Json)
            .collect();
        if points.is_empty() {
            continue;
        }
        let colour = colours[i % colours.len()];
        #[allow(clippy::cast_precision_loss)]
        let path: Vec<String> = points
            .iter()
            .map(|r| {
                format!(
                    "{:.1},{:.1}",
                    x(r.delivered_per_s),
                    y(r.p99_us as f64 / 1_000.0)
                )
            })
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for p in &path {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                svg,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{}</text>",
            left + 12.0,
            40.0 + 16.0 * i as f64,
            target.name()
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn versions(root: &Path) -> String {
    let out = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| {
                String::from_utf8_lossy(if o.stdout.is_empty() {
                    &o.stderr
                } else {
                    &o.stdout
                })
                .trim()
                .to_owned()
            })
            .unwrap_or_else(|| "not found".into())
    };
    let ws = std::fs::read_to_string(root.join("xtask/peers/node/package-lock.json"))
        .ok()
        .and_then(|l| {
            let v: serde_json::Value = serde_json::from_str(&l).ok()?;
            v["packages"]["node_modules/ws"]["version"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "?".into());
    format!(
        "{}; node {} with ws {ws}; {} with websockets {}; tokio-tungstenite 0.29 client",
        out("rustc", &["--version"]),
        out("node", &["--version"]),
        out("python3", &["--version"]),
        out(
            "python3",
            &["-c", "import websockets; print(websockets.__version__)"]
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Entry

pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    let bins = Binaries::new(root);
    if options.targets.contains(&Target::NodeWs) && !bins.node_dir.join("node_modules/ws").exists()
    {
        crate::run(
            &bins.node_dir,
            "npm",
            &["ci", "--no-audit", "--no-fund"],
            &[],
        )?;
    }
    // This process and its runtime on CPU 1; servers on CPU 0.
    let pinned = Command::new("taskset")
        .args(["-cp", "1", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let placement = if pinned {
        "server on CPU 0 (`taskset -c 0`), load client on CPU 1 (one thread)"
    } else {
        "unpinned (taskset failed): server and client share both CPUs"
    };
    eprintln!("loadtest: {placement}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let started = chrono::Utc::now();
    let command = format!(
        "cargo xtask loadtest {}",
        std::env::args().skip(2).collect::<Vec<_>>().join(" ")
    );
    eprintln!("loadtest: {}", command.trim());
    let (results, idle, failures, notes) = runtime.block_on(scenarios(&bins, options))?;

    let mut report = String::new();
    let _ = writeln!(
        report,
        "Measured {} with `{}`.",
        started.format("%Y-%m-%d %H:%M UTC"),
        command.trim()
    );
    let _ = writeln!(
        report,
        "Placement: {placement}. Payload about {} bytes. Versions: {}.\n",
        options.payload,
        versions(root)
    );
    let summary = summarize(&results, &idle);
    if !summary.is_empty() {
        let _ = writeln!(report, "{summary}");
    }
    let _ = writeln!(report, "{HEADER}");
    for r in &results {
        let _ = writeln!(report, "{}", row(r));
    }
    for note in &notes {
        let _ = writeln!(report, "\n{note}");
    }
    if !failures.is_empty() {
        let _ = writeln!(report, "\nRuns that did not complete:");
        for f in &failures {
            let _ = writeln!(report, "- {f}");
        }
    }
    if !idle.is_empty() {
        let _ = writeln!(
            report,
            "\n| target | idle connections | server RSS per idle connection | server RSS |\n|---|---:|---:|---:|"
        );
        for (target, per, total) in &idle {
            let _ = writeln!(
                report,
                "| {} | {} | {per:.1} KiB | {total:.0} MiB |",
                target.name(),
                options.idle
            );
        }
    }
    println!("{report}");
    let out = root.join("target/loadtest");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    std::fs::write(out.join("results.md"), &report).map_err(|e| e.to_string())?;
    let svg = plot(&results);
    std::fs::write(out.join("loadtest.svg"), &svg).map_err(|e| e.to_string())?;
    if options.write_docs {
        let docs = root.join("docs/benchmarks.md");
        let text = std::fs::read_to_string(&docs).map_err(|e| e.to_string())?;
        let (begin, end) = ("<!-- loadtest:begin -->", "<!-- loadtest:end -->");
        let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
            return Err("docs/benchmarks.md has no loadtest markers".into());
        };
        let updated = format!(
            "{}{begin}\n{report}\n![loadtest plot](loadtest.svg)\n{}",
            &text[..a],
            &text[b..]
        );
        std::fs::write(&docs, updated).map_err(|e| e.to_string())?;
        std::fs::write(root.join("docs/loadtest.svg"), svg).map_err(|e| e.to_string())?;
        eprintln!("loadtest: wrote docs/benchmarks.md and docs/loadtest.svg");
    }
    Ok(())
}

type IdleRow = (Target, f64, f64);

/// A run never outlasts its measured time by more than two minutes (connecting 1,000 clients
/// to a slow server included).
async fn bounded(
    run: impl std::future::Future<Output = Result<RunResult, String>>,
    seconds: u64,
) -> Result<RunResult, String> {
    tokio::time::timeout(Duration::from_secs(seconds + 120), run)
        .await
        .map_err(|_| "a run took over two minutes longer than its measured time".to_owned())?
}

async fn scenarios(
    bins: &Binaries,
    o: &Options,
) -> Result<(Vec<RunResult>, Vec<IdleRow>, Vec<String>, Vec<String>), String> {
    let mut results = Vec::new();
    let mut idle = Vec::new();
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let has = |s: &str| o.scenarios.iter().any(|x| x == s);
    for &target in &o.targets {
        eprintln!("loadtest: {}", target.name());
        // A run that cannot finish (clients cannot connect, the server stalls) is reported and
        // the harness moves on.
        let attempt =
            async |s: Scenario, results: &mut Vec<RunResult>, failures: &mut Vec<String>| {
                let label = format!(
                    "{} {} {} clients at {} msg/s",
                    s.name,
                    target.name(),
                    s.clients,
                    s.rate
                );
                match bounded(run_once(bins, &s, o.seconds, o.payload), o.seconds).await {
                    Ok(r) => {
                        let sustained = r.sustained();
                        results.push(r);
                        sustained
                    }
                    Err(err) => {
                        eprintln!("  {label}: {err}");
                        failures.push(format!("{label}: {err}"));
                        false
                    }
                }
            };
        if has("sweep") {
            // Rising rates until a run loses messages or falls behind.
            for &rate in &o.sweep_rates {
                let s = Scenario {
                    name: "sweep",
                    target,
                    codec: Codec::Json,
                    clients: 1_000,
                    stalled: 0,
                    rate,
                };
                if !attempt(s, &mut results, &mut failures).await {
                    break;
                }
            }
        }
        if has("latency") {
            for rate in [1_000, 10_000] {
                let s = Scenario {
                    name: "latency",
                    target,
                    codec: Codec::Json,
                    clients: 100,
                    stalled: 0,
                    rate,
                };
                attempt(s, &mut results, &mut failures).await;
            }
        }
        if has("stall") {
            let s = Scenario {
                name: "stall",
                target,
                codec: Codec::Json,
                clients: 100,
                stalled: 10,
                rate: 1_000,
            };
            attempt(s, &mut results, &mut failures).await;
        }
        if has("msgpack") && target == Target::Dexmon {
            for (clients, rate) in [(100, 1_000), (1_000, 500)] {
                let s = Scenario {
                    name: "msgpack",
                    target,
                    codec: Codec::MsgPack,
                    clients,
                    stalled: 0,
                    rate,
                };
                attempt(s, &mut results, &mut failures).await;
            }
        }
        if has("e2e") && target == Target::Dexmon {
            match pipeline_e2e(bins, 100, 10_000, o.seconds).await {
                Ok(line) => notes.push(line),
                Err(err) => failures.push(format!("e2e: {err}")),
            }
        }
        if has("idle") {
            match tokio::time::timeout(
                Duration::from_secs(300),
                idle_memory(bins, target, o.idle, o.payload),
            )
            .await
            {
                Ok(Ok((per, total))) => idle.push((target, per, total)),
                Ok(Err(err)) => failures.push(format!("idle {}: {err}", target.name())),
                Err(_) => failures.push(format!("idle {}: over 5 minutes", target.name())),
            }
        }
    }
    if has("nats") && o.targets.contains(&Target::Dexmon) {
        eprintln!("loadtest: dexmon through NATS JetStream");
        match nats::scenario(bins, o).await {
            Ok(note) => notes.push(note),
            Err(err) => failures.push(format!("nats: {err}")),
        }
    }
    Ok((results, idle, failures, notes))
}

/// The figures the goals are stated in, per target, with dexmon's ratios.
fn summarize(results: &[RunResult], idle: &[IdleRow]) -> String {
    let best = |t: Target| {
        results
            .iter()
            .filter(|r| r.scenario == "sweep" && r.target == t && r.sustained())
            .map(|r| r.delivered_per_s)
            .fold(0.0, f64::max)
    };
    let find = |scenario: &str, t: Target, rate: u32| {
        results.iter().find(|r| {
            r.scenario == scenario && r.target == t && r.rate == rate && r.codec == Codec::Json
        })
    };
    let dexmon = best(Target::Dexmon);
    let mut text = String::from(
        "| target | max sustained deliveries/s, 1,000 clients | dexmon's ratio | p99 at 100 clients x 1,000 msg/s | p99 with 10% stalled | change | RSS per idle connection |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut any = false;
    for t in Target::ALL {
        if !results.iter().any(|r| r.target == t) && !idle.iter().any(|i| i.0 == t) {
            continue;
        }
        any = true;
        let b = best(t);
        let ratio = if t == Target::Dexmon {
            "-".to_owned()
        } else if b > 0.0 {
            format!("{:.1}x", dexmon / b)
        } else {
            "no sustained rate".to_owned()
        };
        let base = find("latency", t, 1_000);
        let stall = find("stall", t, 1_000);
        #[allow(clippy::cast_precision_loss)]
        let change = match (base, stall) {
            (Some(b), Some(s)) if b.p99_us > 0 => {
                format!("{:+.0}%", 100.0 * (s.p99_us as f64 / b.p99_us as f64 - 1.0))
            }
            _ => "-".to_owned(),
        };
        let idle_kib = idle
            .iter()
            .find(|i| i.0 == t)
            .map_or("-".to_owned(), |i| format!("{:.1} KiB", i.1));
        let _ = writeln!(
            text,
            "| {} | {} | {ratio} | {} | {} | {change} | {idle_kib} |",
            t.name(),
            if b > 0.0 {
                format!("{b:.0}")
            } else {
                "none of the rates tried".to_owned()
            },
            base.map_or("-".to_owned(), |r| format!("{} ms", ms(r.p99_us))),
            stall.map_or("-".to_owned(), |r| format!("{} ms", ms(r.p99_us))),
        );
    }
    if any { text } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_read_from_every_peer_format() {
        let dexmon = r#"{"type":"log","seq":12,"timestamp":"2026-01-01T00:00:00.000Z","level":"info","message":"bench x","context":{"sent_ns":"1700000000123456789"}}"#;
        let python = r#"{"type": "log", "seq": 12, "timestamp": "x", "level": "info", "message": "bench", "context": {"sent_ns": "1700000000123456789"}}"#;
        for text in [dexmon, python] {
            assert_eq!(
                bench_fields(&Message::text(text), Codec::Json),
                Some((12, 1_700_000_000_123_456_789))
            );
        }
        assert_eq!(
            bench_fields(
                &Message::text(r#"{"type":"connected","seq":1}"#),
                Codec::Json
            ),
            None
        );
        assert_eq!(
            bench_fields(&Message::text(r#"{"type":"log","seq":"x"}"#), Codec::Json),
            None
        );
    }

    #[test]
    fn sustained_means_no_loss_and_keeping_up() {
        let mut r = RunResult {
            scenario: "sweep",
            target: Target::Dexmon,
            codec: Codec::Json,
            clients: 10,
            stalled: 0,
            rate: 100,
            delivered_per_s: 1_000.0,
            p50_us: 1,
            p99_us: 1,
            p999_us: 1,
            max_us: 1,
            lost: 0,
            duplicates: 0,
            disconnected: 0,
            cpu_ns_per_delivery: 0.0,
            rss_mib: 0.0,
        };
        assert!(r.sustained());
        r.delivered_per_s = 900.0;
        assert!(!r.sustained());
        r.delivered_per_s = 1_000.0;
        r.lost = 1;
        assert!(!r.sustained());
    }
}
