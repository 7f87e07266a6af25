//! A whole Raydium CLMM swap (`swap_internal` and `SwapState` in `instructions/swap.rs`,
//! `compute_swap` in `libraries/swap_math.rs`).
//!
//! Like the Orca model, a quote that runs out of supplied tick arrays, or of initialized
//! arrays, returns what was filled with [`Fill::Partial`] and the reason, where the program
//! would fail the transaction.

use super::math::{
    DeltaError, delta_amounts_for_swap, next_sqrt_price_from_input, next_sqrt_price_from_output,
};
use super::tick_math::{
    MAX_SQRT_PRICE_X64, MAX_TICK, MIN_SQRT_PRICE_X64, MIN_TICK, sqrt_price_at_tick,
    tick_at_sqrt_price,
};
use super::{FEE_RATE_DENOMINATOR, TICK_ARRAY_SIZE};
use crate::clmm::add_liquidity_delta;
use crate::math::{mul_div_ceil, mul_div_floor, to_u64};
use crate::quote::{Direction, Fill, PartialReason, Price, Quote, SwapMode, SwapModel};
use crate::{PricingError, Result};

/// Which token a pool takes its fee in (`fee_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeeOn {
    /// From the input token.
    #[default]
    FromInput,
    /// Always in token 0: from the input when selling token 0, from the output otherwise.
    Token0Only,
    /// Always in token 1.
    Token1Only,
}

impl FeeOn {
    fn on_input(self, zero_for_one: bool) -> bool {
        match self {
            Self::FromInput => true,
            Self::Token0Only => zero_for_one,
            Self::Token1Only => !zero_for_one,
        }
    }
}

/// The pool and config fields a swap reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClmmState {
    /// Current Q64.64 sqrt price (token 1 per token 0).
    pub sqrt_price_x64: u128,
    /// Current tick.
    pub tick_current: i32,
    /// Liquidity in range at the current price.
    pub liquidity: u128,
    /// Ticks between initializable ticks.
    pub tick_spacing: u16,
    /// `AmmConfig.trade_fee_rate`, millionths.
    pub trade_fee_rate: u32,
    /// `AmmConfig.protocol_fee_rate`, millionths of the trade fee.
    pub protocol_fee_rate: u32,
    /// `AmmConfig.fund_fee_rate`, millionths of the trade fee.
    pub fund_fee_rate: u32,
    /// Which token the fee is taken in.
    pub fee_on: FeeOn,
    /// The pool's `dynamic_fee_info`, when it is not all zeros (the program's "configured").
    pub dynamic_fee: Option<DynamicFee>,
    /// Status bit 4 clear.
    pub swaps_enabled: bool,
    /// Decimals of token 0.
    pub decimals_0: u8,
    /// Decimals of token 1.
    pub decimals_1: u8,
}

/// A pool's dynamic fee parameters and state (`DynamicFeeInfo` in `states/pool_fee.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DynamicFee {
    /// Seconds within which the volatility reference stays.
    pub filter_period: u16,
    /// Seconds after which the volatility reference decays to zero.
    pub decay_period: u16,
    /// How much of the accumulator the reference keeps between the periods, in basis points.
    pub reduction_factor: u16,
    /// Scales the squared volatility into the dynamic fee rate.
    pub dynamic_fee_control: u32,
    /// Cap of the volatility accumulator.
    pub max_volatility_accumulator: u32,
    /// Tick-spacing step the reference was taken at.
    pub tick_spacing_index_reference: i32,
    /// Volatility reference the accumulator grows from.
    pub volatility_reference: u32,
    /// Volatility accumulated since the reference.
    pub volatility_accumulator: u32,
    /// Unix time of the last reference update.
    pub last_update_timestamp: u64,
}

const MAX_FEE_RATE_NUMERATOR: u32 = 100_000;
const VOLATILITY_ACCUMULATOR_SCALE: u64 = 10_000;
const REDUCTION_FACTOR_DENOMINATOR: u64 = 10_000;
const DYNAMIC_FEE_CONTROL_DENOMINATOR: u128 = 100_000;

impl DynamicFee {
    fn update_volatility_accumulator(&mut self, tick_spacing_index: i32) {
        let delta = (i64::from(self.tick_spacing_index_reference) - i64::from(tick_spacing_index))
            .unsigned_abs();
        let acc = u64::from(self.volatility_reference)
            .saturating_add(delta.saturating_mul(VOLATILITY_ACCUMULATOR_SCALE));
        self.volatility_accumulator = acc.min(u64::from(self.max_volatility_accumulator)) as u32;
    }

