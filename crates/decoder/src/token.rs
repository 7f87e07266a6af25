//! SPL Token and Token-2022 token accounts (vault balances) and mints (decimals), with the
//! Token-2022 transfer-fee configuration.
//!
//! Layout: spl-token `state.rs` (`Account` 165 bytes, `Mint` 82 bytes, `COption` tags are
//! 4-byte little-endian 0 or 1) and spl-token-2022 `extension/mod.rs`: an account with
//! extensions keeps the base layout (a mint's is padded to 165 bytes), then one account-type
//! byte (1 mint, 2 account), then type-length-value entries (`u16` type, `u16` length).

use solana_pubkey::Pubkey;

use crate::read::{pubkey_at, u8_at, u16_at, u32_at, u64_at};
use crate::view::invalid;
use crate::{AccountKind, DecodeError, ExpectedLength, SPL_TOKEN, SPL_TOKEN_2022};

/// Length of a base token account.
pub const ACCOUNT_LEN: usize = 165;
/// Length of a base mint.
pub const MINT_LEN: usize = 82;
/// Length of a multisig account (neither a token account nor a mint).
pub const MULTISIG_LEN: usize = 355;
const ACCOUNT_TYPE_OFFSET: usize = 165;
const TLV_START: usize = 166;
pub(crate) const ACCOUNT_TYPE_MINT: u8 = 1;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;
/// Token-2022 extension type numbers (spl-token-2022 `extension/mod.rs`, `ExtensionType`, a
/// `#[repr(u16)]` enum counted from `Uninitialized` = 0). Only the ones read here.
pub mod extension_type {
    /// `TransferFeeConfig` (mint, 108 bytes).
    pub const TRANSFER_FEE_CONFIG: u16 = 1;
    /// `TransferFeeAmount` (token account, 8 bytes).
    pub const TRANSFER_FEE_AMOUNT: u16 = 2;
    /// `NonTransferable` (mint, no data).
    pub const NON_TRANSFERABLE: u16 = 9;
    /// `TransferHook` (mint, 64 bytes: authority, program id).
    pub const TRANSFER_HOOK: u16 = 14;
    /// `MetadataPointer` (mint, 64 bytes: authority, metadata address).
    pub const METADATA_POINTER: u16 = 18;
    /// `TokenMetadata` (mint, variable: the SPL token-metadata interface's fields).
    pub const TOKEN_METADATA: u16 = 19;
    /// `Pausable` (mint, 33 bytes: `PausableConfig` authority, paused flag).
    pub const PAUSABLE: u16 = 26;
}
use extension_type::{
    NON_TRANSFERABLE, PAUSABLE, TRANSFER_FEE_AMOUNT as EXTENSION_TRANSFER_FEE_AMOUNT,
    TRANSFER_FEE_CONFIG as EXTENSION_TRANSFER_FEE_CONFIG, TRANSFER_HOOK,
};
const TRANSFER_HOOK_LEN: usize = 64;
const PAUSABLE_LEN: usize = 33;
/// Transfer fees are in basis points.
pub const MAX_FEE_BASIS_POINTS: u16 = 10_000;

/// Which token program owns an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProgram {
    /// The SPL Token program.
    Token,
    /// The Token-2022 program.
    Token2022,
}

impl TokenProgram {
    /// The program for this owner, if it is a token program.
    pub fn from_owner(owner: &Pubkey) -> Option<Self> {
        if *owner == SPL_TOKEN {
            Some(Self::Token)
        } else if *owner == SPL_TOKEN_2022 {
            Some(Self::Token2022)
        } else {
            None
        }
    }

    /// The program's address.
    pub const fn id(self) -> Pubkey {
        match self {
            Self::Token => SPL_TOKEN,
            Self::Token2022 => SPL_TOKEN_2022,
        }
    }
}

/// The state of a token account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// The account can send and receive.
    Initialized,
    /// The freeze authority froze the account.
    Frozen,
}

/// A transfer fee in force from an epoch on, as stored. The fee arithmetic lives in the
/// `pricing` crate (`pricing::TransferFee`), the one place quotes take it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransferFee {
    /// The epoch from which this fee applies.
    pub epoch: u64,
    /// Cap on the fee of one transfer, raw units.
    pub maximum_fee: u64,
    /// Fee in basis points of the amount transferred.
    pub transfer_fee_basis_points: u16,
}

