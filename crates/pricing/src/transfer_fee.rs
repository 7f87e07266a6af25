//! Token-2022 transfer fees around a pool's quote, in each program's order and rounding.
//!
//! A Token-2022 mint with the `TransferFeeConfig` extension withholds a fee from every
//! transfer: the vault receives less than the trader sends, and the trader receives less than
//! the vault pays out. The pool's own swap math never sees those fees; each program applies
//! them around the swap. This module is the one home of that integer math.
//!
//! # The token program's rules
//! From spl-token-2022 `extension/transfer_fee/mod.rs`:
//! - [`TransferFee::fee`] is `calculate_fee`: `ceil(amount * bps / 10_000)`, capped at
//!   `maximum_fee`; zero for a zero amount or zero basis points.
//! - [`TransferFee::gross_for_net`] is `calculate_pre_fee_amount`, the smallest transfer that
//!   nets a wanted amount: `ceil(net * 10_000 / (10_000 - bps))`, or `net + maximum_fee` once
//!   the fee would reach the cap; at 10,000 bps (100%) it is always `net + maximum_fee`; a zero
//!   net needs a zero transfer. For every amount it returns, `fee(gross) == gross - net`, so
//!   the gross-up followed by the forward fee gives back exactly the wanted net.
//! - [`TransferFee::inverse_fee`] is `calculate_inverse_fee`: `fee(gross_for_net(net))`.
//! - [`TransferFeeConfig::at_epoch`] is `get_epoch_fee`: the newer fee from its epoch on
//!   (`epoch >= newer_epoch`), the older one before.
//!
//! # The programs' order
//! Every supported program takes the fees in the same order (sources named on
//! [`FeeProgram`]):
//! - exact in: the input fee comes off the trader's amount first (`fee` on the gross, rounded
//!   up), the pool swaps the rest, then the output fee comes off what the pool pays out;
//! - exact out: the wanted net output is grossed up through the output fee
//!   (`gross_for_net`, rounded up), the pool swaps for that gross output, then the pool's
//!   input is grossed up through the input fee.
//!
//! The programs differ only in which zero amounts they refuse and in the Orca SDK's report of
//! the input (see [`FeeProgram`] and [`TransferFeeQuote::minimum_amount_in`]).

use crate::{Direction, PricingError, Quote, Result, SwapMode, SwapModel};

/// Transfer fees are in basis points of the amount; 10,000 is 100%.
pub const MAX_FEE_BASIS_POINTS: u16 = 10_000;
const ONE_IN_BASIS_POINTS: u128 = MAX_FEE_BASIS_POINTS as u128;

/// One Token-2022 transfer fee schedule: basis points of each transfer, capped at
/// `maximum_fee` token units. The default charges nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TransferFee {
    /// Fee in basis points of the transferred amount (0 ..= 10,000).
    pub basis_points: u16,
    /// The most any one transfer pays, in token units.
    pub maximum_fee: u64,
}

impl TransferFee {
    /// No fee: what a classic SPL Token mint, or a Token-2022 mint without the extension, does.
    pub const ZERO: Self = Self {
        basis_points: 0,
        maximum_fee: 0,
    };

    /// A fee of `basis_points` of each transfer, capped at `maximum_fee` raw units.
    pub const fn new(basis_points: u16, maximum_fee: u64) -> Self {
        Self {
            basis_points,
            maximum_fee,
        }
    }

    /// The basis points, refused above 100% (the token program never stores such a fee).
    fn rate(&self) -> Result<u128> {
        if self.basis_points > MAX_FEE_BASIS_POINTS {
            return Err(PricingError::InvalidInput(
                "transfer fee above 10,000 basis points",
            ));
        }
        Ok(u128::from(self.basis_points))
    }

