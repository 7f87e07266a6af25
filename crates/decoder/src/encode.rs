//! Account encoders (feature `encode`): genuine account bytes in each program's layout, from
//! plain field values. The monitor's market simulator emits these, and tests use them to build
//! accounts the fixtures do not cover. Every encoder's output decodes with this crate's own
//! decoders (tested below), so the two cannot drift apart.
//!
//! Only the fields a pricer reads are settable; the rest are zero, as in a freshly created
//! account.

use solana_pubkey::Pubkey;

use crate::program::discriminator as d;
use crate::{meteora, orca, raydium};

fn put<const N: usize>(data: &mut [u8], at: usize, bytes: [u8; N]) {
    if let Some(slot) = data.get_mut(at..at + N) {
        slot.copy_from_slice(&bytes);
    }
}

fn put_key(data: &mut [u8], at: usize, key: &Pubkey) {
    put(data, at, key.to_bytes());
}

/// An SPL Token account holding `amount` of `mint`.
pub fn token_account(mint: &Pubkey, owner: &Pubkey, amount: u64) -> Vec<u8> {
    let mut data = vec![0u8; crate::token::ACCOUNT_LEN];
    put_key(&mut data, 0, mint);
    put_key(&mut data, 32, owner);
    put(&mut data, 64, amount.to_le_bytes());
    data[108] = 1; // initialized
    data
}

/// An SPL Token mint.
pub fn mint(decimals: u8, supply: u64) -> Vec<u8> {
    let mut data = vec![0u8; crate::token::MINT_LEN];
    put(&mut data, 36, supply.to_le_bytes());
    data[44] = decimals;
    data[45] = 1; // initialized
    data
}

/// A Token-2022 mint with extensions `(type, value)`, as the token program lays it out: the
/// 82-byte base, zero padding to 165 bytes, the account type, then the TLV entries. Types are
/// in [`crate::token::extension_type`].
pub fn token_2022_mint(decimals: u8, supply: u64, extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut data = mint(decimals, supply);
    data.resize(crate::token::ACCOUNT_LEN, 0);
    data.push(crate::token::ACCOUNT_TYPE_MINT);
    for (extension_type, value) in extensions {
        data.extend_from_slice(&extension_type.to_le_bytes());
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        data.extend_from_slice(&len.to_le_bytes());
        data.extend_from_slice(value);
    }
    data
}

/// Fields of a Raydium AMM v4 pool.
#[derive(Debug, Clone, Default)]
pub struct AmmV4Fields {
    /// `coin_decimals` to write.
    pub coin_decimals: u8,
    /// `pc_decimals` to write.
    pub pc_decimals: u8,
    /// `swap_fee` to write.
    pub swap_fee: (u64, u64),
    /// `need_take_pnl` to write.
    pub need_take_pnl: (u64, u64),
    /// `coin_vault` to write.
    pub coin_vault: Pubkey,
    /// `pc_vault` to write.
    pub pc_vault: Pubkey,
    /// `coin_mint` to write.
    pub coin_mint: Pubkey,
    /// `pc_mint` to write.
    pub pc_mint: Pubkey,
}

