//! `cargo xtask soak`: the release monitor serving many WebSocket clients for minutes on end,
//! to see whether anything grows that should not: memory, open files, threads, latency.
//!
//! The monitor runs on its embedded simulator at its default rate, with no config, on CPU 0
//! (`taskset -c 0`), started the way the loadtest starts it. This process connects `--clients`
//! clients (1,000 by default) from one thread on CPU 1. Each stays on every channel, as a new
//! connection is, and reads live prices, opportunities and health until the end. The server's
//! heartbeat stays at its default: the client library answers its pings, as a real client does.
//!
//! Once a minute, one row: the server's RSS (`VmRSS`), open file descriptors (`/proc/PID/fd`)
//! and threads; the messages all clients received in that minute; the latency of that minute's
//! `price_update` messages, now minus their `update_received_us` (the monitor's receipt of the
//! account update, in microseconds on the same host clock); the messages lost, counted from the
//! gaps in each channel's `seq` on each client (a slow client's conflated prices count too);
//! and how many clients the server has disconnected so far.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use hdrhistogram::Histogram;
use protocol::{Channel, Codec};
use tokio_tungstenite::tungstenite::Message;

use crate::loadtest::clients::{Live, MAX_LATENCY_US, Socket, latency_histogram, now_us, open};
use crate::loadtest::report::{between_markers, command_output, measured};
use crate::loadtest::servers::{
    Binaries, Server, open_fds, pin_self_to_cpu_1, rss_kib, start_monitor, threads,
};

const DOCS_BEGIN: &str = "<!-- soak:begin -->";
const DOCS_END: &str = "<!-- soak:end -->";

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) minutes: u64,
    pub(crate) clients: usize,
    /// Write the table into docs/benchmarks.md and the plot to docs/soak.svg.
    pub(crate) write_docs: bool,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Self {
            minutes: 60,
            clients: 1_000,
            write_docs: false,
        };
        let write_docs = crate::flags::parse(args, |flag| {
            match flag.name {
                "--minutes" => o.minutes = flag.number()?.max(1),
                // Each client is a socket here and one in the server: stay well under this
                // machine's 20,000 open files per process.
                "--clients" => {
                    o.clients = usize::try_from(flag.number()?.clamp(1, 15_000)).unwrap_or(1_000);
                }
                _ => return Err(flag.unknown("soak")),
            }
            Ok(())
        })?;
        o.write_docs = write_docs;
        Ok(o)
    }
}

/// What every client received in the current minute.
struct Minute {
    messages: u64,
    lost: u64,
    price_latency_us: Histogram<u64>,
}

impl Minute {
    fn new() -> Self {
        Self {
            messages: 0,
            lost: 0,
            price_latency_us: latency_histogram(),
        }
    }
}

/// Shared by the clients and the minute clock. Everything runs on one thread, so a `RefCell`
/// suffices and no message pays for a lock.
struct Shared {
    minute: Minute,
    disconnected: usize,
}

/// Reads one client's messages until the server closes it.
async fn read_live(mut ws: Socket, shared: Rc<RefCell<Shared>>) {
    let mut last_seq = [None::<u64>; Channel::ALL.len()];
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let now_us = now_us();
        let mut shared = shared.borrow_mut();
        let minute = &mut shared.minute;
        minute.messages += 1;
        let Some(live) = Live::parse(text.as_bytes()) else {
            continue;
        };
        let last = &mut last_seq[live.channel.index()];
        if let Some(previous) = *last
            && live.seq > previous + 1
        {
            minute.lost += live.seq - previous - 1;
        }
        *last = Some(last.map_or(live.seq, |l| l.max(live.seq)));
        if live.channel == Channel::Prices
            && let Some(received) = live.update_received_us
        {
            let _ = minute
                .price_latency_us
                .record(now_us.saturating_sub(received).clamp(1, MAX_LATENCY_US));
        }
    }
    shared.borrow_mut().disconnected += 1;
}

/// `price_update` latency over one minute, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Latency {
    p50: u64,
    p99: u64,
    max: u64,
}

