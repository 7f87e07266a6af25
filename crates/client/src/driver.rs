//! The background task: one connection at a time, reconnects, resume and restore.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use protocol::{
    Alert, AlertAdd, Channel, ClientMessage, Codec, Connected, ErrorCode, Ping, RequestId, Resume,
    ServerMessage, Subscription, close_code,
};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{Command, Config, Error, Event, Reply};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// An open connection and the `connected` that opened it.
pub(crate) struct Conn {
    ws: Socket,
    codec: Codec,
    connected: Connected,
}

impl Conn {
    pub(crate) fn codec(&self) -> Codec {
        self.codec
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("codec", &self.codec)
            .field("connected", &self.connected)
            .finish_non_exhaustive()
    }
}

/// Connects, negotiates the codec and reads `connected`.
pub(crate) async fn open(config: &Config) -> Result<Conn, Error> {
    let invalid = |reason: String| Error::InvalidUrl {
        url: config.url.clone(),
        reason,
    };
    let mut request = config
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| invalid(e.to_string()))?;
    let headers = request.headers_mut();
    headers.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(config.codec.subprotocol()),
    );
    if let Some(token) = &config.token {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| invalid("the token is not a valid header value".into()))?;
        headers.insert(header::AUTHORIZATION, value);
    }
    let handshake = tokio_tungstenite::connect_async(request);
    let (mut ws, response) = tokio::time::timeout(config.connect_timeout, handshake)
        .await
        .map_err(|_| Error::ConnectTimeout(config.connect_timeout))?
        .map_err(|e| Error::Connect(Box::new(e)))?;
    // The server echoes the subprotocol it picked; none means JSON.
    let codec = match response
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
    {
        Some(protocol::SUBPROTOCOL_MSGPACK) => Codec::MsgPack,
        _ => Codec::Json,
    };
    let deadline = Instant::now() + config.connect_timeout;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| Error::ConnectTimeout(config.connect_timeout))?;
        match frame {
            Some(Ok(Message::Text(t))) => return first(ws, codec, t.as_bytes(), Codec::Json),
            Some(Ok(Message::Binary(b))) => return first(ws, codec, &b, Codec::MsgPack),
            Some(Ok(Message::Close(Some(c)))) if u16::from(c.code) == close_code::UNAUTHORIZED => {
                return Err(Error::Unauthorized);
            }
            Some(Ok(Message::Close(c))) => {
                return Err(Error::Protocol(format!("closed before `connected`: {c:?}")));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(Error::Connect(Box::new(e))),
            None => return Err(Error::Protocol("closed before `connected`".into())),
        }
    }
}

fn first(ws: Socket, codec: Codec, bytes: &[u8], frame: Codec) -> Result<Conn, Error> {
    if frame != codec {
        return Err(Error::Protocol(format!(
            "{frame:?} frame on a {codec:?} connection"
        )));
    }
    match protocol::decode_server(bytes, codec) {
        Ok(ServerMessage::Connected(connected)) => Ok(Conn {
            ws,
            codec,
            connected,
        }),
        Ok(ServerMessage::Error(e)) if e.code == ErrorCode::Unauthorized => {
            Err(Error::Unauthorized)
        }
        Ok(other) => Err(Error::Protocol(format!(
            "expected `connected` first, got {other:?}"
        ))),
        Err(e) => Err(Error::Protocol(e.to_string())),
    }
}

/// How a connection ended.
enum End {
    /// Lost: reconnect.
    Lost { code: Option<u16>, reason: String },
    /// The application is gone or asked to close.
    Shutdown,
    /// A close the client must not retry.
    Fatal(Error),
}

/// The resume in progress after a reconnect: everything the new connection sends is held
/// until the `pong` that follows the client's requests, then released in `seq` order.
struct Restore {
    ping: RequestId,
    resumes: HashMap<RequestId, Channel>,
    held: Vec<ServerMessage>,
}

/// The connection task's state.
pub(crate) struct Driver {
    config: Config,
    events: mpsc::Sender<Result<Event, Error>>,
    commands: mpsc::Receiver<Command>,
    /// The current connection's codec, for [`crate::Client::codec`].
    codec: watch::Sender<Codec>,
    /// The subscription the server last acknowledged (a new connection has every channel).
    channels: BTreeSet<Channel>,
    pairs: Option<Vec<String>>,
    dexes: Option<Vec<String>>,
    /// The alerts the server acknowledged, registered again on every new connection.
    alerts: BTreeMap<String, Alert>,
    /// Per channel, the last `seq` delivered (or covered by a delivered snapshot).
    last_seq: [Option<u64>; 4],
    /// The epoch of the connection the positions belong to.
    epoch: Option<String>,
    next_id: u64,
    pending: HashMap<RequestId, Reply>,
    /// Internal `resume`s that only establish a channel's position (their snapshot is passed
    /// on, their `resumed` is not).
    anchors: HashMap<RequestId, Channel>,
    restore: Option<Restore>,
    /// Requests that handling a message called for, sent after it.
    outgoing: Vec<ClientMessage>,
    rng: rand::rngs::StdRng,
}

