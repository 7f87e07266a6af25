//! The ingest side: what the pipeline publishes into the [`Hub`] goes on to JetStream, from
//! the leader only.
//!
//! Each message is stamped with `seq = last + 1` of its channel's stream and published with
//! `Nats-Expected-Last-Sequence: last`, so the stream accepts it only as exactly the next
//! message: its stream sequence is its `seq`, on every edge. A deposed leader's late publish
//! fails that check instead of forking the sequence, and this node steps down.
//!
//! Bounded buffering: the hub's broadcast ring (`[nats] buffer`) and the acknowledgements in
//! flight. When NATS is away longer than those hold, messages are counted as dropped and the
//! node reports `degraded` until it has republished its current state (every latest price,
//! every open opportunity, and a `close` for those the streams hold open and it does not), so
//! edges converge without a gap in `seq`. Messages lost before they were stamped leave the
//! streams' sequences as they were; a publish whose fate is unknown (its acknowledgement
//! timed out) makes the node wait for what is in flight and re-read the streams.

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

/// How long a resync waits for the acknowledgements in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// What an acknowledged opportunity message changes in the streams' open set.
enum OpenChange {
    Open(Box<Opportunity>),
    Close(String),
}

type Acked = (
    Result<(), jetstream::context::PublishError>,
    Option<OpenChange>,
);
type Ack = std::pin::Pin<Box<dyn std::future::Future<Output = Acked> + Send>>;

