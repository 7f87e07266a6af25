//! The built-in market simulator: the embedded default source, so `cargo run -p monitor`
//! shows a live market with no network and no configuration.
//!
//! It builds realistic pools (SOL/USDC on every dex, SOL/USDT, USDC/USDT and a few long-tail
//! tokens) and writes them as genuine account bytes in each program's layout
//! (`decoder::encode`), so everything downstream runs exactly as on mainnet. Each step moves a
//! hidden fair price by a random walk and executes one swap with `pricing`'s exact math:
//! mostly arbitrageurs pulling a pool towards the fair price, sometimes noise traders. Some
//! pools are traded less often, so they lag; arbitrage opens there and closes when they catch
//! up. It is seeded: the same seed gives the same account states in the same order. Slots
//! advance every fixed number of steps, not with the wall clock, for the same reason.
//!
//! One simplification: after a DLMM swap the simulator re-spreads the pair's liquidity evenly
//! around the new active bin instead of tracking each bin's fill; the bytes it writes are still
//! a valid pair that the program would quote exactly as `pricing` does.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use decoder::encode::{self, AmmV4Fields, ClFields, CpmmFields, LbPairFields};
use decoder::{
    METEORA_DLMM, ORCA_WHIRLPOOL, Pubkey, RAYDIUM_AMM_V4, RAYDIUM_CLMM, RAYDIUM_CPMM, SPL_TOKEN,
};
use market::PoolModel;
use pricing::clmm::orca::{TickArray, WhirlpoolPool, WhirlpoolState, tick_index_from_sqrt_price};
use pricing::clmm::raydium::{ClmmState, ClmmTick, ClmmTickArray, FeeOn};
use pricing::dlmm::{
    Bin, BinArray, DlmmParams, DlmmPool, VariableParameters, bin_id_to_array_index,
};
use pricing::{
    AmmV4Params, AmmV4Pool, CpmmFees, CpmmParams, CpmmPool, Direction, RaydiumClmmPool, SwapMode,
    SwapModel, Vault,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{AccountUpdate, CoalescingQueue, SourceKind};
use crate::clock::monotonic_us;
use crate::tokens::{BONK, JUP, RAY, SOL, USDC, USDT};

/// How the simulator runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatorConfig {
    pub seed: u64,
    /// Target account updates per second (each swap writes two to four accounts).
    pub updates_per_second: u32,
    /// Steps per slot.
    pub steps_per_slot: u64,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            updates_per_second: 2_000,
            steps_per_slot: 200,
        }
    }
}

const Q64: f64 = 18_446_744_073_709_551_616.0;

#[derive(Debug, Clone, Copy)]
struct Token {
    mint: Pubkey,
    decimals: u8,
    /// The hidden fair price, in USD.
    usd: f64,
}

#[derive(Debug)]
struct Pool {
    address: Pubkey,
    tokens: (usize, usize),
    vaults: (Pubkey, Pubkey),
    /// Vault balances.
    reserves: (u64, u64),
    config: Pubkey,
    arrays: Vec<Pubkey>,
    curve: PoolModel,
    /// Relative chance an arbitrageur visits this pool: low values lag.
    attention: f64,
}

impl Pool {
    fn model(&self) -> &dyn SwapModel {
        self.curve.as_swap_model()
    }
}

/// The simulated market.
#[derive(Debug)]
pub struct Market {
    rng: StdRng,
    tokens: Vec<Token>,
    pools: Vec<Pool>,
    slot: u64,
    step: u64,
    write_version: u64,
    steps_per_slot: u64,
    next_key: u64,
}

fn key_from(n: u64) -> Pubkey {
    // Addresses derived from a counter: distinct, stable for a seed, clearly synthetic.
    let mut bytes = [0x5Au8; 32];
    bytes[..8].copy_from_slice(&n.to_le_bytes());
    Pubkey::new_from_array(bytes)
}