/// Token-2022 `TransferFeeConfig` of a mint, as stored. Which schedule is in force at an epoch,
/// and what it charges, is `pricing::TransferFeeConfig::at_epoch` and `pricing::TransferFee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferFeeConfig {
    /// Who may change the fee.
    pub transfer_fee_config_authority: Option<Pubkey>,
    /// Who may withdraw withheld fees.
    pub withdraw_withheld_authority: Option<Pubkey>,
    /// Fees withheld in the mint, raw units.
    pub withheld_amount: u64,
    /// The fee before `newer_transfer_fee.epoch`.
    pub older_transfer_fee: TransferFee,
    /// The fee from `newer_transfer_fee.epoch` on.
    pub newer_transfer_fee: TransferFee,
}

/// Token-2022 `TransferHook` of a mint: every transfer of the token calls `program_id`, which
/// may refuse it and needs extra accounts the swap programs must be handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferHook {
    /// Who may change the hook program; `None` when unset (all zero).
    pub authority: Option<Pubkey>,
    /// The hook program; `None` when unset (all zero), in which case transfers call nothing.
    pub program_id: Option<Pubkey>,
}

/// Token-2022 `PausableConfig` of a mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PausableConfig {
    /// Who may pause and resume; `None` when unset (all zero).
    pub authority: Option<Pubkey>,
    /// While set, Token-2022 refuses every transfer, mint and burn of the token.
    pub paused: bool,
}

/// Why a Token-2022 mint makes a swap through it impossible or unpredictable. A quote for a
/// pool holding such a mint should not be trusted (or sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MintBlocker {
    /// `NonTransferable`: Token-2022 refuses every transfer between owners.
    NonTransferable,
    /// `Pausable` with its paused flag set: every transfer fails until resumed.
    Paused,
    /// `TransferHook` with a program set: each transfer runs that program, which can refuse
    /// it, and the swap needs the hook's extra accounts.
    TransferHook {
        /// The hook program.
        program_id: Pubkey,
    },
}

/// The token program owning an account, or `WrongOwner` naming SPL Token as expected.
fn token_program(kind: AccountKind, owner: &Pubkey) -> Result<TokenProgram, DecodeError> {
    TokenProgram::from_owner(owner).ok_or(DecodeError::WrongOwner {
        kind,
        expected: SPL_TOKEN,
        actual: *owner,
    })
}

fn coption_tag(
    kind: AccountKind,
    field: &'static str,
    data: &[u8],
    at: usize,
) -> Result<bool, DecodeError> {
    match u32_at(data, at) {
        0 => Ok(false),
        1 => Ok(true),
        tag => Err(invalid(kind, field, tag, "a COption tag must be 0 or 1")),
    }
}

fn coption_pubkey(data: &[u8], at: usize) -> Option<Pubkey> {
    (u32_at(data, at) == 1).then(|| pubkey_at(data, at + 4))
}

fn optional_nonzero_pubkey(data: &[u8], at: usize) -> Option<Pubkey> {
    let key = pubkey_at(data, at);
    (key != Pubkey::default()).then_some(key)
}

/// Walks Token-2022 extensions the way the program does (`get_tlv_indices` and its caller):
/// fewer than two bytes left, or an `Uninitialized` (0) type, ends the list; otherwise the
/// header and value must fit. Returns the first value of `wanted`, if any.
pub(crate) fn find_extension(
    kind: AccountKind,
    data: &[u8],
    wanted: u16,
) -> Result<Option<&[u8]>, DecodeError> {
    let mut at = TLV_START;
    let mut found = None;
    while at + 2 <= data.len() {
        let ext_type = u16_at(data, at);
        if ext_type == 0 {
            break;
        }
        if at + 4 > data.len() {
            return Err(invalid(
                kind,
                "extension header",
                i128::from(ext_type),
                "cut short",
            ));
        }
        let len = usize::from(u16_at(data, at + 2));
        let value = data.get(at + 4..at + 4 + len).ok_or_else(|| {
            invalid(
                kind,
                "extension length",
                len as i128,
                "runs past the end of the account",
            )
        })?;
        if ext_type == wanted && found.is_none() {
            found = Some(value);
        }
        at += 4 + len;
    }
    Ok(found)
}

