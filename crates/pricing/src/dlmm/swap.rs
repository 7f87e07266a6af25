//! The bin walk and per-bin fills of a DLMM swap.

use super::price::{bin_id_to_array_index, bin_price_x64};
use super::{FEE_PRECISION, MAX_BIN_ID, MAX_BIN_PER_ARRAY, MAX_FEE_RATE, MIN_BIN_ID};
use crate::math::{mul_div_ceil, mul_div_floor, to_u64};
use crate::quote::{Direction, Fill, PartialReason, Price, Quote, SwapMode, SwapModel};
use crate::{PricingError, Result};

const BASIS_POINT_MAX: u64 = 10_000;
const LIMIT_ORDER_FEE_SHARE: u64 = 5_000;

/// Which token the pair takes its fee in (`collect_fee_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CollectFeeMode {
    /// From the input token.
    #[default]
    InputOnly,
    /// Always in token Y: from the input when selling Y, from the output otherwise.
    OnlyY,
}

/// The pair's fixed parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DlmmParams {
    pub bin_step: u16,
    pub base_factor: u16,
    pub base_fee_power_factor: u8,
    pub filter_period: u16,
    pub decay_period: u16,
    pub reduction_factor: u16,
    pub variable_fee_control: u32,
    pub max_volatility_accumulator: u32,
    /// Protocol share of the fee, in basis points.
    pub protocol_share: u16,
    pub collect_fee_mode: CollectFeeMode,
    /// Whether resting limit orders fill inside bins (`is_support_limit_order`).
    pub support_limit_order: bool,
}

/// The pair's volatility state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariableParameters {
    pub volatility_accumulator: u32,
    pub volatility_reference: u32,
    pub index_reference: i32,
    pub last_update_timestamp: i64,
}

/// One bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bin {
    pub amount_x: u64,
    pub amount_y: u64,
    /// Cached Q64.64 price; zero means "compute from the id".
    pub price: u128,
    pub open_order_amount: u64,
    pub processed_order_remaining_amount: u64,
    /// Resting limit orders sell X (ask) rather than Y.
    pub limit_order_ask_side: bool,
}

/// 70 bins starting at bin `index * 70`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinArray {
    pub index: i64,
    pub bins: [Bin; MAX_BIN_PER_ARRAY],
}

/// A DLMM pair with the bin arrays known around its active bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlmmPool {
    pub params: DlmmParams,
    pub variables: VariableParameters,
    pub active_id: i32,
    /// Indexes of every bin array with liquidity (from the pair's bitmaps), ascending.
    pub arrays_with_liquidity: Vec<i64>,
    /// The bin arrays known, any order.
    pub bin_arrays: Vec<BinArray>,
    /// Unix time the quote is for.
    pub timestamp: i64,
    pub decimals_x: u8,
    pub decimals_y: u8,
}

/// What a swap computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DlmmSwap {
    pub amount_in: u64,
    pub amount_out: u64,
    /// Total fee (in the input token, or in Y when the pair collects it there).
    pub fee: u64,
    pub protocol_fee: u64,
    pub fee_on_input: bool,
    pub end_active_id: i32,
    pub fill: Fill,
}

struct BinQuote {
    amount_in: u64,
    amount_out: u64,
    fee: u64,
    protocol_fee: u64,
}

struct Fees<'a> {
    params: &'a DlmmParams,
    variables: VariableParameters,
}

impl Fees<'_> {
    fn update_references(&mut self, active_id: i32, now: i64) -> Result<()> {
        let (v, p) = (&mut self.variables, self.params);
        let elapsed = now
            .checked_sub(v.last_update_timestamp)
            .ok_or(PricingError::Overflow("elapsed time"))?;
        if elapsed >= i64::from(p.filter_period) {
            v.index_reference = active_id;
            v.volatility_reference = if elapsed < i64::from(p.decay_period) {
                (u64::from(v.volatility_accumulator) * u64::from(p.reduction_factor)
                    / BASIS_POINT_MAX) as u32
            } else {
                0
            };
        }
        Ok(())
    }

    fn update_volatility_accumulator(&mut self, active_id: i32) {
        let v = &mut self.variables;
        let delta = (i64::from(v.index_reference) - i64::from(active_id)).unsigned_abs();
        let acc =
            u64::from(v.volatility_reference).saturating_add(delta.saturating_mul(BASIS_POINT_MAX));
        v.volatility_accumulator =
            acc.min(u64::from(self.params.max_volatility_accumulator)) as u32;
    }

    fn total_rate(&self) -> Result<u128> {
        let p = self.params;
        let base = u128::from(p.base_factor)
            * u128::from(p.bin_step)
            * 10
            * 10u128
                .checked_pow(u32::from(p.base_fee_power_factor))
                .ok_or(PricingError::Overflow("base fee power"))?;
        let variable = if p.variable_fee_control > 0 {
            let square =
                (u128::from(self.variables.volatility_accumulator) * u128::from(p.bin_step)).pow(2);
            (u128::from(p.variable_fee_control) * square).div_ceil(100_000_000_000)
        } else {
            0
        };
        Ok((base + variable).min(u128::from(MAX_FEE_RATE)))
    }

    /// Fee to add on top of an amount (`compute_fee`).
    fn fee_on_top(&self, amount: u64) -> Result<u64> {
        let rate = self.total_rate()?;
        to_u64(
            mul_div_ceil(
                u128::from(amount),
                rate,
                u128::from(FEE_PRECISION) - rate,
                "compute_fee",
            )?,
            "compute_fee",
        )
    }

    /// Fee contained in an amount (`compute_fee_from_amount`).
    fn fee_within(&self, amount: u64) -> Result<u64> {
        let rate = self.total_rate()?;
        to_u64(
            mul_div_ceil(
                u128::from(amount),
                rate,
                u128::from(FEE_PRECISION),
                "compute_fee_from_amount",
            )?,
            "compute_fee_from_amount",
        )
    }
}

