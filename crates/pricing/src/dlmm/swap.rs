//! The bin walk and per-bin fills of a DLMM swap.
//!
//! Everything on the quote path is integer arithmetic that cannot overflow silently: the two
//! price conversions (`amount * price >> 64` and `(amount << 64) / price`) are done with 64-bit
//! limbs, which is exact and avoids 256-bit division, and every sum the program checks is
//! checked here too, so a swap the program would abort with `MathOverflow` is an error.

use super::price::{bin_id_to_array_index, bin_price_x64};
use super::{FEE_PRECISION, MAX_BIN_ID, MAX_BIN_PER_ARRAY, MAX_FEE_RATE, MIN_BIN_ID};
use crate::quote::{Direction, Fill, PartialReason, Price, Quote, SwapMode, SwapModel};
use crate::{PricingError, Result};

const BASIS_POINT_MAX: u64 = 10_000;
/// Share of the fee on limit-order fills that goes to the order owners, in basis points; the
/// rest of that fee is protocol fee.
const LIMIT_ORDER_FEE_SHARE: u64 = 5_000;
/// Bytes of one bin in a `BinArray` account.
const BIN_LEN: usize = 144;
/// Offset of the first bin in a `BinArray` account.
const BINS_OFFSET: usize = 56;

/// Which token the pair takes its fee in (`collect_fee_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CollectFeeMode {
    /// From the input token.
    #[default]
    InputOnly,
    /// Always in token Y: from the input when selling Y, from the output otherwise.
    OnlyY,
}

/// The pair's fixed parameters (`StaticParameters` plus the bin step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DlmmParams {
    /// Price step between neighbouring bins, in basis points.
    pub bin_step: u16,
    /// Base fee factor: base fee rate = `base_factor * bin_step * 10 * 10^base_fee_power_factor`.
    pub base_factor: u16,
    /// Power of ten applied to the base fee.
    pub base_fee_power_factor: u8,
    /// Seconds within which swaps count as one high-frequency burst (references kept).
    pub filter_period: u16,
    /// Seconds after which the volatility reference decays to zero.
    pub decay_period: u16,
    /// How much of the accumulator the reference keeps inside the decay window, in basis points.
    pub reduction_factor: u16,
    /// Scale of the variable fee.
    pub variable_fee_control: u32,
    /// Cap of the volatility accumulator.
    pub max_volatility_accumulator: u32,
    /// Protocol share of the fee, in basis points.
    pub protocol_share: u16,
    /// Which token the fee is taken in.
    pub collect_fee_mode: CollectFeeMode,
    /// Whether resting limit orders fill inside bins (`is_support_limit_order`; the decoder's
    /// `LbPair::is_support_limit_order` computes it from the pair's bytes).
    pub support_limit_order: bool,
}

/// The pair's volatility state (`VariableParameters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariableParameters {
    /// Volatility accumulated by the last swap.
    pub volatility_accumulator: u32,
    /// Volatility the next swap starts from.
    pub volatility_reference: u32,
    /// Bin the volatility is measured from.
    pub index_reference: i32,
    /// Unix time of the last update.
    pub last_update_timestamp: i64,
}

/// One bin, as the program's swap reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bin {
    /// Market-making token X.
    pub amount_x: u64,
    /// Market-making token Y.
    pub amount_y: u64,
    /// Cached Q64.64 price; zero means "compute from the id".
    pub price: u128,
    /// Resting open limit orders (in X on the ask side, in Y on the bid side).
    pub open_order_amount: u64,
    /// What is left of orders being processed; filled before open orders.
    pub processed_order_remaining_amount: u64,
    /// Resting limit orders sell X (ask) rather than Y.
    pub limit_order_ask_side: bool,
}

