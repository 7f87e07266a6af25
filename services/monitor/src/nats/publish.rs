//! The ingest side: what the pipeline publishes into the [`Hub`] goes on to JetStream, from
//! the leader only.
//!
//! Each message is stamped with `seq = last + 1` of its channel's stream and published with
//! `Nats-Expected-Last-Sequence: last`, so the stream accepts it only as exactly the next
//! message: its stream sequence is its `seq`, on every edge. A deposed leader's late publish
//! fails that check instead of forking the sequence, and this node steps down.
//!
//! Bounded buffering: the hub's broadcast ring and the acknowledgements in flight. When
//! NATS is away longer than those hold, messages are counted as dropped and the node
//! reports `degraded` until it has re-read the streams and republished its current state
//! (every latest price, every open opportunity, and a `close` for those it no longer holds),
//! so edges converge without a gap in `seq`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, message::PublishMessage};
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use protocol::{Channel, Opportunity, OpportunityStatus, ServerMessage};
use tokio::sync::{broadcast, watch};

use super::layout::Layout;
use super::lease::Leadership;
use crate::config::nats::NatsSettings;
use crate::hub::Hub;

/// What the publisher has done, for `/ready`, `/health` and `/metrics`.
#[derive(Debug, Default)]
pub struct PublishStats {
    /// Acknowledged by JetStream.
    pub acked: AtomicU64,
    /// Lost between the hub and JetStream (NATS away longer than the buffer holds).
    pub dropped: AtomicU64,
    /// Refused by the expected-last-sequence check (another leader published).
    pub rejected: AtomicU64,
    /// Times the current state was republished after a loss or an election.
    pub resyncs: AtomicU64,
    /// Set while messages have been lost and the state is not yet republished.
    pub degraded: AtomicBool,
}

/// How long one publish may wait to be queued by the client.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

type Ack = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(), jetstream::context::PublishError>> + Send>,
>;

