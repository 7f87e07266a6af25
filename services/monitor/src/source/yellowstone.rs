//! The live source: a Yellowstone (Geyser) gRPC stream, with an RPC snapshot at start and
//! RPC polling while the stream is down.
//!
//! # Flow
//! ```text
//! start ─▶ RPC snapshot (pools ▸ vaults, mints, configs, arrays) ─▶ subscribe ─▶ stream ─┐
//!             ▲                                                                      │
//!             │ OutOfRange / replay unsupported                   error, EOF, 30 s silence
//!             └──────────────── backoff wait, polling RPC every 5 s ◀──────────────────┘
//!                                  then subscribe again with from_slot = last delivered slot
//! ```
//!
//! - Every account update goes through [`Freshness`] (deduplicate by (pubkey, slot,
//!   write_version), never older over newer) into the never-blocking
//!   [`super::CoalescingQueue`]; the reader never waits on the pipeline.
//! - Pool updates go through the [`Watchlist`]; when a pool's price leaves its array window
//!   the subscription is replaced (a new request replaces the whole filter set).
//! - Server pings are answered; 30 s without any message is a dead stream.
//! - The `x-token` is a [`Token`], which never prints.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use decoder::Pubkey;
use futures::{SinkExt as _, StreamExt as _};
use protocol::SourceState;
use tokio::sync::watch;
use yellowstone_grpc_client::{GeyserGrpcClient, GeyserGrpcClientError};
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{
    CommitmentLevel, SubscribeRequest, SubscribeRequestFilterAccounts, SubscribeRequestFilterSlots,
    SubscribeRequestPing, SubscribeUpdateAccount,
};
use yellowstone_grpc_proto::tonic::transport::ClientTlsConfig;
use yellowstone_grpc_proto::tonic::{Code, Status};

use super::rpc::{RpcClient, RpcError, snapshot};
use super::watch::Watchlist;
use super::{AccountUpdate, CoalescingQueue, SourceKind, SourceStatus};
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
    fn level(self) -> CommitmentLevel {
        match self {
            Self::Processed => CommitmentLevel::Processed,
            Self::Confirmed => CommitmentLevel::Confirmed,
            Self::Finalized => CommitmentLevel::Finalized,
        }
    }
}

/// How to reach and follow the gRPC endpoint.
#[derive(Debug, Clone)]
pub struct YellowstoneConfig {
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
}

impl YellowstoneConfig {
    /// The production defaults for `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            x_token: None,
            commitment: Commitment::Processed,
            watchdog: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            keepalive: Duration::from_secs(10),
            max_decoding_message_size: 64 * 1024 * 1024,
            backoff: Backoff::upstream(),
            array_radius: 2,
        }
    }
}

/// RPC use by the live source.
#[derive(Debug, Clone)]
pub struct RpcFallback {
    pub client: RpcClient,
    /// Polling period while the stream is down.
    pub poll_interval: Duration,
}

/// What the live source has done, for metrics, health and tests.
#[derive(Debug, Default)]
pub struct LiveStats {
    pub account_updates: AtomicU64,
    pub duplicates: AtomicU64,
    pub older_ignored: AtomicU64,
    pub slots: AtomicU64,
    pub pings_answered: AtomicU64,
    pub subscriptions: AtomicU64,
    pub watchdog_trips: AtomicU64,
    pub resnapshots: AtomicU64,
    pub fallback_polls: AtomicU64,
    pub rpc_failures: AtomicU64,
    pub malformed_updates: AtomicU64,
    /// The newest slot whose account updates were handed to the pipeline.
    pub last_delivered_slot: AtomicU64,
}

/// Whether an update should be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Fresh,
    /// Same (slot, write_version) as already delivered: a replay after resume.
    Duplicate,
    /// Older than what was already delivered.
    Older,
}

/// The newest (slot, write_version) delivered per account.
#[derive(Debug, Default)]
pub struct Freshness {
    newest: HashMap<Pubkey, (u64, u64)>,
}