impl Bin {
    /// The bin from its 144 account bytes (`BinArray` bins), reading every field where the
    /// program reads it: `amount_x` at 0, `amount_y` at 8, `price` at 16, `open_order_amount`
    /// at 112, `processed_order_remaining_amount` at 128, `limit_order_ask_side` (non-zero) at
    /// 140. The program reads the order fields at these positions whatever the array's layout
    /// version, so an older array's swap totals come out as orders, as on chain; whether they
    /// fill is [`DlmmParams::support_limit_order`].
    ///
    /// # Errors
    /// [`PricingError::InvalidInput`] when `bytes` is shorter than a bin.
    #[inline]
    pub fn from_program_bytes(bytes: &[u8]) -> Result<Self> {
        let b: &[u8; BIN_LEN] = bytes
            .first_chunk()
            .ok_or(PricingError::InvalidInput("a bin is 144 bytes"))?;
        let u64_at = |o: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(w)
        };
        let mut p = [0u8; 16];
        p.copy_from_slice(&b[16..32]);
        Ok(Self {
            amount_x: u64_at(0),
            amount_y: u64_at(8),
            price: u128::from_le_bytes(p),
            open_order_amount: u64_at(112),
            processed_order_remaining_amount: u64_at(128),
            limit_order_ask_side: b[140] != 0,
        })
    }

    #[inline]
    fn mm_amount_out(&self, swap_for_y: bool) -> u64 {
        if swap_for_y {
            self.amount_y
        } else {
            self.amount_x
        }
    }

    /// (open orders, processed remaining) that fill in this direction: selling X fills
    /// bid-side orders, selling Y fills ask-side orders (`get_limit_order_amounts_by_direction`).
    #[inline]
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

    /// `get_max_amount_out_with_limit_orders` (saturating, as the program's).
    #[inline]
    fn max_amount_out(&self, swap_for_y: bool, with_orders: bool) -> u64 {
        let mm = self.mm_amount_out(swap_for_y);
        if !with_orders {
            return mm;
        }
        let (open, processed) = self.limit_orders(swap_for_y);
        mm.saturating_add(open).saturating_add(processed)
    }
}

/// 70 bins starting at bin `index * 70`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinArray {
    /// The array index.
    pub index: i64,
    /// The bins, lowest id first.
    pub bins: [Bin; MAX_BIN_PER_ARRAY],
}

impl BinArray {
    /// The array from a whole `BinArray` account's bytes (discriminator included): the index
    /// at byte 8 and 70 bins of 144 bytes from byte 56, each read by
    /// [`Bin::from_program_bytes`]. Checks only the length; the decoder checks the rest.
    ///
    /// # Errors
    /// [`PricingError::InvalidInput`] when `data` is shorter than a `BinArray`.
    pub fn from_account_bytes(data: &[u8]) -> Result<Self> {
        const SHORT: PricingError = PricingError::InvalidInput("a BinArray is 10136 bytes");
        if data.len() < BINS_OFFSET + MAX_BIN_PER_ARRAY * BIN_LEN {
            return Err(SHORT);
        }
        let mut index = [0u8; 8];
        index.copy_from_slice(&data[8..16]);
        let mut bins = [Bin::default(); MAX_BIN_PER_ARRAY];
        for (i, bin) in bins.iter_mut().enumerate() {
            *bin = Bin::from_program_bytes(&data[BINS_OFFSET + i * BIN_LEN..])?;
        }
        Ok(Self {
            index: i64::from_le_bytes(index),
            bins,
        })
    }
}

/// A DLMM pair with the bin arrays known around its active bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DlmmPool {
    /// The pair's fixed parameters.
    pub params: DlmmParams,
    /// The pair's volatility state as stored (the quote refreshes it for `timestamp`).
    pub variables: VariableParameters,
    /// The bin holding the current price.
    pub active_id: i32,
    /// Indexes of every bin array with liquidity, ascending: see [`super::arrays_with_liquidity`].
    pub arrays_with_liquidity: Vec<i64>,
    /// The bin arrays known, any order.
    pub bin_arrays: Vec<BinArray>,
    /// Unix time the quote is for.
    pub timestamp: i64,
    /// Decimals of token X.
    pub decimals_x: u8,
    /// Decimals of token Y.
    pub decimals_y: u8,
    /// Token balances of the reserve vaults `(x, y)`, or `None` to skip the check. The program
    /// pays the output out of the vault, so an output above the vault's balance fails on chain
    /// (the bins can promise more than the vault holds, e.g. an older bin layout's swap totals
    /// read as limit orders); with balances given, such a quote is
    /// [`PricingError::InsufficientLiquidity`].
    pub reserves: Option<(u64, u64)>,
}

/// What a swap computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DlmmSwap {
    /// What the trader pays, fee included.
    pub amount_in: u64,
    /// What the trader receives.
    pub amount_out: u64,
    /// Total fee (in the input token, or in Y when the pair collects it there).
    pub fee: u64,
    /// The protocol's part of `fee`.
    pub protocol_fee: u64,
    /// Whether `fee` is in the input token (else it came off the output).
    pub fee_on_input: bool,
    /// The active bin after the swap.
    pub end_active_id: i32,
    /// Whether the whole amount filled.
    pub fill: Fill,
}

