//! Developer tasks, run as `cargo xtask <task>`.
//!
//! - `ci`: everything CI checks: rustfmt, clippy with warnings denied, every test, and `e2e`.
//! - `bench`: every criterion suite, with dexmon-to-peer ratios (see `bench.rs`).
//! - `pipeline`: the release monitor's pipeline throughput and latency at rising simulator
//!   rates (see `pipeline.rs`).
//! - `loadtest`: WebSocket fan-out of the release monitor and three peer servers, side by side
//!   (see `loadtest/`).
//! - `soak`: the release monitor with many clients for minutes on end, a row a minute of its
//!   memory, files, threads and latency (see `soak.rs`).
//! - `e2e`: type-checks the dashboard's modules with `tsc`, then runs the dashboard in
//!   headless Chromium against the real monitor binary (`tests/e2e`).
//!
//! Each step prints the command it runs, so a failure can be reproduced by hand.

mod bench;
mod flags;
mod http;
mod loadtest;
mod pipeline;
mod soak;

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci      rustfmt --check, clippy -D warnings, every test in the workspace, and e2e
  e2e     the dashboard in headless Chromium (needs node, npm and /usr/bin/chromium)
  bench [--write-docs]
          every criterion suite, medians and ratios to peers (target/bench.md, docs)
  pipeline [--rates 10000,25000,50000,100000] [--seconds 10]
          the release monitor's pipeline on its simulator: updates/s, latency, CPU
  loadtest [--targets dexmon,naive,node-ws,python-websockets]
           [--scenarios stalls,sweep,latency,idle,stall,msgpack,e2e,nats,unsubscribed] [--seconds 5]
           [--rates 100,250,500,1000,2000] [--idle 10000] [--payload 256] [--rounds 1]
           [--write-docs]
          WebSocket fan-out of dexmon and its peers, side by side, and dexmon through
          NATS JetStream (see loadtest/); --rounds repeats the latency-goal runs, every
          target in turn, and the summary takes their medians
  soak [--minutes 60] [--clients 1000] [--write-docs]
          the release monitor on its simulator with many clients: RSS, open files,
          threads, messages, latency and losses, a row a minute (see soak.rs)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("e2e") => e2e(),
        Some("bench") => match &args[1..] {
            [] => bench::run(&root(), false),
            [flag] if flag == "--write-docs" => bench::run(&root(), true),
            other => Err(format!("unknown bench arguments {other:?}")),
        },
        Some("pipeline") => pipeline::Options::parse(&args[1..]).and_then(|o| {
            cargo(&["build", "--release", "-p", "monitor", "--locked"])?;
            pipeline::run(&root(), &o)
        }),
        Some("loadtest") => loadtest::Options::parse(&args[1..])
            .and_then(|_| in_release_build("loadtest-release", &args[1..])),
        Some("loadtest-release") => {
            loadtest::Options::parse(&args[1..]).and_then(|o| loadtest::run(&root(), &o))
        }
        Some("soak") => soak::Options::parse(&args[1..])
            .and_then(|_| in_release_build("soak-release", &args[1..])),
        Some("soak-release") => {
            soak::Options::parse(&args[1..]).and_then(|o| soak::run(&root(), &o))
        }
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the release monitor and a release build of this binary, and runs `task` with `args`
/// in the latter: the load client must not be the bottleneck next to a release server.
fn in_release_build(task: &str, args: &[String]) -> Result<(), String> {
    cargo(&["build", "--release", "-p", "monitor", "--locked"])?;
    cargo(&["build", "--release", "-p", "xtask", "--locked"])?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| root().join("target"), std::path::PathBuf::from);
    let release = target.join("release/xtask");
    let mut forwarded = vec![task];
    forwarded.extend(args.iter().map(String::as_str));
    run(&root(), &release.to_string_lossy(), &forwarded, &[])
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    // The market crate's jupiter-amm-interface adapter is a feature: lint and test it too.
    cargo(&[
        "clippy",
        "-p",
        "market",
        "--all-targets",
        "--features",
        "jupiter",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--locked"])?;
    cargo(&[
        "test",
        "-p",
        "market",
        "--features",
        "jupiter",
        "--locked",
        "--test",
        "jupiter",
    ])?;
    // Broken intra-doc links and malformed docs fail CI: the pure crates are what other bots
    // read first.
    cargo_with_env(
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    e2e()
}

/// The repository root (xtask lives one level below it).
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| ".".into(), std::path::Path::to_path_buf)
}

fn e2e() -> Result<(), String> {
    let root = root();
    let dir = root.join("tests/e2e");
    cargo(&["build", "-p", "monitor", "--locked"])?;
    if !dir.join("node_modules/playwright-core").exists() {
        run(&dir, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
    }
    run(
        &dir,
        "npx",
        &["tsc", "--noEmit", "-p", "tsconfig.json"],
        &[],
    )?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| root.join("target"), std::path::PathBuf::from);
    let bin = target.join("debug/monitor");
    let artifacts = target.join("e2e");
    run(
        &dir,
        "node",
        &["dashboard.test.mjs"],
        &[
            ("DEXMON_MONITOR_BIN", bin.to_string_lossy().as_ref()),
            ("DEXMON_E2E_ARTIFACTS", artifacts.to_string_lossy().as_ref()),
        ],
    )
}

fn run(
    dir: &std::path::Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(), String> {
    eprintln!(
        "xtask: $ (cd {}) {program} {}",
        dir.display(),
        args.join(" ")
    );
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

fn cargo_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    run(&root(), &cargo, args, env)
}
