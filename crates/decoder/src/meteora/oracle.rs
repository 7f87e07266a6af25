//! Meteora DLMM `Oracle`: a 32-byte header then a ring of 32-byte observations.

use crate::program::discriminator::ORACLE;
use crate::read::{i64_at, i128_at, u64_at};
use crate::view::{check_discriminator, check_owner, invalid};
use crate::{AccountKind, DecodeError, ExpectedLength, METEORA_DLMM};

const HEADER: usize = 32;
const OBSERVATION_LEN: usize = 32;

/// A zero-copy view of a DLMM `Oracle`.
#[derive(Clone, Copy)]
pub struct DlmmOracle<'a> {
    data: &'a [u8],
}

/// One price observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    pub cumulative_active_bin_id: i128,
    pub created_at: i64,
    pub last_updated_at: i64,
}

impl<'a> DlmmOracle<'a> {
    pub const KIND: AccountKind = AccountKind::DlmmOracle;
    pub const PROGRAM_ID: solana_pubkey::Pubkey = METEORA_DLMM;

    /// Decodes and validates a DLMM `Oracle`.
    ///
    /// # Errors
    /// [`DecodeError::WrongDiscriminator`], [`DecodeError::WrongLength`] unless the length is
    /// the header plus `length` observations, or [`DecodeError::InvalidField`] when
    /// `active_size` or `idx` exceed `length`.
    pub fn from_bytes(data: &'a [u8]) -> Result<Self, DecodeError> {
        check_discriminator(Self::KIND, data, &ORACLE)?;
        let view = Self { data };
        let length = view.length();
        let expected = usize::try_from(length)
            .ok()
            .and_then(|n| n.checked_mul(OBSERVATION_LEN))
            .and_then(|n| n.checked_add(HEADER))
            .unwrap_or(usize::MAX);
        if data.len() != expected {
            return Err(DecodeError::WrongLength {
                kind: Self::KIND,
                expected: ExpectedLength::Exactly(expected),
                actual: data.len(),
            });
        }
        if view.active_size() > length {
            return Err(invalid(
                Self::KIND,
                "active_size",
                view.active_size(),
                "exceeds length",
            ));
        }
        if length > 0 && view.idx() >= length {
            return Err(invalid(Self::KIND, "idx", view.idx(), "not below length"));
        }
        Ok(view)
    }

    /// Like [`Self::from_bytes`], after checking the owner.
    ///
    /// # Errors
    /// [`DecodeError::WrongOwner`], then as [`Self::from_bytes`].
    pub fn from_account(
        owner: &solana_pubkey::Pubkey,
        data: &'a [u8],
    ) -> Result<Self, DecodeError> {
        check_owner(Self::KIND, METEORA_DLMM, owner)?;
        Self::from_bytes(data)
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }
    /// Index of the latest observation.
    pub fn idx(&self) -> u64 {
        u64_at(self.data, 8)
    }
    pub fn active_size(&self) -> u64 {
        u64_at(self.data, 16)
    }
    pub fn length(&self) -> u64 {
        u64_at(self.data, 24)
    }
    pub fn observation(&self, i: usize) -> Option<Observation> {
        let at = HEADER.checked_add(i.checked_mul(OBSERVATION_LEN)?)?;
        (at + OBSERVATION_LEN <= self.data.len()).then(|| Observation {
            cumulative_active_bin_id: i128_at(self.data, at),
            created_at: i64_at(self.data, at + 16),
            last_updated_at: i64_at(self.data, at + 24),
        })
    }
}

impl std::fmt::Debug for DlmmOracle<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DlmmOracle")
            .field("idx", &self.idx())
            .field("active_size", &self.active_size())
            .field("length", &self.length())
            .finish()
    }
}
