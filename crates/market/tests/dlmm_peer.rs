//! The market's complete DLMM quotes (resting orders, Token-2022 transfer fees, reserve
//! checks) against the `meteora-dlmm` crate, an independent exact-in engine that reads the same
//! raw pair, bin-array and mint bytes and applies transfer fees from the mints. On the three
//! real pairs whose every account is in the fixtures, at the Token-2022 fee's epoch, in both
//! directions and at sizes from dust to past the bins.
//!
//! Counted apart, each for its reason: outputs the reserve vault cannot pay (the peer does not
//! know the vaults; the program's transfer fails, and we refuse), zero outputs (the peer
//! returns 0, the program refuses), and swaps that run past the loaded arrays (partial on both
//! sides).

use market::test_utils::{COMPLETE_POOLS, fixture_market, pubkey};
use market::{Direction, QuoteClock, SwapMode};
use meteora_dlmm::{PoolState, parse_mint, quote_with_mints};

#[test]
fn real_pairs_agree_with_meteora_dlmm_including_transfer_fees() {
    let Some((market, fixtures)) = fixture_market(8) else {
        return;
    };
    let clock = QuoteClock {
        slot: 836 * 432_000,
        epoch: 836,
        unix_timestamp: 1_760_000_000,
    };
    let bytes = |key: &decoder::Pubkey| {
        let f = fixtures.iter().find(|f| pubkey(f) == *key).unwrap();
        (f.account.owner, f.account.data.clone())
    };
    let (mut compared, mut with_fee, mut crossed, mut reserve, mut zero, mut partial) =
        (0, 0, 0, 0, 0, 0);
    for address in COMPLETE_POOLS.iter().filter(|a| {
        let pool = market.pool(&a.parse().unwrap()).unwrap();
        pool.kind() == market::PoolKind::MeteoraDlmm
    }) {
        let key = address.parse().unwrap();
        let pool = market.pool(&key).unwrap();
        let snapshot = pool.snapshot(clock).unwrap();
        let (pair_owner, pair) = bytes(&key);
        let arrays: Vec<Vec<u8>> = fixtures
            .iter()
            .filter(|f| f.pool.as_deref() == Some(*address) && f.kind.ends_with("BinArray"))
            .map(|f| f.account.data.clone())
            .collect();
        let (dx, dy) = snapshot.decimals();
        let peer =
            PoolState::from_accounts(&pair, &arrays, dx, dy, Some(&key.to_bytes()), false).unwrap();
        let mint = |side: usize| {
            let (owner, data) = bytes(&pool.accounts().mints[side]);
            parse_mint(&data, &owner.to_bytes()).unwrap()
        };
        let (mint_x, mint_y) = (mint(0), mint(1));
        let lb = decoder::LbPair::from_account(&pair_owner, &pair).unwrap();
        for direction in [Direction::AToB, Direction::BToA] {
            let swap_for_y = direction == Direction::AToB;
            for exponent in 0..16 {
                let amount = 3 * 10u64.pow(exponent);
                let theirs = quote_with_mints(
                    &peer,
                    u128::from(amount),
                    swap_for_y,
                    &mint_x,
                    &mint_y,
                    clock.unix_timestamp,
                    lb.is_support_limit_order(),
                    false,
                );
                let ours = snapshot.quote(direction, SwapMode::ExactIn, amount);
                let Ok(theirs) = theirs else {
                    // Past the loaded arrays: ours must not claim a complete fill either.
                    assert!(
                        ours.as_ref().map_or(true, |q| !q.is_complete()),
                        "{address} {amount}: {ours:?}"
                    );
                    partial += 1;
                    continue;
                };
                match ours {
                    Ok(q) if q.is_complete() && theirs.complete => {
                        assert_eq!(
                            (
                                u128::from(q.amount_out),
                                u128::from(q.transfer_fee_in),
                                u128::from(q.transfer_fee_out)
                            ),
                            (
                                theirs.amount_out,
                                theirs.transfer_fee_in,
                                theirs.transfer_fee_out
                            ),
                            "{address} {direction:?} {amount}: ours {q:?}, peer {theirs:?}"
                        );
                        compared += 1;
                        with_fee += usize::from(q.transfer_fee_in + q.transfer_fee_out > 0);
                        crossed += usize::from(theirs.bins_crossed > 0);
                    }
                    Ok(q) => {
                        assert!(!q.is_complete() || !theirs.complete, "{q:?} vs {theirs:?}");
                        partial += 1;
                    }
                    Err(market::MarketError::Pricing(
                        pricing::PricingError::InsufficientLiquidity(
                            "output exceeds the reserve vault",
                        ),
                    )) => {
                        let vault = pool.vault_amounts()[usize::from(swap_for_y)].unwrap();
                        assert!(theirs.gross_amount_out > u128::from(vault), "{theirs:?}");
                        reserve += 1;
                    }
                    Err(e) => {
                        assert_eq!(
                            theirs.amount_out, 0,
                            "{address} {amount}: ours {e}, peer {theirs:?}"
                        );
                        zero += 1;
                    }
                }
            }
        }
    }
    eprintln!(
        "compared {compared} (transfer fee charged in {with_fee}, bins crossed in {crossed}); \
         apart: reserve {reserve}, zero output {zero}, past the arrays {partial}"
    );
    assert!(
        compared >= 30 && with_fee >= 10 && crossed >= 5,
        "too few real cases compared"
    );
}
