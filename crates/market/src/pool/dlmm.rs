//! Meteora DLMM: the pair, its reserves, its bin arrays around the active bin (resting limit
//! orders included where the pair fills them), and the `BinArrayBitmapExtension` that marks
//! arrays with liquidity beyond the pair's own bitmap.

use decoder::{DecodedAccount, LbPair, Pubkey};
use pricing::dlmm::{
    BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, arrays_with_liquidity,
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
        bin_arrays.push(BinArray::from_account_bytes(b.bytes())?);
    }
    let extension = match parts.extension()? {
        Some((_, DecodedAccount::DlmmBinArrayBitmapExtension(e))) => {
            Some((e.positive_bitmaps(), e.negative_bitmaps()))
        }
        Some((key, other)) => {
            return Err(super::wrong(key, AccountRole::BitmapExtension, &other));
        }
        None => None,
    };
    let (sp, vp) = (p.parameters(), p.v_parameters());
    let mut arrays_with_liquidity = arrays_with_liquidity(
        &p.bin_array_bitmap(),
        extension.as_ref().map(|(pos, neg)| (pos, neg)),
    );
    // A pair whose bitmaps mark nothing still has its active array.
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
            // The program fills the order fields of every bin layout on such pairs.
            support_limit_order: p.is_support_limit_order(),
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
        // The program cannot pay out more than its reserve vault holds.
        reserves: Some(parts.reserves),
    })))
}
