//! `monitor snapshot`: reads pools, and everything they need, over RPC and writes each
//! account as a `solana account --output json` file, plus the `slot`, `kind`, `pool` and
//! `source` fields and a `MANIFEST.tsv` in the layout of the project's own fixtures, so the
//! files work with `DEXMON_FIXTURES` as they are.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use decoder::{Pubkey, decode_account};

use crate::source::rpc::{AccountsRead, RpcClient, redact_url, snapshot};
use crate::source::watch::Watchlist;

/// What the snapshot wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotReport {
    pub slot: u64,
    pub written: Vec<PathBuf>,
    pub missing: Vec<Pubkey>,
}

/// Why a snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("invalid pool address {0:?}")]
    Pool(String),
    #[error(transparent)]
    Rpc(#[from] crate::source::rpc::RpcError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Reads `pools` and their dependencies from `rpc_url` and writes them under `out`.
///
/// # Errors
/// A bad pool address, an RPC failure, or a file that cannot be written.
pub async fn run(
    rpc_url: &str,
    pools: &[String],
    out: &Path,
    array_radius: u32,
) -> Result<SnapshotReport, SnapshotError> {
    let keys = pools
        .iter()
        .map(|p| {
            p.trim()
                .parse::<Pubkey>()
                .map_err(|_| SnapshotError::Pool(p.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rpc = RpcClient::new(rpc_url, Duration::from_secs(30))?;
    let mut watch = Watchlist::new(keys, array_radius);
    let read = snapshot(&rpc, &mut watch, None).await?;
    write(&read, &watch, out, &redact_url(rpc_url))
}

/// Writes a read to `out`: one file per account and a manifest.
///
/// # Errors
/// A file that cannot be written.
pub fn write(
    read: &AccountsRead,
    watch: &Watchlist,
    out: &Path,
    source: &str,
) -> Result<SnapshotReport, SnapshotError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SnapshotError::Write { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut manifest = String::from("file\tpubkey\tkind\tbytes\tpool\tslot\tsource\n");
    let mut written = Vec::new();
    for (update, meta) in read.updates.iter().zip(&read.meta) {
        let kind = decode_account(&update.owner, &update.data)
            .map_or_else(|_| "unknown".to_owned(), |d| d.kind().name().to_owned());
        let pool = watch
            .pool_of(&update.pubkey)
            .filter(|p| *p != update.pubkey)
            .map_or_else(|| "-".to_owned(), |p| p.to_string());
        let json = serde_json::json!({
            "pubkey": update.pubkey.to_string(),
            "account": {
                "lamports": meta.lamports,
                "data": [base64::engine::general_purpose::STANDARD.encode(&update.data), "base64"],
                "owner": update.owner.to_string(),
                "executable": meta.executable,
                "rentEpoch": meta.rent_epoch,
                "space": update.data.len(),
            },
            "slot": update.slot,
            "kind": kind,
            "pool": if pool == "-" { serde_json::Value::Null } else { pool.clone().into() },
            "source": source,
        });
        let file = format!("{}.json", update.pubkey);
        let path = out.join(&file);
        let text = serde_json::to_string_pretty(&json).unwrap_or_default();
        std::fs::write(&path, text + "\n").map_err(io(&path))?;
        let _ = writeln!(
            manifest,
            "{file}\t{}\t{kind}\t{}\t{pool}\t{}\t{source}",
            update.pubkey,
            update.data.len(),
            update.slot
        );
        written.push(path);
    }
    let path = out.join("MANIFEST.tsv");
    std::fs::write(&path, manifest).map_err(io(&path))?;
    Ok(SnapshotReport {
        slot: read.slot,
        written,
        missing: read.missing.clone(),
    })
}
