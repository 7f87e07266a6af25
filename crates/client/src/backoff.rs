//! Reconnect delays: exponential, capped, with proportional jitter.

use std::time::Duration;

use rand::Rng;

use crate::BackoffError;

/// When to try again after a lost connection.
///
/// Attempt `n` (counting from 0) waits `min(cap, initial · 2^n)`, scaled by a uniformly random
/// factor in `[1 - jitter, 1 + jitter]`, so that many clients that lose the same server do not
/// return in lockstep. The count restarts once a connection has been restored.
///
/// ```
/// use std::time::Duration;
/// use dexmon_client::Backoff;
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5), 0.2, Some(10))?;
/// assert_eq!(backoff.ceiling(0), Duration::from_millis(100));
/// assert_eq!(backoff.ceiling(3), Duration::from_millis(800));
/// assert_eq!(backoff.ceiling(30), Duration::from_secs(5));
/// # Ok::<(), dexmon_client::BackoffError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    initial: Duration,
    cap: Duration,
    jitter: f64,
    max_attempts: Option<u32>,
}

impl Default for Backoff {
    /// 1 s initial, 60 s cap, ±20 % jitter, unlimited attempts.
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            jitter: 0.2,
            max_attempts: None,
        }
    }
}

impl Backoff {
    /// A backoff starting at `initial`, never above `cap` before jitter, scaled by up to
    /// `±jitter` (a fraction), giving up after `max_attempts` failed attempts in a row
    /// (`None`: never).
    ///
    /// # Errors
    /// [`BackoffError`] for a zero `initial`, a `cap` below it, a `jitter` outside `[0, 1)`, or
    /// `Some(0)` attempts.
    pub fn new(
        initial: Duration,
        cap: Duration,
        jitter: f64,
        max_attempts: Option<u32>,
    ) -> Result<Self, BackoffError> {
        if initial.is_zero() {
            return Err(BackoffError::ZeroInitial);
        }
        if cap < initial {
            return Err(BackoffError::CapBelowInitial { initial, cap });
        }
        if !(0.0..1.0).contains(&jitter) {
            return Err(BackoffError::Jitter(jitter));
        }
        if max_attempts == Some(0) {
            return Err(BackoffError::ZeroAttempts);
        }
        Ok(Self {
            initial,
            cap,
            jitter,
            max_attempts,
        })
    }

    /// The delay of attempt `attempt` (from 0) before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The delay of attempt `attempt` (from 0) with jitter drawn from `rng`.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let base = self.ceiling(attempt);
        if self.jitter == 0.0 {
            return base;
        }
        let factor = rng.random_range((1.0 - self.jitter)..=(1.0 + self.jitter));
        base.mul_f64(factor)
    }

    /// Whether attempt `attempt` (from 0) may be made.
    pub fn allows(&self, attempt: u32) -> bool {
        self.max_attempts.is_none_or(|max| attempt < max)
    }

    /// The attempt limit, `None` for unlimited.
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_constructor_refuses_what_cannot_work() {
        let s = Duration::from_secs(1);
        assert_eq!(
            Backoff::new(Duration::ZERO, s, 0.2, None),
            Err(BackoffError::ZeroInitial)
        );
        assert!(matches!(
            Backoff::new(s * 2, s, 0.2, None),
            Err(BackoffError::CapBelowInitial { .. })
        ));
        assert_eq!(
            Backoff::new(s, s, 1.0, None),
            Err(BackoffError::Jitter(1.0))
        );
        assert_eq!(
            Backoff::new(s, s, 0.2, Some(0)),
            Err(BackoffError::ZeroAttempts)
        );
    }

    #[test]
    fn delays_double_up_to_the_cap_within_the_jitter() {
        let b = Backoff::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempt in 0..40 {
            let ceiling = b.ceiling(attempt);
            let expected = Duration::from_secs(1u64 << attempt.min(6)).min(Duration::from_secs(60));
            assert_eq!(ceiling, expected, "attempt {attempt}");
            let d = b.delay(attempt, &mut rng);
            assert!(
                d >= ceiling.mul_f64(0.8) && d <= ceiling.mul_f64(1.2),
                "{d:?}"
            );
        }
        assert!(b.allows(u32::MAX - 1), "unlimited by default");
        let limited =
            Backoff::new(Duration::from_secs(1), Duration::from_secs(1), 0.0, Some(2)).unwrap();
        assert!(limited.allows(1) && !limited.allows(2));
    }
}