/// Publishes into JetStream until `stop`.
pub struct Publisher {
    pub js: jetstream::Context,
    pub layout: Layout,
    pub hub: Arc<Hub>,
    pub leadership: Arc<Leadership>,
    pub stats: Arc<PublishStats>,
    settings: NatsSettings,
    /// Each channel's last stream sequence, as this node knows it; `None` until read, and
    /// again after a publish whose fate is unknown.
    last: Option<[u64; 4]>,
    /// Messages were lost: the current state must be republished.
    republish: bool,
    term: u64,
    in_flight: FuturesOrdered<Ack>,
    /// Open opportunities as the streams have acknowledged them, to close those the pipeline
    /// dropped while messages were being lost.
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
            republish: true,
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
            Acked(Acked),
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
                // Never stamped, so the streams' sequences are unaffected: only the state
                // needs republishing.
                Next::Received(Err(broadcast::error::RecvError::Lagged(lost))) => {
                    self.lost(lost, "the hub outran NATS");
                }
            }
        }
        // Let what is in flight land before the process goes.
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, self.drain()).await;
    }

    fn lost(&mut self, count: u64, why: &str) {
        self.republish = true;
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
    }

    fn on_ack(&mut self, (acked, change): Acked) {
        match acked {
            Ok(()) => {
                self.stats.acked.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("dexmon_nats_published_total").increment(1);
                match change {
                    Some(OpenChange::Open(o)) => {
                        self.open.insert(o.id.clone(), *o);
                    }
                    Some(OpenChange::Close(id)) => {
                        self.open.remove(&id);
                    }
                    None => {}
                }
            }
            Err(err) if err.kind() == PublishErrorKind::WrongLastSequence => {
                self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("dexmon_nats_rejected_total").increment(1);
                // Every later message in flight expected this one before it: they fail too.
                self.in_flight = FuturesOrdered::new();
                self.last = None;
                self.leadership
                    .step_down("a stream refused a publish: another node published");
            }
            Err(err) => {
                // Stored or not, nobody can tell: wait for the rest, then re-read.
                tracing::debug!(%err, "publish not acknowledged");
                self.last = None;
                self.lost(1, "a publish was not acknowledged");
            }
        }
    }

    async fn drain(&mut self) {
        while let Some(acked) = self.in_flight.next().await {
            self.on_ack(acked);
        }
    }

    /// Publishes one message if this node leads, resyncing first when needed.
    async fn forward(&mut self, message: &ServerMessage) {
        if !self.leadership.is_leader() {
            // A follower publishes nothing, so it has lost nothing: the leader resyncs.
            self.last = None;
            self.stats.degraded.store(false, Ordering::Release);
            return;
        }
        let term = self.leadership.term();
        if self.last.is_none() || self.republish || term != self.term {
            if tokio::time::Instant::now() < self.retry_at {
                self.lost(1, "waiting to retry NATS");
                return;
            }
            let resynced = tokio::time::timeout(Duration::from_secs(5), self.resync(term))
                .await
                .unwrap_or_else(|_| Err("timed out".into()));
            if let Err(err) = resynced {
                tracing::warn!(%err, "cannot resync with the streams; retrying in 1 s");
                self.retry_at = tokio::time::Instant::now() + Duration::from_secs(1);
                self.lost(1, "NATS unavailable");
                return;
            }
        }
        self.send(message.clone()).await;
    }

    /// Makes the streams current: waits for what is in flight, creates the streams and reads
    /// the open opportunities on a new term, re-reads the last sequences when unknown, and
    /// republishes the state when messages were lost.
    async fn resync(&mut self, term: u64) -> Result<(), async_nats::Error> {
        if tokio::time::timeout(DRAIN_TIMEOUT, self.drain())
            .await
            .is_err()
        {
            self.in_flight = FuturesOrdered::new();
            self.last = None;
        }
        if !self.leadership.is_leader() {
            return Err("no longer the leader".into());
        }
        if term != self.term {
            self.layout.ensure(&self.js, &self.settings).await?;
            // A new leader learns which opportunities the streams hold open.
            self.open = super::mirror::open_opportunities(&self.js, &self.layout).await?;
            self.term = term;
            self.last = None;
            self.republish = true;
        }
        if self.last.is_none() {
            // The streams may have been deleted under a running leader: make them again
            // (a new history, so edges see a new epoch).
            if self.layout.last_sequences(&self.js).await.is_err() {
                self.layout.ensure(&self.js, &self.settings).await?;
                self.republish = true;
            }
            self.last = Some(self.layout.last_sequences(&self.js).await?);
        }
        if !self.republish {
            return Ok(());
        }
        let mut state: Vec<ServerMessage> = self
            .hub
            .prices()
            .into_iter()
            .map(ServerMessage::PriceUpdate)
            .collect();
        let open_now = self.hub.open_opportunities();
        let held: std::collections::HashSet<&str> =
            open_now.iter().map(|o| o.id.as_str()).collect();
        state.extend(
            self.open
                .values()
                .filter(|o| !held.contains(o.id.as_str()))
                .cloned()
                .map(|mut o| {
                    o.status = OpportunityStatus::Close;
                    ServerMessage::Opportunity(o)
                }),
        );
        state.extend(open_now.into_iter().map(ServerMessage::Opportunity));
        state.extend(self.hub.latest_health().map(ServerMessage::Health));
        for message in state {
            if !self.send(message).await {
                return Err("the state could not be republished".into());
            }
        }
        self.republish = false;
        self.stats.resyncs.fetch_add(1, Ordering::Relaxed);
        if self.stats.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!("state republished to NATS; no longer degraded");
        }
        Ok(())
    }

    /// Stamps and publishes one message; false when it could not be sent (the caller's
    /// state is then unknown and will be re-read).
    async fn send(&mut self, mut message: ServerMessage) -> bool {
        // The context waits for a free acknowledgement slot, and slots free only as these
        // futures are polled: wait here instead, where they are.
        while self.in_flight.len() >= self.settings.max_in_flight.max(1) {
            if let Some(acked) = self.in_flight.next().await {
                self.on_ack(acked);
            }
        }
        let (Some(channel), Some(subject)) = (message.channel(), self.layout.subject(&message))
        else {
            return true;
        };
        let Some(last) = self.last.as_mut() else {
            return false;
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
                return true;
            }
        };
        let change = match message {
            ServerMessage::Opportunity(o) if o.status == OpportunityStatus::Close => {
                Some(OpenChange::Close(o.id))
            }
            ServerMessage::Opportunity(o) => Some(OpenChange::Open(Box::new(o))),
            _ => None,
        };
        let mut publish = PublishMessage::build().payload(payload);
        if fenced {
            publish = publish.expected_last_sequence(expected);
            last[channel.index()] = expected + 1;
        }
        // While NATS is away the client's queue fills and sending waits; waiting longer than
        // this would stop the loop from noticing what it is losing.
        match tokio::time::timeout(SEND_TIMEOUT, self.js.send_publish(subject, publish)).await {
            Ok(Ok(ack)) => {
                self.in_flight
                    .push_back(Box::pin(async move { (ack.await.map(|_| ()), change) }));
                true
            }
            Ok(Err(err)) => {
                tracing::warn!(%err, "publish to NATS failed");
                self.last = None;
                self.lost(1, "a publish could not be sent");
                false
            }
            Err(_) => {
                // It may still go out when NATS is back: the sequences are unknown now.
                self.last = None;
                self.lost(1, "NATS did not take a publish within 1 s");
                false
            }
        }
    }
}
