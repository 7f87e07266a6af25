//! `--scenarios nats`: dexmon through NATS JetStream, against the single process in the same
//! run.
//!
//! Every server process (nats-server, the ingest node, the edges) runs on CPU 0 like the
//! single-process server, the load client on CPU 1. The ingest node publishes the benchmark
//! `log` messages; they go hub ▸ JetStream ▸ edge ▸ client, so the latency is publish to
//! client through all three. Figures:
//! - publish-to-client p50/p99 and deliveries/s, single process vs ingest + JetStream + one
//!   edge, and with the clients split over two edges;
//! - what NATS adds per message: nats-server CPU time and bytes in and out (from its `/varz`);
//! - failover: the leader is killed; the time until the follower holds the lease, and the
//!   longest silence any client saw.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;

use protocol::Codec;

use super::Options;
use super::clients::{
    RunSpec, Totals, connect_to, gather, now_ns, per_delivery, read_client, run_once,
};
use super::servers::{Binaries, Target, cpu_ns, free_port};

/// A process killed when dropped.
struct Proc {
    child: Child,
    pid: u32,
    /// HTTP address (monitor) or client port (nats-server).
    addr: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(mut command: Command, addr: String) -> Result<Proc, String> {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&addr).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{command:?} did not start listening"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Proc { child, pid, addr })
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// A nats-server, an ingest node or two, and edges, all on CPU 0.
struct Cluster {
    nats: Proc,
    monitor_port: u16,
    ingest: Vec<Proc>,
    edges: Vec<Proc>,
    _store: TempStore,
}

struct TempStore(PathBuf);

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Cluster {
    fn start(
        bins: &Binaries,
        ingest: usize,
        edges: usize,
        rate: u32,
        payload: usize,
        delay: Duration,
    ) -> Result<Self, String> {
        let store = TempStore(std::env::temp_dir().join(format!(
            "dexmon-loadtest-nats-{}-{}",
            std::process::id(),
            now_ns()
        )));
        let (port, monitor_port) = (free_port()?, free_port()?);
        let mut command = Command::new("taskset");
        command.args(["-c", "0", "nats-server", "-js", "-a", "127.0.0.1"]);
        command.args([
            "-p",
            &port.to_string(),
            "-m",
            &monitor_port.to_string(),
            "-sd",
        ]);
        command.arg(&store.0);
        let nats = spawn(command, format!("127.0.0.1:{port}"))?;
        let url = format!("nats://127.0.0.1:{port}");
        let monitor = |role: &str, node: String, extra: &[String]| -> Result<Proc, String> {
            let port = free_port()?;
            let addr = format!("127.0.0.1:{port}");
            let mut command = Command::new("taskset");
            command.args(["-c", "0"]).arg(&bins.monitor).args([
                "--role",
                role,
                "--node",
                &node,
                "--nats-url",
                &url,
                "--listen",
                &addr,
                "--max-connections",
                "20000",
                "--heartbeat-secs",
                "300",
            ]);
            command.args(extra).env("DEXMON_LOG", "error");
            spawn(command, addr)
        };
        let bench = [
            "--sim-rate".to_owned(),
            "100".to_owned(),
            "--bench-publish-rate".to_owned(),
            rate.to_string(),
            "--bench-payload".to_owned(),
            payload.to_string(),
            "--bench-publish-delay-ms".to_owned(),
            delay.as_millis().to_string(),
        ];
        let mut ingest_nodes = Vec::new();
        for i in 0..ingest {
            let node = monitor("ingest", format!("lt-ingest-{i}"), &bench)?;
            if i == 0 {
                let addr = node.addr.clone();
                wait_for("the first ingest node to lead", || {
                    crate::http::get(&addr, "/health").is_ok_and(|h| h.contains(r#""leader":true"#))
                })?;
            }
            ingest_nodes.push(node);
        }
        let mut edge_nodes = Vec::new();
        for i in 0..edges {
            edge_nodes.push(monitor("edge", format!("lt-edge-{i}"), &[])?);
        }
        Ok(Self {
            nats,
            monitor_port,
            ingest: ingest_nodes,
            edges: edge_nodes,
            _store: store,
        })
    }

    /// nats-server's message and byte counters, from `/varz`.
    fn varz(&self) -> (u64, u64, u64, u64) {
        let body = crate::http::get(&format!("127.0.0.1:{}", self.monitor_port), "/varz")
            .unwrap_or_default();
        let field = |key: &str| {
            body.split(&format!("\"{key}\":"))
                .nth(1)
                .and_then(|r| r.split([',', '}']).next())
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0)
        };
        (
            field("in_msgs"),
            field("out_msgs"),
            field("in_bytes"),
            field("out_bytes"),
        )
    }
}

/// One measured cluster run.
struct ClusterRun {
    delivered_per_s: f64,
    p50_us: u64,
    p99_us: u64,
    lost: u64,
    duplicates: u64,
    nats_cpu_ns_per_msg: f64,
    nats_bytes_per_msg: f64,
    dexmon_cpu_ns_per_delivery: f64,
}

#[allow(clippy::cast_precision_loss)]
async fn run_cluster(
    bins: &Binaries,
    edges: usize,
    clients: usize,
    rate: u32,
    seconds: u64,
    payload: usize,
) -> Result<ClusterRun, String> {
    let delay = Duration::from_millis(3_000 + 4 * clients as u64);
    let publishing_at = tokio::time::Instant::now() + delay;
    let cluster = Cluster::start(bins, 1, edges, rate, payload, delay)?;
    let measuring = Arc::new(AtomicBool::new(false));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for i in 0..clients {
        let edge = &cluster.edges[i % cluster.edges.len()];
        let ws = connect_to(&edge.addr, "/ws", Target::Dexmon, Codec::Json).await?;
        tasks.push(tokio::spawn(read_client(
            ws,
            Codec::Json,
            measuring.clone(),
            stop_rx.clone(),
        )));
    }
    tokio::time::sleep_until(
        publishing_at.max(tokio::time::Instant::now()) + Duration::from_secs(2),
    )
    .await;
    let dexmon_pids: Vec<u32> = cluster
        .ingest
        .iter()
        .chain(&cluster.edges)
        .map(|p| p.pid)
        .collect();
    let dexmon_cpu = |pids: &[u32]| pids.iter().map(|&p| cpu_ns(p)).sum::<u64>();
    let (nats_cpu0, dexmon_cpu0, varz0) = (
        cpu_ns(cluster.nats.pid),
        dexmon_cpu(&dexmon_pids),
        cluster.varz(),
    );
    let started = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let nats_cpu = cpu_ns(cluster.nats.pid).saturating_sub(nats_cpu0);
    let dexmon_cpu = dexmon_cpu(&dexmon_pids).saturating_sub(dexmon_cpu0);
    let varz1 = cluster.varz();
    let _ = stop_tx.send(true);
    let Totals {
        latencies,
        delivered,
        lost,
        duplicates,
        ..
    } = gather(tasks).await?;
    // Messages the ingest published into JetStream in the window (one per benchmark log, plus
    // the few real ones): nats-server's inbound messages include acks and consumer requests,
    // so the published count is what the edges were sent, per edge.
    let published = (rate as f64 * elapsed).max(1.0);
    let nats_bytes = (varz1.2 - varz0.2) + (varz1.3 - varz0.3);
    Ok(ClusterRun {
        delivered_per_s: delivered as f64 / elapsed,
        p50_us: latencies.value_at_quantile(0.5),
        p99_us: latencies.value_at_quantile(0.99),
        lost,
        duplicates,
        nats_cpu_ns_per_msg: nats_cpu as f64 / published,
        nats_bytes_per_msg: nats_bytes as f64 / published,
        dexmon_cpu_ns_per_delivery: per_delivery(dexmon_cpu, delivered),
    })
}

/// Kills the leading ingest node while clients listen; returns (ms until the follower leads,
/// longest silence any client saw in ms).
async fn failover(bins: &Binaries, rate: u32, payload: usize) -> Result<(u128, u128), String> {
    let delay = Duration::from_millis(2_000);
    let mut cluster = Cluster::start(bins, 2, 1, rate, payload, delay)?;
    let mut clients = Vec::new();
    for _ in 0..10 {
        clients.push(connect_to(&cluster.edges[0].addr, "/ws", Target::Dexmon, Codec::Json).await?);
    }
    tokio::time::sleep(delay + Duration::from_secs(2)).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for mut ws in clients {
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let (mut last, mut longest) = (Instant::now(), Duration::ZERO);
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(_)) => {
                            longest = longest.max(last.elapsed());
                            last = Instant::now();
                        }
                        _ => break,
                    },
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
            longest
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let leader = cluster.ingest.remove(0);
    let follower = cluster.ingest[0].addr.clone();
    let killed = Instant::now();
    drop(leader);
    let elected = tokio::task::spawn_blocking(move || {
        wait_for("the follower to lead", || {
            crate::http::get(&follower, "/health").is_ok_and(|h| h.contains(r#""leader":true"#))
        })
        .map(|()| killed.elapsed())
    })
    .await
    .map_err(|e| e.to_string())??;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = stop_tx.send(true);
    let mut longest = Duration::ZERO;
    for task in tasks {
        longest = longest.max(task.await.map_err(|e| e.to_string())?);
    }
    Ok((elected.as_millis(), longest.as_millis()))
}

/// The whole NATS scenario, as a markdown note for the report.
pub(super) async fn scenario(bins: &Binaries, o: &Options) -> Result<String, String> {
    let installed = Command::new("nats-server")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !installed {
        return Err("nats-server is not installed (bash .ci/run installs it)".into());
    }
    let mut note = String::from(
        "Through NATS JetStream (all server processes on CPU 0, client on CPU 1):\n\n\
         | shape | path | deliveries/s | p50 | p99 | lost | dup | dexmon CPU/delivery | NATS CPU/msg | NATS bytes/msg |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (clients, rate) in [(100, 1_000), (1_000, 100)] {
        let single = run_once(
            bins,
            &RunSpec {
                name: "nats-baseline",
                target: Target::Dexmon,
                codec: Codec::Json,
                clients,
                stalled: 0,
                rate,
            },
            o.seconds,
            o.payload,
        )
        .await?;
        let _ = writeln!(
            note,
            "| {clients} × {rate}/s | single process | {:.0} | {} µs | {} µs | {} | {} | {:.0} ns | | |",
            single.delivered_per_s,
            single.p50_us,
            single.p99_us,
            single.lost,
            single.duplicates,
            single.cpu_ns_per_delivery
        );
        for edges in [1, 2] {
            let r = run_cluster(bins, edges, clients, rate, o.seconds, o.payload).await?;
            eprintln!(
                "  nats {clients}x{rate} {edges} edge(s): {:.0}/s p99 {} µs lost {}",
                r.delivered_per_s, r.p99_us, r.lost
            );
            let _ = writeln!(
                note,
                "| {clients} × {rate}/s | ingest ▸ JetStream ▸ {edges} edge{} | {:.0} | {} µs | {} µs | {} | {} | {:.0} ns | {:.0} ns | {:.0} B |",
                if edges == 1 { "" } else { "s" },
                r.delivered_per_s,
                r.p50_us,
                r.p99_us,
                r.lost,
                r.duplicates,
                r.dexmon_cpu_ns_per_delivery,
                r.nats_cpu_ns_per_msg,
                r.nats_bytes_per_msg
            );
        }
    }
    let (elected_ms, silence_ms) = failover(bins, 200, o.payload).await?;
    let _ = writeln!(
        note,
        "\nFailover (lease TTL 3 s, 200 msg/s, leader killed with SIGKILL): the follower held the \
         lease {elected_ms} ms after the kill; the longest silence a client saw was {silence_ms} ms."
    );
    Ok(note)
}
