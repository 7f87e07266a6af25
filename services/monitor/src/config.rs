//! The TOML configuration file (`--config`). Every key is optional; `docs/configuration.md`
//! lists them all.
//!
//! Precedence, highest first: a command-line flag, its `DEXMON_*` environment variable, the
//! file, the built-in default. Unknown keys are errors (a typo must not silently fall back to
//! a default), and values are validated in [`crate::Settings::load`] before anything starts.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::source::yellowstone::Commitment;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("invalid `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

impl ConfigError {
    pub(crate) fn invalid(key: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub log: Option<String>,
    /// `simulator`, `yellowstone` or `replay:PATH`.
    pub source: Option<String>,
    pub queue_capacity: Option<usize>,
    pub health_interval_secs: Option<u64>,
    #[serde(default)]
    pub yellowstone: YellowstoneSection,
    #[serde(default)]
    pub rpc: RpcSection,
    #[serde(default)]
    pub pools: PoolsSection,
    #[serde(default)]
    pub simulator: SimulatorSection,
    #[serde(default)]
    pub prices: PricesSection,
    #[serde(default)]
    pub ws: WsSection,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YellowstoneSection {
    pub endpoint: Option<String>,
    /// Prefer `DEXMON_X_TOKEN` to keeping the token in a file.
    pub x_token: Option<String>,
    pub commitment: Option<Commitment>,
    pub watchdog_secs: Option<u64>,
    pub connect_timeout_secs: Option<u64>,
    pub keepalive_secs: Option<u64>,
    pub max_decoding_message_mib: Option<usize>,
    pub array_radius: Option<u32>,
    #[serde(default)]
    pub backoff: BackoffSection,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackoffSection {
    pub initial_ms: Option<u64>,
    pub cap_secs: Option<u64>,
    pub reset_after_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcSection {
    pub url: Option<String>,
    pub poll_interval_secs: Option<u64>,
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolsSection {
    #[serde(default)]
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorSection {
    pub rate: Option<u32>,
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricesSection {
    /// Publish a pool's price when it moved by at least this many percent.
    pub min_move_pct: Option<f64>,
    /// And at least this often while the pool keeps updating.
    pub refresh_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsSection {
    pub max_connections: Option<usize>,
    pub heartbeat_secs: Option<u64>,
    pub rate: Option<f64>,
    pub burst: Option<u32>,
    pub allow_origin: Option<Vec<String>>,
}

impl FileConfig {
    /// Reads and parses a file.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`] (with line, column and key).
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }

    /// Parses TOML text.
    ///
    /// # Errors
    /// Invalid TOML, an unknown key or a value of the wrong type.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../../../deploy/monitor.example.toml");
        let config = FileConfig::parse(text).unwrap();
        assert_eq!(config.source.as_deref(), Some("yellowstone"));
        assert!(config.pools.addresses.len() >= 4);
        assert_eq!(config.yellowstone.commitment, Some(Commitment::Processed));
    }

    #[test]
    fn typos_are_errors_that_name_the_key() {
        let err = FileConfig::parse("[yellowstone]\nendpiont = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("endpiont"), "{err}");
        let err = FileConfig::parse("queue_capacity = \"big\"\n").unwrap_err();
        assert!(err.to_string().contains("queue_capacity"), "{err}");
        let err = FileConfig::parse("[yellowstone]\ncommitment = \"fast\"\n").unwrap_err();
        assert!(err.to_string().contains("fast"), "{err}");
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        let config = FileConfig::parse("").unwrap();
        assert!(config.listen.is_none() && config.pools.addresses.is_empty());
    }

    proptest::proptest! {
        /// Whatever the bytes, parsing answers Ok or Err and never panics.
        #[test]
        fn parsing_never_panics(text in "\\PC{0,200}") {
            let _ = FileConfig::parse(&text);
        }

        #[test]
        fn key_value_soup_never_panics(
            key in "(listen|source|queue_capacity|\\[rpc\\]|\\[pools\\]|url|addresses|rate)",
            value in "(\"[a-z:/0-9.]{0,20}\"|-?[0-9]{1,25}|true|\\[\\]|\\[\"x\"\\]|[0-9.e+-]{1,10})",
        ) {
            let _ = FileConfig::parse(&format!("{key} = {value}\n"));
        }
    }
}
