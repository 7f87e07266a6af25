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
//!
//! # Layout
//! - `servers`: the targets, starting them on CPU 0, and their `/proc` figures.
//! - `clients`: connecting, reading and timing messages; one fan-out run, idle memory, and
//!   the end-to-end pipeline figure (`e2e`).
//! - `report`: the markdown rows, summary and plot, and writing them out.
//! - `nats`: dexmon through NATS JetStream (`nats`).
//! - `stalls`: the machine's own stalls, measured before the first run and after the last
//!   (`stalls`).
//! - here: the options and the order the scenarios run in.

pub(crate) mod clients;
mod nats;
pub(crate) mod report;
pub(crate) mod servers;
mod stalls;

use std::path::Path;
use std::time::Duration;

use protocol::Codec;

use clients::{RunSpec, idle_memory, pipeline_e2e, run_once, unsubscribed_memory};
use report::{Outcome, RunResult};
use servers::{Binaries, Target};

/// Runs that narrow a sweep's maximum after the listed rates: three halve the gap between
/// the last rate sustained and the first not to an eighth (62 msg/s between 500 and 1,000).
const SWEEP_REFINEMENTS: usize = 3;

/// A sweep's maximum lies between `low`, a rate sustained, and `high`, one that was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Knee {
    low: u32,
    high: u32,
}

impl Knee {
    /// The rate halfway between, or `None` once no whole rate is left between the two.
    fn middle(self) -> Option<u32> {
        let middle = self.low + (self.high - self.low) / 2;
        (middle > self.low).then_some(middle)
    }

    /// Narrows the gap with a run at `rate`.
    fn record(&mut self, rate: u32, sustained: bool) {
        if sustained {
            self.low = rate;
        } else {
            self.high = rate;
        }
    }
}

/// A group of runs, chosen with `--scenarios`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// The machine's own stalls on each core, before any server starts and after the last
    /// run.
    Stalls,
    /// Rising publish rates to 1,000 clients until one is not sustained, then three runs
    /// between the last rate sustained and that one.
    Sweep,
    /// 100 clients at 1,000 and 10,000 messages/s.
    Latency,
    /// Server memory per idle connection.
    Idle,
    /// 100 clients, 10 of which never read.
    Stall,
    /// dexmon's MessagePack subprotocol.
    MsgPack,
    /// dexmon's pipeline: account update received to message on a client's socket.
    E2e,
    /// dexmon through NATS JetStream.
    Nats,
    /// The default monitor's memory per connection once its clients unsubscribed.
    Unsubscribed,
}

impl Scenario {
    const ALL: [Self; 9] = [
        Self::Stalls,
        Self::Sweep,
        Self::Latency,
        Self::Idle,
        Self::Stall,
        Self::MsgPack,
        Self::E2e,
        Self::Nats,
        Self::Unsubscribed,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Stalls => "stalls",
            Self::Sweep => "sweep",
            Self::Latency => "latency",
            Self::Idle => "idle",
            Self::Stall => "stall",
            Self::MsgPack => "msgpack",
            Self::Unsubscribed => "unsubscribed",
            Self::E2e => "e2e",
            Self::Nats => "nats",
        }
    }

    fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|scenario| scenario.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario {s:?} ({})", names.join(", "))
            })
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) targets: Vec<Target>,
    pub(crate) scenarios: Vec<Scenario>,
    /// Measured seconds per run (after a 2 s warm-up).
    pub(crate) seconds: u64,
    /// Publish rates (messages/s) for the 1,000-client sweep.
    pub(crate) sweep_rates: Vec<u32>,
    pub(crate) idle: usize,
    pub(crate) payload: usize,
    /// How many times the runs behind the latency goals are measured (see [`round_runs`]).
    pub(crate) rounds: u32,
    /// Write the results into docs/benchmarks.md and docs/loadtest.svg.
    pub(crate) write_docs: bool,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut o = Self {
            targets: Target::ALL.to_vec(),
            scenarios: Scenario::ALL.to_vec(),
            seconds: 5,
            sweep_rates: vec![100, 250, 500, 1_000, 2_000],
            idle: 10_000,
            payload: 256,
            rounds: 1,
            write_docs: false,
        };
        let write_docs = crate::flags::parse(args, |flag| {
            match flag.name {
                "--targets" => {
                    o.targets = flag
                        .value
                        .split(',')
                        .map(Target::parse)
                        .collect::<Result<_, _>>()?;
                }
                "--scenarios" => {
                    o.scenarios = flag
                        .value
                        .split(',')
                        .map(Scenario::parse)
                        .collect::<Result<_, _>>()?;
                }
                "--seconds" => o.seconds = flag.number()?.clamp(1, 120),
                "--rates" => o.sweep_rates = flag.rates()?,
                // Each idle connection is a socket here and one in the server: stay well under
                // this machine's 20,000 open files per process.
                "--idle" => {
                    o.idle = usize::try_from(flag.number()?.min(15_000)).unwrap_or(15_000);
                }
                "--payload" => {
                    o.payload = usize::try_from(flag.number()?.clamp(200, 65_536)).unwrap_or(256);
                }
                "--rounds" => {
                    o.rounds = u32::try_from(flag.number()?.clamp(1, 20)).unwrap_or(1);
                }
                _ => return Err(flag.unknown("loadtest")),
            }
            Ok(())
        })?;
        o.write_docs = write_docs;
        Ok(o)
    }
}

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
    let placement = servers::pin_self_to_cpu_1();
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
    let outcome = runtime.block_on(scenarios(&bins, options))?;
    let report = report::render(root, options, started, &command, placement, &outcome);
    println!("{report}");
    report::save(root, &report, &outcome.results, options.write_docs)
}

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

