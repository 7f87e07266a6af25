//! The report: one markdown row per run, the summary the goals are stated in, the plot, and
//! writing it all to `target/loadtest/` and, when asked, `docs/`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use protocol::Codec;

use super::servers::Target;
use super::{Options, Scenario};

/// One measured run.
#[derive(Debug, Clone)]
pub(crate) struct RunResult {
    pub(crate) scenario: &'static str,
    pub(crate) target: Target,
    pub(crate) codec: Codec,
    pub(crate) clients: usize,
    pub(crate) stalled: usize,
    pub(crate) rate: u32,
    pub(crate) delivered_per_s: f64,
    pub(crate) p50_us: u64,
    pub(crate) p99_us: u64,
    pub(crate) p999_us: u64,
    pub(crate) max_us: u64,
    pub(crate) lost: u64,
    pub(crate) duplicates: u64,
    pub(crate) disconnected: usize,
    pub(crate) cpu_ns_per_delivery: f64,
    /// The load client's own CPU time per delivery (its one thread, on the other core): how
    /// long it takes to read one frame, which bounds how soon it can see the last of many.
    pub(crate) client_cpu_ns_per_delivery: f64,
    pub(crate) rss_mib: f64,
}

impl RunResult {
    fn offered(&self) -> f64 {
        f64::from(self.rate) * (self.clients - self.stalled) as f64
    }

    /// Everything published reached every healthy client, at the rate it was published.
    pub(crate) fn sustained(&self) -> bool {
        self.lost == 0 && self.disconnected == 0 && self.delivered_per_s >= 0.95 * self.offered()
    }

    /// Deliveries per second this run shows a server can keep up with: what it delivered, but
    /// never more than was offered. A server that fell behind during the warm-up delivers its
    /// backlog inside the measured window as well, and that is not a rate it sustains.
    pub(crate) fn sustained_per_s(&self) -> f64 {
        self.delivered_per_s.min(self.offered())
    }
}

/// A target's idle-connection figures: KiB of server RSS per connection, and the server's
/// RSS in MiB with all of them open.
pub(crate) type IdleRow = (Target, f64, f64);

/// Everything the scenarios produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) results: Vec<RunResult>,
    pub(crate) idle: Vec<IdleRow>,
    /// Runs that did not complete, with why.
    pub(crate) failures: Vec<String>,
    /// Paragraphs for figures that are not runs (end-to-end, NATS).
    pub(crate) notes: Vec<String>,
}

/// A report's first line: when, and with which command.
pub(crate) fn measured(started: chrono::DateTime<chrono::Utc>, command: &str) -> String {
    format!(
        "Measured {} with `{}`.\n",
        started.format("%Y-%m-%d %H:%M UTC"),
        command.trim()
    )
}

/// The whole report, in markdown.
pub(crate) fn render(
    root: &Path,
    options: &Options,
    started: chrono::DateTime<chrono::Utc>,
    command: &str,
    placement: &str,
    outcome: &Outcome,
) -> String {
    let Outcome {
        results,
        idle,
        failures,
        notes,
    } = outcome;
    let mut report = measured(started, command);
    let _ = writeln!(
        report,
        "Placement: {placement}. Payload about {} bytes. Versions: {}.\n",
        options.payload,
        versions(root)
    );
    let summary = summarize(results, idle);
    if !summary.is_empty() {
        let _ = writeln!(report, "{summary}");
    }
    let _ = writeln!(report, "{HEADER}");
    for r in results {
        let _ = writeln!(report, "{}", row(r));
    }
    for note in notes {
        let _ = writeln!(report, "\n{note}");
    }
    if !failures.is_empty() {
        let _ = writeln!(report, "\nRuns that did not complete:");
        for f in failures {
            let _ = writeln!(report, "- {f}");
        }
    }
    if !idle.is_empty() {
        let _ = writeln!(
            report,
            "\n| target | idle connections | server RSS per idle connection | server RSS |\n|---|---:|---:|---:|"
        );
        for (target, per, total) in idle {
            let _ = writeln!(
                report,
                "| {} | {} | {per:.1} KiB | {total:.0} MiB |",
                target.name(),
                options.idle
            );
        }
    }
    report
}

