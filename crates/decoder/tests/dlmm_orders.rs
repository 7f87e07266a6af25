//! The limit-order fields of Meteora DLMM bins, on real pairs: a version-2 (limit-order layout)
//! pair with real resting orders, an older-layout pair whose swap totals the program reads as
//! orders, and a Token-2022 pair with neither.

use decoder::test_utils::{Fixture, all_fixtures, by_pubkey};
use decoder::{BinArray, LbPair};

/// function_type 2 (LimitOrder), bin arrays version 2, orders on both sides.
const ORDERS: &str = "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd";
/// function_type 0 with no rewards (so limit orders on), bin arrays version 1.
const LEGACY: &str = "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig";
/// Token-2022 pair, bin arrays version 1, all order bytes zero.
const TOKEN_2022: &str = "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc";

fn pair<'a>(fixtures: &'a [Fixture], key: &str) -> LbPair<'a> {
    let f = by_pubkey(fixtures, key).expect("pair fixture");
    LbPair::from_account(&f.account.owner, &f.account.data).expect("LbPair")
}

fn arrays<'a>(fixtures: &'a [Fixture], key: &str) -> Vec<BinArray<'a>> {
    let mut out: Vec<BinArray<'a>> = fixtures
        .iter()
        .filter(|f| f.pool.as_deref() == Some(key) && f.kind == "meteora-dlmm.BinArray")
        .map(|f| BinArray::from_account(&f.account.owner, &f.account.data).expect("BinArray"))
        .collect();
    out.sort_by_key(BinArray::index);
    assert_eq!(out.len(), 2, "{key}: two bin arrays in the fixtures");
    out
}

#[test]
fn limit_order_pair_bins_hold_resting_orders_on_both_sides() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let p = pair(&fixtures, ORDERS);
    assert_eq!(p.parameters().function_type, 2);
    assert!(p.is_support_limit_order());
    let arrays = arrays(&fixtures, ORDERS);
    let (mut asks, mut bids) = (0, 0);
    for array in &arrays {
        assert_eq!(array.version(), 2);
        assert!(array.has_limit_order_layout());
        for (i, bin) in array.bins().enumerate() {
            let id = array.lower_bin_id() + i as i64;
            if bin.open_order_amount() == 0 {
                continue;
            }
            // Asks (sell X) sit above the active bin 0, bids (sell Y) below it.
            if bin.limit_order_ask_side() {
                assert!(id > 0, "ask at {id}");
                assert_eq!(bin.open_order_amount(), 1_000_000_000_000, "bin {id}");
                asks += 1;
            } else {
                assert!(id < 0, "bid at {id}");
                assert_eq!(bin.open_order_amount(), 1_000_000_000, "bin {id}");
                bids += 1;
            }
            assert_eq!(bin.processed_order_remaining_amount(), 0);
            assert_eq!(bin.total_processing_order_amount(), 0);
            assert_eq!(bin.order_age(), 0);
            assert_eq!(bin.fulfilled_order_amount_x(), 0);
            assert_eq!(bin.fulfilled_order_amount_y(), 0);
        }
    }
    eprintln!("{ORDERS}: {asks} ask bins, {bids} bid bins");
    assert_eq!((asks, bids), (30, 30));
}

#[test]
fn older_layout_swap_totals_read_as_the_program_reads_them() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let p = pair(&fixtures, LEGACY);
    // function_type Undetermined and no reward mint: the program fills limit orders.
    assert_eq!(p.parameters().function_type, 0);
    assert!((0..2).all(|i| p.reward_info(i).unwrap().mint == decoder::Pubkey::default()));
    assert!(p.is_support_limit_order());
    let arrays = arrays(&fixtures, LEGACY);
    let mut orders = 0;
    for array in &arrays {
        assert_eq!(array.version(), 1);
        assert!(!array.has_limit_order_layout());
        for bin in array.bins() {
            // The order fields are the low halves of the old u128 swap totals.
            let (x_in, y_in) = (bin.legacy_amount_x_in(), bin.legacy_amount_y_in());
            assert_eq!(
                u128::from(bin.open_order_amount()),
                x_in & u128::from(u64::MAX)
            );
            assert_eq!(
                u128::from(bin.processed_order_remaining_amount()),
                y_in & u128::from(u64::MAX)
            );
            assert_eq!(u128::from(bin.total_processing_order_amount()), x_in >> 64);
            assert_eq!(
                bin.limit_order_ask_side(),
                (y_in >> 96) & 0xff != 0,
                "ask byte is byte 12 of amount_y_in"
            );
            if bin.open_order_amount() > 0 || bin.processed_order_remaining_amount() > 0 {
                // Swap totals fit in 64 bits, so every high half is zero and no ask flag is set.
                assert_eq!(x_in >> 64, 0);
                assert_eq!(y_in >> 64, 0);
                assert!(!bin.limit_order_ask_side());
                orders += 1;
            }
        }
    }
    // The active array's bin 15 reads as 264001117270 open and 400644670508 processed: far
    // more Y than the Y vault holds, which is why quotes check the vault balance.
    let bin15 = arrays[1].bin_by_id(15).unwrap();
    assert_eq!(bin15.open_order_amount(), 264_001_117_270);
    assert_eq!(bin15.processed_order_remaining_amount(), 400_644_670_508);
    eprintln!("{LEGACY}: {orders} bins whose swap totals read as bid orders");
    assert!(orders >= 60, "{orders}");
}

#[test]
fn token_2022_pair_has_no_orders() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let p = pair(&fixtures, TOKEN_2022);
    assert!(p.is_support_limit_order());
    assert_eq!(
        p.token_mint_x_program_flag() + p.token_mint_y_program_flag(),
        1
    );
    let mut bins = 0;
    for array in arrays(&fixtures, TOKEN_2022) {
        assert_eq!(array.version(), 1);
        for bin in array.bins() {
            assert_eq!(bin.open_order_amount(), 0);
            assert_eq!(bin.processed_order_remaining_amount(), 0);
            assert!(!bin.limit_order_ask_side());
            assert_eq!(bin.legacy_amount_x_in(), 0);
            bins += usize::from(bin.amount_x() > 0 || bin.amount_y() > 0);
        }
    }
    assert!(bins > 0, "the pair has liquidity");
}
