//! Decoded accounts to `pricing` models: the one place that knows both the account layouts
//! (through `decoder`) and the models' plain fields.

use decoder::{DecodedAccount, Pubkey, decode_account};
use detector::Curve;
use pricing::clmm::Tick;
use pricing::clmm::orca::{TickArray, WhirlpoolPool, WhirlpoolState};
use pricing::clmm::raydium::{
    ClmmState, ClmmTick, ClmmTickArray, DynamicFee, FeeOn, initialized_tick_array_starts,
};
use pricing::dlmm::{
    BinArray, CollectFeeMode, DlmmParams, DlmmPool, VariableParameters, bin_id_to_array_index,
};
use pricing::{AmmV4Pool, CpmmFees, CpmmPool, CreatorFeeOn, RaydiumClmmPool};

use super::state::StoredAccount;

/// What kind of pool an account is, and the accounts it needs to be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolShape {
    pub dex: &'static str,
    pub pool_type: &'static str,
    pub mint_a: Pubkey,
    pub mint_b: Pubkey,
    pub vault_a: Pubkey,
    pub vault_b: Pubkey,
    /// The fee config account, where the program keeps fees outside the pool.
    pub config: Option<Pubkey>,
}

/// The dependencies of a pool account, from its bytes.
pub fn shape(decoded: &DecodedAccount<'_>) -> Option<PoolShape> {
    Some(match decoded {
        DecodedAccount::RaydiumAmmV4(p) => PoolShape {
            dex: "raydium",
            pool_type: "amm_v4",
            mint_a: p.coin_mint(),
            mint_b: p.pc_mint(),
            vault_a: p.coin_vault(),
            vault_b: p.pc_vault(),
            config: None,
        },
        DecodedAccount::RaydiumCpmmPool(p) => PoolShape {
            dex: "raydium",
            pool_type: "cpmm",
            mint_a: p.token_0_mint(),
            mint_b: p.token_1_mint(),
            vault_a: p.token_0_vault(),
            vault_b: p.token_1_vault(),
            config: Some(p.amm_config()),
        },
        DecodedAccount::RaydiumClmmPool(p) => PoolShape {
            dex: "raydium",
            pool_type: "clmm",
            mint_a: p.token_mint_0(),
            mint_b: p.token_mint_1(),
            vault_a: p.token_vault_0(),
            vault_b: p.token_vault_1(),
            config: Some(p.amm_config()),
        },
        DecodedAccount::Whirlpool(p) => PoolShape {
            dex: "orca",
            pool_type: "whirlpool",
            mint_a: p.token_mint_a(),
            mint_b: p.token_mint_b(),
            vault_a: p.token_vault_a(),
            vault_b: p.token_vault_b(),
            config: None,
        },
        DecodedAccount::DlmmLbPair(p) => PoolShape {
            dex: "meteora",
            pool_type: "dlmm",
            mint_a: p.token_x_mint(),
            mint_b: p.token_y_mint(),
            vault_a: p.reserve_x(),
            vault_b: p.reserve_y(),
            config: None,
        },
        _ => return None,
    })
}

/// Why a pool cannot be priced yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("waiting for account {0}")]
    Missing(Pubkey),
    #[error("account {0} does not decode as expected: {1}")]
    Undecodable(Pubkey, String),
    #[error("pool state rejected by the model: {0}")]
    Model(#[from] pricing::PricingError),
}

/// The inputs a model is built from.
#[derive(Debug)]
pub struct Components<'a> {
    pub pool: &'a StoredAccount,
    pub vault_a: &'a StoredAccount,
    pub vault_b: &'a StoredAccount,
    pub config: Option<&'a StoredAccount>,
    pub arrays: Vec<&'a StoredAccount>,
    /// Decimals of the two mints, when known (CPMM, CLMM and AMM v4 also store them).
    pub decimals: (u8, u8),
    /// Unix seconds, for the fee models that decay with time.
    pub unix_now: u64,
}

fn decoded<'a>(key: &Pubkey, account: &'a StoredAccount) -> Result<DecodedAccount<'a>, ModelError> {
    decode_account(&account.owner, &account.data)
        .map_err(|e| ModelError::Undecodable(*key, e.to_string()))
}

fn token_amount(account: &StoredAccount) -> Result<u64, ModelError> {
    match decode_account(&account.owner, &account.data) {
        Ok(DecodedAccount::TokenAccount(t)) => Ok(t.amount()),
        Ok(other) => Err(ModelError::Undecodable(
            account.pubkey,
            format!("expected a token account, got {}", other.kind()),
        )),
        Err(e) => Err(ModelError::Undecodable(account.pubkey, e.to_string())),
    }
}

