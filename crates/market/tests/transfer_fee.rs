//! Token-2022 mints as pools see them: the transfer fee in force at the clock's epoch is
//! applied around the pool's math, and extensions that make swaps impossible or unpredictable
//! make the pool unquotable rather than wrongly quoted.

use decoder::encode;
use decoder::token::extension_type::{NON_TRANSFERABLE, PAUSABLE, TRANSFER_HOOK};
use market::test_utils::fixture_market;
use market::{MarketError, MintBlocker, QuoteClock, SwapMode};
use pricing::Direction;

const TOKEN_2022_PAIR: &str = "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc";

fn clock(epoch: u64) -> QuoteClock {
    QuoteClock {
        slot: epoch * 432_000,
        epoch,
        unix_timestamp: 1_760_000_000,
    }
}

/// The real DLMM pair whose mint charges 0.5% (capped at 5,000) from epoch 835: before that
/// epoch its older schedule applies, from it the fee is withheld on the way into the pool.
#[test]
fn the_real_token_2022_pair_pays_its_transfer_fee_from_its_epoch() {
    let Some((market, _)) = fixture_market(8) else {
        return;
    };
    let pool = market.pool(&TOKEN_2022_PAIR.parse().unwrap()).unwrap();
    let side = pool
        .mints()
        .iter()
        .position(|m| m.unwrap().transfer_fee.is_some())
        .expect("one mint has a transfer fee");
    let config = pool.mints()[side].unwrap().transfer_fee.unwrap();
    assert_eq!(config.newer_epoch, 835);
    assert_eq!(
        (config.newer.basis_points, config.newer.maximum_fee),
        (50, 5_000)
    );
    let sell_fee_token = if side == 0 {
        Direction::AToB
    } else {
        Direction::BToA
    };

    let before = pool.snapshot(clock(834)).unwrap();
    let after = pool.snapshot(clock(835)).unwrap();
    assert_eq!(after.transfer_fees[side], Some(config.newer));
    let amount = 100_000;
    let q = after
        .quote(sell_fee_token, SwapMode::ExactIn, amount)
        .unwrap();
    // 0.5% of 100,000 is 500: the pool receives 99,500 and pays out what the model pays for
    // that, with no fee on the other (classic) token.
    assert_eq!(q.transfer_fee_in, 500);
    assert_eq!(q.amount_in, amount);
    let pool_side = after
        .model
        .quote(sell_fee_token, SwapMode::ExactIn, amount - 500)
        .unwrap();
    assert_eq!(q.amount_out, pool_side.amount_out);
    assert_eq!(q.transfer_fee_out, 0);
    let old = before
        .quote(sell_fee_token, SwapMode::ExactIn, amount)
        .unwrap();
    if config.older.basis_points == 0 {
        assert_eq!(old.transfer_fee_in, 0);
        assert!(old.amount_out > q.amount_out);
    }
    // Buying the fee token exact-out: the pool must pay out enough that the wanted amount
    // arrives after the fee.
    let wanted = 10_000;
    let buy = after
        .quote(sell_fee_token.reverse(), SwapMode::ExactOut, wanted)
        .unwrap();
    if buy.is_complete() {
        assert_eq!(buy.amount_out, wanted);
        assert_eq!(
            buy.transfer_fee_out, 51,
            "10,000 net needs 10,051 gross at 0.5%"
        );
    }
}

/// A Token-2022 mint's extensions (type, value), and the blocker they should raise.
type Case = (&'static str, Vec<(u16, Vec<u8>)>, Option<MintBlocker>);

/// A real pool with its mint A replaced by a Token-2022 mint carrying each extension.
#[test]
fn blocking_extensions_make_the_pool_unquotable() {
    let Some((market, _)) = fixture_market(8) else {
        return;
    };
    let address = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ"
        .parse()
        .unwrap();
    let base = market.pool(&address).unwrap().clone();
    let mint_a = base.accounts().mints[0];
    let hook_program = decoder::Pubkey::new_unique();
    let cases: Vec<Case> = vec![
        (
            "hook with a program",
            vec![(TRANSFER_HOOK, [[0u8; 32], hook_program.to_bytes()].concat())],
            Some(MintBlocker::TransferHook {
                program_id: hook_program,
            }),
        ),
        (
            "hook without a program",
            vec![(TRANSFER_HOOK, [[7u8; 32], [0u8; 32]].concat())],
            None,
        ),
        (
            "paused",
            vec![(PAUSABLE, [[0u8; 32].as_slice(), &[1]].concat())],
            Some(MintBlocker::Paused),
        ),
        (
            "pausable, running",
            vec![(PAUSABLE, [[0u8; 32].as_slice(), &[0]].concat())],
            None,
        ),
        (
            "non-transferable",
            vec![(NON_TRANSFERABLE, Vec::new())],
            Some(MintBlocker::NonTransferable),
        ),
    ];
    for (name, extensions, blocker) in cases {
        let mut pool = base.clone();
        let data = encode::token_2022_mint(9, 1_000_000, &extensions);
        pool.update(&mint_a, &decoder::SPL_TOKEN_2022, &data)
            .unwrap();
        let quote = pool.quote(&mint_a, 1_000_000, SwapMode::ExactIn, clock(800));
        match (blocker, quote) {
            (Some(expected), Err(MarketError::Unquotable { mint, blocker })) => {
                assert_eq!((mint, blocker), (mint_a, expected), "{name}");
            }
            (None, Ok(q)) => assert!(q.amount_out > 0, "{name}: {q:?}"),
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
    }
}