/// A Raydium AMM v4 `AmmInfo` (status `SwapOnly`).
pub fn amm_v4(f: &AmmV4Fields) -> Vec<u8> {
    use raydium::amm_v4::offset as o;
    let mut data = vec![0u8; raydium::amm_v4::AmmInfo::LEN];
    put(&mut data, o::STATUS, 6u64.to_le_bytes());
    put(
        &mut data,
        o::COIN_DECIMALS,
        u64::from(f.coin_decimals).to_le_bytes(),
    );
    put(
        &mut data,
        o::PC_DECIMALS,
        u64::from(f.pc_decimals).to_le_bytes(),
    );
    put(&mut data, o::TRADE_FEE_NUMERATOR, 25u64.to_le_bytes());
    put(&mut data, o::TRADE_FEE_DENOMINATOR, 10_000u64.to_le_bytes());
    put(&mut data, o::SWAP_FEE_NUMERATOR, f.swap_fee.0.to_le_bytes());
    put(
        &mut data,
        o::SWAP_FEE_DENOMINATOR,
        f.swap_fee.1.to_le_bytes(),
    );
    put(
        &mut data,
        o::NEED_TAKE_PNL_COIN,
        f.need_take_pnl.0.to_le_bytes(),
    );
    put(
        &mut data,
        o::NEED_TAKE_PNL_PC,
        f.need_take_pnl.1.to_le_bytes(),
    );
    put_key(&mut data, o::COIN_VAULT, &f.coin_vault);
    put_key(&mut data, o::PC_VAULT, &f.pc_vault);
    put_key(&mut data, o::COIN_VAULT_MINT, &f.coin_mint);
    put_key(&mut data, o::PC_VAULT_MINT, &f.pc_mint);
    data
}

/// Fields of a Raydium CPMM pool.
#[derive(Debug, Clone, Default)]
pub struct CpmmFields {
    /// `amm_config` to write.
    pub amm_config: Pubkey,
    /// `vaults` to write.
    pub vaults: (Pubkey, Pubkey),
    /// `mints` to write.
    pub mints: (Pubkey, Pubkey),
    /// `decimals` to write.
    pub decimals: (u8, u8),
    /// `protocol_fees` to write.
    pub protocol_fees: (u64, u64),
    /// `fund_fees` to write.
    pub fund_fees: (u64, u64),
}

/// A Raydium CPMM `PoolState`.
pub fn cpmm_pool(f: &CpmmFields) -> Vec<u8> {
    use raydium::cpmm::pool_offset as o;
    let mut data = vec![0u8; raydium::cpmm::CpmmPool::LEN];
    put(&mut data, 0, d::POOL_STATE);
    put_key(&mut data, o::AMM_CONFIG, &f.amm_config);
    put_key(&mut data, o::TOKEN_0_VAULT, &f.vaults.0);
    put_key(&mut data, o::TOKEN_1_VAULT, &f.vaults.1);
    put_key(&mut data, o::TOKEN_0_MINT, &f.mints.0);
    put_key(&mut data, o::TOKEN_1_MINT, &f.mints.1);
    put_key(&mut data, o::TOKEN_0_PROGRAM, &crate::SPL_TOKEN);
    put_key(&mut data, o::TOKEN_1_PROGRAM, &crate::SPL_TOKEN);
    data[o::MINT_0_DECIMALS] = f.decimals.0;
    data[o::MINT_1_DECIMALS] = f.decimals.1;
    put(
        &mut data,
        o::PROTOCOL_FEES_TOKEN_0,
        f.protocol_fees.0.to_le_bytes(),
    );
    put(
        &mut data,
        o::PROTOCOL_FEES_TOKEN_1,
        f.protocol_fees.1.to_le_bytes(),
    );
    put(&mut data, o::FUND_FEES_TOKEN_0, f.fund_fees.0.to_le_bytes());
    put(&mut data, o::FUND_FEES_TOKEN_1, f.fund_fees.1.to_le_bytes());
    data
}

/// A Raydium CPMM `AmmConfig`.
pub fn cpmm_config(trade_fee_rate: u64, protocol_fee_rate: u64, fund_fee_rate: u64) -> Vec<u8> {
    use raydium::cpmm::config_offset as o;
    let mut data = vec![0u8; raydium::cpmm::CpmmConfig::LEN];
    put(&mut data, 0, d::AMM_CONFIG);
    put(&mut data, o::TRADE_FEE_RATE, trade_fee_rate.to_le_bytes());
    put(
        &mut data,
        o::PROTOCOL_FEE_RATE,
        protocol_fee_rate.to_le_bytes(),
    );
    put(&mut data, o::FUND_FEE_RATE, fund_fee_rate.to_le_bytes());
    data
}