#[derive(Debug, Clone, Copy)]
struct BinQuote {
    amount_in: u64,
    amount_out: u64,
    fee: u64,
    protocol_fee: u64,
}

const OVERFLOW: PricingError = PricingError::Overflow("MathOverflow");

/// `floor(amount * price / 2^64)` in full (it can exceed a u64).
#[inline(always)]
fn mul_shr_wide(amount: u64, price: u128) -> u128 {
    let (hi, lo) = ((price >> 64) as u64, price as u64);
    u128::from(hi) * u128::from(amount) + ((u128::from(lo) * u128::from(amount)) >> 64)
}

/// Whether `ceil(amount * 2^64 / price)` exceeds a u64, without dividing:
/// `amount * 2^64 > (2^64 - 1) * price`, which cannot hold once `price >= 2^64`.
#[inline(always)]
fn shl_div_overflows(amount: u64, price: u128) -> bool {
    price >> 64 == 0 && (u128::from(amount) << 64) > (price << 64) - price
}

/// `floor` or `ceil` of `amount * price / 2^64`, which must fit a u64 (`safe_mul_shr_cast`).
#[inline(always)]
fn mul_shr_64(amount: u64, price: u128, round_up: bool) -> Result<u64> {
    let (hi, lo) = ((price >> 64) as u64, price as u64);
    let low = u128::from(lo) * u128::from(amount);
    let whole = u128::from(hi) * u128::from(amount) + (low >> 64);
    let whole = if round_up && low as u64 != 0 {
        whole + 1
    } else {
        whole
    };
    u64::try_from(whole).map_err(|_| OVERFLOW)
}

/// `floor` or `ceil` of `amount * 2^64 / price`, which must fit a u64 (`safe_shl_div_cast`).
#[inline(always)]
fn shl_div_64(amount: u64, price: u128, round_up: bool) -> Result<u64> {
    if price == 0 {
        return Err(PricingError::DivisionByZero("bin price"));
    }
    // amount < 2^64, so the shifted numerator fits a u128.
    let n = u128::from(amount) << 64;
    let q = n / price;
    let q = if round_up && q * price != n { q + 1 } else { q };
    u64::try_from(q).map_err(|_| OVERFLOW)
}

/// `Bin::get_amount_out`: what leaves the bin for `amount_in` at `price`.
#[inline(always)]
fn amount_out_for(amount_in: u64, price: u128, swap_for_y: bool, round_up: bool) -> Result<u64> {
    if swap_for_y {
        mul_shr_64(amount_in, price, round_up)
    } else {
        shl_div_64(amount_in, price, round_up)
    }
}

/// `Bin::get_amount_in`: what must enter the bin for `amount_out` at `price`.
#[inline(always)]
fn amount_in_for(amount_out: u64, price: u128, swap_for_y: bool, round_up: bool) -> Result<u64> {
    if swap_for_y {
        shl_div_64(amount_out, price, round_up)
    } else {
        mul_shr_64(amount_out, price, round_up)
    }
}

/// `ceil(n / d)` with a 64-bit division when the numerator allows it.
#[inline(always)]
fn div_ceil_fast(n: u128, d: u64) -> u128 {
    if let Ok(n) = u64::try_from(n) {
        u128::from(n.div_ceil(d))
    } else {
        n.div_ceil(u128::from(d))
    }
}

/// The fee rate in force for one bin, and the two fee formulas.
#[derive(Clone, Copy)]
struct Rate(u64);

impl Rate {
    /// Fee to add on top of an amount (`compute_fee`): `ceil(amount * r / (1e9 - r))`.
    #[inline(always)]
    fn fee_on_top(self, amount: u64) -> Result<u64> {
        let fee = div_ceil_fast(
            u128::from(amount) * u128::from(self.0),
            FEE_PRECISION - self.0,
        );
        u64::try_from(fee).map_err(|_| OVERFLOW)
    }

    /// Fee contained in an amount (`compute_fee_from_amount`): `ceil(amount * r / 1e9)`.
    #[inline(always)]
    fn fee_within(self, amount: u64) -> u64 {
        // amount * r / 1e9 < amount since r <= 1e8, so the result fits.
        div_ceil_fast(u128::from(amount) * u128::from(self.0), FEE_PRECISION) as u64
    }
}

