//! JSON-RPC account reads: the initial snapshot, the re-snapshot after a stream gap, and the
//! fallback polling while the stream is down.
//!
//! `getMultipleAccounts` takes at most 100 addresses, so larger sets go in batches, each
//! with `encoding: base64` and `minContextSlot` (a node behind the slot we already hold
//! answers an error rather than older state). Responses are parsed by
//! [`decoder::rpc::parse_get_multiple_accounts`]. Pool discovery's `getProgramAccounts`
//! searches go through the same client ([`RpcClient::get_program_accounts`]).

use std::time::Duration;

use bytes::Bytes;
use decoder::Pubkey;
use decoder::discovery::{AccountFilter, DataSlice};
use decoder::rpc::{
    ProgramAccounts, RpcDecodeError, parse_get_multiple_accounts, parse_get_program_accounts,
};

use super::{AccountUpdate, SourceKind};
use crate::clock::monotonic_us;

/// The most addresses one `getMultipleAccounts` call accepts.
pub const MAX_ACCOUNTS_PER_CALL: usize = 100;

/// Why an RPC read failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("RPC request to {url} failed: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("RPC answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error(transparent)]
    Decode(#[from] RpcDecodeError),
    #[error("RPC returned {got} accounts for {asked} addresses")]
    Count { asked: usize, got: usize },
}

impl RpcError {
    /// The provider does not serve this method at all (disabled, not allowed, excluded from
    /// its indexes): retrying will not help.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Status { status, .. } => matches!(status, 401 | 403 | 405 | 410 | 501),
            // -32601 method not found; -32010 excluded from account secondary indexes;
            // -32600 invalid request (some providers' answer for a method they block).
            Self::Decode(RpcDecodeError::Rpc { code, .. }) => {
                matches!(code, -32601 | -32010 | -32600)
            }
            _ => false,
        }
    }

    /// The provider asks to slow down (HTTP 429, or its JSON-RPC equivalent).
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429,
            Self::Decode(RpcDecodeError::Rpc { code, message }) => {
                *code == 429 || message.to_ascii_lowercase().contains("rate limit")
            }
            _ => false,
        }
    }
}

/// The account fields an [`AccountUpdate`] does not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountMeta {
    pub lamports: u64,
    pub executable: bool,
    pub rent_epoch: u64,
}

/// An RPC endpoint. The URL is kept for errors with any query string (API keys) removed.
#[derive(Debug, Clone)]
pub struct RpcClient {
    http: reqwest::Client,
    url: String,
    shown_url: String,
}

/// Accounts read at one point, with the slot each was read at.
#[derive(Debug, Clone, Default)]
pub struct AccountsRead {
    /// The newest context slot among the batches.
    pub slot: u64,
    /// Present accounts as updates; missing accounts are listed in `missing`.
    pub updates: Vec<AccountUpdate>,
    /// Lamports, executable flag and rent epoch of each update, in the same order.
    pub meta: Vec<AccountMeta>,
    pub missing: Vec<Pubkey>,
}

