//! The pools the monitor follows, by where each came from, and the one place that changes
//! them while running: the configuration (`SIGHUP` reloads it), discovery, and the REST API.
//!
//! ```text
//! configured ∪ discovered ∪ added by the API − removed by the API = followed
//!   each change ─▶ live source (PoolChange: subscribe / unsubscribe, RPC read of new pools)
//!               ─▶ pipeline (Control: forget the pool, withdraw its price, close its
//!                  opportunities) ─▶ a `log` message and `dexmon_pool_changes_total`
//! ```
//!
//! A pool removed through the API stays removed, even if discovery finds it again, until it
//! is added back.

pub mod api;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use decoder::Pubkey;
use protocol::LogLevel;
use tokio::sync::mpsc;

use crate::hub::Hub;
use crate::pipeline::Control;
use crate::source::{CoalescingQueue, PoolChange};

#[derive(Debug, Default)]
struct Followed {
    configured: BTreeSet<Pubkey>,
    discovered: BTreeSet<Pubkey>,
    added: BTreeSet<Pubkey>,
    removed: BTreeSet<Pubkey>,
}

impl Followed {
    fn effective(&self) -> BTreeSet<Pubkey> {
        self.configured
            .iter()
            .chain(&self.discovered)
            .chain(&self.added)
            .filter(|p| !self.removed.contains(p))
            .copied()
            .collect()
    }
}

/// What one change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<Pubkey>,
    pub removed: Vec<Pubkey>,
}

/// Where pipeline control messages go: the channel and the queue to wake the pipeline with.
#[derive(Debug, Clone)]
pub struct PipelineLink {
    pub control: std::sync::mpsc::Sender<Control>,
    pub queue: Arc<CoalescingQueue>,
}

impl PipelineLink {
    pub fn send(&self, control: Control) {
        if self.control.send(control).is_ok() {
            self.queue.wake();
        }
    }
}

/// The followed pools and the channels that carry changes to them.
#[derive(Debug)]
pub struct PoolControl {
    followed: Mutex<Followed>,
    source: Option<mpsc::UnboundedSender<PoolChange>>,
    pipeline: PipelineLink,
    hub: Arc<Hub>,
}

impl PoolControl {
    /// Starts with the configured pools. `source` is the live source's change channel
    /// (`None` for sources that follow no pool list).
    pub fn new(
        configured: impl IntoIterator<Item = Pubkey>,
        source: Option<mpsc::UnboundedSender<PoolChange>>,
        pipeline: PipelineLink,
        hub: Arc<Hub>,
    ) -> Self {
        let followed = Followed {
            configured: configured.into_iter().collect(),
            ..Followed::default()
        };
        metrics::gauge!("dexmon_followed_pools").set(followed.effective().len() as f64);
        Self {
            followed: Mutex::new(followed),
            source,
            pipeline,
            hub,
        }
    }

    /// Whether changes reach a source (the live source follows a pool list; others do not).
    pub fn is_live(&self) -> bool {
        self.source.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Followed> {
        self.followed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every pool followed now.
    pub fn followed(&self) -> BTreeSet<Pubkey> {
        self.lock().effective()
    }

    /// The configuration's pools (at start and on `SIGHUP`).
    pub fn set_configured(&self, pools: BTreeSet<Pubkey>) -> Changes {
        self.change("configuration", |f| f.configured = pools)
    }

    /// Discovery's latest answer.
    pub fn set_discovered(&self, pools: BTreeSet<Pubkey>) -> Changes {
        self.change("discovery", |f| f.discovered = pools)
    }

    /// `POST /api/pools`.
    pub fn add(&self, pool: Pubkey) -> Changes {
        self.change("api", |f| {
            f.removed.remove(&pool);
            f.added.insert(pool);
        })
    }

    /// `DELETE /api/pools/{address}`.
    pub fn remove(&self, pool: Pubkey) -> Changes {
        self.change("api", |f| {
            f.added.remove(&pool);
            f.removed.insert(pool);
        })
    }

    fn change(&self, origin: &'static str, edit: impl FnOnce(&mut Followed)) -> Changes {
        let (before, after) = {
            let mut followed = self.lock();
            let before = followed.effective();
            edit(&mut followed);
            (before, followed.effective())
        };
        let changes = Changes {
            added: after.difference(&before).copied().collect(),
            removed: before.difference(&after).copied().collect(),
        };
        metrics::gauge!("dexmon_followed_pools").set(after.len() as f64);
        for pool in &changes.added {
            self.pipeline.send(Control::AddPool(*pool));
            self.announce("pool added", origin, pool, "added");
        }
        for pool in &changes.removed {
            self.pipeline.send(Control::RemovePool(*pool));
            self.announce("pool removed", origin, pool, "removed");
        }
        if let Some(source) = &self.source {
            if !changes.added.is_empty() {
                let _ = source.send(PoolChange::Add(changes.added.clone()));
            }
            if !changes.removed.is_empty() {
                let _ = source.send(PoolChange::Remove(changes.removed.clone()));
            }
        }
        changes
    }

    fn announce(&self, message: &str, origin: &'static str, pool: &Pubkey, change: &'static str) {
        metrics::counter!("dexmon_pool_changes_total", "change" => change, "origin" => origin)
            .increment(1);
        tracing::info!(%pool, origin, "{message}");
        self.hub.log(
            LogLevel::Info,
            message,
            &[("pool", pool.to_string()), ("origin", origin.to_owned())],
        );
    }
}
