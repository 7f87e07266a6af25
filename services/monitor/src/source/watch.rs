//! Which accounts a live source must follow: the configured pools and everything each one
//! needs to be priced, found from the decoded pool itself.
//!
//! For every pool that is its vaults and mints, its fee config (CPMM, CLMM), its tick-array
//! bitmap extension (CLMM, DLMM), and the tick or bin arrays within `array_radius` arrays of
//! the current price. Array addresses are program-derived (the same seeds the programs use),
//! so the window can be computed before the arrays arrive. When a pool's price leaves its
//! window, [`Watchlist::observe`] says so and the source re-subscribes.

use std::collections::{BTreeMap, BTreeSet};

use decoder::{DecodedAccount, Pubkey, decode_account};

use crate::pipeline::model::shape;

/// Ticks per Orca Whirlpool tick array (fixed and dynamic arrays cover the same range).
const ORCA_TICKS_PER_ARRAY: i32 = 88;
/// Ticks per Raydium CLMM tick array.
const RAYDIUM_TICKS_PER_ARRAY: i32 = 60;

/// What one pool needs, and the array window it was computed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolAccounts {
    /// Vaults, mints, fee config and bitmap extension.
    pub dependencies: BTreeSet<Pubkey>,
    /// Tick or bin arrays around the current price.
    pub arrays: BTreeSet<Pubkey>,
    /// The array index holding the current price; a change moves the window.
    pub window_centre: Option<i64>,
}

/// The accounts one pool account needs, or `None` for an account that is not a pool.
pub fn pool_accounts(
    pool: &Pubkey,
    decoded: &DecodedAccount<'_>,
    radius: u32,
) -> Option<PoolAccounts> {
    let shape = shape(decoded)?;
    let mut dependencies: BTreeSet<Pubkey> =
        [shape.vault_a, shape.vault_b, shape.mint_a, shape.mint_b]
            .into_iter()
            .collect();
    dependencies.extend(shape.config);
    let radius = i64::from(radius);
    // The arrays `radius` either side of the one holding `tick`, each `span` ticks wide.
    let tick_window = |tick: i32, span: i32, address: &dyn Fn(i32) -> Pubkey| {
        let centre = i64::from(tick.div_euclid(span));
        let arrays = (centre - radius..=centre + radius)
            .filter_map(|i| i32::try_from(i * i64::from(span)).ok())
            .map(address)
            .collect();
        (arrays, Some(centre))
    };
    let (arrays, centre) = match decoded {
        DecodedAccount::Whirlpool(p) => tick_window(
            p.tick_current_index(),
            ORCA_TICKS_PER_ARRAY * i32::from(p.tick_spacing().max(1)),
            &|start| whirlpool_tick_array(pool, start),
        ),
        DecodedAccount::RaydiumClmmPool(p) => {
            dependencies.insert(raydium_clmm_bitmap_extension(pool));
            tick_window(
                p.tick_current(),
                RAYDIUM_TICKS_PER_ARRAY * i32::from(p.tick_spacing().max(1)),
                &|start| raydium_clmm_tick_array(pool, start),
            )
        }
        DecodedAccount::DlmmLbPair(p) => {
            dependencies.insert(dlmm_bitmap_extension(pool));
            let centre = pricing::dlmm::bin_id_to_array_index(p.active_id());
            let arrays = (centre - radius..=centre + radius)
                .map(|index| dlmm_bin_array(pool, index))
                .collect();
            (arrays, Some(centre))
        }
        _ => (BTreeSet::new(), None),
    };
    Some(PoolAccounts {
        dependencies,
        arrays,
        window_centre: centre,
    })
}

/// An Orca tick array's address: seeds `["tick_array", whirlpool, start as decimal text]`.
pub fn whirlpool_tick_array(whirlpool: &Pubkey, start_tick_index: i32) -> Pubkey {
    let start = start_tick_index.to_string();
    Pubkey::find_program_address(
        &[b"tick_array", whirlpool.as_ref(), start.as_bytes()],
        &decoder::ORCA_WHIRLPOOL,
    )
    .0
}

/// A Raydium CLMM tick array's address: seeds `["tick_array", pool, start as i32 big-endian]`.
pub fn raydium_clmm_tick_array(pool: &Pubkey, start_tick_index: i32) -> Pubkey {
    Pubkey::find_program_address(
        &[
            b"tick_array",
            pool.as_ref(),
            &start_tick_index.to_be_bytes(),
        ],
        &decoder::RAYDIUM_CLMM,
    )
    .0
}

