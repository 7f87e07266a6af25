//! The one HTTP call the tasks need: a plain `GET` to a local server, for its `/health`,
//! `/metrics`, `/api/stats` or nats-server's `/varz`.

use std::io::{Read, Write};
use std::time::Duration;

/// The body of `GET path` on `addr` (`host:port`). A server that stops answering fails the
/// call after 5 s instead of hanging the task.
///
/// # Errors
/// The connection, the request or the read failed.
pub(crate) fn get(addr: &str, path: &str) -> Result<String, String> {
    let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    Ok(response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default())
}
