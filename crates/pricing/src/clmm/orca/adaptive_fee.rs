//! Orca's adaptive fee (`manager/fee_rate_manager.rs`, `state/oracle.rs`): a volatility
//! accumulator over tick groups raises the fee while the price moves, decaying with time.
//!
//! Within one swap the price is walked one tick group at a time (the step target is bounded to
//! the group's edge) so the fee can be recomputed per group, unless the accumulator is
//! already saturated outside the "core" range, where whole steps are taken.

use super::tick_math::{
    MAX_TICK_INDEX, MIN_TICK_INDEX, sqrt_price_from_tick_index, tick_index_from_sqrt_price,
};
use crate::{PricingError, Result};

/// The total fee never exceeds 10%.
pub const FEE_RATE_HARD_LIMIT: u32 = 100_000;
const VOLATILITY_ACCUMULATOR_SCALE_FACTOR: u32 = 10_000;
const REDUCTION_FACTOR_DENOMINATOR: u64 = 10_000;
const ADAPTIVE_FEE_CONTROL_FACTOR_DENOMINATOR: u128 = 100_000;
const MAX_REFERENCE_AGE: u64 = 3_600;

/// The oracle's fixed parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdaptiveFeeConstants {
    /// Seconds after the last reference update within which the reference stays.
    pub filter_period: u16,
    /// Seconds after which the volatility reference decays to zero (`decay_period`).
    pub decay_period: u16,
    /// Basis points of the accumulator the reference keeps between the two periods.
    pub reduction_factor: u16,
    /// Scales the squared volatility into the adaptive fee rate.
    pub adaptive_fee_control_factor: u32,
    /// Cap of the volatility accumulator.
    pub max_volatility_accumulator: u32,
    /// Ticks per tick group: volatility counts in groups of this many ticks.
    pub tick_group_size: u16,
    /// Ticks the price must move in one swap for it to count as a major swap.
    pub major_swap_threshold_ticks: u16,
}

/// The oracle's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdaptiveFeeVariables {
    /// Unix time the reference was last updated.
    pub last_reference_update_timestamp: u64,
    /// Unix time of the last major swap.
    pub last_major_swap_timestamp: u64,
    /// Volatility reference the accumulator grows from.
    pub volatility_reference: u32,
    /// Tick group the reference was taken at.
    pub tick_group_index_reference: i32,
    /// Volatility accumulated since the reference.
    pub volatility_accumulator: u32,
}

/// A whirlpool's oracle, for pools with an adaptive fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Oracle {
    /// Unix time before which the pool refuses swaps.
    pub trade_enable_timestamp: u64,
    /// The adaptive fee's configuration.
    pub constants: AdaptiveFeeConstants,
    /// The adaptive fee's state.
    pub variables: AdaptiveFeeVariables,
}

fn floor_div(a: i32, b: i32) -> i32 {
    a.div_euclid(b) - i32::from(b < 0 && a.rem_euclid(b) != 0)
}

impl AdaptiveFeeVariables {
    fn update_volatility_accumulator(&mut self, tick_group_index: i32, c: &AdaptiveFeeConstants) {
        let delta = (i64::from(self.tick_group_index_reference) - i64::from(tick_group_index))
            .unsigned_abs();
        let acc = u64::from(self.volatility_reference)
            + delta * u64::from(VOLATILITY_ACCUMULATOR_SCALE_FACTOR);
        self.volatility_accumulator = acc.min(u64::from(c.max_volatility_accumulator)) as u32;
    }

