//! The live source: one or more Yellowstone (Geyser) gRPC endpoints streaming the same
//! subscription, merged by freshness, with an RPC snapshot at start and RPC polling while
//! every endpoint is down.
//!
//! # Flow
//! ```text
//! start ─▶ RPC snapshot (pools ▸ vaults, mints, configs, arrays) ─▶ one task per endpoint
//!
//! endpoint: subscribe (from_slot = its slot checkpoint) ─▶ stream ─▶ error, EOF, watchdog
//!              ▲   cannot replay: fresh at once │ refused token: down, slow retry │ else backoff
//!              └────────────────────────────────┴─────────────────────────────────┘
//!
//! endpoints ──▶ merge (newest slot wins; first arrival wins a tie; race figures) ──▶ queue
//!     none streaming ─▶ poll RPC every 5 s; a fresh subscription after that ─▶ RPC re-read
//! ```
//!
//! - The merge ([`Merge`]) hands on each write once, never older over newer, into the
//!   never-blocking [`super::CoalescingQueue`].
//! - Pool updates go through the [`Watchlist`]; when a pool's price leaves its array window
//!   every endpoint's subscription is replaced (a new request replaces the whole filter set).
//! - Endpoints ([`super::endpoint`]) answer pings, watch for silence and keep their
//!   own resume checkpoint, backoff and state.
//! - The `x-token` is a [`Token`], which never prints.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use decoder::Pubkey;
use protocol::SourceState;
use tokio::sync::{mpsc, watch};
use yellowstone_grpc_proto::geyser::{CommitmentLevel, SubscribeRequest, SubscribeUpdateAccount};
use yellowstone_grpc_proto::tonic::Status;

use super::endpoint::{self, Endpoint, EndpointStats, Event};
use super::merge::{Admission, Merge, Origin};
use super::rpc::{RpcClient, RpcError, snapshot};
use super::watch::Watchlist;
use super::{AccountUpdate, CoalescingQueue, PoolChange, SourceKind, SourceStatus};
use crate::auth::Token;
use crate::backoff::Backoff;
use crate::clock::monotonic_us;

/// The filter names this source uses in its subscription.
pub const ACCOUNTS_FILTER: &str = "dexmon-accounts";
pub const SLOTS_FILTER: &str = "dexmon-slots";

/// Stream commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

impl Commitment {
    pub(crate) fn level(self) -> CommitmentLevel {
        match self {
            Self::Processed => CommitmentLevel::Processed,
            Self::Confirmed => CommitmentLevel::Confirmed,
            Self::Finalized => CommitmentLevel::Finalized,
        }
    }
}

/// How to reach and follow one gRPC endpoint.
#[derive(Debug, Clone)]
pub struct YellowstoneConfig {
    /// Shown in health, `/ready`, `/metrics` and `/api/stats`.
    pub name: String,
    /// `http://` or `https://` (TLS with the system's and webpki roots).
    pub endpoint: String,
    pub x_token: Option<Token>,
    pub commitment: Commitment,
    /// A stream silent for this long is dead.
    pub watchdog: Duration,
    pub connect_timeout: Duration,
    /// HTTP/2 keepalive ping interval.
    pub keepalive: Duration,
    /// Largest message accepted (account updates for big arrays exceed tonic's 4 MiB default).
    pub max_decoding_message_size: usize,
    pub backoff: Backoff,
    /// Tick or bin arrays followed on each side of a concentrated pool's price.
    pub array_radius: u32,
    /// Ask for `from_slot` on reconnect. Off for servers that ignore it silently (geyser
    /// before 3.2 / 4.2); servers that refuse it are recognized without this.
    pub replay: bool,
    /// Wait after a refused `x-token`: retrying faster cannot help and may get the
    /// address blocked.
    pub unauthorized_retry: Duration,
}

impl YellowstoneConfig {
    /// The production defaults for `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        let endpoint = endpoint.into();
        Self {
            name: default_name(&endpoint),
            endpoint,
            x_token: None,
            commitment: Commitment::Processed,
            watchdog: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            keepalive: Duration::from_secs(10),
            max_decoding_message_size: 64 * 1024 * 1024,
            backoff: Backoff::upstream(),
            array_radius: 2,
            replay: true,
            unauthorized_retry: Duration::from_secs(300),
        }
    }
}

/// An endpoint's name when none is given: its host and port (never its path or query,
/// which may carry a key).
pub fn default_name(endpoint: &str) -> String {
    reqwest::Url::parse(endpoint)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| "yellowstone".to_owned())
}

