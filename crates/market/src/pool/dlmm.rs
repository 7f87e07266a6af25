//! Meteora DLMM: the pair, its reserves, its bin arrays around the active bin, and the
//! `BinArrayBitmapExtension` that marks arrays with liquidity beyond the pair's own bitmap.

use decoder::{DecodedAccount, LbPair, Pubkey};
use pricing::dlmm::{
    Bin, BinArray, CollectFeeMode, DlmmParams, DlmmPool, MAX_BIN_PER_ARRAY, VariableParameters,
    bin_id_to_array_index,
};

use super::{Parts, PoolAccounts};
use crate::error::{AccountRole, Result};
use crate::model::PoolModel;

pub(super) fn accounts(
    address: &Pubkey,
    p: &LbPair<'_>,
    known: Option<&PoolAccounts>,
) -> PoolAccounts {
    PoolAccounts {
        mints: [p.token_x_mint(), p.token_y_mint()],
        vaults: [p.reserve_x(), p.reserve_y()],
        config: None,
        oracle: None,
        bitmap_extension: known
            .and_then(|k| k.bitmap_extension)
            .or_else(|| Some(crate::address::dlmm_bitmap_extension(address))),
    }
}

pub(super) fn model(parts: &Parts<'_>) -> Result<PoolModel> {
    let DecodedAccount::DlmmLbPair(p) = parts.pool else {
        return Err(super::wrong(parts.address, AccountRole::Pool, &parts.pool));
    };
    let mut bin_arrays = Vec::with_capacity(parts.arrays.len());
    for (key, stored) in parts.arrays {
        let decoded = parts.decode(AccountRole::Array, Some(*key), Some(stored))?;
        let DecodedAccount::DlmmBinArray(b) = decoded else {
            return Err(super::wrong(*key, AccountRole::Array, &decoded));
        };
        let mut bins = [Bin::default(); MAX_BIN_PER_ARRAY];
        for (out, bin) in bins.iter_mut().zip(b.bins()) {
            *out = Bin {
                amount_x: bin.amount_x(),
                amount_y: bin.amount_y(),
                price: bin.price(),
                ..Bin::default()
            };
        }
        bin_arrays.push(BinArray {
            index: b.index(),
            bins,
        });
    }
    let (sp, vp) = (p.parameters(), p.v_parameters());
    let bitmap = p.bin_array_bitmap();
    let mut arrays_with_liquidity = (0..1024i64)
        .filter(|bit| bitmap[(*bit / 64) as usize] >> (bit % 64) & 1 == 1)
        .map(|bit| bit - 512)
        .collect::<Vec<_>>();
    if arrays_with_liquidity.is_empty() {
        arrays_with_liquidity.push(bin_id_to_array_index(p.active_id()));
    }
    Ok(PoolModel::Dlmm(Box::new(DlmmPool {
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
            support_limit_order: false,
        },
        variables: VariableParameters {
            volatility_accumulator: vp.volatility_accumulator,
            volatility_reference: vp.volatility_reference,
            index_reference: vp.index_reference,
            last_update_timestamp: vp.last_update_timestamp,
        },
        active_id: p.active_id(),
        arrays_with_liquidity,
        bin_arrays,
        timestamp: parts.clock.unix_timestamp,
        decimals_x: parts.decimals.0,
        decimals_y: parts.decimals.1,
    })))
}