impl Market {
    /// Builds the market for a seed.
    pub fn new(config: &SimulatorConfig) -> Self {
        let tokens = vec![
            Token {
                mint: SOL,
                decimals: 9,
                usd: 180.0,
            },
            Token {
                mint: USDC,
                decimals: 6,
                usd: 1.0,
            },
            Token {
                mint: USDT,
                decimals: 6,
                usd: 1.0,
            },
            Token {
                mint: BONK,
                decimals: 5,
                usd: 0.000_02,
            },
            Token {
                mint: JUP,
                decimals: 6,
                usd: 0.8,
            },
            Token {
                mint: RAY,
                decimals: 6,
                usd: 2.0,
            },
        ];
        let mut market = Self {
            rng: StdRng::seed_from_u64(config.seed),
            tokens,
            pools: Vec::new(),
            slot: 300_000_000,
            step: 0,
            write_version: 1,
            steps_per_slot: config.steps_per_slot.max(1),
            next_key: 1,
        };
        let (sol, usdc, usdt, bonk, jup, ray) = (0, 1, 2, 3, 4, 5);
        // (kind, token a, token b, USD depth per side, attention)
        let specs: [(&str, usize, usize, f64, f64); 16] = [
            ("amm_v4", sol, usdc, 8_000_000.0, 1.0),
            ("cpmm", sol, usdc, 2_000_000.0, 0.15),
            ("whirlpool", sol, usdc, 10_000_000.0, 1.0),
            ("clmm", sol, usdc, 4_000_000.0, 0.5),
            ("dlmm", sol, usdc, 3_000_000.0, 0.3),
            ("amm_v4", sol, usdt, 2_000_000.0, 0.6),
            ("whirlpool", sol, usdt, 3_000_000.0, 0.4),
            ("cpmm", usdc, usdt, 5_000_000.0, 0.5),
            ("dlmm", usdc, usdt, 6_000_000.0, 0.5),
            ("amm_v4", bonk, sol, 1_500_000.0, 0.3),
            ("whirlpool", bonk, usdc, 1_000_000.0, 0.3),
            ("cpmm", jup, usdc, 1_200_000.0, 0.3),
            ("clmm", jup, usdc, 900_000.0, 0.25),
            ("dlmm", jup, sol, 700_000.0, 0.2),
            ("amm_v4", ray, usdc, 800_000.0, 0.3),
            ("cpmm", ray, sol, 500_000.0, 0.15),
        ];
        for (kind, a, b, depth, attention) in specs {
            let pool = market.make_pool(kind, a, b, depth, attention);
            market.pools.push(pool);
        }
        market
    }

    fn new_key(&mut self) -> Pubkey {
        let k = key_from(self.next_key);
        self.next_key += 1;
        k
    }

    /// Fair price of `a` in `b`, raw units (B per A before decimals).
    fn fair_raw(&self, a: usize, b: usize) -> f64 {
        let (ta, tb) = (self.tokens[a], self.tokens[b]);
        ta.usd / tb.usd * 10f64.powi(i32::from(tb.decimals) - i32::from(ta.decimals))
    }

    fn raw_amount(&self, token: usize, usd: f64) -> u64 {
        let t = self.tokens[token];
        (usd / t.usd * 10f64.powi(i32::from(t.decimals))) as u64
    }