impl Driver {
    pub(crate) fn new(
        config: Config,
        events: mpsc::Sender<Result<Event, Error>>,
        commands: mpsc::Receiver<Command>,
        codec: watch::Sender<Codec>,
    ) -> Self {
        Self {
            config,
            events,
            commands,
            codec,
            channels: Channel::ALL.into_iter().collect(),
            pairs: None,
            dexes: None,
            alerts: BTreeMap::new(),
            last_seq: [None; 4],
            epoch: None,
            next_id: 1,
            pending: HashMap::new(),
            anchors: HashMap::new(),
            restore: None,
            outgoing: Vec::new(),
            rng: jitter_rng(),
        }
    }

    pub(crate) async fn run(mut self, first: Conn) {
        let mut conn = first;
        loop {
            let end = self.serve(conn).await;
            for (_, reply) in self.pending.drain() {
                let _ = reply.send(Err(Error::Disconnected));
            }
            self.anchors.clear();
            self.restore = None;
            let (code, reason) = match end {
                End::Shutdown => return,
                End::Fatal(err) => {
                    let _ = self.events.send(Err(err)).await;
                    return;
                }
                End::Lost { code, reason } => (code, reason),
            };
            tracing::info!(?code, %reason, "dexmon connection lost; reconnecting");
            if !self.emit(Event::Disconnected { code, reason }).await {
                return;
            }
            conn = match self.reconnect().await {
                Some(conn) => conn,
                None => return,
            };
        }
    }

    /// Waits and retries until a connection opens; `None` when the client must stop.
    async fn reconnect(&mut self) -> Option<Conn> {
        let mut attempt = 0u32;
        loop {
            if !self.config.backoff.allows(attempt) {
                let _ = self
                    .events
                    .send(Err(Error::GaveUp { attempts: attempt }))
                    .await;
                return None;
            }
            let delay = self.config.backoff.delay(attempt, &mut self.rng);
            attempt += 1;
            if !self.emit(Event::Reconnecting { attempt, delay }).await {
                return None;
            }
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    () = &mut sleep => break,
                    command = self.commands.recv() => match command {
                        // Nothing to send a request on: the subscription the server last
                        // acknowledged is what gets restored.
                        Some(Command { reply, .. }) => {
                            let _ = reply.send(Err(Error::Disconnected));
                        }
                        None => return None,
                    },
                }
            }
            match open(&self.config).await {
                Ok(conn) => return Some(conn),
                Err(Error::Unauthorized) => {
                    let _ = self.events.send(Err(Error::Unauthorized)).await;
                    return None;
                }
                Err(err) => tracing::debug!(%err, attempt, "reconnect failed"),
            }
        }
    }

    async fn emit(&self, event: Event) -> bool {
        self.events.send(Ok(event)).await.is_ok()
    }

    fn id(&mut self, internal: bool) -> RequestId {
        let n = self.next_id;
        self.next_id += 1;
        if internal {
            RequestId::Text(format!("dexmon-client-{n}"))
        } else {
            RequestId::Number(n)
        }
    }

    async fn serve(&mut self, conn: Conn) -> End {
        let Conn {
            mut ws,
            codec,
            connected,
        } = conn;
        self.codec.send_replace(codec);
        // The server pings every heartbeat interval; twice that without any frame is a dead
        // connection, whatever TCP thinks.
        let stale_after =
            Duration::from_millis(connected.heartbeat_interval_ms.max(500)).saturating_mul(2);
        let old_epoch = self.epoch.replace(connected.epoch.clone());
        let epoch = connected.epoch.clone();
        if !self
            .emit(Event::Message(ServerMessage::Connected(connected)))
            .await
        {
            return End::Shutdown;
        }
        let mut out: Vec<ClientMessage> = Vec::new();
        match old_epoch {
            None => {
                // The first connection: `logs` gets no snapshot on connect, so ask where it
                // stands.
                if self.channels.contains(&Channel::Logs)
                    && self.last_seq[Channel::Logs.index()].is_none()
                {
                    out.push(self.anchor(Channel::Logs, &epoch));
                }
            }
            Some(old_epoch) => out.extend(self.restore_requests(&old_epoch, &epoch)),
        }
        for message in &out {
            if let Err(reason) = send(&mut ws, codec, message).await {
                return End::Lost { code: None, reason };
            }
        }
        let mut deadline = Instant::now() + stale_after;
        loop {
            let restoring = self.restore.is_some();
            tokio::select! {
                frame = ws.next() => {
                    deadline = Instant::now() + stale_after;
                    let message = match frame {
                        Some(Ok(Message::Text(t))) => protocol::decode_server(t.as_bytes(), Codec::Json),
                        Some(Ok(Message::Binary(b))) => protocol::decode_server(&b, Codec::MsgPack),
                        Some(Ok(Message::Close(c))) => {
                            let (code, reason) = c.map_or((None, String::new()), |c| {
                                (Some(u16::from(c.code)), c.reason.to_string())
                            });
                            return match code {
                                Some(close_code::UNAUTHORIZED) => End::Fatal(Error::Unauthorized),
                                Some(close_code::POLICY_VIOLATION) => End::Fatal(Error::PolicyViolation),
                                _ => End::Lost { code, reason },
                            };
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return End::Lost { code: None, reason: e.to_string() },
                        None => return End::Lost { code: None, reason: "connection closed".into() },
                    };
                    let message = match message {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::warn!(%e, "undecodable server message skipped");
                            continue;
                        }
                    };
                    let more = match self.restore.as_mut() {
                        Some(restore) => {
                            let done = matches!(&message, ServerMessage::Pong(p) if p.id.as_ref() == Some(&restore.ping));
                            if done {
                                self.release().await
                            } else {
                                restore.held.push(message);
                                true
                            }
                        }
                        None => self.deliver(message).await,
                    };
                    if !more {
                        return End::Shutdown;
                    }
                }
                command = self.commands.recv(), if !restoring => {
                    let Some(command) = command else {
                        let _ = ws.close(None).await;
                        return End::Shutdown;
                    };
                    let Command { request: mut message, reply } = command;
                    let id = self.id(false);
                    message.set_id(Some(id.clone()));
                    self.pending.insert(id, reply);
                    if let Err(reason) = send(&mut ws, codec, &message).await {
                        return End::Lost { code: None, reason };
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    return End::Lost { code: None, reason: format!("no frame for {stale_after:?} (stale)") };
                }
            }
            // Requests that answering a message called for (anchors for new channels).
            for message in std::mem::take(&mut self.outgoing) {
                if let Err(reason) = send(&mut ws, codec, &message).await {
                    return End::Lost { code: None, reason };
                }
            }
        }
    }
}