/// Checks a Token-2022 account with extensions: its account-type byte and TLV entries.
fn check_extended(kind: AccountKind, data: &[u8], account_type: u8) -> Result<(), DecodeError> {
    let actual = u8_at(data, ACCOUNT_TYPE_OFFSET);
    if actual != account_type {
        return Err(invalid(
            kind,
            "account_type",
            actual,
            "does not match the account kind",
        ));
    }
    find_extension(kind, data, u16::MAX).map(|_| ())
}

/// A zero-copy view of an SPL Token or Token-2022 token account.
#[derive(Clone, Copy)]
pub struct TokenAccount<'a> {
    data: &'a [u8],
    program: TokenProgram,
}

impl<'a> TokenAccount<'a> {
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::TokenAccount;

    /// Decodes a token account owned by `owner` (SPL Token or Token-2022).
    ///
    /// # Errors
    /// [`DecodeError::WrongOwner`] for another owner; [`DecodeError::WrongLength`] for a
    /// length that is not a token account's; [`DecodeError::InvalidField`] for an
    /// uninitialized account, a bad `COption` tag, or malformed extensions.
    #[inline]
    pub fn from_account(owner: &Pubkey, data: &'a [u8]) -> Result<Self, DecodeError> {
        Self::from_bytes(token_program(Self::KIND, owner)?, data)
    }

    /// Decodes a token account of a known token program.
    ///
    /// # Errors
    /// As [`Self::from_account`], without the owner check.
    #[inline]
    pub fn from_bytes(program: TokenProgram, data: &'a [u8]) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        let length_ok = match program {
            TokenProgram::Token => data.len() == ACCOUNT_LEN,
            TokenProgram::Token2022 => data.len() >= ACCOUNT_LEN && data.len() != MULTISIG_LEN,
        };
        if !length_ok {
            let expected = match program {
                TokenProgram::Token => ExpectedLength::Exactly(ACCOUNT_LEN),
                TokenProgram::Token2022 => ExpectedLength::AtLeast(ACCOUNT_LEN),
            };
            return Err(DecodeError::WrongLength {
                kind,
                expected,
                actual: data.len(),
            });
        }
        match u8_at(data, 108) {
            1 | 2 => {}
            0 => return Err(invalid(kind, "state", 0, "uninitialized")),
            s => return Err(invalid(kind, "state", s, "not an AccountState")),
        }
        coption_tag(kind, "delegate", data, 72)?;
        coption_tag(kind, "is_native", data, 109)?;
        coption_tag(kind, "close_authority", data, 129)?;
        if data.len() > ACCOUNT_LEN {
            check_extended(kind, data, ACCOUNT_TYPE_ACCOUNT)?;
        }
        Ok(Self { data, program })
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }
    /// The stored `program`.
    pub fn program(&self) -> TokenProgram {
        self.program
    }
    /// The stored `mint`.
    pub fn mint(&self) -> Pubkey {
        pubkey_at(self.data, 0)
    }
    /// The stored `owner`.
    pub fn owner(&self) -> Pubkey {
        pubkey_at(self.data, 32)
    }
    /// The balance, in base units.
    pub fn amount(&self) -> u64 {
        u64_at(self.data, 64)
    }
    /// The stored `delegate`.
    pub fn delegate(&self) -> Option<Pubkey> {
        coption_pubkey(self.data, 72)
    }
    /// The stored `state`.
    pub fn state(&self) -> AccountState {
        if u8_at(self.data, 108) == 2 {
            AccountState::Frozen
        } else {
            AccountState::Initialized
        }
    }
    /// For wrapped SOL accounts: the rent-exempt reserve.
    pub fn is_native(&self) -> Option<u64> {
        (u32_at(self.data, 109) == 1).then(|| u64_at(self.data, 113))
    }
    /// The stored `delegated_amount`.
    pub fn delegated_amount(&self) -> u64 {
        u64_at(self.data, 121)
    }
    /// The stored `close_authority`.
    pub fn close_authority(&self) -> Option<Pubkey> {
        coption_pubkey(self.data, 129)
    }
    /// Token-2022: fees withheld in this account (`TransferFeeAmount`), if it has the extension.
    pub fn withheld_transfer_fee(&self) -> Option<u64> {
        find_extension(Self::KIND, self.data, EXTENSION_TRANSFER_FEE_AMOUNT)
            .ok()
            .flatten()
            .map(|v| u64_at(v, 0))
    }
}