/// `amount_out` of the token leaving the bin for `amount_in`, at `price` (`Bin::get_amount_out`).
fn amount_out_for(amount_in: u64, price: u128, swap_for_y: bool, round_up: bool) -> Result<u64> {
    let v = if swap_for_y {
        mul_div_floor_or_ceil(price, u128::from(amount_in), 1 << 64, round_up)?
    } else {
        mul_div_floor_or_ceil(u128::from(amount_in), 1 << 64, price, round_up)?
    };
    to_u64(v, "bin amount out")
}

/// `amount_in` needed for `amount_out` at `price` (`Bin::get_amount_in`).
fn amount_in_for(amount_out: u64, price: u128, swap_for_y: bool, round_up: bool) -> Result<u64> {
    let v = if swap_for_y {
        mul_div_floor_or_ceil(u128::from(amount_out), 1 << 64, price, round_up)?
    } else {
        mul_div_floor_or_ceil(u128::from(amount_out), price, 1 << 64, round_up)?
    };
    to_u64(v, "bin amount in")
}

fn mul_div_floor_or_ceil(a: u128, b: u128, d: u128, round_up: bool) -> Result<u128> {
    if round_up {
        mul_div_ceil(a, b, d, "bin price math")
    } else {
        mul_div_floor(a, b, d, "bin price math")
    }
}

impl Bin {
    fn mm_amount_out(&self, swap_for_y: bool) -> u64 {
        if swap_for_y {
            self.amount_y
        } else {
            self.amount_x
        }
    }

    /// (open orders, processed remaining) that fill in this direction.
    fn limit_orders(&self, swap_for_y: bool) -> (u64, u64) {
        if swap_for_y != self.limit_order_ask_side {
            (
                self.open_order_amount,
                self.processed_order_remaining_amount,
            )
        } else {
            (0, 0)
        }
    }

    fn max_amount_out(&self, swap_for_y: bool, with_orders: bool) -> u64 {
        let mm = self.mm_amount_out(swap_for_y);
        if !with_orders {
            return mm;
        }
        let (open, processed) = self.limit_orders(swap_for_y);
        mm.saturating_add(open).saturating_add(processed)
    }
}

/// (amount_in, amount_left, amount_out) filling up to `max_out` at the bin price.
fn fill(amount: u64, max_out: u64, price: u128, swap_for_y: bool) -> Result<(u64, u64, u64)> {
    if max_out == 0 {
        return Ok((0, amount, 0));
    }
    let max_in = amount_in_for(max_out, price, swap_for_y, true)?;
    if amount >= max_in {
        Ok((max_in, amount - max_in, max_out))
    } else {
        Ok((amount, 0, amount_out_for(amount, price, swap_for_y, false)?))
    }
}

fn split_protocol_fee(fee: u64, protocol_share: u16, mm_in: u64, total_in: u64) -> Result<u64> {
    if total_in == 0 || fee == 0 {
        return Ok(0);
    }
    let mm_fee = to_u64(
        mul_div_ceil(
            u128::from(fee),
            u128::from(mm_in),
            u128::from(total_in),
            "split_fee",
        )?,
        "split_fee",
    )?;
    let lo_total = fee
        .checked_sub(mm_fee)
        .ok_or(PricingError::Overflow("split_fee"))?;
    let lo_fee = lo_total * LIMIT_ORDER_FEE_SHARE / BASIS_POINT_MAX;
    let mm_protocol =
        (u128::from(mm_fee) * u128::from(protocol_share) / u128::from(BASIS_POINT_MAX)) as u64;
    Ok(lo_total - lo_fee + mm_protocol)
}

