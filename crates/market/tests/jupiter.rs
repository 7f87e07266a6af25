//! The `Amm` adapter quotes real pools through jupiter-amm-interface's trait, and its answers
//! are the market's own. Run with `cargo test -p market --features jupiter`.
#![cfg(feature = "jupiter")]

use std::sync::atomic::Ordering;

use jupiter_amm_interface::{
    AccountMap, Amm, AmmContext, KeyedAccount, QuoteParams, SwapMode as JupiterSwapMode,
};
use market::jupiter::JupiterPool;
use market::test_utils::pubkey;
use market::{QuoteClock, SwapMode};

fn account(f: &decoder::test_utils::Fixture) -> solana_account_v3::Account {
    solana_account_v3::Account {
        lamports: f.account.lamports,
        data: f.account.data.clone(),
        owner: f.account.owner,
        executable: false,
        rent_epoch: u64::MAX,
    }
}

#[test]
fn real_pools_quote_through_the_amm_trait() {
    let Some(fixtures) = decoder::test_utils::all_fixtures() else {
        return;
    };
    let clock = QuoteClock {
        slot: 330_000_000,
        epoch: 800,
        unix_timestamp: 1_760_000_000,
    };
    let context = AmmContext::default();
    context.clock_ref.slot.store(clock.slot, Ordering::Relaxed);
    context
        .clock_ref
        .epoch
        .store(clock.epoch, Ordering::Relaxed);
    context
        .clock_ref
        .unix_timestamp
        .store(clock.unix_timestamp, Ordering::Relaxed);
    let mut quoted = 0;
    for address in [
        "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ",
        "9vqYJjDUFecLL2xPUC4Rc7hyCtZ6iJ4mDiVZX7aFXoAe",
        "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig",
        "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd",
    ] {
        let own = fixtures.iter().find(|f| f.pubkey == address).unwrap();
        let keyed = KeyedAccount {
            key: pubkey(own),
            account: account(own),
            params: None,
        };
        let mut amm = JupiterPool::from_keyed_account(&keyed, &context).unwrap();
        assert_eq!(amm.key(), pubkey(own));
        assert_eq!(amm.program_id(), own.account.owner);
        let wanted = amm.get_accounts_to_update();
        let map: AccountMap = fixtures
            .iter()
            .filter(|f| wanted.contains(&pubkey(f)))
            .map(|f| (pubkey(f), account(f)))
            .collect();
        amm.update(&map).unwrap();
        let mints = amm.get_reserve_mints();
        for (input, output) in [(mints[0], mints[1]), (mints[1], mints[0])] {
            for (mode, ours) in [
                (JupiterSwapMode::ExactIn, SwapMode::ExactIn),
                (JupiterSwapMode::ExactOut, SwapMode::ExactOut),
            ] {
                let amount = 1_000_000;
                let theirs = amm.quote(&QuoteParams {
                    amount,
                    input_mint: input,
                    output_mint: output,
                    swap_mode: mode,
                    fee_mode: Default::default(),
                });
                let direct = amm.pool().quote(&input, amount, ours, clock);
                match (theirs, direct) {
                    (Ok(t), Ok(d)) if d.is_complete() => {
                        assert_eq!(
                            (t.in_amount, t.out_amount, t.fee_amount),
                            (d.amount_in, d.amount_out, d.fee)
                        );
                        quoted += 1;
                    }
                    (Err(_), Ok(d)) => assert!(!d.is_complete(), "{address}: {d:?}"),
                    (Err(_), Err(_)) => {}
                    (t, d) => panic!("{address}: trait {t:?} vs market {d:?}"),
                }
            }
        }
        // A mint the pool does not hold is refused.
        assert!(
            amm.quote(&QuoteParams {
                amount: 1,
                input_mint: solana_pubkey::Pubkey::new_unique(),
                output_mint: mints[0],
                swap_mode: JupiterSwapMode::ExactIn,
                fee_mode: Default::default(),
            })
            .is_err()
        );
    }
    assert!(quoted >= 8, "only {quoted} quotes went through the trait");
    eprintln!("{quoted} quotes through jupiter_amm_interface::Amm matched the market's");
}