    fn make_pool(
        &mut self,
        kind: &str,
        a: usize,
        b: usize,
        depth_usd: f64,
        attention: f64,
    ) -> Pool {
        let address = self.new_key();
        let vaults = (self.new_key(), self.new_key());
        let config = self.new_key();
        let reserves = (self.raw_amount(a, depth_usd), self.raw_amount(b, depth_usd));
        let (da, db) = (self.tokens[a].decimals, self.tokens[b].decimals);
        let price = self.fair_raw(a, b);
        // The curve, and the keys of its tick or bin arrays (drawn after the pool's own).
        let (curve, arrays) = match kind {
            "amm_v4" => (
                PoolModel::RaydiumAmmV4(
                    AmmV4Pool::new(AmmV4Params {
                        vault_coin: Vault::new(reserves.0, 0),
                        vault_pc: Vault::new(reserves.1, 0),
                        swap_fee_numerator: 25,
                        swap_fee_denominator: 10_000,
                        coin_decimals: da,
                        pc_decimals: db,
                    })
                    .unwrap_or_else(|_| unreachable_pool()),
                ),
                Vec::new(),
            ),
            "cpmm" => {
                let fees = CpmmFees {
                    trade_fee_rate: 2_500,
                    protocol_fee_rate: 120_000,
                    fund_fee_rate: 40_000,
                    creator_fee_rate: 0,
                    creator_fee_on: Default::default(),
                };
                let pool = CpmmPool::new(CpmmParams {
                    vault_0: Vault::new(reserves.0, 0),
                    vault_1: Vault::new(reserves.1, 0),
                    fees,
                    decimals_0: da,
                    decimals_1: db,
                })
                .unwrap_or_else(|_| unreachable_cpmm());
                (PoolModel::RaydiumCpmm(pool), Vec::new())
            }
            "whirlpool" | "clmm" => {
                let sqrt_price = (price.sqrt() * Q64) as u128;
                // Liquidity so that the pool holds about `depth` of B within its range.
                let liquidity = ((reserves.1 as f64) / price.sqrt() * 4.0) as u128;
                if kind == "whirlpool" {
                    let tick = tick_index_from_sqrt_price(sqrt_price);
                    let spacing = 64i32;
                    let span = 88 * spacing;
                    let start = tick.div_euclid(span) * span;
                    let tick_arrays: Vec<TickArray> = (-2..=2)
                        .map(|k| TickArray::empty(start + k * span))
                        .collect();
                    let keys: Vec<Pubkey> = (0..5).map(|_| self.new_key()).collect();
                    let pool = WhirlpoolPool {
                        state: WhirlpoolState {
                            sqrt_price,
                            tick_current_index: tick,
                            liquidity,
                            tick_spacing: 64,
                            fee_rate: 3_000,
                            protocol_fee_rate: 1_300,
                            decimals_a: da,
                            decimals_b: db,
                        },
                        tick_arrays,
                        oracle: None,
                        timestamp: 0,
                    };
                    (PoolModel::Whirlpool(Box::new(pool)), keys)
                } else {
                    let spacing = 10u16;
                    let tick = pricing::clmm::raydium::tick_at_sqrt_price(sqrt_price).unwrap_or(0);
                    let span = 60 * i32::from(spacing);
                    let start = tick.div_euclid(span) * span;
                    let mut tick_arrays = Vec::new();
                    let mut starts = Vec::new();
                    for k in -4..=4 {
                        let s = start + k * span;
                        let mut ticks = [ClmmTick::default(); 60];
                        for (i, t) in ticks.iter_mut().enumerate() {
                            t.tick = s + i as i32 * i32::from(spacing);
                        }
                        // One initialized tick per array with no net liquidity: the arrays are
                        // live (the program requires an initialized tick in each) and the
                        // liquidity is one wide position.
                        ticks[0].liquidity_gross = 1;
                        tick_arrays.push(ClmmTickArray {
                            start_tick_index: s,
                            ticks,
                        });
                        starts.push(s);
                    }
                    let keys: Vec<Pubkey> = (0..9).map(|_| self.new_key()).collect();
                    let pool = RaydiumClmmPool {
                        state: ClmmState {
                            sqrt_price_x64: sqrt_price,
                            tick_current: tick,
                            liquidity,
                            tick_spacing: spacing,
                            trade_fee_rate: 2_500,
                            protocol_fee_rate: 120_000,
                            fund_fee_rate: 40_000,
                            fee_on: FeeOn::FromInput,
                            dynamic_fee: None,
                            swaps_enabled: true,
                            decimals_0: da,
                            decimals_1: db,
                        },
                        initialized_array_starts: starts,
                        tick_arrays,
                        timestamp: 0,
                    };
                    (PoolModel::RaydiumClmm(Box::new(pool)), keys)
                }
            }
            _ => {
                let bin_step: u16 = if a == 1 || b == 1 {
                    if (a, b) == (1, 2) { 1 } else { 10 }
                } else {
                    20
                };
                let step = 1.0 + f64::from(bin_step) / 10_000.0;
                let active_id = (price.ln() / step.ln()).round() as i32;
                let center = bin_id_to_array_index(active_id);
                let keys: Vec<Pubkey> = (0..3).map(|_| self.new_key()).collect();
                let mut pool = DlmmPool {
                    params: DlmmParams {
                        bin_step,
                        base_factor: 10_000,
                        filter_period: 30,
                        decay_period: 600,
                        reduction_factor: 5_000,
                        variable_fee_control: 7_500,
                        max_volatility_accumulator: 150_000,
                        protocol_share: 500,
                        ..DlmmParams::default()
                    },
                    variables: VariableParameters::default(),
                    active_id,
                    arrays_with_liquidity: vec![center - 1, center, center + 1],
                    bin_arrays: (-1..=1)
                        .map(|k| BinArray {
                            index: center + k,
                            bins: [Bin::default(); 70],
                        })
                        .collect(),
                    timestamp: 0,
                    decimals_x: da,
                    decimals_y: db,
                    reserves: None,
                };
                spread_bins(&mut pool, reserves);
                (PoolModel::Dlmm(Box::new(pool)), keys)
            }
        };
        Pool {
            address,
            tokens: (a, b),
            vaults,
            reserves,
            config,
            arrays,
            curve,
            attention,
        }
    }

