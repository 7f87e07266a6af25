//! What every model answers: a [`Quote`] for a swap, and a [`Price`].

use crate::Result;

/// Which way a swap goes. Token A is the pool's first token (Raydium's coin / token 0, Orca's
/// token A, Meteora's X); token B the second. Prices are B per A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sell A, buy B: the price (B per A) falls.
    AToB,
    /// Sell B, buy A: the price rises.
    BToA,
}

impl Direction {
    /// The opposite way.
    pub fn reverse(self) -> Self {
        match self {
            Self::AToB => Self::BToA,
            Self::BToA => Self::AToB,
        }
    }
}

/// Whether the amount given is what the trader pays or what the trader receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SwapMode {
    /// `amount` is the input; the quote finds the output.
    ExactIn,
    /// `amount` is the output; the quote finds the input.
    ExactOut,
}

/// Why a quote filled less than asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartialReason {
    /// The swap reached the caller's price limit.
    PriceLimit,
    /// The given tick arrays ended before the amount was filled: the rest of the curve is
    /// unknown here, so the quote stops rather than assume liquidity goes on.
    TickArraysExhausted,
    /// The given bin arrays ended before the amount was filled.
    BinArraysExhausted,
    /// The pool's liquidity ran out (the price reached the end of the curve).
    LiquidityExhausted,
}

/// Whether a quote filled the whole amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fill {
    /// The whole amount was filled.
    Complete,
    /// Only `Quote::amount_in` / `amount_out` could be filled.
    Partial(PartialReason),
}

/// The result of a swap quote, in integer token units, exactly as the program would settle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// What the trader pays, fees included.
    pub amount_in: u64,
    /// What the trader receives.
    pub amount_out: u64,
    /// Pool fees charged, in the input token (LP, protocol and fund shares together). Fees a
    /// program takes from the output token are in `fee_out`.
    pub fee: u64,
    /// Fees taken from the output token (Raydium CPMM creator fee on the output side).
    pub fee_out: u64,
    /// Whether the whole amount was filled, and if not why.
    pub fill: Fill,
    /// The pool's price after the swap.
    pub price_after: Price,
}

impl Quote {
    /// Whether the whole amount was filled.
    pub fn is_complete(&self) -> bool {
        self.fill == Fill::Complete
    }
}

/// An exact price of token B in token A's units (raw, before decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Price {
    /// `b / a`, from reserves.
    Ratio {
        /// Token B amount (the numerator).
        b: u128,
        /// Token A amount (the denominator).
        a: u128,
    },
    /// Q64.64 square root of the price (concentrated liquidity).
    SqrtX64(u128),
    /// Q64.64 price (DLMM bins).
    X64(u128),
}

impl Price {
    /// The price as f64, B per A, in raw units. For display and statistics only.
    pub fn to_f64_raw(&self) -> f64 {
        const TWO_64: f64 = 18_446_744_073_709_551_616.0;
        match *self {
            Self::Ratio { b, a } => {
                if a == 0 {
                    f64::INFINITY
                } else {
                    b as f64 / a as f64
                }
            }
            Self::SqrtX64(s) => {
                let s = s as f64 / TWO_64;
                s * s
            }
            Self::X64(p) => p as f64 / TWO_64,
        }
    }

    /// The price as f64, whole B per whole A, adjusted for the tokens' decimals.
    pub fn to_f64(&self, decimals_a: u8, decimals_b: u8) -> f64 {
        self.to_f64_raw() * 10f64.powi(i32::from(decimals_a) - i32::from(decimals_b))
    }
}

/// A pool model that quotes swaps exactly as its program would.
pub trait SwapModel {
    /// Quotes a swap: `amount` (raw units) is what the trader pays for [`SwapMode::ExactIn`]
    /// and what the trader receives for [`SwapMode::ExactOut`].
    ///
    /// # Errors
    /// See [`crate::PricingError`]; a quote the program would reject is an error.
    ///
    /// # Example
    /// ```rust
    /// use pricing::{AmmV4Params, AmmV4Pool, Direction, Fill, SwapMode, SwapModel, Vault};
    ///
    /// // 1,000 coin and 176,000 pc (9 and 6 decimals), a 0.25% fee.
    /// let pool = AmmV4Pool::new(AmmV4Params {
    ///     vault_coin: Vault::new(1_000_000_000_000, 0),
    ///     vault_pc: Vault::new(176_000_000_000, 0),
    ///     swap_fee_numerator: 25,
    ///     swap_fee_denominator: 10_000,
    ///     coin_decimals: 9,
    ///     pc_decimals: 6,
    /// })?;
    /// let sell = pool.quote(Direction::AToB, SwapMode::ExactIn, 1_000_000_000)?;
    /// assert_eq!(sell.fee, 2_500_000); // 0.25% of the input, rounded up
    /// assert_eq!(sell.fill, Fill::Complete);
    /// let buy = pool.quote(Direction::AToB, SwapMode::ExactOut, sell.amount_out)?;
    /// assert!(buy.amount_in <= sell.amount_in);
    /// # Ok::<(), pricing::PricingError>(())
    /// ```
    fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<Quote>;

    /// The current marginal price, B per A (raw units), before fees.
    fn spot_price(&self) -> Price;

    /// Decimals of token A and token B.
    fn decimals(&self) -> (u8, u8);

    /// Quotes an exact-input swap.
    ///
    /// # Errors
    /// As [`SwapModel::quote`].
    fn quote_exact_in(&self, direction: Direction, amount_in: u64) -> Result<Quote> {
        self.quote(direction, SwapMode::ExactIn, amount_in)
    }

    /// Quotes an exact-output swap.
    ///
    /// # Errors
    /// As [`SwapModel::quote`].
    fn quote_exact_out(&self, direction: Direction, amount_out: u64) -> Result<Quote> {
        self.quote(direction, SwapMode::ExactOut, amount_out)
    }

    /// The spot price as f64, whole B per whole A. For display only.
    fn spot_price_f64(&self) -> f64 {
        let (a, b) = self.decimals();
        self.spot_price().to_f64(a, b)
    }
}