    fn update_reference(
        &mut self,
        tick_group_index: i32,
        now: u64,
        c: &AdaptiveFeeConstants,
    ) -> Result<()> {
        let max_timestamp = self
            .last_reference_update_timestamp
            .max(self.last_major_swap_timestamp);
        if now < max_timestamp {
            return Err(PricingError::InvalidInput(
                "timestamp is before the oracle's last update",
            ));
        }
        let reference_age = now - self.last_reference_update_timestamp;
        if reference_age > MAX_REFERENCE_AGE {
            self.tick_group_index_reference = tick_group_index;
            self.volatility_reference = 0;
            self.last_reference_update_timestamp = now;
            return Ok(());
        }
        let elapsed = now - max_timestamp;
        if elapsed < u64::from(c.filter_period) {
            // High frequency: keep the reference.
        } else if elapsed < u64::from(c.decay_period) {
            self.tick_group_index_reference = tick_group_index;
            self.volatility_reference = (u64::from(self.volatility_accumulator)
                * u64::from(c.reduction_factor)
                / REDUCTION_FACTOR_DENOMINATOR) as u32;
            self.last_reference_update_timestamp = now;
        } else {
            self.tick_group_index_reference = tick_group_index;
            self.volatility_reference = 0;
            self.last_reference_update_timestamp = now;
        }
        Ok(())
    }
}

/// The fee rate for each step of one swap.
#[derive(Debug, Clone)]
pub(crate) enum FeeRateManager {
    Static {
        fee_rate: u16,
    },
    Adaptive {
        a_to_b: bool,
        tick_group_index: i32,
        static_fee_rate: u16,
        constants: AdaptiveFeeConstants,
        variables: AdaptiveFeeVariables,
        lower_bound: Option<(i32, u128)>,
        upper_bound: Option<(i32, u128)>,
    },
}

impl FeeRateManager {
    pub(crate) fn new(
        a_to_b: bool,
        current_tick_index: i32,
        timestamp: u64,
        static_fee_rate: u16,
        oracle: Option<&Oracle>,
    ) -> Result<Self> {
        let Some(oracle) = oracle else {
            return Ok(Self::Static {
                fee_rate: static_fee_rate,
            });
        };
        let constants = oracle.constants;
        if constants.tick_group_size == 0 {
            return Err(PricingError::InvalidInput("tick_group_size is zero"));
        }
        let group_size = i32::from(constants.tick_group_size);
        let tick_group_index = floor_div(current_tick_index, group_size);
        let mut variables = oracle.variables;
        variables.update_reference(tick_group_index, timestamp, &constants)?;
        let span = constants
            .max_volatility_accumulator
            .saturating_sub(variables.volatility_reference)
            .div_ceil(VOLATILITY_ACCUMULATOR_SCALE_FACTOR) as i32;
        let lower_index = variables.tick_group_index_reference - span;
        let upper_index = variables.tick_group_index_reference + span;
        let lower_tick = i64::from(lower_index) * i64::from(group_size);
        let upper_tick = i64::from(upper_index) * i64::from(group_size) + i64::from(group_size);
        let lower_bound = (lower_tick > i64::from(MIN_TICK_INDEX))
            .then(|| (lower_index, sqrt_price_from_tick_index(lower_tick as i32)));
        let upper_bound = (upper_tick < i64::from(MAX_TICK_INDEX))
            .then(|| (upper_index, sqrt_price_from_tick_index(upper_tick as i32)));
        Ok(Self::Adaptive {
            a_to_b,
            tick_group_index,
            static_fee_rate,
            constants,
            variables,
            lower_bound,
            upper_bound,
        })
    }

    pub(crate) fn update_volatility_accumulator(&mut self) {
        if let Self::Adaptive {
            tick_group_index,
            constants,
            variables,
            ..
        } = self
        {
            variables.update_volatility_accumulator(*tick_group_index, constants);
        }
    }