    /// The fee withheld from a transfer of `gross` (`calculate_fee`): basis points of it,
    /// rounded up, capped at `maximum_fee`. Never more than `gross`.
    ///
    /// # Errors
    /// [`PricingError::InvalidInput`] for more than 10,000 basis points.
    pub fn fee(&self, gross: u64) -> Result<u64> {
        let rate = self.rate()?;
        if rate == 0 || gross == 0 {
            return Ok(0);
        }
        // `rate <= 10_000`, so the rounded-up fee is at most `gross` and fits.
        let raw = (u128::from(gross) * rate).div_ceil(ONE_IN_BASIS_POINTS);
        let raw = u64::try_from(raw).map_err(|_| PricingError::Overflow("transfer fee"))?;
        Ok(raw.min(self.maximum_fee))
    }

    /// What arrives of a transfer of `gross`: `gross - fee(gross)`.
    ///
    /// # Errors
    /// As [`Self::fee`].
    pub fn net_of(&self, gross: u64) -> Result<u64> {
        gross
            .checked_sub(self.fee(gross)?)
            .ok_or(PricingError::Overflow("transfer fee above the amount"))
    }

    /// The smallest transfer whose net is `net` (`calculate_pre_fee_amount`): rounded up,
    /// `net + maximum_fee` once the cap binds or at 100%, `0` for a zero net.
    ///
    /// # Errors
    /// [`PricingError::InvalidInput`] for more than 10,000 basis points;
    /// [`PricingError::Overflow`] when the transfer would not fit a `u64` (the programs fail
    /// the same way).
    pub fn gross_for_net(&self, net: u64) -> Result<u64> {
        const OVERFLOW: PricingError = PricingError::Overflow("transfer fee gross-up");
        let rate = self.rate()?;
        match (rate, net) {
            (0, _) => Ok(net),
            (_, 0) => Ok(0),
            (ONE_IN_BASIS_POINTS, _) => net.checked_add(self.maximum_fee).ok_or(OVERFLOW),
            _ => {
                let raw =
                    (u128::from(net) * ONE_IN_BASIS_POINTS).div_ceil(ONE_IN_BASIS_POINTS - rate);
                if raw - u128::from(net) >= u128::from(self.maximum_fee) {
                    net.checked_add(self.maximum_fee).ok_or(OVERFLOW)
                } else {
                    u64::try_from(raw).map_err(|_| OVERFLOW)
                }
            }
        }
    }

    /// The fee on the transfer that nets `net` (`calculate_inverse_fee`):
    /// `gross_for_net(net) - net`.
    ///
    /// # Errors
    /// As [`Self::gross_for_net`].
    pub fn inverse_fee(&self, net: u64) -> Result<u64> {
        self.fee(self.gross_for_net(net)?)
    }
}

/// A mint's `TransferFeeConfig`: the fee before `newer_epoch` and the fee from it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TransferFeeConfig {
    /// In force while the epoch is below `newer_epoch`.
    pub older: TransferFee,
    /// In force from `newer_epoch` on.
    pub newer: TransferFee,
    /// The first epoch of `newer`.
    pub newer_epoch: u64,
}

impl TransferFeeConfig {
    /// The fee in force at `epoch` (`get_epoch_fee`): `newer` when `epoch >= newer_epoch`.
    pub fn at_epoch(&self, epoch: u64) -> TransferFee {
        if epoch >= self.newer_epoch {
            self.newer
        } else {
            self.older
        }
    }
}

/// The transfer fees of a pool's two mints at one epoch; `None` for a mint without a fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PoolTransferFees {
    /// Token A's (Raydium's token 0, Orca's A, Meteora's X).
    pub a: Option<TransferFee>,
    /// Token B's.
    pub b: Option<TransferFee>,
}

impl PoolTransferFees {
    /// The (input, output) fees of a swap in `direction`.
    pub fn in_out(&self, direction: Direction) -> (Option<TransferFee>, Option<TransferFee>) {
        match direction {
            Direction::AToB => (self.a, self.b),
            Direction::BToA => (self.b, self.a),
        }
    }
}

