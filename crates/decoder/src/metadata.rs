//! Token names and symbols: the Metaplex Token Metadata account, and Token-2022's own
//! `MetadataPointer` and `TokenMetadata` mint extensions.
//!
//! Layouts: mpl-token-metadata `state/metadata.rs` (`Metadata`: key, update authority, mint,
//! then Borsh `Data` whose strings Metaplex pads with NULs to 32, 10 and 200 bytes), and
//! spl-token-metadata-interface `state.rs` (`TokenMetadata`: update authority as an
//! `OptionalNonZeroPubkey`, mint, Borsh strings, additional fields) with spl-token-2022
//! `extension/metadata_pointer` (authority, metadata address).
//!
//! A Token-2022 mint's metadata may live in the mint itself (the pointer names the mint) or in
//! another account; [`token_2022_metadata`] reads the first case and says where to look in
//! the second.

use solana_pubkey::Pubkey;

use crate::read::{pubkey_at, u8_at, u32_at};
use crate::token::extension_type::{METADATA_POINTER, TOKEN_METADATA};
use crate::token::find_extension;
use crate::view::invalid;
use crate::{AccountKind, DecodeError, ExpectedLength, METAPLEX_TOKEN_METADATA, Mint};

/// `Key::MetadataV1`, the first byte of a Metaplex `Metadata` account.
pub const METAPLEX_KEY_METADATA_V1: u8 = 4;

/// A token's name, symbol and URI, from whichever account holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenMetadata {
    /// The mint the metadata describes.
    pub mint: Pubkey,
    /// Who may change it, if anyone.
    pub update_authority: Option<Pubkey>,
    /// The token's name, NUL padding removed.
    pub name: String,
    /// The token's symbol, NUL padding removed.
    pub symbol: String,
    /// Where the off-chain JSON lives, NUL padding removed.
    pub uri: String,
}

/// Where a Token-2022 mint says its metadata is (`MetadataPointer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataPointer {
    /// Who may move the pointer, if anyone.
    pub authority: Option<Pubkey>,
    /// The account holding the metadata (often the mint itself), if set.
    pub metadata_address: Option<Pubkey>,
}

fn nonzero(key: Pubkey) -> Option<Pubkey> {
    (key != Pubkey::default()).then_some(key)
}

/// Reads one Borsh string at `*at`, advancing past it.
fn borsh_string(
    kind: AccountKind,
    field: &'static str,
    data: &[u8],
    at: &mut usize,
) -> Result<String, DecodeError> {
    let header_end = at.checked_add(4).filter(|end| *end <= data.len());
    let Some(header_end) = header_end else {
        return Err(invalid(kind, field, 0, "length prefix runs past the end"));
    };
    let len = u32_at(data, *at) as usize;
    let bytes = header_end
        .checked_add(len)
        .and_then(|end| data.get(header_end..end))
        .ok_or_else(|| invalid(kind, field, len as i128, "runs past the end of the account"))?;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| invalid(kind, field, e.valid_up_to() as i128, "not UTF-8"))?;
    *at = header_end + len;
    Ok(text.trim_end_matches('\0').to_owned())
}

/// Decodes a Metaplex Token Metadata `Metadata` account (owner checked).
///
/// # Errors
/// [`DecodeError::WrongOwner`], [`DecodeError::WrongLength`] for fewer bytes than the fixed
/// header, [`DecodeError::InvalidField`] for another key, strings that run past the end or
/// are not UTF-8.
pub fn metaplex_metadata(owner: &Pubkey, data: &[u8]) -> Result<TokenMetadata, DecodeError> {
    let kind = AccountKind::MetaplexMetadata;
    crate::view::check_owner(kind, METAPLEX_TOKEN_METADATA, owner)?;
    const HEADER: usize = 1 + 32 + 32;
    if data.len() < HEADER {
        return Err(DecodeError::WrongLength {
            kind,
            expected: ExpectedLength::AtLeast(HEADER),
            actual: data.len(),
        });
    }
    let key = u8_at(data, 0);
    if key != METAPLEX_KEY_METADATA_V1 {
        return Err(invalid(kind, "key", key, "not a MetadataV1 account"));
    }
    let mut at = HEADER;
    let name = borsh_string(kind, "name", data, &mut at)?;
    let symbol = borsh_string(kind, "symbol", data, &mut at)?;
    let uri = borsh_string(kind, "uri", data, &mut at)?;
    Ok(TokenMetadata {
        update_authority: nonzero(pubkey_at(data, 1)),
        mint: pubkey_at(data, 33),
        name,
        symbol,
        uri,
    })
}

impl Mint<'_> {
    /// Token-2022: the `MetadataPointer` extension, if the mint has it.
    pub fn metadata_pointer(&self) -> Option<MetadataPointer> {
        let value = find_extension(Self::KIND, self.bytes(), METADATA_POINTER)
            .ok()
            .flatten()
            .filter(|v| v.len() == 64)?;
        Some(MetadataPointer {
            authority: nonzero(pubkey_at(value, 0)),
            metadata_address: nonzero(pubkey_at(value, 32)),
        })
    }

    /// Token-2022: the `TokenMetadata` extension stored in the mint itself, if any.
    ///
    /// # Errors
    /// [`DecodeError::InvalidField`] when the extension's strings are malformed.
    pub fn token_metadata(&self) -> Result<Option<TokenMetadata>, DecodeError> {
        let kind = Self::KIND;
        let Some(value) = find_extension(kind, self.bytes(), TOKEN_METADATA)? else {
            return Ok(None);
        };
        if value.len() < 64 {
            return Err(invalid(
                kind,
                "token_metadata",
                value.len() as i128,
                "shorter than its two keys",
            ));
        }
        let mut at = 64;
        let name = borsh_string(kind, "token_metadata.name", value, &mut at)?;
        let symbol = borsh_string(kind, "token_metadata.symbol", value, &mut at)?;
        let uri = borsh_string(kind, "token_metadata.uri", value, &mut at)?;
        Ok(Some(TokenMetadata {
            update_authority: nonzero(pubkey_at(value, 0)),
            mint: pubkey_at(value, 32),
            name,
            symbol,
            uri,
        }))
    }
}

/// What a Token-2022 mint says about its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MintMetadata {
    /// The mint holds its own `TokenMetadata`.
    InMint(TokenMetadata),
    /// The pointer names another account; read that one.
    Elsewhere(Pubkey),
    /// No metadata extension and no pointer: look for the Metaplex account.
    None,
}

/// The metadata a mint carries or points to. SPL Token mints always answer
/// [`MintMetadata::None`].
///
/// # Errors
/// As [`Mint::token_metadata`].
pub fn token_2022_metadata(mint: &Mint<'_>, address: &Pubkey) -> Result<MintMetadata, DecodeError> {
    let pointer = mint.metadata_pointer();
    let target = pointer.and_then(|p| p.metadata_address);
    if target.is_none_or(|t| t == *address)
        && let Some(found) = mint.token_metadata()?
    {
        return Ok(MintMetadata::InMint(found));
    }
    Ok(match target {
        Some(t) if t != *address => MintMetadata::Elsewhere(t),
        _ => MintMetadata::None,
    })
}