    pub(crate) fn total_fee_rate(&self) -> u32 {
        match self {
            Self::Static { fee_rate } => u32::from(*fee_rate),
            Self::Adaptive {
                static_fee_rate,
                constants,
                variables,
                ..
            } => {
                let crossed = u64::from(variables.volatility_accumulator)
                    * u64::from(constants.tick_group_size);
                let squared = u128::from(crossed) * u128::from(crossed);
                let adaptive = (u128::from(constants.adaptive_fee_control_factor) * squared)
                    .div_ceil(
                        ADAPTIVE_FEE_CONTROL_FACTOR_DENOMINATOR
                            * u128::from(VOLATILITY_ACCUMULATOR_SCALE_FACTOR)
                            * u128::from(VOLATILITY_ACCUMULATOR_SCALE_FACTOR),
                    );
                let adaptive = adaptive.min(u128::from(FEE_RATE_HARD_LIMIT)) as u32;
                (u32::from(*static_fee_rate) + adaptive).min(FEE_RATE_HARD_LIMIT)
            }
        }
    }

    /// The step's target bounded to the current tick group, and whether the group update is
    /// skipped (no bounding).
    pub(crate) fn bounded_target(&self, target: u128, liquidity: u128) -> (u128, bool) {
        let Self::Adaptive {
            a_to_b,
            tick_group_index,
            constants,
            lower_bound,
            upper_bound,
            ..
        } = self
        else {
            return (target, false);
        };
        if constants.adaptive_fee_control_factor == 0 || liquidity == 0 {
            return (target, true);
        }
        if let Some((lower_index, lower_price)) = lower_bound
            && tick_group_index < lower_index
        {
            return (
                if *a_to_b {
                    target
                } else {
                    target.min(*lower_price)
                },
                true,
            );
        }
        if let Some((upper_index, upper_price)) = upper_bound
            && tick_group_index > upper_index
        {
            return (
                if *a_to_b {
                    target.max(*upper_price)
                } else {
                    target
                },
                true,
            );
        }
        let group_size = i64::from(constants.tick_group_size);
        let boundary = if *a_to_b {
            i64::from(*tick_group_index) * group_size
        } else {
            i64::from(*tick_group_index) * group_size + group_size
        };
        let boundary = boundary.clamp(i64::from(MIN_TICK_INDEX), i64::from(MAX_TICK_INDEX)) as i32;
        let boundary_price = sqrt_price_from_tick_index(boundary);
        (
            if *a_to_b {
                target.max(boundary_price)
            } else {
                target.min(boundary_price)
            },
            false,
        )
    }

    pub(crate) fn advance_tick_group(&mut self) {
        if let Self::Adaptive {
            a_to_b,
            tick_group_index,
            ..
        } = self
        {
            *tick_group_index += if *a_to_b { -1 } else { 1 };
        }
    }

    pub(crate) fn advance_tick_group_after_skip(
        &mut self,
        sqrt_price: u128,
        next_tick_sqrt_price: u128,
        next_tick_index: i32,
    ) {
        let Self::Adaptive {
            a_to_b,
            tick_group_index,
            constants,
            variables,
            ..
        } = self
        else {
            return;
        };
        let group_size = i32::from(constants.tick_group_size);
        let (tick_index, on_boundary) = if sqrt_price == next_tick_sqrt_price {
            (next_tick_index, next_tick_index % group_size == 0)
        } else {
            let tick = tick_index_from_sqrt_price(sqrt_price);
            (
                tick,
                tick % group_size == 0 && sqrt_price == sqrt_price_from_tick_index(tick),
            )
        };
        let last_traversed = if on_boundary && !*a_to_b {
            tick_index / group_size - 1
        } else {
            floor_div(tick_index, group_size)
        };
        if (*a_to_b && last_traversed < *tick_group_index)
            || (!*a_to_b && last_traversed > *tick_group_index)
        {
            *tick_group_index = last_traversed;
            variables.update_volatility_accumulator(*tick_group_index, constants);
        }
        *tick_group_index += if *a_to_b { -1 } else { 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::floor_div;

    #[test]
    fn floor_division_rounds_toward_negative_infinity() {
        assert_eq!(floor_div(7, 2), 3);
        assert_eq!(floor_div(-7, 2), -4);
        assert_eq!(floor_div(-8, 2), -4);
        assert_eq!(floor_div(0, 5), 0);
    }
}
