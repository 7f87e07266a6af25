//! A token bucket for a connection's inbound messages.

/// Why a [`TokenBucket`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum RateLimitError {
    #[error("rate must be a positive, finite number of messages per second, got {0}")]
    Rate(f64),
    #[error("burst must be at least 1 message, got {0}")]
    Burst(u32),
}

/// Allows `rate` messages per second on average and bursts of up to `burst`.
///
/// Time is passed in (µs on any monotonic clock), so the bucket reads no clock and tests
/// drive it exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    rate_per_us: f64,
    burst: f64,
    tokens: f64,
    last_us: u64,
}

impl TokenBucket {
    /// A full bucket at time `now_us`.
    ///
    /// # Errors
    /// [`RateLimitError::Rate`] for a rate that is not positive and finite;
    /// [`RateLimitError::Burst`] for a burst of 0.
    pub fn new(rate_per_second: f64, burst: u32, now_us: u64) -> Result<Self, RateLimitError> {
        if !(rate_per_second.is_finite() && rate_per_second > 0.0) {
            return Err(RateLimitError::Rate(rate_per_second));
        }
        if burst == 0 {
            return Err(RateLimitError::Burst(burst));
        }
        Ok(Self {
            rate_per_us: rate_per_second / 1e6,
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last_us: now_us,
        })
    }

    /// Takes one token if there is one. A clock that goes backwards adds nothing.
    pub fn try_take(&mut self, now_us: u64) -> bool {
        let elapsed = now_us.saturating_sub(self.last_us);
        self.last_us = self.last_us.max(now_us);
        #[allow(clippy::cast_precision_loss)] // µs gaps far below 2^52
        let refill = elapsed as f64 * self.rate_per_us;
        self.tokens = (self.tokens + refill).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_settings_are_refused() {
        assert_eq!(TokenBucket::new(0.0, 1, 0), Err(RateLimitError::Rate(0.0)));
        assert!(TokenBucket::new(f64::NAN, 1, 0).is_err());
        assert!(TokenBucket::new(f64::INFINITY, 1, 0).is_err());
        assert_eq!(TokenBucket::new(1.0, 0, 0), Err(RateLimitError::Burst(0)));
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let mut bucket = TokenBucket::new(10.0, 3, 0).unwrap();
        assert!((0..3).all(|_| bucket.try_take(0)));
        assert!(!bucket.try_take(0));
        assert!(!bucket.try_take(99_000), "0.99 token after 99 ms");
        assert!(bucket.try_take(100_000), "one token per 100 ms");
        assert!(!bucket.try_take(100_000));
        // A long pause refills only up to the burst.
        assert!((0..3).all(|_| bucket.try_take(60_000_000)));
        assert!(!bucket.try_take(60_000_000));
    }

    #[test]
    fn a_clock_going_backwards_adds_nothing() {
        let mut bucket = TokenBucket::new(1.0, 1, 5_000_000).unwrap();
        assert!(bucket.try_take(5_000_000));
        assert!(!bucket.try_take(1_000_000));
        assert!(!bucket.try_take(5_500_000));
        assert!(bucket.try_take(6_000_000));
    }
}