/// Writes the report and plot to `target/loadtest/` and, with `write_docs`, into
/// docs/benchmarks.md (between the loadtest markers) and docs/loadtest.svg.
pub(crate) fn save(
    root: &Path,
    report: &str,
    results: &[RunResult],
    write_docs: bool,
) -> Result<(), String> {
    let out = root.join("target/loadtest");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    std::fs::write(out.join("results.md"), report).map_err(|e| e.to_string())?;
    let svg = plot(results);
    std::fs::write(out.join("loadtest.svg"), &svg).map_err(|e| e.to_string())?;
    if write_docs {
        let docs = root.join("docs/benchmarks.md");
        let text = std::fs::read_to_string(&docs).map_err(|e| e.to_string())?;
        let body = format!("{report}\n![loadtest plot](loadtest.svg)\n");
        let updated = between_markers(
            &text,
            "<!-- loadtest:begin -->",
            "<!-- loadtest:end -->",
            &body,
        )
        .ok_or("docs/benchmarks.md has no loadtest markers")?;
        std::fs::write(&docs, updated).map_err(|e| e.to_string())?;
        std::fs::write(root.join("docs/loadtest.svg"), svg).map_err(|e| e.to_string())?;
        eprintln!("loadtest: wrote docs/benchmarks.md and docs/loadtest.svg");
    }
    Ok(())
}

/// `text` with everything between the `begin` and `end` markers replaced by `body`, or `None`
/// when the markers are missing or out of order.
pub(crate) fn between_markers(text: &str, begin: &str, end: &str, body: &str) -> Option<String> {
    let a = text.find(begin)?;
    let b = a + text[a..].find(end)?;
    Some(format!("{}{begin}\n{body}{}", &text[..a], &text[b..]))
}

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

pub(crate) fn row(r: &RunResult) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {:.0} | {:.0} | {} / {} / {} / {} | {} | {} | {} | {:.0} | {:.0} | {:.0} |",
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
        r.client_cpu_ns_per_delivery,
        r.rss_mib,
    )
}

const HEADER: &str = "| scenario | target | codec | clients | msg/s | offered deliveries/s | delivered/s | latency p50 / p99 / p99.9 / max (ms) | lost | dup | disconnected | server CPU ns/delivery | load client CPU ns/delivery | server RSS MiB |\n|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|";

/// An SVG of delivered/s against p99 latency, one line per target, from the sweep.
fn plot(results: &[RunResult]) -> String {
    let sweep: Vec<&RunResult> = results
        .iter()
        .filter(|r| r.scenario == Scenario::Sweep.name())
        .collect();
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
        let mut points: Vec<&&RunResult> = sweep
            .iter()
            .filter(|r| r.target == *target && r.codec == Codec::Json)
            .collect();
        // The sweep's refinements run after the listed rates, and rounds repeat its first
        // rate: one point per rate, the median run.
        points.sort_by_key(|r| r.rate);
        let points: Vec<&RunResult> = points
            .chunk_by(|a, b| a.rate == b.rate)
            .filter_map(|same| Repeated::of(same.iter().map(|r| **r)))
            .map(|repeated| repeated.median)
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

/// What a command prints (stdout, or stderr when stdout is empty), or "not found".
pub(crate) fn command_output(cmd: &str, args: &[&str]) -> String {
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
}

fn versions(root: &Path) -> String {
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
        command_output("rustc", &["--version"]),
        command_output("node", &["--version"]),
        command_output("python3", &["--version"]),
        command_output(
            "python3",
            &["-c", "import websockets; print(websockets.__version__)"]
        ),
    )
}

/// The runs of one shape, repeated by `--rounds`: the median run by p99 (the upper of the two
/// middle runs when their number is even), and the spread.
#[derive(Debug)]
struct Repeated<'a> {
    median: &'a RunResult,
    runs: usize,
    lowest_p99_us: u64,
    highest_p99_us: u64,
}