/// Whose transfer-fee convention a quote follows. Raydium AMM v4 is absent: it only takes
/// classic SPL Token mints, which have no transfer fees.
///
/// All four take the input fee before the swap and the output fee after it, round the fee up
/// and gross up through `calculate_pre_fee_amount` (or the equal `amount + inverse fee`);
/// they differ in what they refuse:
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeeProgram {
    /// Orca Whirlpool `swap_v2` (`instructions/v2/swap.rs` `swap_with_transfer_fee_extension`,
    /// `util/v2/token.rs` `calculate_transfer_fee_excluded_amount` / `_included_amount`).
    /// Refuses only a zero swap amount; an output that nets zero is paid (the trader's
    /// threshold decides).
    OrcaWhirlpool,
    /// Raydium CLMM `swap_v2` (`instructions/swap_v2.rs` `exact_internal_v2`,
    /// `util/token.rs` `get_transfer_fee` / `get_transfer_inverse_fee`). Refuses a swap that
    /// moves zero of either token.
    RaydiumClmm,
    /// Raydium CPMM (`instructions/swap_base_input.rs`, `swap_base_output.rs`,
    /// `utils/token.rs`). Refuses a zero net input, a zero pool input and an output that nets
    /// zero after the output fee.
    RaydiumCpmm,
    /// Meteora DLMM, as its SDK quotes it (`commons/src/quote.rs` `quote_exact_in` /
    /// `quote_exact_out`, `commons/src/token_2022.rs`). Refuses only a zero swap amount.
    MeteoraDlmm,
}

/// A quote with both transfer fees applied: what the trader sends and receives, and what the
/// pool itself saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferFeeQuote {
    /// What the trader sends, input transfer fee included. For an exact-in swap that filled
    /// completely this is the amount asked, as the programs transfer it.
    pub amount_in: u64,
    /// What the trader receives, after the output transfer fee.
    pub amount_out: u64,
    /// The smallest send that gives the pool the same input: `gross_for_net(pool.amount_in)`.
    /// Below `amount_in` only for exact-in amounts where rounding leaves slack (with 0.5%,
    /// sending 1,001 or 1,000 both put 995 into the pool). Orca's SDK reports this number as
    /// its `token_in`.
    pub minimum_amount_in: u64,
    /// The pool's own quote, between the two transfers: its `amount_in` is what the vault
    /// receives, its `amount_out` what the vault pays out.
    pub pool: Quote,
    /// Withheld from the input transfer: `amount_in - pool.amount_in`.
    pub transfer_fee_in: u64,
    /// Withheld from the output transfer: `pool.amount_out - amount_out`.
    pub transfer_fee_out: u64,
}