    fn update_reference(&mut self, tick_spacing_index: i32, now: u64) {
        let since = now.saturating_sub(self.last_update_timestamp);
        if since < u64::from(self.filter_period) {
            return;
        }
        self.tick_spacing_index_reference = tick_spacing_index;
        self.volatility_reference = if since < u64::from(self.decay_period) {
            (u64::from(self.volatility_accumulator) * u64::from(self.reduction_factor)
                / REDUCTION_FACTOR_DENOMINATOR) as u32
        } else {
            0
        };
        self.last_update_timestamp = now;
    }

    fn fee_rate(&self, tick_spacing: u16) -> u32 {
        let crossed = u64::from(self.volatility_accumulator) * u64::from(tick_spacing);
        let squared = u128::from(crossed) * u128::from(crossed);
        let denominator = DYNAMIC_FEE_CONTROL_DENOMINATOR
            * u128::from(VOLATILITY_ACCUMULATOR_SCALE)
            * u128::from(VOLATILITY_ACCUMULATOR_SCALE);
        let rate = mul_div_ceil(
            u128::from(self.dynamic_fee_control),
            squared,
            denominator,
            "dynamic fee",
        )
        .unwrap_or(u128::MAX);
        rate.min(u128::from(MAX_FEE_RATE_NUMERATOR)) as u32
    }
}

/// `tick_spacing_index_from_tick`: the tick-spacing step a tick lies in, rounding down.
fn tick_spacing_index(tick: i32, tick_spacing: u16) -> i32 {
    tick.div_euclid(i32::from(tick_spacing))
}

/// One tick as a quote needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClmmTick {
    /// The tick index.
    pub tick: i32,
    /// Liquidity added when the price crosses the tick upwards (removed downwards).
    pub liquidity_net: i128,
    /// Total liquidity referencing the tick; nonzero means initialized.
    pub liquidity_gross: u128,
    /// Unfilled or part-filled limit orders rest on the tick.
    pub has_limit_orders: bool,
}

impl ClmmTick {
    fn is_initialized(&self) -> bool {
        self.liquidity_gross > 0 || self.has_limit_orders
    }
}

/// 60 ticks starting at `start_tick_index`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClmmTickArray {
    /// Tick index of the array's first tick.
    pub start_tick_index: i32,
    /// The array's ticks, `tick_spacing` apart.
    pub ticks: [ClmmTick; TICK_ARRAY_SIZE as usize],
}

/// A CLMM pool with the initialized tick arrays (from its bitmaps) and those supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClmmPool {
    /// The pool's and its config's swap fields.
    pub state: ClmmState,
    /// Start ticks of every initialized array, ascending (see
    /// [`initialized_tick_array_starts`](super::initialized_tick_array_starts)).
    pub initialized_array_starts: Vec<i32>,
    /// The tick arrays known, any order.
    pub tick_arrays: Vec<ClmmTickArray>,
    /// Unix time the quote is for (the dynamic fee decays with time).
    pub timestamp: u64,
}

/// Everything a swap computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapOutcome {
    /// Token 0 moved, raw units.
    pub amount_0: u64,
    /// Token 1 moved, raw units.
    pub amount_1: u64,
    /// What the trader pays, raw units (fee included when it is on the input).
    pub amount_in: u64,
    /// What the trader receives, raw units (less the fee when it is on the output).
    pub amount_out: u64,
    /// Total trade fee (LP, protocol and fund shares).
    pub fee: u64,
    /// Whether `fee` is in the input token (else in the output token).
    pub fee_on_input: bool,
    /// Q64.64 sqrt price after the swap.
    pub end_sqrt_price: u128,
    /// Tick after the swap.
    pub end_tick: i32,
    /// Liquidity in range after the swap.
    pub end_liquidity: u128,
    /// Whether the whole amount was filled, and if not why.
    pub fill: Fill,
}

