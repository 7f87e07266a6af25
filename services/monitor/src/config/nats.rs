//! `[nats]`: the JetStream deployment that roles `ingest` and `edge` share.

use std::time::Duration;

use serde::Deserialize;

use super::file::ConfigError;
use crate::hub::HistoryLimits;

/// `[nats]` as written in the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSection {
    /// Server URL(s), comma-separated.
    pub url: Option<String>,
    /// Names the streams (`<PREFIX>_PRICES`, ...) and, lower-cased, their subjects.
    pub stream_prefix: Option<String>,
    /// JetStream replicas of every stream and bucket (3 in a three-node cluster).
    pub replicas: Option<usize>,
    /// `file` (survives a server restart) or `memory`.
    pub storage: Option<String>,
    /// The retention window: messages kept per channel for `resume`.
    pub max_messages: Option<usize>,
    /// The retention window: oldest message kept, in seconds.
    pub max_age_secs: Option<u64>,
    /// The ingest leader lease: a leader that stops renewing loses it after this long.
    pub lease_ttl_ms: Option<u64>,
    /// This node's name.
    pub node: Option<String>,
    /// An edge more than this many messages behind the stream answers 503 on `/ready`.
    pub max_lag: Option<u64>,
    /// Messages an ingest leader may have published and not yet seen acknowledged.
    pub max_in_flight: Option<usize>,
    /// Messages an ingest node holds for NATS while it cannot publish; beyond them it
    /// drops, reports `degraded`, and republishes its state once NATS is back.
    pub buffer: Option<usize>,
}

/// Where JetStream keeps the streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    File,
    Memory,
}

/// Checked `[nats]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct NatsSettings {
    pub url: String,
    pub stream_prefix: String,
    pub replicas: usize,
    pub storage: Storage,
    /// Per channel: by count and by age. An edge keeps the same window in memory.
    pub retention: HistoryLimits,
    pub lease_ttl: Duration,
    pub node: String,
    pub max_lag: u64,
    pub max_in_flight: usize,
    pub buffer: usize,
}

impl Default for NatsSettings {
    fn default() -> Self {
        Self {
            url: "nats://127.0.0.1:4222".to_owned(),
            stream_prefix: "DEXMON".to_owned(),
            replicas: 1,
            storage: Storage::File,
            retention: HistoryLimits::default(),
            lease_ttl: Duration::from_secs(3),
            node: default_node(),
            max_lag: 10_000,
            max_in_flight: 4_096,
            buffer: 65_536,
        }
    }
}

fn default_node() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        // A node name is one subject token: no dots.
        .map(|h| h.trim().replace('.', "-"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "dexmon".to_owned());
    format!("{host}-{}", std::process::id())
}

impl NatsSection {
    /// Checks the section; `url` and `node` are the flags' values, which win when given.
    ///
    /// # Errors
    /// A bad prefix, replica count, storage, zero window, or a lease below 300 ms.
    pub fn resolve(
        &self,
        url: Option<&str>,
        node: Option<&str>,
    ) -> Result<NatsSettings, ConfigError> {
        let d = NatsSettings::default();
        let prefix = self.stream_prefix.clone().unwrap_or(d.stream_prefix);
        if prefix.is_empty()
            || !prefix
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ConfigError::invalid(
                "nats.stream_prefix",
                "must be upper-case letters, digits and `_`",
            ));
        }
        let replicas = self.replicas.unwrap_or(d.replicas);
        if !(1..=5).contains(&replicas) {
            return Err(ConfigError::invalid("nats.replicas", "must be 1..=5"));
        }
        let storage = match self.storage.as_deref() {
            None | Some("file") => Storage::File,
            Some("memory") => Storage::Memory,
            Some(other) => {
                return Err(ConfigError::invalid(
                    "nats.storage",
                    format!("{other:?}: expected \"file\" or \"memory\""),
                ));
            }
        };
        let max_messages = self.max_messages.unwrap_or(d.retention.max_messages);
        if max_messages == 0 {
            return Err(ConfigError::invalid(
                "nats.max_messages",
                "must be at least 1",
            ));
        }
        let max_age_secs = self
            .max_age_secs
            .unwrap_or(d.retention.max_age_us / 1_000_000);
        if max_age_secs == 0 {
            return Err(ConfigError::invalid(
                "nats.max_age_secs",
                "must be at least 1",
            ));
        }
        let lease_ms = self
            .lease_ttl_ms
            .unwrap_or(u64::try_from(d.lease_ttl.as_millis()).unwrap_or(3_000));
        if lease_ms < 300 {
            return Err(ConfigError::invalid(
                "nats.lease_ttl_ms",
                "must be at least 300",
            ));
        }
        let node = node
            .map(str::to_owned)
            .or_else(|| self.node.clone())
            .unwrap_or(d.node);
        if node.is_empty() || node.contains(|c: char| c.is_whitespace() || ".*>".contains(c)) {
            return Err(ConfigError::invalid(
                "nats.node",
                "must be non-empty, without spaces, `.`, `*` or `>`",
            ));
        }
        let max_in_flight = self.max_in_flight.unwrap_or(d.max_in_flight);
        if max_in_flight == 0 {
            return Err(ConfigError::invalid(
                "nats.max_in_flight",
                "must be at least 1",
            ));
        }
        let buffer = self.buffer.unwrap_or(d.buffer);
        if buffer < 16 {
            return Err(ConfigError::invalid("nats.buffer", "must be at least 16"));
        }
        Ok(NatsSettings {
            url: url
                .map(str::to_owned)
                .or_else(|| self.url.clone())
                .unwrap_or(d.url),
            stream_prefix: prefix,
            replicas,
            storage,
            retention: HistoryLimits {
                max_messages,
                max_age_us: max_age_secs.saturating_mul(1_000_000),
            },
            lease_ttl: Duration::from_millis(lease_ms),
            node,
            max_lag: self.max_lag.unwrap_or(d.max_lag),
            max_in_flight,
            buffer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NatsSettings, ConfigError> {
        let section: NatsSection = toml::from_str(text).unwrap();
        section.resolve(None, None)
    }

    #[test]
    fn defaults_and_overrides() {
        let d = parse("").unwrap();
        assert_eq!(d.url, "nats://127.0.0.1:4222");
        assert_eq!(d.stream_prefix, "DEXMON");
        let s =
            parse("url = \"nats://a:1\"\nreplicas = 3\nmax_age_secs = 60\nnode = \"i1\"").unwrap();
        assert_eq!(
            (s.url.as_str(), s.replicas, s.node.as_str()),
            ("nats://a:1", 3, "i1")
        );
        assert_eq!(s.retention.max_age_us, 60_000_000);
        let section: NatsSection = toml::from_str("url = \"nats://a:1\"").unwrap();
        let flags = section.resolve(Some("nats://b:2"), Some("e7")).unwrap();
        assert_eq!(
            (flags.url.as_str(), flags.node.as_str()),
            ("nats://b:2", "e7")
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("stream_prefix = \"dex.mon\"", "nats.stream_prefix"),
            ("replicas = 0", "nats.replicas"),
            ("storage = \"disk\"", "nats.storage"),
            ("max_messages = 0", "nats.max_messages"),
            ("max_age_secs = 0", "nats.max_age_secs"),
            ("lease_ttl_ms = 10", "nats.lease_ttl_ms"),
            ("node = \"a.b\"", "nats.node"),
            ("buffer = 1", "nats.buffer"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
    }
}
