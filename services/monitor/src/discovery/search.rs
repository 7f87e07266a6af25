//! The `getProgramAccounts` searches: for each target, each pool program and each mint order,
//! the decoder's filters with a `dataSlice` over the two mints only; at most
//! `concurrency` calls in flight, retried with backoff on errors and 429s.

use std::collections::BTreeMap;

use decoder::Pubkey;
use decoder::discovery::{AccountFilter, POOL_LAYOUTS, PoolLayout};
use futures::StreamExt;

use super::{DiscoveryError, DiscoverySettings, Target};
use crate::source::rpc::{RpcClient, RpcError};

/// A pool the searches found: its program's layout, its mints and the target it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub address: Pubkey,
    pub layout: &'static PoolLayout,
    pub mints: [Pubkey; 2],
    pub target: Target,
}

/// One search: a program, its filters, and the target they serve.
#[derive(Debug, Clone)]
struct Search {
    layout: &'static PoolLayout,
    filters: Vec<AccountFilter>,
    target: Target,
}

fn searches(targets: &[Target]) -> Vec<Search> {
    let mut all = Vec::new();
    for target in targets {
        for layout in &POOL_LAYOUTS {
            let filters = match target {
                Target::Pair([a, b]) => layout.pair_filters(a, b),
                Target::Token(m) => layout.token_filters(m),
            };
            all.extend(filters.into_iter().map(|filters| Search {
                layout,
                filters,
                target: *target,
            }));
        }
    }
    all
}

/// Runs every search and returns the pools found, each once (the first target that found
/// it wins).
///
/// # Errors
/// As [`super::discover`].
pub async fn candidates(
    rpc: &RpcClient,
    settings: &DiscoverySettings,
) -> Result<Vec<Candidate>, DiscoveryError> {
    let mut results = std::pin::pin!(
        futures::stream::iter(searches(&settings.targets))
            .map(|search| run_one(rpc, settings, search))
            .buffer_unordered(settings.concurrency.max(1))
    );
    let mut found = BTreeMap::new();
    // The first failure ends the round: searches not yet started are never sent.
    while let Some(result) = results.next().await {
        for candidate in result? {
            found.entry(candidate.address).or_insert(candidate);
        }
    }
    Ok(found.into_values().collect())
}

/// One search, retried with backoff; a refusal ends discovery at once.
async fn run_one(
    rpc: &RpcClient,
    settings: &DiscoverySettings,
    search: Search,
) -> Result<Vec<Candidate>, DiscoveryError> {
    use rand::SeedableRng as _;
    let mut backoff = settings.backoff.clone();
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let layout = search.layout;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let err: RpcError = match rpc
            .get_program_accounts(&layout.program.id(), &search.filters, layout.mint_slice())
            .await
        {
            Ok(answer) => {
                metrics::counter!("dexmon_discovery_searches_total", "result" => "ok").increment(1);
                return Ok(answer
                    .accounts
                    .into_iter()
                    .filter_map(|keyed| {
                        // A provider that ignored a filter must not smuggle in other pools.
                        let mints = layout.mints_in_slice(&keyed.account.data).ok()?;
                        (keyed.account.owner == layout.program.id()
                            && search.target.accepts(&mints))
                        .then_some(Candidate {
                            address: keyed.pubkey,
                            layout,
                            mints,
                            target: search.target,
                        })
                    })
                    .collect());
            }
            Err(err) => err,
        };
        if err.is_refusal() {
            metrics::counter!("dexmon_discovery_searches_total", "result" => "refused")
                .increment(1);
            return Err(DiscoveryError::Refused(err));
        }
        let label = if err.is_rate_limited() {
            "rate_limited"
        } else {
            "error"
        };
        metrics::counter!("dexmon_discovery_searches_total", "result" => label).increment(1);
        if attempt >= settings.attempts.max(1) {
            return Err(DiscoveryError::Rpc(err));
        }
        let delay = backoff.next_delay(&mut rng);
        tracing::warn!(
            program = %layout.program,
            %err,
            attempt,
            retry_in = ?delay,
            "getProgramAccounts failed; backing off"
        );
        tokio::time::sleep(delay).await;
    }
}