/// The outcome of one [`compute_swap_step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapStep {
    /// Where the step left the Q64.64 sqrt price: the target, or short of it when the amount
    /// ran out.
    pub next_sqrt_price: u128,
    /// Input the price move took, raw units, without the fee.
    pub amount_in: u64,
    /// Output paid, raw units (less the fee when the fee is on the output).
    pub amount_out: u64,
    /// Fee charged, raw units, in the input token when `fee_on_input`, else in the output.
    pub fee_amount: u64,
}

/// One swap step from `sqrt_price_current` towards `sqrt_price_target` (both Q64.64) within
/// one liquidity range (`swap_math::compute_swap`), with the program's rounding: inputs and
/// fees rounded up, outputs down. `amount_remaining` is the input still to sell
/// (`is_base_input`) or the output still to buy, raw units; `fee_rate` is in millionths;
/// `zero_for_one` sells token 0; `fee_on_input` takes the fee from the input (see
/// [`FeeOn`]) rather than the output.
///
/// # Errors
/// Overflow of an amount that must fit in `u64`, a next price the program would reject (see
/// [`next_sqrt_price_from_input`]), or a step that would pass its target.
#[allow(clippy::too_many_arguments)]
pub fn compute_swap_step(
    sqrt_price_current: u128,
    sqrt_price_target: u128,
    liquidity: u128,
    amount_remaining: u64,
    fee_rate: u32,
    is_base_input: bool,
    zero_for_one: bool,
    fee_on_input: bool,
) -> Result<SwapStep> {
    let (d, rate) = (u128::from(FEE_RATE_DENOMINATOR), u128::from(fee_rate));
    let remaining = u128::from(amount_remaining);
    let amount_for_price = match (is_base_input, fee_on_input) {
        (true, true) => to_u64(
            mul_div_floor(remaining, d - rate, d, "amount less fee")?,
            "amount less fee",
        )?,
        (true, false) | (false, true) => amount_remaining,
        (false, false) => to_u64(
            mul_div_ceil(remaining, d, d - rate, "amount with fee")?,
            "amount with fee",
        )?,
    };
    let reachable = match delta_amounts_for_swap(
        sqrt_price_target,
        sqrt_price_current,
        liquidity,
        zero_for_one,
    ) {
        Ok((in_at_target, out_at_target)) => {
            let limit = if is_base_input {
                in_at_target
            } else {
                out_at_target
            };
            (amount_for_price >= limit).then_some((in_at_target, out_at_target))
        }
        Err(DeltaError::MaxTokenOverflow) => None,
        Err(DeltaError::Other(e)) => return Err(e),
    };
    let mut step = if let Some((amount_in, amount_out)) = reachable {
        SwapStep {
            next_sqrt_price: sqrt_price_target,
            amount_in,
            amount_out,
            fee_amount: 0,
        }
    } else {
        let next = if is_base_input {
            next_sqrt_price_from_input(
                sqrt_price_current,
                liquidity,
                amount_for_price,
                zero_for_one,
            )?
        } else {
            next_sqrt_price_from_output(
                sqrt_price_current,
                liquidity,
                amount_for_price,
                zero_for_one,
            )?
        };
        let (amount_in, amount_out) =
            delta_amounts_for_swap(next, sqrt_price_current, liquidity, zero_for_one).map_err(
                |e| match e {
                    DeltaError::MaxTokenOverflow => PricingError::Overflow("step amount"),
                    DeltaError::Other(e) => e,
                },
            )?;
        SwapStep {
            next_sqrt_price: next,
            amount_in,
            amount_out,
            fee_amount: 0,
        }
    };
    let wrong_side = if zero_for_one {
        step.next_sqrt_price < sqrt_price_target
    } else {
        sqrt_price_target < step.next_sqrt_price
    };
    if wrong_side {
        return Err(PricingError::InvalidInput("step overshot its target"));
    }
    let at_target = step.next_sqrt_price == sqrt_price_target;
    let ceil_fee = |amount: u64, den: u128| -> Result<u64> {
        to_u64(
            mul_div_ceil(u128::from(amount), rate, den, "step fee")?,
            "step fee",
        )
    };
    let sub = |a: u64, b: u64| {
        a.checked_sub(b)
            .ok_or(PricingError::Overflow("step amount"))
    };
    match (is_base_input, fee_on_input) {
        (true, true) => {
            step.fee_amount = if at_target {
                ceil_fee(step.amount_in, d - rate)?
            } else {
                sub(amount_remaining, step.amount_in)?
            };
        }
        (true, false) => {
            step.fee_amount = ceil_fee(step.amount_out, d)?;
            step.amount_out = sub(step.amount_out, step.fee_amount)?;
            if !at_target {
                step.amount_in = amount_remaining;
            }
        }
        (false, true) => {
            step.amount_out = step.amount_out.min(amount_remaining);
            step.fee_amount = ceil_fee(step.amount_in, d - rate)?;
        }
        (false, false) => {
            step.fee_amount = ceil_fee(step.amount_out, d)?;
            let net = sub(step.amount_out, step.fee_amount)?;
            if net > amount_remaining {
                step.fee_amount = sub(step.amount_out, amount_remaining)?;
                step.amount_out = amount_remaining;
            } else {
                step.amount_out = net;
            }
        }
    }
    Ok(step)
}