    /// Every account of the market, for the initial snapshot.
    pub fn snapshot(&mut self) -> Vec<AccountUpdate> {
        let mut out = Vec::new();
        for token in self.tokens.clone() {
            out.push(self.account(
                token.mint,
                SPL_TOKEN,
                encode::mint(token.decimals, u64::MAX / 4),
            ));
        }
        for p in 0..self.pools.len() {
            out.extend(self.pool_accounts(p, true));
        }
        out
    }

    fn account(&mut self, pubkey: Pubkey, owner: Pubkey, data: Vec<u8>) -> AccountUpdate {
        self.write_version += 1;
        AccountUpdate {
            pubkey,
            owner,
            data: Bytes::from(data),
            slot: self.slot,
            write_version: Some(self.write_version),
            received_at_us: monotonic_us(),
            source: SourceKind::Simulator,
        }
    }

    /// The accounts of pool `p` that a swap changes (all of them when `full`).
    fn pool_accounts(&mut self, p: usize, full: bool) -> Vec<AccountUpdate> {
        let pool = &self.pools[p];
        let (ta, tb) = (self.tokens[pool.tokens.0], self.tokens[pool.tokens.1]);
        let authority = key_from(u64::MAX);
        let mut out = vec![
            (
                pool.vaults.0,
                SPL_TOKEN,
                encode::token_account(&ta.mint, &authority, pool.reserves.0),
            ),
            (
                pool.vaults.1,
                SPL_TOKEN,
                encode::token_account(&tb.mint, &authority, pool.reserves.1),
            ),
        ];
        match &pool.curve {
            PoolModel::RaydiumAmmV4(m) => {
                if full {
                    let fields = AmmV4Fields {
                        coin_decimals: m.coin_decimals,
                        pc_decimals: m.pc_decimals,
                        swap_fee: (25, 10_000),
                        need_take_pnl: (0, 0),
                        coin_vault: pool.vaults.0,
                        pc_vault: pool.vaults.1,
                        coin_mint: ta.mint,
                        pc_mint: tb.mint,
                    };
                    out.push((pool.address, RAYDIUM_AMM_V4, encode::amm_v4(&fields)));
                }
            }
            PoolModel::RaydiumCpmm(m) => {
                if full {
                    let fields = CpmmFields {
                        amm_config: pool.config,
                        vaults: pool.vaults,
                        mints: (ta.mint, tb.mint),
                        decimals: (m.decimals_0, m.decimals_1),
                        ..Default::default()
                    };
                    out.push((pool.address, RAYDIUM_CPMM, encode::cpmm_pool(&fields)));
                    out.push((
                        pool.config,
                        RAYDIUM_CPMM,
                        encode::cpmm_config(
                            m.fees.trade_fee_rate,
                            m.fees.protocol_fee_rate,
                            m.fees.fund_fee_rate,
                        ),
                    ));
                }
            }
            PoolModel::Whirlpool(m) => {
                let s = &m.state;
                let fields = ClFields {
                    vaults: pool.vaults,
                    mints: (ta.mint, tb.mint),
                    decimals: (ta.decimals, tb.decimals),
                    tick_spacing: s.tick_spacing,
                    fee_rate: s.fee_rate,
                    liquidity: s.liquidity,
                    sqrt_price: s.sqrt_price,
                    tick_current: s.tick_current_index,
                    ..Default::default()
                };
                out.push((pool.address, ORCA_WHIRLPOOL, encode::whirlpool(&fields)));
                if full {
                    for (key, array) in pool.arrays.iter().zip(&m.tick_arrays) {
                        let ticks: Vec<(usize, i128)> = array
                            .ticks
                            .iter()
                            .enumerate()
                            .filter(|(_, t)| t.initialized)
                            .map(|(i, t)| (i, t.liquidity_net))
                            .collect();
                        out.push((
                            *key,
                            ORCA_WHIRLPOOL,
                            encode::whirlpool_tick_array(
                                &pool.address,
                                array.start_tick_index,
                                &ticks,
                            ),
                        ));
                    }
                }
            }
            PoolModel::RaydiumClmm(m) => {
                let s = &m.state;
                let mut bitmap = [0u64; 16];
                for start in &m.initialized_array_starts {
                    let bit = start.div_euclid(60 * i32::from(s.tick_spacing)) + 512;
                    if (0..1024).contains(&bit) {
                        bitmap[(bit / 64) as usize] |= 1 << (bit % 64);
                    }
                }
                let fields = ClFields {
                    config: pool.config,
                    vaults: pool.vaults,
                    mints: (ta.mint, tb.mint),
                    decimals: (s.decimals_0, s.decimals_1),
                    tick_spacing: s.tick_spacing,
                    liquidity: s.liquidity,
                    sqrt_price: s.sqrt_price_x64,
                    tick_current: s.tick_current,
                    tick_array_bitmap: bitmap,
                    ..Default::default()
                };
                out.push((pool.address, RAYDIUM_CLMM, encode::clmm_pool(&fields)));
                if full {
                    out.push((
                        pool.config,
                        RAYDIUM_CLMM,
                        encode::clmm_config(s.trade_fee_rate, s.tick_spacing),
                    ));
                    for (key, array) in pool.arrays.iter().zip(&m.tick_arrays) {
                        let ticks: Vec<(usize, i128)> = array
                            .ticks
                            .iter()
                            .enumerate()
                            .filter(|(_, t)| t.liquidity_gross > 0)
                            .map(|(i, t)| (i, t.liquidity_net))
                            .collect();
                        out.push((
                            *key,
                            RAYDIUM_CLMM,
                            encode::clmm_tick_array(
                                &pool.address,
                                array.start_tick_index,
                                s.tick_spacing,
                                &ticks,
                            ),
                        ));
                    }
                }
            }
            PoolModel::Dlmm(m) => {
                let mut bitmap = [0u64; 16];
                for index in &m.arrays_with_liquidity {
                    let bit = index + 512;
                    if (0..1024).contains(&bit) {
                        bitmap[(bit / 64) as usize] |= 1 << (bit % 64);
                    }
                }
                let fields = LbPairFields {
                    bin_step: m.params.bin_step,
                    base_factor: m.params.base_factor,
                    variable_fee_control: m.params.variable_fee_control,
                    max_volatility_accumulator: m.params.max_volatility_accumulator,
                    protocol_share: m.params.protocol_share,
                    active_id: m.active_id,
                    mints: (ta.mint, tb.mint),
                    reserves: pool.vaults,
                    bin_array_bitmap: bitmap,
                    last_update_timestamp: m.variables.last_update_timestamp,
                };
                out.push((pool.address, METEORA_DLMM, encode::lb_pair(&fields)));
                for (key, array) in pool.arrays.iter().zip(&m.bin_arrays) {
                    let bins: Vec<(usize, u64, u64)> = array
                        .bins
                        .iter()
                        .enumerate()
                        .map(|(i, b)| (i, b.amount_x, b.amount_y))
                        .collect();
                    out.push((
                        *key,
                        METEORA_DLMM,
                        encode::bin_array(&pool.address, array.index, &bins),
                    ));
                }
            }
        }
        out.into_iter()
            .map(|(k, o, d)| self.account(k, o, d))
            .collect()
    }

