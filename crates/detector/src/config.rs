//! Detector configuration, validated when built.

use crate::error::ConfigError;

/// Transaction costs, in lamports, converted to the profit token at the market's SOL price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// Base fee per signature (5,000 lamports on mainnet).
    pub base_fee_lamports: u64,
    /// Priority fee: compute-unit price, in micro-lamports per unit.
    pub compute_unit_price_micro_lamports: u64,
    /// Compute units one swap leg consumes.
    pub compute_units_per_leg: u64,
    /// Optional Jito tip per bundle.
    pub jito_tip_lamports: u64,
}

impl CostModel {
    /// Total lamports for a transaction of `legs` swaps.
    pub fn lamports(&self, legs: u64) -> u64 {
        let units = self.compute_units_per_leg.saturating_mul(legs);
        let priority = units.saturating_mul(self.compute_unit_price_micro_lamports) / 1_000_000;
        self.base_fee_lamports
            .saturating_add(priority)
            .saturating_add(self.jito_tip_lamports)
    }
}

impl Default for CostModel {
    fn default() -> Self {
        Self {
            base_fee_lamports: 5_000,
            compute_unit_price_micro_lamports: 10_000,
            compute_units_per_leg: 120_000,
            jito_tip_lamports: 0,
        }
    }
}

/// The `cex_dex` strategy's costs and limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CexConfig {
    /// The exchange's taker fee, in basis points, charged in the asset received (Binance's
    /// rule without BNB discounts): 10 = 0.1%, Binance's base spot rate.
    pub taker_fee_bps: u32,
    /// Transfer/inventory cost per trade, in basis points of the trade's quote input,
    /// rounded up to a raw unit: the price of keeping (and rebalancing) inventory on both
    /// venues. 0 assumes pre-funded inventory at no cost.
    pub transfer_cost_bps: u32,
    /// A book older than this at the decision is not traded against.
    pub max_book_age_ms: u64,
}

impl Default for CexConfig {
    fn default() -> Self {
        Self {
            taker_fee_bps: 10,
            transfer_cost_bps: 0,
            max_book_age_ms: 1_000,
        }
    }
}

/// Everything the detector can be told.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorConfig {
    /// Transaction costs.
    pub costs: CostModel,
    /// Minimum net profit as a share of the input, in basis points.
    pub min_profit_bps: u32,
    /// Minimum net profit, in lamports of SOL equivalent.
    pub min_profit_lamports: u64,
    /// Minimum value of each pool used, in whole units of the pair's quote token.
    pub min_liquidity_quote: f64,
    /// Maximum slot difference between the legs' pool states.
    pub max_slot_delta: u64,
    /// Maximum age of any leg's data, in microseconds.
    pub max_data_age_us: u64,
    /// An open opportunity is re-emitted as `update` only when its net profit moves by this
    /// share (or its size or legs change).
    pub update_hysteresis: f64,
    /// An open opportunity closes only once its net profit falls below this share of the
    /// minimum, so it does not flap at the threshold.
    pub close_ratio: f64,
    /// Statistical: half-life of the spread's exponentially weighted mean and variance.
    pub stat_half_life_us: u64,
    /// Statistical: |z| at which a spread signals.
    pub stat_z_threshold: f64,
    /// Statistical: samples before any signal (warm-up).
    pub stat_warmup_samples: u32,
    /// Statistical: time before any signal (warm-up), in microseconds.
    pub stat_warmup_us: u64,
    /// Statistical: the input size traded on a signal, in whole units of the quote token.
    pub stat_trade_size_quote: f64,
    /// CEX–DEX: the exchange's fees, transfer cost and book age limit.
    pub cex: CexConfig,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            costs: CostModel::default(),
            min_profit_bps: 5,
            min_profit_lamports: 10_000,
            min_liquidity_quote: 0.0,
            max_slot_delta: 2,
            max_data_age_us: 5_000_000,
            update_hysteresis: 0.05,
            close_ratio: 0.8,
            stat_half_life_us: 60_000_000,
            stat_z_threshold: 3.0,
            stat_warmup_samples: 50,
            stat_warmup_us: 30_000_000,
            stat_trade_size_quote: 100.0,
            cex: CexConfig::default(),
        }
    }
}