impl std::fmt::Debug for TokenAccount<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAccount")
            .field("program", &self.program)
            .field("mint", &self.mint())
            .field("owner", &self.owner())
            .field("amount", &self.amount())
            .finish_non_exhaustive()
    }
}

/// A zero-copy view of an SPL Token or Token-2022 mint.
#[derive(Clone, Copy)]
pub struct Mint<'a> {
    data: &'a [u8],
    program: TokenProgram,
}

impl<'a> Mint<'a> {
    /// The account kind this view decodes.
    pub const KIND: AccountKind = AccountKind::Mint;

    /// Decodes a mint owned by `owner` (SPL Token or Token-2022).
    ///
    /// # Errors
    /// [`DecodeError::WrongOwner`] for another owner; [`DecodeError::WrongLength`];
    /// [`DecodeError::InvalidField`] for an uninitialized mint, a bad `COption` tag, or
    /// malformed extensions.
    #[inline]
    pub fn from_account(owner: &Pubkey, data: &'a [u8]) -> Result<Self, DecodeError> {
        Self::from_bytes(token_program(Self::KIND, owner)?, data)
    }

    /// Decodes a mint of a known token program.
    ///
    /// # Errors
    /// As [`Self::from_account`], without the owner check.
    #[inline]
    pub fn from_bytes(program: TokenProgram, data: &'a [u8]) -> Result<Self, DecodeError> {
        let kind = Self::KIND;
        let length_ok = match program {
            TokenProgram::Token => data.len() == MINT_LEN,
            TokenProgram::Token2022 => {
                data.len() == MINT_LEN || (data.len() > ACCOUNT_LEN && data.len() != MULTISIG_LEN)
            }
        };
        if !length_ok {
            let expected = match program {
                TokenProgram::Token => ExpectedLength::Exactly(MINT_LEN),
                TokenProgram::Token2022 => ExpectedLength::AtLeast(MINT_LEN),
            };
            return Err(DecodeError::WrongLength {
                kind,
                expected,
                actual: data.len(),
            });
        }
        match u8_at(data, 45) {
            1 => {}
            0 => return Err(invalid(kind, "is_initialized", 0, "uninitialized")),
            v => return Err(invalid(kind, "is_initialized", v, "a bool must be 0 or 1")),
        }
        coption_tag(kind, "mint_authority", data, 0)?;
        coption_tag(kind, "freeze_authority", data, 46)?;
        if data.len() > ACCOUNT_LEN {
            if data
                .get(MINT_LEN..ACCOUNT_LEN)
                .is_some_and(|pad| pad.iter().any(|b| *b != 0))
            {
                return Err(invalid(
                    kind,
                    "padding",
                    0,
                    "a mint's base must be zero-padded",
                ));
            }
            check_extended(kind, data, ACCOUNT_TYPE_MINT)?;
        }
        Ok(Self { data, program })
    }

    /// The account's bytes, as given.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }
    /// The stored `program`.
    pub fn program(&self) -> TokenProgram {
        self.program
    }
    /// The stored `mint_authority`.
    pub fn mint_authority(&self) -> Option<Pubkey> {
        coption_pubkey(self.data, 0)
    }
    /// The stored `supply`.
    pub fn supply(&self) -> u64 {
        u64_at(self.data, 36)
    }
    /// The stored `decimals`.
    pub fn decimals(&self) -> u8 {
        u8_at(self.data, 44)
    }
    /// The stored `freeze_authority`.
    pub fn freeze_authority(&self) -> Option<Pubkey> {
        coption_pubkey(self.data, 46)
    }
    /// Token-2022: the transfer-fee configuration, if the mint has one.
    pub fn transfer_fee_config(&self) -> Option<TransferFeeConfig> {
        let v = find_extension(Self::KIND, self.data, EXTENSION_TRANSFER_FEE_CONFIG)
            .ok()
            .flatten()?;
        if v.len() < 108 {
            return None;
        }
        let fee = |at: usize| TransferFee {
            epoch: u64_at(v, at),
            maximum_fee: u64_at(v, at + 8),
            transfer_fee_basis_points: u16_at(v, at + 16),
        };
        Some(TransferFeeConfig {
            transfer_fee_config_authority: optional_nonzero_pubkey(v, 0),
            withdraw_withheld_authority: optional_nonzero_pubkey(v, 32),
            withheld_amount: u64_at(v, 64),
            older_transfer_fee: fee(72),
            newer_transfer_fee: fee(90),
        })
    }
    /// Token-2022: the transfer hook, if the mint has the extension. Like the token program
    /// (`get_extension`), a value of the wrong length counts as absent.
    pub fn transfer_hook(&self) -> Option<TransferHook> {
        let v = self.extension(TRANSFER_HOOK, TRANSFER_HOOK_LEN)?;
        Some(TransferHook {
            authority: optional_nonzero_pubkey(v, 0),
            program_id: optional_nonzero_pubkey(v, 32),
        })
    }

