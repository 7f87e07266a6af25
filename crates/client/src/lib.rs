//! An async client for the monitor's `dexmon.v1` WebSocket protocol, on tokio.
//!
//! It connects (JSON or MessagePack, with an optional token), hands the application every
//! server message as a typed [`Event`], and survives lost connections: it reconnects with
//! exponential backoff and jitter, restores the subscription, and resumes every channel from
//! the last `seq` it delivered, so the application sees each channel's messages exactly once
//! and in order, or an explicit [`Event::Gap`] followed by a fresh snapshot when the server no
//! longer holds what was missed.
//!
//! # Flow
//! ```text
//! Client::connect ──▶ connected, snapshots ──▶ next_event() … ──▶ connection lost
//!        ▲                                                              │
//!        │   Disconnected ▸ Reconnecting{attempt, delay} ▸ (sleep) ◀────┘
//!        └── connected ▸ Resumed{recovered} ▸ missed messages in seq order
//!                                           ▸ or Gap{channel, from, to} ▸ snapshot
//! ```
//!
//! - [`Client`] owns the connection (a background task) and the optional [`MarketView`].
//! - [`Config`] picks the URL, codec, token, [`Backoff`] and event buffer.
//! - [`Event`] is what [`Client::next_event`] returns.
//! - [`Error`] is every failure; 4001 (unauthorized) and 1008 (protocol violation) end the
//!   client, every other close reconnects.
//!
//! # Example
//! ```no_run
//! use dexmon_client::{Client, Config, Event, protocol::ServerMessage};
//!
//! # async fn run() -> Result<(), dexmon_client::Error> {
//! let mut client = Client::connect(Config::new("ws://127.0.0.1:8080/ws").view(true)).await?;
//! while let Some(event) = client.next_event().await {
//!     if let Event::Message(ServerMessage::Opportunity(o)) = event? {
//!         println!("{} {:.3}% net", o.pair, o.net_profit_percent);
//!     }
//!     if let Some(best) = client.view().and_then(|v| v.best_ask("SOL/USDC")) {
//!         println!("cheapest SOL/USDC: {} on {}", best.price, best.dex);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Guarantees and limits
//! - Within one server epoch, `opportunities`, `health` and `logs` resume exactly. `prices`
//!   resumes exactly only for a client that keeps up: the server conflates a slow client's
//!   price updates per pool (see `docs/protocol.md`).
//! - A server restart (new epoch) or a gap older than the server's history is reported as
//!   [`Event::Gap`], followed by the channel's snapshot.
//! - The client applies back-pressure: when the application stops taking events the buffer
//!   fills, the socket stops being read, and the server eventually closes with 4008 (slow
//!   consumer); the client then reconnects and resumes.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod backoff;
mod driver;
mod error;
mod view;

use std::collections::VecDeque;
use std::time::Duration;

use protocol::{
    Alert, AlertAdd, AlertAdded, AlertEntry, AlertList, AlertRemove, Channel, ClientMessage, Codec,
    ServerMessage, Subscription, SubscriptionAck,
};
use tokio::sync::{mpsc, oneshot, watch};

pub use backoff::Backoff;
pub use error::{BackoffError, Error};
pub use view::MarketView;

/// The `dexmon.v1` message types and codecs, re-exported.
pub use protocol;

/// What [`Client::next_event`] returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Unboxed on purpose: applications match `Event::Message(ServerMessage::…)` directly, and
// nearly every event is a message anyway.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// A server message, in order. Channel messages already delivered are never repeated.
    /// The server's `resumed` answers are not passed on; [`Event::Resumed`] summarises them.
    Message(ServerMessage),
    /// The connection was lost. `code` is the WebSocket close code when the server sent one
    /// (for example 1001 going away, 4000 heartbeat timeout, 4008 slow consumer).
    Disconnected {
        /// The close code, if the server closed with one.
        code: Option<u16>,
        /// The close reason, or what failed.
        reason: String,
    },
    /// The client waits `delay` before reconnect attempt `attempt` (from 1).
    Reconnecting {
        /// The attempt about to be made, counting from 1 after each lost connection.
        attempt: u32,
        /// How long the client waits first.
        delay: Duration,
    },
    /// The connection is back and the subscription restored. `recovered` is true when every
    /// channel resumed without loss; otherwise a [`Event::Gap`] follows for each channel that
    /// could not be recovered. The missed messages follow this event.
    Resumed {
        /// Whether every channel was recovered.
        recovered: bool,
    },
    /// The server could not replay `channel`'s messages after `from - 1`: they are lost. The
    /// channel's snapshot follows at once, and live messages continue after its `seq`, which is
    /// `to`. When the server restarted (a new epoch), its numbering restarted too, so `to` can
    /// be below `from`.
    Gap {
        /// The channel.
        channel: Channel,
        /// The first `seq` that was not delivered.
        from: u64,
        /// The `seq` of the snapshot that replaces the lost messages.
        to: u64,
    },
}