/// Fields of a concentrated-liquidity pool (Orca or Raydium CLMM).
#[derive(Debug, Clone, Default)]
pub struct ClFields {
    /// `config` to write.
    pub config: Pubkey,
    /// `vaults` to write.
    pub vaults: (Pubkey, Pubkey),
    /// `mints` to write.
    pub mints: (Pubkey, Pubkey),
    /// `decimals` to write.
    pub decimals: (u8, u8),
    /// `tick_spacing` to write.
    pub tick_spacing: u16,
    /// Orca: hundredths of a bp; Raydium: ignored (the fee is in the `AmmConfig`).
    pub fee_rate: u16,
    /// `liquidity` to write.
    pub liquidity: u128,
    /// `sqrt_price` to write.
    pub sqrt_price: u128,
    /// `tick_current` to write.
    pub tick_current: i32,
    /// Raydium: the pool's default tick-array bitmap.
    pub tick_array_bitmap: [u64; 16],
}

/// An Orca `Whirlpool`.
pub fn whirlpool(f: &ClFields) -> Vec<u8> {
    use orca::whirlpool::offset as o;
    let mut data = vec![0u8; orca::whirlpool::Whirlpool::LEN];
    put(&mut data, 0, d::WHIRLPOOL);
    put_key(&mut data, o::WHIRLPOOLS_CONFIG, &f.config);
    put(&mut data, o::TICK_SPACING, f.tick_spacing.to_le_bytes());
    put(
        &mut data,
        o::FEE_TIER_INDEX_SEED,
        f.tick_spacing.to_le_bytes(),
    );
    put(&mut data, o::FEE_RATE, f.fee_rate.to_le_bytes());
    put(&mut data, o::PROTOCOL_FEE_RATE, 1_300u16.to_le_bytes());
    put(&mut data, o::LIQUIDITY, f.liquidity.to_le_bytes());
    put(&mut data, o::SQRT_PRICE, f.sqrt_price.to_le_bytes());
    put(
        &mut data,
        o::TICK_CURRENT_INDEX,
        f.tick_current.to_le_bytes(),
    );
    put_key(&mut data, o::TOKEN_MINT_A, &f.mints.0);
    put_key(&mut data, o::TOKEN_VAULT_A, &f.vaults.0);
    put_key(&mut data, o::TOKEN_MINT_B, &f.mints.1);
    put_key(&mut data, o::TOKEN_VAULT_B, &f.vaults.1);
    data
}

/// An Orca fixed `TickArray`: `ticks` are (offset 0..[`orca::tick_array::TICK_ARRAY_SIZE`], liquidity_net) of
/// initialized ticks.
pub fn whirlpool_tick_array(
    whirlpool: &Pubkey,
    start_tick_index: i32,
    ticks: &[(usize, i128)],
) -> Vec<u8> {
    use orca::tick_array::fixed_offset as o;
    let mut data = vec![0u8; orca::tick_array::WhirlpoolTickArray::FIXED_LEN];
    put(&mut data, 0, d::WHIRLPOOL_TICK_ARRAY);
    put(
        &mut data,
        o::START_TICK_INDEX,
        start_tick_index.to_le_bytes(),
    );
    for &(offset, net) in ticks
        .iter()
        .filter(|(offset, _)| *offset < orca::tick_array::TICK_ARRAY_SIZE)
    {
        let at = o::TICKS + offset * o::TICK_LEN;
        data[at] = 1;
        put(&mut data, at + 1, net.to_le_bytes());
        put(&mut data, at + 17, net.unsigned_abs().to_le_bytes());
    }
    put_key(&mut data, o::WHIRLPOOL, whirlpool);
    data
}

