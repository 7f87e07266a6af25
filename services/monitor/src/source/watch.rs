//! Which accounts a live source must follow: the configured pools and everything each one
//! needs to be priced, found from the decoded pool itself.
//!
//! For every pool that is what `market` says it needs ([`market::Pool::accounts_to_update`]):
//! its vaults and mints, its fee config (CPMM, CLMM), the adaptive-fee oracle (Orca), the
//! bitmap extension (CLMM, DLMM), and the tick or bin arrays within `array_radius` arrays of
//! the current price. When a pool's price leaves its window, [`Watchlist::observe`] says so
//! and the source re-subscribes. Pools join ([`Watchlist::add`]) and leave
//! ([`Watchlist::remove`]) while running.

use std::collections::{BTreeMap, BTreeSet};

use decoder::Pubkey;
use market::Pool;

/// What one pool needs, and the array window it was computed for.
#[derive(Debug, Clone)]
struct PoolNeeds {
    /// The pool as last seen; it knows its program-derived addresses.
    pool: Pool,
    /// Every account it needs besides itself (vaults, mints, config, oracle, bitmap extension,
    /// arrays around the price).
    accounts: BTreeSet<Pubkey>,
    /// The array index holding the price; a change moves the window.
    window_centre: Option<i64>,
}

/// The configured pools and what each needs, as far as the pools have been seen. Which
/// accounts a pool needs is `market`'s knowledge ([`Pool::accounts_to_update`]); this type
/// only notices when the answer changes.
#[derive(Debug, Clone)]
pub struct Watchlist {
    pools: BTreeSet<Pubkey>,
    radius: u32,
    needs: BTreeMap<Pubkey, PoolNeeds>,
}

impl Watchlist {
    /// Follows `pools`, with `radius` arrays either side of each concentrated pool's price.
    pub fn new(pools: impl IntoIterator<Item = Pubkey>, radius: u32) -> Self {
        Self {
            pools: pools.into_iter().collect(),
            radius,
            needs: BTreeMap::new(),
        }
    }

    /// The configured pools.
    pub fn pools(&self) -> &BTreeSet<Pubkey> {
        &self.pools
    }

    /// Arrays followed either side of each concentrated pool's price.
    pub fn radius(&self) -> u32 {
        self.radius
    }

    /// Follows one more pool. True when it was not followed yet.
    pub fn add(&mut self, pool: Pubkey) -> bool {
        self.pools.insert(pool)
    }

    /// Stops following a pool and what only it needed. True when it was followed.
    pub fn remove(&mut self, pool: &Pubkey) -> bool {
        self.needs.remove(pool);
        self.pools.remove(pool)
    }

    /// Takes note of an account's new state. True when the set of accounts to follow changed
    /// (a pool was seen for the first time, or its price left its array window).
    pub fn observe(&mut self, pubkey: &Pubkey, owner: &Pubkey, data: &[u8]) -> bool {
        if !self.pools.contains(pubkey) {
            return false;
        }
        if let Some(known) = self.needs.get_mut(pubkey) {
            let before = *known.pool.accounts();
            if known.pool.update(pubkey, owner, data).is_err() {
                return false;
            }
            let centre = known.pool.array_window_centre();
            if centre == known.window_centre && *known.pool.accounts() == before {
                return false;
            }
            known.window_centre = centre;
            known.accounts = needed(&known.pool);
            return true;
        }
        let Ok(pool) = Pool::with_array_radius(*pubkey, owner, data, self.radius) else {
            return false;
        };
        let needs = PoolNeeds {
            accounts: needed(&pool),
            window_centre: pool.array_window_centre(),
            pool,
        };
        self.needs.insert(*pubkey, needs);
        true
    }

    /// Every account to follow: the pools and what the seen pools need, sorted.
    pub fn accounts(&self) -> BTreeSet<Pubkey> {
        let mut all = self.pools.clone();
        for needs in self.needs.values() {
            all.extend(needs.accounts.iter().copied());
        }
        all
    }

