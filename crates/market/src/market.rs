//! Many pools, and the routing of each account update to the pools that need it.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use decoder::{DecodeError, DecodedAccount, Pubkey, decode_account};

use crate::error::MarketError;
use crate::pool::{DEFAULT_ARRAY_RADIUS, Pool, PoolAccounts, array_owner};
use crate::{PoolKind, PoolSnapshot, QuoteClock};

/// Accounts held for pools that have not been seen yet, at most.
pub const MAX_PARKED_ACCOUNTS: usize = 65_536;

/// One account's new state, as a source delivers it.
#[derive(Debug, Clone, Copy)]
pub struct AccountUpdate<'a> {
    /// The account.
    pub pubkey: Pubkey,
    /// Its owner program.
    pub owner: Pubkey,
    /// Its bytes.
    pub data: &'a [u8],
    /// The slot of this state.
    pub slot: u64,
    /// Orders writes of one account within a slot (Geyser's `write_version`), when known.
    pub write_version: Option<u64>,
}

/// What applying an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Taken; these pools may quote differently now.
    Affects(Vec<Pubkey>),
    /// Older than, or the same as, the state already held: ignored.
    Stale,
    /// Kept for a pool that has not been seen yet, or used by no pool.
    Unused,
    /// The bytes do not decode as any account this crate knows.
    Undecodable(DecodeError),
    /// The account decoded but does not fit its role in a pool (the pool keeps its previous
    /// state of it).
    Rejected(MarketError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    slot: u64,
    write_version: u64,
    digest: u64,
}

/// Many pools fed by one stream of account updates.
///
/// - Pools join by their own account arriving (or [`Market::add_pool`]); accounts that
///   arrive before their pool are parked and handed over when it comes.
/// - Each update is routed to the pools that need it: by address for vaults, mints, configs,
///   oracles and bitmap extensions, by content for tick and bin arrays (each names its pool).
/// - An update older than the state held (by slot, then write version) never replaces it.
///
/// ```
/// use market::{AccountUpdate, Applied, Market};
/// let mut market = Market::default();
/// let update = AccountUpdate {
///     pubkey: solana_pubkey::Pubkey::new_unique(),
///     owner: solana_pubkey::Pubkey::new_unique(),
///     data: &[1, 2, 3],
///     slot: 1,
///     write_version: None,
/// };
/// assert!(matches!(market.apply(update), Applied::Undecodable(_)));
/// assert_eq!(market.pools().count(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Market {
    pools: HashMap<Pubkey, Pool>,
    /// Non-array dependency → the pools that use it.
    routes: HashMap<Pubkey, Vec<Pubkey>>,
    positions: HashMap<Pubkey, Position>,
    /// The latest state of every non-array account (vaults, mints, configs, ...): a pool that
    /// joins later gets the ones it shares with others, such as a mint.
    shared: HashMap<Pubkey, (Pubkey, Vec<u8>)>,
    /// Arrays whose pool has not been seen yet.
    parked_arrays: HashMap<Pubkey, (Pubkey, Vec<u8>)>,
    array_radius: u32,
}

impl Default for Market {
    fn default() -> Self {
        Self::new(DEFAULT_ARRAY_RADIUS)
    }
}

impl Market {
    /// An empty market whose pools follow `array_radius` arrays either side of the price.
    pub fn new(array_radius: u32) -> Self {
        Self {
            pools: HashMap::new(),
            routes: HashMap::new(),
            positions: HashMap::new(),
            shared: HashMap::new(),
            parked_arrays: HashMap::new(),
            array_radius,
        }
    }

    /// The pool at `address`.
    pub fn pool(&self, address: &Pubkey) -> Option<&Pool> {
        self.pools.get(address)
    }

    /// Every pool.
    pub fn pools(&self) -> impl Iterator<Item = &Pool> {
        self.pools.values()
    }

    /// A pool's complete quoting state at `clock`.
    ///
    /// # Errors
    /// As [`Pool::snapshot`]; [`MarketError::NotAPool`] for an unknown address.
    pub fn snapshot(
        &self,
        address: &Pubkey,
        clock: QuoteClock,
    ) -> Result<PoolSnapshot, MarketError> {
        self.pools
            .get(address)
            .ok_or(MarketError::NotAPool(*address))?
            .snapshot(clock)
    }

    /// Every account the pools need now (see [`Pool::accounts_to_update`]).
    pub fn accounts_to_update(&self) -> BTreeSet<Pubkey> {
        self.pools
            .values()
            .flat_map(Pool::accounts_to_update)
            .collect()
    }

    /// Adds a pool from its account, handing it any accounts parked for it.
    ///
    /// # Errors
    /// As [`Pool::from_keyed_account`].
    pub fn add_pool(
        &mut self,
        address: Pubkey,
        owner: &Pubkey,
        data: &[u8],
    ) -> Result<&Pool, MarketError> {
        let pool = Pool::with_array_radius(address, owner, data, self.array_radius)?;
        self.insert_pool(pool);
        self.pools
            .get(&address)
            .ok_or(MarketError::NotAPool(address))
    }

    /// Removes a pool; accounts only it used are no longer routed. The pool's own account
    /// and its arrays are forgotten too, so a pool added back later is rebuilt from their
    /// next writes, even ones identical to what was held.
    pub fn remove_pool(&mut self, address: &Pubkey) -> Option<Pool> {
        let pool = self.pools.remove(address)?;
        self.unroute(&pool);
        self.positions.remove(address);
        for array in pool.held_arrays() {
            self.positions.remove(&array);
        }
        Some(pool)
    }

