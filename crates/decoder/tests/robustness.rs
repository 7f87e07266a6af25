//! Bad input never panics and always gets the right typed error.

use decoder::test_utils::{all_fixtures, by_pubkey};
use decoder::*;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const OWNERS: [Pubkey; 7] = [
    RAYDIUM_AMM_V4,
    RAYDIUM_CPMM,
    RAYDIUM_CLMM,
    ORCA_WHIRLPOOL,
    METEORA_DLMM,
    SPL_TOKEN,
    SPL_TOKEN_2022,
];

fn owner() -> impl Strategy<Value = Pubkey> {
    prop_oneof![
        prop::sample::select(OWNERS.to_vec()),
        any::<[u8; 32]>().prop_map(Pubkey::new_from_array),
    ]
}

/// Random bytes that start with a real discriminator, so they reach the per-kind decoders.
fn plausible_bytes() -> impl Strategy<Value = Vec<u8>> {
    let discs = vec![
        discriminator::POOL_STATE,
        discriminator::AMM_CONFIG,
        discriminator::TICK_ARRAY_STATE,
        discriminator::TICK_ARRAY_BITMAP_EXTENSION,
        discriminator::WHIRLPOOL,
        discriminator::WHIRLPOOL_TICK_ARRAY,
        discriminator::WHIRLPOOL_DYNAMIC_TICK_ARRAY,
        discriminator::ORACLE,
        discriminator::LB_PAIR,
        discriminator::BIN_ARRAY,
        discriminator::BIN_ARRAY_BITMAP_EXTENSION,
    ];
    let sizes = vec![
        0usize, 7, 8, 82, 117, 148, 165, 178, 236, 254, 260, 355, 637, 653, 752, 904, 1544, 1576,
        1832, 3232, 9988, 10_136, 10_240,
    ];
    (
        prop::sample::select(discs),
        prop::sample::select(sizes),
        any::<u64>(),
    )
        .prop_map(|(disc, size, seed)| {
            let mut bytes: Vec<u8> = (0..size as u64)
                .map(|i| (seed.wrapping_mul(i.wrapping_add(0x9E37_79B9_7F4A_7C15)) >> 56) as u8)
                .collect();
            if bytes.len() >= 8 {
                bytes[..8].copy_from_slice(&disc);
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_bytes_never_panic(owner in owner(), bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_account(&owner, &bytes);
    }

    #[test]
    fn plausible_bytes_never_panic(owner in owner(), bytes in plausible_bytes()) {
        if let Ok(decoded) = decode_account(&owner, &bytes) {
            // Touch every accessor path a caller would use.
            let _ = format!("{decoded:?}");
        }
    }
}

#[test]
fn every_truncation_and_extension_of_a_real_account_is_an_error() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    for f in &fixtures {
        let data = &f.account.data;
        // Token-2022 accounts are variable-length: the program itself accepts an extension
        // list that ends early, and a bare base mint (82) or account (165) is valid.
        let token_2022 = f.account.owner == SPL_TOKEN_2022;
        let min_len = if token_2022 { 166 } else { data.len() };
        for len in 0..data.len() {
            let result = decode_account(&f.account.owner, &data[..len]);
            let bare_base = token_2022 && (len == 82 || len == 165);
            if len < min_len && !bare_base {
                assert!(
                    result.is_err(),
                    "{}: truncated to {len} bytes still decoded",
                    f.file
                );
            }
        }
        let mut longer = data.clone();
        longer.push(0);
        if let Ok(d) = decode_account(&f.account.owner, &longer) {
            // Token-2022 accounts and Meteora oracles are variable-length; a trailing zero is
            // padding there. Everything else has an exact size.
            let variable = matches!(d.kind(), AccountKind::TokenAccount | AccountKind::Mint)
                && f.account.owner == SPL_TOKEN_2022;
            assert!(
                variable,
                "{}: one extra byte still decoded as {}",
                f.file,
                d.kind()
            );
        }
    }
}

#[test]
fn single_byte_corruptions_never_panic() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    for f in &fixtures {
        let mut data = f.account.data.clone();
        for i in (0..data.len()).step_by(7) {
            let saved = data[i];
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                data[i] = value;
                if let Ok(d) = decode_account(&f.account.owner, &data) {
                    let _ = format!("{d:?}");
                }
            }
            data[i] = saved;
        }
    }
}

