//! A pool frozen at one clock: its model, its mints' transfer fees, and quotes that settle
//! the way the chain settles them.

use pricing::transfer_fee::{FeeProgram, TransferFee, quote_with_transfer_fees};
use pricing::{Direction, Fill, Price, SwapMode};

use crate::PoolKind;
use crate::error::Result;
use crate::model::PoolModel;

/// A complete quote, as the trader's token accounts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapQuote {
    /// What leaves the trader's account: the pool's input plus the input mint's transfer fee.
    pub amount_in: u64,
    /// The least that could be sent for the same pool input (where the transfer fee's rounding
    /// leaves slack; equal to `amount_in` without a transfer fee).
    pub minimum_amount_in: u64,
    /// What arrives in the trader's account: the pool's output less the output mint's
    /// transfer fee.
    pub amount_out: u64,
    /// Pool fees charged in the input token.
    pub fee: u64,
    /// Pool fees taken from the output token (Raydium CPMM creator fee on the output side).
    pub fee_out: u64,
    /// Token-2022 fee withheld on the way into the pool, in the input token.
    pub transfer_fee_in: u64,
    /// Token-2022 fee withheld on the way out of the pool, in the output token.
    pub transfer_fee_out: u64,
    /// Whether the whole amount filled.
    pub fill: Fill,
    /// The pool's price after the swap.
    pub price_after: Price,
}

impl SwapQuote {
    /// True when the whole amount filled.
    pub fn is_complete(&self) -> bool {
        self.fill == Fill::Complete
    }
}

/// A pool's complete quoting state at one clock: what a detector or router sizes trades with.
///
/// Built by [`crate::Pool::snapshot`] from live accounts, or from a model alone (no transfer
/// fees) with `PoolSnapshot::from(model)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSnapshot {
    /// The program's swap math with the pool's state.
    pub model: PoolModel,
    /// The transfer fee of token A and token B in force at the snapshot's epoch.
    pub transfer_fees: [Option<TransferFee>; 2],
}

impl From<PoolModel> for PoolSnapshot {
    fn from(model: PoolModel) -> Self {
        Self {
            model,
            transfer_fees: [None, None],
        }
    }
}

impl PoolSnapshot {
    /// The program whose order of transfer fees and swap math applies.
    pub fn kind(&self) -> PoolKind {
        match &self.model {
            PoolModel::RaydiumAmmV4(_) => PoolKind::RaydiumAmmV4,
            PoolModel::RaydiumCpmm(_) => PoolKind::RaydiumCpmm,
            PoolModel::RaydiumClmm(_) => PoolKind::RaydiumClmm,
            PoolModel::Whirlpool(_) => PoolKind::OrcaWhirlpool,
            PoolModel::Dlmm(_) => PoolKind::MeteoraDlmm,
        }
    }

    /// Quotes a swap exactly as the program and the token programs settle it: the input
    /// mint's transfer fee, the pool's math, the output mint's transfer fee, in the program's
    /// own order and rounding.
    ///
    /// # Errors
    /// [`crate::MarketError::Pricing`] where the program (or a token program) would refuse
    /// the swap, including a zero output.
    pub fn quote(&self, direction: Direction, mode: SwapMode, amount: u64) -> Result<SwapQuote> {
        let (fee_in, fee_out) = match direction {
            Direction::AToB => (self.transfer_fees[0], self.transfer_fees[1]),
            Direction::BToA => (self.transfer_fees[1], self.transfer_fees[0]),
        };
        if fee_in.is_none() && fee_out.is_none() {
            let q = self.model.quote(direction, mode, amount)?;
            return Ok(SwapQuote {
                amount_in: q.amount_in,
                minimum_amount_in: q.amount_in,
                amount_out: q.amount_out,
                fee: q.fee,
                fee_out: q.fee_out,
                transfer_fee_in: 0,
                transfer_fee_out: 0,
                fill: q.fill,
                price_after: q.price_after,
            });
        }
        let program = match self.kind() {
            // AMM v4 trades classic SPL Token mints only, which have no transfer fee; were one
            // to appear, the constant-product order is CPMM's.
            PoolKind::RaydiumAmmV4 | PoolKind::RaydiumCpmm => FeeProgram::RaydiumCpmm,
            PoolKind::RaydiumClmm => FeeProgram::RaydiumClmm,
            PoolKind::OrcaWhirlpool => FeeProgram::OrcaWhirlpool,
            PoolKind::MeteoraDlmm => FeeProgram::MeteoraDlmm,
        };
        let q =
            quote_with_transfer_fees(program, fee_in, fee_out, mode, amount, |mode, amount| {
                self.model.quote(direction, mode, amount)
            })?;
        Ok(SwapQuote {
            amount_in: q.amount_in,
            minimum_amount_in: q.minimum_amount_in,
            amount_out: q.amount_out,
            fee: q.pool.fee,
            fee_out: q.pool.fee_out,
            transfer_fee_in: q.transfer_fee_in,
            transfer_fee_out: q.transfer_fee_out,
            fill: q.pool.fill,
            price_after: q.pool.price_after,
        })
    }

    /// An exact-in quote.
    ///
    /// # Errors
    /// As [`PoolSnapshot::quote`].
    pub fn quote_exact_in(&self, direction: Direction, amount_in: u64) -> Result<SwapQuote> {
        self.quote(direction, SwapMode::ExactIn, amount_in)
    }

    /// The exact marginal price, B per A, raw units, before fees.
    pub fn spot_price(&self) -> Price {
        self.model.spot_price()
    }

    /// The marginal price as f64, B per A, raw units (screening only).
    pub fn spot(&self) -> f64 {
        self.model.spot_price().to_f64_raw()
    }

    /// Decimals of token A and token B.
    pub fn decimals(&self) -> (u8, u8) {
        self.model.decimals()
    }

    /// A lower bound of the fee a swap pays, as a fraction: the pool's lowest fee (transfer
    /// fees only add to it).
    pub fn min_fee_rate(&self) -> f64 {
        self.model.min_fee_rate()
    }

    /// See [`PoolModel::virtual_reserves`]. `exact` is false where a transfer fee applies,
    /// since the closed form does not include it.
    pub fn virtual_reserves(&self) -> Option<((f64, f64), f64, bool)> {
        let has_fee = self.transfer_fees.iter().any(Option::is_some);
        self.model
            .virtual_reserves()
            .map(|(r, fee, exact)| (r, fee, exact && !has_fee))
    }

    /// See [`PoolModel::constant_product`]; `None` where a transfer fee applies.
    pub fn constant_product(&self) -> Option<((u64, u64), (u64, u64))> {
        if self.transfer_fees.iter().any(Option::is_some) {
            return None;
        }
        self.model.constant_product()
    }
}