struct Fees<'a> {
    params: &'a DlmmParams,
    variables: VariableParameters,
    base_rate: u128,
}

impl<'a> Fees<'a> {
    fn new(params: &'a DlmmParams, variables: VariableParameters) -> Result<Self> {
        let base_rate = u128::from(params.base_factor)
            .checked_mul(u128::from(params.bin_step))
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| {
                v.checked_mul(10u128.checked_pow(u32::from(params.base_fee_power_factor))?)
            })
            .ok_or(PricingError::Overflow("base fee"))?;
        Ok(Self {
            params,
            variables,
            base_rate,
        })
    }

    /// `update_references`: refresh the volatility reference for the time since the last swap.
    fn update_references(&mut self, active_id: i32, now: i64) -> Result<()> {
        let (v, p) = (&mut self.variables, self.params);
        let elapsed = now
            .checked_sub(v.last_update_timestamp)
            .ok_or(PricingError::Overflow("elapsed time"))?;
        if elapsed >= i64::from(p.filter_period) {
            v.index_reference = active_id;
            v.volatility_reference = if elapsed < i64::from(p.decay_period) {
                // The program multiplies in u32 and fails if that overflows.
                v.volatility_accumulator
                    .checked_mul(u32::from(p.reduction_factor))
                    .ok_or(PricingError::Overflow("volatility reference"))?
                    / BASIS_POINT_MAX as u32
            } else {
                0
            };
        }
        Ok(())
    }

    /// `update_volatility_accumulator` for the bin being swapped.
    #[inline]
    fn update_volatility_accumulator(&mut self, active_id: i32) {
        let v = &mut self.variables;
        let delta = (i64::from(v.index_reference) - i64::from(active_id)).unsigned_abs();
        // delta < 2^20 and the reference < 2^32: no overflow in u64.
        let acc = u64::from(v.volatility_reference) + delta * BASIS_POINT_MAX;
        v.volatility_accumulator =
            acc.min(u64::from(self.params.max_volatility_accumulator)) as u32;
    }

    /// `get_total_fee`: base plus variable fee, capped at 10%.
    #[inline]
    fn rate(&self) -> Result<Rate> {
        let p = self.params;
        let variable = if p.variable_fee_control > 0 {
            // (acc * step)^2 < 2^96; times a u32 control may overflow, as in the program.
            let va_step = u64::from(self.variables.volatility_accumulator) * u64::from(p.bin_step);
            // Usually all of it fits 64 bits, which spares 128-bit multiplies.
            let v = match va_step
                .checked_mul(va_step)
                .and_then(|sq| sq.checked_mul(u64::from(p.variable_fee_control)))
            {
                Some(v) => u128::from(v),
                None => (u128::from(va_step) * u128::from(va_step))
                    .checked_mul(u128::from(p.variable_fee_control))
                    .ok_or(PricingError::Overflow("variable fee"))?,
            };
            // ceil(v / 1e11); the program adds 1e11 - 1 first, which overflows only within
            // 1e11 of u128::MAX.
            if v > u128::MAX - 99_999_999_999 {
                return Err(PricingError::Overflow("variable fee"));
            }
            div_ceil_fast(v, 100_000_000_000)
        } else {
            0
        };
        let total = self
            .base_rate
            .checked_add(variable)
            .ok_or(PricingError::Overflow("total fee"))?;
        Ok(Rate(total.min(u128::from(MAX_FEE_RATE)) as u64))
    }
}

/// (amount_in, amount_left, amount_out) filling up to `max_out` at the bin price
/// (`calculate_exact_in_fill_amount`).
#[inline(always)]
fn fill(amount: u64, max_out: u64, price: u128, swap_for_y: bool) -> Result<(u64, u64, u64)> {
    if max_out == 0 {
        return Ok((0, amount, 0));
    }
    if swap_for_y {
        // amount >= ceil(max_out * 2^64 / price) exactly when floor(amount * price / 2^64) >=
        // max_out, so a fill inside the bin needs no division. The program still computes the
        // bin's input first and fails when it exceeds a u64; so does this.
        if price == 0 {
            return Err(PricingError::DivisionByZero("bin price"));
        }
        let out = mul_shr_wide(amount, price);
        if out < u128::from(max_out) {
            if shl_div_overflows(max_out, price) {
                return Err(OVERFLOW);
            }
            return Ok((amount, 0, out as u64));
        }
        let max_in = shl_div_64(max_out, price, true)?;
        return Ok((max_in, amount - max_in, max_out));
    }
    let max_in = amount_in_for(max_out, price, swap_for_y, true)?;
    if amount >= max_in {
        Ok((max_in, amount - max_in, max_out))
    } else {
        Ok((amount, 0, amount_out_for(amount, price, swap_for_y, false)?))
    }
}

