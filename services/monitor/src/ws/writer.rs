//! A connection's socket writer: moves what its outbox holds into the socket without ever
//! waiting on it, so the connection's one task keeps serving the hub and the client while a
//! slow socket drains.
//!
//! [`Writer::write`] starts every queued frame the socket accepts, then flushes once: the
//! frames of a batch leave in as few `write` calls as the socket's buffer allows. When the
//! socket would block it returns `Pending` with nothing lost: frames taken from the outbox wait
//! in the writer itself, not in a future that another event could cancel.

use std::future::poll_fn;
use std::task::{Context, Poll, ready};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures::{Sink, SinkExt};
use protocol::{Channel, Codec};

use super::outbox::{Closing, Outbox, Outgoing};
use crate::clock::monotonic_us;

/// Messages taken from the outbox at a time.
const BATCH: usize = 256;

/// The socket failed; the connection is over.
#[derive(Debug)]
pub(super) struct WriteFailed;

/// What a completed write left behind.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Written {
    /// Everything queued is in the socket, flushed.
    Flushed,
    /// The close frame went out and the socket's write side is closed.
    Closed,
}

/// Socket-side state of one connection.
#[derive(Debug)]
pub(super) struct Writer {
    codec: Codec,
    /// Taken from the outbox, not yet accepted by the socket. Its memory is freed as soon as
    /// it is written, so an idle connection holds none.
    batch: std::vec::IntoIter<Outgoing>,
    ping_due: bool,
    unflushed: bool,
    /// The close to send once `batch` is out, and whether it was sent.
    closing: Option<Closing>,
    close_sent: bool,
    /// Since the last flush, per channel: messages and bytes; and the oldest publication time.
    sent: [(u64, u64); Channel::ALL.len()],
    oldest_published_us: Option<u64>,
}

impl Writer {
    pub(super) fn new(codec: Codec) -> Self {
        Self {
            codec,
            batch: Vec::new().into_iter(),
            ping_due: false,
            unflushed: false,
            closing: None,
            close_sent: false,
            sent: [(0, 0); Channel::ALL.len()],
            oldest_published_us: None,
        }
    }

    /// Queues a protocol-level ping ahead of everything else.
    pub(super) fn ping(&mut self) {
        self.ping_due = true;
    }

    /// Whether [`Self::write`] has anything to do.
    pub(super) fn has_work(&self, outbox: &Outbox) -> bool {
        self.ping_due
            || self.unflushed
            || self.batch.len() > 0
            || self.closing.is_some()
            || !outbox.is_empty()
            || outbox.is_closing()
    }

    /// Writes until everything queued is flushed (or the close is done). Cancel-safe: a
    /// cancelled call loses nothing, and the next one carries on.
    pub(super) async fn write<S>(
        &mut self,
        sink: &mut S,
        outbox: &mut Outbox,
    ) -> Result<Written, WriteFailed>
    where
        S: Sink<Message, Error = axum::Error> + Unpin,
    {
        poll_fn(|cx| self.poll_write(cx, sink, outbox)).await
    }

    fn poll_write<S>(
        &mut self,
        cx: &mut Context<'_>,
        sink: &mut S,
        outbox: &mut Outbox,
    ) -> Poll<Result<Written, WriteFailed>>
    where
        S: Sink<Message, Error = axum::Error> + Unpin,
    {
        let failed = |_| WriteFailed;
        loop {
            if self.close_sent {
                ready!(sink.poll_close_unpin(cx)).map_err(failed)?;
                return Poll::Ready(Ok(Written::Closed));
            }
            if self.ping_due {
                ready!(sink.poll_ready_unpin(cx)).map_err(failed)?;
                sink.start_send_unpin(Message::Ping(bytes::Bytes::new()))
                    .map_err(failed)?;
                self.ping_due = false;
                self.unflushed = true;
                continue;
            }
            if self.batch.len() == 0 && self.closing.is_none() {
                let taken = outbox.take(BATCH);
                self.batch = taken.messages.into_iter();
                self.closing = taken.closing;
            }
            if self.batch.len() > 0 {
                ready!(sink.poll_ready_unpin(cx)).map_err(failed)?;
                if let Some(outgoing) = self.batch.next()
                    && let Some(frame) = self.frame(outgoing)
                {
                    sink.start_send_unpin(frame).map_err(failed)?;
                    self.unflushed = true;
                }
                if self.batch.len() == 0 {
                    self.batch = Vec::new().into_iter();
                }
                continue;
            }
            if self.unflushed {
                ready!(sink.poll_flush_unpin(cx)).map_err(failed)?;
                self.unflushed = false;
                self.record();
            }
            if let Some(closing) = &self.closing {
                ready!(sink.poll_ready_unpin(cx)).map_err(failed)?;
                let frame = CloseFrame {
                    code: closing.code,
                    reason: Utf8Bytes::from_static(closing.reason),
                };
                sink.start_send_unpin(Message::Close(Some(frame)))
                    .map_err(failed)?;
                self.close_sent = true;
                continue;
            }
            return Poll::Ready(Ok(Written::Flushed));
        }
    }

    /// The frame for one message, counted; `None` if it cannot be encoded (logged).
    fn frame(&mut self, outgoing: Outgoing) -> Option<Message> {
        let channel = outgoing.message.message().channel();
        let frame = match (self.codec, outgoing.text) {
            // The hub's prepared text: the same bytes for every JSON connection.
            (Codec::Json, Some(text)) => Message::Text(text),
            (codec, _) => match outgoing.message.bytes(codec) {
                Ok(bytes) => match codec {
                    // The JSON encoding is UTF-8 by construction.
                    Codec::Json => Message::Text(Utf8Bytes::try_from(bytes).ok()?),
                    Codec::MsgPack => Message::Binary(bytes),
                },
                Err(err) => {
                    tracing::error!(%err, "message failed to encode");
                    return None;
                }
            },
        };
        if let Some(channel) = channel {
            let len = match &frame {
                Message::Text(t) => t.len(),
                Message::Binary(b) => b.len(),
                _ => 0,
            };
            let counts = &mut self.sent[channel.index()];
            counts.0 += 1;
            counts.1 += len as u64;
        }
        if let Some(published) = outgoing.published_us {
            self.oldest_published_us = Some(
                self.oldest_published_us
                    .map_or(published, |o| o.min(published)),
            );
        }
        Some(frame)
    }

    /// Counts what the last flush sent: per flush, not per message, because a labelled metric
    /// costs a registry lookup.
    fn record(&mut self) {
        for channel in Channel::ALL {
            let (messages, bytes) = std::mem::take(&mut self.sent[channel.index()]);
            if messages > 0 {
                metrics::counter!("dexmon_ws_messages_sent_total", "channel" => channel.as_str())
                    .increment(messages);
                metrics::counter!("dexmon_ws_bytes_sent_total", "channel" => channel.as_str())
                    .increment(bytes);
            }
        }
        if let Some(published) = self.oldest_published_us.take() {
            // The flush's worst case: its oldest message.
            #[allow(clippy::cast_precision_loss)]
            let seconds = monotonic_us().saturating_sub(published) as f64 / 1e6;
            metrics::histogram!("dexmon_publish_to_write_seconds").record(seconds);
        }
    }
}