fn array_start(tick: i32, tick_spacing: u16) -> i32 {
    let span = TICK_ARRAY_SIZE * i32::from(tick_spacing);
    tick.div_euclid(span) * span
}

enum Stop {
    Arrays,
    Liquidity,
}

impl ClmmPool {
    fn array(&self, start: i32) -> Option<&ClmmTickArray> {
        self.tick_arrays
            .iter()
            .find(|a| a.start_tick_index == start)
    }

    fn next_initialized_start(&self, after: i32, zero_for_one: bool) -> Option<i32> {
        if zero_for_one {
            self.initialized_array_starts
                .iter()
                .rev()
                .find(|s| **s < after)
                .copied()
        } else {
            self.initialized_array_starts
                .iter()
                .find(|s| **s > after)
                .copied()
        }
    }

    /// Runs the program's swap: `amount` is the input for [`SwapMode::ExactIn`] and the output
    /// for [`SwapMode::ExactOut`], in raw token units; [`Direction::AToB`] sells token 0.
    /// `sqrt_price_limit` is a Q64.64 sqrt price the swap may not pass; 0 means none, and the
    /// limit then sits one unit inside the price range, the nearest the program allows.
    /// [`SwapModel::quote`] is this without a limit.
    ///
    /// # Errors
    /// Inputs the program rejects, overflow, and [`PricingError::Unsupported`] for limit
    /// orders on a crossed tick.
    pub fn swap(
        &self,
        direction: Direction,
        mode: SwapMode,
        amount: u64,
        sqrt_price_limit: u128,
    ) -> Result<SwapOutcome> {
        let zero_for_one = direction == Direction::AToB;
        let is_base_input = mode == SwapMode::ExactIn;
        let s = &self.state;
        if amount == 0 {
            return Err(PricingError::ZeroAmount("amount"));
        }
        if !s.swaps_enabled {
            return Err(PricingError::InvalidInput(
                "swaps are disabled on this pool",
            ));
        }
        if s.tick_spacing == 0 {
            return Err(PricingError::InvalidInput("tick spacing is zero"));
        }
        if s.trade_fee_rate >= FEE_RATE_DENOMINATOR {
            return Err(PricingError::InvalidInput(
                "trade fee rate must be below 100%",
            ));
        }
        if !(MIN_TICK..=MAX_TICK).contains(&s.tick_current)
            || !(MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64).contains(&s.sqrt_price_x64)
        {
            return Err(PricingError::InvalidInput(
                "pool tick or sqrt price out of range",
            ));
        }
        let explicit_limit = sqrt_price_limit != 0;
        let limit = match (explicit_limit, zero_for_one) {
            (true, _) => sqrt_price_limit,
            (false, true) => MIN_SQRT_PRICE_X64 + 1,
            (false, false) => MAX_SQRT_PRICE_X64 - 1,
        };
        let limit_ok = if zero_for_one {
            limit < s.sqrt_price_x64 && limit > MIN_SQRT_PRICE_X64
        } else {
            limit > s.sqrt_price_x64 && limit < MAX_SQRT_PRICE_X64
        };
        if !limit_ok {
            return Err(PricingError::InvalidInput(
                "sqrt price limit out of range or on the wrong side",
            ));
        }
        let fee_on_input = s.fee_on.on_input(zero_for_one);

        let mut remaining = amount;
        let mut calculated: u64 = 0;
        let mut fee_total: u64 = 0;
        let mut sqrt_price = s.sqrt_price_x64;
        let mut tick = s.tick_current;
        let mut liquidity = s.liquidity;
        let mut stop = None;
        let mut dynamic = s.dynamic_fee;
        let mut spacing_index = tick_spacing_index(tick, s.tick_spacing);
        if let Some(d) = dynamic.as_mut() {
            d.update_reference(spacing_index, self.timestamp);
        }

        let current_start = array_start(tick, s.tick_spacing);
        let (mut first_contains_tick, mut valid_start) =
            if self.initialized_array_starts.contains(&current_start) {
                (true, Some(current_start))
            } else {
                (
                    false,
                    self.next_initialized_start(current_start, zero_for_one),
                )
            };

        while remaining != 0 && sqrt_price != limit {
            let Some(start) = valid_start else {
                stop = Some(Stop::Liquidity);
                break;
            };
            let Some(array) = self.array(start) else {
                stop = Some(Stop::Arrays);
                break;
            };
            let in_array = (array_start(tick, s.tick_spacing) == start)
                .then(|| {
                    let offset = (tick - start) / i32::from(s.tick_spacing);
                    if zero_for_one {
                        (0..=offset)
                            .rev()
                            .find(|&i| array.ticks[i as usize].is_initialized())
                    } else {
                        (offset + 1..TICK_ARRAY_SIZE)
                            .find(|&i| array.ticks[i as usize].is_initialized())
                    }
                })
                .flatten();
            let first_in = |a: &ClmmTickArray| {
                if zero_for_one {
                    a.ticks.iter().rev().find(|t| t.is_initialized()).copied()
                } else {
                    a.ticks.iter().find(|t| t.is_initialized()).copied()
                }
            };
            let next = if let Some(i) = in_array {
                array.ticks[i as usize]
            } else if !first_contains_tick {
                first_contains_tick = true;
                match first_in(array) {
                    Some(t) => t,
                    None => {
                        return Err(PricingError::InvalidInput(
                            "initialized tick array has no initialized tick",
                        ));
                    }
                }
            } else {
                let Some(next_start) = self.next_initialized_start(start, zero_for_one) else {
                    stop = Some(Stop::Liquidity);
                    break;
                };
                valid_start = Some(next_start);
                let Some(next_array) = self.array(next_start) else {
                    stop = Some(Stop::Arrays);
                    break;
                };
                match first_in(next_array) {
                    Some(t) => t,
                    None => {
                        return Err(PricingError::InvalidInput(
                            "initialized tick array has no initialized tick",
                        ));
                    }
                }
            };
            if next.has_limit_orders {
                return Err(PricingError::Unsupported(
                    "limit orders on a crossed Raydium CLMM tick",
                ));
            }
            let tick_next = next.tick.clamp(MIN_TICK, MAX_TICK);
            let sqrt_next = sqrt_price_at_tick(tick_next)?;
            let target =
                if (zero_for_one && sqrt_next < limit) || (!zero_for_one && sqrt_next > limit) {
                    limit
                } else {
                    sqrt_next
                };

            let mut liquidity_next = liquidity;
            loop {
                if let Some(d) = dynamic.as_mut() {
                    d.update_volatility_accumulator(spacing_index);
                }
                let fee_rate = match &dynamic {
                    Some(d) => {
                        (s.trade_fee_rate + d.fee_rate(s.tick_spacing)).min(MAX_FEE_RATE_NUMERATOR)
                    }
                    None => s.trade_fee_rate,
                };
                // With a dynamic fee, each step stops at the next tick-spacing boundary so the
                // fee can be recomputed (`get_spacing_bounded_price`).
                let (skipped, bounded, bounded_tick) = match &dynamic {
                    Some(d)
                        if liquidity != 0
                            && d.volatility_accumulator != d.max_volatility_accumulator =>
                    {
                        let ts = i32::from(s.tick_spacing);
                        let edge = if zero_for_one {
                            spacing_index.saturating_mul(ts)
                        } else {
                            spacing_index.saturating_add(1).saturating_mul(ts)
                        }
                        .clamp(MIN_TICK, MAX_TICK);
                        let edge_price = sqrt_price_at_tick(edge)?;
                        let inside = if zero_for_one {
                            target > edge_price
                        } else {
                            target < edge_price
                        };
                        if inside {
                            (false, target, None)
                        } else {
                            (false, edge_price, Some(edge))
                        }
                    }
                    _ => (true, target, None),
                };
                let step = if sqrt_price != bounded {
                    let step = compute_swap_step(
                        sqrt_price,
                        bounded,
                        liquidity,
                        remaining,
                        fee_rate,
                        is_base_input,
                        zero_for_one,
                        fee_on_input,
                    )?;
                    let consumed = if fee_on_input {
                        step.amount_in
                            .checked_add(step.fee_amount)
                            .ok_or(PricingError::Overflow("amount in"))?
                    } else {
                        step.amount_in
                    };
                    let (spent, gained) = if is_base_input {
                        (consumed, step.amount_out)
                    } else {
                        (step.amount_out, consumed)
                    };
                    remaining = remaining
                        .checked_sub(spent)
                        .ok_or(PricingError::Overflow("amount remaining"))?;
                    calculated = calculated
                        .checked_add(gained)
                        .ok_or(PricingError::Overflow("amount calculated"))?;
                    fee_total = fee_total
                        .checked_add(step.fee_amount)
                        .ok_or(PricingError::Overflow("fee"))?;
                    step
                } else {
                    SwapStep {
                        next_sqrt_price: bounded,
                        amount_in: 0,
                        amount_out: 0,
                        fee_amount: 0,
                    }
                };
                if sqrt_next == step.next_sqrt_price {
                    if next.liquidity_gross > 0 {
                        let net = if zero_for_one {
                            -next.liquidity_net
                        } else {
                            next.liquidity_net
                        };
                        liquidity_next = add_liquidity_delta(liquidity, net)?;
                    }
                    tick = if zero_for_one {
                        tick_next - 1
                    } else {
                        tick_next
                    };
                } else if sqrt_price != step.next_sqrt_price {
                    tick = match bounded_tick {
                        Some(t) if step.next_sqrt_price == bounded => t,
                        _ => tick_at_sqrt_price(step.next_sqrt_price)?,
                    };
                }
                sqrt_price = step.next_sqrt_price;
                // `update_dynamic_fee_index`.
                if let Some(d) = dynamic.as_mut() {
                    if skipped {
                        let at = if sqrt_price == sqrt_next {
                            tick_next
                        } else {
                            tick
                        };
                        let mut index = tick_spacing_index(at, s.tick_spacing);
                        if !zero_for_one && at % i32::from(s.tick_spacing) == 0 {
                            index -= 1;
                        }
                        spacing_index = index;
                        if d.volatility_accumulator != d.max_volatility_accumulator {
                            d.update_volatility_accumulator(spacing_index);
                        }
                    }
                    spacing_index += if zero_for_one { -1 } else { 1 };
                }
                if remaining == 0 || sqrt_price == target {
                    break;
                }
            }
            liquidity = liquidity_next;
        }

        let fill = if remaining == 0 {
            Fill::Complete
        } else {
            Fill::Partial(match stop {
                Some(Stop::Arrays) => PartialReason::TickArraysExhausted,
                Some(Stop::Liquidity) => PartialReason::LiquidityExhausted,
                None if explicit_limit => PartialReason::PriceLimit,
                None => PartialReason::LiquidityExhausted,
            })
        };
        let consumed = amount - remaining;
        let (amount_in, amount_out) = if is_base_input {
            (consumed, calculated)
        } else {
            (calculated, consumed)
        };
        let (amount_0, amount_1) = if zero_for_one {
            (amount_in, amount_out)
        } else {
            (amount_out, amount_in)
        };
        Ok(SwapOutcome {
            amount_0,
            amount_1,
            amount_in,
            amount_out,
            fee: fee_total,
            fee_on_input,
            end_sqrt_price: sqrt_price,
            end_tick: tick,
            end_liquidity: liquidity,
            fill,
        })
    }
}

impl SwapModel for ClmmPool {
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote> {
        let o = self.swap(direction, mode, amount, 0)?;
        Ok(Quote {
            amount_in: o.amount_in,
            amount_out: o.amount_out,
            fee: if o.fee_on_input { o.fee } else { 0 },
            fee_out: if o.fee_on_input { 0 } else { o.fee },
            fill: o.fill,
            price_after: Price::SqrtX64(o.end_sqrt_price),
        })
    }

    fn spot_price(&self) -> Price {
        Price::SqrtX64(self.state.sqrt_price_x64)
    }

    fn decimals(&self) -> (u8, u8) {
        (self.state.decimals_0, self.state.decimals_1)
    }
}