/// Builds the pricing model of a pool, and returns its vault balances.
///
/// # Errors
/// A component that does not decode as its role requires, or a state the model refuses.
pub fn build(c: &Components<'_>) -> Result<(Curve, (u64, u64)), ModelError> {
    let reserves = (token_amount(c.vault_a)?, token_amount(c.vault_b)?);
    let curve = match decoded(&c.pool.pubkey, c.pool)? {
        DecodedAccount::RaydiumAmmV4(p) => Curve::RaydiumAmmV4(AmmV4Pool::new(
            reserves,
            (p.need_take_pnl_coin(), p.need_take_pnl_pc()),
            (p.swap_fee_numerator(), p.swap_fee_denominator()),
            (p.coin_decimals(), p.pc_decimals()),
        )?),
        DecodedAccount::RaydiumCpmmPool(p) => {
            let config = c.config.ok_or(ModelError::Missing(p.amm_config()))?;
            let DecodedAccount::RaydiumCpmmConfig(cfg) = decoded(&config.pubkey, config)? else {
                return Err(ModelError::Undecodable(
                    config.pubkey,
                    "expected a CPMM AmmConfig".into(),
                ));
            };
            let creator_fee_on = match p.creator_fee_on() {
                decoder::raydium::cpmm::CreatorFeeOn::BothToken => CreatorFeeOn::BothToken,
                decoder::raydium::cpmm::CreatorFeeOn::OnlyToken0 => CreatorFeeOn::OnlyToken0,
                decoder::raydium::cpmm::CreatorFeeOn::OnlyToken1 => CreatorFeeOn::OnlyToken1,
            };
            let fees = CpmmFees {
                trade_fee_rate: cfg.trade_fee_rate(),
                protocol_fee_rate: cfg.protocol_fee_rate(),
                fund_fee_rate: cfg.fund_fee_rate(),
                creator_fee_rate: if p.enable_creator_fee() {
                    cfg.creator_fee_rate()
                } else {
                    0
                },
                creator_fee_on,
            };
            let owed_0 = p
                .protocol_fees_token_0()
                .saturating_add(p.fund_fees_token_0())
                .saturating_add(p.creator_fees_token_0());
            let owed_1 = p
                .protocol_fees_token_1()
                .saturating_add(p.fund_fees_token_1())
                .saturating_add(p.creator_fees_token_1());
            Curve::RaydiumCpmm(CpmmPool::new(
                reserves.0,
                reserves.1,
                owed_0,
                owed_1,
                fees,
                p.mint_0_decimals(),
                p.mint_1_decimals(),
            )?)
        }
        DecodedAccount::Whirlpool(p) => {
            let mut tick_arrays = Vec::new();
            for array in &c.arrays {
                if let DecodedAccount::WhirlpoolTickArray(t) = decoded(&array.pubkey, array)? {
                    let mut ticks = [Tick::default(); 88];
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
            }
            Curve::Whirlpool(Box::new(WhirlpoolPool {
                state: WhirlpoolState {
                    sqrt_price: p.sqrt_price(),
                    tick_current_index: p.tick_current_index(),
                    liquidity: p.liquidity(),
                    tick_spacing: p.tick_spacing(),
                    fee_rate: p.fee_rate(),
                    protocol_fee_rate: p.protocol_fee_rate(),
                    decimals_a: c.decimals.0,
                    decimals_b: c.decimals.1,
                },
                tick_arrays,
                // Pools from adaptive fee tiers need their Oracle account for the variable part;
                // without it the static fee is a lower bound, which the detector's screen
                // tolerates and its exact quotes then slightly overstate.
                oracle: None,
                timestamp: c.unix_now,
            }))
        }
        DecodedAccount::RaydiumClmmPool(p) => {
            let config = c.config.ok_or(ModelError::Missing(p.amm_config()))?;
            let DecodedAccount::RaydiumClmmConfig(cfg) = decoded(&config.pubkey, config)? else {
                return Err(ModelError::Undecodable(
                    config.pubkey,
                    "expected a CLMM AmmConfig".into(),
                ));
            };
            let mut tick_arrays = Vec::new();
            for array in &c.arrays {
                if let DecodedAccount::RaydiumClmmTickArray(t) = decoded(&array.pubkey, array)? {
                    let mut ticks = [ClmmTick::default(); 60];
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
            }
            let d = p.dynamic_fee_info();
            let dynamic_fee = (d != decoder::raydium::clmm::ClmmDynamicFeeInfo::default())
                .then_some(DynamicFee {
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
                decoder::raydium::clmm::ClmmFeeOn::FromInput => FeeOn::FromInput,
                decoder::raydium::clmm::ClmmFeeOn::Token0Only => FeeOn::Token0Only,
                decoder::raydium::clmm::ClmmFeeOn::Token1Only => FeeOn::Token1Only,
            };
            Curve::RaydiumClmm(Box::new(RaydiumClmmPool {
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
                    decimals_0: p.mint_decimals_0(),
                    decimals_1: p.mint_decimals_1(),
                },
                // The default bitmap only: arrays beyond ±512 arrays need the bitmap extension
                // account, which is not subscribed yet; quotes there end as partial fills.
                initialized_array_starts: initialized_tick_array_starts(
                    p.tick_spacing(),
                    &p.tick_array_bitmap(),
                    None,
                ),
                tick_arrays,
                timestamp: c.unix_now,
            }))
        }
        DecodedAccount::DlmmLbPair(p) => {
            let mut bin_arrays = Vec::new();
            for array in &c.arrays {
                if let DecodedAccount::DlmmBinArray(b) = decoded(&array.pubkey, array)? {
                    bin_arrays.push(BinArray::from_account_bytes(b.bytes())?);
                }
            }
            let (sp, vp) = (p.parameters(), p.v_parameters());
            let bitmap = p.bin_array_bitmap();
            let arrays_with_liquidity = (0..1024i64)
                .filter(|bit| bitmap[(*bit / 64) as usize] >> (bit % 64) & 1 == 1)
                .map(|bit| bit - 512)
                .collect::<Vec<_>>();
            // A pair whose bitmap marks nothing still has its active array.
            let arrays_with_liquidity = if arrays_with_liquidity.is_empty() {
                vec![bin_id_to_array_index(p.active_id())]
            } else {
                arrays_with_liquidity
            };
            Curve::Dlmm(Box::new(DlmmPool {
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
                timestamp: i64::try_from(c.unix_now).unwrap_or(i64::MAX),
                decimals_x: c.decimals.0,
                decimals_y: c.decimals.1,
                reserves: Some(reserves),
            }))
        }
        other => {
            return Err(ModelError::Undecodable(
                c.pool.pubkey,
                format!("{} is not a pool", other.kind()),
            ));
        }
    };
    Ok((curve, reserves))
}
