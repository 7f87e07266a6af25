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

/// Wall-clock microseconds since the Unix epoch.
pub fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Wall-clock seconds since the Unix epoch: for the fee models' time parameters.
pub fn unix_s() -> u64 {
    u64::try_from(unix_ms() / 1_000).unwrap_or(0)
}

/// The time a pipeline batch is processed at. Live, it is read from the clocks; in a replay
/// it is the recorded time of the same batch, so decisions repeat exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchClock {
    /// [`monotonic_us`] when the batch was taken: ages, throttles and opportunity lifetimes.
    pub now_us: u64,
    /// Unix microseconds at the same instant; its seconds are the fee models' time parameter
    /// (DLMM and CLMM volatility decay).
    pub unix_us: i64,
}

impl BatchClock {
    /// Now, from the process clocks.
    pub fn wall() -> Self {
        Self {
            now_us: monotonic_us(),
            unix_us: unix_us(),
        }
    }

    /// Unix seconds.
    pub fn unix_s(self) -> u64 {
        u64::try_from(self.unix_us / 1_000_000).unwrap_or(0)
    }

    /// Unix milliseconds.
    pub fn unix_ms(self) -> i64 {
        self.unix_us / 1_000
    }

    /// The Unix time, in microseconds, of an earlier instant on [`monotonic_us`]: for the
    /// `update_received_us` stamps that let a client measure its end-to-end latency to the
    /// microsecond. Read from the batch's clocks, so a replay stamps the same values.
    pub fn unix_us_of(self, monotonic: u64) -> u64 {
        let age = i64::try_from(self.now_us.saturating_sub(monotonic)).unwrap_or(i64::MAX);
        u64::try_from(self.unix_us.saturating_sub(age)).unwrap_or(0)
    }
}
