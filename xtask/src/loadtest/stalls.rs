//! The machine's own stalls (`--scenarios stalls`): how often, and for how long, a core is
//! taken away from a thread that never yields it.
//!
//! Before the first server starts and after the last one stops, one thread per core spins on
//! the monotonic clock for the measured seconds and records every gap between two consecutive
//! readings longer than [`GAP_FLOOR_US`]. Nothing of ours runs then, so each gap is the
//! machine's: the hypervisor descheduling the virtual CPU (its steal time, also read from
//! `/proc/stat`), or the guest kernel's interrupts and threads. A message in flight when its
//! server's or client's core stalls waits for the stall to end, whatever the server, so a run's
//! latency tail is read next to the stalls around it.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Gaps shorter than this are the loop's own cost and timer ticks, not stalls.
const GAP_FLOOR_US: u64 = 50;

/// The lengths reported: how many gaps exceeded each.
const BOUNDS_US: [u64; 4] = [250, 500, 1_000, 2_000];

/// One core's stalls over a measured stretch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CoreStalls {
    pub(crate) cpu: usize,
    pub(crate) measured: Duration,
    /// Every gap over [`GAP_FLOOR_US`], in microseconds.
    pub(crate) gaps_us: Vec<u64>,
    /// Steal time the kernel accounted to this CPU meanwhile, when `/proc/stat` was readable.
    pub(crate) steal_ms: Option<u64>,
}

impl CoreStalls {
    /// Time lost in gaps of at least `min_us`, as a share of the measured time (percent).
    fn lost_percent(&self, min_us: u64) -> f64 {
        let lost: u64 = self.gaps_us.iter().filter(|&&g| g >= min_us).sum();
        #[allow(clippy::cast_precision_loss)]
        let lost = lost as f64;
        lost / (self.measured.as_secs_f64() * 1e6) * 100.0
    }

    fn over(&self, bound_us: u64) -> usize {
        self.gaps_us.iter().filter(|&&g| g > bound_us).count()
    }

    /// One sentence for the report.
    pub(crate) fn line(&self) -> String {
        let seconds = self.measured.as_secs_f64();
        let mut line = format!(
            "CPU {}: {} gaps over {GAP_FLOOR_US} µs in {seconds:.0} s ({:.1}% of the time)",
            self.cpu,
            self.gaps_us.len(),
            self.lost_percent(GAP_FLOOR_US),
        );
        for bound in BOUNDS_US {
            let over = self.over(bound);
            #[allow(clippy::cast_precision_loss)]
            let (per_second, bound_ms) = (over as f64 / seconds, bound as f64 / 1_000.0);
            let _ = write!(line, ", {over} over {bound_ms} ms ({per_second:.1}/s)");
        }
        let longest = self.gaps_us.iter().max().copied().unwrap_or(0);
        #[allow(clippy::cast_precision_loss)]
        let _ = write!(
            line,
            "; longest {:.2} ms; {:.2}% of the time inside stalls of 1 ms or more",
            longest as f64 / 1_000.0,
            self.lost_percent(1_000)
        );
        if let Some(steal) = self.steal_ms {
            let _ = write!(line, "; steal time {steal} ms");
        }
        line
    }
}

/// Spins on the clock for `measured`, recording every gap over [`GAP_FLOOR_US`] (µs).
fn spin(measured: Duration) -> Vec<u64> {
    let start = Instant::now();
    let mut previous = start;
    let mut gaps = Vec::new();
    while previous.duration_since(start) < measured {
        let now = Instant::now();
        let gap_us = u64::try_from(now.duration_since(previous).as_micros()).unwrap_or(u64::MAX);
        if gap_us > GAP_FLOOR_US {
            gaps.push(gap_us);
        }
        previous = now;
    }
    gaps
}

/// Each CPU's steal time so far (ms), from `/proc/stat`, by CPU number.
fn steal_ms() -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    // The kernel counts in USER_HZ, 100 per second on Linux.
    stat.lines()
        .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
        .map(|l| {
            l.split_whitespace()
                .nth(8)?
                .parse::<u64>()
                .ok()
                .map(|j| j * 10)
        })
        .collect()
}

/// Moves the calling thread to `cpu`; false when `taskset` could not.
fn pin_this_thread(cpu: usize) -> bool {
    // The thread's id is the last part of /proc/thread-self's target.
    let Some(tid) = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
    else {
        return false;
    };
    super::servers::pin(&tid, cpu)
}

/// Measures `cpus` at the same time, one spinning thread pinned to each.
///
/// # Errors
/// A thread could not be pinned or did not finish.
pub(crate) fn measure(cpus: &[usize], measured: Duration) -> Result<Vec<CoreStalls>, String> {
    let before = steal_ms();
    let threads: Vec<_> = cpus
        .iter()
        .map(|&cpu| {
            std::thread::spawn(move || {
                if pin_this_thread(cpu) {
                    Ok(spin(measured))
                } else {
                    Err(format!("cannot pin a thread to CPU {cpu}"))
                }
            })
        })
        .collect();
    let mut gaps = Vec::new();
    for thread in threads {
        gaps.push(thread.join().map_err(|_| "a spinning thread panicked")??);
    }
    let after = steal_ms();
    Ok(cpus
        .iter()
        .zip(gaps)
        .map(|(&cpu, gaps_us)| CoreStalls {
            cpu,
            measured,
            gaps_us,
            steal_ms: before
                .as_ref()
                .zip(after.as_ref())
                .and_then(|(b, a)| Some(a.get(cpu)?.saturating_sub(*b.get(cpu)?))),
        })
        .collect())
}

/// When a probe ran, relative to the fan-out runs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    Before,
    After,
}

/// The report's paragraph for `cores`, measured `when`.
pub(crate) fn note(when: When, cores: &[CoreStalls]) -> String {
    let lines: Vec<String> = cores.iter().map(CoreStalls::line).collect();
    let when = match when {
        When::Before => "before any server started",
        When::After => "after the last server stopped",
    };
    format!(
        "The machine's own stalls, {when} (one thread spinning on the clock on each core, every gap between two readings over {GAP_FLOOR_US} µs): {}.",
        lines.join(". ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_counted_by_length_and_as_a_share_of_the_time() {
        let core = CoreStalls {
            cpu: 0,
            measured: Duration::from_secs(2),
            gaps_us: vec![60, 300, 600, 1_000, 1_500, 3_500],
            steal_ms: Some(20),
        };
        let line = core.line();
        assert!(
            line.starts_with("CPU 0: 6 gaps over 50 µs in 2 s (0.3% of the time)"),
            "{line}"
        );
        assert!(
            line.contains(", 5 over 0.25 ms (2.5/s), 4 over 0.5 ms (2.0/s), 2 over 1 ms (1.0/s), 1 over 2 ms (0.5/s)"),
            "{line}"
        );
        // 1,000 + 1,500 + 3,500 µs of 2 s.
        assert!(
            line.ends_with(
                "longest 3.50 ms; 0.30% of the time inside stalls of 1 ms or more; steal time 20 ms"
            ),
            "{line}"
        );
        let note = note(When::After, &[core]);
        assert!(
            note.starts_with("The machine's own stalls, after the last server stopped (")
                && note.ends_with("steal time 20 ms."),
            "{note}"
        );
    }

    #[test]
    fn a_spin_reports_only_gaps_over_the_floor() {
        let gaps = spin(Duration::from_millis(20));
        assert!(gaps.iter().all(|&g| g > GAP_FLOOR_US), "{gaps:?}");
    }
}