    /// One step: the fair prices move, and one swap happens. Returns the accounts it wrote.
    pub fn step(&mut self) -> Vec<AccountUpdate> {
        self.step += 1;
        if self.step.is_multiple_of(self.steps_per_slot) {
            self.slot += 1;
        }
        // Random walk of the fair prices (stablecoins stay put).
        for t in self
            .tokens
            .iter_mut()
            .filter(|t| t.mint != USDC && t.mint != USDT)
        {
            let shock = (self.rng.random::<f64>() - 0.5) * 0.000_2;
            t.usd *= 1.0 + shock;
        }
        // An arbitrageur visits a pool in proportion to its attention; noise traders any pool.
        let total: f64 = self.pools.iter().map(|p| p.attention).sum();
        let arbitrage = self.rng.random::<f64>() < 0.8;
        let p = if arbitrage {
            let mut x = self.rng.random::<f64>() * total;
            self.pools
                .iter()
                .position(|p| {
                    x -= p.attention;
                    x <= 0.0
                })
                .unwrap_or(0)
        } else {
            self.rng.random_range(0..self.pools.len())
        };
        let (a, b) = self.pools[p].tokens;
        let fair = self.fair_raw(a, b);
        let spot = self.pools[p].model().spot_price().to_f64_raw();
        let (direction, gap) = if arbitrage {
            if spot < fair {
                (Direction::BToA, fair / spot - 1.0)
            } else {
                (Direction::AToB, 1.0 - fair / spot)
            }
        } else {
            (
                if self.rng.random::<bool>() {
                    Direction::AToB
                } else {
                    Direction::BToA
                },
                0.001 * self.rng.random::<f64>(),
            )
        };
        // Size: the input that moves the price about `gap` through the pool's depth.
        let token_in = if direction == Direction::AToB { a } else { b };
        let depth_in = if direction == Direction::AToB {
            self.pools[p].reserves.0
        } else {
            self.pools[p].reserves.1
        };
        let amount = ((depth_in as f64) * gap.min(0.02) * 0.5)
            .max(10f64.powi(i32::from(self.tokens[token_in].decimals) - 2))
            as u64;
        if amount == 0 || gap <= 0.0 {
            return Vec::new();
        }
        let Ok(quote) = self.pools[p].model().quote_exact_in(direction, amount) else {
            return Vec::new();
        };
        if quote.amount_out == 0 || !quote.is_complete() {
            return Vec::new();
        }
        self.execute(p, direction, quote.amount_in, quote.amount_out);
        let full = matches!(self.pools[p].curve, PoolModel::Dlmm(_));
        self.pool_accounts(p, full)
    }

