//! Configuration: the TOML file, its precedence under environment variables and flags, the
//! errors bad values get, and the `snapshot` command end to end.

mod support;

use std::process::Command;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use monitor::Settings;
use monitor::cli::{Cli, SourceArg};

fn write_config(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dexmon-config-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("monitor.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Settings as `main` builds them: the parsed flags and which of them were given.
fn load(args: &[&str]) -> Result<Settings, monitor::MonitorError> {
    let matches = Cli::command()
        .try_get_matches_from(std::iter::once("monitor").chain(args.iter().copied()))
        .unwrap();
    let cli = Cli::from_arg_matches(&matches).unwrap();
    Settings::load(&cli, Some(&matches))
}

fn error_text(err: &monitor::MonitorError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

const LIVE: &str = r#"
listen = "127.0.0.1:9999"
source = "yellowstone"
queue_capacity = 1234

[yellowstone]
endpoint = "https://grpc.example.com"
x_token = "from-the-file"
commitment = "confirmed"
watchdog_secs = 12

[rpc]
url = "https://rpc.example.com/?api-key=secret"
poll_interval_secs = 7

[pools]
addresses = ["58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2", "Czfq3xZZDmsdGdUyrNLtRhGc47cXcZtLG4crryfu44zE"]

[prices]
min_move_pct = 0.05
refresh_ms = 250

[ws]
send_buffer_kib = 64
"#;

#[test]
fn the_file_fills_what_flags_do_not_say() {
    let path = write_config("fills", LIVE);
    let s = load(&["--config", path.to_str().unwrap()]).unwrap();
    assert_eq!(s.listen, "127.0.0.1:9999");
    assert_eq!(s.source, SourceArg::Yellowstone);
    assert_eq!(s.queue_capacity, 1234);
    let live = s.live.unwrap();
    assert_eq!(live.pools.len(), 2);
    assert_eq!(live.endpoints[0].watchdog, Duration::from_secs(12));
    assert_eq!(
        live.endpoints[0].commitment,
        monitor::source::yellowstone::Commitment::Confirmed
    );
    assert_eq!(
        live.endpoints[0].max_decoding_message_size,
        64 * 1024 * 1024
    );
    assert!(format!("{:?}", live.endpoints[0].x_token).contains("redacted"));
    assert_eq!(live.rpc.unwrap().poll_interval, Duration::from_secs(7));
    assert!((s.prices.min_move - 0.0005).abs() < 1e-12);
    assert_eq!(s.prices.refresh_us, 250_000);
    assert_eq!(s.ws.send_buffer, Some(64 * 1024));
    let kernel = write_config("kernel-buffer", "[ws]\nsend_buffer_kib = 0\n");
    let s = load(&["--config", kernel.to_str().unwrap()]).unwrap();
    assert_eq!(s.ws.send_buffer, None, "0 leaves the buffer to the kernel");
}

#[test]
fn flags_override_the_file() {
    let path = write_config("flags", LIVE);
    let s = load(&[
        "--config",
        path.to_str().unwrap(),
        "--listen",
        "127.0.0.1:7777",
        "--queue-capacity",
        "99",
        "--pools",
        "HJPjoWUrhoZzkNfRpHuieeFk9WcZWjwy6PBjZ81ngndJ",
        "--commitment",
        "finalized",
    ])
    .unwrap();
    assert_eq!(s.listen, "127.0.0.1:7777");
    assert_eq!(s.queue_capacity, 99);
    let live = s.live.unwrap();
    assert_eq!(live.pools.len(), 1);
    assert_eq!(
        live.endpoints[0].commitment,
        monitor::source::yellowstone::Commitment::Finalized
    );
}

const TWO_PROVIDERS: &str = r#"
source = "yellowstone"

[[yellowstone]]
name = "vendor-a"
endpoint = "https://a.example.com"
x_token_env = "PATH"

[[yellowstone]]
endpoint = "https://b.example.com:10000"
x_token = "b-token"
unauthorized_retry_secs = 60
replay = false
backoff = { initial_ms = 200, cap_secs = 5 }

[rpc]
url = "https://rpc.example.com"
max_fallback_secs = 30

[pools]
addresses = ["58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2"]
"#;

/// `[[yellowstone]]` gives several endpoints, each with its own name, token, backoff and
/// replay setting; the single-endpoint flags cannot silently hand one vendor's token to all.
#[test]
fn several_endpoints_each_with_their_own_settings() {
    // Setting a variable needs `unsafe` (forbidden here), so a variable every process has
    // stands in for the vendor's token variable.
    let path_var = std::env::var("PATH").unwrap();
    let path = write_config("two", TWO_PROVIDERS);
    let s = load(&["--config", path.to_str().unwrap()]).unwrap();
    let live = s.live.unwrap();
    let names: Vec<&str> = live.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["vendor-a", "b.example.com:10000"]);
    assert_eq!(
        live.endpoints[0].x_token.as_ref().unwrap().expose(),
        path_var
    );
    assert_eq!(
        live.endpoints[1].x_token.as_ref().unwrap().expose(),
        "b-token"
    );
    assert!(live.endpoints[0].replay && !live.endpoints[1].replay);
    assert_eq!(
        live.endpoints[1].unauthorized_retry,
        Duration::from_secs(60)
    );
    assert_eq!(
        live.endpoints[0].unauthorized_retry,
        Duration::from_secs(300)
    );
    assert_eq!(
        live.endpoints[1].backoff.ceiling(),
        Duration::from_millis(200)
    );
    assert_eq!(live.rpc.unwrap().max_fallback, Duration::from_secs(30));

    let err = load(&["--config", path.to_str().unwrap(), "--x-token", "t"]).unwrap_err();
    assert!(error_text(&err).contains("x_token"), "{}", error_text(&err));
    // The flag endpoint replaces the file's list: one endpoint, which may take the flag token.
    let one = load(&[
        "--config",
        path.to_str().unwrap(),
        "--grpc-endpoint",
        "http://127.0.0.1:1",
        "--x-token",
        "t",
    ])
    .unwrap();
    assert_eq!(one.live.unwrap().endpoints.len(), 1);

    for (i, (text, key)) in [
        (
            TWO_PROVIDERS.replace("unauthorized_retry_secs = 60", "commitment = \"finalized\""),
            "same commitment",
        ),
        (
            TWO_PROVIDERS.replace("x_token = \"b-token\"", "name = \"vendor-a\""),
            "yellowstone[1].name",
        ),
        (
            TWO_PROVIDERS.replace(
                "x_token_env = \"PATH\"",
                "x_token_env = \"DEXMON_TEST_UNSET_TOKEN\"",
            ),
            "yellowstone[0].x_token_env",
        ),
    ]
    .iter()
    .enumerate()
    {
        let path = write_config(&format!("two-bad{i}"), text);
        let err = load(&["--config", path.to_str().unwrap()]).unwrap_err();
        assert!(
            error_text(&err).contains(key),
            "case {i}: {}",
            error_text(&err)
        );
    }
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (
            "[pools]\naddresses = [\"not-a-key\"]\n[yellowstone]\nendpoint = \"http://x\"\n",
            "pools.addresses[0]",
        ),
        (
            "[yellowstone]\nendpoint = \"grpc.example.com\"\n[pools]\naddresses = [\"58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2\"]\n",
            "yellowstone.endpoint",
        ),
        ("source = \"yellowstone\"\n", "yellowstone.endpoint"),
        (
            "[yellowstone]\nendpoint = \"http://x\"\n",
            "pools.addresses",
        ),
        (
            "[rpc]\npoll_interval_secs = 0\n[yellowstone]\nendpoint = \"http://x\"\n[pools]\naddresses = [\"58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2\"]\n",
            "",
        ),
        ("[prices]\nrefresh_ms = 0\n", "prices.refresh_ms"),
        ("[ws]\nrate = 0.0\n", "ws.rate"),
        ("[ws]\nsend_buffer_kib = 2\n", "ws.send_buffer_kib"),
        ("[yellowstone]\nendpiont = \"http://x\"\n", "endpiont"),
        ("source = \"carrier-pigeon\"\n", "source"),
        ("this is not toml", "monitor.toml"),
    ];
    for (i, (text, key)) in cases.iter().enumerate() {
        let path = write_config(&format!("bad{i}"), text);
        let err = load(&["--config", path.to_str().unwrap()]);
        if i == 4 {
            // no rpc url, so the poll interval is never used: still valid
            assert!(err.is_ok(), "case {i}");
            continue;
        }
        let text = error_text(&err.expect_err(&format!("case {i} must fail")));
        assert!(text.contains(key), "case {i}: {text}");
    }
    let err = load(&["--config", "/nonexistent/monitor.toml"]).unwrap_err();
    assert!(error_text(&err).contains("/nonexistent/monitor.toml"));
}

/// The real binary: environment variables beat the file, and a bad file stops it with a
/// clear message and a failing exit code.
#[test]
fn the_binary_reports_bad_config_and_honours_env() {
    let bad = write_config(
        "binary-bad",
        "[pools]\naddresses = [\"nope\"]\n[yellowstone]\nendpoint = \"http://127.0.0.1:1\"\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_monitor"))
        .args(["--config", bad.to_str().unwrap()])
        .env_remove("DEXMON_POOLS")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pools.addresses[0]") && stderr.contains("\"nope\""),
        "{stderr}"
    );

    // The env var replaces the file's bad pool list, so the same file now works far enough
    // to fail on something else entirely: the listen address the file gives.
    let file = write_config("binary-env", "listen = \"256.0.0.1:1\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_monitor"))
        .args(["--config", file.to_str().unwrap()])
        .env("DEXMON_LISTEN", "127.0.0.1:bad-port")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("127.0.0.1:bad-port"),
        "env wins over the file: {stderr}"
    );
}