/// The protocol's part of a bin's fee (`split_fee`): the market makers' share of the fee
/// (`ceil(fee * mm_in / total_in)`) pays `protocol_share`, the limit orders' share pays half.
#[inline]
fn split_protocol_fee(fee: u64, protocol_share: u16, mm_in: u64, total_in: u64) -> u64 {
    if total_in == 0 || fee == 0 {
        return 0;
    }
    let mm_fee = if mm_in == total_in {
        fee
    } else {
        // mm_in <= total_in, so this is at most `fee`.
        (u128::from(fee) * u128::from(mm_in)).div_ceil(u128::from(total_in)) as u64
    };
    let lo_total = fee - mm_fee;
    // The program works in 128 bits: a large fee times the share overflows 64 bits.
    // A u128 division is a library call; use 64 bits when the product fits.
    let mul_div_bps = |a: u64, b: u64| match a.checked_mul(b) {
        Some(v) => v / BASIS_POINT_MAX,
        None => (u128::from(a) * u128::from(b) / u128::from(BASIS_POINT_MAX)) as u64,
    };
    let lo_fee = mul_div_bps(lo_total, LIMIT_ORDER_FEE_SHARE);
    let mm_protocol = mul_div_bps(mm_fee, u64::from(protocol_share));
    lo_total - lo_fee + mm_protocol
}

/// `swap_exact_in_quote_at_bin`.
#[inline]
fn exact_in_at_bin(
    bin: &Bin,
    price: u128,
    rate: Rate,
    params: &DlmmParams,
    amount: u64,
    swap_for_y: bool,
    fee_on_input: bool,
) -> Result<BinQuote> {
    let mut trading_fee = 0;
    let mut excluded_in = amount;
    if fee_on_input {
        trading_fee = rate.fee_within(amount);
        excluded_in = amount - trading_fee;
    }
    // Market-making liquidity first, then processed orders, then open orders.
    let (mm_in, mut left, mut out) = fill(
        excluded_in,
        bin.mm_amount_out(swap_for_y),
        price,
        swap_for_y,
    )?;
    let mut filled_in = mm_in;
    if params.support_limit_order && left > 0 {
        let (open, processed) = bin.limit_orders(swap_for_y);
        for available in [processed, open] {
            if left == 0 {
                break;
            }
            let (tier_in, tier_left, tier_out) = fill(left, available, price, swap_for_y)?;
            filled_in = filled_in.checked_add(tier_in).ok_or(OVERFLOW)?;
            out = out.checked_add(tier_out).ok_or(OVERFLOW)?;
            left = tier_left;
        }
    }
    let mut included_in = amount;
    if left > 0 {
        excluded_in -= left;
        if fee_on_input {
            trading_fee = rate.fee_on_top(excluded_in)?;
            included_in = excluded_in.checked_add(trading_fee).ok_or(OVERFLOW)?;
        } else {
            included_in = excluded_in;
        }
    }
    let mut excluded_out = out;
    if !fee_on_input {
        trading_fee = rate.fee_within(out);
        excluded_out = out - trading_fee;
    }
    Ok(BinQuote {
        amount_in: included_in,
        amount_out: excluded_out,
        fee: trading_fee,
        protocol_fee: split_protocol_fee(trading_fee, params.protocol_share, mm_in, filled_in),
    })
}

