//! Token metadata read from the real mainnet accounts in `metadata/` (Metaplex `Metadata` for
//! USDC, BONK and MEW; Token-2022 mints PYUSD and PAID with their own metadata), checked
//! against each fixture's `expected` values.

use decoder::metadata::{MintMetadata, TokenMetadata, metaplex_metadata, token_2022_metadata};
use decoder::test_utils::{Fixture, metadata_fixtures};
use decoder::*;
use proptest::prelude::*;

fn expected(f: &Fixture, key: &str) -> String {
    let value = &f
        .expected
        .as_ref()
        .expect("metadata fixtures have expected values")[key];
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn check(f: &Fixture, found: &TokenMetadata) {
    assert_eq!(found.mint.to_string(), expected(f, "mint"), "{}", f.file);
    assert_eq!(found.name, expected(f, "name"), "{}", f.file);
    assert_eq!(found.symbol, expected(f, "symbol"), "{}", f.file);
    assert_eq!(found.uri, expected(f, "uri"), "{}", f.file);
    let authority = found
        .update_authority
        .map_or_else(|| Pubkey::default().to_string(), |k| k.to_string());
    assert_eq!(authority, expected(f, "update_authority"), "{}", f.file);
}

#[test]
fn every_metadata_fixture_reads_as_expected() {
    let Some(fixtures) = metadata_fixtures() else {
        return;
    };
    let (mut metaplex, mut token_2022) = (0, 0);
    for f in &fixtures {
        let owner = f.account.owner;
        match f.kind.as_str() {
            "metaplex.Metadata" => {
                let found = metaplex_metadata(&owner, &f.account.data).unwrap();
                check(f, &found);
                metaplex += 1;
            }
            "spl-token-2022.Mint" => {
                let mint = Mint::from_account(&owner, &f.account.data).unwrap();
                assert_eq!(mint.decimals().to_string(), expected(f, "decimals"));
                let pointer = mint.metadata_pointer().expect("a metadata pointer");
                assert_eq!(
                    pointer.metadata_address.unwrap().to_string(),
                    expected(f, "metadata_address")
                );
                let address: Pubkey = f.pubkey.parse().unwrap();
                match token_2022_metadata(&mint, &address).unwrap() {
                    MintMetadata::InMint(found) => check(f, &found),
                    other => panic!("{}: metadata not in the mint: {other:?}", f.file),
                }
                token_2022 += 1;
            }
            other => panic!("unexpected kind {other}"),
        }
    }
    assert_eq!((metaplex, token_2022), (3, 2));
}

#[test]
fn wrong_accounts_are_typed_errors() {
    let Some(fixtures) = metadata_fixtures() else {
        return;
    };
    let f = fixtures
        .iter()
        .find(|f| f.kind == "metaplex.Metadata")
        .unwrap();
    let err = metaplex_metadata(&SPL_TOKEN, &f.account.data).unwrap_err();
    assert_eq!(err.label(), "wrong_owner");
    let mut other_key = f.account.data.clone();
    other_key[0] = 6;
    let err = metaplex_metadata(&METAPLEX_TOKEN_METADATA, &other_key).unwrap_err();
    assert_eq!(err.label(), "invalid_field");
    let err = metaplex_metadata(&METAPLEX_TOKEN_METADATA, &f.account.data[..100]).unwrap_err();
    assert!(err.to_string().contains("past the end"), "{err}");
    // A plain SPL Token mint carries no metadata of its own.
    let mint_bytes = {
        let mut b = vec![0u8; 82];
        b[44] = 6;
        b[45] = 1;
        b
    };
    let mint = Mint::from_bytes(TokenProgram::Token, &mint_bytes).unwrap();
    assert_eq!(
        token_2022_metadata(&mint, &Pubkey::default()).unwrap(),
        MintMetadata::None
    );
}

proptest! {
    /// No bytes make the metadata readers panic.
    #[test]
    fn metadata_readers_never_panic(data in prop::collection::vec(any::<u8>(), 0..900), key in 0u8..8) {
        let mut data = data;
        if let Some(first) = data.first_mut() {
            *first = key;
        }
        let _ = metaplex_metadata(&METAPLEX_TOKEN_METADATA, &data);
        if let Ok(mint) = Mint::from_bytes(TokenProgram::Token2022, &data) {
            let _ = mint.metadata_pointer();
            let _ = token_2022_metadata(&mint, &Pubkey::default());
        }
    }

    /// Token-2022 mints whose metadata extension holds random bytes never panic either.
    #[test]
    fn random_metadata_extensions_never_panic(value in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut data = vec![0u8; 166];
        data[44] = 6;
        data[45] = 1;
        data[165] = 1;
        data.extend_from_slice(&19u16.to_le_bytes());
        data.extend_from_slice(&(value.len() as u16).to_le_bytes());
        data.extend_from_slice(&value);
        if let Ok(mint) = Mint::from_bytes(TokenProgram::Token2022, &data) {
            let _ = token_2022_metadata(&mint, &Pubkey::default());
        }
    }
}