impl Driver {
    /// A `resume` that cannot succeed, sent only to learn where a channel stands: the server
    /// answers with `resumed` (not passed on) and the channel's snapshot (passed on).
    fn anchor(&mut self, channel: Channel, epoch: &str) -> ClientMessage {
        let id = self.id(true);
        self.anchors.insert(id.clone(), channel);
        ClientMessage::Resume(Resume {
            id: Some(id),
            channel,
            epoch: epoch.to_owned(),
            after_seq: u64::MAX,
        })
    }

    /// After a reconnect: the subscription as the server last acknowledged it, a `resume` per
    /// channel from its last delivered `seq`, and a `ping` whose `pong` marks the end of the
    /// replays.
    fn restore_requests(&mut self, old_epoch: &str, epoch: &str) -> Vec<ClientMessage> {
        let mut out = Vec::new();
        let unwanted: Vec<Channel> = Channel::ALL
            .into_iter()
            .filter(|c| !self.channels.contains(c))
            .collect();
        if !unwanted.is_empty() {
            out.push(ClientMessage::Unsubscribe(Subscription {
                id: Some(self.id(true)),
                channels: unwanted,
                pairs: None,
                dexes: None,
            }));
        }
        if self.pairs.is_some() || self.dexes.is_some() {
            out.push(ClientMessage::Subscribe(Subscription {
                id: Some(self.id(true)),
                channels: Vec::new(),
                pairs: self.pairs.clone(),
                dexes: self.dexes.clone(),
            }));
        }
        for (alert_id, alert) in self.alerts.clone() {
            out.push(ClientMessage::AlertAdd(AlertAdd {
                id: Some(self.id(true)),
                alert_id: Some(alert_id),
                alert,
            }));
        }
        let mut resumes = HashMap::new();
        for channel in self.channels.clone() {
            match self.last_seq[channel.index()] {
                Some(after_seq) => {
                    let id = self.id(true);
                    resumes.insert(id.clone(), channel);
                    out.push(ClientMessage::Resume(Resume {
                        id: Some(id),
                        channel,
                        epoch: old_epoch.to_owned(),
                        after_seq,
                    }));
                }
                None => out.push(self.anchor(channel, epoch)),
            }
        }
        let ping = self.id(true);
        out.push(ClientMessage::Ping(Ping {
            id: Some(ping.clone()),
        }));
        self.restore = Some(Restore {
            ping,
            resumes,
            held: Vec::new(),
        });
        out
    }

