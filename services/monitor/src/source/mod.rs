//! Where account updates come from. Every source yields the same [`AccountUpdate`]s into a
//! [`CoalescingQueue`], so the pipeline does not know or care which one is running.
//!
//! - [`simulator`]: the embedded default, a seeded market that writes genuine account bytes.
//! - [`replay`]: plays back a file written by `--record`, at any speed.
//! - [`yellowstone`]: Yellowstone gRPC, with RPC snapshots and polling ([`rpc`]) as fallback.

pub mod answer;
pub mod endpoint;
pub mod merge;
pub mod queue;
pub mod replay;
pub mod rpc;
pub mod simulator;
pub mod watch;
pub mod yellowstone;

use bytes::Bytes;
use decoder::Pubkey;

pub use queue::CoalescingQueue;

/// A change to the pools the live source follows, made while it runs (REST, `SIGHUP`,
/// rediscovery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolChange {
    Add(Vec<Pubkey>),
    Remove(Vec<Pubkey>),
}

/// The running source's connection state, for `/ready`, `/metrics` and health reports.
#[derive(Debug)]
pub struct SourceStatus {
    pub name: String,
    state: std::sync::Mutex<(protocol::SourceState, Option<String>)>,
    pub reconnects: std::sync::atomic::AtomicU64,
}

impl SourceStatus {
    /// A source that starts connected (the simulator and replay need no network).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            state: std::sync::Mutex::new((protocol::SourceState::Connected, None)),
            reconnects: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Sets the state and the reason it is not `connected`.
    pub fn set(&self, state: protocol::SourceState, reason: Option<String>) {
        *self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = (state, reason);
    }

    /// The state and its reason.
    pub fn get(&self) -> (protocol::SourceState, Option<String>) {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Which kind of source produced an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Yellowstone,
    Rpc,
    Replay,
    Simulator,
}

impl SourceKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Yellowstone => "yellowstone",
            Self::Rpc => "rpc",
            Self::Replay => "replay",
            Self::Simulator => "simulator",
        }
    }
}

/// One account's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    pub pubkey: Pubkey,
    pub owner: Pubkey,
    pub data: Bytes,
    pub slot: u64,
    /// Orders writes to one account within one slot (Geyser's `write_version`), when known.
    pub write_version: Option<u64>,
    /// Arrival time, [`crate::clock::monotonic_us`].
    pub received_at_us: u64,
    pub source: SourceKind,
}

impl AccountUpdate {
    /// Whether this update is newer than `other` for the same account: by slot, then by
    /// write version. Equal positions are duplicates.
    pub fn is_newer_than(&self, other: &Self) -> bool {
        (self.slot, self.write_version.unwrap_or(0))
            > (other.slot, other.write_version.unwrap_or(0))
    }
}
