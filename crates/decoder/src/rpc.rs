//! Accounts delivered by JSON-RPC: the base64 `getMultipleAccounts` / `getAccountInfo`
//! shapes, and (with the `account-decoder` feature) solana-account-decoder's `UiAccount`.
//!
//! This path allocates (it owns the decoded bytes); the views then borrow from them.

use base64::Engine as _;
use serde::Deserialize;
use solana_pubkey::Pubkey;

/// Why an RPC payload could not be turned into accounts.
#[derive(Debug, thiserror::Error)]
pub enum RpcDecodeError {
    #[error("invalid JSON-RPC response: {0}")]
    /// The response is not the JSON expected.
    Json(#[from] serde_json::Error),
    /// The node answered with a JSON-RPC error.
    #[error("JSON-RPC error {code}: {message}")]
    Rpc {
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },
    #[error("unsupported account data encoding {0:?} (request base64)")]
    /// The account data is in an encoding other than base64.
    Encoding(String),
    #[error("invalid base64 account data: {0}")]
    /// The account data is not valid base64.
    Base64(#[from] base64::DecodeError),
    #[error("invalid address {0:?}")]
    /// An owner or account address is not a valid base58 address.
    Owner(String),
    /// The decoded data's length differs from the `space` the node reports.
    #[error("account data is {actual} bytes but space says {space}")]
    SpaceMismatch {
        /// The length the node reports.
        space: u64,
        /// The length of the data decoded.
        actual: usize,
    },
}

/// One account as JSON-RPC returns it, with its data decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcAccount {
    /// The account's balance in lamports.
    pub lamports: u64,
    /// The program that owns the account.
    pub owner: Pubkey,
    /// The account data.
    pub data: Vec<u8>,
    /// Whether the account is a program.
    pub executable: bool,
    /// The rent epoch.
    pub rent_epoch: u64,
}

impl RpcAccount {
    /// Decodes the account's data with [`crate::decode_account`].
    ///
    /// # Errors
    /// As [`crate::decode_account`].
    pub fn decode(&self) -> Result<crate::DecodedAccount<'_>, crate::DecodeError> {
        crate::decode_account(&self.owner, &self.data)
    }
}

/// The `result` of `getMultipleAccounts`: the slot it was read at and one entry per requested
/// address, `None` where the account does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipleAccounts {
    /// The slot the node answered at (`context.slot`).
    pub slot: u64,
    /// The accounts in the order asked; `None` for one that does not exist.
    pub accounts: Vec<Option<RpcAccount>>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    result: Option<T>,
    error: Option<RpcErrorBody>,
}

impl<T> Envelope<T> {
    /// The `result`, or the RPC `error` it carries instead.
    fn into_result(self) -> Result<T, RpcDecodeError> {
        if let Some(error) = self.error {
            return Err(RpcDecodeError::Rpc {
                code: error.code,
                message: error.message,
            });
        }
        self.result.ok_or(RpcDecodeError::Rpc {
            code: 0,
            message: "response has neither result nor error".to_owned(),
        })
    }
}

#[derive(Deserialize)]
struct RpcErrorBody {
    code: i64,
    message: String,
}

#[derive(Deserialize)]
struct ResultBody {
    context: Context,
    value: Vec<Option<WireAccount>>,
}

#[derive(Deserialize)]
struct Context {
    slot: u64,
}

/// The JSON shape of one account (`encoding: "base64"`), as RPC nodes and
/// `solana account --output json` print it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireAccount {
    /// Balance in lamports.
    pub lamports: u64,
    /// `[data, encoding]`.
    pub data: (String, String),
    /// The owner, base58.
    pub owner: String,
    /// Whether the account is a program.
    pub executable: bool,
    /// Printed as a number that can exceed 2^53 (`u64::MAX`); parsed exactly.
    pub rent_epoch: u64,
    #[serde(default)]
    /// The data length the node reports, when it does.
    pub space: Option<u64>,
}