    /// The configured pool an account is followed for, if any (the pool itself included).
    pub fn pool_of(&self, account: &Pubkey) -> Option<Pubkey> {
        if self.pools.contains(account) {
            return Some(*account);
        }
        self.needs
            .iter()
            .find(|(_, n)| n.accounts.contains(account))
            .map(|(pool, _)| *pool)
    }

    /// Pools that have not been seen yet.
    pub fn unseen(&self) -> impl Iterator<Item = &Pubkey> {
        self.pools.iter().filter(|p| !self.needs.contains_key(p))
    }
}

/// What a pool needs besides itself.
fn needed(pool: &Pool) -> BTreeSet<Pubkey> {
    let mut accounts = pool.accounts_to_update();
    accounts.remove(&pool.address());
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;
    use decoder::test_utils::all_fixtures;
    use decoder::{DecodedAccount, decode_account};

    /// A fixture as (pubkey, owner, data, kind, pool).
    struct Account {
        pubkey: Pubkey,
        owner: Pubkey,
        data: Vec<u8>,
        kind: String,
    }

    /// The shared fixtures; `None` (with a notice) where they are absent outside CI, which
    /// `all_fixtures` turns into a failure under `CI=true`.
    fn fixtures() -> Option<Vec<Account>> {
        let all = all_fixtures()?;
        Some(
            all.into_iter()
                .map(|f| Account {
                    pubkey: f.pubkey.parse().unwrap(),
                    owner: f.account.owner,
                    data: f.account.data,
                    kind: f.kind,
                })
                .collect(),
        )
    }

    #[test]
    fn a_pool_needs_its_vaults_mints_and_window() {
        let Some(all) = fixtures() else { return };
        let pool = all
            .iter()
            .find(|f| f.kind == "orca-whirlpool.Whirlpool")
            .unwrap();
        let mut watch = Watchlist::new([pool.pubkey], 1);
        assert_eq!(watch.accounts().len(), 1);
        assert!(watch.observe(&pool.pubkey, &pool.owner, &pool.data));
        assert!(
            !watch.observe(&pool.pubkey, &pool.owner, &pool.data),
            "same window again"
        );
        let accounts = watch.accounts();
        // pool, two vaults, two mints, three arrays
        assert_eq!(accounts.len(), 8, "{accounts:?}");
        assert_eq!(watch.unseen().count(), 0);
    }

    #[test]
    fn a_price_move_across_arrays_shifts_the_window() {
        let Some(all) = fixtures() else { return };
        let pool = all
            .iter()
            .find(|f| f.kind == "orca-whirlpool.Whirlpool")
            .unwrap();
        let decoded = decode_account(&pool.owner, &pool.data).unwrap();
        let DecodedAccount::Whirlpool(w) = decoded else {
            unreachable!()
        };
        let span = 88 * i32::from(w.tick_spacing());
        let mut moved = pool.data.clone();
        let tick = w.tick_current_index() + span;
        let at = decoder::orca::whirlpool::offset::TICK_CURRENT_INDEX;
        moved[at..at + 4].copy_from_slice(&tick.to_le_bytes());
        let DecodedAccount::Whirlpool(m) = decode_account(&pool.owner, &moved).unwrap() else {
            unreachable!()
        };
        assert_eq!(m.tick_current_index(), tick);
        let mut watch = Watchlist::new([pool.pubkey], 1);
        watch.observe(&pool.pubkey, &pool.owner, &pool.data);
        let before = watch.accounts();
        assert!(watch.observe(&pool.pubkey, &pool.owner, &moved));
        let after = watch.accounts();
        assert_eq!(before.len(), after.len());
        assert_eq!(
            before.difference(&after).count(),
            1,
            "one array left the window"
        );
    }

    #[test]
    fn accounts_that_are_not_configured_pools_change_nothing() {
        let Some(all) = fixtures() else { return };
        let mut watch = Watchlist::new([Pubkey::new_unique()], 2);
        for f in &all {
            assert!(!watch.observe(&f.pubkey, &f.owner, &f.data));
        }
        assert!(!watch.observe(
            &watch.pools().first().copied().unwrap(),
            &decoder::SPL_TOKEN,
            &[1, 2]
        ));
    }
}