/// Quotes a swap with Token-2022 transfer fees around any pool's own quote, in `program`'s
/// order: `core(mode, amount)` is the pool's quote for the amounts the vaults see.
///
/// `fee_in` / `fee_out` are the input and output mints' fees at the current epoch
/// ([`TransferFeeConfig::at_epoch`]); `None` means no fee.
///
/// # Errors
/// [`PricingError::ZeroAmount`] for a zero amount, for an exact-in whose input is all fee
/// (the programs refuse to swap nothing), and for the zero amounts `program` refuses (see
/// [`FeeProgram`]); [`PricingError::InvalidInput`] for a fee above 100%;
/// [`PricingError::Overflow`] when a gross-up does not fit a `u64`; any error of `core`.
///
/// # Example
/// ```rust
/// use pricing::{
///     CpmmFees, CpmmParams, CpmmPool, Direction, FeeProgram, SwapMode, SwapModel, TransferFee,
///     Vault, quote_with_transfer_fees,
/// };
///
/// let pool = CpmmPool::new(CpmmParams {
///     vault_0: Vault::new(5_000_000_000, 0),
///     vault_1: Vault::new(7_000_000_000, 0),
///     fees: CpmmFees { trade_fee_rate: 2_500, ..CpmmFees::default() },
///     decimals_0: 9,
///     decimals_1: 6,
/// })?;
/// // Token 0 withholds 1% of every transfer, at most 5,000 raw units.
/// let fee_0 = TransferFee::new(100, 5_000);
/// let q = quote_with_transfer_fees(
///     FeeProgram::RaydiumCpmm,
///     Some(fee_0),
///     None,
///     SwapMode::ExactIn,
///     100_000,
///     |mode, amount| pool.quote(Direction::AToB, mode, amount),
/// )?;
/// assert_eq!(q.transfer_fee_in, 1_000);
/// assert_eq!(q.pool.amount_in, 99_000);
/// assert_eq!(q.amount_out, q.pool.amount_out);
/// # Ok::<(), pricing::PricingError>(())
/// ```
pub fn quote_with_transfer_fees(
    program: FeeProgram,
    fee_in: Option<TransferFee>,
    fee_out: Option<TransferFee>,
    mode: SwapMode,
    amount: u64,
    core: impl FnOnce(SwapMode, u64) -> Result<Quote>,
) -> Result<TransferFeeQuote> {
    if amount == 0 {
        return Err(PricingError::ZeroAmount("amount"));
    }
    let fee_in = fee_in.unwrap_or(TransferFee::ZERO);
    let fee_out = fee_out.unwrap_or(TransferFee::ZERO);
    let (pool, amount_in) = match mode {
        SwapMode::ExactIn => {
            let net_in = fee_in.net_of(amount)?;
            if net_in == 0 {
                return Err(PricingError::ZeroAmount("input after the transfer fee"));
            }
            let pool = core(SwapMode::ExactIn, net_in)?;
            // A complete fill transfers the amount asked; a partial one only what covers the
            // pool's input.
            let amount_in = if pool.amount_in == net_in {
                amount
            } else {
                fee_in.gross_for_net(pool.amount_in)?
            };
            (pool, amount_in)
        }
        SwapMode::ExactOut => {
            let gross_out = fee_out.gross_for_net(amount)?;
            let pool = core(SwapMode::ExactOut, gross_out)?;
            if program == FeeProgram::RaydiumCpmm && pool.amount_in == 0 {
                return Err(PricingError::ZeroAmount("pool input"));
            }
            (pool, fee_in.gross_for_net(pool.amount_in)?)
        }
    };
    let amount_out = fee_out.net_of(pool.amount_out)?;
    match program {
        FeeProgram::RaydiumClmm if pool.amount_in == 0 || pool.amount_out == 0 => {
            return Err(PricingError::ZeroAmount("swap moves nothing"));
        }
        FeeProgram::RaydiumCpmm if amount_out == 0 => {
            return Err(PricingError::ZeroAmount("output after the transfer fee"));
        }
        _ => {}
    }
    let minimum_amount_in = fee_in.gross_for_net(pool.amount_in)?;
    Ok(TransferFeeQuote {
        amount_in,
        amount_out,
        minimum_amount_in,
        pool,
        transfer_fee_in: amount_in - pool.amount_in,
        transfer_fee_out: pool.amount_out - amount_out,
    })
}