/// RPC use by the live source.
#[derive(Debug, Clone)]
pub struct RpcFallback {
    pub client: RpcClient,
    /// Polling period while the stream is down.
    pub poll_interval: Duration,
}

/// What the live source has done, for metrics, health and tests. Per-endpoint figures are
/// in `endpoints`, in configuration order.
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Updates handed to the pipeline (after merging).
    pub account_updates: AtomicU64,
    /// The same write again: replays after a resume, and the slower streams' copies.
    pub duplicates: AtomicU64,
    pub older_ignored: AtomicU64,
    pub slots: AtomicU64,
    pub resnapshots: AtomicU64,
    pub fallback_polls: AtomicU64,
    pub rpc_failures: AtomicU64,
    pub malformed_updates: AtomicU64,
    /// The newest slot whose account updates were handed to the pipeline.
    pub last_delivered_slot: AtomicU64,
    /// When RPC polling began standing in for every stream ([`monotonic_us`]); 0 when not.
    pub fallback_since_us: AtomicU64,
    pub endpoints: Vec<Arc<EndpointStats>>,
}

impl LiveStats {
    /// Stats for endpoints named `names`, in that order.
    pub fn with_endpoints<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            endpoints: names
                .into_iter()
                .map(|n| Arc::new(EndpointStats::new(n)))
                .collect(),
            ..Self::default()
        }
    }

    /// A per-endpoint counter summed over the endpoints.
    pub fn sum(&self, counter: impl Fn(&EndpointStats) -> &AtomicU64) -> u64 {
        self.endpoints
            .iter()
            .map(|e| counter(e).load(Ordering::Relaxed))
            .sum()
    }

    /// How long RPC polling has stood in for the streams, if it does now.
    pub fn fallback_for(&self) -> Option<Duration> {
        let since = self.fallback_since_us.load(Ordering::Relaxed);
        (since > 0).then(|| Duration::from_micros(monotonic_us().saturating_sub(since)))
    }
}

/// Why a stream ended.
#[derive(Debug, thiserror::Error)]
pub enum StreamEnd {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("subscribe failed: {0}")]
    Subscribe(Status),
    #[error("stream failed: {0}")]
    Status(Status),
    #[error("server closed the stream")]
    Closed,
    #[error("no message for {0:?} (watchdog)")]
    Silent(Duration),
    #[error("could not send to the server: {0}")]
    Send(String),
}

/// Everything the live source shares with the rest of the service.
#[derive(Debug, Clone)]
pub struct LiveContext {
    pub queue: Arc<CoalescingQueue>,
    /// The source as a whole: connected while any endpoint streams.
    pub status: Arc<SourceStatus>,
    pub stats: Arc<LiveStats>,
    pub stop: watch::Receiver<bool>,
}

/// The live source: the endpoints' merged streams, the RPC snapshot and the fallback.
struct Live {
    rpc: Option<RpcFallback>,
    ctx: LiveContext,
    commitment: Commitment,
    watch: Watchlist,
    merge: Merge,
    filters: watch::Sender<SubscribeRequest>,
    /// No stream covered the time since the last one went down: a fresh subscription
    /// needs the state re-read over RPC.
    gap: bool,
    /// Which endpoints stream, as their events tell (their state may already be ahead).
    streaming: Vec<bool>,
    next_poll: Option<tokio::time::Instant>,
}

