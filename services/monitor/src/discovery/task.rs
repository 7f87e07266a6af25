//! Rediscovery: discovery on an interval (and at once when `SIGHUP` changes the targets),
//! each answer handed to [`PoolControl::set_discovered`], which subscribes new pools and
//! drops dead ones. The mints of every followed pool (configured, discovered or added
//! through the API) get their on-chain symbols, each read once.
//!
//! A provider that refuses `getProgramAccounts` leaves the configured addresses followed,
//! says so once per round in the log and on the logs channel, and is asked again next round.

use std::collections::BTreeMap;
use std::sync::Arc;

use decoder::Pubkey;

use protocol::LogLevel;
use tokio::sync::watch;

use super::{Discovery, DiscoveryError, DiscoverySettings, discover};
use crate::hub::Hub;
use crate::pipeline::Control;
use crate::pools::{PipelineLink, PoolControl};
use crate::source::rpc::RpcClient;
use crate::tokens::TokenRegistry;
use crate::tokens::metadata::MetadataCache;

/// What the rediscovery task works with.
#[derive(Debug)]
pub struct DiscoveryTask {
    pub rpc: RpcClient,
    /// Replaced on `SIGHUP`.
    pub settings: watch::Receiver<DiscoverySettings>,
    pub tokens: TokenRegistry,
    pub metadata: MetadataCache,
    pub control: Arc<PoolControl>,
    pub pipeline: PipelineLink,
    pub hub: Arc<Hub>,
    pub stop: watch::Receiver<bool>,
    /// The mints of pools already read for their symbols.
    pub pool_mints: BTreeMap<Pubkey, [Pubkey; 2]>,
}

impl DiscoveryTask {
    /// Runs rounds until stopped.
    pub async fn run(mut self) {
        // Without a reload (no configuration file) the settings never change.
        let mut reloadable = true;
        loop {
            let settings = self.settings.borrow_and_update().clone();
            if settings.targets.is_empty() {
                // Nothing (or nothing any more, after a reload) to discover.
                self.control
                    .set_discovered(std::collections::BTreeSet::new());
                self.learn_symbols(Vec::new()).await;
            } else {
                self.round(&settings).await;
            }
            let mut stop = self.stop.clone();
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                changed = self.settings.changed(), if reloadable => {
                    if changed.is_err() {
                        reloadable = false;
                    } else {
                        tracing::info!("discovery targets changed; discovering again");
                    }
                }
                () = tokio::time::sleep(settings.interval) => {}
            }
        }
    }

    async fn round(&mut self, settings: &DiscoverySettings) {
        metrics::counter!("dexmon_discovery_rounds_total").increment(1);
        match discover(&self.rpc, settings, &self.tokens).await {
            Ok(found) => {
                self.report(&found);
                // Before the pools join, so their first prices carry the symbols.
                self.learn_symbols(found.kept.iter().flat_map(|k| k.mints).collect())
                    .await;
                let kept = found.kept.iter().map(|k| k.address).collect();
                let changes = self.control.set_discovered(kept);
                tracing::info!(
                    kept = found.kept.len(),
                    skipped = found.skipped.len(),
                    added = changes.added.len(),
                    removed = changes.removed.len(),
                    "pool discovery"
                );
            }
            Err(err @ DiscoveryError::Refused(_)) => {
                self.learn_symbols(Vec::new()).await;
                metrics::counter!("dexmon_discovery_failures_total", "reason" => "refused")
                    .increment(1);
                let message = format!(
                    "{err}; following the configured addresses only ({} pools)",
                    self.control.followed().len()
                );
                tracing::warn!("{message}");
                self.hub.log(LogLevel::Warning, &message, &[]);
            }
            Err(err) => {
                metrics::counter!("dexmon_discovery_failures_total", "reason" => "rpc")
                    .increment(1);
                tracing::warn!(%err, "pool discovery failed; the followed pools stay as they are");
                self.hub.log(LogLevel::Warning, &err.to_string(), &[]);
            }
        }
    }

    fn report(&self, found: &Discovery) {
        metrics::gauge!("dexmon_discovery_kept_pools").set(found.kept.len() as f64);
        metrics::gauge!("dexmon_discovery_skipped_pools").set(found.skipped.len() as f64);
        for skipped in &found.skipped {
            tracing::info!(
                pool = %skipped.address,
                kind = skipped.kind.map(|k| k.pool_type()),
                pair = %self.tokens.pair_label(&skipped.mints[0], &skipped.mints[1]),
                reason = %skipped.reason,
                "discovery skipped a pool"
            );
        }
    }

    /// Reads the metadata of `mints` and of every followed pool's mints, each once, and
    /// tells the pipeline the new symbols.
    async fn learn_symbols(&mut self, mut mints: Vec<Pubkey>) {
        let unknown: Vec<Pubkey> = self
            .control
            .followed()
            .into_iter()
            .filter(|p| !self.pool_mints.contains_key(p))
            .collect();
        if !unknown.is_empty() {
            match self.rpc.get_multiple_accounts(&unknown, None).await {
                Ok(read) => {
                    for update in &read.updates {
                        if let Ok(pool) = market::Pool::from_keyed_account(
                            update.pubkey,
                            &update.owner,
                            &update.data,
                        ) {
                            self.pool_mints.insert(update.pubkey, pool.accounts().mints);
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, "followed pools could not be read for their mints")
                }
            }
        }
        mints.extend(self.pool_mints.values().flatten());
        if let Err(err) = self.metadata.fetch(&self.rpc, &mints).await {
            tracing::warn!(%err, "token metadata could not be read");
        }
        for mint in self.metadata.apply(&mut self.tokens) {
            if let Some(token) = self.tokens.get(&mint) {
                self.pipeline.send(Control::Token(token.clone()));
            }
        }
    }
}
