//! A minimal blocking HTTP/1.1 GET, enough for `/health`, `/ready` and `/api/*`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The status code and body of `GET path`, or `None` when nothing answers.
pub fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.get(9..12)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

/// The body of `GET path` parsed as JSON, when it answers 200 with JSON.
pub fn json(addr: &str, path: &str) -> Option<serde_json::Value> {
    let (status, body) = get(addr, path)?;
    (status == 200).then(|| serde_json::from_str(&body).ok())?
}
