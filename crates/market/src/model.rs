//! The five pricing models behind one enum: the one place that dispatches a quote to the
//! program's own math.

use pricing::{
    AmmV4Pool, CpmmPool, Direction, DlmmPool, Price, Quote, RaydiumClmmPool, SwapMode, SwapModel,
    WhirlpoolPool,
};

/// A pool's swap math, in the model of its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolModel {
    /// Raydium AMM v4.
    RaydiumAmmV4(AmmV4Pool),
    /// Raydium CPMM.
    RaydiumCpmm(CpmmPool),
    /// Raydium CLMM, with its known tick arrays.
    RaydiumClmm(Box<RaydiumClmmPool>),
    /// Orca Whirlpool, with its known tick arrays and oracle.
    Whirlpool(Box<WhirlpoolPool>),
    /// Meteora DLMM, with its known bin arrays.
    Dlmm(Box<DlmmPool>),
}

impl PoolModel {
    /// The model as the common quoting trait.
    pub fn as_swap_model(&self) -> &dyn SwapModel {
        match self {
            Self::RaydiumAmmV4(m) => m,
            Self::RaydiumCpmm(m) => m,
            Self::RaydiumClmm(m) => m.as_ref(),
            Self::Whirlpool(m) => m.as_ref(),
            Self::Dlmm(m) => m.as_ref(),
        }
    }

    /// The pool's own quote, before any token transfer fee.
    ///
    /// # Errors
    /// As the program would refuse the swap ([`pricing::PricingError`]).
    pub fn quote(
        &self,
        direction: Direction,
        mode: SwapMode,
        amount: u64,
    ) -> pricing::Result<Quote> {
        self.as_swap_model().quote(direction, mode, amount)
    }

    /// The exact marginal price, B per A, raw units, before fees.
    pub fn spot_price(&self) -> Price {
        self.as_swap_model().spot_price()
    }

    /// Decimals of token A and token B.
    pub fn decimals(&self) -> (u8, u8) {
        self.as_swap_model().decimals()
    }

    /// A lower bound of the fee rate a swap pays, as a fraction. Screening with a lower bound
    /// never hides a real opportunity; the exact quotes decide.
    pub fn min_fee_rate(&self) -> f64 {
        match self {
            Self::RaydiumAmmV4(m) => {
                m.swap_fee_numerator as f64 / m.swap_fee_denominator.max(1) as f64
            }
            Self::RaydiumCpmm(m) => m.fees.trade_fee_rate as f64 / 1e6,
            Self::RaydiumClmm(m) => f64::from(m.state.trade_fee_rate) / 1e6,
            Self::Whirlpool(m) => f64::from(m.state.fee_rate) / 1e6,
            Self::Dlmm(m) => {
                let p = &m.params;
                let base = f64::from(p.base_factor)
                    * f64::from(p.bin_step)
                    * 10.0
                    * 10f64.powi(i32::from(p.base_fee_power_factor));
                (base / 1e9).min(0.1)
            }
        }
    }

    /// Constant-product reserves `(a, b)`, the fee fraction, and whether they are exact
    /// (constant-product pools) or virtual (concentrated liquidity within its current range:
    /// `a = L / √P`, `b = L · √P`). DLMM bins have no such form. For screening and search
    /// starting points only.
    pub fn virtual_reserves(&self) -> Option<((f64, f64), f64, bool)> {
        const Q64: f64 = 18_446_744_073_709_551_616.0;
        let clmm = |liquidity: u128, sqrt_price: u128, fee: f64| {
            let s = sqrt_price as f64 / Q64;
            let l = liquidity as f64;
            (l > 0.0 && s > 0.0).then_some(((l / s, l * s), fee, false))
        };
        match self {
            Self::RaydiumAmmV4(_) | Self::RaydiumCpmm(_) => {
                self.constant_product().map(|((a, b), (num, den))| {
                    ((a as f64, b as f64), num as f64 / den.max(1) as f64, true)
                })
            }
            Self::Whirlpool(m) => clmm(m.state.liquidity, m.state.sqrt_price, self.min_fee_rate()),
            Self::RaydiumClmm(m) => clmm(
                m.state.liquidity,
                m.state.sqrt_price_x64,
                self.min_fee_rate(),
            ),
            Self::Dlmm(_) => None,
        }
    }

    /// Reserves `(a, b)` and fee `(numerator, denominator)` for constant-product curves, which
    /// admit a closed-form optimal size.
    pub fn constant_product(&self) -> Option<((u64, u64), (u64, u64))> {
        match self {
            Self::RaydiumAmmV4(m) => Some((
                (m.reserve_coin, m.reserve_pc),
                (m.swap_fee_numerator, m.swap_fee_denominator),
            )),
            Self::RaydiumCpmm(m) if m.fees.creator_fee_rate == 0 => Some((
                (m.reserve_0, m.reserve_1),
                (m.fees.trade_fee_rate, 1_000_000),
            )),
            _ => None,
        }
    }
}
