//! anchor-lang and solana-account-decoder interop, on real accounts.

use anchor_lang::{AccountDeserialize, AccountSerialize, Discriminator, Owner};
use decoder::anchor::{LbPairAccount, WhirlpoolAccount};
use decoder::test_utils::{all_fixtures, by_pubkey};
use decoder::*;

#[test]
fn anchor_traits_load_real_accounts() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let f = by_pubkey(&fixtures, "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ").unwrap();
    let account = WhirlpoolAccount::try_deserialize(&mut &f.account.data[..]).unwrap();
    assert_eq!(WhirlpoolAccount::owner(), ORCA_WHIRLPOOL);
    assert_eq!(WhirlpoolAccount::DISCRIMINATOR, &f.account.data[..8]);
    let direct = Whirlpool::from_bytes(&f.account.data).unwrap();
    assert_eq!(account.view().sqrt_price(), direct.sqrt_price());
    let mut out = Vec::new();
    account.try_serialize(&mut out).unwrap();
    assert_eq!(out, f.account.data);

    let err = LbPairAccount::try_deserialize(&mut &f.account.data[..]).unwrap_err();
    assert!(err.to_string().contains("discriminator"), "{err}");
}

#[test]
fn ui_accounts_from_solana_account_decoder_decode() {
    use solana_account_decoder::{UiAccount, UiAccountData, UiAccountEncoding};
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let f = by_pubkey(&fixtures, "EtAdVRLFH22rjWh3mcUasKFF27WtHhsaCvK27tPFFWig").unwrap();
    let ui: UiAccount = serde_json::from_value(serde_json::json!({
        "lamports": f.account.lamports,
        "data": [base64_encode(&f.account.data), "base64"],
        "owner": f.account.owner.to_string(),
        "executable": false,
        "rentEpoch": f.account.rent_epoch,
        "space": f.account.data.len(),
    }))
    .unwrap();
    assert!(matches!(
        ui.data,
        UiAccountData::Binary(_, UiAccountEncoding::Base64)
    ));
    let account = rpc::from_ui_account(&ui).unwrap();
    assert_eq!(account.data, f.account.data);
    assert!(matches!(
        account.decode().unwrap(),
        DecodedAccount::DlmmLbPair(_)
    ));
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