impl<'a> Repeated<'a> {
    fn of(runs: impl IntoIterator<Item = &'a RunResult>) -> Option<Self> {
        let mut runs: Vec<&RunResult> = runs.into_iter().collect();
        runs.sort_by_key(|r| r.p99_us);
        Some(Self {
            median: *runs.get(runs.len() / 2)?,
            runs: runs.len(),
            lowest_p99_us: runs.first()?.p99_us,
            highest_p99_us: runs.last()?.p99_us,
        })
    }

    fn p99_cell(&self) -> String {
        if self.runs == 1 {
            format!("{} ms", ms(self.median.p99_us))
        } else {
            format!(
                "{} ms (median of {}; {} to {})",
                ms(self.median.p99_us),
                self.runs,
                ms(self.lowest_p99_us),
                ms(self.highest_p99_us)
            )
        }
    }
}

/// The figures the goals are stated in, per target, with dexmon's ratios.
fn summarize(results: &[RunResult], idle: &[IdleRow]) -> String {
    let best = |t: Target| {
        results
            .iter()
            .filter(|r| r.scenario == Scenario::Sweep.name() && r.target == t && r.sustained())
            .map(RunResult::sustained_per_s)
            .fold(0.0, f64::max)
    };
    let find = |scenario: Scenario, t: Target, clients: usize, rate: u32| {
        Repeated::of(results.iter().filter(|r| {
            r.scenario == scenario.name()
                && r.target == t
                && r.clients == clients
                && r.rate == rate
                && r.codec == Codec::Json
        }))
    };
    let dexmon = best(Target::Dexmon);
    let mut text = String::from(
        "| target | max sustained deliveries/s, 1,000 clients | dexmon's ratio | p99 at 1,000 clients x 100 msg/s | p99 at 100 clients x 1,000 msg/s | p99 with 10% stalled | change | RSS per idle connection |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
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
        let wide = find(Scenario::Sweep, t, 1_000, super::WIDE_GOAL_RATE);
        let base = find(Scenario::Latency, t, 100, 1_000);
        let stall = find(Scenario::Stall, t, 100, 1_000);
        #[allow(clippy::cast_precision_loss)]
        let change = match (&base, &stall) {
            (Some(b), Some(s)) if b.median.p99_us > 0 => format!(
                "{:+.0}%",
                100.0 * (s.median.p99_us as f64 / b.median.p99_us as f64 - 1.0)
            ),
            _ => "-".to_owned(),
        };
        let idle_kib = idle
            .iter()
            .find(|i| i.0 == t)
            .map_or("-".to_owned(), |i| format!("{:.1} KiB", i.1));
        let _ = writeln!(
            text,
            "| {} | {} | {ratio} | {} | {} | {} | {change} | {idle_kib} |",
            t.name(),
            if b > 0.0 {
                format!("{b:.0}")
            } else {
                "none of the rates tried".to_owned()
            },
            wide.map_or("-".to_owned(), |r| r.p99_cell()),
            base.map_or("-".to_owned(), |r| r.p99_cell()),
            stall.map_or("-".to_owned(), |r| r.p99_cell()),
        );
    }
    if any { text } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::loadtest::clients::RunSpec;
    use crate::loadtest::{latency_run, stall_run, sweep_run};

    /// A run of `spec` that delivered everything, with `p99_us` as its tail.
    #[allow(clippy::cast_precision_loss)]
    fn measured(spec: &RunSpec, p99_us: u64) -> RunResult {
        RunResult {
            scenario: spec.name,
            target: spec.target,
            codec: spec.codec,
            clients: spec.clients,
            stalled: spec.stalled,
            rate: spec.rate,
            delivered_per_s: f64::from(spec.rate) * (spec.clients - spec.stalled) as f64,
            p50_us: 1,
            p99_us,
            p999_us: p99_us,
            max_us: p99_us,
            lost: 0,
            duplicates: 0,
            disconnected: 0,
            cpu_ns_per_delivery: 0.0,
            client_cpu_ns_per_delivery: 0.0,
            rss_mib: 0.0,
        }
    }

    #[test]
    fn repeated_runs_report_their_median_and_spread() {
        let (sweep, latency, stall) = (
            sweep_run(Target::Dexmon, 100),
            latency_run(Target::Dexmon, 1_000),
            stall_run(Target::Dexmon),
        );
        let results = [
            measured(&sweep, 14_000),
            measured(&latency, 9_000),
            measured(&stall, 20_000),
            measured(&latency, 1_000),
            measured(&stall, 1_100),
            measured(&latency, 3_000),
            measured(&stall, 1_200),
        ];
        let summary = summarize(&results, &[]);
        let row = summary.lines().nth(2).unwrap();
        assert_eq!(
            row,
            "| dexmon | 100000 | - | 14 ms | 3.00 ms (median of 3; 1.00 to 9.00) | \
             1.20 ms (median of 3; 1.10 to 20) | -60% | - |"
        );
    }

    #[test]
    fn a_backlog_drained_in_the_window_does_not_raise_the_maximum() {
        let mut caught_up = measured(&sweep_run(Target::NodeWs, 193), 11_000);
        caught_up.delivered_per_s = 200_087.0;
        let summary = summarize(&[caught_up], &[]);
        let row = summary.lines().nth(2).unwrap();
        assert!(row.starts_with("| node-ws | 193000 |"), "{row}");
    }

    #[test]
    fn the_plot_keeps_one_point_per_rate() {
        let run = |rate, p99_us| measured(&sweep_run(Target::Dexmon, rate), p99_us);
        // Three rounds at the first rate, one run at the next.
        let svg = plot(&[
            run(100, 1_000),
            run(250, 3_000),
            run(100, 9_000),
            run(100, 5_000),
        ]);
        assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
    }

    #[test]
    fn a_row_has_a_value_under_every_header() {
        let mut run = measured(&sweep_run(Target::Dexmon, 100), 900);
        run.cpu_ns_per_delivery = 6_620.0;
        run.client_cpu_ns_per_delivery = 7_213.0;
        let columns = |line: &str| {
            line.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect::<Vec<_>>()
        };
        let header = HEADER.lines().next().unwrap();
        let (names, values) = (columns(header), columns(&row(&run)));
        assert_eq!(names.len(), values.len());
        let value = |name: &str| values[names.iter().position(|n| n == name).unwrap()].clone();
        assert_eq!(value("server CPU ns/delivery"), "6620");
        assert_eq!(value("load client CPU ns/delivery"), "7213");
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
            client_cpu_ns_per_delivery: 0.0,
            rss_mib: 0.0,
        };
        assert!(r.sustained());
        r.delivered_per_s = 1_037.0;
        assert!(r.sustained());
        assert_eq!(
            r.sustained_per_s(),
            1_000.0,
            "a backlog drained is not a rate"
        );
        r.delivered_per_s = 900.0;
        assert!(!r.sustained());
        r.delivered_per_s = 1_000.0;
        r.lost = 1;
        assert!(!r.sustained());
    }

    #[test]
    fn only_the_text_between_the_markers_changes() {
        let text = "# B\n<!-- x:begin -->\nold\n<!-- x:end -->\nafter\n";
        assert_eq!(
            between_markers(text, "<!-- x:begin -->", "<!-- x:end -->", "new\n").as_deref(),
            Some("# B\n<!-- x:begin -->\nnew\n<!-- x:end -->\nafter\n")
        );
        assert_eq!(
            between_markers(text, "<!-- y:begin -->", "<!-- x:end -->", ""),
            None
        );
        let reversed = "<!-- x:end -->\n<!-- x:begin -->\n";
        assert_eq!(
            between_markers(reversed, "<!-- x:begin -->", "<!-- x:end -->", ""),
            None
        );
    }
}