/// Runs one fan-out and records it. A run that cannot finish (clients cannot connect, the
/// server stalls) is reported and the harness moves on. Returns whether it was sustained.
async fn attempt(bins: &Binaries, o: &Options, s: RunSpec, out: &mut Outcome) -> bool {
    let label = format!(
        "{} {} {} clients at {} msg/s",
        s.name,
        s.target.name(),
        s.clients,
        s.rate
    );
    match bounded(run_once(bins, &s, o.seconds, o.payload), o.seconds).await {
        Ok(r) => {
            let sustained = r.sustained();
            out.results.push(r);
            sustained
        }
        Err(err) => {
            eprintln!("  {label}: {err}");
            out.failures.push(format!("{label}: {err}"));
            false
        }
    }
}

/// A sweep run: 1,000 JSON clients at `rate`.
fn sweep_run(target: Target, rate: u32) -> RunSpec {
    json_run(Scenario::Sweep, target, 1_000, 0, rate)
}

/// A latency run: 100 JSON clients at `rate`.
fn latency_run(target: Target, rate: u32) -> RunSpec {
    json_run(Scenario::Latency, target, 100, 0, rate)
}

/// The stall run: 100 JSON clients at 1,000 msg/s, 10 of which never read.
fn stall_run(target: Target) -> RunSpec {
    json_run(Scenario::Stall, target, 100, 10, 1_000)
}

fn json_run(
    scenario: Scenario,
    target: Target,
    clients: usize,
    stalled: usize,
    rate: u32,
) -> RunSpec {
    RunSpec {
        name: scenario.name(),
        target,
        codec: Codec::Json,
        clients,
        stalled,
        rate,
    }
}

/// The sweep's rate whose p99 at 1,000 clients a latency goal is stated in: the summary
/// reports it and the rounds repeat it.
pub(crate) const WIDE_GOAL_RATE: u32 = 100;

/// The runs a round repeats: those whose p99 a latency goal is stated in, for the selected
/// scenarios. 1,000 clients at [`WIDE_GOAL_RATE`], 100 clients at 1,000 msg/s, and the same
/// with 10% stalled right after it, so the change between the two is measured close in time.
fn round_runs(target: Target, o: &Options) -> Vec<RunSpec> {
    let has = |s: Scenario| o.scenarios.contains(&s);
    let mut specs = Vec::new();
    if has(Scenario::Sweep) {
        specs.push(sweep_run(target, WIDE_GOAL_RATE));
    }
    if has(Scenario::Latency) {
        specs.push(latency_run(target, 1_000));
    }
    if has(Scenario::Stall) {
        specs.push(stall_run(target));
    }
    specs
}

