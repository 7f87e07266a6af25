//! The load client: connecting, reading and timing every message, and the runs built on it
//! (one fan-out run, idle memory, the end-to-end pipeline figure).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use protocol::{Channel, ClientMessage, Codec, ServerMessage, Subscription};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::report::{RunResult, row};
use super::servers::{Binaries, Server, Target, cpu_ns, rss_kib, start_monitor, start_server};

/// Latencies are recorded in microseconds, up to ten minutes.
pub(crate) const MAX_LATENCY_US: u64 = 600_000_000;

pub(crate) fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

pub(crate) fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

pub(crate) fn now_us() -> u64 {
    u64::try_from(now_ns() / 1_000).unwrap_or(u64::MAX)
}

/// The number after `"key":` (optionally quoted, optionally after spaces).
fn number_after(text: &[u8], key: &[u8]) -> Option<u128> {
    // A naive window search here was most of the load client's time at 100,000 messages/s.
    let at = memchr::memmem::find(text, key)? + key.len();
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

/// The fields of a live channel message that the latency and loss figures need.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Live {
    pub(crate) channel: Channel,
    pub(crate) seq: u64,
    /// `update_received_us` of a `price_update`, or `timing.update_received_us` of an
    /// `opportunity`.
    pub(crate) update_received_us: Option<u64>,
}

impl Live {
    /// Reads a JSON channel message without parsing all of it: the server writes `type` first
    /// and `seq` right after it, so the client's cost stays small next to the server's.
    pub(crate) fn parse(text: &[u8]) -> Option<Self> {
        const TYPES: [(&[u8], Channel); 4] = [
            (b"{\"type\":\"price_update\"", Channel::Prices),
            (b"{\"type\":\"opportunity\"", Channel::Opportunities),
            (b"{\"type\":\"health\"", Channel::Health),
            (b"{\"type\":\"log\"", Channel::Logs),
        ];
        let &(_, channel) = TYPES.iter().find(|(prefix, _)| text.starts_with(prefix))?;
        let seq = number_after(&text[..text.len().min(64)], b"\"seq\"")?;
        let update_received_us = match channel {
            // Only these carry the stamp, each at most once.
            Channel::Prices | Channel::Opportunities => {
                number_after(text, b"\"update_received_us\"").and_then(|n| u64::try_from(n).ok())
            }
            Channel::Health | Channel::Logs => None,
        };
        Some(Self {
            channel,
            seq: u64::try_from(seq).ok()?,
            update_received_us,
        })
    }
}

#[derive(serde::Deserialize)]
struct PackedLog {
    #[serde(rename = "type")]
    kind: String,
    seq: Option<u64>,
    context: Option<BTreeMap<String, String>>,
}

/// The `seq` of a `log` message and, for a benchmark message, its `sent_ns`; `None` for
/// anything else. The server's own logs share the channel's `seq` with the benchmark's, so they
/// count for the gaps even though they carry no stamp.
fn bench_fields(message: &Message, codec: Codec) -> Option<(u64, Option<u128>)> {
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
            Some((seq, number_after(tail, b"\"sent_ns\"")))
        }
        (Codec::MsgPack, Message::Binary(bytes)) => {
            let log: PackedLog = rmp_serde::from_slice(bytes).ok()?;
            if log.kind != "log" {
                return None;
            }
            let sent_ns = log.context.and_then(|c| c.get("sent_ns")?.parse().ok());
            Some((log.seq?, sent_ns))
        }
        _ => None,
    }
}

/// One healthy client's figures.
pub(crate) struct ClientStats {
    latencies: Histogram<u64>,
    delivered: u64,
    lost: u64,
    duplicates: u64,
    disconnected: bool,
}

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(
    server: &Server,
    target: Target,
    codec: Codec,
) -> Result<Socket, String> {
    connect_to(&server.addr, server.path, target, codec).await
}

/// Connects to `ws://{addr}{path}` with `codec`'s subprotocol; on dexmon, subscribed to the
/// benchmark channel (`logs`) only.
pub(crate) async fn connect_to(
    addr: &str,
    path: &str,
    target: Target,
    codec: Codec,
) -> Result<Socket, String> {
    let mut ws = open(addr, path, codec).await?;
    if target == Target::Dexmon {
        unsubscribe(
            &mut ws,
            &[Channel::Prices, Channel::Opportunities, Channel::Health],
        )
        .await?;
    }
    Ok(ws)
}