    /// Applies a swap's result to the pool's state and vaults.
    fn execute(&mut self, p: usize, direction: Direction, amount_in: u64, amount_out: u64) {
        let pool = &mut self.pools[p];
        let a_to_b = direction == Direction::AToB;
        if a_to_b {
            pool.reserves = (
                pool.reserves.0.saturating_add(amount_in),
                pool.reserves.1.saturating_sub(amount_out),
            );
        } else {
            pool.reserves = (
                pool.reserves.0.saturating_sub(amount_out),
                pool.reserves.1.saturating_add(amount_in),
            );
        }
        match &mut pool.curve {
            PoolModel::RaydiumAmmV4(m) => {
                (m.reserve_coin, m.reserve_pc) = pool.reserves;
            }
            PoolModel::RaydiumCpmm(m) => {
                (m.reserve_0, m.reserve_1) = pool.reserves;
            }
            PoolModel::Whirlpool(m) => {
                if let Ok(o) = m.swap(direction, SwapMode::ExactIn, amount_in, 0) {
                    m.state.sqrt_price = o.end_sqrt_price;
                    m.state.tick_current_index = o.end_tick_index;
                    m.state.liquidity = o.end_liquidity;
                }
            }
            PoolModel::RaydiumClmm(m) => {
                if let Ok(o) = m.swap(direction, SwapMode::ExactIn, amount_in, 0) {
                    m.state.sqrt_price_x64 = o.end_sqrt_price;
                    m.state.tick_current = o.end_tick;
                    m.state.liquidity = o.end_liquidity;
                }
            }
            PoolModel::Dlmm(m) => {
                let direction = if a_to_b {
                    Direction::AToB
                } else {
                    Direction::BToA
                };
                if let Ok(s) = m.swap(direction, SwapMode::ExactIn, amount_in) {
                    m.active_id = s.end_active_id;
                    let reserves = pool.reserves;
                    spread_bins(m, reserves);
                }
            }
        }
    }