/// A Raydium CLMM `PoolState`.
pub fn clmm_pool(f: &ClFields) -> Vec<u8> {
    use raydium::clmm::pool_offset as o;
    let mut data = vec![0u8; raydium::clmm::ClmmPool::LEN];
    put(&mut data, 0, d::POOL_STATE);
    put_key(&mut data, o::AMM_CONFIG, &f.config);
    put_key(&mut data, o::TOKEN_MINT_0, &f.mints.0);
    put_key(&mut data, o::TOKEN_MINT_1, &f.mints.1);
    put_key(&mut data, o::TOKEN_VAULT_0, &f.vaults.0);
    put_key(&mut data, o::TOKEN_VAULT_1, &f.vaults.1);
    data[o::MINT_DECIMALS_0] = f.decimals.0;
    data[o::MINT_DECIMALS_1] = f.decimals.1;
    put(&mut data, o::TICK_SPACING, f.tick_spacing.to_le_bytes());
    put(&mut data, o::LIQUIDITY, f.liquidity.to_le_bytes());
    put(&mut data, o::SQRT_PRICE_X64, f.sqrt_price.to_le_bytes());
    put(&mut data, o::TICK_CURRENT, f.tick_current.to_le_bytes());
    for (i, word) in f.tick_array_bitmap.iter().enumerate() {
        put(&mut data, o::TICK_ARRAY_BITMAP + 8 * i, word.to_le_bytes());
    }
    data
}

/// A Raydium CLMM `AmmConfig`.
pub fn clmm_config(trade_fee_rate: u32, tick_spacing: u16) -> Vec<u8> {
    use raydium::clmm::config_offset as o;
    let mut data = vec![0u8; raydium::clmm::ClmmConfig::LEN];
    put(&mut data, 0, d::AMM_CONFIG);
    put(&mut data, o::PROTOCOL_FEE_RATE, 120_000u32.to_le_bytes());
    put(&mut data, o::TRADE_FEE_RATE, trade_fee_rate.to_le_bytes());
    put(&mut data, o::TICK_SPACING, tick_spacing.to_le_bytes());
    put(&mut data, o::FUND_FEE_RATE, 40_000u32.to_le_bytes());
    data
}

/// A Raydium CLMM `TickArrayState`: `ticks` are (offset 0..[`raydium::clmm::TICK_ARRAY_SIZE`],
/// liquidity_net).
pub fn clmm_tick_array(
    pool: &Pubkey,
    start_tick_index: i32,
    tick_spacing: u16,
    ticks: &[(usize, i128)],
) -> Vec<u8> {
    use raydium::clmm::tick_array_offset as o;
    let mut data = vec![0u8; raydium::clmm::ClmmTickArray::LEN];
    put(&mut data, 0, d::TICK_ARRAY_STATE);
    put_key(&mut data, o::POOL_ID, pool);
    put(
        &mut data,
        o::START_TICK_INDEX,
        start_tick_index.to_le_bytes(),
    );
    let mut count = 0u8;
    for &(offset, net) in ticks
        .iter()
        .filter(|(offset, _)| *offset < raydium::clmm::TICK_ARRAY_SIZE)
    {
        let at = o::TICKS + offset * o::TICK_LEN;
        let tick = start_tick_index + offset as i32 * i32::from(tick_spacing);
        put(&mut data, at, tick.to_le_bytes());
        put(&mut data, at + 4, net.to_le_bytes());
        put(&mut data, at + 20, net.unsigned_abs().max(1).to_le_bytes());
        count += 1;
    }
    data[o::INITIALIZED_TICK_COUNT] = count;
    data
}

/// Fields of a Meteora DLMM pair.
#[derive(Debug, Clone, Default)]
pub struct LbPairFields {
    /// `bin_step` to write.
    pub bin_step: u16,
    /// `base_factor` to write.
    pub base_factor: u16,
    /// `variable_fee_control` to write.
    pub variable_fee_control: u32,
    /// `max_volatility_accumulator` to write.
    pub max_volatility_accumulator: u32,
    /// `protocol_share` to write.
    pub protocol_share: u16,
    /// `active_id` to write.
    pub active_id: i32,
    /// `mints` to write.
    pub mints: (Pubkey, Pubkey),
    /// `reserves` to write.
    pub reserves: (Pubkey, Pubkey),
    /// `bin_array_bitmap` to write.
    pub bin_array_bitmap: [u64; 16],
    /// `last_update_timestamp` to write.
    pub last_update_timestamp: i64,
}

