//! The real `monitor` binary as a process: it starts with no configuration, serves
//! `GET /health`, and exits cleanly on Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Starts the monitor on an ephemeral port and returns it with the address it logged.
fn start() -> (Child, String, mpsc::Receiver<String>) {
    start_with(&[])
}

fn start_with(extra: &[&str]) -> (Child, String, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_monitor"))
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env_remove("DEXMON_LISTEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn monitor");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("monitor logged nothing");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    (child, addr, rx)
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    response
}

#[test]
fn serves_health_and_shuts_down_on_ctrl_c() {
    let (mut child, addr, logs) = start();
    let response = http_get(&addr, "/health");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""status":"ok""#), "{response}");

    interrupt(&mut child);
    let rest: Vec<String> = logs.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("shut down cleanly")),
        "{rest:#?}"
    );
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_monitor"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "DEXMON_LISTEN",
        "--log",
        "--log-format",
        "--version",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
}

#[test]
fn bad_listen_address_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_monitor"))
        .args(["--listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot listen on not-an-address"),
        "{stderr}"
    );
}

fn interrupt(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "monitor exited with {exit}");
}

/// Waits for a log line containing `needle`, returning it.
fn wait_for(logs: &mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if let Ok(line) = logs.recv_timeout(Duration::from_secs(1))
            && line.contains(needle)
        {
            return line;
        }
    }
    panic!("no log line containing {needle:?}");
}

#[test]
fn a_recorded_session_replays() {
    let dir = std::env::temp_dir().join(format!("dexmon-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.rec");
    let file_arg = file.to_str().unwrap();

    let (mut child, _addr, logs) = start_with(&["--sim-rate", "5000", "record", file_arg]);
    wait_for(&logs, "opportunity opened");
    interrupt(&mut child);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 10_000, "recording is {size} bytes");

    let source = format!("replay:{file_arg}");
    let (mut child, _addr, logs) = start_with(&["--source", &source, "--speed", "10"]);
    let line = wait_for(&logs, "replay finished");
    let batches: u64 = line
        .split("batches=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("batch count");
    assert!(batches > 10, "{line}");
    interrupt(&mut child);
    std::fs::remove_dir_all(&dir).unwrap();
}
