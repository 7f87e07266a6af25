//! The latest state of every account, and which pools each account belongs to.
//!
//! A pool's composite view is its pool account, its two vaults, its fee config (CPMM, CLMM)
//! and the tick or bin arrays that name it. Arrays are routed to their pool by their own
//! content (each names its pool), so any source works without address derivation. The
//! pipeline applies a whole batch of updates before it rebuilds any pool, so a swap that
//! changed a pool and its vaults in one slot is seen whole.

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use decoder::{DecodeError, DecodedAccount, Pubkey, decode_account};

use super::model::{PoolShape, shape};
use crate::source::AccountUpdate;

/// One account's latest state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub pubkey: Pubkey,
    pub owner: Pubkey,
    pub data: Bytes,
    pub slot: u64,
    pub write_version: Option<u64>,
    pub received_at_us: u64,
}

/// A tracked pool.
#[derive(Debug, Clone)]
pub struct PoolRecord {
    pub shape: PoolShape,
}

/// What applying an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Stored; these pools may have changed.
    Affects(Vec<Pubkey>),
    /// Older than (or the same as) the stored state: ignored.
    OutOfOrder,
    /// Stored, but no tracked pool uses it (yet).
    Unused,
    /// Could not be decoded.
    Undecodable(DecodeError),
}

/// Accounts and pools.
#[derive(Debug, Default)]
pub struct MarketState {
    accounts: HashMap<Pubkey, StoredAccount>,
    pools: HashMap<Pubkey, PoolRecord>,
    /// Vault or config → the pools that use it.
    dependents: HashMap<Pubkey, BTreeSet<Pubkey>>,
    /// Pool → its tick or bin arrays (also those that arrived before the pool).
    arrays: HashMap<Pubkey, BTreeSet<Pubkey>>,
}

impl MarketState {
    pub fn account(&self, key: &Pubkey) -> Option<&StoredAccount> {
        self.accounts.get(key)
    }

    pub fn pool(&self, key: &Pubkey) -> Option<&PoolRecord> {
        self.pools.get(key)
    }

    pub fn pools(&self) -> impl Iterator<Item = (&Pubkey, &PoolRecord)> {
        self.pools.iter()
    }

    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Stores an update (unless an equal or newer one is stored) and says which pools it
    /// touches.
    pub fn apply(&mut self, update: AccountUpdate) -> Applied {
        if let Some(existing) = self.accounts.get(&update.pubkey) {
            let position = (update.slot, update.write_version.unwrap_or(0));
            let stored = (existing.slot, existing.write_version.unwrap_or(0));
            if position < stored || (position == stored && existing.data == update.data) {
                return Applied::OutOfOrder;
            }
        }
        let key = update.pubkey;
        let decoded = decode_account(&update.owner, &update.data);
        let affects = match &decoded {
            Err(e) => {
                let e = e.clone();
                self.store(update);
                return Applied::Undecodable(e);
            }
            Ok(d) => self.route(key, d),
        };
        self.store(update);
        if affects.is_empty() {
            Applied::Unused
        } else {
            Applied::Affects(affects)
        }
    }

    fn store(&mut self, update: AccountUpdate) {
        self.accounts.insert(
            update.pubkey,
            StoredAccount {
                pubkey: update.pubkey,
                owner: update.owner,
                data: update.data,
                slot: update.slot,
                write_version: update.write_version,
                received_at_us: update.received_at_us,
            },
        );
    }

    /// Registers pools and arrays from their content; returns the pools an account touches.
    fn route(&mut self, key: Pubkey, decoded: &DecodedAccount<'_>) -> Vec<Pubkey> {
        if let Some(shape) = shape(decoded) {
            let known = self.pools.get(&key).map(|p| p.shape.clone());
            if known.as_ref() != Some(&shape) {
                for dep in [Some(shape.vault_a), Some(shape.vault_b), shape.config]
                    .into_iter()
                    .flatten()
                {
                    self.dependents.entry(dep).or_default().insert(key);
                }
                self.pools.insert(key, PoolRecord { shape });
            }
            return vec![key];
        }
        let owner_pool = match decoded {
            DecodedAccount::WhirlpoolTickArray(t) => Some(t.whirlpool()),
            DecodedAccount::RaydiumClmmTickArray(t) => Some(t.pool_id()),
            DecodedAccount::DlmmBinArray(b) => Some(b.lb_pair()),
            _ => None,
        };
        if let Some(pool) = owner_pool {
            // Arrays may arrive before their pool: they are kept under the pool they name.
            self.arrays.entry(pool).or_default().insert(key);
            return vec![pool];
        }
        self.dependents
            .get(&key)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The arrays that belong to a pool, including ones that arrived before it.
    pub fn arrays_of(&self, pool: &Pubkey) -> Vec<&StoredAccount> {
        self.arrays
            .get(pool)
            .map(|keys| keys.iter().filter_map(|k| self.accounts.get(k)).collect())
            .unwrap_or_default()
    }
}
