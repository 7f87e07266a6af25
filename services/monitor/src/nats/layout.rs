//! Stream and subject names, stream creation and the epoch.

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use protocol::{Channel, ServerMessage};

use crate::config::nats::{NatsSettings, Storage};

/// Names derived from the stream prefix: `DEXMON` gives streams `DEXMON_PRICES` ... and
/// subjects `dexmon.prices.<pool>` ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    prefix: String,
    root: String,
}

impl Layout {
    pub fn new(stream_prefix: &str) -> Self {
        Self {
            prefix: stream_prefix.to_owned(),
            root: stream_prefix.to_ascii_lowercase(),
        }
    }

    /// The stream that holds a channel; its sequence is the channel's `seq`.
    pub fn stream(&self, channel: Channel) -> String {
        format!("{}_{}", self.prefix, channel.as_str().to_ascii_uppercase())
    }

    /// The stream that keeps the last message per pool, opportunity and health.
    pub fn latest_stream(&self) -> String {
        format!("{}_LATEST", self.prefix)
    }

    /// The key-value bucket of the ingest leader lease.
    pub fn lease_bucket(&self) -> String {
        format!("{}_LEADER", self.prefix)
    }

    fn channel_root(&self, channel: Channel) -> String {
        format!("{}.{}", self.root, channel.as_str())
    }

    /// The subject a message is published on: per pool and per opportunity, so that the
    /// latest stream keeps one message of each.
    pub fn subject(&self, message: &ServerMessage) -> Option<String> {
        let channel = message.channel()?;
        let root = self.channel_root(channel);
        Some(match message {
            // Base58: always a valid subject token.
            ServerMessage::PriceUpdate(p) => format!("{root}.{}", p.pool),
            // Ids hold `:`, `/` and `>`; hex makes them one safe token.
            ServerMessage::Opportunity(o) => format!("{root}.{}", hex(&o.id)),
            ServerMessage::Log(_) => format!("{root}.ingest"),
            _ => root,
        })
    }

    /// Where an edge publishes its own `log` messages.
    pub fn edge_log_subject(&self, node: &str) -> String {
        format!("{}.edge.{node}", self.channel_root(Channel::Logs))
    }

    /// The opportunities' subjects in the latest stream.
    pub fn opportunities_filter(&self) -> String {
        self.latest_filter(Channel::Opportunities)
    }

    /// A channel's subjects in the latest stream.
    pub fn latest_filter(&self, channel: Channel) -> String {
        match channel {
            Channel::Health => self.channel_root(channel),
            _ => format!("{}.>", self.channel_root(channel)),
        }
    }

    fn stream_subjects(&self, channel: Channel) -> Vec<String> {
        let root = self.channel_root(channel);
        match channel {
            Channel::Health => vec![root],
            _ => vec![format!("{root}.>")],
        }
    }

    /// Creates the streams, or updates their limits to `settings`.
    ///
    /// # Errors
    /// JetStream refused or did not answer.
    pub async fn ensure(
        &self,
        js: &jetstream::Context,
        settings: &NatsSettings,
    ) -> Result<(), async_nats::Error> {
        let storage = match settings.storage {
            Storage::File => stream::StorageType::File,
            Storage::Memory => stream::StorageType::Memory,
        };
        for channel in Channel::ALL {
            put_stream(
                js,
                stream::Config {
                    name: self.stream(channel),
                    description: Some(format!("dexmon.v1 {} channel", channel.as_str())),
                    subjects: self.stream_subjects(channel),
                    max_messages: i64::try_from(settings.retention.max_messages)
                        .unwrap_or(i64::MAX),
                    max_age: Duration::from_micros(settings.retention.max_age_us),
                    storage,
                    num_replicas: settings.replicas,
                    discard: stream::DiscardPolicy::Old,
                    allow_direct: true,
                    ..Default::default()
                },
            )
            .await?;
        }
        let sources = [Channel::Prices, Channel::Opportunities, Channel::Health]
            .into_iter()
            .map(|channel| stream::Source {
                name: self.stream(channel),
                ..Default::default()
            })
            .collect();
        put_stream(
            js,
            stream::Config {
                name: self.latest_stream(),
                description: Some("dexmon.v1 latest price per pool, opportunity, health".into()),
                max_messages_per_subject: 1,
                // Closed opportunities stay as one message per id; a day bounds them.
                max_age: Duration::from_secs(86_400)
                    .max(Duration::from_micros(settings.retention.max_age_us)),
                storage,
                num_replicas: settings.replicas,
                allow_direct: true,
                sources: Some(sources),
                ..Default::default()
            },
        )
        .await?;
        Ok(())
    }