/// One minute of the soak.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MinuteRow {
    minute: u64,
    rss_kib: u64,
    fds: u64,
    threads: u64,
    messages: u64,
    /// `None` when no `price_update` carried `update_received_us`.
    latency: Option<Latency>,
    lost: u64,
    /// Clients the server has closed since the start.
    disconnected: usize,
}

const HEADER: &str = "| minute | server RSS (KiB) | open fds | threads | messages | `price_update` latency p50 / p99 / max (µs) | lost | clients disconnected |\n|---:|---:|---:|---:|---:|---|---:|---:|";

impl MinuteRow {
    fn markdown(&self) -> String {
        let latency = self.latency.map_or("n/a".to_owned(), |l| {
            format!("{} / {} / {}", l.p50, l.p99, l.max)
        });
        format!(
            "| {} | {} | {} | {} | {} | {latency} | {} | {} |",
            self.minute,
            self.rss_kib,
            self.fds,
            self.threads,
            self.messages,
            self.lost,
            self.disconnected
        )
    }
}

/// Connects the clients, then takes a row a minute for `o.minutes` minutes. A server that exits
/// ends the soak early, with the rows so far and a note.
async fn soak(
    server: &mut Server,
    o: &Options,
) -> Result<(Vec<MinuteRow>, Option<String>), String> {
    let shared = Rc::new(RefCell::new(Shared {
        minute: Minute::new(),
        disconnected: 0,
    }));
    for i in 0..o.clients {
        let ws = tokio::time::timeout(
            Duration::from_secs(10),
            open(&server.addr, server.path, Codec::Json),
        )
        .await
        .map_err(|_| format!("client {i} took over 10 s to connect"))?
        .map_err(|e| format!("client {i}: {e}"))?;
        tokio::task::spawn_local(read_live(ws, shared.clone()));
    }
    eprintln!("soak: {} clients connected", o.clients);
    eprintln!("{HEADER}");
    // Minute 1 starts with every client connected; what arrived while connecting is not counted.
    shared.borrow_mut().minute = Minute::new();
    let start = tokio::time::Instant::now();
    let mut rows = Vec::new();
    for minute in 1..=o.minutes {
        tokio::time::sleep_until(start + Duration::from_secs(60 * minute)).await;
        if server.exited() {
            return Ok((
                rows,
                Some(format!("The monitor exited during minute {minute}.")),
            ));
        }
        let (figures, disconnected) = {
            let mut shared = shared.borrow_mut();
            (
                std::mem::replace(&mut shared.minute, Minute::new()),
                shared.disconnected,
            )
        };
        let h = &figures.price_latency_us;
        let row = MinuteRow {
            minute,
            rss_kib: rss_kib(server.pid),
            fds: open_fds(server.pid),
            threads: threads(server.pid),
            messages: figures.messages,
            latency: (!h.is_empty()).then(|| Latency {
                p50: h.value_at_quantile(0.5),
                p99: h.value_at_quantile(0.99),
                max: h.max(),
            }),
            lost: figures.lost,
            disconnected,
        };
        eprintln!("{}", row.markdown());
        rows.push(row);
    }
    Ok((rows, None))
}

pub(crate) fn run(root: &Path, o: &Options) -> Result<(), String> {
    let bins = Binaries::new(root);
    let machine = machine(&bins);
    let placement = pin_self_to_cpu_1();
    eprintln!("soak: {placement}");
    let started = chrono::Utc::now();
    let command = format!(
        "cargo xtask soak {}",
        std::env::args().skip(2).collect::<Vec<_>>().join(" ")
    );
    eprintln!("soak: {}", command.trim());
    let mut server = start_monitor(&bins, &["--max-connections", "20000"])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    // Every client task runs on this thread, so they can share the minute's figures.
    let clients = tokio::task::LocalSet::new();
    let soaked = runtime.block_on(clients.run_until(soak(&mut server, o)));
    // The measurement is over: free both CPUs before writing the report.
    drop(clients);
    drop(server);
    let (rows, ended_early) = soaked?;

    let mut report = measured(started, &command);
    let _ = writeln!(
        report,
        "Placement: {placement}. {} clients on every channel of the monitor's embedded simulator (default rate, no config). Machine: {machine}.\n",
        o.clients
    );
    let _ = writeln!(
        report,
        "Latency is now minus the message's `update_received_us` (the monitor's receipt of the account update, a microsecond stamp on the same host clock); lost counts the gaps in each channel's `seq` on each client, a slow client's conflated prices included.\n"
    );
    let _ = writeln!(report, "{}\n", verdict(&rows));
    let _ = writeln!(report, "{HEADER}");
    for row in &rows {
        let _ = writeln!(report, "{}", row.markdown());
    }
    if let Some(note) = &ended_early {
        let _ = writeln!(report, "\n{note}");
    }
    println!("{report}");
    let svg = plot(&rows, o.clients);
    let out = root.join("target/soak");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    std::fs::write(out.join("results.md"), &report).map_err(|e| e.to_string())?;
    std::fs::write(out.join("soak.svg"), &svg).map_err(|e| e.to_string())?;
    if o.write_docs {
        write_docs(root, &report, &svg)?;
        eprintln!("soak: wrote docs/benchmarks.md and docs/soak.svg");
    }
    match ended_early {
        Some(note) => Err(note),
        None => Ok(()),
    }
}