fn exact_in_at_bin(
    bin: &Bin,
    price: u128,
    fees: &Fees<'_>,
    amount: u64,
    swap_for_y: bool,
    fee_on_input: bool,
) -> Result<BinQuote> {
    let with_orders = fees.params.support_limit_order;
    let mut trading_fee = 0;
    let mut excluded_in = amount;
    if fee_on_input {
        trading_fee = fees.fee_within(amount)?;
        excluded_in = amount - trading_fee;
    }
    let (mm_in, mut left, mut out) = fill(
        excluded_in,
        bin.mm_amount_out(swap_for_y),
        price,
        swap_for_y,
    )?;
    let mut filled_in = mm_in;
    if with_orders && left > 0 {
        let (open, processed) = bin.limit_orders(swap_for_y);
        let (p_in, p_left, p_out) = fill(left, processed, price, swap_for_y)?;
        filled_in += p_in;
        out += p_out;
        left = p_left;
        if left > 0 {
            let (o_in, o_left, o_out) = fill(left, open, price, swap_for_y)?;
            filled_in += o_in;
            out += o_out;
            left = o_left;
        }
    }
    let mut included_in = amount;
    if left > 0 {
        excluded_in -= left;
        if fee_on_input {
            trading_fee = fees.fee_on_top(excluded_in)?;
            included_in = excluded_in
                .checked_add(trading_fee)
                .ok_or(PricingError::Overflow("amount in"))?;
        } else {
            included_in = excluded_in;
        }
    }
    let mut excluded_out = out;
    if !fee_on_input {
        trading_fee = fees.fee_within(out)?;
        excluded_out = out - trading_fee;
    }
    let protocol_fee =
        split_protocol_fee(trading_fee, fees.params.protocol_share, mm_in, filled_in)?;
    Ok(BinQuote {
        amount_in: included_in,
        amount_out: excluded_out,
        fee: trading_fee,
        protocol_fee,
    })
}

fn exact_out_at_bin(
    bin: &Bin,
    price: u128,
    fees: &Fees<'_>,
    amount_out: u64,
    swap_for_y: bool,
    fee_on_input: bool,
) -> Result<BinQuote> {
    let with_orders = fees.params.support_limit_order;
    let included_out = if fee_on_input {
        amount_out
    } else {
        amount_out
            .checked_add(fees.fee_on_top(amount_out)?)
            .ok_or(PricingError::Overflow("amount out"))?
    };
    if included_out >= bin.max_amount_out(swap_for_y, with_orders) {
        return exact_in_at_bin(bin, price, fees, u64::MAX, swap_for_y, fee_on_input);
    }
    // Input for the output, drawing on bin liquidity, then processed, then open orders.
    let (open, processed) = if with_orders {
        bin.limit_orders(swap_for_y)
    } else {
        (0, 0)
    };
    let mut remaining = included_out;
    let mut excluded_in: u64 = 0;
    for available in [bin.mm_amount_out(swap_for_y), processed, open] {
        let take = remaining.min(available);
        excluded_in = excluded_in
            .checked_add(amount_in_for(take, price, swap_for_y, true)?)
            .ok_or(PricingError::Overflow("amount in"))?;
        remaining -= take;
        if remaining == 0 {
            break;
        }
    }
    let included_in = if fee_on_input {
        excluded_in
            .checked_add(fees.fee_on_top(excluded_in)?)
            .ok_or(PricingError::Overflow("amount in"))?
    } else {
        excluded_in
    };
    let mut q = exact_in_at_bin(bin, price, fees, included_in, swap_for_y, fee_on_input)?;
    if q.amount_out > amount_out {
        let delta = q.amount_out - amount_out;
        if delta > 1 {
            q.protocol_fee = q
                .protocol_fee
                .checked_add(delta)
                .ok_or(PricingError::Overflow("protocol fee"))?;
        }
    }
    q.amount_out = amount_out;
    Ok(q)
}

impl DlmmPool {
    fn array(&self, index: i64) -> Option<&BinArray> {
        self.bin_arrays.iter().find(|a| a.index == index)
    }

    fn next_array_with_liquidity(&self, from: i64, swap_for_y: bool) -> Option<i64> {
        if swap_for_y {
            self.arrays_with_liquidity
                .iter()
                .rev()
                .find(|i| **i <= from)
                .copied()
        } else {
            self.arrays_with_liquidity
                .iter()
                .find(|i| **i >= from)
                .copied()
        }
    }