/// A Raydium CLMM pool's tick-array bitmap extension.
pub fn raydium_clmm_bitmap_extension(pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[b"pool_tick_array_bitmap_extension", pool.as_ref()],
        &decoder::RAYDIUM_CLMM,
    )
    .0
}

/// A Meteora DLMM bin array's address: seeds `["bin_array", lb_pair, index as i64 little-endian]`.
pub fn dlmm_bin_array(lb_pair: &Pubkey, index: i64) -> Pubkey {
    Pubkey::find_program_address(
        &[b"bin_array", lb_pair.as_ref(), &index.to_le_bytes()],
        &decoder::METEORA_DLMM,
    )
    .0
}

/// A Meteora DLMM pair's bin-array bitmap extension.
pub fn dlmm_bitmap_extension(lb_pair: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"bitmap", lb_pair.as_ref()], &decoder::METEORA_DLMM).0
}

/// The configured pools and what each needs, as far as the pools have been seen.
#[derive(Debug, Clone)]
pub struct Watchlist {
    pools: BTreeSet<Pubkey>,
    radius: u32,
    needs: BTreeMap<Pubkey, PoolAccounts>,
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

    /// Takes note of an account's new state. True when the set of accounts to follow changed
    /// (a pool was seen for the first time, or its price left its array window).
    pub fn observe(&mut self, pubkey: &Pubkey, owner: &Pubkey, data: &[u8]) -> bool {
        if !self.pools.contains(pubkey) {
            return false;
        }
        let Ok(decoded) = decode_account(owner, data) else {
            return false;
        };
        let Some(needs) = pool_accounts(pubkey, &decoded, self.radius) else {
            return false;
        };
        if self.needs.get(pubkey) == Some(&needs) {
            return false;
        }
        self.needs.insert(*pubkey, needs);
        true
    }

    /// Every account to follow: the pools and what the seen pools need, sorted.
    pub fn accounts(&self) -> BTreeSet<Pubkey> {
        let mut all = self.pools.clone();
        for needs in self.needs.values() {
            all.extend(needs.dependencies.iter().copied());
            all.extend(needs.arrays.iter().copied());
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
            .find(|(_, n)| n.dependencies.contains(account) || n.arrays.contains(account))
            .map(|(pool, _)| *pool)
    }

    /// Pools that have not been seen yet.
    pub fn unseen(&self) -> impl Iterator<Item = &Pubkey> {
        self.pools.iter().filter(|p| !self.needs.contains_key(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use decoder::test_utils::all_fixtures;

    /// A fixture as (pubkey, owner, data, kind, pool).
    struct Account {
        pubkey: Pubkey,
        owner: Pubkey,
        data: Vec<u8>,
        kind: String,
        pool: Option<String>,
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
                    pool: f.pool,
                })
                .collect(),
        )
    }

    /// The derived windows contain the real arrays that mainnet pools keep around their price.
    #[test]
    fn derived_array_addresses_match_real_arrays() {
        let Some(all) = fixtures() else { return };
        let mut matched = 0;
        for pool in all.iter().filter(|f| {
            matches!(
                f.kind.as_str(),
                "orca-whirlpool.Whirlpool" | "meteora-dlmm.LbPair" | "raydium-clmm.PoolState"
            )
        }) {
            let decoded = decode_account(&pool.owner, &pool.data).unwrap();
            let needs = pool_accounts(&pool.pubkey, &decoded, 8).unwrap();
            let arrays: Vec<_> = all
                .iter()
                .filter(|f| f.pool.as_deref() == Some(pool.pubkey.to_string().as_str()))
                .filter(|f| f.kind.contains("Array"))
                .collect();
            for array in arrays {
                // Fixture arrays can be far from the price; when they are inside the window
                // they must be found there, and every one must be a derivable address.
                let start = match decode_account(&array.owner, &array.data).unwrap() {
                    DecodedAccount::WhirlpoolTickArray(t) => {
                        whirlpool_tick_array(&pool.pubkey, t.start_tick_index())
                    }
                    DecodedAccount::RaydiumClmmTickArray(t) => {
                        raydium_clmm_tick_array(&pool.pubkey, t.start_tick_index())
                    }
                    DecodedAccount::DlmmBinArray(b) => dlmm_bin_array(&pool.pubkey, b.index()),
                    other => panic!("{}: not an array: {other:?}", array.pubkey),
                };
                assert_eq!(
                    start, array.pubkey,
                    "{} derives to another address",
                    array.pubkey
                );
                matched += 1;
                if needs.window_centre.is_some() {
                    // every derived window address is distinct
                    assert_eq!(needs.arrays.len(), 17);
                }
            }
        }
        assert!(matched >= 10, "only {matched} arrays checked");
        eprintln!("{matched} real array addresses re-derived");
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
