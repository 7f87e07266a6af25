//! One Yellowstone endpoint: connect, subscribe, stream, reconnect. Each endpoint runs as
//! its own task with its own backoff, watchdog, slot checkpoint and state, and hands what it
//! reads to the live source ([`super::yellowstone`]), which merges all endpoints.
//!
//! - **Resume point:** the slot checkpoint is the newest slot this stream has shown at the
//!   subscription's commitment (slot statuses from the slots filter, and account writes).
//!   Slots tick even when the followed pools are quiet, so a reconnect after a quiet minute
//!   still falls inside the server's replay window (about 150 slots). Replay is inclusive:
//!   the checkpoint slot comes again, and the merge drops it.
//! - **Answers that mean "cannot replay from there"** ([`EndAction`]) lead to a fresh
//!   subscription at once; "never replays" is remembered so it is not asked again.
//! - **A refused token** is `down: unauthorized`, retried after `unauthorized_retry`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use protocol::SourceState;
use tokio::sync::{mpsc, watch};
use yellowstone_grpc_client::{GeyserGrpcClient, GeyserGrpcClientError};
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{SubscribeRequest, SubscribeRequestPing};
use yellowstone_grpc_proto::tonic::transport::ClientTlsConfig;

use super::answer::EndAction;
use super::yellowstone::{ACCOUNTS_FILTER, StreamEnd, YellowstoneConfig, account_update};
use super::{AccountUpdate, SourceStatus};
use crate::clock::monotonic_us;

/// One endpoint's figures and state, for health, `/ready`, `/metrics` and `/api/stats`.
#[derive(Debug)]
pub struct EndpointStats {
    pub status: SourceStatus,
    pub subscriptions: AtomicU64,
    pub reconnects: AtomicU64,
    pub watchdog_trips: AtomicU64,
    pub pings_answered: AtomicU64,
    /// Account writes received from this stream, before merging.
    pub received: AtomicU64,
    /// Writes this stream handed on (it had them first, or alone).
    pub delivered: AtomicU64,
    /// Writes two streams delivered, by who had them first.
    pub races_won: AtomicU64,
    pub races_lost: AtomicU64,
    /// Sum of the winning margins, µs (divide by `races_won` for the mean lead).
    pub lead_us_total: AtomicU64,
    /// The slot to resume from; 0 before the first.
    pub checkpoint: AtomicU64,
    /// The server said it cannot replay at all.
    pub replay_unsupported: AtomicBool,
    /// Answers meaning "cannot replay from that slot".
    pub replay_refusals: AtomicU64,
    /// The newest message's arrival, [`monotonic_us`]; 0 before the first.
    pub last_message_us: AtomicU64,
}

impl EndpointStats {
    pub fn new(name: impl Into<String>) -> Self {
        let status = SourceStatus::new(name);
        status.set(SourceState::Reconnecting, Some("connecting".into()));
        Self {
            status,
            subscriptions: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            watchdog_trips: AtomicU64::new(0),
            pings_answered: AtomicU64::new(0),
            received: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            races_won: AtomicU64::new(0),
            races_lost: AtomicU64::new(0),
            lead_us_total: AtomicU64::new(0),
            checkpoint: AtomicU64::new(0),
            replay_unsupported: AtomicBool::new(false),
            replay_refusals: AtomicU64::new(0),
            last_message_us: AtomicU64::new(0),
        }
    }

    /// Whether its token was refused (the state is `down: unauthorized`).
    pub fn unauthorized(&self) -> bool {
        let (state, reason) = self.status.get();
        state == SourceState::Down && reason.is_some_and(|r| r.starts_with("unauthorized"))
    }
}

/// What an endpoint task tells the live source.
#[derive(Debug)]
pub enum Event {
    /// Subscribed; `from_slot` is `None` for a fresh start.
    Subscribed {
        endpoint: usize,
        from_slot: Option<u64>,
    },
    Account {
        endpoint: usize,
        update: AccountUpdate,
    },
    Slot {
        slot: u64,
    },
    /// An account message that could not be used.
    Malformed,
    /// The stream ended; the endpoint's state already says why.
    Ended {
        endpoint: usize,
        action: EndAction,
    },
}

