//! The servers under test: where their binaries are, starting them on CPU 0, and reading their
//! CPU time, memory, threads and open files from `/proc`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Target {
    Dexmon,
    Naive,
    NodeWs,
    PythonWebsockets,
}

impl Target {
    pub(crate) const ALL: [Self; 4] = [
        Self::Dexmon,
        Self::Naive,
        Self::NodeWs,
        Self::PythonWebsockets,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Dexmon => "dexmon",
            Self::Naive => "naive",
            Self::NodeWs => "node-ws",
            Self::PythonWebsockets => "python-websockets",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!("unknown target {s:?} (dexmon, naive, node-ws, python-websockets)")
            })
    }
}

/// A running server, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) pid: u32,
    pub(crate) addr: String,
    /// The WebSocket path clients connect to.
    pub(crate) path: &'static str,
}

impl Server {
    /// The server process has ended (crashed or was killed).
    pub(crate) fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

pub(crate) struct Binaries {
    pub(crate) monitor: PathBuf,
    naive: PathBuf,
    pub(crate) node_dir: PathBuf,
    python_server: PathBuf,
}

impl Binaries {
    pub(crate) fn new(root: &Path) -> Self {
        let target =
            std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
        Self {
            monitor: target.join("release/monitor"),
            naive: target.join("release/naive-broadcast"),
            node_dir: root.join("xtask/peers/node"),
            python_server: root.join("xtask/peers/python/server.py"),
        }
    }
}

/// A command that runs on CPU 0: the load client keeps CPU 1 (see [`pin_self_to_cpu_1`]).
fn on_cpu_0() -> Command {
    let mut command = Command::new("taskset");
    command.args(["-c", "0"]);
    command
}

/// Moves this process to CPU 1, away from the servers, and says where everything runs.
pub(crate) fn pin_self_to_cpu_1() -> &'static str {
    if pin(&std::process::id().to_string(), 1) {
        "server on CPU 0 (`taskset -c 0`), load client on CPU 1 (one thread)"
    } else {
        "unpinned (taskset failed): server and client share both CPUs"
    }
}

/// Moves the process or thread `id` to `cpu` with `taskset`; false when it could not.
pub(crate) fn pin(id: &str, cpu: usize) -> bool {
    Command::new("taskset")
        .args(["-cp", &cpu.to_string(), id])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Spawns `command` and waits until `addr` accepts connections.
fn launch(
    mut command: Command,
    name: &str,
    addr: String,
    path: &'static str,
) -> Result<Server, String> {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    // `taskset` execs the server, so the pid is the server's own.
    let pid = child.id();
    let server = Server {
        child,
        pid,
        addr,
        path,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&server.addr).is_err() {
        if Instant::now() > deadline {
            return Err(format!("{name} did not start listening"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

/// Starts the release monitor on CPU 0 on a free port, with `args` after `--listen`. With no
/// source flags it runs its embedded simulator.
pub(crate) fn start_monitor(bins: &Binaries, args: &[&str]) -> Result<Server, String> {
    let addr = format!("127.0.0.1:{}", free_port()?);
    let mut command = on_cpu_0();
    command
        .arg(&bins.monitor)
        .args(["--listen", &addr])
        .args(args)
        .env("DEXMON_LOG", "error");
    launch(command, Target::Dexmon.name(), addr, "/ws")
}

/// Starts a server that begins publishing `delay` after it starts, so clients connect first.
pub(crate) fn start_server(
    bins: &Binaries,
    target: Target,
    rate: u32,
    payload: usize,
    delay: Duration,
) -> Result<Server, String> {
    let (rate_s, payload_s) = (rate.to_string(), payload.to_string());
    let delay_s = delay.as_millis().to_string();
    let port = free_port()?;
    let port_s = port.to_string();
    let mut command = on_cpu_0();
    let path = match target {
        Target::Dexmon => {
            return start_monitor(
                bins,
                &[
                    "--sim-rate",
                    "100",
                    "--bench-publish-rate",
                    &rate_s,
                    "--bench-payload",
                    &payload_s,
                    "--bench-publish-delay-ms",
                    &delay_s,
                    "--max-connections",
                    "20000",
                    "--heartbeat-secs",
                    "300",
                ],
            );
        }
        Target::Naive => {
            command
                .arg(&bins.naive)
                .args([&port_s, &rate_s, &payload_s]);
            "/ws"
        }
        Target::NodeWs => {
            command
                .arg("node")
                .arg(bins.node_dir.join("server.mjs"))
                .args([&port_s, &rate_s, &payload_s, &delay_s])
                .current_dir(&bins.node_dir);
            "/"
        }
        Target::PythonWebsockets => {
            command
                .arg("python3")
                .arg(&bins.python_server)
                .args([&port_s, &rate_s, &payload_s]);
            "/"
        }
    };
    launch(command, target.name(), format!("127.0.0.1:{port}"), path)
}

/// The first number after `key` on its line of `/proc/PID/{file}`.
fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

pub(crate) fn rss_kib(pid: u32) -> u64 {
    proc_field(pid, "status", "VmRSS:").unwrap_or(0)
}

pub(crate) fn threads(pid: u32) -> u64 {
    proc_field(pid, "status", "Threads:").unwrap_or(0)
}

/// Open file descriptors: sockets, listeners, pipes, files.
pub(crate) fn open_fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count() as u64)
}

/// User plus system CPU time of a process, in nanoseconds.
pub(crate) fn cpu_ns(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime (fields 14 and 15 of stat) are the 12th and 13th after the name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    ticks * 10_000_000 // 100 ticks per second
}
