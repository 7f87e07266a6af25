//! anchor-lang interop (feature `anchor`): owned account types for the Anchor programs'
//! accounts, implementing `Discriminator`, `Owner`, `AccountDeserialize` and
//! `AccountSerialize`, so anchor-based bots can load them with `Account<'info, T>` or
//! `T::try_deserialize` and then read them through this crate's zero-copy views.
//!
//! Anchor's traits hand out owned values, so each type here owns a copy of the account bytes
//! (one allocation at load time). `view()` borrows them as the matching view at no cost.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;

use crate::{
    BinArray, BinArrayBitmapExtension, ClmmConfig, ClmmPool, ClmmTickArray,
    ClmmTickArrayBitmapExtension, CpmmConfig, CpmmPool, DecodeError, LbPair, Whirlpool,
    WhirlpoolOracle, discriminator,
};

fn to_anchor(err: DecodeError) -> anchor_lang::error::Error {
    match err {
        DecodeError::WrongDiscriminator { .. } => ErrorCode::AccountDiscriminatorMismatch.into(),
        DecodeError::WrongLength { actual, .. } if actual < 8 => {
            ErrorCode::AccountDiscriminatorNotFound.into()
        }
        _ => ErrorCode::AccountDidNotDeserialize.into(),
    }
}

macro_rules! anchor_account {
    ($(#[$doc:meta])* $owned:ident, $view:ident, $len:expr, $disc:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $owned(Box<[u8; $len]>);

        impl $owned {
            /// The account as this crate's zero-copy view.
            pub fn view(&self) -> $view<'_> {
                // The bytes were validated when this value was built, so this cannot fail;
                // a failure would be a bug, reported rather than hidden.
                match $view::from_bytes(&self.0[..]) {
                    Ok(view) => view,
                    Err(err) => unreachable!("validated {} no longer decodes: {err}", stringify!($owned)),
                }
            }

            /// The raw account bytes.
            pub fn bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl std::fmt::Debug for $owned {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.view().fmt(f)
            }
        }

        impl anchor_lang::Discriminator for $owned {
            const DISCRIMINATOR: &'static [u8] = &$disc;
        }

        impl anchor_lang::Owner for $owned {
            fn owner() -> Pubkey {
                $view::PROGRAM_ID
            }
        }

        impl anchor_lang::AccountDeserialize for $owned {
            fn try_deserialize(buf: &mut &[u8]) -> anchor_lang::Result<Self> {
                Self::try_deserialize_unchecked(buf)
            }

            /// Anchor's "unchecked" skips the discriminator check; this crate always checks
            /// the whole account, because a view of the wrong kind would read garbage.
            fn try_deserialize_unchecked(buf: &mut &[u8]) -> anchor_lang::Result<Self> {
                $view::from_bytes(buf).map_err(to_anchor)?;
                let bytes: [u8; $len] = buf
                    .get(..$len)
                    .and_then(|b| b.try_into().ok())
                    .ok_or(ErrorCode::AccountDidNotDeserialize)?;
                *buf = &buf[$len..];
                Ok(Self(Box::new(bytes)))
            }
        }

        impl anchor_lang::AccountSerialize for $owned {
            fn try_serialize<W: std::io::Write>(&self, writer: &mut W) -> anchor_lang::Result<()> {
                writer.write_all(&self.0[..]).map_err(|_| ErrorCode::AccountDidNotSerialize)?;
                Ok(())
            }
        }
    };
}

anchor_account!(
    /// Raydium CPMM `PoolState`.
    CpmmPoolAccount, CpmmPool, 637, discriminator::POOL_STATE
);
anchor_account!(
    /// Raydium CPMM `AmmConfig`.
    CpmmConfigAccount, CpmmConfig, 236, discriminator::AMM_CONFIG
);
anchor_account!(
    /// Raydium CLMM `PoolState`.
    ClmmPoolAccount, ClmmPool, 1544, discriminator::POOL_STATE
);
anchor_account!(
    /// Raydium CLMM `AmmConfig`.
    ClmmConfigAccount, ClmmConfig, 117, discriminator::AMM_CONFIG
);
anchor_account!(
    /// Raydium CLMM `TickArrayState`.
    ClmmTickArrayAccount, ClmmTickArray, 10_240, discriminator::TICK_ARRAY_STATE
);
anchor_account!(
    /// Raydium CLMM `TickArrayBitmapExtension`.
    ClmmTickArrayBitmapExtensionAccount,
    ClmmTickArrayBitmapExtension,
    1832,
    discriminator::TICK_ARRAY_BITMAP_EXTENSION
);
anchor_account!(
    /// Orca `Whirlpool`.
    WhirlpoolAccount, Whirlpool, 653, discriminator::WHIRLPOOL
);
anchor_account!(
    /// Orca `Oracle`.
    WhirlpoolOracleAccount, WhirlpoolOracle, 254, discriminator::ORACLE
);
anchor_account!(
    /// Meteora DLMM `LbPair`.
    LbPairAccount, LbPair, 904, discriminator::LB_PAIR
);
anchor_account!(
    /// Meteora DLMM `BinArray`.
    BinArrayAccount, BinArray, 10_136, discriminator::BIN_ARRAY
);
anchor_account!(
    /// Meteora DLMM `BinArrayBitmapExtension`.
    BinArrayBitmapExtensionAccount,
    BinArrayBitmapExtension,
    1576,
    discriminator::BIN_ARRAY_BITMAP_EXTENSION
);