impl Freshness {
    /// Admits an update only when it is strictly newer than the last delivered one.
    /// RPC reads carry no write version and count as the start of their slot.
    pub fn admit(&mut self, pubkey: Pubkey, slot: u64, write_version: Option<u64>) -> Admission {
        let position = (slot, write_version.unwrap_or(0));
        match self.newest.get_mut(&pubkey) {
            Some(newest) if position == *newest => Admission::Duplicate,
            Some(newest) if position < *newest => Admission::Older,
            Some(newest) => {
                *newest = position;
                Admission::Fresh
            }
            None => {
                self.newest.insert(pubkey, position);
                Admission::Fresh
            }
        }
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

impl StreamEnd {
    /// The server cannot replay from the requested slot: a fresh RPC snapshot is needed.
    pub fn needs_snapshot(&self) -> bool {
        let status = match self {
            Self::Subscribe(s) | Self::Status(s) => s,
            _ => return false,
        };
        match status.code() {
            Code::OutOfRange => true,
            Code::Unimplemented | Code::InvalidArgument | Code::FailedPrecondition => {
                let message = status.message().to_ascii_lowercase();
                message.contains("from_slot") || message.contains("replay")
            }
            _ => false,
        }
    }
}

/// Everything the live source shares with the rest of the service.
#[derive(Debug, Clone)]
pub struct LiveContext {
    pub queue: Arc<CoalescingQueue>,
    pub status: Arc<SourceStatus>,
    pub stats: Arc<LiveStats>,
    pub stop: watch::Receiver<bool>,
}

/// The live source's state between streams.
struct Live {
    config: YellowstoneConfig,
    rpc: Option<RpcFallback>,
    ctx: LiveContext,
    watch: Watchlist,
    freshness: Freshness,
    /// Slot to resume from; `None` until something was delivered or after a re-snapshot.
    resume_from: Option<u64>,
    rng: rand::rngs::StdRng,
}

/// Runs the live source until `stop`.
pub async fn run(
    config: YellowstoneConfig,
    rpc: Option<RpcFallback>,
    pools: Vec<Pubkey>,
    ctx: LiveContext,
) {
    use rand::SeedableRng as _;
    let watch = Watchlist::new(pools, config.array_radius);
    let mut live = Live {
        config,
        rpc,
        ctx,
        watch,
        freshness: Freshness::default(),
        resume_from: None,
        rng: rand::rngs::StdRng::from_os_rng(),
    };
    live.run().await;
}

impl Live {
    fn stopped(&self) -> bool {
        *self.ctx.stop.borrow()
    }

    async fn run(&mut self) {
        tracing::info!(
            endpoint = %self.config.endpoint,
            x_token = self.config.x_token.is_some(),
            commitment = ?self.config.commitment,
            pools = self.watch.pools().len(),
            rpc = self.rpc.as_ref().map(|r| r.client.shown_url()),
            "source: Yellowstone gRPC"
        );
        self.ctx
            .status
            .set(SourceState::Reconnecting, Some("connecting".into()));
        if self.rpc.is_some() {
            self.resnapshot("initial snapshot").await;
        }
        while !self.stopped() {
            let connected_at = Instant::now();
            let end = match self.stream().await {
                Ok(()) => break,
                Err(end) => end,
            };
            if self.stopped() {
                break;
            }
            self.ctx.status.reconnects.fetch_add(1, Ordering::Relaxed);
            self.config.backoff.connected_for(connected_at.elapsed());
            let reason = end.to_string();
            tracing::warn!(reason = %reason, resume_from = ?self.resume_from, "gRPC stream ended");
            if end.needs_snapshot() {
                self.resume_from = None;
                self.resnapshot("the stream cannot replay the gap").await;
            }
            let delay = self.config.backoff.next_delay(&mut self.rng);
            self.wait_with_fallback(delay, &reason).await;
        }
        self.ctx
            .status
            .set(SourceState::Down, Some("stopped".into()));
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
                self.deliver_all(read.updates);
                self.ctx.queue.push_slot(read.slot);
            }
            Err(err) => self.rpc_failed(&err),
        }
    }

