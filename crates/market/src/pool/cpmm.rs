//! Raydium CPMM: reserves are the vaults less the protocol, fund and creator fees accrued in
//! them; fee rates come from the `AmmConfig`.

use decoder::raydium::cpmm::CreatorFeeOn as AccountCreatorFeeOn;
use decoder::{CpmmPool as CpmmAccount, DecodedAccount};
use pricing::{CpmmFees, CpmmParams, CpmmPool, CreatorFeeOn, Vault};

use super::{Parts, PoolAccounts};
use crate::error::{AccountRole, Result};
use crate::model::PoolModel;

pub(super) fn accounts(p: &CpmmAccount<'_>) -> PoolAccounts {
    PoolAccounts {
        mints: [p.token_0_mint(), p.token_1_mint()],
        vaults: [p.token_0_vault(), p.token_1_vault()],
        config: Some(p.amm_config()),
        oracle: None,
        bitmap_extension: None,
    }
}

pub(super) fn model(parts: &Parts<'_>) -> Result<PoolModel> {
    let DecodedAccount::RaydiumCpmmPool(p) = parts.pool else {
        return Err(super::wrong(parts.address, AccountRole::Pool, &parts.pool));
    };
    let config = parts.decode(AccountRole::Config, parts.accounts.config, parts.config)?;
    let DecodedAccount::RaydiumCpmmConfig(cfg) = config else {
        return Err(super::wrong(p.amm_config(), AccountRole::Config, &config));
    };
    let creator_fee_on = match p.creator_fee_on() {
        AccountCreatorFeeOn::BothToken => CreatorFeeOn::BothToken,
        AccountCreatorFeeOn::OnlyToken0 => CreatorFeeOn::OnlyToken0,
        AccountCreatorFeeOn::OnlyToken1 => CreatorFeeOn::OnlyToken1,
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
    Ok(PoolModel::RaydiumCpmm(CpmmPool::new(CpmmParams {
        vault_0: Vault::new(parts.reserves.0, owed_0),
        vault_1: Vault::new(parts.reserves.1, owed_1),
        fees,
        decimals_0: parts.decimals.0,
        decimals_1: parts.decimals.1,
    })?))
}
