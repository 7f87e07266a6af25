//! The command line. Every flag also reads a `DEXMON_*` environment variable.

use clap::{Parser, ValueEnum};

/// dexmon watches Solana DEX pools in real time and publishes every pool's price and every
/// profitable arbitrage over WebSocket, REST and a live dashboard.
///
/// With no flags it needs no network and no config, and serves http://localhost:8080.
#[derive(Debug, Clone, Parser)]
#[command(name = "monitor", version, about, long_about)]
pub struct Cli {
    /// What to do; without a command, run the monitor.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A TOML configuration file (see docs/configuration.md). Flags and their environment
    /// variables override its keys.
    #[arg(long, env = "DEXMON_CONFIG", value_name = "PATH", global = true)]
    pub config: Option<std::path::PathBuf>,

    /// Yellowstone gRPC endpoint (`http://` or `https://`), for `--source yellowstone`.
    #[arg(long, env = "DEXMON_GRPC_ENDPOINT", value_name = "URL")]
    pub grpc_endpoint: Option<String>,

    /// Yellowstone `x-token`. Never logged.
    #[arg(
        long,
        env = "DEXMON_X_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub x_token: Option<String>,

    /// Stream commitment (default `processed`).
    #[arg(long, env = "DEXMON_COMMITMENT", value_enum, value_name = "LEVEL")]
    pub commitment: Option<crate::source::yellowstone::Commitment>,

    /// JSON-RPC endpoint for the initial snapshot and fallback polling.
    #[arg(
        long,
        env = "DEXMON_RPC_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub rpc_url: Option<String>,

    /// Pool addresses to follow (comma-separated), for `--source yellowstone`.
    #[arg(
        long,
        env = "DEXMON_POOLS",
        value_delimiter = ',',
        value_name = "PUBKEY"
    )]
    pub pools: Vec<String>,

    /// Address to serve HTTP, WebSocket (/ws) and the dashboard on.
    #[arg(
        long,
        env = "DEXMON_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: String,

    /// Log filter, in `tracing` EnvFilter syntax (for example `info,monitor=debug`).
    #[arg(
        long,
        env = "DEXMON_LOG",
        default_value = "info",
        value_name = "FILTER"
    )]
    pub log: String,

    /// Where account updates come from: `simulator` (the embedded default, no network),
    /// `yellowstone` (a live Yellowstone gRPC stream; needs `--grpc-endpoint` and `--pools`)
    /// or `replay:PATH` (a file written by `--record`).
    #[arg(
        long,
        env = "DEXMON_SOURCE",
        default_value = "simulator",
        value_name = "SOURCE",
        value_parser = parse_source
    )]
    pub source: SourceArg,

    /// What this process does: `all` (the default: one process, no NATS), `ingest` (source
    /// and pipeline, publishing into NATS JetStream; serves /health, /ready and /metrics) or
    /// `edge` (serves /ws, REST and the dashboard from JetStream).
    #[arg(
        long,
        env = "DEXMON_ROLE",
        value_enum,
        default_value_t = Role::All,
        value_name = "ROLE"
    )]
    pub role: Role,

    /// NATS server(s) for `--role ingest|edge`, comma-separated (default
    /// `nats://127.0.0.1:4222`, or the file's `[nats] url`).
    #[arg(long, env = "DEXMON_NATS_URL", value_name = "URL")]
    pub nats_url: Option<String>,

    /// This node's name in NATS (leader lease, logs); default: host name and process id.
    #[arg(long, env = "DEXMON_NODE", value_name = "NAME")]
    pub node: Option<String>,

    /// Replay pace: 1 is real time, 10 is ten times faster, 0 is as fast as possible.
    #[arg(
        long,
        visible_alias = "speed",
        env = "DEXMON_REPLAY_SPEED",
        default_value_t = 1.0,
        value_name = "X"
    )]
    pub replay_speed: f64,

    /// Record every account update the pipeline receives to this file, for `replay:PATH`.
    #[arg(long, env = "DEXMON_RECORD", value_name = "PATH")]
    pub record: Option<std::path::PathBuf>,

    /// Simulator: account updates per second.
    #[arg(
        long,
        env = "DEXMON_SIM_RATE",
        default_value_t = 2_000,
        value_name = "N"
    )]
    pub sim_rate: u32,

    /// Simulator: random seed (the same seed replays the same market).
    #[arg(
        long,
        env = "DEXMON_SIM_SEED",
        default_value_t = 42,
        value_name = "SEED"
    )]
    pub sim_seed: u64,

    /// Most distinct accounts pending between the source and the pipeline.
    #[arg(
        long,
        env = "DEXMON_QUEUE_CAPACITY",
        default_value_t = crate::source::queue::DEFAULT_CAPACITY,
        value_name = "N"
    )]
    pub queue_capacity: usize,

    /// Bearer tokens accepted on `/ws` and `/api` (comma-separated). None: no authentication.
    #[arg(
        long = "api-token",
        env = "DEXMON_API_TOKENS",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub api_tokens: Vec<String>,

    /// Browser origins allowed to open `/ws`, besides pages this monitor serves; `*` for any.
    #[arg(
        long,
        env = "DEXMON_ALLOW_ORIGIN",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allow_origin: Vec<String>,

    /// Most simultaneous WebSocket connections; more are refused with 503.
    #[arg(
        long,
        env = "DEXMON_MAX_CONNECTIONS",
        default_value_t = 10_000,
        value_name = "N"
    )]
    pub max_connections: usize,

    /// Seconds between WebSocket pings; a client silent for this plus 10 s is closed (4000).
    #[arg(
        long,
        env = "DEXMON_HEARTBEAT_SECS",
        default_value_t = 25,
        value_name = "S"
    )]
    pub heartbeat_secs: u64,

    /// Inbound messages per second allowed per connection.
    #[arg(long, env = "DEXMON_WS_RATE", default_value_t = 20.0, value_name = "N")]
    pub ws_rate: f64,

    /// Inbound burst allowed per connection.
    #[arg(long, env = "DEXMON_WS_BURST", default_value_t = 40, value_name = "N")]
    pub ws_burst: u32,

    /// Seconds between `health` messages.
    #[arg(
        long,
        env = "DEXMON_HEALTH_INTERVAL_SECS",
        default_value_t = 5,
        value_name = "S"
    )]
    pub health_interval_secs: u64,

    /// For load tests only: publish this many `log` messages per second, each stamped with
    /// its publication time (`context.sent_ns`). Off (0) by default.
    #[arg(
        long,
        env = "DEXMON_BENCH_PUBLISH_RATE",
        default_value_t = 0,
        value_name = "N"
    )]
    pub bench_publish_rate: u32,

    /// For load tests only: milliseconds to wait before benchmark publishing starts.
    #[arg(
        long,
        env = "DEXMON_BENCH_PUBLISH_DELAY_MS",
        default_value_t = 0,
        value_name = "MS"
    )]
    pub bench_publish_delay_ms: u64,

    /// For load tests only: approximate size of each benchmark message, in bytes.
    #[arg(
        long,
        env = "DEXMON_BENCH_PAYLOAD",
        default_value_t = 256,
        value_name = "BYTES"
    )]
    pub bench_payload: usize,

    /// Log line format.
    #[arg(long, env = "DEXMON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Commands besides running.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Run the monitor (the default).
    Run,
    /// Run the monitor and record every account update to FILE, for `--source replay:FILE`.
    Record {
        /// The recording to write.
        #[arg(value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Read pool accounts, and everything they need, over RPC and write each as a
    /// `solana account --output json` file, for building fixtures.
    Snapshot {
        /// JSON-RPC endpoint.
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// Pool addresses (comma-separated).
        #[arg(long, value_delimiter = ',', required = true, value_name = "PUBKEY")]
        pools: Vec<String>,
        /// Directory to write `<pubkey>.json` files into.
        #[arg(long, default_value = ".", value_name = "DIR")]
        out: std::path::PathBuf,
        /// Tick or bin arrays to include on each side of a concentrated pool's price.
        #[arg(long, default_value_t = 2, value_name = "N")]
        array_radius: u32,
    },
    /// Find the pools of pairs or tokens over RPC and print them as a `[pools]` section to
    /// paste into the configuration, with liquidity and fee tier. Floors, limits and symbols
    /// come from `--config` when given.
    Discover {
        /// Pairs, as symbols or mint addresses: `SOL/USDC,JUP/SOL`.
        #[arg(long, value_delimiter = ',', value_name = "A/B")]
        pairs: Vec<String>,
        /// Mints (or symbols) to find every pool of.
        #[arg(long, value_delimiter = ',', value_name = "MINT")]
        tokens: Vec<String>,
        /// JSON-RPC endpoint (default: `--rpc-url`, then the file's `[rpc] url`).
        #[arg(long, value_name = "URL")]
        rpc: Option<String>,
    },
}