    fn rpc_failed(&self, err: &RpcError) {
        self.ctx.stats.rpc_failures.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%err, "RPC read failed");
    }

    /// Waits out the backoff delay; with RPC configured, polls it meanwhile (the first poll
    /// at once) and shows the fallback in health.
    async fn wait_with_fallback(&mut self, delay: Duration, reason: &str) {
        let deadline = tokio::time::Instant::now() + delay;
        let mut stop = self.ctx.stop.clone();
        let Some(rpc) = self.rpc.clone() else {
            self.ctx.status.set(
                SourceState::Reconnecting,
                Some(format!("{reason}; retrying in {delay:.1?}")),
            );
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
            return;
        };
        self.ctx.status.set(
            SourceState::Fallback,
            Some(format!(
                "polling RPC every {:?}: {reason}",
                rpc.poll_interval
            )),
        );
        loop {
            self.poll(&rpc).await;
            let next = (tokio::time::Instant::now() + rpc.poll_interval).min(deadline);
            tokio::select! {
                () = tokio::time::sleep_until(next) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if tokio::time::Instant::now() >= deadline {
                return;
            }
        }
    }

    async fn poll(&mut self, rpc: &RpcFallback) {
        self.ctx
            .stats
            .fallback_polls
            .fetch_add(1, Ordering::Relaxed);
        let keys: Vec<Pubkey> = self.watch.accounts().into_iter().collect();
        match rpc.client.get_multiple_accounts(&keys, None).await {
            Ok(read) => {
                let changed_window = read.updates.iter().fold(false, |c, u| {
                    self.watch.observe(&u.pubkey, &u.owner, &u.data) | c
                });
                self.deliver_all(read.updates);
                self.ctx.queue.push_slot(read.slot);
                if changed_window {
                    // The next poll reads the new window's arrays.
                    tracing::debug!("array window moved while polling");
                }
            }
            Err(err) => self.rpc_failed(&err),
        }
    }

    fn deliver_all(&mut self, updates: Vec<AccountUpdate>) {
        for update in updates {
            self.deliver(update);
        }
    }

    /// Deduplicates and queues one update; true when it was fresh.
    fn deliver(&mut self, update: AccountUpdate) -> bool {
        let stats = &self.ctx.stats;
        match self
            .freshness
            .admit(update.pubkey, update.slot, update.write_version)
        {
            Admission::Fresh => {}
            Admission::Duplicate => {
                stats.duplicates.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            Admission::Older => {
                stats.older_ignored.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(pubkey = %update.pubkey, slot = update.slot, "older update ignored");
                return false;
            }
        }
        stats.account_updates.fetch_add(1, Ordering::Relaxed);
        stats
            .last_delivered_slot
            .fetch_max(update.slot, Ordering::Relaxed);
        if update.source == SourceKind::Yellowstone {
            // Resume at the newest slot delivered from the stream: replaying it whole is
            // safe (duplicates are dropped above), skipping it could lose its later writes.
            self.resume_from = Some(self.resume_from.map_or(update.slot, |s| s.max(update.slot)));
        }
        self.ctx.queue.push(update);
        true
    }

    fn request(&self, from_slot: Option<u64>) -> SubscribeRequest {
        let accounts: Vec<String> = self
            .watch
            .accounts()
            .iter()
            .map(ToString::to_string)
            .collect();
        SubscribeRequest {
            accounts: HashMap::from([(
                ACCOUNTS_FILTER.to_owned(),
                SubscribeRequestFilterAccounts {
                    account: accounts,
                    ..Default::default()
                },
            )]),
            slots: HashMap::from([(
                SLOTS_FILTER.to_owned(),
                SubscribeRequestFilterSlots {
                    filter_by_commitment: Some(true),
                    interslot_updates: Some(false),
                },
            )]),
            commitment: Some(self.config.commitment.level() as i32),
            from_slot,
            ..Default::default()
        }
    }

    async fn connect(&self) -> Result<GeyserGrpcClient, StreamEnd> {
        let c = &self.config;
        let connect_error = |e: &dyn std::fmt::Display| StreamEnd::Connect(e.to_string());
        let mut builder = GeyserGrpcClient::build_from_shared(c.endpoint.clone())
            .map_err(|e| connect_error(&e))?
            .x_token(c.x_token.as_ref().map(|t| t.expose().to_owned()))
            .map_err(|e| connect_error(&e))?
            .connect_timeout(c.connect_timeout)
            .http2_keep_alive_interval(c.keepalive)
            .keep_alive_timeout(c.keepalive.max(Duration::from_secs(5)))
            .keep_alive_while_idle(true)
            .tcp_nodelay(true)
            .max_decoding_message_size(c.max_decoding_message_size);
        if c.endpoint.starts_with("https://") {
            builder = builder
                .tls_config(ClientTlsConfig::new().with_enabled_roots())
                .map_err(|e| connect_error(&e))?;
        }
        builder.connect().await.map_err(|e| connect_error(&e))
    }

    /// One stream, from connect to its end. `Ok` only when stopped.
    async fn stream(&mut self) -> Result<(), StreamEnd> {
        let mut client = self.connect().await?;
        let from_slot = self.resume_from;
        let request = self.request(from_slot);
        let accounts = request
            .accounts
            .get(ACCOUNTS_FILTER)
            .map_or(0, |f| f.account.len());
        let (mut sink, mut stream) =
            client
                .subscribe_with_request(Some(request))
                .await
                .map_err(|e| match e {
                    GeyserGrpcClientError::TonicStatus(s) => StreamEnd::Subscribe(s),
                    GeyserGrpcClientError::TransportError(t) => StreamEnd::Connect(t.to_string()),
                })?;
        self.ctx.stats.subscriptions.fetch_add(1, Ordering::Relaxed);
        tracing::info!(accounts, ?from_slot, "subscribed");
        self.ctx.status.set(SourceState::Connected, None);
        let mut stop = self.ctx.stop.clone();
        loop {
            let next = tokio::select! {
                _ = stop.wait_for(|s| *s) => return Ok(()),
                next = tokio::time::timeout(self.config.watchdog, stream.next()) => next,
            };
            let update = match next {
                Err(_) => {
                    self.ctx
                        .stats
                        .watchdog_trips
                        .fetch_add(1, Ordering::Relaxed);
                    return Err(StreamEnd::Silent(self.config.watchdog));
                }
                Ok(None) => return Err(StreamEnd::Closed),
                Ok(Some(Err(status))) => return Err(StreamEnd::Status(status)),
                Ok(Some(Ok(update))) => update,
            };
            match update.update_oneof {
                Some(UpdateOneof::Account(account)) => {
                    let received_at_us = monotonic_us();
                    match account_update(account, received_at_us) {
                        Ok(update) => {
                            let moved =
                                self.watch
                                    .observe(&update.pubkey, &update.owner, &update.data);
                            self.deliver(update);
                            if moved {
                                let request = self.request(None);
                                tracing::debug!("array window moved: re-subscribing");
                                sink.send(request)
                                    .await
                                    .map_err(|e| StreamEnd::Send(e.to_string()))?;
                                self.ctx.stats.subscriptions.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(err) => {
                            self.ctx
                                .stats
                                .malformed_updates
                                .fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(%err, "malformed account update from the stream");
                        }
                    }
                }
                Some(UpdateOneof::Slot(slot)) => {
                    self.ctx.stats.slots.fetch_add(1, Ordering::Relaxed);
                    self.ctx.queue.push_slot(slot.slot);
                }
                Some(UpdateOneof::Ping(_)) => {
                    // A ping-only request leaves the filters alone and keeps load balancers
                    // from closing a quiet stream.
                    sink.send(SubscribeRequest {
                        ping: Some(SubscribeRequestPing { id: 1 }),
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| StreamEnd::Send(e.to_string()))?;
                    self.ctx
                        .stats
                        .pings_answered
                        .fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
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
    fn freshness_drops_replays_and_older_writes() {
        let mut f = Freshness::default();
        let k = Pubkey::new_unique();
        assert_eq!(f.admit(k, 10, Some(5)), Admission::Fresh);
        assert_eq!(f.admit(k, 10, Some(5)), Admission::Duplicate);
        assert_eq!(f.admit(k, 10, Some(4)), Admission::Older);
        assert_eq!(f.admit(k, 9, Some(9)), Admission::Older);
        assert_eq!(f.admit(k, 10, Some(6)), Admission::Fresh);
        assert_eq!(f.admit(k, 11, None), Admission::Fresh);
        assert_eq!(f.admit(k, 11, None), Admission::Duplicate);
        assert_eq!(f.admit(Pubkey::new_unique(), 1, None), Admission::Fresh);
    }

    #[test]
    fn out_of_range_and_unsupported_replay_need_a_snapshot() {
        assert!(StreamEnd::Status(Status::out_of_range("too old")).needs_snapshot());
        assert!(
            StreamEnd::Subscribe(Status::unimplemented("from_slot is not supported"))
                .needs_snapshot()
        );
        assert!(!StreamEnd::Status(Status::unavailable("bye")).needs_snapshot());
        assert!(!StreamEnd::Closed.needs_snapshot());
    }

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