/// Every selected scenario for every selected target, then NATS.
async fn scenarios(bins: &Binaries, o: &Options) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let has = |s: Scenario| o.scenarios.contains(&s);
    if has(Scenario::Stalls) {
        machine_stalls(stalls::When::Before, o, &mut out);
    }
    for &target in &o.targets {
        eprintln!("loadtest: {}", target.name());
        if has(Scenario::Sweep) {
            // Rising rates until a run loses messages or falls behind.
            let mut sustained = None;
            let mut failed = None;
            for &rate in &o.sweep_rates {
                if attempt(bins, o, sweep_run(target, rate), &mut out).await {
                    sustained = Some(rate);
                } else {
                    failed = Some(rate);
                    break;
                }
            }
            // Then halve the gap between the last rate sustained and the first not: a
            // target's maximum is otherwise only known to within the listed rates' spacing,
            // and two targets' ratio with it.
            if let (Some(low), Some(high)) = (sustained, failed) {
                let mut knee = Knee { low, high };
                for _ in 0..SWEEP_REFINEMENTS {
                    let Some(rate) = knee.middle() else { break };
                    let sustained = attempt(bins, o, sweep_run(target, rate), &mut out).await;
                    knee.record(rate, sustained);
                }
            }
        }
        if has(Scenario::Latency) {
            for rate in [1_000, 10_000] {
                attempt(bins, o, latency_run(target, rate), &mut out).await;
            }
        }
        if has(Scenario::Stall) {
            attempt(bins, o, stall_run(target), &mut out).await;
        }
        if has(Scenario::MsgPack) && target == Target::Dexmon {
            for (clients, rate) in [(100, 1_000), (1_000, 500)] {
                let s = RunSpec {
                    name: Scenario::MsgPack.name(),
                    target,
                    codec: Codec::MsgPack,
                    clients,
                    stalled: 0,
                    rate,
                };
                attempt(bins, o, s, &mut out).await;
            }
        }
        if has(Scenario::E2e) && target == Target::Dexmon {
            match pipeline_e2e(bins, 100, 10_000, o.seconds).await {
                Ok(line) => out.notes.push(line),
                Err(err) => out.failures.push(format!("e2e: {err}")),
            }
        }
        if has(Scenario::Unsubscribed) && target == Target::Dexmon {
            match tokio::time::timeout(
                Duration::from_secs(300),
                unsubscribed_memory(bins, o.idle.min(4_000)),
            )
            .await
            {
                Ok(Ok(line)) => out.notes.push(line),
                Ok(Err(err)) => out.failures.push(format!("unsubscribed: {err}")),
                Err(_) => out.failures.push("unsubscribed: over 5 minutes".to_owned()),
            }
        }
        if has(Scenario::Idle) {
            match tokio::time::timeout(
                Duration::from_secs(300),
                idle_memory(bins, target, o.idle, o.payload),
            )
            .await
            {
                Ok(Ok((per, total))) => out.idle.push((target, per, total)),
                Ok(Err(err)) => out.failures.push(format!("idle {}: {err}", target.name())),
                Err(_) => out
                    .failures
                    .push(format!("idle {}: over 5 minutes", target.name())),
            }
        }
    }
    // This machine's stalls come and go within minutes, and one run of a p99 is one draw of
    // them: the runs behind the latency goals are measured again, every target in turn, so
    // each target's median is taken over the same stretch of time as its peers'.
    for round in 2..=o.rounds {
        eprintln!("loadtest: round {round} of {}", o.rounds);
        for &target in &o.targets {
            for s in round_runs(target, o) {
                attempt(bins, o, s, &mut out).await;
            }
        }
    }
    if has(Scenario::Nats) && o.targets.contains(&Target::Dexmon) {
        eprintln!("loadtest: dexmon through NATS JetStream");
        match nats::scenario(bins, o).await {
            Ok(note) => out.notes.push(note),
            Err(err) => out.failures.push(format!("nats: {err}")),
        }
    }
    // Stalls come and go over minutes: measured again at the end, the two bracket the runs.
    if has(Scenario::Stalls) {
        machine_stalls(stalls::When::After, o, &mut out);
    }
    Ok(out)
}

/// The `stalls` scenario's probe, `when` the runs are.
fn machine_stalls(when: stalls::When, o: &Options, out: &mut Outcome) {
    eprintln!("loadtest: the machine's own stalls, {} s", o.seconds);
    match stalls::measure(&[0, 1], Duration::from_secs(o.seconds)) {
        Ok(cores) => {
            let note = stalls::note(when, &cores);
            eprintln!("  {note}");
            out.notes.push(note);
        }
        Err(err) => out.failures.push(format!("stalls: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweeps_knee_halves_towards_the_maximum() {
        let mut knee = Knee {
            low: 500,
            high: 1_000,
        };
        assert_eq!(knee.middle(), Some(750));
        knee.record(750, true);
        assert_eq!(knee.middle(), Some(875));
        knee.record(875, false);
        assert_eq!(knee.middle(), Some(812));
        knee.record(812, true);
        assert_eq!(
            knee,
            Knee {
                low: 812,
                high: 875
            }
        );
        // Adjacent rates leave nothing to try.
        assert_eq!(
            Knee {
                low: 100,
                high: 101
            }
            .middle(),
            None
        );
    }

    #[test]
    fn scenarios_parse_by_name_and_default_to_all() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let all = Options::parse(&[]).unwrap();
        assert_eq!(all.scenarios, Scenario::ALL);
        let some = Options::parse(&args(&["--scenarios", "e2e,latency"])).unwrap();
        assert_eq!(some.scenarios, [Scenario::E2e, Scenario::Latency]);
        assert_eq!(
            Options::parse(&args(&["--scenarios", "sweep,bogus"])).unwrap_err(),
            "unknown scenario \"bogus\" (stalls, sweep, latency, idle, stall, msgpack, e2e, nats, unsubscribed)"
        );
    }

    #[test]
    fn a_round_repeats_only_the_selected_latency_goal_runs() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let o = Options::parse(&args(&[
            "--scenarios",
            "latency,stall,idle",
            "--rounds",
            "5",
        ]))
        .unwrap();
        assert_eq!(o.rounds, 5);
        let shapes: Vec<(&str, usize, usize, u32)> = round_runs(Target::NodeWs, &o)
            .iter()
            .map(|s| (s.name, s.clients, s.stalled, s.rate))
            .collect();
        assert_eq!(
            shapes,
            [("latency", 100, 0, 1_000), ("stall", 100, 10, 1_000)]
        );
        let all = Options::parse(&args(&["--rates", "250,500"])).unwrap();
        assert_eq!(all.rounds, 1);
        let wide = &round_runs(Target::Dexmon, &all)[0];
        assert_eq!((wide.clients, wide.rate), (1_000, WIDE_GOAL_RATE));
    }
}
