//! What a pool needs to know about each of its mints: decimals, the Token-2022 transfer fee,
//! and whether an extension makes swaps impossible or unpredictable.

pub use decoder::token::MintBlocker;
use decoder::token::TokenProgram;
use decoder::{Mint, Pubkey};
use pricing::transfer_fee::{TransferFee, TransferFeeConfig};

use crate::error::{AccountRole, MarketError, Result};

/// A mint as a pool's quotes need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MintState {
    /// The mint's address.
    pub address: Pubkey,
    /// Decimals of the token's raw units.
    pub decimals: u8,
    /// SPL Token or Token-2022.
    pub program: TokenProgram,
    /// Token-2022 `TransferFeeConfig` (its two schedules), when the mint has one.
    pub transfer_fee: Option<TransferFeeConfig>,
    /// An extension that makes swaps impossible or unpredictable (transfer hook, paused,
    /// non-transferable).
    pub blocker: Option<MintBlocker>,
}

impl MintState {
    /// Reads a mint account.
    ///
    /// # Errors
    /// [`MarketError::Decode`] when the bytes are not a mint of either token program.
    pub fn from_account(address: Pubkey, owner: &Pubkey, data: &[u8], side: u8) -> Result<Self> {
        let mint = Mint::from_account(owner, data).map_err(|source| MarketError::Decode {
            account: address,
            role: AccountRole::Mint(side),
            source,
        })?;
        Ok(Self {
            address,
            decimals: mint.decimals(),
            program: mint.program(),
            transfer_fee: mint.transfer_fee_config().map(|c| TransferFeeConfig {
                older: TransferFee::new(
                    c.older_transfer_fee.transfer_fee_basis_points,
                    c.older_transfer_fee.maximum_fee,
                ),
                newer: TransferFee::new(
                    c.newer_transfer_fee.transfer_fee_basis_points,
                    c.newer_transfer_fee.maximum_fee,
                ),
                newer_epoch: c.newer_transfer_fee.epoch,
            }),
            blocker: mint.swap_blocker(),
        })
    }

    /// The transfer fee in force at `epoch`, or `None` where transfers are free.
    pub fn transfer_fee_at(&self, epoch: u64) -> Option<TransferFee> {
        let fee = self.transfer_fee.as_ref()?.at_epoch(epoch);
        (fee.basis_points > 0).then_some(fee)
    }

    /// `Ok` unless an extension makes swaps of this token impossible or unpredictable.
    ///
    /// # Errors
    /// [`MarketError::Unquotable`] naming the extension.
    pub fn check_quotable(&self) -> Result<()> {
        match self.blocker {
            Some(blocker) => Err(MarketError::Unquotable {
                mint: self.address,
                blocker,
            }),
            None => Ok(()),
        }
    }
}