/// Runs the live source, one task per endpoint, until `stop`. `endpoints` share the
/// commitment and array radius of the first (configuration checks they agree).
pub async fn run(
    endpoints: Vec<YellowstoneConfig>,
    rpc: Option<RpcFallback>,
    pools: Vec<Pubkey>,
    ctx: LiveContext,
    changes: mpsc::UnboundedReceiver<PoolChange>,
) {
    let Some(first) = endpoints.first() else {
        ctx.status
            .set(SourceState::Down, Some("no endpoint configured".into()));
        return;
    };
    let commitment = first.commitment;
    let watch = Watchlist::new(pools, first.array_radius);
    let (filters, _) = watch::channel(endpoint::filters(watch.accounts(), commitment));
    let mut live = Live {
        rpc,
        ctx,
        commitment,
        watch,
        merge: Merge::default(),
        filters,
        gap: false,
        streaming: vec![false; endpoints.len()],
        next_poll: None,
    };
    for config in &endpoints {
        tracing::info!(
            endpoint = %config.name,
            url = %config.endpoint,
            x_token = config.x_token.is_some(),
            replay = config.replay,
            "Yellowstone endpoint"
        );
    }
    tracing::info!(
        endpoints = endpoints.len(),
        commitment = ?commitment,
        pools = live.watch.pools().len(),
        rpc = live.rpc.as_ref().map(|r| r.client.shown_url()),
        "source: Yellowstone gRPC"
    );
    live.ctx
        .status
        .set(SourceState::Reconnecting, Some("connecting".into()));
    if live.rpc.is_some() {
        // Before subscribing: the pools' bytes name the accounts they need.
        live.resnapshot("initial snapshot").await;
    }
    let (events_tx, events) = mpsc::channel(4_096);
    let tasks: Vec<_> = endpoints
        .into_iter()
        .enumerate()
        .map(|(index, config)| {
            let stats = live
                .ctx
                .stats
                .endpoints
                .get(index)
                .cloned()
                .unwrap_or_else(|| Arc::new(EndpointStats::new(config.name.clone())));
            tokio::spawn(endpoint::run(Endpoint {
                index,
                config,
                stats,
                filters: live.filters.subscribe(),
                events: events_tx.clone(),
                stop: live.ctx.stop.clone(),
            }))
        })
        .collect();
    drop(events_tx);
    live.run(events, changes).await;
    for task in tasks {
        let _ = task.await;
    }
    live.ctx
        .status
        .set(SourceState::Down, Some("stopped".into()));
}

