//! A connection's answers to its client: requests (`subscribe`, `resume`, alerts, `ping`),
//! the inbound rate limit and refusals of malformed frames.

use protocol::{
    Channel, ClientMessage, ClientParseError, Codec, ErrorCode, Pong, RequestId, Resumed,
    ServerMessage, close_code,
};

use super::alerts::{AlertError, Fired, Seed};
use super::connection::Connection;
use super::outbox::Outgoing;
use super::{error, now};
use crate::clock::monotonic_us;
use crate::hub::{Published, Recovery};

impl Connection {
    /// A frame from the client.
    pub(super) fn on_frame(&mut self, bytes: &[u8], binary: bool) {
        let now_us = monotonic_us();
        if !self.bucket.try_take(now_us) {
            self.rate_violations += 1;
            metrics::counter!("dexmon_ws_rate_limited_total").increment(1);
            // A burst's overflow is one mistake; a client that keeps sending far past its
            // budget (more than `max_violations` bursts' worth) is closed.
            let tolerated = self
                .ctx
                .config
                .max_violations
                .saturating_mul(self.ctx.config.rate_burst);
            if self.rate_violations > tolerated {
                tracing::warn!(peer = %self.peer, "websocket closed: rate limited repeatedly");
                self.outbox.close(close_code::RATE_LIMITED, "rate limited");
            } else if self
                .last_rate_error_us
                .is_none_or(|last| now_us.saturating_sub(last) >= 1_000_000)
            {
                // At most one error a second, so a flood cannot make us amplify it.
                self.last_rate_error_us = Some(now_us);
                self.reply(ServerMessage::Error(error(
                    None,
                    ErrorCode::RateLimited,
                    "inbound message rate exceeded; message dropped",
                )));
            }
            return;
        }
        let expected_binary = self.codec == Codec::MsgPack;
        let parsed = if binary != expected_binary {
            Err((
                ErrorCode::UnsupportedFrame,
                if binary {
                    "binary frame on a JSON connection".to_owned()
                } else {
                    "text frame on a MessagePack connection".to_owned()
                },
            ))
        } else {
            protocol::decode_client(bytes, self.codec, self.ctx.config.max_message_bytes)
                .map_err(|e: ClientParseError| (e.code(), e.to_string()))
        };
        match parsed {
            Ok(message) => self.on_message(message),
            Err((code, text)) => {
                metrics::counter!("dexmon_ws_parse_errors_total", "code" => code.as_str())
                    .increment(1);
                tracing::info!(peer = %self.peer, session = %self.session_id, %code, error = %text, "refused client message");
                // Echo the request's id whenever it can still be read, so that the client can
                // tell which request was refused.
                let id = (binary == expected_binary)
                    .then(|| {
                        protocol::client_request_id(
                            bytes,
                            self.codec,
                            self.ctx.config.max_message_bytes,
                        )
                    })
                    .flatten();
                self.refuse(id, code, text);
            }
        }
    }

    /// Answers a refused request and closes after repeated violations.
    fn refuse(&mut self, id: Option<RequestId>, code: ErrorCode, text: String) {
        self.reply(ServerMessage::Error(error(id, code, &text)));
        self.violations += 1;
        if self.violations > self.ctx.config.max_violations {
            tracing::warn!(peer = %self.peer, "websocket closed: repeated protocol violations");
            self.outbox
                .close(close_code::POLICY_VIOLATION, "repeated protocol violations");
        }
    }

    fn on_message(&mut self, message: ClientMessage) {
        match message {
            ClientMessage::Ping(p) => self.reply(ServerMessage::Pong(Pong {
                id: p.id,
                timestamp: now(),
            })),
            ClientMessage::Subscribe(s) => match self.session.subscribe(&s) {
                Ok(prices) => {
                    let session = &self.session;
                    self.outbox.retain_prices(|m| session.wants(m));
                    self.reply(ServerMessage::Subscribed(
                        self.session.ack(s.id.clone(), now()),
                    ));
                    if prices {
                        self.snapshot(Channel::Prices, s.id);
                    }
                }
                Err(err) => self.refuse(s.id, ErrorCode::TooManySubscriptions, err.to_string()),
            },
            ClientMessage::Unsubscribe(s) => {
                self.session.unsubscribe(&s);
                let session = &self.session;
                self.outbox.retain_prices(|m| session.wants(m));
                self.reply(ServerMessage::Unsubscribed(self.session.ack(s.id, now())));
            }
            ClientMessage::Resume(r) => self.resume(r),
            ClientMessage::AlertAdd(a) => self.add_alert(a),
            ClientMessage::AlertRemove(r) => match self.alerts.remove(&r.alert_id) {
                Ok(()) => self.reply(ServerMessage::AlertRemoved(protocol::AlertRemoved {
                    id: r.id,
                    timestamp: now(),
                    alert_id: r.alert_id,
                })),
                Err(err) => self.refuse_alert(r.id, &err),
            },
            ClientMessage::AlertList(l) => {
                self.reply(ServerMessage::Alerts(protocol::AlertsList {
                    id: l.id,
                    timestamp: now(),
                    alerts: self.alerts.list(),
                }));
            }
        }
    }