impl DetectorConfig {
    /// Checks the configuration.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first field out of range.
    pub fn validate(self) -> Result<Self, ConfigError> {
        let check = |ok: bool, field: &'static str, reason: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError { field, reason })
            }
        };
        check(
            self.min_profit_bps <= 10_000,
            "min_profit_bps",
            "at most 10,000",
        )?;
        check(
            self.min_liquidity_quote.is_finite() && self.min_liquidity_quote >= 0.0,
            "min_liquidity_quote",
            "a finite, non-negative number",
        )?;
        check(
            self.max_slot_delta < u64::MAX,
            "max_slot_delta",
            "below u64::MAX",
        )?;
        check(self.max_data_age_us > 0, "max_data_age_us", "positive")?;
        check(
            (0.0..=1.0).contains(&self.update_hysteresis),
            "update_hysteresis",
            "between 0 and 1",
        )?;
        check(
            (0.0..=1.0).contains(&self.close_ratio),
            "close_ratio",
            "between 0 and 1",
        )?;
        check(self.stat_half_life_us > 0, "stat_half_life_us", "positive")?;
        check(
            self.stat_z_threshold.is_finite() && self.stat_z_threshold > 0.0,
            "stat_z_threshold",
            "a positive number",
        )?;
        check(
            self.stat_trade_size_quote.is_finite() && self.stat_trade_size_quote > 0.0,
            "stat_trade_size_quote",
            "a positive number",
        )?;
        check(
            self.costs.compute_units_per_leg <= 1_400_000,
            "costs.compute_units_per_leg",
            "at most 1,400,000 (a transaction's limit)",
        )?;
        check(
            self.cex.taker_fee_bps < 10_000,
            "cex.taker_fee_bps",
            "below 10,000",
        )?;
        check(
            self.cex.transfer_cost_bps < 10_000,
            "cex.transfer_cost_bps",
            "below 10,000",
        )?;
        check(
            self.cex.max_book_age_ms > 0 && self.cex.max_book_age_ms <= u64::MAX / 1_000,
            "cex.max_book_age_ms",
            "positive and at most u64::MAX / 1,000",
        )?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_fields_are_named() {
        assert!(DetectorConfig::default().validate().is_ok());
        let err = DetectorConfig {
            close_ratio: 1.5,
            ..DetectorConfig::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.field, "close_ratio");
        let err = DetectorConfig {
            stat_z_threshold: f64::NAN,
            ..DetectorConfig::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.field, "stat_z_threshold");
        for (config, field) in [
            (
                DetectorConfig {
                    max_slot_delta: u64::MAX,
                    ..DetectorConfig::default()
                },
                "max_slot_delta",
            ),
            (
                DetectorConfig {
                    cex: CexConfig {
                        taker_fee_bps: 10_000,
                        ..CexConfig::default()
                    },
                    ..DetectorConfig::default()
                },
                "cex.taker_fee_bps",
            ),
            (
                DetectorConfig {
                    cex: CexConfig {
                        transfer_cost_bps: 20_000,
                        ..CexConfig::default()
                    },
                    ..DetectorConfig::default()
                },
                "cex.transfer_cost_bps",
            ),
            (
                DetectorConfig {
                    cex: CexConfig {
                        max_book_age_ms: 0,
                        ..CexConfig::default()
                    },
                    ..DetectorConfig::default()
                },
                "cex.max_book_age_ms",
            ),
        ] {
            assert_eq!(config.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn transaction_cost_adds_base_priority_and_tip() {
        let c = CostModel {
            base_fee_lamports: 5_000,
            compute_unit_price_micro_lamports: 1_000_000,
            compute_units_per_leg: 100_000,
            jito_tip_lamports: 1_000,
        };
        assert_eq!(c.lamports(2), 5_000 + 200_000 + 1_000);
    }
}