/// What an endpoint task needs.
#[derive(Debug)]
pub struct Endpoint {
    pub index: usize,
    pub config: YellowstoneConfig,
    pub stats: Arc<EndpointStats>,
    /// The subscription every endpoint streams (without `from_slot`); a change is sent on
    /// the open stream, replacing its filters.
    pub filters: watch::Receiver<SubscribeRequest>,
    pub events: mpsc::Sender<Event>,
    pub stop: watch::Receiver<bool>,
}

/// Runs one endpoint until `stop`.
pub async fn run(mut ep: Endpoint) {
    use rand::SeedableRng as _;
    let mut rng = rand::rngs::StdRng::from_os_rng();
    while !*ep.stop.borrow() {
        let from_slot = ep.resume_from();
        let connected_at = Instant::now();
        let end = match ep.stream(from_slot).await {
            Ok(()) => break,
            Err(end) => end,
        };
        if *ep.stop.borrow() {
            break;
        }
        ep.stats.reconnects.fetch_add(1, Ordering::Relaxed);
        ep.config.backoff.connected_for(connected_at.elapsed());
        let action = EndAction::of(&end, from_slot.is_some());
        let name = ep.stats.status.name.clone();
        tracing::warn!(endpoint = %name, reason = %end, ?from_slot, ?action, "gRPC stream ended");
        let wait = match action {
            EndAction::Retry => {
                let delay = ep.config.backoff.next_delay(&mut rng);
                ep.stats.status.set(
                    SourceState::Reconnecting,
                    Some(format!("{end}; retrying in {delay:.1?}")),
                );
                delay
            }
            EndAction::Unauthorized => {
                let delay = ep.config.unauthorized_retry;
                ep.stats.status.set(
                    SourceState::Down,
                    Some(format!("unauthorized: {end}; retrying in {delay:.0?}")),
                );
                delay
            }
            EndAction::ReplayUnsupported | EndAction::CannotReplayFrom => {
                ep.stats.replay_refusals.fetch_add(1, Ordering::Relaxed);
                if action == EndAction::ReplayUnsupported {
                    ep.stats.replay_unsupported.store(true, Ordering::Relaxed);
                }
                ep.stats.checkpoint.store(0, Ordering::Relaxed);
                ep.stats.status.set(
                    SourceState::Reconnecting,
                    Some(format!("{end}; subscribing fresh")),
                );
                // The next request carries no from_slot, so this cannot repeat.
                Duration::ZERO
            }
        };
        if ep
            .events
            .send(Event::Ended {
                endpoint: ep.index,
                action,
            })
            .await
            .is_err()
        {
            break;
        }
        let mut stop = ep.stop.clone();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
    }
    ep.stats
        .status
        .set(SourceState::Down, Some("stopped".into()));
}

impl Endpoint {
    fn resume_from(&self) -> Option<u64> {
        let replays = self.config.replay && !self.stats.replay_unsupported.load(Ordering::Relaxed);
        let checkpoint = self.stats.checkpoint.load(Ordering::Relaxed);
        (replays && checkpoint > 0).then_some(checkpoint)
    }