impl WireAccount {
    /// Decodes the base64 data and the owner.
    ///
    /// # Errors
    /// A non-base64 encoding, invalid base64, an invalid owner, or data whose length
    /// disagrees with `space`.
    pub fn into_account(self) -> Result<RpcAccount, RpcDecodeError> {
        let (payload, encoding) = self.data;
        if encoding != "base64" {
            return Err(RpcDecodeError::Encoding(encoding));
        }
        let data = base64::engine::general_purpose::STANDARD.decode(payload.as_bytes())?;
        if let Some(space) = self.space
            && u64::try_from(data.len()).ok() != Some(space)
        {
            return Err(RpcDecodeError::SpaceMismatch {
                space,
                actual: data.len(),
            });
        }
        let owner = self
            .owner
            .parse()
            .map_err(|_| RpcDecodeError::Owner(self.owner.clone()))?;
        Ok(RpcAccount {
            lamports: self.lamports,
            owner,
            data,
            executable: self.executable,
            rent_epoch: self.rent_epoch,
        })
    }
}

/// Parses a complete `getMultipleAccounts` JSON-RPC response (base64 encoding).
///
/// # Errors
/// Invalid JSON, an RPC `error` object, or any account that fails
/// [`WireAccount::into_account`].
pub fn parse_get_multiple_accounts(json: &[u8]) -> Result<MultipleAccounts, RpcDecodeError> {
    let envelope: Envelope<ResultBody> = serde_json::from_slice(json)?;
    let body = envelope.into_result()?;
    let accounts = body
        .value
        .into_iter()
        .map(|entry| entry.map(WireAccount::into_account).transpose())
        .collect::<Result<_, _>>()?;
    Ok(MultipleAccounts {
        slot: body.context.slot,
        accounts,
    })
}

/// One entry of a `getProgramAccounts` answer. With a `dataSlice`, `account.data` is the slice
/// and `space` the whole account's length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedAccount {
    /// The account's address.
    pub pubkey: Pubkey,
    /// The account, its data as returned (the slice, when one was asked for).
    pub account: RpcAccount,
    /// The whole account's length, when the node reports it.
    pub space: Option<u64>,
}

/// The `result` of `getProgramAccounts` asked `withContext: true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramAccounts {
    /// The slot the node answered at.
    pub slot: u64,
    /// Every matching account, in the node's order.
    pub accounts: Vec<KeyedAccount>,
}

#[derive(Deserialize)]
struct ProgramBody {
    context: Context,
    value: Vec<WireKeyed>,
}

#[derive(Deserialize)]
struct WireKeyed {
    pubkey: String,
    account: WireAccount,
}

/// Parses a complete `getProgramAccounts` JSON-RPC response (`withContext: true`, base64).
/// `space` is kept aside rather than checked, since a `dataSlice` returns fewer bytes.
///
/// # Errors
/// Invalid JSON, an RPC `error` object, an invalid address, or any account that fails
/// [`WireAccount::into_account`].
pub fn parse_get_program_accounts(json: &[u8]) -> Result<ProgramAccounts, RpcDecodeError> {
    let envelope: Envelope<ProgramBody> = serde_json::from_slice(json)?;
    let body = envelope.into_result()?;
    let accounts = body
        .value
        .into_iter()
        .map(|entry| {
            let pubkey = entry
                .pubkey
                .parse()
                .map_err(|_| RpcDecodeError::Owner(entry.pubkey.clone()))?;
            let space = entry.account.space;
            let account = WireAccount {
                space: None,
                ..entry.account
            }
            .into_account()?;
            Ok(KeyedAccount {
                pubkey,
                account,
                space,
            })
        })
        .collect::<Result<_, RpcDecodeError>>()?;
    Ok(ProgramAccounts {
        slot: body.context.slot,
        accounts,
    })
}

/// Turns a solana-account-decoder `UiAccount` (binary encodings) into an [`RpcAccount`].
///
/// # Errors
/// JSON-parsed encodings, which carry no raw bytes, and invalid owners or data.
#[cfg(feature = "account-decoder")]
pub fn from_ui_account(
    account: &solana_account_decoder::UiAccount,
) -> Result<RpcAccount, RpcDecodeError> {
    let owner = account
        .owner
        .parse()
        .map_err(|_| RpcDecodeError::Owner(account.owner.clone()))?;
    let data = account
        .data
        .decode()
        .ok_or_else(|| RpcDecodeError::Encoding(format!("{:?}", account.data)))?;
    Ok(RpcAccount {
        lamports: account.lamports,
        owner,
        data,
        executable: account.executable,
        rent_epoch: account.rent_epoch,
    })
}
