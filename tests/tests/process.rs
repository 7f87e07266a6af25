//! The real `monitor` binary as a process: it starts with no configuration, serves
//! `GET /health`, exits cleanly on Ctrl-C (SIGINT), explains bad flags, and records a
//! session that it can replay.

use std::process::Command;
use std::time::Duration;

use dexmon_tests::process::{Monitor, monitor_bin};
use dexmon_tests::{TempDir, http};

#[test]
fn serves_health_and_shuts_down_on_ctrl_c() {
    let monitor = Monitor::start("monitor", &[]);
    let (status, body) = http::get(&monitor.addr, "/health").expect("an answer");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""status":"ok""#), "{body}");
    // At once, before anything else: the handlers are installed before the server answers.
    let logs = {
        let mut monitor = monitor;
        let pid = monitor.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let exit = monitor.child.wait().expect("wait");
        // The reader thread may still be copying the last lines.
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            exit.success(),
            "monitor exited with {exit}:\n{}",
            monitor.log_tail()
        );
        monitor.logs()
    };
    assert!(
        logs.iter().any(|l| l.contains("shut down cleanly")),
        "{logs:#?}"
    );
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(monitor_bin()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "DEXMON_LISTEN",
        "--log",
        "--log-format",
        "--role",
        "DEXMON_ROLE",
        "--nats-url",
        "--node",
        "--version",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
}

#[test]
fn bad_listen_address_is_a_clear_error() {
    let out = Command::new(monitor_bin())
        .args(["--listen", "not-an-address"])
        .env_remove("DEXMON_LISTEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot listen on not-an-address"),
        "{stderr}"
    );
}

#[test]
fn a_role_needing_nats_names_a_bad_nats_key() {
    let dir = TempDir::new("bad-nats");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[nats]\nreplicas = 9\n").unwrap();
    let out = Command::new(monitor_bin())
        .args(["--role", "edge", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nats.replicas"), "{stderr}");
}

#[test]
fn a_recorded_session_replays() {
    let dir = TempDir::new("rec");
    let file = dir.path().join("session.rec");
    let file_arg = file.to_str().unwrap();

    let mut recording = Monitor::start("record", &["--sim-rate", "5000", "record", file_arg]);
    recording.wait_for_log("opportunity opened", Duration::from_secs(60));
    recording.interrupt();
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 10_000, "recording is {size} bytes");

    let source = format!("replay:{file_arg}");
    let mut replay = Monitor::start("replay", &["--source", &source, "--speed", "10"]);
    let line = replay.wait_for_log("replay finished", Duration::from_secs(60));
    let batches: u64 = line
        .split("batches=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("batch count");
    assert!(batches > 10, "{line}");
    replay.interrupt();
}