    /// Token-2022: the pause configuration, if the mint has the extension (a value of the
    /// wrong length counts as absent, as in the token program).
    pub fn pausable(&self) -> Option<PausableConfig> {
        let v = self.extension(PAUSABLE, PAUSABLE_LEN)?;
        Some(PausableConfig {
            authority: optional_nonzero_pubkey(v, 0),
            // A pod bool: any non-zero byte is true.
            paused: u8_at(v, 32) != 0,
        })
    }

    /// Token-2022: whether the mint has the `NonTransferable` extension.
    pub fn is_non_transferable(&self) -> bool {
        find_extension(Self::KIND, self.data, NON_TRANSFERABLE)
            .ok()
            .flatten()
            .is_some()
    }

    /// The first reason, if any, that a swap through this mint cannot be quoted with
    /// confidence: non-transferable, then paused, then a transfer hook with a program set.
    /// A hook whose program is unset, or a pausable mint that is not paused, is harmless.
    pub fn swap_blocker(&self) -> Option<MintBlocker> {
        if self.is_non_transferable() {
            return Some(MintBlocker::NonTransferable);
        }
        if self.pausable().is_some_and(|p| p.paused) {
            return Some(MintBlocker::Paused);
        }
        self.transfer_hook()
            .and_then(|hook| hook.program_id)
            .map(|program_id| MintBlocker::TransferHook { program_id })
    }

    /// The value of extension `wanted`, if present with exactly `len` bytes.
    fn extension(&self, wanted: u16, len: usize) -> Option<&'a [u8]> {
        find_extension(Self::KIND, self.data, wanted)
            .ok()
            .flatten()
            .filter(|v| v.len() == len)
    }

    /// Token-2022 extension types present on the mint, in order.
    pub fn extension_types(&self) -> Vec<u16> {
        let mut out = Vec::new();
        let mut at = TLV_START;
        while self.data.len() > ACCOUNT_LEN && at + 4 <= self.data.len() {
            let (t, len) = (
                u16_at(self.data, at),
                usize::from(u16_at(self.data, at + 2)),
            );
            if t == 0 {
                break;
            }
            out.push(t);
            at += 4 + len;
        }
        out
    }
}

