//! `SIGHUP`: re-read the configuration file's `[pools]` section (addresses, pairs, tokens,
//! discovery limits) and apply it without a restart. Other sections need a restart.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;

use crate::MonitorError;
use crate::config::{self, FileConfig};
use crate::discovery::{self, DiscoverySettings};
use crate::pools::{Changes, PoolControl};
use crate::tokens::TokenRegistry;

/// What a reload needs.
#[derive(Debug)]
pub struct Reload {
    pub path: PathBuf,
    pub tokens: TokenRegistry,
    pub array_radius: u32,
    pub pools: Arc<PoolControl>,
    /// Discovery's settings, when discovery runs (a live source with RPC).
    pub discovery: Option<watch::Sender<DiscoverySettings>>,
}

impl Reload {
    /// Re-reads `[pools]` and applies it: configured addresses change at once, discovery
    /// targets start a new round.
    ///
    /// # Errors
    /// An unreadable or invalid file; nothing changes then.
    pub fn apply(&self) -> Result<Changes, MonitorError> {
        let file = FileConfig::read(&self.path)?;
        let addresses = config::pool_addresses(&file.pools.addresses)?;
        let tokens = {
            // Configured symbols may have changed too; built-in ones stay.
            let mut tokens = discovery::settings::registry(&file)?;
            for info in self.tokens.all() {
                let mint = decoder::Pubkey::new_from_array(info.mint);
                if tokens.get(&mint).is_none() {
                    tokens.insert_metadata(mint, &info.symbol, info.decimals);
                }
            }
            tokens
        };
        let targets = discovery::settings::from_file(&file, &tokens, self.array_radius)?;
        match (&self.discovery, targets) {
            (Some(tx), targets) => {
                let next = targets.unwrap_or_else(|| DiscoverySettings::new(Vec::new()));
                tx.send_replace(next);
            }
            (None, Some(_)) => {
                tracing::warn!(
                    "[pools] pairs / tokens need the live source with an RPC endpoint; ignored"
                );
            }
            (None, None) => {}
        }
        let changes = self.pools.set_configured(addresses.into_iter().collect());
        tracing::info!(
            path = %self.path.display(),
            added = changes.added.len(),
            removed = changes.removed.len(),
            "configuration reloaded ([pools])"
        );
        Ok(changes)
    }
}

/// Reloads on every `SIGHUP` until stopped. A failed reload is logged and changes nothing.
pub async fn on_hangup(reload: Arc<Reload>, mut stop: watch::Receiver<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(err) => {
                tracing::warn!(%err, "SIGHUP cannot be watched; reload is unavailable");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                got = hangup.recv() => {
                    if got.is_none() {
                        return;
                    }
                    if let Err(err) = reload.apply() {
                        tracing::error!(%err, "SIGHUP: configuration not reloaded");
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (reload, stop.wait_for(|s| *s).await);
    }
}
