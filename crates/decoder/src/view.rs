//! The checks every decoder starts with: owner, discriminator and length.

use solana_pubkey::Pubkey;

use crate::{AccountKind, DecodeError, Discriminator, ExpectedLength};

/// Checks the discriminator (when the kind has one) and the exact length, and returns the
/// bytes as a fixed-size array reference: zero-copy, and every later read is in bounds.
#[inline(always)]
pub(crate) fn fixed<'a, const N: usize>(
    kind: AccountKind,
    data: &'a [u8],
    discriminator: Option<&Discriminator>,
) -> Result<&'a [u8; N], DecodeError> {
    if let Some(expected) = discriminator {
        check_discriminator(kind, data, expected)?;
    }
    data.try_into().map_err(|_| DecodeError::WrongLength {
        kind,
        expected: ExpectedLength::Exactly(N),
        actual: data.len(),
    })
}

#[inline(always)]
pub(crate) fn check_discriminator(
    kind: AccountKind,
    data: &[u8],
    expected: &Discriminator,
) -> Result<(), DecodeError> {
    match data.first_chunk::<8>() {
        Some(actual) if actual == expected => Ok(()),
        Some(actual) => Err(DecodeError::WrongDiscriminator {
            kind,
            expected: *expected,
            actual: *actual,
        }),
        None => Err(DecodeError::WrongLength {
            kind,
            expected: ExpectedLength::AtLeast(8),
            actual: data.len(),
        }),
    }
}

#[inline(always)]
pub(crate) fn check_owner(
    kind: AccountKind,
    expected: Pubkey,
    actual: &Pubkey,
) -> Result<(), DecodeError> {
    if expected == *actual {
        Ok(())
    } else {
        Err(DecodeError::WrongOwner {
            kind,
            expected,
            actual: *actual,
        })
    }
}

#[inline(always)]
pub(crate) fn invalid(
    kind: AccountKind,
    field: &'static str,
    value: impl Into<i128>,
    reason: &'static str,
) -> DecodeError {
    DecodeError::InvalidField {
        kind,
        field,
        value: value.into(),
        reason,
    }
}

/// Declares the owner-checking constructor every per-kind view has.
macro_rules! owned_by {
    ($view:ident, $program:expr) => {
        impl<'a> $view<'a> {
            /// The program that owns this kind of account.
            pub const PROGRAM_ID: ::solana_pubkey::Pubkey = $program;

            /// Like `from_bytes`, after checking the account's owner.
            ///
            /// # Errors
            /// [`DecodeError::WrongOwner`](crate::DecodeError::WrongOwner) first, then the
            /// same errors as `from_bytes`.
            pub fn from_account(
                owner: &::solana_pubkey::Pubkey,
                data: &'a [u8],
            ) -> Result<Self, crate::DecodeError> {
                crate::view::check_owner(Self::KIND, $program, owner)?;
                Self::from_bytes(data)
            }
        }
    };
}
pub(crate) use owned_by;