/// `swap_exact_out_quote_at_bin`.
fn exact_out_at_bin(
    bin: &Bin,
    price: u128,
    rate: Rate,
    params: &DlmmParams,
    amount_out: u64,
    swap_for_y: bool,
    fee_on_input: bool,
) -> Result<BinQuote> {
    let with_orders = params.support_limit_order;
    let included_out = if fee_on_input {
        amount_out
    } else {
        amount_out
            .checked_add(rate.fee_on_top(amount_out)?)
            .ok_or(OVERFLOW)?
    };
    if included_out >= bin.max_amount_out(swap_for_y, with_orders) {
        // Drain the bin: an exact-in swap of everything.
        return exact_in_at_bin(bin, price, rate, params, u64::MAX, swap_for_y, fee_on_input);
    }
    // Input for the output, from bin liquidity, then processed, then open orders
    // (`get_excluded_fee_amount_in`); `included_out` is below what the bin holds, so the
    // tiers cover it.
    let (open, processed) = bin.limit_orders(swap_for_y);
    let mut remaining = included_out;
    let mut excluded_in: u64 = 0;
    for available in [bin.mm_amount_out(swap_for_y), processed, open] {
        let take = remaining.min(available);
        excluded_in = excluded_in
            .checked_add(amount_in_for(take, price, swap_for_y, true)?)
            .ok_or(OVERFLOW)?;
        remaining -= take;
        if remaining == 0 {
            break;
        }
    }
    let included_in = if fee_on_input {
        excluded_in
            .checked_add(rate.fee_on_top(excluded_in)?)
            .ok_or(OVERFLOW)?
    } else {
        excluded_in
    };
    let mut q = exact_in_at_bin(
        bin,
        price,
        rate,
        params,
        included_in,
        swap_for_y,
        fee_on_input,
    )?;
    if q.amount_out > amount_out {
        // Rounding surplus above one unit goes to the protocol.
        let delta = q.amount_out - amount_out;
        if delta > 1 {
            q.protocol_fee = q.protocol_fee.checked_add(delta).ok_or(OVERFLOW)?;
        }
    }
    q.amount_out = amount_out;
    Ok(q)
}

impl DlmmPool {
    #[inline]
    fn array(&self, index: i64) -> Option<&BinArray> {
        self.bin_arrays.iter().find(|a| a.index == index)
    }

    /// The next array with liquidity at or beyond `from` in the swap direction (the program's
    /// bitmap search, over [`DlmmPool::arrays_with_liquidity`]).
    #[inline]
    fn next_array_with_liquidity(&self, from: i64, swap_for_y: bool) -> Option<i64> {
        let a = &self.arrays_with_liquidity;
        // First position whose index is >= from.
        let at = a.partition_point(|i| *i < from);
        if swap_for_y {
            if a.get(at) == Some(&from) {
                Some(from)
            } else {
                at.checked_sub(1).and_then(|k| a.get(k)).copied()
            }
        } else {
            a.get(at).copied()
        }
    }