/// [`quote_with_transfer_fees`] for a [`SwapModel`], picking the input and output fees for
/// `direction` from the pool's two mints.
///
/// # Errors
/// As [`quote_with_transfer_fees`].
pub fn quote_model_with_transfer_fees<M: SwapModel + ?Sized>(
    program: FeeProgram,
    model: &M,
    fees: PoolTransferFees,
    direction: Direction,
    mode: SwapMode,
    amount: u64,
) -> Result<TransferFeeQuote> {
    let (fee_in, fee_out) = fees.in_out(direction);
    quote_with_transfer_fees(program, fee_in, fee_out, mode, amount, |mode, amount| {
        model.quote(direction, mode, amount)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fill, Price};
    use proptest::prelude::*;

    const PROGRAMS: [FeeProgram; 4] = [
        FeeProgram::OrcaWhirlpool,
        FeeProgram::RaydiumClmm,
        FeeProgram::RaydiumCpmm,
        FeeProgram::MeteoraDlmm,
    ];

    /// A pool that pays out `out_per_in` per unit in, rounding down, and fills at most
    /// `max_in`: enough to see where each transfer fee goes.
    fn linear_pool(out_per_in: u64, max_in: u64) -> impl Fn(SwapMode, u64) -> Result<Quote> + Copy {
        move |mode, amount| {
            let (amount_in, amount_out) = match mode {
                SwapMode::ExactIn => {
                    let a = amount.min(max_in);
                    (a, a * out_per_in)
                }
                SwapMode::ExactOut => {
                    let a = amount.div_ceil(out_per_in).min(max_in);
                    (a, (a * out_per_in).min(amount))
                }
            };
            Ok(Quote {
                amount_in,
                amount_out,
                fee: 0,
                fee_out: 0,
                fill: if amount_in == max_in {
                    Fill::Partial(crate::PartialReason::LiquidityExhausted)
                } else {
                    Fill::Complete
                },
                price_after: Price::Ratio { b: 1, a: 1 },
            })
        }
    }

    #[test]
    fn fee_rounds_up_and_caps() {
        let fee = TransferFee::new(100, 5_000);
        assert_eq!(fee.fee(0), Ok(0));
        assert_eq!(fee.fee(1), Ok(1), "1% of 1 rounds up to 1");
        assert_eq!(fee.fee(10_000), Ok(100));
        assert_eq!(fee.fee(10_001), Ok(101));
        assert_eq!(fee.fee(u64::MAX), Ok(5_000));
        assert_eq!(TransferFee::new(0, 5).fee(1_000), Ok(0));
        assert_eq!(TransferFee::new(10_000, 7).fee(1_000), Ok(7));
        assert_eq!(TransferFee::new(10_000, u64::MAX).fee(1_000), Ok(1_000));
        assert!(matches!(
            TransferFee::new(10_001, 1).fee(1),
            Err(PricingError::InvalidInput(_))
        ));
    }

    #[test]
    fn gross_up_matches_the_token_programs_cases() {
        let one_percent = TransferFee::new(100, u64::MAX);
        assert_eq!(one_percent.gross_for_net(9_900), Ok(10_000));
        assert_eq!(one_percent.gross_for_net(0), Ok(0));
        // 10% on 10 or 11 both net 9; the smaller is chosen.
        assert_eq!(TransferFee::new(1_000, u64::MAX).gross_for_net(9), Ok(10));
        // The cap: 10% capped at 500 grosses 9,500 up to 10,000 and 100,000 up to 100,500.
        let capped = TransferFee::new(1_000, 500);
        assert_eq!(capped.gross_for_net(9_500), Ok(10_000));
        assert_eq!(capped.gross_for_net(100_000), Ok(100_500));
        // 100%: the whole cap on top, or nothing for nothing.
        let all = TransferFee::new(10_000, 500);
        assert_eq!(all.gross_for_net(9_500), Ok(10_000));
        assert_eq!(all.gross_for_net(0), Ok(0));
        assert_eq!(all.inverse_fee(9_500), Ok(500));
        assert!(matches!(
            TransferFee::new(10_000, u64::MAX).gross_for_net(1),
            Err(PricingError::Overflow(_))
        ));
        assert!(matches!(
            TransferFee::new(1, u64::MAX).gross_for_net(u64::MAX),
            Err(PricingError::Overflow(_))
        ));
        assert_eq!(TransferFee::ZERO.gross_for_net(u64::MAX), Ok(u64::MAX));
    }

    #[test]
    fn epoch_picks_newer_from_its_first_epoch() {
        let config = TransferFeeConfig {
            older: TransferFee::new(10, 1),
            newer: TransferFee::new(20, 2),
            newer_epoch: 700,
        };
        assert_eq!(config.at_epoch(0), config.older);
        assert_eq!(config.at_epoch(699), config.older);
        assert_eq!(config.at_epoch(700), config.newer);
        assert_eq!(config.at_epoch(u64::MAX), config.newer);
    }

    /// The issue's example: 0.5% on the input, exact-in 1,000. Every program takes 5 off
    /// before the swap, so the pool receives 995.
    #[test]
    fn half_percent_exact_in_of_1000_puts_995_into_the_pool() {
        let half = Some(TransferFee::new(50, u64::MAX));
        for program in PROGRAMS {
            let q = quote_with_transfer_fees(
                program,
                half,
                None,
                SwapMode::ExactIn,
                1_000,
                linear_pool(1, u64::MAX),
            )
            .unwrap();
            assert_eq!(q.pool.amount_in, 995, "{program:?}");
            assert_eq!((q.amount_in, q.transfer_fee_in), (1_000, 5));
            assert_eq!(q.amount_out, 995);
        }
        // 1,001 also puts 995 in (the fee rounds up to 6); the smallest send for it is 1,000.
        let q = quote_with_transfer_fees(
            FeeProgram::OrcaWhirlpool,
            half,
            None,
            SwapMode::ExactIn,
            1_001,
            linear_pool(1, u64::MAX),
        )
        .unwrap();
        assert_eq!(
            (q.amount_in, q.minimum_amount_in, q.pool.amount_in),
            (1_001, 1_000, 995)
        );
    }

    /// Output fee after the swap on exact in; exact out grosses the output up first, then the
    /// pool's input (Raydium `exact_internal_v2` / CPMM `swap_base_output` order).
    #[test]
    fn output_fee_comes_after_the_swap_and_exact_out_grosses_up_both_sides() {
        let fee_in = Some(TransferFee::new(100, u64::MAX)); // 1%
        let fee_out = Some(TransferFee::new(1_000, 30)); // 10%, at most 30
        for program in PROGRAMS {
            let q = quote_with_transfer_fees(
                program,
                fee_in,
                fee_out,
                SwapMode::ExactIn,
                1_000,
                linear_pool(2, u64::MAX),
            )
            .unwrap();
            // 1% of 1,000 = 10 in; the pool pays 2 × 990 = 1,980; 10% capped at 30 out.
            assert_eq!((q.pool.amount_in, q.pool.amount_out), (990, 1_980));
            assert_eq!((q.amount_out, q.transfer_fee_out), (1_950, 30));

            let q = quote_with_transfer_fees(
                program,
                fee_in,
                fee_out,
                SwapMode::ExactOut,
                100,
                linear_pool(2, u64::MAX),
            )
            .unwrap();
            // 100 net needs 112 out (ceil(100 / 0.9) = 112, fee 12 < 30); 56 in; 57 sent.
            assert_eq!(q.pool.amount_out, 112);
            assert_eq!(q.amount_out, 100);
            assert_eq!(
                (q.pool.amount_in, q.amount_in, q.transfer_fee_in),
                (56, 57, 1)
            );
        }
    }

    #[test]
    fn partial_fill_sends_only_what_covers_the_pool_input() {
        let fee_in = Some(TransferFee::new(50, u64::MAX));
        let q = quote_with_transfer_fees(
            FeeProgram::RaydiumClmm,
            fee_in,
            None,
            SwapMode::ExactIn,
            1_000_000,
            linear_pool(1, 995),
        )
        .unwrap();
        assert_eq!(q.pool.amount_in, 995);
        assert_eq!((q.amount_in, q.transfer_fee_in), (1_000, 5));
    }

    #[test]
    fn zero_nets_are_refused_as_each_program_does() {
        let all = Some(TransferFee::new(10_000, u64::MAX));
        for program in PROGRAMS {
            // Everything withheld on the way in: nothing to swap, on every program.
            assert_eq!(
                quote_with_transfer_fees(
                    program,
                    all,
                    None,
                    SwapMode::ExactIn,
                    1_000,
                    linear_pool(1, u64::MAX)
                ),
                Err(PricingError::ZeroAmount("input after the transfer fee"))
            );
            assert_eq!(
                quote_with_transfer_fees(
                    program,
                    None,
                    None,
                    SwapMode::ExactOut,
                    0,
                    linear_pool(1, u64::MAX)
                ),
                Err(PricingError::ZeroAmount("amount"))
            );
            // Everything withheld on the way out: only CPMM refuses (`amount_received > 0`).
            let out = quote_with_transfer_fees(
                program,
                None,
                all,
                SwapMode::ExactIn,
                1_000,
                linear_pool(1, u64::MAX),
            );
            if program == FeeProgram::RaydiumCpmm {
                assert_eq!(
                    out,
                    Err(PricingError::ZeroAmount("output after the transfer fee"))
                );
            } else {
                let out = out.unwrap();
                assert_eq!((out.amount_out, out.transfer_fee_out), (0, 1_000));
            }
        }
        // Raydium CLMM refuses a swap that moves nothing out.
        let nothing_out = |_: SwapMode, amount: u64| {
            Ok(Quote {
                amount_out: 0,
                ..linear_pool(1, u64::MAX)(SwapMode::ExactIn, amount)?
            })
        };
        assert_eq!(
            quote_with_transfer_fees(
                FeeProgram::RaydiumClmm,
                None,
                None,
                SwapMode::ExactIn,
                10,
                nothing_out
            ),
            Err(PricingError::ZeroAmount("swap moves nothing"))
        );
    }

    #[test]
    fn without_fees_the_pool_quote_passes_through() {
        for mode in [SwapMode::ExactIn, SwapMode::ExactOut] {
            let pool = linear_pool(3, u64::MAX)(mode, 999).unwrap();
            let q = quote_with_transfer_fees(
                FeeProgram::OrcaWhirlpool,
                None,
                Some(TransferFee::ZERO),
                mode,
                999,
                linear_pool(3, u64::MAX),
            )
            .unwrap();
            assert_eq!(q.pool, pool);
            assert_eq!(
                (q.amount_in, q.amount_out),
                (pool.amount_in, pool.amount_out)
            );
            assert_eq!((q.transfer_fee_in, q.transfer_fee_out), (0, 0));
        }
    }

    fn any_fee() -> impl Strategy<Value = TransferFee> {
        (
            prop_oneof![Just(0u16), Just(10_000u16), 0u16..=10_000],
            prop_oneof![Just(0u64), 0u64..100, any::<u64>(), Just(u64::MAX)],
        )
            .prop_map(|(bps, max)| TransferFee::new(bps, max))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn fee_math_never_panics_and_nets_at_most_the_gross(
            fee in any_fee(),
            bad_bps in any::<u16>(),
            amount: u64,
        ) {
            let net = fee.net_of(amount).unwrap();
            prop_assert!(net <= amount);
            prop_assert_eq!(fee.fee(amount).unwrap(), amount - net);
            prop_assert!(fee.fee(amount).unwrap() <= fee.maximum_fee);
            let _ = TransferFee::new(bad_bps, fee.maximum_fee).fee(amount);
            let _ = TransferFee::new(bad_bps, fee.maximum_fee).gross_for_net(amount);
        }

        /// `gross_for_net` then the forward fee gives back exactly the net (spl's
        /// `calculate_pre_fee_amount` guarantees at least it; the ceiling makes it exact), and
        /// nothing smaller does.
        #[test]
        fn gross_up_then_fee_returns_the_net(fee in any_fee(), net: u64) {
            if let Ok(gross) = fee.gross_for_net(net) {
                prop_assert!(gross >= net);
                prop_assert_eq!(fee.net_of(gross).unwrap(), net);
                prop_assert_eq!(fee.inverse_fee(net).unwrap(), gross - net);
                if gross > 0 {
                    prop_assert!(fee.net_of(gross - 1).unwrap() < net, "not the smallest");
                }
            }
        }

        #[test]
        fn wrapper_never_panics_and_keeps_its_sums(
            fee_in in proptest::option::of(any_fee()),
            fee_out in proptest::option::of(any_fee()),
            exact_in: bool,
            amount: u64,
            out_per_in in 1u64..4,
            max_in in prop_oneof![Just(u64::MAX / 4), 1u64..1_000_000],
            program in proptest::sample::select(PROGRAMS.to_vec()),
        ) {
            let mode = if exact_in { SwapMode::ExactIn } else { SwapMode::ExactOut };
            let amount = amount / 4;
            let result = quote_with_transfer_fees(
                program, fee_in, fee_out, mode, amount, linear_pool(out_per_in, max_in),
            );
            if let Ok(q) = result {
                prop_assert_eq!(q.amount_in, q.pool.amount_in + q.transfer_fee_in);
                prop_assert_eq!(q.pool.amount_out, q.amount_out + q.transfer_fee_out);
                prop_assert!(q.minimum_amount_in <= q.amount_in);
                if exact_in {
                    prop_assert!(q.amount_in <= amount);
                    prop_assert!(q.pool.amount_in <= q.amount_in);
                } else if q.pool.amount_out == fee_out.unwrap_or_default().gross_for_net(amount).unwrap() {
                    prop_assert_eq!(q.amount_out, amount);
                }
            }
        }
    }
}
