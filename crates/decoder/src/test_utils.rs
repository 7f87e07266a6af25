//! The real mainnet account fixtures, shared by every crate's tests (feature `test-utils`).
//!
//! Fixtures live outside the repository (they are third-party data). The directory is
//! `$DEXMON_FIXTURES`, or `../shared/fixtures` relative to the workspace root. When it is
//! missing, [`fixtures_dir`] prints a notice and returns `None` so a test can skip, except under
//! `CI=true`, where it panics: CI must never pass by skipping.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rpc::{RpcAccount, WireAccount};

/// One fixture file: an account in `solana account --output json` form plus metadata.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Path relative to `accounts/`, e.g. `orca-whirlpool/HJPj....json`.
    pub file: String,
    /// The account's address, base58.
    pub pubkey: String,
    /// The account as the RPC node returned it.
    pub account: RpcAccount,
    /// The slot it was fetched at, when recorded.
    pub slot: Option<u64>,
    /// `<program>.<Account>`, matching [`crate::AccountKind::name`] (with `spl-token-2022.` for
    /// Token-2022 accounts).
    pub kind: String,
    /// The pool this account belongs to, when known.
    pub pool: Option<String>,
    /// Where the fixture came from.
    pub source: String,
    /// Golden field values from the source's own decoder, when it had any.
    pub expected: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct FixtureFile {
    pubkey: String,
    account: WireAccount,
    slot: Option<u64>,
    kind: String,
    pool: Option<String>,
    source: String,
    expected: Option<serde_json::Map<String, serde_json::Value>>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixtures directory, or `None` (with a printed notice) when it is absent outside CI.
///
/// # Panics
/// Under `CI=true` when the directory is absent.
#[allow(clippy::panic)]
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("DEXMON_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/fixtures"),
    };
    if dir.join("accounts/MANIFEST.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "fixtures not found at {} (set DEXMON_FIXTURES); CI must not skip fixture tests",
            dir.display()
        );
    }
    eprintln!(
        "NOTICE: skipping fixture test: no fixtures at {} (set DEXMON_FIXTURES)",
        dir.display()
    );
    None
}

/// Every fixture listed in `accounts/MANIFEST.tsv`, or `None` when the fixtures are absent
/// outside CI.
///
/// # Panics
/// When a listed file is missing or malformed: fixture data must load.
pub fn all_fixtures() -> Option<Vec<Fixture>> {
    Some(listed(&fixtures_dir()?, "accounts"))
}

/// Every token-metadata fixture listed in `metadata/MANIFEST.tsv` (Metaplex `Metadata`
/// accounts and Token-2022 mints with metadata extensions), or `None` when the fixtures are
/// absent outside CI. [`Fixture::file`] is relative to `metadata/`.
///
/// # Panics
/// When the manifest or a listed file is missing or malformed.
pub fn metadata_fixtures() -> Option<Vec<Fixture>> {
    Some(listed(&fixtures_dir()?, "metadata"))
}

/// The fixtures `folder/MANIFEST.tsv` lists.
#[allow(clippy::panic, clippy::expect_used)]
fn listed(dir: &Path, folder: &str) -> Vec<Fixture> {
    let manifest_path = dir.join(folder).join("MANIFEST.tsv");
    let manifest = std::fs::read_to_string(&manifest_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", manifest_path.display()));
    manifest
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let file = line
                .split('\t')
                .next()
                .expect("manifest line has a file")
                .to_owned();
            load_in(&dir.join(folder), &file)
        })
        .collect()
}

/// Loads one fixture file, by its path under `accounts/`.
///
/// # Panics
/// When the file is missing or malformed.
pub fn load(dir: &Path, file: &str) -> Fixture {
    load_in(&dir.join("accounts"), file)
}

#[allow(clippy::panic)]
fn load_in(folder: &Path, file: &str) -> Fixture {
    let path = folder.join(file);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let raw: FixtureFile =
        serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    let account = raw
        .account
        .into_account()
        .unwrap_or_else(|e| panic!("decode {}: {e}", path.display()));
    Fixture {
        file: file.to_owned(),
        pubkey: raw.pubkey,
        account,
        slot: raw.slot,
        kind: raw.kind,
        pool: raw.pool,
        source: raw.source,
        expected: raw.expected,
    }
}

/// The fixture with this pubkey (the first, if several snapshots exist).
pub fn by_pubkey<'a>(fixtures: &'a [Fixture], pubkey: &str) -> Option<&'a Fixture> {
    fixtures.iter().find(|f| f.pubkey == pubkey)
}

/// The raw bytes of `rpc/<name>`, or `None` when the fixtures are absent outside CI.
///
/// # Panics
/// When the fixtures exist but the file does not.
#[allow(clippy::panic)]
pub fn rpc_fixture(name: &str) -> Option<Vec<u8>> {
    let path = fixtures_dir()?.join("rpc").join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}
