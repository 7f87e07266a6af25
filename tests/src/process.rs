//! The real `monitor` binary as a process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

/// The `monitor` binary of this workspace, built (once per test process) so that it is
/// never stale: this package cannot depend on another package's binary directly.
pub fn monitor_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = Command::new(cargo)
            .current_dir(&root)
            .args(["build", "--quiet", "-p", "monitor", "--bin", "monitor"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p monitor failed");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let bin = target.join("debug").join("monitor");
        assert!(bin.exists(), "{} was not built", bin.display());
        bin
    })
    .clone()
}

/// A running `monitor` process; killed when dropped.
#[derive(Debug)]
pub struct Monitor {
    pub name: String,
    pub child: Child,
    /// Where it serves HTTP, as it logged.
    pub addr: String,
    logs: mpsc::Receiver<String>,
    /// Every line so far, for failure messages.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Monitor {
    /// Starts `monitor` with `args` (and `--listen 127.0.0.1:0` unless given) and waits for
    /// the address it logs.
    pub fn start(name: &str, args: &[&str]) -> Self {
        let mut command = Command::new(monitor_bin());
        if !args.contains(&"--listen") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = command
            .args(args)
            .env_remove("DEXMON_LISTEN")
            .env("DEXMON_LOG", "info,async_nats=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn monitor");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, logs) = mpsc::channel();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let keep = seen.clone();
        let label = name.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("DEXMON_TEST_LOGS").is_some() {
                    eprintln!("[{label}] {line}");
                }
                if let Ok(mut seen) = keep.lock() {
                    seen.push(line.clone());
                }
                let _ = tx.send(line);
            }
        });
        let mut monitor = Self {
            name: name.to_owned(),
            child,
            addr: String::new(),
            logs,
            seen,
        };
        let line = monitor.wait_for_log("addr=", Duration::from_secs(60));
        monitor.addr = line
            .split("addr=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("address")
            .to_owned();
        monitor
    }

    /// Waits for a log line containing `needle`, returning it.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(line) = self.logs.recv_timeout(Duration::from_millis(200))
                && line.contains(needle)
            {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited with {status} before logging {needle:?}:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
        }
        panic!(
            "{}: no log line containing {needle:?}:\n{}",
            self.name,
            self.log_tail()
        );
    }

    /// The last 40 log lines.
    pub fn log_tail(&self) -> String {
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        seen[seen.len().saturating_sub(40)..].join("\n")
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sends SIGINT and waits for a clean exit.
    pub fn interrupt(mut self) {
        self.signal("-INT");
        let exit = self.child.wait().expect("wait");
        assert!(
            exit.success(),
            "{} exited with {exit}:\n{}",
            self.name,
            self.log_tail()
        );
    }

    /// Kills the process at once (SIGKILL): no clean shutdown, no lease released.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