/// How to reach the monitor and how to behave.
#[derive(Debug, Clone)]
pub struct Config {
    url: String,
    codec: Codec,
    token: Option<String>,
    backoff: Backoff,
    view: bool,
    event_capacity: usize,
    connect_timeout: Duration,
}

impl Config {
    /// Connect to `url`, for example `ws://127.0.0.1:8080/ws`, with JSON, no token, the default
    /// [`Backoff`], no view, a 4,096-event buffer and a 10 s handshake timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            codec: Codec::Json,
            token: None,
            backoff: Backoff::default(),
            view: false,
            event_capacity: 4_096,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Wire encoding: [`Codec::Json`] (default) or [`Codec::MsgPack`].
    pub fn codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }

    /// Send `Authorization: Bearer <token>` with every handshake.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Reconnect policy.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Keep a [`MarketView`], read with [`Client::view`].
    pub fn view(mut self, on: bool) -> Self {
        self.view = on;
        self
    }

    /// Events buffered between the connection and the application (at least 1).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// How long a TCP connect plus handshake may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// Where the server's answer to a request goes: the answer itself, or the `error` that
/// refused it.
type Reply = oneshot::Sender<Result<ServerMessage, Error>>;

/// A request for the connection task: sent with an id the task assigns, answered through
/// the reply.
#[derive(Debug)]
struct Command {
    request: ClientMessage,
    reply: Reply,
}

/// A connection to the monitor that reconnects and resumes by itself.
///
/// Dropping it closes the connection.
#[derive(Debug)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<Result<Event, Error>>,
    backlog: VecDeque<Result<Event, Error>>,
    view: Option<MarketView>,
    codec: watch::Receiver<Codec>,
    task: tokio::task::JoinHandle<()>,
}

impl Client {
    /// Connects and waits for the server's `connected`. The first connection is not retried,
    /// so that a wrong URL or token shows at once; later ones are.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`], [`Error::Connect`], [`Error::ConnectTimeout`],
    /// [`Error::Unauthorized`] or [`Error::Protocol`].
    pub async fn connect(config: Config) -> Result<Self, Error> {
        let first = driver::open(&config).await?;
        let (commands, command_rx) = mpsc::channel(64);
        let (event_tx, events) = mpsc::channel(config.event_capacity);
        let view = config.view.then(MarketView::default);
        let (codec_tx, codec) = watch::channel(first.codec());
        let driver = driver::Driver::new(config, event_tx, command_rx, codec_tx);
        let task = tokio::spawn(driver.run(first));
        Ok(Self {
            commands,
            events,
            backlog: VecDeque::new(),
            view,
            codec,
            task,
        })
    }

    /// The next event. `None` once the client has stopped for good, right after the error
    /// that stopped it ([`Error::Unauthorized`], [`Error::PolicyViolation`],
    /// [`Error::GaveUp`]).
    ///
    /// # Errors
    /// The item is an `Err` only for those final errors.
    pub async fn next_event(&mut self) -> Option<Result<Event, Error>> {
        let event = match self.backlog.pop_front() {
            Some(event) => Some(event),
            None => self.events.recv().await,
        };
        if let (Some(view), Some(Ok(event))) = (self.view.as_mut(), event.as_ref()) {
            view.apply_event(event);
        }
        event
    }

    /// The encoding of the current connection, as the server picked it from the offered
    /// subprotocol (JSON when it picked none).
    pub fn codec(&self) -> Codec {
        *self.codec.borrow()
    }

    /// The local view, merged from every event returned so far; `None` unless
    /// [`Config::view`] was set.
    pub fn view(&self) -> Option<&MarketView> {
        self.view.as_ref()
    }