#[test]
fn discriminators_are_anchors_hash() {
    for (name, disc) in [
        ("PoolState", discriminator::POOL_STATE),
        ("AmmConfig", discriminator::AMM_CONFIG),
        ("TickArrayState", discriminator::TICK_ARRAY_STATE),
        (
            "TickArrayBitmapExtension",
            discriminator::TICK_ARRAY_BITMAP_EXTENSION,
        ),
        ("Whirlpool", discriminator::WHIRLPOOL),
        ("TickArray", discriminator::WHIRLPOOL_TICK_ARRAY),
        (
            "DynamicTickArray",
            discriminator::WHIRLPOOL_DYNAMIC_TICK_ARRAY,
        ),
        ("Oracle", discriminator::ORACLE),
        ("LbPair", discriminator::LB_PAIR),
        ("BinArray", discriminator::BIN_ARRAY),
        (
            "BinArrayBitmapExtension",
            discriminator::BIN_ARRAY_BITMAP_EXTENSION,
        ),
    ] {
        let hash = Sha256::digest(format!("account:{name}"));
        assert_eq!(&hash[..8], &disc, "{name}");
    }
}

fn whirlpool_bytes() -> Option<Vec<u8>> {
    let fixtures = all_fixtures()?;
    Some(
        by_pubkey(&fixtures, "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ")?
            .account
            .data
            .clone(),
    )
}

#[test]
fn each_error_variant_says_what_went_wrong() {
    let Some(pool) = whirlpool_bytes() else {
        return;
    };

    let stranger = Pubkey::new_from_array([7; 32]);
    assert_eq!(
        decode_account(&stranger, &pool).unwrap_err(),
        DecodeError::UnknownOwner { owner: stranger }
    );

    let err = Whirlpool::from_account(&RAYDIUM_CLMM, &pool).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::WrongOwner {
                kind: AccountKind::WhirlpoolPool,
                ..
            }
        ),
        "{err}"
    );

    let err = LbPair::from_bytes(&pool).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::WrongDiscriminator {
                kind: AccountKind::DlmmLbPair,
                ..
            }
        ),
        "{err}"
    );

    let err = Whirlpool::from_bytes(&pool[..600]).unwrap_err();
    assert_eq!(
        err,
        DecodeError::WrongLength {
            kind: AccountKind::WhirlpoolPool,
            expected: ExpectedLength::Exactly(653),
            actual: 600
        }
    );
    assert_eq!(
        err.to_string(),
        "orca-whirlpool.Whirlpool: wrong length: expected 653 bytes, got 600"
    );

    let mut bad_tick = pool.clone();
    bad_tick[81..85].copy_from_slice(&500_000i32.to_le_bytes());
    let err = Whirlpool::from_bytes(&bad_tick).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::InvalidField {
                field: "tick_current_index",
                value: 500_000,
                ..
            }
        ),
        "{err}"
    );

    let mut other = pool.clone();
    other[..8].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let err = decode_account(&ORCA_WHIRLPOOL, &other).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::UnknownAccount {
                program: Program::OrcaWhirlpool,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn uninitialized_and_malformed_token_accounts_are_refused() {
    let mut account = vec![0u8; 165];
    let err = decode_account(&SPL_TOKEN, &account).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::InvalidField {
                field: "state",
                value: 0,
                ..
            }
        ),
        "{err}"
    );
    account[108] = 1;
    account[72] = 9; // delegate COption tag
    let err = decode_account(&SPL_TOKEN, &account).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::InvalidField {
                field: "delegate",
                value: 9,
                ..
            }
        ),
        "{err}"
    );
    account[72] = 0;
    assert!(decode_account(&SPL_TOKEN, &account).is_ok());
    // A Token-2022 account whose extension runs past the end.
    let mut extended = account.clone();
    extended.extend_from_slice(&[2, 1, 0, 200, 0, 1, 2]);
    let err = decode_account(&SPL_TOKEN_2022, &extended).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::InvalidField {
                field: "extension length",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn clmm_and_cpmm_share_a_discriminator_and_are_told_apart() {
    let Some(fixtures) = all_fixtures() else {
        return;
    };
    let clmm = by_pubkey(&fixtures, "3ucNos4NbumPLZNWztqGHNFFgkHeRMBQAVemeeomsUxv").unwrap();
    let cpmm = by_pubkey(&fixtures, "Q2sPHPdUWFMg7M7wwrQKLrn619cAucfRsmhVJffodSp").unwrap();
    assert_eq!(clmm.account.data[..8], cpmm.account.data[..8]);
    assert!(matches!(
        decode_account(&RAYDIUM_CLMM, &clmm.account.data),
        Ok(DecodedAccount::RaydiumClmmPool(_))
    ));
    assert!(matches!(
        decode_account(&RAYDIUM_CPMM, &cpmm.account.data),
        Ok(DecodedAccount::RaydiumCpmmPool(_))
    ));
    // The wrong owner gives a length error naming the kind tried, not a silent mis-decode.
    let err = decode_account(&RAYDIUM_CPMM, &clmm.account.data).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::WrongLength {
                kind: AccountKind::RaydiumCpmmPool,
                actual: 1544,
                ..
            }
        ),
        "{err}"
    );
}
