//! `cargo xtask bench`: every criterion suite (decoder, pricing, market, detector, the monitor's
//! pipeline), with criterion's median for each benchmark and, where a group holds dexmon and a
//! peer (`group/dexmon...` and `group/<peer>`), the peer's median over dexmon's. The table goes
//! to `target/bench.md` and, with `--write-docs`, into docs/benchmarks.md between the
//! `bench:begin` and `bench:end` markers.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// The suites, with the arguments the figures in docs/benchmarks.md were measured with.
const SUITES: [(&str, &str, &[&str]); 5] = [
    (
        "decoder",
        "decode",
        &["--warm-up-time", "1", "--measurement-time", "3"],
    ),
    (
        "pricing",
        "quote",
        &["--warm-up-time", "1", "--measurement-time", "4"],
    ),
    (
        "market",
        "market",
        &["--warm-up-time", "1", "--measurement-time", "3"],
    ),
    (
        "detector",
        "detect",
        &["--warm-up-time", "1", "--measurement-time", "3"],
    ),
    ("monitor", "pipeline", &[]),
];

/// One benchmark's median, in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
struct Median {
    id: String,
    ns: f64,
}

/// A criterion duration such as `6.9 ns`, `1.2 µs`, `113.4 ms`, in nanoseconds.
fn nanos(value: &str, unit: &str) -> Option<f64> {
    let v: f64 = value.parse().ok()?;
    Some(match unit {
        "ps" => v / 1_000.0,
        "ns" => v,
        "µs" | "us" => v * 1_000.0,
        "ms" => v * 1_000_000.0,
        "s" => v * 1_000_000_000.0,
        _ => return None,
    })
}

/// The medians in criterion's output: `id time: [low median high]`, the id on the same line or
/// the line before.
fn parse(output: &str) -> Vec<Median> {
    let mut medians = Vec::new();
    let mut previous = "";
    for line in output.lines() {
        if let Some((head, tail)) = line.split_once("time:") {
            let id = if head.trim().is_empty() {
                previous.trim()
            } else {
                head.trim()
            };
            let numbers: Vec<&str> = tail
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split_whitespace()
                .collect();
            if let [_, _, value, unit, _, _] = numbers[..]
                && let Some(ns) = nanos(value, unit)
                && !id.is_empty()
            {
                medians.push(Median {
                    id: id.to_owned(),
                    ns,
                });
            }
        } else if !line.trim().is_empty() {
            previous = line;
        }
    }
    medians
}

fn shown(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

/// For each group with dexmon and peers: (group, dexmon id, peer id, ratio).
fn ratios(medians: &[Median]) -> Vec<(String, String, String, f64)> {
    let mut out = Vec::new();
    for m in medians.iter().filter(|m| {
        m.id.rsplit_once('/')
            .is_some_and(|(_, f)| f.starts_with("dexmon"))
    }) {
        let Some((group, ours)) = m.id.rsplit_once('/') else {
            continue;
        };
        for peer in medians.iter().filter(|p| {
            p.id.rsplit_once('/')
                .is_some_and(|(g, f)| g == group && !f.starts_with("dexmon"))
        }) {
            let theirs = peer.id.rsplit_once('/').map_or("", |(_, f)| f);
            out.push((
                group.to_owned(),
                ours.to_owned(),
                theirs.to_owned(),
                peer.ns / m.ns,
            ));
        }
    }
    out
}

pub(crate) fn run(root: &Path, write_docs: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = chrono::Utc::now();
    let mut report = format!(
        "Measured {} with `cargo xtask bench`:\n\n",
        started.format("%Y-%m-%d %H:%M UTC")
    );
    let mut ratio_rows = Vec::new();
    for (package, bench, args) in SUITES {
        let mut command = Command::new(&cargo);
        command
            .args(["bench", "-p", package, "--bench", bench, "--"])
            .args(args)
            .current_dir(root);
        let shown_command = format!(
            "cargo bench -p {package} --bench {bench} -- {}",
            args.join(" ")
        );
        eprintln!("xtask: $ {shown_command}");
        let output = command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !output.status.success() {
            return Err(format!("`{shown_command}` failed ({})", output.status));
        }
        let medians = parse(&String::from_utf8_lossy(&output.stdout));
        let _ = writeln!(
            report,
            "`{}`\n\n| benchmark | median |\n|---|---:|",
            shown_command.trim()
        );
        for m in &medians {
            let _ = writeln!(report, "| `{}` | {} |", m.id, shown(m.ns));
        }
        report.push('\n');
        ratio_rows.extend(ratios(&medians));
    }
    if !ratio_rows.is_empty() {
        let _ = writeln!(
            report,
            "Against peers, same run (peer's median over dexmon's; above 1 means dexmon is faster):\n\n| group | dexmon | peer | ratio |\n|---|---|---|---:|"
        );
        for (group, ours, theirs, ratio) in &ratio_rows {
            let _ = writeln!(
                report,
                "| `{group}` | `{ours}` | `{theirs}` | {ratio:.2}x |"
            );
        }
    }
    println!("{report}");
    let target = root.join("target");
    std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
    std::fs::write(target.join("bench.md"), &report).map_err(|e| e.to_string())?;
    if write_docs {
        let docs = root.join("docs/benchmarks.md");
        let text = std::fs::read_to_string(&docs).map_err(|e| e.to_string())?;
        let (begin, end) = ("<!-- bench:begin -->", "<!-- bench:end -->");
        let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
            return Err("docs/benchmarks.md has no bench markers".into());
        };
        std::fs::write(
            &docs,
            format!("{}{begin}\n{report}{}", &text[..a], &text[b..]),
        )
        .map_err(|e| e.to_string())?;
        eprintln!("xtask: wrote docs/benchmarks.md");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_output_is_read_on_one_line_or_two() {
        let out = "decode_account/amm   time:   [6.8 ns 6.9 ns 7.0 ns]\n\
                   whirlpool_pool/dexmon\n                        time:   [15.0 ns 15.1 ns 15.3 ns]\n\
                   whirlpool_pool/orca_whirlpools_client_borsh\n time:   [150.0 ns 152.1 ns 153.0 ns]\n\
                   pipeline/x time: [112.45 ms 113.42 ms 114.71 ms]\n                        thrpt:  [45.906 Kelem/s 46.429 Kelem/s 46.832 Kelem/s]\n";
        let m = parse(out);
        assert_eq!(m.len(), 4);
        assert_eq!(
            m[1],
            Median {
                id: "whirlpool_pool/dexmon".into(),
                ns: 15.1
            }
        );
        assert!((m[3].ns - 113_420_000.0).abs() < 1.0);
        let r = ratios(&m);
        assert_eq!(r.len(), 1);
        assert!((r[0].3 - 152.1 / 15.1).abs() < 1e-9);
    }
}