    /// Adds channels, pairs and dexes, and waits for the server's acknowledgement (matched by
    /// `id`, which the client assigns). The acknowledgement is also delivered as an event, in
    /// order. Events that arrive meanwhile are kept for [`Client::next_event`].
    ///
    /// # Errors
    /// [`Error::Refused`] when the server answers with an `error` (for example
    /// `TOO_MANY_SUBSCRIPTIONS`), [`Error::Disconnected`] when the connection is lost first,
    /// [`Error::Closed`] when the client has stopped.
    pub async fn subscribe(&mut self, request: Subscription) -> Result<SubscriptionAck, Error> {
        match self.request(ClientMessage::Subscribe(request)).await? {
            ServerMessage::Subscribed(ack) => Ok(ack),
            other => Err(unexpected(&other)),
        }
    }

    /// Removes channels, pairs and dexes, and waits for the acknowledgement, as
    /// [`Client::subscribe`].
    ///
    /// # Errors
    /// As [`Client::subscribe`].
    pub async fn unsubscribe(&mut self, request: Subscription) -> Result<SubscriptionAck, Error> {
        match self.request(ClientMessage::Unsubscribe(request)).await? {
            ServerMessage::Unsubscribed(ack) => Ok(ack),
            other => Err(unexpected(&other)),
        }
    }

    /// Registers a server-side alert named `alert_id` (an existing one of that name is
    /// replaced) and waits for `alert_added`. The client registers it again after every
    /// reconnect, under the same name, so `alert_triggered` events keep coming; an alert whose
    /// condition already holds fires at once, after the reconnect too.
    ///
    /// # Errors
    /// [`Error::Refused`] with `INVALID_ALERT` or `TOO_MANY_ALERTS`, and as
    /// [`Client::subscribe`].
    pub async fn add_alert(
        &mut self,
        alert_id: impl Into<String>,
        alert: Alert,
    ) -> Result<AlertAdded, Error> {
        let request = ClientMessage::AlertAdd(AlertAdd {
            id: None,
            alert_id: Some(alert_id.into()),
            alert,
        });
        match self.request(request).await? {
            ServerMessage::AlertAdded(added) => Ok(added),
            other => Err(unexpected(&other)),
        }
    }

    /// Removes an alert and waits for `alert_removed`; it is no longer registered after a
    /// reconnect.
    ///
    /// # Errors
    /// [`Error::Refused`] with `UNKNOWN_ALERT`, and as [`Client::subscribe`].
    pub async fn remove_alert(&mut self, alert_id: impl Into<String>) -> Result<(), Error> {
        let request = ClientMessage::AlertRemove(AlertRemove {
            id: None,
            alert_id: alert_id.into(),
        });
        match self.request(request).await? {
            ServerMessage::AlertRemoved(_) => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// The alerts the server holds for this connection, with whether each is armed.
    ///
    /// # Errors
    /// As [`Client::subscribe`].
    pub async fn list_alerts(&mut self) -> Result<Vec<AlertEntry>, Error> {
        match self
            .request(ClientMessage::AlertList(AlertList { id: None }))
            .await?
        {
            ServerMessage::Alerts(list) => Ok(list.alerts),
            other => Err(unexpected(&other)),
        }
    }

    async fn request(&mut self, request: ClientMessage) -> Result<ServerMessage, Error> {
        let (reply, mut answer) = oneshot::channel();
        self.commands
            .send(Command { request, reply })
            .await
            .map_err(|_| Error::Closed)?;
        // Keep taking events while waiting, so that a full event buffer cannot hold up the
        // acknowledgement.
        let mut open = true;
        loop {
            tokio::select! {
                answer = &mut answer => return answer.unwrap_or(Err(Error::Closed)),
                event = self.events.recv(), if open => match event {
                    Some(event) => self.backlog.push_back(event),
                    None => open = false,
                },
            }
        }
    }

    /// Closes the connection (close code 1000) and stops the client.
    pub async fn close(mut self) {
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.commands, closed));
        let _ = (&mut self.task).await;
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn unexpected(answer: &ServerMessage) -> Error {
    Error::Protocol(format!("unexpected answer to a request: {answer:?}"))
}

/// The README's examples are compiled with the doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// A subscription request for `channels`, with no pair or dex filter change.
pub fn channels(channels: impl IntoIterator<Item = Channel>) -> Subscription {
    Subscription {
        id: None,
        channels: channels.into_iter().collect(),
        pairs: None,
        dexes: None,
    }
}
