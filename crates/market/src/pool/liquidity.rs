//! What a pool holds, valued through the pool itself: both vault balances in one of its
//! tokens at its own exact spot price. Discovery keeps pools above a liquidity floor with it.

use decoder::Pubkey;
use pricing::helpers::{PoolToken, pool_value_exact};

use super::Pool;
use crate::error::Result;
use crate::{Direction, QuoteClock};

impl Pool {
    /// The vault balances, both valued in raw units of `in_mint` at the pool's exact spot
    /// price (rounded down, saturating). Integer math throughout. A pool whose price is zero
    /// or unbounded in `in_mint` cannot be traded sensibly and is worth 0.
    ///
    /// # Errors
    /// [`crate::MarketError::UnknownMint`] when `in_mint` is neither token; as [`Pool::snapshot`]
    /// until the vaults, mints and whatever the price needs have arrived.
    pub fn liquidity_in(&self, in_mint: &Pubkey, clock: QuoteClock) -> Result<u128> {
        let quote = match self.direction_from(in_mint)? {
            Direction::AToB => PoolToken::A,
            Direction::BToA => PoolToken::B,
        };
        let snapshot = self.snapshot(clock)?;
        let amounts = [self.vault_amounts[0], self.vault_amounts[1]].map(|a| a.unwrap_or(0));
        Ok(pool_value_exact(amounts, &snapshot.spot_price(), quote).unwrap_or(0))
    }
}
