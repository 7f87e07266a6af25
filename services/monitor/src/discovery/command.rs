//! `monitor discover --pairs SOL/USDC`: one discovery round, printed as a `[pools]` section
//! to paste, each pool with its pair, program, liquidity and fee tier, and what was skipped
//! and why as comments.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Discovery, discover, settings};
use crate::MonitorError;
use crate::config::{ConfigError, FileConfig};
use crate::source::rpc::RpcClient;
use crate::tokens::TokenRegistry;
use crate::tokens::metadata::MetadataCache;

/// Runs one round for `pairs` and `tokens` (the file's `[pools]` limits and `[tokens]`
/// symbols apply) and returns the TOML.
///
/// # Errors
/// An invalid configuration or pair, no RPC endpoint, or a failed discovery (refusal
/// included).
pub async fn run(
    cli: &crate::cli::Cli,
    pairs: &[String],
    tokens: &[String],
    rpc: Option<&str>,
) -> Result<String, MonitorError> {
    let mut file = match &cli.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    file.pools.pairs = pairs.to_vec();
    file.pools.tokens = tokens.to_vec();
    let url = rpc
        .map(str::to_owned)
        .or_else(|| cli.rpc_url.clone())
        .or_else(|| file.rpc.url.clone())
        .ok_or_else(|| ConfigError::invalid("rpc", "discover needs --rpc URL or [rpc] url"))?;
    let mut registry = settings::registry(&file)?;
    let Some(settings) = settings::from_file(&file, &registry, market::DEFAULT_ARRAY_RADIUS)?
    else {
        return Err(ConfigError::invalid("pairs", "give --pairs or --tokens").into());
    };
    let client = RpcClient::new(&url, Duration::from_secs(30))
        .map_err(|e| MonitorError::Config(e.to_string()))?;
    let found = discover(&client, &settings, &registry)
        .await
        .map_err(MonitorError::Discovery)?;
    let mut metadata = MetadataCache::open(file.tokens.metadata_cache.as_deref());
    let mints: Vec<_> = found
        .kept
        .iter()
        .flat_map(|k| k.mints)
        .chain(found.skipped.iter().flat_map(|s| s.mints))
        .collect();
    if let Err(err) = metadata.fetch(&client, &mints).await {
        tracing::warn!(%err, "token metadata could not be read; symbols may be addresses");
    }
    metadata.apply(&mut registry);
    Ok(render(&found, &registry))
}

/// The `[pools]` section for `found`.
pub fn render(found: &Discovery, tokens: &TokenRegistry) -> String {
    let label = |mints: &[decoder::Pubkey; 2]| {
        let (base, quote) = tokens.orient(&mints[0], &mints[1]);
        tokens.pair_label(&base, &quote)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# dexmon pool discovery at slot {}: {} kept, {} skipped",
        found.slot,
        found.kept.len(),
        found.skipped.len()
    );
    let _ = writeln!(out, "[pools]\naddresses = [");
    for kept in &found.kept {
        let _ = writeln!(
            out,
            "    \"{}\", # {} {} {}, liquidity {:.2} {}, fee {:.4}%",
            kept.address,
            label(&kept.mints),
            kept.kind.dex(),
            kept.kind.pool_type(),
            kept.liquidity_display(),
            tokens.label(&kept.valued_in),
            kept.fee_rate * 100.0,
        );
    }
    let _ = writeln!(out, "]");
    if !found.skipped.is_empty() {
        let _ = writeln!(out, "# skipped:");
        for skipped in &found.skipped {
            let kind = skipped.kind.map_or_else(
                || "?".to_owned(),
                |k| format!("{} {}", k.dex(), k.pool_type()),
            );
            let _ = writeln!(
                out,
                "#   {} {} {}: {}",
                skipped.address,
                label(&skipped.mints),
                kind,
                skipped.reason
            );
        }
    }
    out
}