impl RpcClient {
    /// A client for `url` with a per-request `timeout`.
    ///
    /// # Errors
    /// The HTTP client cannot be built (no TLS provider, for example).
    pub fn new(url: &str, timeout: Duration) -> Result<Self, RpcError> {
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|source| RpcError::Http {
                url: redact_url(url),
                source,
            })?;
        Ok(Self {
            http,
            url: url.to_owned(),
            shown_url: redact_url(url),
        })
    }

    /// The endpoint, safe to log.
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// Reads `keys` in batches of [`MAX_ACCOUNTS_PER_CALL`], none older than
    /// `min_context_slot`.
    ///
    /// # Errors
    /// Any batch failing: transport, HTTP status, JSON-RPC error (including "minimum
    /// context slot has not been reached") or malformed accounts.
    pub async fn get_multiple_accounts(
        &self,
        keys: &[Pubkey],
        min_context_slot: Option<u64>,
    ) -> Result<AccountsRead, RpcError> {
        let mut read = AccountsRead::default();
        for batch in keys.chunks(MAX_ACCOUNTS_PER_CALL) {
            let mut config = serde_json::json!({ "encoding": "base64", "commitment": "processed" });
            if let Some(slot) = min_context_slot {
                config["minContextSlot"] = slot.into();
            }
            let addresses: Vec<String> = batch.iter().map(ToString::to_string).collect();
            let body = serde_json::json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": "getMultipleAccounts",
                "params": [addresses, config],
            });
            let bytes = self.call(&body).await?;
            let parsed = parse_get_multiple_accounts(&bytes)?;
            if parsed.accounts.len() != batch.len() {
                return Err(RpcError::Count {
                    asked: batch.len(),
                    got: parsed.accounts.len(),
                });
            }
            read.slot = read.slot.max(parsed.slot);
            let received_at_us = monotonic_us();
            for (key, account) in batch.iter().zip(parsed.accounts) {
                match account {
                    Some(account) => {
                        read.meta.push(AccountMeta {
                            lamports: account.lamports,
                            executable: account.executable,
                            rent_epoch: account.rent_epoch,
                        });
                        read.updates.push(AccountUpdate {
                            pubkey: *key,
                            owner: account.owner,
                            data: Bytes::from(account.data),
                            slot: parsed.slot,
                            write_version: None,
                            received_at_us,
                            source: SourceKind::Rpc,
                        });
                    }
                    None => read.missing.push(*key),
                }
            }
        }
        Ok(read)
    }

    /// Reads the accounts of `program` that pass every filter, only `slice` of each
    /// (`getProgramAccounts` with `withContext`, base64).
    ///
    /// # Errors
    /// As [`RpcClient::get_multiple_accounts`]; [`RpcError::is_refusal`] tells a provider that
    /// does not serve the method, [`RpcError::is_rate_limited`] one asking to slow down.
    pub async fn get_program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
        slice: DataSlice,
    ) -> Result<ProgramAccounts, RpcError> {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getProgramAccounts",
            "params": [program.to_string(), {
                "encoding": "base64",
                "commitment": "confirmed",
                "withContext": true,
                "dataSlice": slice.to_json(),
                "filters": filters.iter().map(AccountFilter::to_json).collect::<Vec<_>>(),
            }],
        });
        let bytes = self.call(&body).await?;
        Ok(parse_get_program_accounts(&bytes)?)
    }

    /// Posts one JSON-RPC request and returns the body of a successful HTTP answer.
    async fn call(&self, body: &serde_json::Value) -> Result<Bytes, RpcError> {
        let response = self
            .http
            .post(&self.url)
            .json(body)
            .send()
            .await
            .map_err(|source| self.http_error(source))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|source| self.http_error(source))?;
        if !status.is_success() {
            let body = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            return Err(RpcError::Status {
                status: status.as_u16(),
                body,
            });
        }
        Ok(bytes)
    }

    fn http_error(&self, source: reqwest::Error) -> RpcError {
        RpcError::Http {
            url: self.shown_url.clone(),
            source: source.without_url(),
        }
    }
}

/// Reads the watchlist's pools and, from them, everything they need, until nothing new is
/// needed (pools first, then their vaults and arrays; at most four rounds). The watchlist
/// learns the pools' array windows on the way.
///
/// # Errors
/// As [`RpcClient::get_multiple_accounts`].
pub async fn snapshot(
    rpc: &RpcClient,
    watch: &mut super::watch::Watchlist,
    min_context_slot: Option<u64>,
) -> Result<AccountsRead, RpcError> {
    let mut read = AccountsRead::default();
    let mut fetched = std::collections::BTreeSet::new();
    for _round in 0..4 {
        let wanted: Vec<Pubkey> = watch
            .accounts()
            .into_iter()
            .filter(|k| !fetched.contains(k))
            .collect();
        if wanted.is_empty() {
            break;
        }
        let round = rpc.get_multiple_accounts(&wanted, min_context_slot).await?;
        fetched.extend(wanted);
        for update in &round.updates {
            watch.observe(&update.pubkey, &update.owner, &update.data);
        }
        read.slot = read.slot.max(round.slot);
        read.updates.extend(round.updates);
        read.meta.extend(round.meta);
        read.missing.extend(round.missing);
    }
    Ok(read)
}

/// The URL without its query string or user info, which often carry API keys.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let had_secret = parsed.query().is_some() || !parsed.username().is_empty();
            parsed.set_query(None);
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let mut shown = parsed.to_string();
            if had_secret {
                shown.push_str("?<redacted>");
            }
            shown
        }
        Err(_) => "<invalid url>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_in_urls_are_not_shown() {
        assert_eq!(
            redact_url("https://rpc.example.com/?api-key=secret"),
            "https://rpc.example.com/?<redacted>"
        );
        assert_eq!(
            redact_url("https://user:pw@rpc.example.com/path"),
            "https://rpc.example.com/path?<redacted>"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:8899/"),
            "http://127.0.0.1:8899/"
        );
        assert_eq!(redact_url("not a url"), "<invalid url>");
    }
}
