//! Typed decode errors. A decoder never answers "none": it says why an account was refused.

use solana_pubkey::Pubkey;

use crate::{AccountKind, Discriminator, Program};

/// Why bytes did not decode. Every variant says which account kind was tried, so "not my
/// account" (owner, discriminator) and "malformed account" (length, field) stay distinct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The owner is not a program this crate decodes.
    #[error("unknown owner program {owner}")]
    UnknownOwner {
        /// The owner given.
        owner: Pubkey,
    },
    /// The owner is known but no account kind of it has this discriminator and length.
    #[error("no {program} account has discriminator {discriminator:?} and length {len}")]
    UnknownAccount {
        /// The program that owns the account.
        program: Program,
        /// The first eight bytes, when the account has that many.
        discriminator: Option<Discriminator>,
        /// The account's length in bytes.
        len: usize,
    },
    /// A per-kind decoder was given an account owned by another program.
    #[error("{kind}: wrong owner: expected {expected}, got {actual}")]
    WrongOwner {
        /// The kind that was tried.
        kind: AccountKind,
        /// The owner that kind must have.
        expected: Pubkey,
        /// The owner given.
        actual: Pubkey,
    },
    /// The Anchor discriminator does not match the kind.
    #[error("{kind}: wrong discriminator: expected {expected:?}, got {actual:?}")]
    WrongDiscriminator {
        /// The kind that was tried.
        kind: AccountKind,
        /// That kind's discriminator.
        expected: Discriminator,
        /// The account's first eight bytes.
        actual: Discriminator,
    },
    /// The account is not the kind's length (or, for variable-length kinds, not in its range).
    #[error("{kind}: wrong length: expected {expected}, got {actual}")]
    WrongLength {
        /// The kind that was tried.
        kind: AccountKind,
        /// The lengths that kind may have.
        expected: ExpectedLength,
        /// The account's length in bytes.
        actual: usize,
    },
    /// A field holds a value the program never writes.
    #[error("{kind}: invalid {field} = {value}: {reason}")]
    InvalidField {
        /// The kind that was tried.
        kind: AccountKind,
        /// The field.
        field: &'static str,
        /// Its value.
        value: i128,
        /// Why the value is impossible.
        reason: &'static str,
    },
}

impl DecodeError {
    /// The account kind the error is about, when one was tried.
    pub fn kind(&self) -> Option<AccountKind> {
        match self {
            Self::UnknownOwner { .. } | Self::UnknownAccount { .. } => None,
            Self::WrongOwner { kind, .. }
            | Self::WrongDiscriminator { kind, .. }
            | Self::WrongLength { kind, .. }
            | Self::InvalidField { kind, .. } => Some(*kind),
        }
    }

    /// A short, stable label for metrics (`unknown_owner`, `wrong_length`, ...).
    pub fn label(&self) -> &'static str {
        match self {
            Self::UnknownOwner { .. } => "unknown_owner",
            Self::UnknownAccount { .. } => "unknown_account",
            Self::WrongOwner { .. } => "wrong_owner",
            Self::WrongDiscriminator { .. } => "wrong_discriminator",
            Self::WrongLength { .. } => "wrong_length",
            Self::InvalidField { .. } => "invalid_field",
        }
    }
}

/// The length a kind accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedLength {
    /// Exactly this many bytes.
    Exactly(usize),
    /// At least this many bytes.
    AtLeast(usize),
    /// Between the two, inclusive.
    Between(usize, usize),
}

impl std::fmt::Display for ExpectedLength {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exactly(n) => write!(f, "{n} bytes"),
            Self::AtLeast(n) => write!(f, "at least {n} bytes"),
            Self::Between(a, b) => write!(f, "{a} to {b} bytes"),
        }
    }
}
