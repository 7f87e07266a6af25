//! Token symbols from the chain: each mint's Token-2022 metadata extension, or else its
//! Metaplex Token Metadata account, read once and cached on disk.
//!
//! ```text
//! unknown mints ─▶ cache hit? ─▶ getMultipleAccounts(mints) ─▶ Token-2022 TokenMetadata in
//!   the mint (decoder::metadata) ─┬─ found
//!                                 └─ else getMultipleAccounts(Metaplex PDAs,
//!                                    market::address::metaplex_metadata) ─▶ found or none
//!   ─▶ cache (JSON file, mints without metadata included) ─▶ TokenRegistry::insert_metadata
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use decoder::Pubkey;
use decoder::metadata::{MintMetadata, TokenMetadata, metaplex_metadata, token_2022_metadata};
use serde::{Deserialize, Serialize};

use super::TokenRegistry;
use crate::source::rpc::{RpcClient, RpcError};

/// What is known of one mint: its decimals and, when it has metadata, name and symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    pub decimals: u8,
    pub symbol: Option<String>,
    pub name: Option<String>,
    /// `token-2022` or `metaplex`, where the symbol came from.
    pub from: Option<String>,
}

/// The on-disk cache: mint (base58) to what was read. Mints without metadata are kept too,
/// so each mint is read once.
#[derive(Debug, Clone, Default)]
pub struct MetadataCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, CachedToken>,
}

impl MetadataCache {
    /// Loads the cache at `path` (an absent or unreadable file is an empty cache, logged).
    /// `None` keeps it in memory only.
    pub fn open(path: Option<&Path>) -> Self {
        let entries = path
            .and_then(|p| match std::fs::read(p) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map_err(|err| {
                        tracing::warn!(path = %p.display(), %err, "token metadata cache unreadable; starting afresh");
                    })
                    .ok(),
                Err(_) => None,
            })
            .unwrap_or_default();
        Self {
            path: path.map(Path::to_path_buf),
            entries,
        }
    }

    pub fn get(&self, mint: &Pubkey) -> Option<&CachedToken> {
        self.entries.get(&mint.to_string())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn save(&self) {
        let Some(path) = &self.path else { return };
        let written = serde_json::to_vec_pretty(&self.entries)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, bytes)?;
                std::fs::rename(&tmp, path)
            });
        if let Err(err) = written {
            tracing::warn!(path = %path.display(), %err, "token metadata cache not written");
        }
    }

    /// Reads the metadata of every mint in `mints` the cache does not hold yet, stores it,
    /// and writes the cache when anything was added.
    ///
    /// # Errors
    /// An RPC read failing; what was read before it is kept.
    pub async fn fetch(&mut self, rpc: &RpcClient, mints: &[Pubkey]) -> Result<usize, RpcError> {
        let wanted: Vec<Pubkey> = mints
            .iter()
            .filter(|m| self.get(m).is_none())
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if wanted.is_empty() {
            return Ok(0);
        }
        let read = rpc.get_multiple_accounts(&wanted, None).await?;
        let mut found: BTreeMap<Pubkey, CachedToken> = BTreeMap::new();
        let mut metaplex_needed = Vec::new();
        for update in &read.updates {
            let Ok(mint) = decoder::Mint::from_account(&update.owner, &update.data) else {
                continue;
            };
            let mut entry = CachedToken {
                decimals: mint.decimals(),
                symbol: None,
                name: None,
                from: None,
            };
            match token_2022_metadata(&mint, &update.pubkey) {
                Ok(MintMetadata::InMint(meta)) => fill(&mut entry, &meta, "token-2022"),
                _ => metaplex_needed.push(update.pubkey),
            }
            found.insert(update.pubkey, entry);
        }
        if !metaplex_needed.is_empty() {
            let pdas: Vec<Pubkey> = metaplex_needed
                .iter()
                .map(market::address::metaplex_metadata)
                .collect();
            let read = rpc.get_multiple_accounts(&pdas, None).await?;
            for update in &read.updates {
                let Ok(meta) = metaplex_metadata(&update.owner, &update.data) else {
                    continue;
                };
                // The PDA names its mint; trust the derivation, not a stray account.
                if market::address::metaplex_metadata(&meta.mint) != update.pubkey {
                    continue;
                }
                if let Some(entry) = found.get_mut(&meta.mint) {
                    fill(entry, &meta, "metaplex");
                }
            }
        }
        let added = found.len();
        for (mint, entry) in found {
            self.entries.insert(mint.to_string(), entry);
        }
        if added > 0 {
            self.save();
        }
        Ok(added)
    }

    /// Gives the registry every cached symbol (configured and built-in ones stay).
    pub fn apply(&self, registry: &mut TokenRegistry) -> Vec<Pubkey> {
        let mut taken = Vec::new();
        for (mint, entry) in &self.entries {
            let (Ok(mint), Some(symbol)) = (mint.parse::<Pubkey>(), &entry.symbol) else {
                continue;
            };
            if registry.insert_metadata(mint, symbol, entry.decimals) {
                taken.push(mint);
            }
        }
        taken
    }
}

fn fill(entry: &mut CachedToken, meta: &TokenMetadata, from: &str) {
    if !meta.symbol.trim().is_empty() {
        entry.symbol = Some(meta.symbol.clone());
        entry.name = Some(meta.name.clone());
        entry.from = Some(from.to_owned());
    }
}