    /// The replays are complete: passes on what the new connection sent, each resumed
    /// channel in `seq` order after its last delivered message, or a `Gap` and the snapshot.
    async fn release(&mut self) -> bool {
        let Some(restore) = self.restore.take() else {
            return true;
        };
        let resumed_channel = |c: Channel| restore.resumes.values().any(|r| *r == c);
        let mut outcome: HashMap<Channel, bool> = HashMap::new();
        let mut lost_snapshots: HashMap<Channel, protocol::Snapshot> = HashMap::new();
        let mut per_channel: [Vec<ServerMessage>; 4] = Default::default();
        let mut others = Vec::new();
        for message in restore.held {
            match message {
                ServerMessage::Resumed(r)
                    if r.id
                        .as_ref()
                        .is_some_and(|id| restore.resumes.contains_key(id)) =>
                {
                    outcome.insert(r.channel, r.recovered);
                }
                ServerMessage::Snapshot(s)
                    if s.id
                        .as_ref()
                        .is_some_and(|id| restore.resumes.contains_key(id)) =>
                {
                    lost_snapshots.insert(s.channel, s);
                }
                // The new connection's greeting snapshots: the resume supersedes them.
                ServerMessage::Snapshot(s) if s.id.is_none() && resumed_channel(s.channel) => {}
                m if m.channel().is_some_and(resumed_channel) => {
                    if let Some(c) = m.channel() {
                        per_channel[c.index()].push(m);
                    }
                }
                m => others.push(m),
            }
        }
        let recovered = restore
            .resumes
            .values()
            .all(|c| outcome.get(c).copied() == Some(true));
        if !self.emit(Event::Resumed { recovered }).await {
            return false;
        }
        for channel in Channel::ALL {
            if !resumed_channel(channel) {
                continue;
            }
            let last = self.last_seq[channel.index()].unwrap_or(0);
            let mut messages = std::mem::take(&mut per_channel[channel.index()]);
            messages.sort_by_key(|m| m.seq());
            match (outcome.get(&channel), lost_snapshots.remove(&channel)) {
                (Some(true), _) => {}
                (_, Some(snapshot)) => {
                    let gap = Event::Gap {
                        channel,
                        from: last + 1,
                        to: snapshot.seq,
                    };
                    if !self.emit(gap).await
                        || !self.deliver(ServerMessage::Snapshot(snapshot)).await
                    {
                        return false;
                    }
                }
                (_, None) => {
                    // The resume was refused (an `error` is among the others): what was
                    // missed is unknown up to the first message held.
                    let to = messages
                        .first()
                        .and_then(ServerMessage::seq)
                        .map_or(last, |s| s - 1);
                    tracing::warn!(%channel, "resume got no answer; reporting a gap");
                    if !self
                        .emit(Event::Gap {
                            channel,
                            from: last + 1,
                            to,
                        })
                        .await
                    {
                        return false;
                    }
                    if let Some(first) = messages.first().and_then(ServerMessage::seq) {
                        self.last_seq[channel.index()] = Some(first - 1);
                    }
                }
            }
            for message in messages {
                if !self.deliver(message).await {
                    return false;
                }
            }
        }
        for message in others {
            if !self.deliver(message).await {
                return false;
            }
        }
        true
    }

