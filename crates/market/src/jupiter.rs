//! [`Pool`] behind jupiter-amm-interface's `Amm` trait (feature `jupiter`), for routers built
//! on it. Quotes are this crate's: complete and exact, transfer fees included.
//!
//! The adapter quotes; it does not build swap instructions
//! (`get_swap_and_account_metas` answers an error), since dexmon routes no transactions.

use std::sync::atomic::Ordering;

use anyhow::{Result, anyhow};
use jupiter_amm_interface::{
    AccountMap, Amm, AmmContext, ClockRef, KeyedAccount, Quote, QuoteParams, SwapAndAccountMetas,
    SwapMode as JupiterSwapMode, SwapParams,
};
use rust_decimal::Decimal;
use solana_pubkey::Pubkey;

use crate::{MarketError, Pool, QuoteClock, SwapMode};

/// A [`Pool`] that implements `jupiter_amm_interface::Amm`, reading the chain clock from the
/// router's shared `ClockRef`.
#[derive(Clone)]
pub struct JupiterPool {
    pool: Pool,
    clock: ClockRef,
}

impl std::fmt::Debug for JupiterPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JupiterPool")
            .field("pool", &self.pool.address())
            .finish_non_exhaustive()
    }
}

impl JupiterPool {
    /// The wrapped pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    fn quote_clock(&self) -> QuoteClock {
        QuoteClock {
            slot: self.clock.slot.load(Ordering::Relaxed),
            epoch: self.clock.epoch.load(Ordering::Relaxed),
            unix_timestamp: self.clock.unix_timestamp.load(Ordering::Relaxed),
        }
    }
}

impl Amm for JupiterPool {
    fn from_keyed_account(keyed_account: &KeyedAccount, amm_context: &AmmContext) -> Result<Self> {
        let pool = Pool::from_keyed_account(
            keyed_account.key,
            &keyed_account.account.owner,
            &keyed_account.account.data,
        )?;
        Ok(Self {
            pool,
            clock: amm_context.clock_ref.clone(),
        })
    }

    fn label(&self) -> String {
        self.pool.kind().to_string()
    }

    fn program_id(&self) -> Pubkey {
        self.pool.kind().program_id()
    }

    fn key(&self) -> Pubkey {
        self.pool.address()
    }

    fn get_reserve_mints(&self) -> Vec<Pubkey> {
        self.pool.accounts().mints.to_vec()
    }

    fn get_accounts_to_update(&self) -> Vec<Pubkey> {
        self.pool.accounts_to_update().into_iter().collect()
    }

    /// Takes every account in the map this pool uses; arrays that do not exist yet on chain
    /// are simply absent. An account that does not fit its role is an error.
    fn update(&mut self, account_map: &AccountMap) -> Result<()> {
        // The pool account first: it decides which arrays are followed.
        let address = self.pool.address();
        if let Some(account) = account_map.get(&address) {
            self.pool.update(&address, &account.owner, &account.data)?;
        }
        for (key, account) in account_map.iter().filter(|(k, _)| **k != address) {
            match self.pool.update(key, &account.owner, &account.data) {
                Ok(_) | Err(MarketError::NotUsed(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn quote(&self, quote_params: &QuoteParams) -> Result<Quote> {
        let mode = match quote_params.swap_mode {
            JupiterSwapMode::ExactIn => SwapMode::ExactIn,
            JupiterSwapMode::ExactOut => SwapMode::ExactOut,
        };
        let direction = self.pool.direction_from(&quote_params.input_mint)?;
        let output = self.pool.accounts().mints[match direction {
            crate::Direction::AToB => 1,
            crate::Direction::BToA => 0,
        }];
        if output != quote_params.output_mint {
            return Err(MarketError::UnknownMint(quote_params.output_mint).into());
        }
        let q = self.pool.quote(
            &quote_params.input_mint,
            quote_params.amount,
            mode,
            self.quote_clock(),
        )?;
        if !q.is_complete() {
            return Err(anyhow!(
                "the known liquidity fills only {} of {} ({:?})",
                match mode {
                    SwapMode::ExactIn => q.amount_in,
                    SwapMode::ExactOut => q.amount_out,
                },
                quote_params.amount,
                q.fill
            ));
        }
        let fee_pct = if q.amount_in == 0 {
            Decimal::ZERO
        } else {
            Decimal::from(q.fee) / Decimal::from(q.amount_in)
        };
        Ok(Quote {
            in_amount: q.amount_in,
            out_amount: q.amount_out,
            fee_amount: q.fee,
            fee_mint: quote_params.input_mint,
            fee_pct,
        })
    }

    fn get_swap_and_account_metas(&self, _swap_params: &SwapParams) -> Result<SwapAndAccountMetas> {
        Err(anyhow!(
            "dexmon's market adapter quotes only; it builds no swap instructions"
        ))
    }

    fn supports_exact_out(&self) -> bool {
        true
    }

    fn has_dynamic_accounts(&self) -> bool {
        // Concentrated pools follow the arrays around a moving price.
        self.pool.array_window_centre().is_some()
    }

    fn clone_amm(&self) -> Box<dyn Amm + Send + Sync> {
        Box::new(self.clone())
    }

    fn get_accounts_len(&self) -> usize {
        self.pool.accounts_to_update().len()
    }
}