    /// Registers an alert, answers `alert_added`, then sends what it fired on at once.
    fn add_alert(&mut self, request: protocol::AlertAdd) {
        let hub = &self.ctx.hub;
        let mut seed = Seed::default();
        match request.alert.rule() {
            Ok(protocol::AlertRule::Opportunity { .. }) => {
                let snapshot = hub.snapshot(Channel::Opportunities, &|_, _| true);
                seed.opportunities = snapshot.opportunities.unwrap_or_default();
                seed.opportunities_seq = snapshot.seq;
            }
            Ok(_) => {
                if let Ok(Some(pair)) = self.alerts.needs_prices_of(&request.alert) {
                    let snapshot = hub.snapshot(Channel::Prices, &|p, _| p == pair);
                    seed.prices = snapshot.prices.unwrap_or_default();
                }
            }
            // `add` reports it.
            Err(_) => {}
        }
        let alert = request.alert.clone();
        match self.alerts.add(request.alert_id, request.alert, seed) {
            Ok((alert_id, fired)) => {
                metrics::counter!("dexmon_ws_alerts_added_total").increment(1);
                self.reply(ServerMessage::AlertAdded(protocol::AlertAdded {
                    id: request.id,
                    timestamp: now(),
                    alert_id,
                    alert,
                }));
                for fired in fired {
                    self.triggered(fired);
                }
            }
            Err(err) => self.refuse_alert(request.id, &err),
        }
    }

    /// An alert request the connection cannot honour. Not a protocol violation: it does not
    /// count towards the 1008 close.
    fn refuse_alert(&mut self, id: Option<RequestId>, err: &AlertError) {
        let code = err.code();
        metrics::counter!("dexmon_ws_alerts_refused_total", "code" => code.as_str()).increment(1);
        tracing::debug!(peer = %self.peer, session = %self.session_id, %code, error = %err, "alert refused");
        self.reply(ServerMessage::Error(error(id, code, &err.to_string())));
    }

    pub(super) fn triggered(&mut self, mut fired: Fired) {
        metrics::counter!("dexmon_ws_alerts_triggered_total").increment(1);
        fired.timestamp = now();
        self.reply(ServerMessage::AlertTriggered(fired));
    }

    /// Queues a snapshot of `channel`; live messages it covers are dropped.
    pub(super) fn snapshot(&mut self, channel: Channel, id: Option<RequestId>) {
        let session = &self.session;
        let mut snapshot = self
            .ctx
            .hub
            .snapshot(channel, &|pair, dexes| session.matches(pair, dexes));
        snapshot.id = id;
        self.session.cover(channel, snapshot.seq);
        if channel == Channel::Prices {
            self.outbox.clear_prices();
        } else {
            self.outbox.remove_through(channel, snapshot.seq);
        }
        self.reply(ServerMessage::Snapshot(snapshot));
    }

    fn resume(&mut self, r: protocol::Resume) {
        let (from_seq, to_seq) = match self.ctx.hub.recover(r.channel, &r.epoch, r.after_seq) {
            Recovery::Recovered { messages, to_seq } => {
                // Queued live copies are dropped and later ones skipped, so the replay below
                // is the one, ordered copy of every missed message.
                let delivered = self.outbox.remove_through_and_delivered(r.channel, to_seq);
                let replay: Vec<Published> = messages
                    .into_iter()
                    .filter(|p| {
                        let already =
                            delivered.is_some_and(|(first, last)| (first..=last).contains(&p.seq));
                        !already && self.session.wants(p.message.message())
                    })
                    .collect();
                // A replay the outbox cannot hold would close the connection with 4008 again
                // and again; past that size the client is better served by a snapshot.
                if replay.len() < self.outbox.reliable_room() {
                    self.replay(r, replay, to_seq);
                    return;
                }
                metrics::counter!("dexmon_ws_resume_too_large_total").increment(1);
                (r.after_seq + 1, to_seq)
            }
            Recovery::Lost { from_seq, to_seq } => (from_seq, to_seq),
        };
        self.reply(ServerMessage::Resumed(Resumed {
            id: r.id.clone(),
            timestamp: now(),
            channel: r.channel,
            recovered: false,
            from_seq,
            to_seq,
        }));
        self.snapshot(r.channel, r.id);
    }

    /// Answers a recoverable `resume` and queues the missed messages.
    fn replay(&mut self, r: protocol::Resume, replay: Vec<Published>, to_seq: u64) {
        self.session.cover(r.channel, to_seq);
        if r.channel == Channel::Prices {
            self.outbox.clear_prices();
        }
        self.reply(ServerMessage::Resumed(Resumed {
            id: r.id,
            timestamp: now(),
            channel: r.channel,
            recovered: true,
            from_seq: r.after_seq + 1,
            to_seq,
        }));
        for published in replay {
            let outgoing = Outgoing {
                message: published.message,
                published_us: Some(published.published_us),
                text: published.text,
            };
            if self.outbox.push(outgoing).is_err() {
                self.slow_consumer();
                return;
            }
        }
    }
}
