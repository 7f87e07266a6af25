//! A whole Orca swap across initialized ticks (`swap` in `manager/swap_manager.rs`), with the
//! tick-array walk of `util/swap_tick_sequence.rs`.
//!
//! Differences from the program are deliberate and only at the edges: where the program fails
//! the transaction because the supplied tick arrays end, or an exact-output swap cannot be
//! filled, the quote returns what was filled with [`Fill::Partial`] and the reason.

use super::adaptive_fee::{FeeRateManager, Oracle};
use super::swap_step::compute_swap_step;
use super::tick_math::{
    MAX_SQRT_PRICE_X64, MAX_TICK_INDEX, MIN_SQRT_PRICE_X64, MIN_TICK_INDEX,
    sqrt_price_from_tick_index, tick_index_from_sqrt_price,
};
use super::{PROTOCOL_FEE_RATE_MUL_VALUE, TICK_ARRAY_SIZE};
use crate::clmm::{Tick, add_liquidity_delta};
use crate::quote::{Direction, Fill, PartialReason, Price, Quote, SwapMode, SwapModel};
use crate::{PricingError, Result};

/// The pool fields a swap reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhirlpoolState {
    /// Current Q64.64 sqrt price (B per A).
    pub sqrt_price: u128,
    /// Current tick index.
    pub tick_current_index: i32,
    /// Liquidity in range at the current price.
    pub liquidity: u128,
    /// Ticks between initializable ticks.
    pub tick_spacing: u16,
    /// Hundredths of a basis point (the static part when the pool has an adaptive fee).
    pub fee_rate: u16,
    /// Basis points of the fee.
    pub protocol_fee_rate: u16,
    /// Decimals of token A.
    pub decimals_a: u8,
    /// Decimals of token B.
    pub decimals_b: u8,
}

/// 88 ticks starting at `start_tick_index`, spaced by the pool's tick spacing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickArray {
    /// Tick index of the array's first tick.
    pub start_tick_index: i32,
    /// The array's ticks, `tick_spacing` apart.
    pub ticks: [Tick; TICK_ARRAY_SIZE as usize],
}

impl TickArray {
    /// An array with no initialized tick, for an array account that does not exist on chain
    /// (the program treats those as empty).
    pub fn empty(start_tick_index: i32) -> Self {
        Self {
            start_tick_index,
            ticks: [Tick::default(); TICK_ARRAY_SIZE as usize],
        }
    }
}

/// A whirlpool with the tick arrays known around its price, and its oracle when the pool has
/// an adaptive fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhirlpoolPool {
    /// The pool's swap fields.
    pub state: WhirlpoolState,
    /// Any order; the swap uses the contiguous run starting at the current tick.
    pub tick_arrays: Vec<TickArray>,
    /// The pool's oracle, when it has an adaptive fee.
    pub oracle: Option<Oracle>,
    /// Unix time the quote is for (the adaptive fee decays with time).
    pub timestamp: u64,
}

/// Everything a swap computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapOutcome {
    /// Token A moved, raw units (paid in or out, fee included on the input side).
    pub amount_a: u64,
    /// Token B moved, raw units.
    pub amount_b: u64,
    /// What the trader pays, raw units, fee included.
    pub amount_in: u64,
    /// What the trader receives, raw units.
    pub amount_out: u64,
    /// Total fee in the input token.
    pub fee: u64,
    /// The protocol's share of `fee`.
    pub protocol_fee: u64,
    /// Q64.64 sqrt price after the swap.
    pub end_sqrt_price: u128,
    /// Tick index after the swap.
    pub end_tick_index: i32,
    /// Liquidity in range after the swap.
    pub end_liquidity: u128,
    /// Whether the whole amount was filled, and if not why.
    pub fill: Fill,
}

/// The tick arrays a swap walks, in swap order.
struct TickSequence<'a> {
    arrays: Vec<&'a TickArray>,
    tick_spacing: i32,
}

enum NextTick {
    Found { array: usize, tick_index: i32 },
    Exhausted,
}

impl<'a> TickSequence<'a> {
    fn new(arrays: &'a [TickArray], current_tick: i32, tick_spacing: u16, a_to_b: bool) -> Self {
        let ts = i32::from(tick_spacing);
        let span = TICK_ARRAY_SIZE * ts;
        // The first array must hold the current tick (shifted by one spacing when buying A,
        // since that search starts at the next tick).
        let shift = if a_to_b { 0 } else { ts };
        // Arrays whose start is outside the tick range cannot belong to the pool; skipping
        // them also keeps the index arithmetic below far from i32's limits.
        let plausible = |a: &TickArray| {
            (MIN_TICK_INDEX - span..=MAX_TICK_INDEX + span).contains(&a.start_tick_index)
        };
        let in_range = |a: &TickArray| {
            plausible(a)
                && current_tick >= a.start_tick_index - shift
                && current_tick < a.start_tick_index + span - shift
        };
        let mut seq = Vec::new();
        if let Some(first) = arrays.iter().find(|a| in_range(a)) {
            seq.push(first);
            let step = if a_to_b { -span } else { span };
            let mut next_start = first.start_tick_index + step;
            while let Some(next) = arrays
                .iter()
                .find(|a| a.start_tick_index == next_start && plausible(a))
            {
                seq.push(next);
                next_start += step;
            }
        }
        Self {
            arrays: seq,
            tick_spacing: ts,
        }
    }