/// A WebSocket to `ws://{addr}{path}`, subscribed to everything it is by default.
pub(crate) async fn open(addr: &str, path: &str, codec: Codec) -> Result<Socket, String> {
    let mut request = format!("ws://{addr}{path}")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    // JSON is what a client gets when it asks for nothing, as every peer server expects.
    if codec == Codec::MsgPack {
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(Codec::MsgPack.subprotocol()),
        );
    }
    // tungstenite zero-fills its read buffer's free space before every read: at its default
    // 128 KiB that memset was a fifth of the load client's time, so measure with 8 KiB.
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
        .await
        .map_err(|e| e.to_string())?;
    Ok(ws)
}

/// Leaves `channels`, in a JSON text frame whatever the connection's codec.
async fn unsubscribe(ws: &mut Socket, channels: &[Channel]) -> Result<(), String> {
    ws.send(Message::text(unsubscribe_frame(channels)?))
        .await
        .map_err(|e| e.to_string())
}

fn unsubscribe_frame(channels: &[Channel]) -> Result<String, String> {
    let request = ClientMessage::Unsubscribe(Subscription {
        channels: channels.to_vec(),
        ..Subscription::default()
    });
    let json = protocol::encode_client(&request, Codec::Json).map_err(|e| e.to_string())?;
    String::from_utf8(json.to_vec()).map_err(|e| e.to_string())
}

/// Every healthy client's figures, added up.
pub(crate) struct Totals {
    pub(crate) latencies: Histogram<u64>,
    pub(crate) delivered: u64,
    pub(crate) lost: u64,
    pub(crate) duplicates: u64,
    pub(crate) disconnected: usize,
}

/// Waits for the client tasks (after their stop) and adds up what they measured.
pub(crate) async fn gather(
    tasks: Vec<tokio::task::JoinHandle<ClientStats>>,
) -> Result<Totals, String> {
    let mut totals = Totals {
        latencies: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).map_err(|e| e.to_string())?,
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

pub(crate) async fn read_client(
    mut ws: Socket,
    codec: Codec,
    measuring: Arc<AtomicBool>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> ClientStats {
    let mut stats = ClientStats {
        latencies: latency_histogram(),
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
        let Some(sent_ns) = sent_ns else {
            continue;
        };
        if measuring.load(Ordering::Relaxed) {
            stats.delivered += 1;
            let us = u64::try_from(now_ns().saturating_sub(sent_ns) / 1_000).unwrap_or(u64::MAX);
            let _ = stats.latencies.record(us.clamp(1, MAX_LATENCY_US));
        }
    }
    stats
}

/// The shape of one measured run.
pub(crate) struct RunSpec {
    /// The scenario column of the report.
    pub(crate) name: &'static str,
    pub(crate) target: Target,
    pub(crate) codec: Codec,
    pub(crate) clients: usize,
    pub(crate) stalled: usize,
    pub(crate) rate: u32,
}

pub(crate) async fn run_once(
    bins: &Binaries,
    s: &RunSpec,
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
    let client_cpu_start = cpu_ns(std::process::id());
    let started = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_ns(server.pid).saturating_sub(cpu_start);
    let client_cpu = cpu_ns(std::process::id()).saturating_sub(client_cpu_start);
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
        cpu_ns_per_delivery: per_delivery(cpu, delivered),
        client_cpu_ns_per_delivery: per_delivery(client_cpu, delivered),
        rss_mib: rss as f64 / 1024.0,
    };
    eprintln!("  {}", row(&result));
    Ok(result)
}

/// CPU time per delivery, in nanoseconds; 0 when nothing was delivered.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn per_delivery(cpu_ns: u64, delivered: u64) -> f64 {
    if delivered == 0 {
        0.0
    } else {
        cpu_ns as f64 / delivered as f64
    }
}