impl std::fmt::Debug for Mint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mint")
            .field("program", &self.program)
            .field("decimals", &self.decimals())
            .field("supply", &self.supply())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Token-2022 mint with the given extensions (type, value), as the token program lays
    /// it out: the 82-byte base, zero padding to 165, the account type, then the TLV entries.
    fn mint_with(extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        crate::encode::token_2022_mint(6, 0, extensions)
    }

    fn mint(data: &[u8]) -> Mint<'_> {
        Mint::from_bytes(TokenProgram::Token2022, data).unwrap()
    }

    fn hook_value(authority: [u8; 32], program: [u8; 32]) -> Vec<u8> {
        [authority, program].concat()
    }

    #[test]
    fn a_plain_mint_has_no_blocker() {
        let mut base = vec![0u8; MINT_LEN];
        base[45] = 1;
        let m = Mint::from_bytes(TokenProgram::Token2022, &base).unwrap();
        assert_eq!(m.swap_blocker(), None);
        assert_eq!((m.transfer_hook(), m.pausable()), (None, None));
        assert!(!m.is_non_transferable());
        let data = mint_with(&[]);
        assert_eq!(mint(&data).swap_blocker(), None);
    }

    #[test]
    fn transfer_hook_blocks_only_with_a_program() {
        let program = [7u8; 32];
        let data = mint_with(&[(TRANSFER_HOOK, hook_value([1; 32], program))]);
        let m = mint(&data);
        assert_eq!(
            m.transfer_hook(),
            Some(TransferHook {
                authority: Some(Pubkey::new_from_array([1; 32])),
                program_id: Some(Pubkey::new_from_array(program)),
            })
        );
        assert_eq!(
            m.swap_blocker(),
            Some(MintBlocker::TransferHook {
                program_id: Pubkey::new_from_array(program)
            })
        );

        let data = mint_with(&[(TRANSFER_HOOK, hook_value([1; 32], [0; 32]))]);
        let m = mint(&data);
        assert_eq!(m.transfer_hook().unwrap().program_id, None);
        assert_eq!(
            m.swap_blocker(),
            None,
            "an unset hook program calls nothing"
        );

        // The wrong length: the token program cannot read it, so it calls nothing either.
        let data = mint_with(&[(TRANSFER_HOOK, vec![7; 63])]);
        assert_eq!(mint(&data).transfer_hook(), None);
        assert_eq!(mint(&data).swap_blocker(), None);
    }

    #[test]
    fn pausable_blocks_only_while_paused() {
        let config = |paused: u8| [vec![3u8; 32], vec![paused]].concat();
        let running = mint_with(&[(PAUSABLE, config(0))]);
        assert_eq!(
            mint(&running).pausable(),
            Some(PausableConfig {
                authority: Some(Pubkey::new_from_array([3; 32])),
                paused: false
            })
        );
        assert_eq!(mint(&running).swap_blocker(), None);
        for flag in [1u8, 2, 255] {
            let paused = mint_with(&[(PAUSABLE, config(flag))]);
            assert!(mint(&paused).pausable().unwrap().paused);
            assert_eq!(mint(&paused).swap_blocker(), Some(MintBlocker::Paused));
        }
    }

    #[test]
    fn non_transferable_comes_first() {
        let data = mint_with(&[
            (TRANSFER_HOOK, hook_value([0; 32], [9; 32])),
            (PAUSABLE, [vec![0u8; 32], vec![1]].concat()),
            (NON_TRANSFERABLE, vec![]),
        ]);
        let m = mint(&data);
        assert!(m.is_non_transferable());
        assert_eq!(m.swap_blocker(), Some(MintBlocker::NonTransferable));
        assert_eq!(
            m.extension_types(),
            vec![TRANSFER_HOOK, PAUSABLE, NON_TRANSFERABLE]
        );
        // Paused outranks the hook.
        let data = mint_with(&[
            (TRANSFER_HOOK, hook_value([0; 32], [9; 32])),
            (PAUSABLE, [vec![0u8; 32], vec![1]].concat()),
        ]);
        assert_eq!(mint(&data).swap_blocker(), Some(MintBlocker::Paused));
    }

    #[test]
    fn transfer_fee_config_reads_both_schedules() {
        let mut value = vec![0u8; 108];
        value[64..72].copy_from_slice(&11u64.to_le_bytes());
        for (at, epoch, max, bps) in [(72, 5u64, 100u64, 25u16), (90, 9, 200, 50)] {
            value[at..at + 8].copy_from_slice(&epoch.to_le_bytes());
            value[at + 8..at + 16].copy_from_slice(&max.to_le_bytes());
            value[at + 16..at + 18].copy_from_slice(&bps.to_le_bytes());
        }
        let data = mint_with(&[(EXTENSION_TRANSFER_FEE_CONFIG, value)]);
        let config = mint(&data).transfer_fee_config().unwrap();
        assert_eq!(config.withheld_amount, 11);
        assert_eq!(config.transfer_fee_config_authority, None);
        assert_eq!(
            config.older_transfer_fee,
            TransferFee {
                epoch: 5,
                maximum_fee: 100,
                transfer_fee_basis_points: 25
            }
        );
        assert_eq!(
            config.newer_transfer_fee,
            TransferFee {
                epoch: 9,
                maximum_fee: 200,
                transfer_fee_basis_points: 50
            }
        );
    }
}
