//! A connection's socket writer: moves what its outbox holds into the socket without ever
//! waiting on it, so the connection's one task keeps serving the hub and the client while a
//! slow socket drains.
//!
//! [`Writer::write`] takes a batch from the outbox, queues each message as a frame whose
//! payload is the hub's shared encoding (no copy), and writes the batch with as few vectored
//! writes as the socket's buffer allows. When the socket would block it returns `Pending` with
//! nothing lost: the frames wait in the writer itself, not in a future that another event
//! could cancel.

use std::future::poll_fn;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use protocol::{Channel, Codec};
use tokio::io::AsyncWrite;

use super::frame::OpCode;
use super::outbox::{Closing, Outbox, Outgoing};
use super::socket::FrameWriter;
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
pub(super) struct Writer<W> {
    codec: Codec,
    /// Frames taken from the outbox and not yet all in the socket: references to the shared
    /// payloads, released as soon as they are written.
    frames: FrameWriter<W>,
    ping_due: bool,
    /// The payload of the client's latest ping, to answer with a pong.
    pong_due: Option<Bytes>,
    /// The close to send once everything before it is out, and whether it was queued.
    closing: Option<Closing>,
    close_sent: bool,
    /// Since the last flush, per channel: messages and bytes; and the oldest publication time.
    sent: [(u64, u64); Channel::ALL.len()],
    oldest_published_us: Option<u64>,
    /// Since the last flush, the earliest `update_received_us` (Unix µs) of a price sent.
    oldest_update_received_us: Option<u64>,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    pub(super) fn new(codec: Codec, io: W) -> Self {
        Self {
            codec,
            frames: FrameWriter::new(io),
            ping_due: false,
            pong_due: None,
            closing: None,
            close_sent: false,
            sent: [(0, 0); Channel::ALL.len()],
            oldest_published_us: None,
            oldest_update_received_us: None,
        }
    }

    /// Queues a protocol-level ping ahead of what the outbox holds.
    pub(super) fn ping(&mut self) {
        self.ping_due = true;
    }

    /// Answers the client's ping; only the latest is answered (RFC 6455 §5.5.3).
    pub(super) fn pong(&mut self, payload: &[u8]) {
        // Copied (at most 125 bytes): a slice would keep the whole read buffer alive.
        self.pong_due = Some(Bytes::copy_from_slice(payload));
    }

    /// Answers the client's close (with its code, or 1000) and closes the write side, unless
    /// this side already sent its own.
    pub(super) fn close_reply(&mut self, code: Option<u16>) {
        if !self.close_sent && self.closing.is_none() {
            self.closing = Some(Closing {
                code: code.unwrap_or(1000),
                reason: "",
            });
        }
    }

    /// Whether [`Self::write`] has anything to do.
    pub(super) fn has_work(&self, outbox: &Outbox) -> bool {
        self.ping_due
            || self.pong_due.is_some()
            || !self.frames.is_empty()
            || self.closing.is_some()
            || !outbox.is_empty()
            || outbox.is_closing()
    }

    /// Writes until everything queued is flushed (or the close is done). Cancel-safe: a
    /// cancelled call loses nothing, and the next one carries on.
    pub(super) async fn write(&mut self, outbox: &mut Outbox) -> Result<Written, WriteFailed> {
        poll_fn(|cx| self.poll_write(cx, outbox)).await
    }

