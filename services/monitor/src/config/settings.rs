//! [`Settings`]: everything the service needs to start, resolved from the built-in
//! defaults, the `--config` file, `DEXMON_*` environment variables and flags.
//!
//! One precedence rule holds for every key: a flag, then its environment variable (clap
//! reads both), then the file, then the default. Each section is validated into a checked
//! type here, before anything starts.

use std::path::PathBuf;
use std::time::Duration;

use crate::{MonitorError, auth, cex, cli, config, discovery, hub, pipeline, source, tokens, ws};

/// Everything the service needs to start; built from the command line by
/// [`Settings::from_cli`], or directly by tests and embedders.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    /// What this process does (`--role`).
    pub role: cli::Role,
    /// The JetStream deployment, for roles `ingest` and `edge`.
    pub nats: Option<config::nats::NatsSettings>,
    pub source: cli::SourceArg,
    pub replay_speed: f64,
    pub record: Option<PathBuf>,
    pub simulator: source::simulator::SimulatorConfig,
    pub queue_capacity: usize,
    pub ws: ws::WsConfig,
    pub auth: auth::Auth,
    pub history: hub::HistoryLimits,
    pub health_interval: Duration,
    /// Data older than this makes `/ready` answer 503 and counts a price as stale.
    pub stale_after: Duration,
    /// Log the SOL/USDC summary line every 5 s.
    pub summary_log: bool,
    /// The live source's endpoints and pools (`--source yellowstone`).
    pub live: Option<LiveSettings>,
    pub prices: pipeline::PriceConfig,
    /// Binance reference prices (`[cex.binance]`), when configured.
    pub binance: Option<cex::BinanceSettings>,
    /// The exchange's fee, transfer cost and book age limit for `cex_dex` (`[cex]`).
    pub cex_costs: detector::CexConfig,
    /// Load tests only: synthetic `log` messages (off by default).
    pub bench_publish: BenchPublish,
    /// Built-in and configured token symbols (on-chain ones are added while running).
    pub tokens: tokens::TokenRegistry,
    /// The `--config` file, re-read on `SIGHUP` for its `[pools]` section.
    pub config_path: Option<PathBuf>,
    /// Where on-chain token metadata is cached (`None`: in memory only).
    pub metadata_cache: Option<PathBuf>,
}

/// Load tests only: benchmark `log` messages published at a fixed rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchPublish {
    /// Messages per second; 0 turns it off.
    pub rate: u32,
    /// Payload size of each message.
    pub payload_bytes: usize,
    /// Delay before publishing starts.
    pub delay: Duration,
}

impl Default for BenchPublish {
    fn default() -> Self {
        Self {
            rate: 0,
            payload_bytes: 256,
            delay: Duration::ZERO,
        }
    }
}

/// What the live source follows and where from.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// One or more endpoints streaming the same subscription; their updates are merged.
    pub endpoints: Vec<source::yellowstone::YellowstoneConfig>,
    pub rpc: Option<RpcSettings>,
    pub pools: Vec<decoder::Pubkey>,
    /// Pairs and tokens to discover pools of (needs `rpc`).
    pub discovery: Option<discovery::DiscoverySettings>,
}

/// The RPC endpoint for snapshots and fallback polling.
#[derive(Debug, Clone)]
pub struct RpcSettings {
    pub url: String,
    pub poll_interval: Duration,
    pub timeout: Duration,
    /// How long polling may stand in for every stream before `/ready` answers 503.
    pub max_fallback: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:0".to_owned(),
            role: cli::Role::All,
            nats: None,
            source: cli::SourceArg::Simulator,
            replay_speed: 1.0,
            record: None,
            simulator: source::simulator::SimulatorConfig::default(),
            queue_capacity: source::queue::DEFAULT_CAPACITY,
            ws: ws::WsConfig::default(),
            auth: auth::Auth::default(),
            history: hub::HistoryLimits::default(),
            health_interval: Duration::from_secs(5),
            stale_after: Duration::from_secs(30),
            summary_log: false,
            live: None,
            prices: pipeline::PriceConfig::default(),
            bench_publish: BenchPublish::default(),
            tokens: tokens::TokenRegistry::default(),
            config_path: None,
            metadata_cache: None,
            binance: None,
            cex_costs: detector::CexConfig::default(),
        }
    }
}