/// Memory per idle connection: RSS with `idle` connections minus RSS with none, over `idle`.
pub(crate) async fn idle_memory(
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

/// Server memory per connection on the default monitor (its simulator at the default rate),
/// for `clients` connections that each took their connect snapshots (prices, opportunities,
/// health) and then unsubscribed from every channel: what a connection keeps from its busiest
/// moment once it is idle.
pub(crate) async fn unsubscribed_memory(bins: &Binaries, clients: usize) -> Result<String, String> {
    let server = start_monitor(bins, &["--max-connections", "20000"])?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = rss_kib(server.pid);
    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut ws = open(&server.addr, server.path, Codec::Json).await?;
        let mut snapshots = 0;
        while snapshots < 3 {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    if memchr::memmem::find(text.as_bytes(), b"\"type\":\"snapshot\"").is_some() {
                        snapshots += 1;
                    }
                }
                Ok(Some(Ok(_))) => {}
                _ => return Err("no connect snapshots within 10 s".to_owned()),
            }
        }
        unsubscribe(&mut ws, &Channel::ALL).await?;
        sockets.push(ws);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Read what is left (the acknowledgements and any message sent before them).
    for ws in &mut sockets {
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_micros(100), ws.next()).await {}
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(server.pid);
    #[allow(clippy::cast_precision_loss)]
    let per = after.saturating_sub(before) as f64 / clients.max(1) as f64;
    eprintln!("  dexmon unsubscribed {clients}: {per:.1} KiB per connection");
    Ok(format!(
        "Default monitor (its simulator at the default rate), {clients} connections that each took their connect snapshots and then unsubscribed from every channel: {per:.1} KiB of server RSS per connection ({before} KiB before they connected, {after} KiB after)."
    ))
}

/// What the end-to-end clients measured, in microseconds.
struct EndToEnd {
    /// `price_update`: now minus `update_received_us`.
    prices: Histogram<u64>,
    /// `opportunity`: now minus `timing.update_received_us`.
    opportunities: Histogram<u64>,
    /// `price_update` from a server that sends no `update_received_us`: now minus
    /// (`timestamp` minus `last_update_ms`), both whole milliseconds.
    prices_from_ms: Histogram<u64>,
}

impl EndToEnd {
    fn new() -> Self {
        Self {
            prices: latency_histogram(),
            opportunities: latency_histogram(),
            prices_from_ms: latency_histogram(),
        }
    }

    fn add(&mut self, other: &Self) -> Result<(), String> {
        let e = |e: hdrhistogram::AdditionError| e.to_string();
        self.prices.add(&other.prices).map_err(e)?;
        self.opportunities.add(&other.opportunities).map_err(e)?;
        self.prices_from_ms.add(&other.prices_from_ms).map_err(e)
    }

    /// Records one message received at `now_us` (taken before reading it). Only a price
    /// without the stamp is parsed whole, for its `timestamp` and `last_update_ms`.
    fn record(&mut self, text: &[u8], now_us: u64) {
        let since = |stamp_us: u64| now_us.saturating_sub(stamp_us).clamp(1, MAX_LATENCY_US);
        let Some(live) = Live::parse(text) else {
            return;
        };
        match (live.channel, live.update_received_us) {
            (Channel::Prices, Some(received)) => {
                let _ = self.prices.record(since(received));
            }
            (Channel::Opportunities, Some(received)) => {
                let _ = self.opportunities.record(since(received));
            }
            (Channel::Prices, None) => {
                if let Ok(ServerMessage::PriceUpdate(p)) =
                    protocol::decode_server(text, Codec::Json)
                {
                    let published_us =
                        u64::try_from(p.timestamp.unix_millis()).unwrap_or(0) * 1_000;
                    let _ = self
                        .prices_from_ms
                        .record(since(published_us.saturating_sub(p.last_update_ms * 1_000)));
                }
            }
            _ => {}
        }
    }