    /// Runs the swap. `swap_for_y` sells X for Y.
    ///
    /// # Errors
    /// A zero amount, a timestamp before the pair's last update, overflow.
    pub fn swap(&self, amount: u64, exact_in: bool, swap_for_y: bool) -> Result<DlmmSwap> {
        if amount == 0 {
            return Err(PricingError::ZeroAmount("amount"));
        }
        if self.params.bin_step == 0 {
            return Err(PricingError::InvalidInput("bin step is zero"));
        }
        if !(MIN_BIN_ID..=MAX_BIN_ID).contains(&self.active_id) {
            return Err(PricingError::InvalidInput("active bin out of range"));
        }
        let mut fees = Fees {
            params: &self.params,
            variables: self.variables,
        };
        fees.update_references(self.active_id, self.timestamp)?;
        let fee_on_input = match self.params.collect_fee_mode {
            CollectFeeMode::InputOnly => true,
            CollectFeeMode::OnlyY => !swap_for_y,
        };
        let mut active_id = self.active_id;
        let mut left = amount;
        let (mut total_other, mut total_fee, mut total_protocol) = (0u64, 0u64, 0u64);
        let mut stop = None;
        'arrays: while left > 0 {
            let Some(index) =
                self.next_array_with_liquidity(bin_id_to_array_index(active_id), swap_for_y)
            else {
                stop = Some(PartialReason::LiquidityExhausted);
                break;
            };
            let Some(array) = self.array(index) else {
                stop = Some(PartialReason::BinArraysExhausted);
                break;
            };
            let lower = index * MAX_BIN_PER_ARRAY as i64;
            let upper = lower + MAX_BIN_PER_ARRAY as i64 - 1;
            if bin_id_to_array_index(active_id) != index {
                active_id = (if swap_for_y { upper } else { lower }) as i32;
            }
            while (lower..=upper).contains(&i64::from(active_id)) && left > 0 {
                let bin = &array.bins[(i64::from(active_id) - lower) as usize];
                let price = if bin.price == 0 {
                    bin_price_x64(active_id, self.params.bin_step)?
                } else {
                    bin.price
                };
                if bin.max_amount_out(swap_for_y, self.params.support_limit_order) > 0 {
                    fees.update_volatility_accumulator(active_id);
                    let q = if exact_in {
                        exact_in_at_bin(bin, price, &fees, left, swap_for_y, fee_on_input)?
                    } else {
                        exact_out_at_bin(bin, price, &fees, left, swap_for_y, fee_on_input)?
                    };
                    let (spent, gained) = if exact_in {
                        (q.amount_in, q.amount_out)
                    } else {
                        (q.amount_out, q.amount_in)
                    };
                    if spent > 0 {
                        left = left
                            .checked_sub(spent)
                            .ok_or(PricingError::Overflow("amount left"))?;
                        total_other = total_other
                            .checked_add(gained)
                            .ok_or(PricingError::Overflow("amount"))?;
                        total_fee = total_fee
                            .checked_add(q.fee)
                            .ok_or(PricingError::Overflow("fee"))?;
                        total_protocol = total_protocol
                            .checked_add(q.protocol_fee)
                            .ok_or(PricingError::Overflow("protocol fee"))?;
                    }
                }
                if left > 0 {
                    let next = if swap_for_y {
                        active_id - 1
                    } else {
                        active_id + 1
                    };
                    if !(MIN_BIN_ID..=MAX_BIN_ID).contains(&next) {
                        stop = Some(PartialReason::LiquidityExhausted);
                        break 'arrays;
                    }
                    active_id = next;
                }
            }
        }
        let filled = amount - left;
        let (amount_in, amount_out) = if exact_in {
            (filled, total_other)
        } else {
            (total_other, filled)
        };
        let fill = match (left, stop) {
            (0, _) => Fill::Complete,
            (_, Some(reason)) => Fill::Partial(reason),
            (_, None) => Fill::Partial(PartialReason::LiquidityExhausted),
        };
        Ok(DlmmSwap {
            amount_in,
            amount_out,
            fee: total_fee,
            protocol_fee: total_protocol,
            fee_on_input,
            end_active_id: active_id,
            fill,
        })
    }
}

impl SwapModel for DlmmPool {
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote> {
        let s = self.swap(
            amount,
            mode == SwapMode::ExactIn,
            direction == Direction::AToB,
        )?;
        Ok(Quote {
            amount_in: s.amount_in,
            amount_out: s.amount_out,
            fee: if s.fee_on_input { s.fee } else { 0 },
            fee_out: if s.fee_on_input { 0 } else { s.fee },
            fill: s.fill,
            price_after: Price::X64(
                bin_price_x64(s.end_active_id, self.params.bin_step).unwrap_or(0),
            ),
        })
    }

    fn spot_price(&self) -> Price {
        Price::X64(bin_price_x64(self.active_id, self.params.bin_step).unwrap_or(0))
    }

    fn decimals(&self) -> (u8, u8) {
        (self.decimals_x, self.decimals_y)
    }
}