    fn insert_pool(&mut self, pool: Pool) {
        let address = pool.address();
        if let Some(old) = self.pools.remove(&address) {
            self.unroute(&old);
        }
        for dep in pool.accounts().iter() {
            let users = self.routes.entry(dep).or_default();
            if !users.contains(&address) {
                users.push(address);
            }
        }
        self.pools.insert(address, pool);
        // Hand over what arrived first: dependencies by address, arrays by content.
        let Some(pool) = self.pools.get_mut(&address) else {
            return;
        };
        for key in pool.accounts().iter().collect::<Vec<_>>() {
            if let Some((owner, data)) = self.shared.get(&key) {
                // A held account that does not fit its role is left out, as it would have
                // been rejected on arrival.
                let _ = pool.update(&key, owner, data);
            }
        }
        let arrays: Vec<Pubkey> = self
            .parked_arrays
            .iter()
            .filter(|(_, (owner, data))| {
                decode_account(owner, data)
                    .ok()
                    .and_then(|d| array_owner(&d))
                    == Some(address)
            })
            .map(|(key, _)| *key)
            .collect();
        for key in arrays {
            if let Some((owner, data)) = self.parked_arrays.remove(&key) {
                let _ = pool.update(&key, &owner, &data);
            }
        }
    }

    fn unroute(&mut self, pool: &Pool) {
        self.unroute_accounts(&pool.address(), pool.accounts());
    }

    fn unroute_accounts(&mut self, address: &Pubkey, accounts: &PoolAccounts) {
        for dep in accounts.iter() {
            if let Some(users) = self.routes.get_mut(&dep) {
                users.retain(|p| p != address);
                if users.is_empty() {
                    self.routes.remove(&dep);
                }
            }
        }
    }

    /// Applies one account update and says which pools it touched.
    pub fn apply(&mut self, update: AccountUpdate<'_>) -> Applied {
        let mut hasher = DefaultHasher::new();
        update.data.hash(&mut hasher);
        update.owner.hash(&mut hasher);
        let position = Position {
            slot: update.slot,
            write_version: update.write_version.unwrap_or(0),
            digest: hasher.finish(),
        };
        if let Some(held) = self.positions.get(&update.pubkey) {
            let order =
                (position.slot, position.write_version).cmp(&(held.slot, held.write_version));
            if order.is_lt() || (order.is_eq() && position.digest == held.digest) {
                return Applied::Stale;
            }
        }
        let decoded = match decode_account(&update.owner, update.data) {
            Ok(d) => d,
            Err(e) => return Applied::Undecodable(e),
        };
        self.positions.insert(update.pubkey, position);
        let key = update.pubkey;
        if PoolKind::of(&decoded).is_some() {
            return match self.pools.get_mut(&key) {
                Some(pool) => {
                    let before = *pool.accounts();
                    match pool.update(&key, &update.owner, update.data) {
                        Ok(_) if *pool.accounts() == before => Applied::Affects(vec![key]),
                        Ok(_) => {
                            // Vaults or mints changed (a re-initialized account): re-route.
                            if let Some(pool) = self.pools.remove(&key) {
                                self.unroute_accounts(&key, &before);
                                self.insert_pool(pool);
                            }
                            Applied::Affects(vec![key])
                        }
                        Err(e) => Applied::Rejected(e),
                    }
                }
                None => match Pool::with_array_radius(
                    key,
                    &update.owner,
                    update.data,
                    self.array_radius,
                ) {
                    Ok(pool) => {
                        self.insert_pool(pool);
                        Applied::Affects(vec![key])
                    }
                    Err(e) => Applied::Rejected(e),
                },
            };
        }
        let array_pool = array_owner(&decoded);
        let targets: Vec<Pubkey> = match array_pool {
            Some(pool) => vec![pool],
            None => self.routes.get(&key).cloned().unwrap_or_default(),
        };
        let targets: Vec<Pubkey> = targets
            .into_iter()
            .filter(|p| self.pools.contains_key(p))
            .collect();
        let held = if array_pool.is_some() {
            &mut self.parked_arrays
        } else {
            &mut self.shared
        };
        if array_pool.is_none() || targets.is_empty() {
            let routed = !targets.is_empty();
            if routed || held.len() < MAX_PARKED_ACCOUNTS || held.contains_key(&key) {
                held.insert(key, (update.owner, update.data.to_vec()));
            }
        }
        if targets.is_empty() {
            return Applied::Unused;
        }
        let mut affects = Vec::with_capacity(targets.len());
        let mut rejection = None;
        for address in targets {
            let Some(pool) = self.pools.get_mut(&address) else {
                continue;
            };
            match pool.update(&key, &update.owner, update.data) {
                Ok(_) => affects.push(address),
                Err(e) => rejection = Some(e),
            }
        }
        match (affects.is_empty(), rejection) {
            (true, Some(e)) => Applied::Rejected(e),
            (true, None) => Applied::Unused,
            (false, _) => Applied::Affects(affects),
        }
    }

    /// Whether `decoded` is an account kind a pool can use (for callers that filter early).
    pub fn is_pool_account(decoded: &DecodedAccount<'_>) -> bool {
        PoolKind::of(decoded).is_some()
    }
}