    /// The report's line, at `sim_rate` updates/s with `clients` clients.
    #[allow(clippy::cast_precision_loss)]
    fn line(&self, sim_rate: u32, clients: usize) -> String {
        let us = |h: &Histogram<u64>| {
            format!(
                "p50 {} µs, p99 {} µs, p99.9 {} µs, max {} µs over {} messages",
                h.value_at_quantile(0.5),
                h.value_at_quantile(0.99),
                h.value_at_quantile(0.999),
                h.max(),
                h.len()
            )
        };
        if self.prices.is_empty() && !self.prices_from_ms.is_empty() {
            let h = &self.prices_from_ms;
            return format!(
                "Account update created by the simulator to `price_update` on a client's socket, {sim_rate} updates/s, {clients} clients on the prices and opportunities channels: p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms over {} messages (each within 1 ms, from the message's own `timestamp` and `last_update_ms`: this server sends no `update_received_us`).",
                h.value_at_quantile(0.5) as f64 / 1_000.0,
                h.value_at_quantile(0.99) as f64 / 1_000.0,
                h.value_at_quantile(0.999) as f64 / 1_000.0,
                h.len()
            );
        }
        let opportunities = if self.opportunities.is_empty() {
            "no `opportunity` carried the stamp".to_owned()
        } else {
            us(&self.opportunities)
        };
        let unstamped = if self.prices_from_ms.is_empty() {
            String::new()
        } else {
            format!(
                " ({} prices without the stamp left out)",
                self.prices_from_ms.len()
            )
        };
        format!(
            "Account update received by the monitor to the message on a client's socket, measured with microsecond stamps (now minus `update_received_us`), {sim_rate} updates/s, {clients} clients on the prices and opportunities channels: `price_update` {}{unstamped}; `opportunity` {opportunities}.",
            us(&self.prices)
        )
    }
}

/// The server's own share of the end-to-end figure, from its `dexmon_update_to_socket_seconds`
/// histogram: per socket flush, the oldest price's time from the account update's arrival to
/// the kernel taking the frame. On loopback that is the moment the bytes are in the client's
/// socket; what the clients measure on top is their own reading and parsing.
struct InsideServer {
    /// The histogram, without `_seconds`.
    metric: &'static str,
    /// (upper bound in seconds, samples in the measured window at or under it), cumulative.
    buckets: Vec<(f64, f64)>,
}

impl InsideServer {
    fn buckets(text: &str, metric: &str) -> Vec<(f64, f64)> {
        let prefix = format!("{metric}_seconds_bucket{{le=\"");
        text.lines()
            .filter_map(|line| {
                let (le, count) = line.strip_prefix(&prefix)?.split_once("\"}")?;
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().ok()?
                };
                Some((le, count.trim().parse().ok()?))
            })
            .collect()
    }

    /// `metric`'s samples between two scrapes.
    fn between(metric: &'static str, before: &str, after: &str) -> Self {
        let before = Self::buckets(before, metric);
        let buckets = Self::buckets(after, metric)
            .into_iter()
            .map(|(le, n)| {
                let earlier = before
                    .iter()
                    .find(|(b, _)| *b == le)
                    .map_or(0.0, |(_, n)| *n);
                (le, n - earlier)
            })
            .collect();
        Self { metric, buckets }
    }

    fn line(&self) -> String {
        let total = self.buckets.last().map_or(0.0, |(_, n)| *n);
        let metric = self.metric;
        if total <= 0.0 {
            return format!("The server recorded no `{metric}_seconds` in the window.");
        }
        let within = |limit: f64| {
            self.buckets
                .iter()
                .filter(|(le, _)| *le <= limit + 1e-12)
                .map(|(_, n)| *n)
                .next_back()
                .unwrap_or(0.0)
                / total
                * 100.0
        };
        let p99 = self
            .buckets
            .iter()
            .find(|(_, n)| *n >= 0.99 * total)
            .map_or(f64::INFINITY, |(le, _)| *le * 1_000.0);
        format!(
            "`{metric}_seconds` over {total:.0} samples: {:.1}% within 0.5 ms, {:.1}% within 1 ms, {:.1}% within 2.5 ms; p99 at most {p99} ms (the histogram's bucket bound).",
            within(0.0005),
            within(0.001),
            within(0.0025),
        )
    }
}

