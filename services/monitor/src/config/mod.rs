//! Configuration: the TOML file ([`file`](mod@file)), and the [`Settings`] resolved from it, the
//! environment and the command line ([`settings`]).

pub mod file;
pub mod nats;
pub mod settings;

pub use file::*;
pub use settings::{BenchPublish, LiveSettings, RpcSettings, Settings};