    fn offset(&self, array: usize, tick_index: i32) -> Option<i32> {
        let a = self.arrays.get(array)?;
        Some((tick_index - a.start_tick_index).div_euclid(self.tick_spacing))
    }

    fn tick(&self, array: usize, tick_index: i32) -> Option<Tick> {
        if tick_index % self.tick_spacing != 0 {
            return None;
        }
        let offset = usize::try_from(self.offset(array, tick_index)?).ok()?;
        self.arrays.get(array)?.ticks.get(offset).copied()
    }

    fn next_initialized(&self, tick_index: i32, a_to_b: bool, start_array: usize) -> NextTick {
        let span = TICK_ARRAY_SIZE * self.tick_spacing;
        let mut search = tick_index;
        let mut index = start_array;
        loop {
            let Some(array) = self.arrays.get(index) else {
                return NextTick::Exhausted;
            };
            let mut offset = (search - array.start_tick_index).div_euclid(self.tick_spacing);
            if !a_to_b {
                offset += 1;
            }
            while (0..TICK_ARRAY_SIZE).contains(&offset) {
                if array.ticks[offset as usize].initialized {
                    return NextTick::Found {
                        array: index,
                        tick_index: array.start_tick_index + offset * self.tick_spacing,
                    };
                }
                offset += if a_to_b { -1 } else { 1 };
            }
            if a_to_b && array.start_tick_index <= MIN_TICK_INDEX {
                return NextTick::Found {
                    array: index,
                    tick_index: MIN_TICK_INDEX,
                };
            }
            if !a_to_b && array.start_tick_index + span > MAX_TICK_INDEX {
                return NextTick::Found {
                    array: index,
                    tick_index: MAX_TICK_INDEX,
                };
            }
            if index + 1 == self.arrays.len() {
                let boundary = if a_to_b {
                    array.start_tick_index
                } else {
                    array.start_tick_index + span - 1
                };
                return NextTick::Found {
                    array: index,
                    tick_index: boundary,
                };
            }
            search = if a_to_b {
                array.start_tick_index - 1
            } else {
                array.start_tick_index + span - 1
            };
            index += 1;
        }
    }
}