/// The end-to-end pipeline figure: from the monitor receiving an account update to the
/// resulting `price_update`, and the `opportunity` it triggered, arriving on a client's socket,
/// at `sim_rate` updates/s with `clients` clients on the prices and opportunities channels.
/// Both messages carry `update_received_us`, the server's receipt time in microseconds, and
/// the client reads the same clock. A server that predates the stamp is measured as before:
/// from the price message's `timestamp` and `last_update_ms`, each within a millisecond.
pub(crate) async fn pipeline_e2e(
    bins: &Binaries,
    clients: usize,
    sim_rate: u32,
    seconds: u64,
) -> Result<String, String> {
    let server = start_monitor(bins, &["--sim-rate", &sim_rate.to_string()])?;
    let measuring = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        // A new connection is on every channel: keep the two the pipeline feeds.
        let mut ws = open(&server.addr, server.path, Codec::Json).await?;
        unsubscribe(&mut ws, &[Channel::Health, Channel::Logs]).await?;
        let (measuring, mut stop) = (measuring.clone(), stop_rx.clone());
        tasks.push(tokio::spawn(async move {
            let mut figures = EndToEnd::new();
            loop {
                let m = tokio::select! {
                    m = ws.next() => m,
                    _ = stop.wait_for(|s| *s) => break,
                };
                let Some(Ok(Message::Text(text))) = m else {
                    break;
                };
                if !measuring.load(Ordering::Relaxed) {
                    continue;
                }
                figures.record(text.as_bytes(), now_us());
            }
            figures
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let inside_before = crate::http::get(&server.addr, "/metrics")?;
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let inside_after = crate::http::get(&server.addr, "/metrics")?;
    let _ = stop_tx.send(true);
    let mut all = EndToEnd::new();
    for t in tasks {
        if let Ok(figures) = t.await {
            all.add(&figures)?;
        }
    }
    drop(server);
    let priced = InsideServer::between("dexmon_update_to_publish", &inside_before, &inside_after);
    let written = InsideServer::between("dexmon_update_to_socket", &inside_before, &inside_after);
    let line = format!(
        "{} Inside the server, from the update's arrival: to its price built, before publication, {} To its `price_update` written to a client's socket (per flush, its oldest price; on loopback, in the client's socket), {}",
        all.line(sim_rate, clients),
        priced.line(),
        written.line()
    );
    eprintln!("  {line}");
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_share_is_read_from_its_histogram_between_two_scrapes() {
        let scrape = |counts: [u32; 4]| {
            ["0.0005", "0.001", "0.0025", "+Inf"]
                .iter()
                .zip(counts)
                .map(|(le, n)| {
                    format!("dexmon_update_to_socket_seconds_bucket{{le=\"{le}\"}} {n}\n")
                })
                .collect::<String>()
        };
        let inside = InsideServer::between(
            "dexmon_update_to_socket",
            &scrape([5, 5, 5, 5]),
            &scrape([55, 104, 105, 105]),
        );
        let line = inside.line();
        assert!(line.contains("over 100 samples"), "{line}");
        assert!(
            line.contains("50.0% within 0.5 ms, 99.0% within 1 ms, 100.0% within 2.5 ms"),
            "{line}"
        );
        assert!(line.contains("p99 at most 1 ms"), "{line}");
    }

    #[test]
    fn stamps_are_read_from_every_peer_format() {
        let dexmon = r#"{"type":"log","seq":12,"timestamp":"2026-01-01T00:00:00.000Z","level":"info","message":"bench x","context":{"sent_ns":"1700000000123456789"}}"#;
        let python = r#"{"type": "log", "seq": 12, "timestamp": "x", "level": "info", "message": "bench", "context": {"sent_ns": "1700000000123456789"}}"#;
        for text in [dexmon, python] {
            assert_eq!(
                bench_fields(&Message::text(text), Codec::Json),
                Some((12, Some(1_700_000_000_123_456_789)))
            );
        }
        // The server's own log: no stamp, but its `seq` is not a gap.
        assert_eq!(
            bench_fields(
                &Message::text(
                    r#"{"type":"log","seq":13,"timestamp":"x","level":"warn","message":"m"}"#
                ),
                Codec::Json
            ),
            Some((13, None))
        );
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
    fn unsubscribe_is_the_protocol_frame() {
        assert_eq!(
            unsubscribe_frame(&[Channel::Prices, Channel::Opportunities, Channel::Health]),
            Ok(r#"{"type":"unsubscribe","channels":["prices","opportunities","health"]}"#.into())
        );
    }

    #[test]
    fn live_messages_give_channel_seq_and_stamp() {
        let price = br#"{"type":"price_update","seq":812,"timestamp":"2026-01-11T12:34:56.789Z","pair":"SOL/USDC","dex":"raydium","pool_type":"amm_v4","pool":"58oQ","price":176.23,"liquidity":45200000.0,"slot":234567890,"last_update_ms":0,"update_received_us":1768134896788512}"#;
        assert_eq!(
            Live::parse(price),
            Some(Live {
                channel: Channel::Prices,
                seq: 812,
                update_received_us: Some(1_768_134_896_788_512),
            })
        );
        let old_price = br#"{"type":"price_update","seq":9,"timestamp":"x","last_update_ms":3}"#;
        assert_eq!(Live::parse(old_price).unwrap().update_received_us, None);
        let opportunity = br#"{"type":"opportunity","seq":41,"timing":{"update_received_us":5}}"#;
        assert_eq!(
            Live::parse(opportunity),
            Some(Live {
                channel: Channel::Opportunities,
                seq: 41,
                update_received_us: Some(5),
            })
        );
        assert_eq!(
            Live::parse(br#"{"type":"health","seq":7}"#)
                .unwrap()
                .channel,
            Channel::Health
        );
        for control in [
            &br#"{"type":"connected","timestamp":"x"}"#[..],
            br#"{"type":"snapshot","channel":"prices","seq":811}"#,
            br#"{"type":"logs_bogus","seq":1}"#,
        ] {
            assert_eq!(Live::parse(control), None);
        }
    }

    #[test]
    fn end_to_end_uses_the_microsecond_stamps_and_falls_back_to_milliseconds() {
        let stamped = br#"{"type":"price_update","seq":1,"timestamp":"2026-01-11T12:34:56.789Z","pair":"SOL/USDC","dex":"orca","pool_type":"whirlpool","pool":"p","price":1.0,"liquidity":1.0,"slot":1,"last_update_ms":0,"update_received_us":1768134896788500}"#;
        let unstamped = br#"{"type":"price_update","seq":2,"timestamp":"2026-01-11T12:34:56.789Z","pair":"SOL/USDC","dex":"orca","pool_type":"whirlpool","pool":"p","price":1.0,"liquidity":1.0,"slot":1,"last_update_ms":2}"#;
        let opportunity = br#"{"type":"opportunity","seq":3,"timestamp":"2026-01-11T12:34:56.812Z","id":"x","status":"open","opportunity_type":"spatial","pair":"SOL/USDC","buy_dex":"orca","sell_dex":"raydium","buy_price":1.0,"sell_price":1.1,"gross_profit_percent":0.3,"net_profit_percent":0.2,"recommended_size":1.0,"confidence":80,"costs":{"dex_fees":0.0,"slippage":0.0,"gas_jito":0.0},"timing":{"detection_latency_ms":0.04,"slot_delta":0,"data_freshness_ms":1,"update_received_us":1768134896788000},"legs":[]}"#;
        let now_us = 1_768_134_896_789_250;
        let mut figures = EndToEnd::new();
        figures.record(stamped, now_us);
        figures.record(opportunity, now_us);
        assert_eq!(figures.prices.max(), 750);
        assert_eq!(figures.opportunities.max(), 1_250);
        assert!(figures.prices_from_ms.is_empty());
        assert!(figures.line(10_000, 100).contains("microsecond stamps"));

        let mut old_server = EndToEnd::new();
        old_server.record(unstamped, now_us);
        // Published at .789 s, 2 ms after the update: 2.25 ms before `now_us`.
        assert!(
            old_server
                .prices_from_ms
                .equivalent(old_server.prices_from_ms.max(), 2_250)
        );
        assert!(old_server.prices.is_empty());
        assert!(
            old_server
                .line(10_000, 100)
                .contains("this server sends no `update_received_us`")
        );
    }
}
