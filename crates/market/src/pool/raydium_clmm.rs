//! Raydium CLMM: the pool, its `AmmConfig`, its tick arrays around the price, and the
//! `TickArrayBitmapExtension` that marks initialized arrays beyond the pool's own bitmap.

use decoder::raydium::clmm::{ClmmDynamicFeeInfo, ClmmFeeOn};
use decoder::{ClmmPool as ClmmAccount, DecodedAccount, Pubkey};
use pricing::RaydiumClmmPool;
use pricing::clmm::raydium::bitmap::ExtensionBitmaps;
use pricing::clmm::raydium::{
    ClmmState, ClmmTick, ClmmTickArray, DynamicFee, FeeOn, TICK_ARRAY_SIZE,
    initialized_tick_array_starts,
};

use super::{Parts, PoolAccounts};
use crate::error::{AccountRole, Result};
use crate::model::PoolModel;

pub(super) fn accounts(
    address: &Pubkey,
    p: &ClmmAccount<'_>,
    known: Option<&PoolAccounts>,
) -> PoolAccounts {
    PoolAccounts {
        mints: [p.token_mint_0(), p.token_mint_1()],
        vaults: [p.token_vault_0(), p.token_vault_1()],
        config: Some(p.amm_config()),
        oracle: None,
        bitmap_extension: known
            .and_then(|k| k.bitmap_extension)
            .or_else(|| Some(crate::address::raydium_clmm_bitmap_extension(address))),
    }
}

/// The index of the array holding `tick` (arrays span 60 tick spacings).
pub(super) fn array_index(tick: i32, tick_spacing: u16) -> i64 {
    let span = i64::from(TICK_ARRAY_SIZE) * i64::from(tick_spacing.max(1));
    i64::from(tick).div_euclid(span)
}

/// The first tick of the array at `index`.
pub(super) fn array_start(index: i64, tick_spacing: u16) -> Option<i32> {
    i32::try_from(index * i64::from(TICK_ARRAY_SIZE) * i64::from(tick_spacing.max(1))).ok()
}

pub(super) fn model(parts: &Parts<'_>) -> Result<PoolModel> {
    let DecodedAccount::RaydiumClmmPool(p) = parts.pool else {
        return Err(super::wrong(parts.address, AccountRole::Pool, &parts.pool));
    };
    let config = parts.decode(AccountRole::Config, parts.accounts.config, parts.config)?;
    let DecodedAccount::RaydiumClmmConfig(cfg) = config else {
        return Err(super::wrong(p.amm_config(), AccountRole::Config, &config));
    };
    let extension = match parts.extension()? {
        Some((_, DecodedAccount::RaydiumClmmTickArrayBitmapExtension(e))) => {
            let side = |get: &dyn Fn(usize) -> Option<[u64; 8]>| -> ExtensionBitmaps {
                std::array::from_fn(|i| get(i).unwrap_or_default())
            };
            Some((
                side(&|i| e.positive_bitmap(i)),
                side(&|i| e.negative_bitmap(i)),
            ))
        }
        Some((key, other)) => {
            return Err(super::wrong(key, AccountRole::BitmapExtension, &other));
        }
        None => None,
    };
    let mut tick_arrays = Vec::with_capacity(parts.arrays.len());
    for (key, stored) in parts.arrays {
        let decoded = parts.decode(AccountRole::Array, Some(*key), Some(stored))?;
        let DecodedAccount::RaydiumClmmTickArray(t) = decoded else {
            return Err(super::wrong(*key, AccountRole::Array, &decoded));
        };
        let mut ticks = [ClmmTick::default(); TICK_ARRAY_SIZE as usize];
        for (out, tick) in ticks.iter_mut().zip(t.ticks()) {
            *out = ClmmTick {
                tick: tick.tick(),
                liquidity_net: tick.liquidity_net(),
                liquidity_gross: tick.liquidity_gross(),
                has_limit_orders: tick.orders_amount() > 0
                    || tick.part_filled_orders_remaining() > 0,
            };
        }
        tick_arrays.push(ClmmTickArray {
            start_tick_index: t.start_tick_index(),
            ticks,
        });
    }
    let d = p.dynamic_fee_info();
    let dynamic_fee = (d != ClmmDynamicFeeInfo::default()).then_some(DynamicFee {
        filter_period: d.filter_period,
        decay_period: d.decay_period,
        reduction_factor: d.reduction_factor,
        dynamic_fee_control: d.dynamic_fee_control,
        max_volatility_accumulator: d.max_volatility_accumulator,
        tick_spacing_index_reference: d.tick_spacing_index_reference,
        volatility_reference: d.volatility_reference,
        volatility_accumulator: d.volatility_accumulator,
        last_update_timestamp: d.last_update_timestamp,
    });
    let fee_on = match p.fee_on() {
        ClmmFeeOn::FromInput => FeeOn::FromInput,
        ClmmFeeOn::Token0Only => FeeOn::Token0Only,
        ClmmFeeOn::Token1Only => FeeOn::Token1Only,
    };
    let extension_refs = extension.as_ref().map(|(pos, neg)| (pos, neg));
    Ok(PoolModel::RaydiumClmm(Box::new(RaydiumClmmPool {
        state: ClmmState {
            sqrt_price_x64: p.sqrt_price_x64(),
            tick_current: p.tick_current(),
            liquidity: p.liquidity(),
            tick_spacing: p.tick_spacing(),
            trade_fee_rate: cfg.trade_fee_rate(),
            protocol_fee_rate: cfg.protocol_fee_rate(),
            fund_fee_rate: cfg.fund_fee_rate(),
            fee_on,
            dynamic_fee,
            swaps_enabled: p.swaps_enabled(),
            decimals_0: parts.decimals.0,
            decimals_1: parts.decimals.1,
        },
        initialized_array_starts: initialized_tick_array_starts(
            p.tick_spacing(),
            &p.tick_array_bitmap(),
            extension_refs,
        ),
        tick_arrays,
        timestamp: parts.clock.unix_seconds(),
    })))
}
