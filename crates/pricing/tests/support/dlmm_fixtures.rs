//! The real DLMM pairs of the shared fixtures mapped onto [`DlmmPool`], the way the monitor
//! maps them: bins by `BinArray::from_account_bytes`, limit orders as the pair says, the
//! arrays with liquidity from the pair's bitmap, and the vault balances.

#![allow(dead_code, unreachable_pub)]

use decoder::test_utils::{Fixture, by_pubkey};
use pricing::dlmm::{
    BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, arrays_with_liquidity,
};

/// The three pairs with complete account sets.
pub const PAIRS: [&str; 3] = [
    "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig",
    "9t3EyC9FweyL7PBWvKz3mrXg8B9fwFc9SK3QxM4ENqhd",
    "B5Eia4cE71tKuEDaqPHucJLG2fxySKyKzLMewd2nUvoc",
];

/// A pair whose four bin arrays (-3, -1, 0, 2) leave gaps the bitmap marks empty; its vaults
/// are not in the fixtures.
pub const GAPPED: &str = "FJbEo74c2W4QLBBVUfUvi8VBWXtMdJVPuFpq2f6UV1iB";

/// Seconds after the pair's last update that quotes are for.
pub const ELAPSED: i64 = 10;

/// The raw accounts of one pair.
pub struct RawPair {
    pub lb_pair: Vec<u8>,
    pub bin_arrays: Vec<Vec<u8>>,
    /// Vault balances, when the fixtures hold the vaults.
    pub reserves: Option<(u64, u64)>,
}

pub fn raw(fixtures: &[Fixture], pair: &str) -> RawPair {
    let f = by_pubkey(fixtures, pair).unwrap();
    let p = decoder::LbPair::from_account(&f.account.owner, &f.account.data).unwrap();
    let amount = |key: decoder::Pubkey| {
        let r = by_pubkey(fixtures, &key.to_string())?;
        Some(
            decoder::TokenAccount::from_account(&r.account.owner, &r.account.data)
                .unwrap()
                .amount(),
        )
    };
    RawPair {
        lb_pair: f.account.data.clone(),
        bin_arrays: fixtures
            .iter()
            .filter(|f| f.pool.as_deref() == Some(pair) && f.kind == "meteora-dlmm.BinArray")
            .map(|f| f.account.data.clone())
            .collect(),
        reserves: amount(p.reserve_x()).zip(amount(p.reserve_y())),
    }
}

pub fn pool(raw: &RawPair) -> DlmmPool {
    let p = decoder::LbPair::from_bytes(&raw.lb_pair).unwrap();
    let (sp, vp) = (p.parameters(), p.v_parameters());
    DlmmPool {
        params: DlmmParams {
            bin_step: p.bin_step(),
            base_factor: sp.base_factor,
            base_fee_power_factor: sp.base_fee_power_factor,
            filter_period: sp.filter_period,
            decay_period: sp.decay_period,
            reduction_factor: sp.reduction_factor,
            variable_fee_control: sp.variable_fee_control,
            max_volatility_accumulator: sp.max_volatility_accumulator,
            protocol_share: sp.protocol_share,
            collect_fee_mode: if sp.collect_fee_mode == 1 {
                CollectFeeMode::OnlyY
            } else {
                CollectFeeMode::InputOnly
            },
            support_limit_order: p.is_support_limit_order(),
        },
        variables: VariableParameters {
            volatility_accumulator: vp.volatility_accumulator,
            volatility_reference: vp.volatility_reference,
            index_reference: vp.index_reference,
            last_update_timestamp: vp.last_update_timestamp,
        },
        active_id: p.active_id(),
        arrays_with_liquidity: arrays_with_liquidity(&p.bin_array_bitmap(), None),
        bin_arrays: raw
            .bin_arrays
            .iter()
            .map(|data| {
                let view = decoder::BinArray::from_bytes(data).unwrap();
                BinArray::from_account_bytes(view.bytes()).unwrap()
            })
            .collect(),
        timestamp: vp.last_update_timestamp + ELAPSED,
        decimals_x: 0,
        decimals_y: 0,
        reserves: raw.reserves,
    }
}