/// The CPU, kernel, toolchain and server version, for the report.
fn machine(bins: &Binaries) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |v| v.trim_start_matches([' ', '\t', ':']));
    // Counted here rather than with `available_parallelism`, which sees only the CPU this
    // process is pinned to.
    let cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    format!(
        "{model}, {cpus} CPUs; {}; {}; {}; tokio-tungstenite 0.29 client",
        command_output("uname", &["-sr"]),
        command_output("rustc", &["--version"]),
        command_output(&bins.monitor.to_string_lossy(), &["--version"]),
    )
}

/// Limits of a steady soak. Minute 1 holds the connection bursts and the allocator's first
/// growth, so memory is judged from minute 2; a few percent covers allocator noise.
const MAX_RSS_GROWTH_PCT: f64 = 5.0;
/// Open files may vary by a handful (a log file, a transient HTTP socket) but not with time.
const MAX_FD_GROWTH: i64 = 4;
/// The last minute's p99 may be noisier than the first's, but not this much worse.
const MAX_P99_RATIO: f64 = 2.0;

/// One line on whether anything grew: RSS from minute 2 to the last minute, open files and
/// `price_update` p99 from the first minute to the last.
#[allow(clippy::cast_precision_loss)]
fn verdict(rows: &[MinuteRow]) -> String {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return "Verdict: no minute completed.".to_owned();
    };
    let base = rows.get(1).unwrap_or(first);
    let rss_growth = if base.rss_kib == 0 {
        0.0
    } else {
        100.0 * (last.rss_kib as f64 / base.rss_kib as f64 - 1.0)
    };
    let fd_change =
        i64::try_from(last.fds).unwrap_or(i64::MAX) - i64::try_from(first.fds).unwrap_or(i64::MAX);
    let mut concerns = Vec::new();
    if rss_growth > MAX_RSS_GROWTH_PCT {
        concerns.push(format!("RSS grew over {MAX_RSS_GROWTH_PCT}%"));
    }
    if fd_change > MAX_FD_GROWTH {
        concerns.push(format!("open files grew by over {MAX_FD_GROWTH}"));
    }
    let timed: Vec<(u64, Latency)> = rows
        .iter()
        .filter_map(|r| Some((r.minute, r.latency?)))
        .collect();
    let p99 = match (timed.first(), timed.last()) {
        (Some((m1, l1)), Some((m2, l2))) => {
            if l2.p99 as f64 > MAX_P99_RATIO * l1.p99 as f64 {
                concerns.push(format!("p99 over {MAX_P99_RATIO}x its first minute's"));
            }
            format!(
                "`price_update` p99 {} µs in minute {m1}, {} µs in minute {m2}",
                l1.p99, l2.p99
            )
        }
        _ => "no `price_update` carried `update_received_us`, so no latency".to_owned(),
    };
    if last.disconnected > 0 {
        concerns.push(format!("{} clients disconnected", last.disconnected));
    }
    let judgement = if rows.len() < 3 {
        "too short to judge growth (it needs 3 minutes or more)".to_owned()
    } else if concerns.is_empty() {
        "steady".to_owned()
    } else {
        format!("look closer: {}", concerns.join(", "))
    };
    format!(
        "Verdict: {judgement}. RSS {} KiB in minute {}, {} KiB in minute {} ({rss_growth:+.1}%); open fds {} in minute {}, {} in minute {} ({fd_change:+}); {p99}.",
        base.rss_kib,
        base.minute,
        last.rss_kib,
        last.minute,
        first.fds,
        first.minute,
        last.fds,
        last.minute
    )
}

