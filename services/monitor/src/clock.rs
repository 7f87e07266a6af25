//! The service's clocks. The libraries read none; the monitor stamps everything here.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Microseconds on a monotonic clock since the process started: for latencies and ages.
pub fn monotonic_us() -> u64 {
    u64::try_from(start().elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Wall-clock milliseconds since the Unix epoch: for message timestamps.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Wall-clock seconds since the Unix epoch: for the fee models' time parameters.
pub fn unix_s() -> u64 {
    u64::try_from(unix_ms() / 1_000).unwrap_or(0)
}