    fn advance_checkpoint(&self, slot: u64) {
        self.stats.checkpoint.fetch_max(slot, Ordering::Relaxed);
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

    async fn send(&self, event: Event) -> Result<(), StreamEnd> {
        // The live source is gone only when stopping.
        self.events.send(event).await.map_err(|_| StreamEnd::Closed)
    }

    /// One stream, from connect to its end. `Ok` only when stopped.
    async fn stream(&mut self, from_slot: Option<u64>) -> Result<(), StreamEnd> {
        let mut client = self.connect().await?;
        let mut request = self.filters.borrow_and_update().clone();
        request.from_slot = from_slot;
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
        self.stats.subscriptions.fetch_add(1, Ordering::Relaxed);
        let name = &self.stats.status.name;
        tracing::info!(endpoint = %name, accounts, ?from_slot, "subscribed");
        self.stats.status.set(SourceState::Connected, None);
        self.send(Event::Subscribed {
            endpoint: self.index,
            from_slot,
        })
        .await?;
        let commitment = self.config.commitment.level() as i32;
        let mut stop = self.stop.clone();
        let mut filters = self.filters.clone();
        loop {
            let next = tokio::select! {
                stopped = stop.wait_for(|s| *s) => {
                    drop(stopped);
                    return Ok(());
                }
                changed = filters.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    None
                }
                next = tokio::time::timeout(self.config.watchdog, stream.next()) => Some(next),
            };
            let Some(next) = next else {
                let request = filters.borrow_and_update().clone();
                tracing::debug!(endpoint = %self.stats.status.name, "filters changed: re-subscribing");
                sink.send(request)
                    .await
                    .map_err(|e| StreamEnd::Send(e.to_string()))?;
                self.stats.subscriptions.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let update = match next {
                Err(_) => {
                    self.stats.watchdog_trips.fetch_add(1, Ordering::Relaxed);
                    return Err(StreamEnd::Silent(self.config.watchdog));
                }
                Ok(None) => return Err(StreamEnd::Closed),
                Ok(Some(Err(status))) => return Err(StreamEnd::Status(status)),
                Ok(Some(Ok(update))) => update,
            };
            let received_at_us = monotonic_us();
            self.stats
                .last_message_us
                .store(received_at_us, Ordering::Relaxed);
            match update.update_oneof {
                Some(UpdateOneof::Account(account)) => {
                    match account_update(account, received_at_us) {
                        Ok(update) => {
                            self.stats.received.fetch_add(1, Ordering::Relaxed);
                            // Its slot's data is arriving: replaying from it loses nothing.
                            self.advance_checkpoint(update.slot);
                            self.send(Event::Account {
                                endpoint: self.index,
                                update,
                            })
                            .await?;
                        }
                        Err(err) => {
                            tracing::warn!(endpoint = %self.stats.status.name, %err, "malformed account update from the stream");
                            self.send(Event::Malformed).await?;
                        }
                    }
                }
                Some(UpdateOneof::Slot(slot)) => {
                    // The server sends a slot's data before its status at that commitment.
                    if slot.status == commitment {
                        self.advance_checkpoint(slot.slot);
                    }
                    self.send(Event::Slot { slot: slot.slot }).await?;
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
                    self.stats.pings_answered.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
    }
}

/// The subscription template: `accounts` followed at `commitment`, with a slots filter that
/// carries the slot checkpoint.
pub fn filters(
    accounts: impl IntoIterator<Item = decoder::Pubkey>,
    commitment: super::yellowstone::Commitment,
) -> SubscribeRequest {
    use yellowstone_grpc_proto::geyser::{
        SubscribeRequestFilterAccounts, SubscribeRequestFilterSlots,
    };
    let account: Vec<String> = accounts.into_iter().map(|k| k.to_string()).collect();
    // An account filter naming no account would match every account on chain: with nothing
    // to follow (yet), subscribe to slots only.
    let accounts = if account.is_empty() {
        HashMap::new()
    } else {
        HashMap::from([(
            ACCOUNTS_FILTER.to_owned(),
            SubscribeRequestFilterAccounts {
                account,
                ..Default::default()
            },
        )])
    };
    SubscribeRequest {
        accounts,
        slots: HashMap::from([(
            super::yellowstone::SLOTS_FILTER.to_owned(),
            SubscribeRequestFilterSlots {
                filter_by_commitment: Some(true),
                interslot_updates: Some(false),
            },
        )]),
        commitment: Some(commitment.level() as i32),
        ..Default::default()
    }
}