impl WhirlpoolPool {
    /// Runs the program's swap: `amount` is the input for [`SwapMode::ExactIn`] and the output
    /// for [`SwapMode::ExactOut`], in raw token units. `sqrt_price_limit` is a Q64.64 sqrt
    /// price the swap may not pass; 0 means none (the price range's end). [`SwapModel::quote`]
    /// is this without a limit; use `swap` for the limit or the end tick and liquidity.
    ///
    /// # Errors
    /// Inputs the program rejects (zero amount, a limit on the wrong side or out of range, a
    /// timestamp before trading opens or before the oracle's last update) and overflow.
    pub fn swap(
        &self,
        direction: Direction,
        mode: SwapMode,
        amount: u64,
        sqrt_price_limit: u128,
    ) -> Result<SwapOutcome> {
        let a_to_b = direction == Direction::AToB;
        let exact_in = mode == SwapMode::ExactIn;
        let s = &self.state;
        let explicit_limit = sqrt_price_limit != 0;
        let limit = match (explicit_limit, a_to_b) {
            (true, _) => sqrt_price_limit,
            (false, true) => MIN_SQRT_PRICE_X64,
            (false, false) => MAX_SQRT_PRICE_X64,
        };
        if !(MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64).contains(&limit) {
            return Err(PricingError::InvalidInput("sqrt price limit out of bounds"));
        }
        if (a_to_b && limit >= s.sqrt_price) || (!a_to_b && limit <= s.sqrt_price) {
            return Err(PricingError::InvalidInput(
                "sqrt price limit is on the wrong side of the price",
            ));
        }
        if amount == 0 {
            return Err(PricingError::ZeroAmount("amount"));
        }
        if s.tick_spacing == 0 {
            return Err(PricingError::InvalidInput("tick spacing is zero"));
        }
        if !(MIN_TICK_INDEX..=MAX_TICK_INDEX).contains(&s.tick_current_index)
            || !(MIN_SQRT_PRICE_X64..=MAX_SQRT_PRICE_X64).contains(&s.sqrt_price)
        {
            return Err(PricingError::InvalidInput(
                "pool tick or sqrt price out of range",
            ));
        }
        if let Some(oracle) = &self.oracle
            && self.timestamp < oracle.trade_enable_timestamp
        {
            return Err(PricingError::InvalidInput("trading is not enabled yet"));
        }

        let sequence = TickSequence::new(
            &self.tick_arrays,
            s.tick_current_index,
            s.tick_spacing,
            a_to_b,
        );
        let mut fees = FeeRateManager::new(
            a_to_b,
            s.tick_current_index,
            self.timestamp,
            s.fee_rate,
            self.oracle.as_ref(),
        )?;
        let mut remaining = amount;
        let mut calculated: u64 = 0;
        let mut sqrt_price = s.sqrt_price;
        let mut tick_index = s.tick_current_index;
        let mut liquidity = s.liquidity;
        let mut array_index = 0usize;
        let mut fee_sum: u64 = 0;
        let mut protocol_fee: u64 = 0;
        let mut exhausted = false;

        'outer: while remaining > 0 && limit != sqrt_price {
            let (next_array, next_tick) =
                match sequence.next_initialized(tick_index, a_to_b, array_index) {
                    NextTick::Found { array, tick_index } => (array, tick_index),
                    NextTick::Exhausted => {
                        exhausted = true;
                        break;
                    }
                };
            let next_tick_price = sqrt_price_from_tick_index(next_tick);
            let target = if a_to_b {
                limit.max(next_tick_price)
            } else {
                limit.min(next_tick_price)
            };
            loop {
                fees.update_volatility_accumulator();
                let fee_rate = fees.total_fee_rate();
                let (bounded_target, skipped) = fees.bounded_target(target, liquidity);
                let step = compute_swap_step(
                    remaining,
                    fee_rate,
                    liquidity,
                    sqrt_price,
                    bounded_target,
                    exact_in,
                    a_to_b,
                )?;
                if exact_in {
                    remaining = remaining
                        .checked_sub(step.amount_in)
                        .and_then(|r| r.checked_sub(step.fee_amount))
                        .ok_or(PricingError::Overflow("amount remaining"))?;
                    calculated = calculated
                        .checked_add(step.amount_out)
                        .ok_or(PricingError::Overflow("amount out"))?;
                } else {
                    remaining = remaining
                        .checked_sub(step.amount_out)
                        .ok_or(PricingError::Overflow("amount remaining"))?;
                    calculated = calculated
                        .checked_add(step.amount_in)
                        .and_then(|c| c.checked_add(step.fee_amount))
                        .ok_or(PricingError::Overflow("amount in"))?;
                }
                fee_sum = fee_sum
                    .checked_add(step.fee_amount)
                    .ok_or(PricingError::Overflow("fee"))?;
                if s.protocol_fee_rate > 0 {
                    let share = u128::from(step.fee_amount) * u128::from(s.protocol_fee_rate)
                        / PROTOCOL_FEE_RATE_MUL_VALUE;
                    protocol_fee = protocol_fee.wrapping_add(share as u64);
                }
                if step.next_sqrt_price == next_tick_price {
                    if let Some(tick) = sequence.tick(next_array, next_tick)
                        && tick.initialized
                    {
                        let net = if a_to_b {
                            -tick.liquidity_net
                        } else {
                            tick.liquidity_net
                        };
                        liquidity = add_liquidity_delta(liquidity, net)?;
                    }
                    let offset = sequence.offset(next_array, next_tick).unwrap_or(-1);
                    let leaves_array =
                        (a_to_b && offset == 0) || (!a_to_b && offset == TICK_ARRAY_SIZE - 1);
                    array_index = if leaves_array {
                        next_array + 1
                    } else {
                        next_array
                    };
                    tick_index = if a_to_b { next_tick - 1 } else { next_tick };
                } else if step.next_sqrt_price != sqrt_price {
                    tick_index = tick_index_from_sqrt_price(step.next_sqrt_price);
                }
                sqrt_price = step.next_sqrt_price;
                if skipped {
                    fees.advance_tick_group_after_skip(sqrt_price, next_tick_price, next_tick);
                } else {
                    fees.advance_tick_group();
                }
                if remaining == 0 || sqrt_price == target {
                    continue 'outer;
                }
            }
        }

        let fill = if remaining == 0 {
            Fill::Complete
        } else if exhausted {
            Fill::Partial(PartialReason::TickArraysExhausted)
        } else if explicit_limit {
            Fill::Partial(PartialReason::PriceLimit)
        } else {
            Fill::Partial(PartialReason::LiquidityExhausted)
        };
        let filled = amount - remaining;
        let (amount_in, amount_out) = if exact_in {
            (filled, calculated)
        } else {
            (calculated, filled)
        };
        let (amount_a, amount_b) = if a_to_b {
            (amount_in, amount_out)
        } else {
            (amount_out, amount_in)
        };
        Ok(SwapOutcome {
            amount_a,
            amount_b,
            amount_in,
            amount_out,
            fee: fee_sum,
            protocol_fee,
            end_sqrt_price: sqrt_price,
            end_tick_index: tick_index,
            end_liquidity: liquidity,
            fill,
        })
    }
}

impl SwapModel for WhirlpoolPool {
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote> {
        let outcome = self.swap(direction, mode, amount, 0)?;
        Ok(Quote {
            amount_in: outcome.amount_in,
            amount_out: outcome.amount_out,
            fee: outcome.fee,
            fee_out: 0,
            fill: outcome.fill,
            price_after: Price::SqrtX64(outcome.end_sqrt_price),
        })
    }

    fn spot_price(&self) -> Price {
        Price::SqrtX64(self.state.sqrt_price)
    }

    fn decimals(&self) -> (u8, u8) {
        (self.state.decimals_a, self.state.decimals_b)
    }
}