/// Publishes into JetStream until `stop`.
pub struct Publisher {
    pub js: jetstream::Context,
    pub layout: Layout,
    pub hub: Arc<Hub>,
    pub leadership: Arc<Leadership>,
    pub stats: Arc<PublishStats>,
    settings: NatsSettings,
    /// Each channel's last stream sequence, as this node knows it; `None` until read.
    last: Option<[u64; 4]>,
    term: u64,
    in_flight: FuturesOrdered<Ack>,
    /// Open opportunities as the streams have them, to close those the pipeline dropped
    /// while messages were being lost.
    open: HashMap<String, Opportunity>,
    retry_at: tokio::time::Instant,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("last", &self.last)
            .field("term", &self.term)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    pub fn new(
        js: jetstream::Context,
        layout: Layout,
        hub: Arc<Hub>,
        leadership: Arc<Leadership>,
        stats: Arc<PublishStats>,
        settings: NatsSettings,
    ) -> Self {
        Self {
            js,
            layout,
            hub,
            leadership,
            stats,
            settings,
            last: None,
            term: 0,
            in_flight: FuturesOrdered::new(),
            open: HashMap::new(),
            retry_at: tokio::time::Instant::now(),
        }
    }

    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut rx = self.hub.subscribe();
        enum Next {
            Stop,
            Acked(Result<(), jetstream::context::PublishError>),
            Received(Result<crate::hub::Published, broadcast::error::RecvError>),
        }
        loop {
            let next = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => Next::Stop,
                Some(acked) = self.in_flight.next(), if !self.in_flight.is_empty() => Next::Acked(acked),
                received = rx.recv() => Next::Received(received),
            };
            match next {
                Next::Stop | Next::Received(Err(broadcast::error::RecvError::Closed)) => break,
                Next::Acked(acked) => self.on_ack(acked),
                Next::Received(Ok(published)) => self.forward(published.message.message()).await,
                Next::Received(Err(broadcast::error::RecvError::Lagged(lost))) => {
                    self.lost(lost, "the hub outran NATS");
                }
            }
        }
        // Let what is in flight land before the process goes.
        let drain = async { while self.in_flight.next().await.is_some() {} };
        let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    }

    fn lost(&mut self, count: u64, why: &str) {
        if self.leadership.is_leader() {
            self.stats.dropped.fetch_add(count, Ordering::Relaxed);
            metrics::counter!("dexmon_nats_dropped_total").increment(count);
            if !self.stats.degraded.swap(true, Ordering::AcqRel) {
                tracing::warn!(
                    count,
                    why,
                    "messages lost on the way to NATS; degraded until resynced"
                );
            }
        }
        self.last = None;
    }

    fn on_ack(&mut self, acked: Result<(), jetstream::context::PublishError>) {
        match acked {
            Ok(()) => {
                self.stats.acked.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("dexmon_nats_published_total").increment(1);
            }
            Err(err) => {
                // Every later message in flight expected this one before it: they fail too.
                let abandoned = self.in_flight.len() as u64;
                self.in_flight = FuturesOrdered::new();
                if err.kind() == PublishErrorKind::WrongLastSequence {
                    self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("dexmon_nats_rejected_total").increment(1);
                    self.leadership
                        .step_down("a stream refused a publish: another node published");
                    self.last = None;
                } else {
                    self.lost(1 + abandoned, "a publish was not acknowledged");
                }
            }
        }
    }

    /// Publishes one message if this node leads, re-reading the streams first when needed.
    async fn forward(&mut self, message: &ServerMessage) {
        if !self.leadership.is_leader() {
            // A follower publishes nothing, so it has lost nothing: the leader resyncs.
            self.last = None;
            self.stats.degraded.store(false, Ordering::Release);
            return;
        }
        let term = self.leadership.term();
        if self.last.is_none() || term != self.term {
            if tokio::time::Instant::now() < self.retry_at {
                self.lost(1, "waiting to retry NATS");
                return;
            }
            let resynced = tokio::time::timeout(Duration::from_secs(5), self.resync(term))
                .await
                .unwrap_or_else(|_| Err("timed out".into()));
            if let Err(err) = resynced {
                tracing::warn!(%err, "cannot read the streams; retrying in 1 s");
                self.retry_at = tokio::time::Instant::now() + Duration::from_secs(1);
                self.lost(1, "NATS unavailable");
                return;
            }
        }
        self.send(message.clone()).await;
    }

    /// Reads each stream's last sequence and republishes the current state. A new leader
    /// first creates the streams, or brings their limits up to its settings.
    async fn resync(&mut self, term: u64) -> Result<(), async_nats::Error> {
        self.in_flight = FuturesOrdered::new();
        if term != self.term {
            self.layout.ensure(&self.js, &self.settings).await?;
        }
        self.last = Some(self.layout.last_sequences(&self.js).await?);
        if term != self.term {
            // A new leader learns which opportunities the streams hold open.
            self.open = super::mirror::open_opportunities(&self.js, &self.layout).await?;
            self.term = term;
        }
        for price in self.hub.prices() {
            self.send(ServerMessage::PriceUpdate(price)).await;
        }
        let open_now = self.hub.open_opportunities();
        let held: std::collections::HashSet<&str> =
            open_now.iter().map(|o| o.id.as_str()).collect();
        let closes: Vec<Opportunity> = self
            .open
            .values()
            .filter(|o| !held.contains(o.id.as_str()))
            .cloned()
            .map(|mut o| {
                o.status = OpportunityStatus::Close;
                o
            })
            .collect();
        for o in closes.into_iter().chain(open_now) {
            self.send(ServerMessage::Opportunity(o)).await;
        }
        if let Some(health) = self.hub.latest_health() {
            self.send(ServerMessage::Health(health)).await;
        }
        self.stats.resyncs.fetch_add(1, Ordering::Relaxed);
        if self.stats.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!("state republished to NATS; no longer degraded");
        }
        Ok(())
    }

    async fn send(&mut self, mut message: ServerMessage) {
        // The context waits for a free acknowledgement slot, and slots free only as these
        // futures are polled: wait here instead, where they are.
        while self.in_flight.len() >= self.settings.max_in_flight.max(1) {
            if let Some(acked) = self.in_flight.next().await {
                self.on_ack(acked);
            }
        }
        let (Some(channel), Some(subject)) = (message.channel(), self.layout.subject(&message))
        else {
            return;
        };
        let Some(last) = self.last.as_mut() else {
            return;
        };
        // Logs are appended by edges too; they carry no condition and get their `seq` from
        // the stream on the edge. Every other channel is fenced.
        let fenced = channel != Channel::Logs;
        let expected = last[channel.index()];
        message.set_seq(if fenced { expected + 1 } else { 0 });
        let payload = match protocol::encode_json(&message) {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::error!(%err, "message failed to encode");
                return;
            }
        };
        match &message {
            ServerMessage::Opportunity(o) if o.status == OpportunityStatus::Close => {
                self.open.remove(&o.id);
            }
            ServerMessage::Opportunity(o) => {
                self.open.insert(o.id.clone(), o.clone());
            }
            _ => {}
        }
        let mut publish = PublishMessage::build().payload(payload);
        if fenced {
            publish = publish.expected_last_sequence(expected);
            last[channel.index()] = expected + 1;
        }
        // While NATS is away the client's queue fills and sending waits; waiting longer than
        // this would stop the loop from noticing what it is losing.
        match tokio::time::timeout(SEND_TIMEOUT, self.js.send_publish(subject, publish)).await {
            Ok(Ok(ack)) => self
                .in_flight
                .push_back(Box::pin(async move { ack.await.map(|_| ()) })),
            Ok(Err(err)) => {
                tracing::warn!(%err, "publish to NATS failed");
                self.lost(1, "a publish could not be sent");
            }
            Err(_) => self.lost(1, "NATS did not take a publish within 1 s"),
        }
    }
}
