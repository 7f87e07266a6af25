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
    /// `[yellowstone]` for one endpoint, `[[yellowstone]]` for several.
    #[serde(default)]
    pub yellowstone: YellowstoneSections,
    #[serde(default)]
    pub rpc: RpcSection,
    #[serde(default)]
    pub pools: PoolsSection,
    #[serde(default)]
    pub tokens: TokensSection,
    #[serde(default)]
    pub simulator: SimulatorSection,
    #[serde(default)]
    pub prices: PricesSection,
    #[serde(default)]
    pub ws: WsSection,
    #[serde(default)]
    pub cex: crate::cex::config::CexSection,
    /// `ingest` or `edge` need `[nats]`; `all` ignores it.
    pub role: Option<String>,
    #[serde(default)]
    pub nats: super::nats::NatsSection,
}

/// The Yellowstone endpoints: one table, or an array of tables.
#[derive(Debug, Clone, Default)]
pub struct YellowstoneSections(pub Vec<YellowstoneSection>);

impl<'de> Deserialize<'de> for YellowstoneSections {
    /// A table is one endpoint, an array of tables several; each is read as a
    /// [`YellowstoneSection`] so unknown keys are still named in errors.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Sections;
        impl<'de> serde::de::Visitor<'de> for Sections {
            type Value = YellowstoneSections;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a [yellowstone] table or [[yellowstone]] tables")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let one = YellowstoneSection::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(YellowstoneSections(vec![one]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                let all = Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(YellowstoneSections(all))
            }
        }
        deserializer.deserialize_any(Sections)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YellowstoneSection {
    /// Shown in health, `/ready`, `/metrics` and `/api/stats`; default: the host and port.
    pub name: Option<String>,
    pub endpoint: Option<String>,
    /// Prefer `x_token_env` (or `DEXMON_X_TOKEN` for one endpoint) to keeping the token in
    /// a file.
    pub x_token: Option<String>,
    /// The environment variable holding this endpoint's token.
    pub x_token_env: Option<String>,
    /// Ask for `from_slot` on reconnect (default true); false for servers that ignore it.
    pub replay: Option<bool>,
    /// Wait after a refused token before trying again (default 300).
    pub unauthorized_retry_secs: Option<u64>,
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

impl BackoffSection {
    /// The checked backoff, each missing key taken from [`Backoff::upstream`]; `key` names
    /// the section in errors.
    ///
    /// # Errors
    /// A zero cap or reset time, or values [`Backoff::new`] refuses.
    ///
    /// [`Backoff::upstream`]: crate::backoff::Backoff::upstream
    /// [`Backoff::new`]: crate::backoff::Backoff::new
    pub fn resolve(&self, key: &str) -> Result<crate::backoff::Backoff, ConfigError> {
        use std::time::Duration;
        let default = crate::backoff::Backoff::upstream();
        let secs = |name: &str, v: Option<u64>, d: Duration| {
            positive_secs(&format!("{key}.{name}"), v, d.as_secs())
        };
        crate::backoff::Backoff::new(
            self.initial_ms
                .map_or(default.initial(), Duration::from_millis),
            secs("cap_secs", self.cap_secs, default.cap())?,
            secs(
                "reset_after_secs",
                self.reset_after_secs,
                default.reset_after(),
            )?,
        )
        .map_err(|e| ConfigError::invalid(key, e.to_string()))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcSection {
    pub url: Option<String>,
    pub poll_interval_secs: Option<u64>,
    pub timeout_secs: Option<u64>,
    /// How long polling may stand in for every stream before `/ready` answers 503.
    pub max_fallback_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolsSection {
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Pairs to discover pools of: `"SOL/USDC"`, symbols or mint addresses.
    #[serde(default)]
    pub pairs: Vec<String>,
    /// Mints to discover every pool of.
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Liquidity floor per valuation token, in whole tokens: `{ USDC = 10000, SOL = 50 }`.
    #[serde(default)]
    pub min_liquidity: std::collections::BTreeMap<String, u64>,
    /// At most this many pools per pair (default 5).
    pub max_per_pair: Option<usize>,
    /// Rediscovery interval (default 600).
    pub discovery_interval_secs: Option<u64>,
    /// `getProgramAccounts` calls in flight at once (default 4).
    pub discovery_concurrency: Option<usize>,
}

/// `[tokens]`: symbols the configuration names, and where on-chain metadata is cached.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensSection {
    /// Mint address to symbol; always wins over built-in and on-chain symbols.
    #[serde(default)]
    pub symbols: std::collections::BTreeMap<String, String>,
    /// The metadata cache file (default: `token-metadata.json` beside the recording, or in
    /// the working directory).
    pub metadata_cache: Option<PathBuf>,
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
    pub max_alerts: Option<usize>,
    /// Kernel send buffer per socket, KiB; 0 leaves it to the kernel.
    pub send_buffer_kib: Option<usize>,
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

/// The live source's settings, when an endpoint and pools are configured.
///
/// One endpoint comes from `--grpc-endpoint` (which replaces the file's endpoints) or a
/// `[yellowstone]` table; several from `[[yellowstone]]` tables. `--x-token` belongs to the
/// single endpoint only: sending one vendor's token to another would leak it.
pub(crate) fn live_settings(
    cli: &crate::cli::Cli,
    file: &FileConfig,
    tokens: &crate::tokens::TokenRegistry,
    explicit: &dyn Fn(&str) -> bool,
) -> Result<Option<crate::LiveSettings>, ConfigError> {
    use ConfigError as E;
    let pool_texts = if cli.pools.is_empty() || !explicit("pools") {
        if cli.pools.is_empty() {
            file.pools.addresses.clone()
        } else {
            cli.pools.clone()
        }
    } else {
        cli.pools.clone()
    };
    let pools = pool_addresses(&pool_texts)?;
    let sections: Vec<YellowstoneSection> = match &cli.grpc_endpoint {
        Some(endpoint) => {
            let base = file.yellowstone.0.first().cloned().unwrap_or_default();
            vec![YellowstoneSection {
                endpoint: Some(endpoint.clone()),
                ..base
            }]
        }
        None => file.yellowstone.0.clone(),
    };
    let sections: Vec<YellowstoneSection> = sections
        .into_iter()
        .filter(|s| s.endpoint.is_some())
        .collect();
    if sections.is_empty() {
        return Ok(None);
    }
    let radius = sections.first().and_then(|s| s.array_radius).unwrap_or(2);
    let discovery = crate::discovery::settings::from_file(file, tokens, radius)?;
    if pools.is_empty() && discovery.is_none() {
        return Err(E::invalid(
            "pools.addresses",
            "at least one pool (or [pools] pairs / tokens to discover) is needed for the live source",
        ));
    }
    let several = sections.len() > 1;
    if several && cli.x_token.is_some() {
        return Err(E::invalid(
            "x_token",
            "--x-token / DEXMON_X_TOKEN applies to a single endpoint; give each [[yellowstone]] its own x_token_env",
        ));
    }
    let mut endpoints = Vec::with_capacity(sections.len());
    for (i, section) in sections.iter().enumerate() {
        let key = if several {
            format!("yellowstone[{i}]")
        } else {
            "yellowstone".to_owned()
        };
        let token = if several { None } else { cli.x_token.clone() };
        let grpc = endpoint_settings(&key, section, token, cli.commitment)?;
        if endpoints
            .iter()
            .any(|e: &crate::source::yellowstone::YellowstoneConfig| e.name == grpc.name)
        {
            return Err(E::invalid(
                &format!("{key}.name"),
                format!(
                    "{:?} names two endpoints; give each a distinct name",
                    grpc.name
                ),
            ));
        }
        if let Some(first) = endpoints.first()
            && (first.commitment != grpc.commitment || first.array_radius != grpc.array_radius)
        {
            return Err(E::invalid(
                &key,
                "every endpoint must use the same commitment and array_radius: their streams are merged",
            ));
        }
        endpoints.push(grpc);
    }
    let secs = |key: &str, v: Option<u64>, default: u64| positive_secs(key, v, default);
    let rpc = match cli.rpc_url.clone().or_else(|| file.rpc.url.clone()) {
        None => None,
        Some(url) => {
            if reqwest::Url::parse(&url).is_err() {
                return Err(E::invalid("rpc.url", "not a URL"));
            }
            Some(crate::RpcSettings {
                url,
                poll_interval: secs("rpc.poll_interval_secs", file.rpc.poll_interval_secs, 5)?,
                timeout: secs("rpc.timeout_secs", file.rpc.timeout_secs, 10)?,
                max_fallback: secs("rpc.max_fallback_secs", file.rpc.max_fallback_secs, 120)?,
            })
        }
    };
    if discovery.is_some() && rpc.is_none() {
        return Err(E::invalid(
            "rpc.url",
            "pool discovery ([pools] pairs / tokens) needs an RPC endpoint",
        ));
    }
    Ok(Some(crate::LiveSettings {
        endpoints,
        rpc,
        pools,
        discovery,
    }))
}

/// Pool addresses from their base58 texts; errors name `pools.addresses[i]`.
///
/// # Errors
/// A text that is not a base58 pubkey.
pub fn pool_addresses(texts: &[String]) -> Result<Vec<decoder::Pubkey>, ConfigError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            text.trim().parse::<decoder::Pubkey>().map_err(|_| {
                ConfigError::invalid(
                    &format!("pools.addresses[{i}]"),
                    format!("{text:?} is not a base58 pubkey"),
                )
            })
        })
        .collect()
}

pub(crate) fn positive_secs(
    key: &str,
    v: Option<u64>,
    default: u64,
) -> Result<std::time::Duration, ConfigError> {
    let v = v.unwrap_or(default);
    if v == 0 {
        Err(ConfigError::invalid(key, "must be at least 1"))
    } else {
        Ok(std::time::Duration::from_secs(v))
    }
}

/// One endpoint's settings; `key` names it in errors.
fn endpoint_settings(
    key: &str,
    y: &YellowstoneSection,
    flag_token: Option<String>,
    flag_commitment: Option<Commitment>,
) -> Result<crate::source::yellowstone::YellowstoneConfig, ConfigError> {
    use ConfigError as E;
    let k = |name: &str| format!("{key}.{name}");
    let endpoint = y.endpoint.clone().unwrap_or_default();
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err(E::invalid(
            &k("endpoint"),
            format!("{endpoint:?} must start with http:// or https://"),
        ));
    }
    let mut grpc = crate::source::yellowstone::YellowstoneConfig::new(endpoint);
    if let Some(name) = &y.name {
        if name.trim().is_empty() {
            return Err(E::invalid(&k("name"), "must not be empty"));
        }
        grpc.name.clone_from(name);
    }
    let env_token = match &y.x_token_env {
        None => None,
        Some(var) => Some(std::env::var(var).map_err(|_| {
            E::invalid(
                &k("x_token_env"),
                format!("environment variable {var} is not set"),
            )
        })?),
    };
    grpc.x_token = flag_token
        .or(env_token)
        .or_else(|| y.x_token.clone())
        .map(crate::auth::Token::new);
    grpc.commitment = flag_commitment.or(y.commitment).unwrap_or(grpc.commitment);
    grpc.watchdog = positive_secs(&k("watchdog_secs"), y.watchdog_secs, 30)?;
    grpc.connect_timeout = positive_secs(&k("connect_timeout_secs"), y.connect_timeout_secs, 10)?;
    grpc.keepalive = positive_secs(&k("keepalive_secs"), y.keepalive_secs, 10)?;
    grpc.unauthorized_retry = positive_secs(
        &k("unauthorized_retry_secs"),
        y.unauthorized_retry_secs,
        300,
    )?;
    grpc.replay = y.replay.unwrap_or(true);
    let mib = y.max_decoding_message_mib.unwrap_or(64);
    if !(1..=1024).contains(&mib) {
        return Err(E::invalid(
            &k("max_decoding_message_mib"),
            "must be 1..=1024",
        ));
    }
    grpc.max_decoding_message_size = mib * 1024 * 1024;
    grpc.array_radius = y.array_radius.unwrap_or(2);
    if grpc.array_radius > 16 {
        return Err(E::invalid(&k("array_radius"), "must be 0..=16"));
    }
    grpc.backoff = y.backoff.resolve(&k("backoff"))?;
    Ok(grpc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../../../../deploy/monitor.example.toml");
        let config = FileConfig::parse(text).unwrap();
        assert_eq!(config.source.as_deref(), Some("yellowstone"));
        assert!(config.pools.addresses.len() >= 4);
        assert_eq!(config.pools.pairs, vec!["SOL/USDC".to_owned()]);
        assert_eq!(
            config.yellowstone.0[0].commitment,
            Some(Commitment::Processed)
        );
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
    fn one_table_or_several_endpoints() {
        let one = FileConfig::parse("[yellowstone]\nendpoint = \"http://a:1\"\n").unwrap();
        assert_eq!(one.yellowstone.0.len(), 1);
        let two = FileConfig::parse(
            "[[yellowstone]]\nendpoint = \"http://a:1\"\n[[yellowstone]]\nname = \"b\"\nendpoint = \"http://b:1\"\n",
        )
        .unwrap();
        assert_eq!(two.yellowstone.0.len(), 2);
        assert_eq!(two.yellowstone.0[1].name.as_deref(), Some("b"));
        let err = FileConfig::parse("[[yellowstone]]\nendpiont = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("endpiont"), "{err}");
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
