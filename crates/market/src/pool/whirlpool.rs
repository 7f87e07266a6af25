//! Orca Whirlpool: the pool, its tick arrays around the price, and for pools created from an
//! adaptive fee tier, the `Oracle` whose volatility raises the fee.

use decoder::orca::oracle::{AdaptiveFeeConstants, AdaptiveFeeVariables};
use decoder::{DecodedAccount, Pubkey, Whirlpool, WhirlpoolOracle};
use pricing::clmm::Tick;
use pricing::clmm::orca::{
    self, Oracle, TICK_ARRAY_SIZE, TickArray, WhirlpoolPool, WhirlpoolState,
};

use super::{Parts, PoolAccounts};
use crate::error::{AccountRole, Result};
use crate::model::PoolModel;

pub(super) fn accounts(
    address: &Pubkey,
    p: &Whirlpool<'_>,
    known: Option<&PoolAccounts>,
) -> PoolAccounts {
    PoolAccounts {
        mints: [p.token_mint_a(), p.token_mint_b()],
        vaults: [p.token_vault_a(), p.token_vault_b()],
        config: None,
        oracle: p.is_initialized_with_adaptive_fee().then(|| {
            known
                .and_then(|k| k.oracle)
                .unwrap_or_else(|| crate::address::whirlpool_oracle(address))
        }),
        bitmap_extension: None,
    }
}

/// The index of the array holding `tick` (arrays span 88 tick spacings).
pub(super) fn array_index(tick: i32, tick_spacing: u16) -> i64 {
    let span = i64::from(TICK_ARRAY_SIZE) * i64::from(tick_spacing.max(1));
    i64::from(tick).div_euclid(span)
}

/// The first tick of the array at `index`.
pub(super) fn array_start(index: i64, tick_spacing: u16) -> Option<i32> {
    i32::try_from(index * i64::from(TICK_ARRAY_SIZE) * i64::from(tick_spacing.max(1))).ok()
}

/// The decoder's oracle view as the pricing model's oracle.
pub(super) fn oracle_model(o: &WhirlpoolOracle<'_>) -> Oracle {
    let AdaptiveFeeConstants {
        filter_period,
        decay_period,
        reduction_factor,
        adaptive_fee_control_factor,
        max_volatility_accumulator,
        tick_group_size,
        major_swap_threshold_ticks,
    } = o.constants();
    let AdaptiveFeeVariables {
        last_reference_update_timestamp,
        last_major_swap_timestamp,
        volatility_reference,
        tick_group_index_reference,
        volatility_accumulator,
    } = o.variables();
    Oracle {
        trade_enable_timestamp: o.trade_enable_timestamp(),
        constants: orca::AdaptiveFeeConstants {
            filter_period,
            decay_period,
            reduction_factor,
            adaptive_fee_control_factor,
            max_volatility_accumulator,
            tick_group_size,
            major_swap_threshold_ticks,
        },
        variables: orca::AdaptiveFeeVariables {
            last_reference_update_timestamp,
            last_major_swap_timestamp,
            volatility_reference,
            tick_group_index_reference,
            volatility_accumulator,
        },
    }
}

pub(super) fn model(parts: &Parts<'_>) -> Result<PoolModel> {
    let DecodedAccount::Whirlpool(p) = parts.pool else {
        return Err(super::wrong(parts.address, AccountRole::Pool, &parts.pool));
    };
    let oracle = match parts.accounts.oracle {
        Some(key) => {
            let decoded = parts.decode(AccountRole::Oracle, Some(key), parts.oracle)?;
            let DecodedAccount::WhirlpoolOracle(o) = decoded else {
                return Err(super::wrong(key, AccountRole::Oracle, &decoded));
            };
            Some(oracle_model(&o))
        }
        None => None,
    };
    let mut tick_arrays = Vec::with_capacity(parts.arrays.len());
    for (key, stored) in parts.arrays {
        let decoded = parts.decode(AccountRole::Array, Some(*key), Some(stored))?;
        let DecodedAccount::WhirlpoolTickArray(t) = decoded else {
            return Err(super::wrong(*key, AccountRole::Array, &decoded));
        };
        let mut ticks = [Tick::default(); TICK_ARRAY_SIZE as usize];
        for (out, tick) in ticks.iter_mut().zip(t.ticks()) {
            *out = Tick {
                initialized: tick.initialized(),
                liquidity_net: tick.liquidity_net(),
            };
        }
        tick_arrays.push(TickArray {
            start_tick_index: t.start_tick_index(),
            ticks,
        });
    }
    Ok(PoolModel::Whirlpool(Box::new(WhirlpoolPool {
        state: WhirlpoolState {
            sqrt_price: p.sqrt_price(),
            tick_current_index: p.tick_current_index(),
            liquidity: p.liquidity(),
            tick_spacing: p.tick_spacing(),
            fee_rate: p.fee_rate(),
            protocol_fee_rate: p.protocol_fee_rate(),
            decimals_a: parts.decimals.0,
            decimals_b: parts.decimals.1,
        },
        tick_arrays,
        oracle,
        timestamp: parts.clock.unix_seconds(),
    })))
}