    /// Exchange books that follow the hidden fair prices exactly (the exchange leads, the
    /// pools lag), twenty levels a side around a one-tick spread, for the pairs Binance lists.
    pub fn cex_books(&self, now_us: u64) -> Vec<crate::cex::Book> {
        let (sol, usdc, usdt, jup) = (0, 1, 2, 4);
        [
            ("SOLUSDC", "SOL/USDC", sol, usdc, 1_000_000u64),
            ("SOLUSDT", "SOL/USDT", sol, usdt, 1_000_000),
            ("JUPUSDC", "JUP/USDC", jup, usdc, 10_000),
        ]
        .into_iter()
        .map(|(symbol, pair, base, quote, tick_e8)| {
            let fair = self.tokens[base].usd / self.tokens[quote].usd;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let mid_ticks = (fair * 1e8 / tick_e8 as f64).round() as u64;
            // About $50k a level, growing with distance from the top.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let qty_e8 = |i: u64| ((50_000.0 / self.tokens[base].usd) * 1e8) as u64 * (1 + i / 4);
            let mut book = crate::cex::Book::new("binance", symbol, pair);
            book.bids = (0..20)
                .map(|i| crate::cex::wire::Level {
                    price_e8: (mid_ticks - 1 - i) * tick_e8,
                    qty_e8: qty_e8(i),
                })
                .collect();
            book.asks = (0..20)
                .map(|i| crate::cex::wire::Level {
                    price_e8: (mid_ticks + 1 + i) * tick_e8,
                    qty_e8: qty_e8(i),
                })
                .collect();
            book.received_at_us = now_us;
            book
        })
        .collect()
    }

    pub fn slot(&self) -> u64 {
        self.slot
    }
}

/// Spreads a pair's reserves evenly over the bins of its arrays: Y below the active bin, X
/// above, half of each in the active bin's neighbourhood.
fn spread_bins(pool: &mut DlmmPool, (x, y): (u64, u64)) {
    let active = i64::from(pool.active_id);
    let (mut above, mut below) = (0u64, 0u64);
    for array in &pool.bin_arrays {
        for i in 0..70 {
            let id = array.index * 70 + i as i64;
            if id >= active {
                above += 1;
            }
            if id <= active {
                below += 1;
            }
        }
    }
    let (per_x, per_y) = (x / above.max(1), y / below.max(1));
    for array in &mut pool.bin_arrays {
        for (i, bin) in array.bins.iter_mut().enumerate() {
            let id = array.index * 70 + i as i64;
            bin.amount_x = if id >= active { per_x } else { 0 };
            bin.amount_y = if id <= active { per_y } else { 0 };
            bin.price = 0;
        }
    }
}

fn unreachable_pool() -> AmmV4Pool {
    // The specs above always give a fee below 100%.
    AmmV4Pool {
        reserve_coin: 1,
        reserve_pc: 1,
        swap_fee_numerator: 25,
        swap_fee_denominator: 10_000,
        coin_decimals: 0,
        pc_decimals: 0,
    }
}

fn unreachable_cpmm() -> CpmmPool {
    CpmmPool {
        reserve_0: 1,
        reserve_1: 1,
        fees: CpmmFees::default(),
        decimals_0: 0,
        decimals_1: 0,
    }
}