    /// Runs the swap: `direction` [`Direction::AToB`] sells X for Y; `mode` says whether
    /// `amount` is the input or the output.
    ///
    /// A swap that runs past the known bins or the pair's liquidity returns what filled, with
    /// [`Fill::Partial`].
    ///
    /// # Errors
    /// - [`PricingError::ZeroAmount`] for a zero amount, or a swap that would pay out nothing
    ///   (the program rejects it);
    /// - [`PricingError::InsufficientLiquidity`] when nothing can fill in that direction, or
    ///   when the output exceeds the reserve vault's balance ([`DlmmPool::reserves`]);
    /// - [`PricingError::Overflow`] where the program's checked arithmetic fails (huge order
    ///   amounts, a timestamp before the pair's last update, ...);
    /// - [`PricingError::InvalidInput`] for a zero bin step or an active bin out of range.
    pub fn swap(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<DlmmSwap> {
        let swap_for_y = direction == Direction::AToB;
        let exact_in = mode == SwapMode::ExactIn;
        if amount == 0 {
            return Err(PricingError::ZeroAmount("amount"));
        }
        if self.params.bin_step == 0 {
            return Err(PricingError::InvalidInput("bin step is zero"));
        }
        if !(MIN_BIN_ID..=MAX_BIN_ID).contains(&self.active_id) {
            return Err(PricingError::InvalidInput("active bin out of range"));
        }
        let params = &self.params;
        let mut fees = Fees::new(params, self.variables)?;
        fees.update_references(self.active_id, self.timestamp)?;
        let fee_on_input = match params.collect_fee_mode {
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
            while left > 0 {
                let bin = &array.bins[(i64::from(active_id) - lower) as usize];
                if bin.max_amount_out(swap_for_y, params.support_limit_order) > 0 {
                    let price = if bin.price == 0 {
                        bin_price_x64(active_id, params.bin_step)?
                    } else {
                        bin.price
                    };
                    fees.update_volatility_accumulator(active_id);
                    let rate = fees.rate()?;
                    let q = if exact_in {
                        exact_in_at_bin(bin, price, rate, params, left, swap_for_y, fee_on_input)?
                    } else {
                        exact_out_at_bin(bin, price, rate, params, left, swap_for_y, fee_on_input)?
                    };
                    let (spent, gained) = if exact_in {
                        (q.amount_in, q.amount_out)
                    } else {
                        (q.amount_out, q.amount_in)
                    };
                    if spent > 0 {
                        left = left.checked_sub(spent).ok_or(OVERFLOW)?;
                        total_other = total_other.checked_add(gained).ok_or(OVERFLOW)?;
                        total_fee = total_fee.checked_add(q.fee).ok_or(OVERFLOW)?;
                        total_protocol =
                            total_protocol.checked_add(q.protocol_fee).ok_or(OVERFLOW)?;
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
                    if !(lower..=upper).contains(&i64::from(active_id)) {
                        break;
                    }
                }
            }
        }
        let filled = amount - left;
        let (amount_in, amount_out) = if exact_in {
            (filled, total_other)
        } else {
            (total_other, filled)
        };
        if amount_out == 0 {
            // The program refuses a swap that pays nothing (nothing to fill, or an input too
            // small to buy one unit).
            return Err(if filled == 0 {
                PricingError::InsufficientLiquidity("no liquidity in the swap direction")
            } else {
                PricingError::ZeroAmount("amount out")
            });
        }
        if let Some((x, y)) = self.reserves {
            let vault = if swap_for_y { y } else { x };
            if amount_out > vault {
                return Err(PricingError::InsufficientLiquidity(
                    "output exceeds the reserve vault",
                ));
            }
        }
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

impl DlmmPool {
    /// The bin's cached price when a known array holds it, else the price from its id.
    fn cached_price(&self, id: i32) -> u128 {
        let index = bin_id_to_array_index(id);
        self.array(index)
            .map(|a| a.bins[(i64::from(id) - index * MAX_BIN_PER_ARRAY as i64) as usize].price)
            .filter(|p| *p != 0)
            .or_else(|| bin_price_x64(id, self.params.bin_step).ok())
            .unwrap_or(0)
    }
}

impl SwapModel for DlmmPool {
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote> {
        let s = self.swap(direction, mode, amount)?;
        Ok(Quote {
            amount_in: s.amount_in,
            amount_out: s.amount_out,
            fee: if s.fee_on_input { s.fee } else { 0 },
            fee_out: if s.fee_on_input { 0 } else { s.fee },
            fill: s.fill,
            price_after: Price::X64(self.cached_price(s.end_active_id)),
        })
    }

    fn spot_price(&self) -> Price {
        Price::X64(bin_price_x64(self.active_id, self.params.bin_step).unwrap_or(0))
    }

    fn decimals(&self) -> (u8, u8) {
        (self.decimals_x, self.decimals_y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{mul_div_ceil, mul_div_floor};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn limb_price_math_matches_wide_math(amount: u64, price in 1u128.., up: bool) {
            let wide = |a: u128, b: u128, d: u128| {
                if up { mul_div_ceil(a, b, d, "t") } else { mul_div_floor(a, b, d, "t") }
                    .ok()
                    .and_then(|v| u64::try_from(v).ok())
            };
            prop_assert_eq!(mul_shr_64(amount, price, up).ok(), wide(u128::from(amount), price, 1 << 64));
            prop_assert_eq!(shl_div_64(amount, price, up).ok(), wide(u128::from(amount), 1 << 64, price));
            prop_assert_eq!(shl_div_overflows(amount, price), shl_div_64(amount, price, true).is_err());
            prop_assert_eq!(
                Some(mul_shr_wide(amount, price)),
                mul_div_floor(u128::from(amount), price, 1 << 64, "t").ok()
            );
        }

        #[test]
        fn fill_inside_the_bin_needs_no_division(amount: u64, max_out in 1u64.., price in 1u128..) {
            // The program's order: the bin's input first (may fail), then compare.
            let program = amount_in_for(max_out, price, true, true).and_then(|max_in| {
                if amount >= max_in {
                    Ok((max_in, amount - max_in, max_out))
                } else {
                    Ok((amount, 0, amount_out_for(amount, price, true, false)?))
                }
            });
            prop_assert_eq!(fill(amount, max_out, price, true), program);
        }
    }
}