/// The `--source` choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceArg {
    Simulator,
    Replay(std::path::PathBuf),
    /// A Yellowstone gRPC stream (`--grpc-endpoint`), with RPC snapshots and fallback.
    Yellowstone,
}

pub(crate) fn parse_source(s: &str) -> Result<SourceArg, String> {
    match s.split_once(':') {
        None if s == "simulator" => Ok(SourceArg::Simulator),
        None if s == "yellowstone" => Ok(SourceArg::Yellowstone),
        Some(("replay", path)) if !path.is_empty() => Ok(SourceArg::Replay(path.into())),
        _ => Err(format!(
            "unknown source `{s}`: expected `simulator`, `yellowstone` or `replay:PATH`"
        )),
    }
}

/// A process's part in a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Everything in one process, with the in-memory hub. Needs no NATS.
    All,
    /// Source, pipeline and publish into JetStream (one leader at a time).
    Ingest,
    /// Serves clients from JetStream; stateless, run as many as needed.
    Edge,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_need_no_configuration() {
        let cli = Cli::try_parse_from(["monitor"]).unwrap();
        assert_eq!(cli.listen, "127.0.0.1:8080");
        assert_eq!(cli.log_format, LogFormat::Text);
        assert_eq!(cli.source, SourceArg::Simulator);
    }

    #[test]
    fn help_names_every_source() {
        let command = Cli::command();
        let source = command
            .get_arguments()
            .find(|a| a.get_id() == "source")
            .expect("a --source flag");
        let help = source
            .get_long_help()
            .or(source.get_help())
            .expect("--source has help")
            .to_string();
        for name in ["simulator", "yellowstone", "replay:PATH"] {
            assert!(
                help.contains(name),
                "--source help does not name {name}: {help}"
            );
        }
    }

    #[test]
    fn sources_parse_or_explain() {
        let cli = Cli::try_parse_from(["monitor", "--source", "replay:/tmp/a.rec"]).unwrap();
        assert_eq!(cli.source, SourceArg::Replay("/tmp/a.rec".into()));
        let err = Cli::try_parse_from(["monitor", "--source", "geyser"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected `simulator`, `yellowstone` or `replay:PATH`")
        );
    }
}
