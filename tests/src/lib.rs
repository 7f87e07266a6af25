//! Helpers for dexmon's cross-process tests (in `tests/tests/`): the real `monitor` binary
//! as a process, a real `nats-server` on loopback, one "wait until" helper and one
//! WebSocket client.
//!
//! - [`process`]: builds and starts `monitor`, reads its logs, stops it with a signal.
//! - [`nats`]: starts `nats-server -js` on a free port with a store directory, restarts it.
//! - [`wait`]: polls a condition until it holds or a deadline passes.
//! - [`ws`]: a `dexmon.v1` WebSocket client that decodes every frame.
//! - [`http`]: a minimal blocking HTTP GET.

pub mod http;
pub mod nats;
pub mod process;
pub mod wait;
pub mod ws;

/// A fresh directory under the system temp dir, removed when dropped.
#[derive(Debug)]
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "dexmon-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether a program runs (`program --version`), for tests that need it.
pub fn installed(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Skips (returns true, with a notice) when `what` is missing outside CI; fails under
/// `CI=true`, where `.ci/run` installs everything.
pub fn skip_without(available: bool, what: &str) -> bool {
    if available {
        return false;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} is required under CI (.ci/run installs it)"
    );
    eprintln!("NOTICE: skipping: {what} is not installed (`bash .ci/run` installs it)");
    true
}
