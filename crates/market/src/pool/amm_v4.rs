//! Raydium AMM v4: reserves are the vaults less the PnL the program still owes (`need_take_pnl`).

use decoder::AmmInfo;
use decoder::DecodedAccount;
use pricing::{AmmV4Params, AmmV4Pool, Vault};

use super::{Parts, PoolAccounts};
use crate::error::{AccountRole, Result};
use crate::model::PoolModel;

pub(super) fn accounts(p: &AmmInfo<'_>) -> PoolAccounts {
    PoolAccounts {
        mints: [p.coin_mint(), p.pc_mint()],
        vaults: [p.coin_vault(), p.pc_vault()],
        config: None,
        oracle: None,
        bitmap_extension: None,
    }
}

pub(super) fn model(parts: &Parts<'_>) -> Result<PoolModel> {
    let DecodedAccount::RaydiumAmmV4(p) = parts.pool else {
        return Err(super::wrong(parts.address, AccountRole::Pool, &parts.pool));
    };
    Ok(PoolModel::RaydiumAmmV4(AmmV4Pool::new(AmmV4Params {
        vault_coin: Vault::new(parts.reserves.0, p.need_take_pnl_coin()),
        vault_pc: Vault::new(parts.reserves.1, p.need_take_pnl_pc()),
        swap_fee_numerator: p.swap_fee_numerator(),
        swap_fee_denominator: p.swap_fee_denominator(),
        coin_decimals: parts.decimals.0,
        pc_decimals: parts.decimals.1,
    })?))
}