/// An SVG of the server's RSS (left axis) and the `price_update` p99 (right axis) against
/// minutes, in the loadtest plot's style.
#[allow(clippy::cast_precision_loss)]
fn plot(rows: &[MinuteRow], clients: usize) -> String {
    let (w, h, left, right, bottom, top) = (760.0, 420.0, 80.0, 80.0, 50.0, 30.0);
    let minutes = rows.last().map_or(1, |r| r.minute).max(1) as f64;
    let max_rss_mib = rows
        .iter()
        .map(|r| r.rss_kib as f64 / 1024.0)
        .fold(1.0, f64::max)
        * 1.1;
    let max_p99_us = rows
        .iter()
        .filter_map(|r| Some(r.latency?.p99 as f64))
        .fold(1.0, f64::max)
        * 1.1;
    let x = |minute: f64| left + (w - left - right) * minute / minutes;
    let y = |v: f64, max: f64| (h - bottom) - (h - bottom - top) * v / max;
    let (rss_colour, p99_colour) = ("#1f77b4", "#d62728");
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"16\" text-anchor=\"middle\" font-size=\"14\">Soak, {clients} clients: server RSS and price_update p99 per minute</text>\n",
        w / 2.0
    );
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>",
        h - bottom,
        w - right,
        h - bottom
    );
    for axis_x in [left, w - right] {
        let _ = writeln!(
            svg,
            "<line x1=\"{axis_x}\" y1=\"{top}\" x2=\"{axis_x}\" y2=\"{}\" stroke=\"black\"/>",
            h - bottom
        );
    }
    let step = (minutes / 10.0).ceil().max(1.0);
    let mut minute = step;
    while minute <= minutes {
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{minute}</text>",
            x(minute),
            h - bottom + 16.0
        );
        minute += step;
    }
    for i in 0..=4 {
        let share = f64::from(i) / 4.0;
        let rss = max_rss_mib * share;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{rss_colour}\">{rss:.0} MiB</text>",
            left - 6.0,
            y(rss, max_rss_mib) + 4.0
        );
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/>",
            y(rss, max_rss_mib),
            w - right
        );
        let p99 = max_p99_us * share;
        let label = if max_p99_us < 10_000.0 {
            format!("{p99:.0} µs")
        } else {
            format!("{:.0} ms", p99 / 1_000.0)
        };
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" fill=\"{p99_colour}\">{label}</text>",
            w - right + 6.0,
            y(p99, max_p99_us) + 4.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">minute</text>",
        (left + w - right) / 2.0,
        h - 8.0
    );
    let rss_points: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            let rss = r.rss_kib as f64 / 1024.0;
            (x(r.minute as f64), y(rss, max_rss_mib))
        })
        .collect();
    let p99_points: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let p99 = r.latency?.p99 as f64;
            Some((x(r.minute as f64), y(p99, max_p99_us)))
        })
        .collect();
    let series = [
        ("server RSS", rss_colour, rss_points),
        ("price_update p99", p99_colour, p99_points),
    ];
    for (i, (name, colour, points)) in series.iter().enumerate() {
        if points.is_empty() {
            continue;
        }
        let path: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for (px, py) in points {
            let _ = writeln!(
                svg,
                "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{name}</text>",
            left + 12.0,
            top + 20.0 + 16.0 * i as f64
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Puts the report between the soak markers of docs/benchmarks.md, adding a section with them
/// at the end on the first run, and writes docs/soak.svg.
fn write_docs(root: &Path, report: &str, svg: &str) -> Result<(), String> {
    let path = root.join("docs/benchmarks.md");
    let mut text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    match (text.contains(DOCS_BEGIN), text.contains(DOCS_END)) {
        (true, true) => {}
        (false, false) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            let _ = write!(
                text,
                "\n## Soak (`cargo xtask soak`)\n\n{DOCS_BEGIN}\n{DOCS_END}\n"
            );
        }
        _ => return Err("docs/benchmarks.md has only one of the soak markers".into()),
    }
    let body = format!("{report}\n![soak plot](soak.svg)\n");
    let updated = between_markers(&text, DOCS_BEGIN, DOCS_END, &body)
        .ok_or("docs/benchmarks.md has its soak markers out of order")?;
    std::fs::write(&path, updated).map_err(|e| e.to_string())?;
    std::fs::write(root.join("docs/soak.svg"), svg).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(minute: u64, rss_kib: u64, fds: u64, p99: Option<u64>) -> MinuteRow {
        MinuteRow {
            minute,
            rss_kib,
            fds,
            threads: 6,
            messages: 1_000,
            latency: p99.map(|p99| Latency {
                p50: p99 / 2,
                p99,
                max: p99 * 2,
            }),
            lost: 0,
            disconnected: 0,
        }
    }

    #[test]
    fn verdict_judges_memory_from_minute_two() {
        // Minute 1's growth is the warm-up, not a leak.
        let steady = [
            row(1, 30_000, 1_010, Some(800)),
            row(2, 40_000, 1_010, Some(700)),
            row(3, 40_800, 1_010, Some(900)),
        ];
        let v = verdict(&steady);
        assert!(v.starts_with("Verdict: steady."), "{v}");
        assert!(
            v.contains("RSS 40000 KiB in minute 2, 40800 KiB in minute 3 (+2.0%)"),
            "{v}"
        );
        assert!(
            v.contains("open fds 1010 in minute 1, 1010 in minute 3 (+0)"),
            "{v}"
        );
        assert!(
            v.contains("p99 800 µs in minute 1, 900 µs in minute 3"),
            "{v}"
        );

        let leaking = [
            row(1, 30_000, 1_010, Some(800)),
            row(2, 40_000, 1_010, Some(800)),
            row(3, 48_000, 1_100, Some(2_000)),
        ];
        let v = verdict(&leaking);
        assert!(v.contains("look closer: RSS grew over 5%"), "{v}");
        assert!(v.contains("open files grew by over 4"), "{v}");
        assert!(v.contains("p99 over 2x"), "{v}");
    }

    #[test]
    fn verdict_without_stamps_or_minutes() {
        assert_eq!(verdict(&[]), "Verdict: no minute completed.");
        let v = verdict(&[row(1, 30_000, 110, None)]);
        assert!(v.contains("too short to judge"), "{v}");
        assert!(
            v.contains("no `price_update` carried `update_received_us`"),
            "{v}"
        );
        assert!(row(1, 1, 1, None).markdown().contains("| n/a |"));
    }

    #[test]
    fn plot_has_both_series() {
        let svg = plot(
            &[row(1, 30_000, 10, Some(800)), row(2, 31_000, 10, None)],
            100,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn docs_get_a_soak_section_once() {
        let root = std::env::temp_dir().join(format!("xtask-soak-docs-{}", std::process::id()));
        std::fs::create_dir_all(root.join("docs")).unwrap();
        let docs = root.join("docs/benchmarks.md");
        std::fs::write(&docs, "# Benchmarks\n\n## Other\n\ntext").unwrap();
        write_docs(&root, "first\n", "<svg/>").unwrap();
        write_docs(&root, "second\n", "<svg/>").unwrap();
        let text = std::fs::read_to_string(&docs).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            text,
            "# Benchmarks\n\n## Other\n\ntext\n\n## Soak (`cargo xtask soak`)\n\n<!-- soak:begin -->\nsecond\n\n![soak plot](soak.svg)\n<!-- soak:end -->\n"
        );
    }

    #[test]
    fn options_default_and_bound() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let o = Options::parse(&[]).unwrap();
        assert_eq!((o.minutes, o.clients, o.write_docs), (60, 1_000, false));
        let o = Options::parse(&args(&[
            "--minutes",
            "0",
            "--clients",
            "50000",
            "--write-docs",
        ]))
        .unwrap();
        assert_eq!((o.minutes, o.clients, o.write_docs), (1, 15_000, true));
        assert!(Options::parse(&args(&["--hours", "1"])).is_err());
    }
}