    /// Passes one message on, keeping the positions and the subscription up to date; drops
    /// duplicates, internal answers and channels no longer subscribed.
    async fn deliver(&mut self, message: ServerMessage) -> bool {
        match &message {
            ServerMessage::Subscribed(ack) | ServerMessage::Unsubscribed(ack) => {
                let Some(id) = &ack.id else {
                    return self.emit(Event::Message(message)).await;
                };
                if is_internal(id) {
                    return true;
                }
                if let Some(reply) = self.pending.remove(id) {
                    self.adopt(ack);
                    let _ = reply.send(Ok(message.clone()));
                }
            }
            ServerMessage::AlertAdded(added) => {
                if added.id.as_ref().is_some_and(is_internal) {
                    return true;
                }
                self.alerts
                    .insert(added.alert_id.clone(), added.alert.clone());
                self.answer(added.id.as_ref(), &message);
            }
            ServerMessage::AlertRemoved(removed) => {
                self.alerts.remove(&removed.alert_id);
                self.answer(removed.id.as_ref(), &message);
            }
            ServerMessage::Alerts(list) => self.answer(list.id.as_ref(), &message),
            ServerMessage::Resumed(r) => {
                if let Some(id) = &r.id {
                    self.anchors.remove(id);
                }
                return true;
            }
            ServerMessage::Pong(p) if p.id.as_ref().is_some_and(is_internal) => return true,
            ServerMessage::Error(e) => {
                if let Some(reply) = e.id.as_ref().and_then(|id| self.pending.remove(id)) {
                    let _ = reply.send(Err(Error::Refused {
                        id: e.id.clone(),
                        code: e.code,
                        message: e.message.clone(),
                    }));
                }
            }
            ServerMessage::Snapshot(s) => {
                if !self.channels.contains(&s.channel) {
                    return true;
                }
                self.last_seq[s.channel.index()] = Some(s.seq);
            }
            m => {
                if let (Some(channel), Some(seq)) = (m.channel(), m.seq()) {
                    // A new connection streams unfiltered until the restored filters are
                    // applied, so the filters are applied here too.
                    if !self.channels.contains(&channel) || !self.wants(m) {
                        return true;
                    }
                    let slot = &mut self.last_seq[channel.index()];
                    if slot.is_some_and(|last| seq <= last) {
                        return true;
                    }
                    *slot = Some(seq);
                }
            }
        }
        self.emit(Event::Message(message)).await
    }

    /// Hands an answer to the request waiting for it, if one is.
    fn answer(&mut self, id: Option<&RequestId>, message: &ServerMessage) {
        if let Some(reply) = id.and_then(|id| self.pending.remove(id)) {
            let _ = reply.send(Ok(message.clone()));
        }
    }

    /// Whether a price or opportunity passes the acknowledged pair and dex filters, by the
    /// server's rules (an opportunity matches when any of its dexes does).
    fn wants(&self, message: &ServerMessage) -> bool {
        let pair_ok = |pair: &str| {
            self.pairs
                .as_ref()
                .is_none_or(|p| p.iter().any(|x| x == pair))
        };
        let dex_ok = |dexes: &[&str]| {
            self.dexes
                .as_ref()
                .is_none_or(|d| dexes.iter().any(|x| d.iter().any(|y| y == x)))
        };
        match message {
            ServerMessage::PriceUpdate(p) => pair_ok(&p.pair) && dex_ok(&[&p.dex]),
            ServerMessage::Opportunity(o) => {
                let mut dexes: Vec<&str> = vec![&o.buy_dex, &o.sell_dex];
                dexes.extend(o.legs.iter().map(|l| l.dex.as_str()));
                pair_ok(&o.pair) && dex_ok(&dexes)
            }
            _ => true,
        }
    }

    /// Takes the subscription the server acknowledged as the one to restore.
    fn adopt(&mut self, ack: &protocol::SubscriptionAck) {
        let now: BTreeSet<Channel> = ack.channels.iter().copied().collect();
        for channel in Channel::ALL {
            let had = self.channels.contains(&channel);
            let has = now.contains(&channel);
            if had && !has {
                self.last_seq[channel.index()] = None;
            }
            // `prices` gets a snapshot with the acknowledgement; the others need an anchor.
            if !had
                && has
                && channel != Channel::Prices
                && let Some(epoch) = self.epoch.clone()
            {
                let anchor = self.anchor(channel, &epoch);
                self.outgoing.push(anchor);
            }
        }
        self.channels = now;
        self.pairs.clone_from(&ack.pairs);
        self.dexes.clone_from(&ack.dexes);
    }
}

/// Jitter only has to differ between clients, not be secret: seeded from the clock, the
/// process and this task's address.
fn jitter_rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let local = 0u8;
    let addr = std::ptr::from_ref(&local) as usize as u128;
    let seed = nanos ^ (u128::from(std::process::id()) << 64) ^ addr;
    #[allow(clippy::cast_possible_truncation)]
    rand::rngs::StdRng::seed_from_u64((seed ^ (seed >> 64)) as u64)
}

fn is_internal(id: &RequestId) -> bool {
    matches!(id, RequestId::Text(t) if t.starts_with("dexmon-client-"))
}

async fn send(ws: &mut Socket, codec: Codec, message: &ClientMessage) -> Result<(), String> {
    let bytes = protocol::encode_client(message, codec).map_err(|e| e.to_string())?;
    let frame = match codec {
        Codec::Json => Message::text(String::from_utf8_lossy(&bytes).into_owned()),
        Codec::MsgPack => Message::binary(bytes),
    };
    ws.send(frame).await.map_err(|e| e.to_string())
}