    /// Writes what the outbox holds: up to [`BATCH`] messages are queued as frames (their
    /// payloads shared, not copied) and leave in as few vectored writes as the socket takes.
    /// Nothing more is taken from the outbox until they are all in the socket, so a slow
    /// client's backlog stays in its outbox, where prices conflate.
    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        outbox: &mut Outbox,
    ) -> Poll<Result<Written, WriteFailed>> {
        let failed = |_| WriteFailed;
        loop {
            // Pings and pongs join the queue only once it is written, so a client that sends
            // pings but never reads holds one pong at most, not one per ping.
            if self.frames.is_empty() {
                if self.ping_due {
                    self.frames.push(OpCode::Ping, Bytes::new());
                    self.ping_due = false;
                }
                if let Some(payload) = self.pong_due.take() {
                    self.frames.push(OpCode::Pong, payload);
                }
            }
            if !self.frames.is_empty() {
                ready!(self.frames.poll_flush(cx)).map_err(failed)?;
                self.record();
                continue;
            }
            if self.close_sent {
                ready!(self.frames.poll_shutdown(cx)).map_err(failed)?;
                return Poll::Ready(Ok(Written::Closed));
            }
            if self.closing.is_none() {
                let taken = outbox.take(BATCH);
                self.closing = taken.closing;
                if !taken.messages.is_empty() {
                    for outgoing in taken.messages {
                        if let Some((opcode, payload)) = self.frame(outgoing) {
                            self.frames.push(opcode, payload);
                        }
                    }
                    continue;
                }
            }
            if let Some(closing) = self.closing.take() {
                self.frames.push_close(closing.code, closing.reason);
                self.close_sent = true;
                continue;
            }
            return Poll::Ready(Ok(Written::Flushed));
        }
    }

    /// The frame for one message, counted; `None` if it cannot be encoded (logged).
    fn frame(&mut self, outgoing: Outgoing) -> Option<(OpCode, Bytes)> {
        let channel = outgoing.message.message().channel();
        let frame = match (self.codec, outgoing.text) {
            // The hub's encoding: the same bytes for every JSON connection.
            (Codec::Json, Some(text)) => (OpCode::Text, text),
            (codec, _) => match outgoing.message.bytes(codec) {
                // The JSON encoding is UTF-8 by construction.
                Ok(bytes) => match codec {
                    Codec::Json => (OpCode::Text, bytes),
                    Codec::MsgPack => (OpCode::Binary, bytes),
                },
                Err(err) => {
                    tracing::error!(%err, "message failed to encode");
                    return None;
                }
            },
        };
        if let Some(channel) = channel {
            let counts = &mut self.sent[channel.index()];
            counts.0 += 1;
            counts.1 += frame.1.len() as u64;
        }
        if let protocol::ServerMessage::PriceUpdate(price) = outgoing.message.message()
            && let Some(received) = price.update_received_us
        {
            self.oldest_update_received_us = Some(
                self.oldest_update_received_us
                    .map_or(received, |o| o.min(received)),
            );
        }
        if let Some(published) = outgoing.published_us {
            self.oldest_published_us = Some(
                self.oldest_published_us
                    .map_or(published, |o| o.min(published)),
            );
        }
        Some(frame)
    }

    /// Counts what the last flush sent: per flush, not per message.
    fn record(&mut self) {
        let handles = FlushMetrics::get();
        for channel in Channel::ALL {
            let (messages, bytes) = std::mem::take(&mut self.sent[channel.index()]);
            if messages > 0 {
                handles.messages[channel.index()].increment(messages);
                handles.bytes[channel.index()].increment(bytes);
            }
        }
        if let Some(published) = self.oldest_published_us.take() {
            // The flush's worst case: its oldest message.
            #[allow(clippy::cast_precision_loss)]
            let seconds = monotonic_us().saturating_sub(published) as f64 / 1e6;
            handles.publish_to_write.record(seconds);
        }
        if let Some(received) = self.oldest_update_received_us.take() {
            // The whole server path of the flush's oldest price: from the account update's
            // arrival to the kernel taking the frame (on loopback, the client's socket).
            let now = u64::try_from(crate::clock::unix_us()).unwrap_or(0);
            #[allow(clippy::cast_precision_loss)]
            let seconds = now.saturating_sub(received) as f64 / 1e6;
            handles.update_to_socket.record(seconds);
        }
    }
}

/// The handles every flush records into, registered once per process: looking a labelled
/// metric up in the registry on each flush cost about 3.6% of the server's core at 1,000 clients
/// × 100 msg/s, where every flush carries one message.
struct FlushMetrics {
    messages: [metrics::Counter; Channel::ALL.len()],
    bytes: [metrics::Counter; Channel::ALL.len()],
    publish_to_write: metrics::Histogram,
    update_to_socket: metrics::Histogram,
}

impl FlushMetrics {
    /// The process's handles. The first call registers them with the global recorder, which
    /// the node installs before it serves any connection.
    fn get() -> &'static Self {
        static HANDLES: std::sync::OnceLock<FlushMetrics> = std::sync::OnceLock::new();
        HANDLES.get_or_init(|| Self {
            messages: Self::per_channel("dexmon_ws_messages_sent_total"),
            bytes: Self::per_channel("dexmon_ws_bytes_sent_total"),
            publish_to_write: metrics::histogram!("dexmon_publish_to_write_seconds"),
            update_to_socket: metrics::histogram!("dexmon_update_to_socket_seconds"),
        })
    }

    /// One counter per channel, labelled with the channel's name.
    fn per_channel(name: &'static str) -> [metrics::Counter; Channel::ALL.len()] {
        Channel::ALL.map(|channel| metrics::counter!(name, "channel" => channel.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    #[test]
    fn a_client_that_pings_without_reading_gets_one_pong_queued_at_most() {
        // The client never reads: after a few pongs the pipe is full.
        let (server, _client) = tokio::io::duplex(64);
        let mut writer = Writer::new(Codec::Json, server);
        let mut outbox = Outbox::new(16);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1_000 {
            writer.pong(b"0123456789");
            assert!(
                writer.poll_write(&mut cx, &mut outbox).is_pending() || writer.frames.is_empty()
            );
        }
        assert!(
            writer.frames.len() <= 1,
            "{} frames queued",
            writer.frames.len()
        );
    }
}