/// Runs the simulator into `queue` until `shutdown` fires.
pub async fn run(
    config: SimulatorConfig,
    queue: Arc<CoalescingQueue>,
    books: Option<Arc<crate::cex::BookInbox>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut market = Market::new(&config);
    for update in market.snapshot() {
        queue.push(update);
    }
    queue.push_slot(market.slot());
    // Emit in 10 ms ticks, each carrying a tenth of a hundredth of the per-second rate.
    let per_tick = (f64::from(config.updates_per_second) / 100.0).max(1.0);
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut budget = 0.0;
    let mut ticks = 0u64;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => break,
        }
        // The exchange books, as Binance's depth stream sends them: every 100 ms.
        ticks += 1;
        if let Some(books) = books.as_ref().filter(|_| ticks.is_multiple_of(10)) {
            for book in market.cex_books(monotonic_us()) {
                books.put(book);
            }
        }
        budget += per_tick;
        let mut tick = Vec::new();
        while budget >= 1.0 {
            let updates = market.step();
            budget -= updates.len().max(1) as f64;
            tick.extend(updates);
        }
        queue.push_all(arrive(tick, monotonic_us()));
        queue.push_slot(market.slot());
    }
    queue.close();
}

/// Stamps a tick's writes with the moment they reach the queue: they arrive together, as a
/// slot's do from a stream, and a real source stamps an update when it arrives. Stamped as
/// each was generated, the first of a tick would count the simulator's own work on the rest
/// (a tick takes it about 0.2 ms at 10,000 updates/s, by a `perf` profile) as the monitor's
/// latency.
fn arrive(mut tick: Vec<AccountUpdate>, at_us: u64) -> Vec<AccountUpdate> {
    for update in &mut tick {
        update.received_at_us = at_us;
    }
    tick
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_ticks_writes_arrive_together_when_queued() {
        let queue = Arc::new(CoalescingQueue::new(1_024));
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let config = SimulatorConfig {
            updates_per_second: 10_000,
            ..SimulatorConfig::default()
        };
        let sim = tokio::spawn(run(config, queue.clone(), None, shutdown));
        // The snapshot's accounts are stamped one by one: let them and the first ticks go.
        tokio::time::sleep(Duration::from_millis(50)).await;
        while queue.try_pop_batch(4_096).is_some() {}
        let watched = std::time::Instant::now();
        tokio::time::sleep(Duration::from_millis(35)).await;
        let _ = stop.send(true);
        sim.await.unwrap();
        let elapsed_ms = watched.elapsed().as_millis();
        let mut writes = Vec::new();
        while let Some((batch, _)) = queue.try_pop_batch(4_096) {
            writes.extend(batch);
        }
        assert!(!writes.is_empty(), "no tick reached the queue");
        // One stamp per 10 ms tick: at most one more than the ticks that fit in the window,
        // and the window's edges may each cut one.
        let mut stamps: Vec<u64> = writes.iter().map(|u| u.received_at_us).collect();
        stamps.sort_unstable();
        stamps.dedup();
        let ticks_at_most = usize::try_from(elapsed_ms / 10).unwrap_or(usize::MAX) + 2;
        assert!(
            stamps.len() <= ticks_at_most,
            "{} stamps for {} writes in {elapsed_ms} ms",
            stamps.len(),
            writes.len()
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_market() {
        let config = SimulatorConfig::default();
        let (mut a, mut b) = (Market::new(&config), Market::new(&config));
        let strip = |u: Vec<AccountUpdate>| -> Vec<(Pubkey, Bytes, u64)> {
            u.into_iter().map(|x| (x.pubkey, x.data, x.slot)).collect()
        };
        assert_eq!(strip(a.snapshot()), strip(b.snapshot()));
        for _ in 0..500 {
            assert_eq!(strip(a.step()), strip(b.step()));
        }
    }

    #[test]
    fn every_account_it_writes_decodes() {
        let mut m = Market::new(&SimulatorConfig::default());
        let mut all = m.snapshot();
        for _ in 0..300 {
            all.extend(m.step());
        }
        for u in &all {
            decoder::decode_account(&u.owner, &u.data)
                .unwrap_or_else(|e| panic!("{}: {e}", u.pubkey));
        }
        assert!(all.len() > 300);
    }

    #[test]
    fn pools_stay_near_the_fair_price() {
        let mut m = Market::new(&SimulatorConfig::default());
        for _ in 0..5_000 {
            m.step();
        }
        for p in &m.pools {
            let fair = m.fair_raw(p.tokens.0, p.tokens.1);
            let spot = p.model().spot_price().to_f64_raw();
            assert!(
                (spot / fair - 1.0).abs() < 0.05,
                "pool {:?} at {spot} vs fair {fair}",
                p.address
            );
        }
    }
}
