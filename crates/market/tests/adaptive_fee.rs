//! An Orca pool created from an adaptive fee tier needs its `Oracle`, and quotes with the
//! adaptive fee at the clock's time. The fixtures hold no adaptive-fee pool, so a real pool is
//! marked adaptive (its fee tier index moved off its tick spacing) and given an oracle written
//! in the program's layout.

use decoder::orca::oracle::offset;
use market::test_utils::fixture_market;
use market::{AccountRole, MarketError, QuoteClock, SwapMode};
use pricing::Direction;

const POOL: &str = "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ";
const NOW: i64 = 1_760_000_000;

/// An oracle whose reference is the pool's current tick group (tick group size 1).
fn oracle_bytes(whirlpool: &decoder::Pubkey, tick: i32, volatility_accumulator: u32) -> Vec<u8> {
    let mut data = vec![0u8; 254];
    data[..8].copy_from_slice(&decoder::discriminator::ORACLE);
    data[offset::WHIRLPOOL..offset::WHIRLPOOL + 32].copy_from_slice(whirlpool.as_ref());
    let c = offset::CONSTANTS;
    data[c..c + 2].copy_from_slice(&600u16.to_le_bytes()); // filter period
    data[c + 2..c + 4].copy_from_slice(&1_200u16.to_le_bytes()); // decay period
    data[c + 4..c + 6].copy_from_slice(&5_000u16.to_le_bytes()); // reduction factor
    data[c + 6..c + 10].copy_from_slice(&4_000u32.to_le_bytes()); // control factor
    data[c + 10..c + 14].copy_from_slice(&350_000u32.to_le_bytes()); // max accumulator
    data[c + 14..c + 16].copy_from_slice(&1u16.to_le_bytes()); // tick group size
    data[c + 16..c + 18].copy_from_slice(&16u16.to_le_bytes()); // major swap threshold
    let v = offset::VARIABLES;
    let last = (NOW - 10) as u64;
    data[v..v + 8].copy_from_slice(&last.to_le_bytes());
    data[v + 8..v + 16].copy_from_slice(&last.to_le_bytes());
    data[v + 16..v + 20].copy_from_slice(&volatility_accumulator.to_le_bytes());
    data[v + 20..v + 24].copy_from_slice(&tick.to_le_bytes());
    data[v + 24..v + 28].copy_from_slice(&volatility_accumulator.to_le_bytes());
    data
}

#[test]
fn an_adaptive_fee_pool_waits_for_its_oracle_and_charges_the_variable_fee() {
    let Some((market, fixtures)) = fixture_market(8) else {
        return;
    };
    let address: decoder::Pubkey = POOL.parse().unwrap();
    let clock = QuoteClock {
        slot: 1,
        epoch: 800,
        unix_timestamp: NOW,
    };
    let base = market.pool(&address).unwrap().clone();
    assert_eq!(
        base.accounts().oracle,
        None,
        "a static-fee pool needs no oracle"
    );
    let own = fixtures.iter().find(|f| f.pubkey == POOL).unwrap();
    let mut adaptive_bytes = own.account.data.clone();
    let at = decoder::orca::whirlpool::offset::FEE_TIER_INDEX_SEED;
    adaptive_bytes[at..at + 2].copy_from_slice(&1_025u16.to_le_bytes());
    let decoder::DecodedAccount::Whirlpool(w) =
        decoder::decode_account(&own.account.owner, &own.account.data).unwrap()
    else {
        unreachable!()
    };
    let tick = w.tick_current_index();
    let mut pool = base.clone();
    pool.update(&address, &own.account.owner, &adaptive_bytes)
        .unwrap();
    let oracle = pool
        .accounts()
        .oracle
        .expect("adaptive pools need their oracle");
    assert_eq!(oracle, market::address::whirlpool_oracle(&address));
    assert!(pool.accounts_to_update().contains(&oracle));
    match pool.snapshot(clock) {
        Err(MarketError::MissingAccount {
            role: AccountRole::Oracle,
            account,
        }) => {
            assert_eq!(account, oracle);
        }
        other => panic!("expected a missing oracle, got {other:?}"),
    }

    let amount = 50_000_000_000; // 50 SOL
    let sell_sol = |pool: &market::Pool| {
        pool.snapshot(clock)
            .unwrap()
            .quote(Direction::AToB, SwapMode::ExactIn, amount)
            .unwrap()
    };
    let static_fee = sell_sol(&base);
    // A calm oracle charges the base fee; a volatile one more.
    let mut with_oracle = |volatility: u32| {
        let bytes = oracle_bytes(&address, tick, volatility);
        pool.update(&oracle, &decoder::ORCA_WHIRLPOOL, &bytes)
            .unwrap();
        sell_sol(&pool)
    };
    let calm = with_oracle(0);
    let volatile = with_oracle(300_000);
    assert!(calm.fee >= static_fee.fee, "{calm:?} vs {static_fee:?}");
    assert!(volatile.fee > calm.fee, "{volatile:?} vs {calm:?}");
    assert!(volatile.amount_out < calm.amount_out);
    eprintln!(
        "fee on 50 SOL: static {} calm {} volatile {}",
        static_fee.fee, calm.fee, volatile.fee
    );
    // A clock before the oracle's last update is refused, as the program refuses it.
    let early = QuoteClock {
        unix_timestamp: NOW - 3_600,
        ..clock
    };
    assert!(
        pool.snapshot(early)
            .unwrap()
            .quote(Direction::AToB, SwapMode::ExactIn, amount)
            .is_err()
    );
}