impl Settings {
    /// The settings the command line asks for, with `--config` if given. Every command-line
    /// value counts as explicit (see [`Settings::load`] to let a file override defaults).
    ///
    /// # Errors
    /// As [`Settings::load`].
    pub fn from_cli(cli: &cli::Cli) -> Result<Self, MonitorError> {
        Self::load(cli, None)
    }

    /// Layers the built-in defaults, the `--config` file, environment variables and flags
    /// (highest last), then validates the result. `matches` tells which values were given
    /// explicitly; without it every value is.
    ///
    /// # Errors
    /// [`MonitorError::Config`] naming the key and why: an unreadable or invalid file,
    /// unknown keys, bad pool addresses, zero intervals, a live source without endpoint or
    /// pools, and values that cannot work together.
    pub fn load(cli: &cli::Cli, matches: Option<&clap::ArgMatches>) -> Result<Self, MonitorError> {
        use config::ConfigError as E;
        let file = match &cli.config {
            Some(path) => config::FileConfig::read(path)?,
            None => config::FileConfig::default(),
        };
        // A flag's value wins when it was given (flag or env); otherwise the file's, if any.
        let explicit = |id: &str| {
            matches.is_none_or(|m| {
                matches!(
                    m.value_source(id),
                    Some(
                        clap::parser::ValueSource::CommandLine
                            | clap::parser::ValueSource::EnvVariable
                    )
                )
            })
        };
        macro_rules! pick {
            ($id:literal, $cli:expr, $file:expr) => {
                match $file {
                    Some(v) if !explicit($id) => v,
                    _ => $cli,
                }
            };
        }
        let positive = |key: &str, secs: u64| {
            if secs == 0 {
                Err(E::invalid(key, "must be at least 1"))
            } else {
                Ok(Duration::from_secs(secs))
            }
        };

        let source = match file.source.as_deref() {
            Some(text) if !explicit("source") => {
                cli::parse_source(text).map_err(|e| E::invalid("source", e))?
            }
            _ => cli.source.clone(),
        };
        let ws_section = &file.ws;
        let ws = ws::WsConfig {
            max_connections: pick!(
                "max_connections",
                cli.max_connections,
                ws_section.max_connections
            ),
            heartbeat: positive(
                "ws.heartbeat_secs",
                pick!(
                    "heartbeat_secs",
                    cli.heartbeat_secs,
                    ws_section.heartbeat_secs
                ),
            )?,
            rate_per_second: pick!("ws_rate", cli.ws_rate, ws_section.rate),
            rate_burst: pick!("ws_burst", cli.ws_burst, ws_section.burst),
            max_alerts: ws_section
                .max_alerts
                .unwrap_or(ws::WsConfig::default().max_alerts),
            send_buffer: match ws_section.send_buffer_kib {
                None => ws::WsConfig::default().send_buffer,
                Some(0) => None,
                Some(kib) if !(4..=1024 * 1024).contains(&kib) => {
                    return Err(E::invalid(
                        "ws.send_buffer_kib",
                        "must be 0 (the kernel's autotuning) or 4 to 1048576",
                    )
                    .into());
                }
                Some(kib) => Some(kib * 1024),
            },
            ..ws::WsConfig::default()
        };
        ws::rate_limit::TokenBucket::new(ws.rate_per_second, ws.rate_burst, 0)
            .map_err(|e| E::invalid("ws.rate", e.to_string()))?;
        let allow_origin = pick!(
            "allow_origin",
            cli.allow_origin.clone(),
            ws_section.allow_origin.clone()
        );
        let origins = if allow_origin.iter().any(|o| o == "*") {
            auth::OriginPolicy::Any
        } else if allow_origin.is_empty() {
            auth::OriginPolicy::SameHost
        } else {
            auth::OriginPolicy::List(allow_origin)
        };
        let tokens = cli
            .api_tokens
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(auth::Token::new)
            .collect();

        let prices = pipeline::PriceConfig {
            min_move: file.prices.min_move_pct.map_or(0.0001, |pct| pct / 100.0),
            refresh_us: file
                .prices
                .refresh_ms
                .map_or(1_000_000, |ms| ms.saturating_mul(1_000)),
        };
        if !(prices.min_move.is_finite() && prices.min_move >= 0.0) {
            return Err(E::invalid("prices.min_move_pct", "must be a number >= 0").into());
        }
        if prices.refresh_us == 0 {
            return Err(E::invalid("prices.refresh_ms", "must be at least 1").into());
        }

        let token_registry = discovery::settings::registry(&file)?;
        let live = config::live_settings(cli, &file, &token_registry, &explicit)?;
        if source == cli::SourceArg::Yellowstone && live.is_none() {
            return Err(E::invalid(
                "yellowstone.endpoint",
                "the yellowstone source needs an endpoint (--grpc-endpoint) and at least one pool (--pools)",
            )
            .into());
        }
        let sim_rate = pick!("sim_rate", cli.sim_rate, file.simulator.rate);
        if sim_rate == 0 {
            return Err(E::invalid("simulator.rate", "must be at least 1").into());
        }
        let queue_capacity = pick!("queue_capacity", cli.queue_capacity, file.queue_capacity);
        if queue_capacity == 0 {
            return Err(E::invalid("queue_capacity", "must be at least 1").into());
        }
        let record = match &cli.command {
            Some(cli::Command::Record { out }) => Some(out.clone()),
            _ => cli.record.clone(),
        };
        let metadata_cache = file.tokens.metadata_cache.clone().or_else(|| {
            let dir = record
                .as_ref()
                .and_then(|r| r.parent())
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            Some(dir.join("token-metadata.json"))
        });
        let role = match file.role.as_deref() {
            Some(text) if !explicit("role") => <cli::Role as clap::ValueEnum>::from_str(text, true)
                .map_err(|_| {
                    E::invalid("role", format!("{text:?}: expected all, ingest or edge"))
                })?,
            _ => cli.role,
        };
        // `all` needs no NATS and reads none of `[nats]`.
        let nats = match role {
            cli::Role::All => None,
            cli::Role::Ingest | cli::Role::Edge => Some(
                file.nats
                    .resolve(cli.nats_url.as_deref(), cli.node.as_deref())?,
            ),
        };
        Ok(Self {
            listen: pick!("listen", cli.listen.clone(), file.listen.clone()),
            role,
            nats,
            source,
            replay_speed: cli.replay_speed,
            record,
            tokens: token_registry,
            config_path: cli.config.clone(),
            metadata_cache,
            simulator: source::simulator::SimulatorConfig {
                seed: pick!("sim_seed", cli.sim_seed, file.simulator.seed),
                updates_per_second: sim_rate,
                ..Default::default()
            },
            queue_capacity,
            ws,
            auth: auth::Auth { tokens, origins },
            health_interval: positive(
                "health_interval_secs",
                pick!(
                    "health_interval_secs",
                    cli.health_interval_secs,
                    file.health_interval_secs
                ),
            )?,
            summary_log: true,
            live,
            prices,
            binance: cex::config::binance_settings(&file.cex)?,
            cex_costs: cex::config::cex_costs(&file.cex)?,
            bench_publish: BenchPublish {
                rate: cli.bench_publish_rate,
                payload_bytes: cli.bench_payload,
                delay: Duration::from_millis(cli.bench_publish_delay_ms),
            },
            ..Self::default()
        })
    }
}