/// A Meteora DLMM `LbPair`.
pub fn lb_pair(f: &LbPairFields) -> Vec<u8> {
    use meteora::lb_pair::offset as o;
    let mut data = vec![0u8; meteora::lb_pair::LbPair::LEN];
    put(&mut data, 0, d::LB_PAIR);
    let p = o::PARAMETERS;
    put(&mut data, p, f.base_factor.to_le_bytes());
    put(&mut data, p + 2, 30u16.to_le_bytes());
    put(&mut data, p + 4, 600u16.to_le_bytes());
    put(&mut data, p + 6, 5_000u16.to_le_bytes());
    put(&mut data, p + 8, f.variable_fee_control.to_le_bytes());
    put(
        &mut data,
        p + 12,
        f.max_volatility_accumulator.to_le_bytes(),
    );
    put(&mut data, p + 16, meteora::MIN_BIN_ID.to_le_bytes());
    put(&mut data, p + 20, meteora::MAX_BIN_ID.to_le_bytes());
    put(&mut data, p + 24, f.protocol_share.to_le_bytes());
    put(
        &mut data,
        o::V_PARAMETERS + 16,
        f.last_update_timestamp.to_le_bytes(),
    );
    put(&mut data, o::BIN_STEP_SEED, f.bin_step.to_le_bytes());
    put(&mut data, o::ACTIVE_ID, f.active_id.to_le_bytes());
    put(&mut data, o::BIN_STEP, f.bin_step.to_le_bytes());
    put_key(&mut data, o::TOKEN_X_MINT, &f.mints.0);
    put_key(&mut data, o::TOKEN_Y_MINT, &f.mints.1);
    put_key(&mut data, o::RESERVE_X, &f.reserves.0);
    put_key(&mut data, o::RESERVE_Y, &f.reserves.1);
    for (i, word) in f.bin_array_bitmap.iter().enumerate() {
        put(&mut data, o::BIN_ARRAY_BITMAP + 8 * i, word.to_le_bytes());
    }
    data
}

