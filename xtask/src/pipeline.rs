//! `cargo xtask pipeline`: the release monitor's pipeline on its simulator at rising rates.
//! For each rate it reports account updates/s pushed by the source and processed by the
//! pipeline (the difference is coalescing: several writes to one account between two batches
//! become one), price messages/s, the source-to-decision latency p50/p99 (from
//! `/api/stats`, the last 4,096 decisions) and the server's CPU use.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Options {
    pub(crate) rates: Vec<u32>,
    pub(crate) seconds: u64,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Self {
            rates: vec![10_000, 25_000, 50_000, 100_000],
            seconds: 10,
        };
        let write_docs = crate::flags::parse(args, |flag| {
            match flag.name {
                "--rates" => o.rates = flag.rates()?,
                "--seconds" => o.seconds = flag.number()?,
                _ => return Err(flag.unknown("pipeline")),
            }
            Ok(())
        })?;
        if write_docs {
            return Err("pipeline does not write docs".to_owned());
        }
        Ok(o)
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A Prometheus sample's value.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// User plus system CPU seconds of a process.
fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/pid/stat; 12 and 13 after the name.
    Ok((ticks(11) + ticks(12)) / 100.0)
}

struct Sample {
    at: Instant,
    pushed: f64,
    processed: f64,
    prices: f64,
    overflowed: f64,
    cpu: f64,
}

fn sample(addr: &str, pid: u32) -> Result<(Sample, serde_json::Value), String> {
    let metrics = crate::http::get(addr, "/metrics")?;
    let stats: serde_json::Value =
        serde_json::from_str(&crate::http::get(addr, "/api/stats")?).map_err(|e| e.to_string())?;
    Ok((
        Sample {
            at: Instant::now(),
            pushed: metric(&metrics, "dexmon_source_queue_pushed_total"),
            processed: metric(&metrics, "dexmon_updates_total"),
            prices: metric(&metrics, "dexmon_published_total{channel=\"prices\"}"),
            overflowed: metric(&metrics, "dexmon_source_queue_overflowed_total"),
            cpu: cpu_seconds(pid)?,
        },
        stats,
    ))
}

pub(crate) fn run(root: &std::path::Path, options: &Options) -> Result<(), String> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| root.join("target"), std::path::PathBuf::from);
    let bin = target.join("release/monitor");
    println!(
        "| sim rate (updates/s) | source updates/s | pipeline updates/s | prices/s | latency p50 | latency p99 | server CPU | queue overflow |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &rate in &options.rates {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            l.local_addr().map_err(|e| e.to_string())?.port()
        };
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(&bin)
            .args(["--listen", &addr, "--sim-rate", &rate.to_string()])
            .env("DEXMON_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let server = Server(child);
        let pid = server.0.id();
        let deadline = Instant::now() + Duration::from_secs(30);
        while crate::http::get(&addr, "/health").is_err() {
            if Instant::now() > deadline {
                return Err("the monitor did not start".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Warm-up: the detector's statistics and the allocator settle.
        std::thread::sleep(Duration::from_secs(3));
        let (start, _) = sample(&addr, pid)?;
        std::thread::sleep(Duration::from_secs(options.seconds));
        let (end, stats) = sample(&addr, pid)?;
        let secs = end.at.duration_since(start.at).as_secs_f64();
        let us = |k: &str| {
            stats[k]
                .as_u64()
                .map_or_else(|| "-".to_owned(), |v| format!("{v} µs"))
        };
        println!(
            "| {rate} | {:.0} | {:.0} | {:.0} | {} | {} | {:.0}% | {:.0} |",
            (end.pushed - start.pushed) / secs,
            (end.processed - start.processed) / secs,
            (end.prices - start.prices) / secs,
            us("detection_latency_p50_us"),
            us("detection_latency_p99_us"),
            100.0 * (end.cpu - start.cpu) / secs,
            end.overflowed - start.overflowed,
        );
        drop(server);
    }
    Ok(())
}
