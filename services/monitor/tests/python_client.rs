//! A non-Rust client: `tests/python/client_check.py` (Python `websockets` and `msgpack`)
//! against the real server, in JSON and MessagePack. `.ci/run` installs both packages.
//! Outside CI the test skips, with a notice, when they are missing; under `CI=true` it fails.

use std::process::Command;
use std::time::Duration;

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import websockets, msgpack"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_client_speaks_json_and_msgpack() {
    if !python_ready() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with websockets and msgpack is required under CI"
        );
        eprintln!(
            "NOTICE: skipping the Python client test: python3 with websockets and msgpack is not installed"
        );
        return;
    }
    let mut settings = monitor::Settings::default();
    settings.simulator.updates_per_second = 2_000;
    settings.health_interval = Duration::from_millis(500);
    let server = monitor::start(settings).await.unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/client_check.py"
    );
    let url = format!("ws://{}/ws", server.addr);
    let output =
        tokio::task::spawn_blocking(move || Command::new("python3").arg(script).arg(url).output())
            .await
            .unwrap()
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