/// A Meteora DLMM `BinArray`: `bins` are (position 0..70, amount_x, amount_y).
pub fn bin_array(lb_pair: &Pubkey, index: i64, bins: &[(usize, u64, u64)]) -> Vec<u8> {
    use meteora::bin_array::offset as o;
    let mut data = vec![0u8; meteora::bin_array::BinArray::LEN];
    put(&mut data, 0, d::BIN_ARRAY);
    put(&mut data, o::INDEX, index.to_le_bytes());
    data[o::VERSION] = 1;
    put_key(&mut data, o::LB_PAIR, lb_pair);
    for &(i, x, y) in bins
        .iter()
        .filter(|(i, ..)| *i < meteora::MAX_BIN_PER_ARRAY)
    {
        let at = o::BINS + i * o::BIN_LEN;
        put(&mut data, at, x.to_le_bytes());
        put(&mut data, at + 8, y.to_le_bytes());
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DecodedAccount, decode_account};

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    #[test]
    fn every_encoder_decodes_to_its_kind_with_its_fields() {
        let acct = token_account(&key(1), &key(2), 42);
        let DecodedAccount::TokenAccount(t) = decode_account(&crate::SPL_TOKEN, &acct).unwrap()
        else {
            panic!()
        };
        assert_eq!((t.mint(), t.amount()), (key(1), 42));
        let mint_bytes = mint(6, 1);
        let DecodedAccount::Mint(m) = decode_account(&crate::SPL_TOKEN, &mint_bytes).unwrap()
        else {
            panic!()
        };
        assert_eq!(m.decimals(), 6);

        let amm = amm_v4(&AmmV4Fields {
            coin_decimals: 9,
            pc_decimals: 6,
            swap_fee: (25, 10_000),
            coin_vault: key(3),
            ..Default::default()
        });
        let DecodedAccount::RaydiumAmmV4(a) = decode_account(&crate::RAYDIUM_AMM_V4, &amm).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (a.coin_decimals(), a.swap_fee_numerator(), a.coin_vault()),
            (9, 25, key(3))
        );

        let cp = cpmm_pool(&CpmmFields {
            amm_config: key(4),
            decimals: (9, 6),
            ..Default::default()
        });
        let DecodedAccount::RaydiumCpmmPool(p) = decode_account(&crate::RAYDIUM_CPMM, &cp).unwrap()
        else {
            panic!()
        };
        assert_eq!(p.amm_config(), key(4));
        assert!(
            matches!(decode_account(&crate::RAYDIUM_CPMM, &cpmm_config(2_500, 0, 0)), Ok(DecodedAccount::RaydiumCpmmConfig(c)) if c.trade_fee_rate() == 2_500)
        );

        let price = 1u128 << 64;
        let cl = ClFields {
            tick_spacing: 64,
            fee_rate: 3_000,
            liquidity: 1 << 70,
            sqrt_price: price,
            tick_current: 0,
            ..Default::default()
        };
        let pool_bytes = whirlpool(&cl);
        let DecodedAccount::Whirlpool(w) =
            decode_account(&crate::ORCA_WHIRLPOOL, &pool_bytes).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (w.sqrt_price(), w.tick_spacing(), w.fee_rate()),
            (price, 64, 3_000)
        );
        let ta = whirlpool_tick_array(&key(5), -5632, &[(3, -77)]);
        let DecodedAccount::WhirlpoolTickArray(t) =
            decode_account(&crate::ORCA_WHIRLPOOL, &ta).unwrap()
        else {
            panic!()
        };
        assert!(t.tick(3).unwrap().initialized() && t.tick(3).unwrap().liquidity_net() == -77);
        assert_eq!(t.whirlpool(), key(5));

        let clmm_bytes = clmm_pool(&cl);
        let DecodedAccount::RaydiumClmmPool(c) =
            decode_account(&crate::RAYDIUM_CLMM, &clmm_bytes).unwrap()
        else {
            panic!()
        };
        assert_eq!(c.sqrt_price_x64(), price);
        assert!(matches!(
            decode_account(&crate::RAYDIUM_CLMM, &clmm_config(500, 1)),
            Ok(DecodedAccount::RaydiumClmmConfig(_))
        ));
        let cta = clmm_tick_array(&key(6), 120, 2, &[(1, 9)]);
        let DecodedAccount::RaydiumClmmTickArray(t) =
            decode_account(&crate::RAYDIUM_CLMM, &cta).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (
                t.tick(1).unwrap().tick(),
                t.tick(1).unwrap().liquidity_net(),
                t.initialized_tick_count()
            ),
            (122, 9, 1)
        );

        let pair = lb_pair(&LbPairFields {
            bin_step: 10,
            base_factor: 10_000,
            active_id: 35,
            ..Default::default()
        });
        let DecodedAccount::DlmmLbPair(l) = decode_account(&crate::METEORA_DLMM, &pair).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (l.active_id(), l.bin_step(), l.parameters().base_factor),
            (35, 10, 10_000)
        );
        let bins = bin_array(&key(7), 0, &[(35, 5, 6)]);
        let DecodedAccount::DlmmBinArray(b) = decode_account(&crate::METEORA_DLMM, &bins).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (b.bin(35).unwrap().amount_x(), b.bin(35).unwrap().amount_y()),
            (5, 6)
        );
    }
}
