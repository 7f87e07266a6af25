//! The cross-venue spread's exponentially weighted mean and variance, decayed by elapsed time
//! (not by sample count), so sparse updates weigh the past correctly.

/// Running statistics of one spread series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SpreadStats {
    pub mean: f64,
    pub variance: f64,
    pub samples: u32,
    pub first_us: u64,
    pub last_us: u64,
}

impl SpreadStats {
    pub(crate) fn new(x: f64, now_us: u64) -> Self {
        Self {
            mean: x,
            variance: 0.0,
            samples: 1,
            first_us: now_us,
            last_us: now_us,
        }
    }

    /// Adds a sample. The weight of the past halves every `half_life_us`; a sample older than
    /// the last one is ignored (out-of-order updates must not rewind time).
    pub(crate) fn push(&mut self, x: f64, now_us: u64, half_life_us: u64) {
        if now_us < self.last_us || !x.is_finite() {
            return;
        }
        let dt = (now_us - self.last_us) as f64;
        let keep = (-(dt / half_life_us as f64) * std::f64::consts::LN_2).exp();
        let alpha = 1.0 - keep;
        let delta = x - self.mean;
        self.mean += alpha * delta;
        self.variance = keep * (self.variance + alpha * delta * delta);
        self.samples = self.samples.saturating_add(1);
        self.last_us = now_us;
    }

    /// The z-score of `x`, if the series has any spread at all.
    pub(crate) fn z(&self, x: f64) -> Option<f64> {
        let sd = self.variance.sqrt();
        (sd > 1e-12).then(|| (x - self.mean) / sd)
    }

    pub(crate) fn warmed_up(&self, samples: u32, duration_us: u64) -> bool {
        self.samples >= samples && self.last_us.saturating_sub(self.first_us) >= duration_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_after_a_calm_series_has_a_large_z() {
        let mut s = SpreadStats::new(0.0, 0);
        for i in 1..200u64 {
            let noise = if i % 2 == 0 { 0.0001 } else { -0.0001 };
            s.push(noise, i * 1_000_000, 60_000_000);
        }
        assert!(s.warmed_up(50, 30_000_000));
        assert!(s.z(0.002).unwrap() > 5.0);
        assert!(s.z(0.0).unwrap().abs() < 1.0);
    }

    #[test]
    fn old_samples_do_not_rewind() {
        let mut s = SpreadStats::new(1.0, 100);
        s.push(5.0, 50, 1_000);
        assert_eq!(s.samples, 1);
        assert_eq!(s.mean, 1.0);
    }

    #[test]
    fn a_long_gap_forgets_the_past() {
        let mut s = SpreadStats::new(1.0, 0);
        s.push(0.0, 10 * 60_000_000, 60_000_000);
        assert!(s.mean.abs() < 0.01, "{}", s.mean);
    }
}
