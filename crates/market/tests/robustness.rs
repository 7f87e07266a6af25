//! Properties over the real fixture pools: no input panics the market, and quotes keep the
//! programs' promises.

use std::sync::OnceLock;

use market::test_utils::{COMPLETE_POOLS, fixture_market, pubkey};
use market::{AccountUpdate, Market, QuoteClock, SwapMode};
use pricing::Direction;
use proptest::prelude::*;

fn base() -> Option<&'static (Market, Vec<decoder::test_utils::Fixture>)> {
    static BASE: OnceLock<Option<(Market, Vec<decoder::test_utils::Fixture>)>> = OnceLock::new();
    BASE.get_or_init(|| fixture_market(8)).as_ref()
}

fn clock(epoch: u64, unix: i64) -> QuoteClock {
    QuoteClock {
        slot: epoch * 432_000,
        epoch,
        unix_timestamp: unix,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Corrupted, truncated or random bytes for any account a pool uses never panic, and the
    /// pools still answer quotes (with an error or a number).
    #[test]
    fn corrupted_accounts_never_panic(
        target in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        cut in prop::option::of(any::<prop::sample::Index>()),
        random in prop::option::of(prop::collection::vec(any::<u8>(), 0..1_200)),
        amount in 1u64..u64::MAX,
    ) {
        let Some((market, fixtures)) = base() else { return Ok(()) };
        let mut market = market.clone();
        let f = &fixtures[target.index(fixtures.len())];
        let mut data = random.unwrap_or_else(|| f.account.data.clone());
        if !data.is_empty() {
            for (at, byte) in &flips {
                let i = at.index(data.len());
                data[i] ^= byte;
            }
        }
        if let Some(cut) = cut {
            data.truncate(cut.index(data.len() + 1));
        }
        let _ = market.apply(AccountUpdate {
            pubkey: pubkey(f),
            owner: f.account.owner,
            data: &data,
            slot: u64::MAX,
            write_version: None,
        });
        for address in COMPLETE_POOLS {
            let Ok(snapshot) = market.snapshot(&address.parse().unwrap(), clock(800, 1_760_000_000)) else {
                continue;
            };
            for direction in [Direction::AToB, Direction::BToA] {
                for mode in [SwapMode::ExactIn, SwapMode::ExactOut] {
                    let _ = snapshot.quote(direction, mode, amount);
                }
            }
        }
    }
}

/// On every real pool, at any size, epoch and direction: no panic; a complete exact-in spends
/// exactly the amount and never pays more than the output vault holds; buying that output
/// back exact-out costs no more than it was sold for (plus one unit of rounding). Counts the
/// cases that reached each check, so the property cannot pass by skipping.
#[test]
fn quotes_keep_their_promises() {
    use proptest::test_runner::{Config, TestRunner};
    let Some((market, _)) = base() else { return };
    let strategy = (
        0..COMPLETE_POOLS.len(),
        any::<bool>(),
        prop_oneof![1u64..1_000, 1_000u64..10_000_000_000, 1u64..u64::MAX],
        700u64..900,
    );
    let (complete, round_trips) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    let mut runner = TestRunner::new(Config::with_cases(2_000));
    runner
        .run(&strategy, |(pool, a_to_b, amount, epoch)| {
            let address = COMPLETE_POOLS[pool].parse().unwrap();
            let pool = market.pool(&address).unwrap();
            let snapshot = pool.snapshot(clock(epoch, 1_760_000_000)).unwrap();
            let direction = if a_to_b {
                Direction::AToB
            } else {
                Direction::BToA
            };
            let out_side = usize::from(a_to_b);
            let Ok(q) = snapshot.quote(direction, SwapMode::ExactIn, amount) else {
                return Ok(());
            };
            if !q.is_complete() {
                return Ok(());
            }
            complete.set(complete.get() + 1);
            prop_assert_eq!(q.amount_in, amount);
            prop_assert!(q.minimum_amount_in <= q.amount_in);
            prop_assert!(
                q.amount_out <= pool.vault_amounts()[out_side].unwrap(),
                "{q:?}"
            );
            if q.amount_out > 0
                && let Ok(back) = snapshot.quote(direction, SwapMode::ExactOut, q.amount_out)
                && back.is_complete()
            {
                round_trips.set(round_trips.get() + 1);
                prop_assert!(back.amount_out >= q.amount_out, "{back:?}");
                prop_assert!(back.amount_in <= q.amount_in + 1, "{q:?} then {back:?}");
            }
            Ok(())
        })
        .unwrap();
    let (complete, round_trips) = (complete.get(), round_trips.get());
    eprintln!("{complete} complete exact-in quotes, {round_trips} bought back exact-out");
    assert!(
        complete >= 500 && round_trips >= 300,
        "{complete} / {round_trips}"
    );
}