/// `monitor snapshot` against an RPC stub serving real fixture accounts writes files the
/// fixture loader reads back byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_writes_fixture_files() {
    let Some(accounts) = support::geyser::fixture_accounts() else {
        return;
    };
    let rpc = support::geyser::RpcStub::start(&accounts, 321).await;
    // The Whirlpool whose vaults, mints and arrays the fixtures hold most of.
    let present = |k: &decoder::Pubkey| accounts.iter().any(|a| a.pubkey == *k);
    let pool = accounts
        .iter()
        .filter(|a| a.kind == "orca-whirlpool.Whirlpool")
        .max_by_key(|a| {
            let pool = market::Pool::with_array_radius(a.pubkey, &a.owner, &a.data, 2).unwrap();
            pool.accounts_to_update()
                .iter()
                .filter(|k| present(k))
                .count()
        })
        .unwrap();
    let out = std::env::temp_dir().join(format!("dexmon-snapshot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut command = Command::new(env!("CARGO_BIN_EXE_monitor"));
    command
        .args([
            "snapshot",
            "--rpc",
            &rpc.url(),
            "--pools",
            &pool.pubkey.to_string(),
        ])
        .args(["--out", out.join("accounts").to_str().unwrap()]);
    // The stub runs on this test's runtime: wait for the process off it.
    let status = tokio::task::spawn_blocking(move || command.status().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    let manifest = std::fs::read_to_string(out.join("accounts/MANIFEST.tsv")).unwrap();
    assert!(manifest.contains("orca-whirlpool.Whirlpool"), "{manifest}");
    let file = out.join(format!("accounts/{}.json", pool.pubkey));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(json["slot"], 321);
    let account: decoder::rpc::WireAccount =
        serde_json::from_value(json["account"].clone()).unwrap();
    assert_eq!(
        account.into_account().unwrap().data,
        pool.data,
        "bytes survive the round trip"
    );
    // the pool and, found from it, at least its vaults
    assert!(
        manifest.lines().count() > 3,
        "header and at least three accounts: {manifest}"
    );
    assert!(manifest.contains("spl-token.TokenAccount"), "{manifest}");
}

#[test]
fn pairs_alone_are_enough_for_the_live_source_but_need_rpc() {
    let with_rpc = write_config(
        "pairs",
        "source = \"yellowstone\"\n[yellowstone]\nendpoint = \"http://127.0.0.1:1\"\n[rpc]\nurl = \"http://127.0.0.1:2\"\n[pools]\npairs = [\"SOL/USDC\"]\nmin_liquidity = { USDC = 25000 }\n[tokens]\nsymbols = { \"EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm\" = \"WIF\" }\n",
    );
    let settings = load(&["--config", with_rpc.to_str().unwrap()]).unwrap();
    let live = settings.live.unwrap();
    assert!(live.pools.is_empty());
    let discovery = live.discovery.unwrap();
    assert_eq!(discovery.targets.len(), 1);
    assert_eq!(
        discovery
            .min_liquidity
            .values()
            .copied()
            .collect::<Vec<_>>(),
        [25_000]
    );
    let wif: decoder::Pubkey = "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm"
        .parse()
        .unwrap();
    assert_eq!(settings.tokens.label(&wif), "WIF");

    let without_rpc = write_config(
        "pairs-no-rpc",
        "source = \"yellowstone\"\n[yellowstone]\nendpoint = \"http://127.0.0.1:1\"\n[pools]\npairs = [\"SOL/USDC\"]\n",
    );
    let err = load(&["--config", without_rpc.to_str().unwrap()]).unwrap_err();
    assert!(error_text(&err).contains("rpc.url"), "{}", error_text(&err));
    let nothing = write_config(
        "nothing",
        "source = \"yellowstone\"\n[yellowstone]\nendpoint = \"http://127.0.0.1:1\"\n",
    );
    let err = load(&["--config", nothing.to_str().unwrap()]).unwrap_err();
    assert!(
        error_text(&err).contains("pairs / tokens"),
        "{}",
        error_text(&err)
    );
}
