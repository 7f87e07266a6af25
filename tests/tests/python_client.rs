//! A non-Rust client: `tests/python/client_check.py` (Python `websockets` and `msgpack`)
//! against the real `monitor` process, in JSON and MessagePack. `.ci/run` installs both
//! packages. Outside CI the test skips, with a notice, when they are missing; under
//! `CI=true` it fails.

use std::process::Command;

use dexmon_tests::process::Monitor;
use dexmon_tests::skip_without;

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import websockets, msgpack"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_python_client_speaks_json_and_msgpack() {
    if skip_without(python_ready(), "python3 with websockets and msgpack") {
        return;
    }
    let server = Monitor::start(
        "monitor",
        &["--sim-rate", "2000", "--health-interval-secs", "1"],
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/client_check.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(format!("ws://{}/ws", server.addr))
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python client failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("json: connected") && stdout.contains("msgpack: connected"),
        "{stdout}"
    );
    println!("{stdout}");
}