    /// The epoch: names the history, so it changes exactly when the streams are created
    /// again. Derived from their creation times, the same on every node.
    ///
    /// # Errors
    /// A stream is missing or JetStream did not answer.
    pub async fn epoch(&self, js: &jetstream::Context) -> Result<String, async_nats::Error> {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for info in self.stream_infos(js).await? {
            for byte in info.created.unix_timestamp_nanos().to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        Ok(format!("{hash:016x}"))
    }

    /// Each channel stream's information, in [`Channel::ALL`] order.
    ///
    /// # Errors
    /// A stream is missing or JetStream did not answer.
    pub async fn stream_infos(
        &self,
        js: &jetstream::Context,
    ) -> Result<Vec<stream::Info>, async_nats::Error> {
        let mut infos = Vec::with_capacity(Channel::ALL.len());
        for channel in Channel::ALL {
            infos.push(
                js.get_stream(self.stream(channel))
                    .await?
                    .get_info()
                    .await?,
            );
        }
        Ok(infos)
    }

    /// Each channel stream's last sequence, in [`Channel::ALL`] order.
    ///
    /// # Errors
    /// A stream is missing or JetStream did not answer.
    pub async fn last_sequences(
        &self,
        js: &jetstream::Context,
    ) -> Result<[u64; 4], async_nats::Error> {
        let mut last = [0; 4];
        for (slot, info) in last.iter_mut().zip(self.stream_infos(js).await?) {
            *slot = info.state.last_sequence;
        }
        Ok(last)
    }
}

/// Creates a stream, or updates an existing one whose limits differ from `config`. Only the
/// leader calls it: two nodes creating one stream at once on a three-node cluster left one
/// request unanswered until it timed out.
async fn put_stream(
    js: &jetstream::Context,
    config: stream::Config,
) -> Result<(), async_nats::Error> {
    match js.get_stream(&config.name).await {
        Ok(existing) => {
            let held = &existing.cached_info().config;
            if held.storage != config.storage {
                // JetStream cannot move a stream between file and memory.
                tracing::error!(
                    stream = %config.name,
                    "the stream's storage differs from [nats] storage; delete the stream to change it"
                );
                return Ok(());
            }
            let sources = |c: &stream::Config| {
                c.sources
                    .as_ref()
                    .map(|s| s.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            let same = held.subjects == config.subjects
                && held.max_messages == config.max_messages.max(-1)
                && held.max_messages_per_subject
                    == if config.max_messages_per_subject == 0 {
                        -1
                    } else {
                        config.max_messages_per_subject
                    }
                && held.max_age == config.max_age
                && held.num_replicas == config.num_replicas.max(1)
                && sources(held) == sources(&config);
            if !same {
                tracing::info!(stream = %config.name, "updating the stream's limits");
                js.update_stream(&config).await?;
            }
            Ok(())
        }
        Err(err)
            if matches!(err.kind(), jetstream::context::GetStreamErrorKind::JetStream(e)
                if e.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND) =>
        {
            js.create_stream(config).await?;
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

fn hex(text: &str) -> String {
    use std::fmt::Write;
    text.bytes()
        .fold(String::with_capacity(text.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prefix() {
        let l = Layout::new("DEXMON");
        assert_eq!(l.stream(Channel::Prices), "DEXMON_PRICES");
        assert_eq!(l.stream(Channel::Opportunities), "DEXMON_OPPORTUNITIES");
        assert_eq!(l.latest_stream(), "DEXMON_LATEST");
        assert_eq!(l.edge_log_subject("e1"), "dexmon.logs.edge.e1");
        assert_eq!(hex("a:>"), "613a3e");
    }
}
