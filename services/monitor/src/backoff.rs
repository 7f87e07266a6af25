//! Exponential backoff with full jitter, for reconnecting to upstreams.
//!
//! Attempt `n` waits a uniformly random time in `[0, min(cap, initial · 2^n))` ("full jitter"),
//! so many clients that lose the same server do not return in lockstep. After the connection
//! has been stable for `reset_after`, the next failure starts again from `initial`.

use std::time::Duration;

use rand::Rng;

/// Why a backoff could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackoffError {
    #[error("initial delay must be positive")]
    ZeroInitial,
    #[error("cap ({cap:?}) must be at least the initial delay ({initial:?})")]
    CapBelowInitial { initial: Duration, cap: Duration },
}

/// Reconnect delays: exponential, capped, fully jittered, reset after a stable period.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    cap: Duration,
    reset_after: Duration,
    attempt: u32,
}

impl Backoff {
    /// A backoff starting at `initial`, never above `cap`, reset once a connection has lasted
    /// `reset_after`.
    ///
    /// # Errors
    /// [`BackoffError`] for a zero initial delay or a cap below it.
    pub fn new(
        initial: Duration,
        cap: Duration,
        reset_after: Duration,
    ) -> Result<Self, BackoffError> {
        if initial.is_zero() {
            return Err(BackoffError::ZeroInitial);
        }
        if cap < initial {
            return Err(BackoffError::CapBelowInitial { initial, cap });
        }
        Ok(Self {
            initial,
            cap,
            reset_after,
            attempt: 0,
        })
    }

    /// The standard upstream policy: 1 s initial, 60 s cap, reset after 30 s of stability.
    pub fn upstream() -> Self {
        Self {
            initial: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            reset_after: Duration::from_secs(30),
            attempt: 0,
        }
    }

    /// The first delay.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The longest delay.
    pub fn cap(&self) -> Duration {
        self.cap
    }

    /// How long a connection must last before the delays start again from `initial`.
    pub fn reset_after(&self) -> Duration {
        self.reset_after
    }

    /// The ceiling of the next delay, before jitter.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The next delay, drawn with `rng`, and counts the attempt.
    pub fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..nanos.max(1)))
    }

    /// Tells the backoff a connection lasted `uptime`; a stable one resets the attempts.
    pub fn connected_for(&mut self, uptime: Duration) {
        if uptime >= self.reset_after {
            self.attempt = 0;
        }
    }

    /// Attempts since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn invalid_parameters_are_refused() {
        assert_eq!(
            Backoff::new(Duration::ZERO, Duration::from_secs(1), Duration::ZERO).unwrap_err(),
            BackoffError::ZeroInitial
        );
        assert!(matches!(
            Backoff::new(
                Duration::from_secs(2),
                Duration::from_secs(1),
                Duration::ZERO
            ),
            Err(BackoffError::CapBelowInitial { .. })
        ));
    }

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let mut b = Backoff::upstream();
        let mut rng = StdRng::seed_from_u64(1);
        let mut ceilings = Vec::new();
        for _ in 0..9 {
            ceilings.push(b.ceiling().as_secs());
            b.next_delay(&mut rng);
        }
        assert_eq!(ceilings, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn delays_are_jittered_within_the_ceiling() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let mut b = Backoff::upstream();
            for _ in 0..3 {
                b.next_delay(&mut rng);
            }
            let d = b.next_delay(&mut rng);
            assert!(d < Duration::from_secs(8));
            seen.insert(d.as_millis() / 500);
        }
        assert!(seen.len() > 10, "full jitter spreads delays: {seen:?}");
    }

    #[test]
    fn a_stable_connection_resets_the_attempts() {
        let mut b = Backoff::upstream();
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..5 {
            b.next_delay(&mut rng);
        }
        b.connected_for(Duration::from_secs(5));
        assert_eq!(b.attempt(), 5, "a short connection does not reset");
        b.connected_for(Duration::from_secs(31));
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.ceiling(), Duration::from_secs(1));
    }
}