impl Live {
    async fn run(
        &mut self,
        mut events: mpsc::Receiver<Event>,
        mut changes: mpsc::UnboundedReceiver<PoolChange>,
    ) {
        let mut stop = self.ctx.stop.clone();
        let mut changes_open = true;
        loop {
            let poll_at = self.next_poll;
            let poll = async move {
                match poll_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            enum Next {
                Stop,
                Event(Option<Event>),
                Poll,
                Change(Option<PoolChange>),
            }
            let next = tokio::select! {
                stopped = stop.wait_for(|s| *s) => {
                    drop(stopped);
                    Next::Stop
                }
                event = events.recv() => Next::Event(event),
                () = poll => Next::Poll,
                change = changes.recv(), if changes_open => Next::Change(change),
            };
            match next {
                Next::Stop | Next::Event(None) => return,
                Next::Change(None) => changes_open = false,
                Next::Change(Some(change)) => self.change(change).await,
                Next::Event(Some(event)) => self.handle(event).await,
                Next::Poll => {
                    if let Some(rpc) = self.rpc.clone() {
                        self.poll(&rpc).await;
                        self.next_poll = Some(tokio::time::Instant::now() + rpc.poll_interval);
                    }
                }
            }
        }
    }

    fn endpoint(&self, index: usize) -> Option<&Arc<EndpointStats>> {
        self.ctx.stats.endpoints.get(index)
    }

    async fn handle(&mut self, event: Event) {
        match event {
            Event::Account { endpoint, update } => {
                self.deliver(update, Origin::Stream(endpoint));
            }
            Event::Slot { slot } => {
                self.ctx.stats.slots.fetch_add(1, Ordering::Relaxed);
                self.ctx.queue.push_slot(slot);
            }
            Event::Malformed => {
                self.ctx
                    .stats
                    .malformed_updates
                    .fetch_add(1, Ordering::Relaxed);
            }
            Event::Subscribed {
                endpoint,
                from_slot,
            } => {
                self.set_streaming(endpoint, true);
                let alone = self.connected() == 1;
                self.refresh_status();
                if self.gap && alone && from_slot.is_none() {
                    let name = self.endpoint(endpoint).map(|e| e.status.name.clone());
                    tracing::info!(endpoint = ?name, "fresh subscription after a gap no stream covered");
                    self.resnapshot("the stream could not replay the gap").await;
                }
                // A replay covers the gap; if it is refused, the stream ends and `gap` is
                // set again when no stream is left.
                self.gap = false;
            }
            Event::Ended { endpoint, .. } => {
                self.set_streaming(endpoint, false);
                self.ctx.status.reconnects.fetch_add(1, Ordering::Relaxed);
                self.refresh_status();
            }
        }
    }

    fn set_streaming(&mut self, endpoint: usize, streaming: bool) {
        if let Some(s) = self.streaming.get_mut(endpoint) {
            *s = streaming;
        }
    }

    fn connected(&self) -> usize {
        self.streaming.iter().filter(|s| **s).count()
    }

    /// The source's state from its endpoints': connected while any streams; otherwise RPC
    /// polling (when configured) stands in, starting at once.
    fn refresh_status(&mut self) {
        let stats = &self.ctx.stats;
        if self.connected() > 0 {
            self.ctx.status.set(SourceState::Connected, None);
            self.next_poll = None;
            stats.fallback_since_us.store(0, Ordering::Relaxed);
            return;
        }
        self.gap = true;
        let why: Vec<String> = stats
            .endpoints
            .iter()
            .map(|e| {
                let (state, reason) = e.status.get();
                let reason = reason.unwrap_or_else(|| format!("{state:?}").to_lowercase());
                format!("{}: {reason}", e.status.name)
            })
            .collect();
        let why = why.join("; ");
        let all_unauthorized = stats.endpoints.iter().all(|e| e.unauthorized());
        match &self.rpc {
            Some(rpc) => {
                if self.next_poll.is_none() {
                    self.next_poll = Some(tokio::time::Instant::now());
                    let _ = stats.fallback_since_us.compare_exchange(
                        0,
                        monotonic_us().max(1),
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                }
                self.ctx.status.set(
                    SourceState::Fallback,
                    Some(format!("polling RPC every {:?}: {why}", rpc.poll_interval)),
                );
            }
            None if all_unauthorized => self.ctx.status.set(SourceState::Down, Some(why)),
            None => self.ctx.status.set(SourceState::Reconnecting, Some(why)),
        }
    }

    /// Follows new pools or drops old ones without touching the streams: new pools (and
    /// what they need) are read over RPC when it is configured, then every endpoint's
    /// subscription is replaced.
    async fn change(&mut self, change: PoolChange) {
        match change {
            PoolChange::Add(pools) => {
                let new: Vec<Pubkey> = pools.into_iter().filter(|p| self.watch.add(*p)).collect();
                if new.is_empty() {
                    return;
                }
                tracing::info!(pools = new.len(), "following new pools");
                if let Some(rpc) = self.rpc.clone() {
                    let mut fresh = Watchlist::new(new.iter().copied(), self.watch.radius());
                    match snapshot(&rpc.client, &mut fresh, None).await {
                        Ok(read) => {
                            for update in read.updates {
                                self.deliver_as(update, Origin::Rpc, true);
                            }
                            self.ctx.queue.push_slot(read.slot);
                        }
                        Err(err) => self.rpc_failed(&err),
                    }
                }
            }
            PoolChange::Remove(pools) => {
                let gone = pools.iter().filter(|p| self.watch.remove(p)).count();
                if gone == 0 {
                    return;
                }
                tracing::info!(pools = gone, "no longer following pools");
            }
        }
        self.publish_filters();
    }

    /// Tells every endpoint the accounts to follow, when they changed.
    fn publish_filters(&self) {
        let request = endpoint::filters(self.watch.accounts(), self.commitment);
        self.filters.send_if_modified(|current| {
            let changed = current.accounts != request.accounts;
            if changed {
                *current = request;
            }
            changed
        });
    }

    /// Reads the watched accounts over RPC and delivers them. Without RPC, only logs.
    async fn resnapshot(&mut self, why: &str) {
        let Some(rpc) = self.rpc.clone() else {
            tracing::warn!(why, "no RPC endpoint configured: the gap cannot be re-read");
            return;
        };
        self.ctx.stats.resnapshots.fetch_add(1, Ordering::Relaxed);
        match snapshot(&rpc.client, &mut self.watch, None).await {
            Ok(read) => {
                tracing::info!(
                    why,
                    slot = read.slot,
                    accounts = read.updates.len(),
                    missing = read.missing.len(),
                    "RPC snapshot"
                );
                for key in &read.missing {
                    tracing::debug!(%key, "watched account does not exist");
                }
                for update in read.updates {
                    self.deliver(update, Origin::Rpc);
                }
                self.ctx.queue.push_slot(read.slot);
                self.publish_filters();
            }
            Err(err) => self.rpc_failed(&err),
        }
    }

    fn rpc_failed(&self, err: &RpcError) {
        self.ctx.stats.rpc_failures.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%err, "RPC read failed");
    }

    async fn poll(&mut self, rpc: &RpcFallback) {
        self.ctx
            .stats
            .fallback_polls
            .fetch_add(1, Ordering::Relaxed);
        let keys: Vec<Pubkey> = self.watch.accounts().into_iter().collect();
        match rpc.client.get_multiple_accounts(&keys, None).await {
            Ok(read) => {
                for update in read.updates {
                    self.deliver(update, Origin::Rpc);
                }
                self.ctx.queue.push_slot(read.slot);
            }
            Err(err) => self.rpc_failed(&err),
        }
    }

    /// Merges one update and hands it on when fresh; a pool whose array window moved
    /// changes every endpoint's subscription.
    fn deliver(&mut self, update: AccountUpdate, origin: Origin) {
        self.deliver_as(update, origin, false);
    }

    /// As [`Live::deliver`]; with `again`, a write the merge has already handed on is handed
    /// on once more (a pool that left and came back: the pipeline forgot it).
    fn deliver_as(&mut self, mut update: AccountUpdate, origin: Origin, again: bool) {
        let stats = &self.ctx.stats;
        let (admission, race) = self.merge.admit(&mut update, origin);
        if let Some(race) = race {
            if let Some(winner) = stats.endpoints.get(race.winner) {
                winner.races_won.fetch_add(1, Ordering::Relaxed);
                winner
                    .lead_us_total
                    .fetch_add(race.lead_us, Ordering::Relaxed);
            }
            if let Some(loser) = stats.endpoints.get(race.loser) {
                loser.races_lost.fetch_add(1, Ordering::Relaxed);
            }
        }
        match admission {
            Admission::Fresh => {}
            Admission::Duplicate if again => {}
            Admission::Duplicate => {
                stats.duplicates.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Admission::Older => {
                stats.older_ignored.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(pubkey = %update.pubkey, slot = update.slot, "older update ignored");
                return;
            }
        }
        stats.account_updates.fetch_add(1, Ordering::Relaxed);
        stats
            .last_delivered_slot
            .fetch_max(update.slot, Ordering::Relaxed);
        if let Origin::Stream(index) = origin
            && let Some(endpoint) = stats.endpoints.get(index)
        {
            endpoint.delivered.fetch_add(1, Ordering::Relaxed);
        }
        if self
            .watch
            .observe(&update.pubkey, &update.owner, &update.data)
        {
            tracing::debug!(pool = %update.pubkey, "array window moved");
            self.publish_filters();
        }
        self.ctx.queue.push(update);
    }
}

/// Why a stream's account message could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MalformedUpdate {
    #[error("account update without account")]
    MissingAccount,
    #[error("pubkey of {0} bytes")]
    Pubkey(usize),
    #[error("owner of {0} bytes")]
    Owner(usize),
}

/// Turns a stream account message into an [`AccountUpdate`].
///
/// # Errors
/// [`MalformedUpdate`] when the account or its 32-byte keys are missing.
pub fn account_update(
    message: SubscribeUpdateAccount,
    received_at_us: u64,
) -> Result<AccountUpdate, MalformedUpdate> {
    let info = message.account.ok_or(MalformedUpdate::MissingAccount)?;
    let pubkey = <[u8; 32]>::try_from(info.pubkey.as_slice())
        .map_err(|_| MalformedUpdate::Pubkey(info.pubkey.len()))?;
    let owner = <[u8; 32]>::try_from(info.owner.as_slice())
        .map_err(|_| MalformedUpdate::Owner(info.owner.len()))?;
    Ok(AccountUpdate {
        pubkey: Pubkey::new_from_array(pubkey),
        owner: Pubkey::new_from_array(owner),
        data: Bytes::from(info.data),
        slot: message.slot,
        write_version: Some(info.write_version),
        received_at_us,
        source: SourceKind::Yellowstone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use yellowstone_grpc_proto::geyser::SubscribeUpdateAccountInfo;

    #[test]
    fn malformed_stream_accounts_are_typed_errors() {
        let good = SubscribeUpdateAccountInfo {
            pubkey: vec![1; 32],
            owner: vec![2; 32],
            data: vec![3; 4],
            write_version: 7,
            ..Default::default()
        };
        let message = |info: Option<SubscribeUpdateAccountInfo>| SubscribeUpdateAccount {
            account: info,
            slot: 99,
            ..Default::default()
        };
        let update = account_update(message(Some(good.clone())), 5).unwrap();
        assert_eq!((update.slot, update.write_version), (99, Some(7)));
        assert_eq!(
            account_update(message(None), 5),
            Err(MalformedUpdate::MissingAccount)
        );
        let short = SubscribeUpdateAccountInfo {
            pubkey: vec![1; 31],
            ..good.clone()
        };
        assert_eq!(
            account_update(message(Some(short)), 5),
            Err(MalformedUpdate::Pubkey(31))
        );
        let no_owner = SubscribeUpdateAccountInfo {
            owner: vec![],
            ..good
        };
        assert_eq!(
            account_update(message(Some(no_owner)), 5),
            Err(MalformedUpdate::Owner(0))
        );
    }
}
