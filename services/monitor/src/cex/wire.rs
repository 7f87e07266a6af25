//! Binance spot market-data frames, as the combined-stream endpoint sends them:
//! `{"stream":"<name>","data":<payload>}`.
//!
//! Field names follow Binance's spot API documentation (`web-socket-streams.md`): `bookTicker`
//! (`u`, `s`, `b`, `B`, `a`, `A`), partial depth (`lastUpdateId`, `bids`, `asks`; the symbol is
//! only in the stream name), `trade` (`e`, `E`, `s`, `t`, `p`, `q`, `T`, `m`), and the
//! `serverShutdown` event on the `!serverShutdown` stream. Prices and quantities are decimal
//! strings; they are kept exactly, as integers scaled by 10^8 (Binance spot quotes at most eight
//! decimals), never as floats.

use rust_decimal::Decimal;
use serde::Deserialize;

/// Decimal places kept: Binance spot prices and quantities have at most eight.
pub const SCALE: u32 = 8;
/// 10^[`SCALE`].
pub const ONE_E8: u64 = 100_000_000;

/// One price level: price (quote per base) and quantity (base), both ×10^8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Level {
    pub price_e8: u64,
    pub qty_e8: u64,
}

/// A frame that could not be read. The connection stays up; the frame is counted and logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("not a combined-stream frame: {0}")]
    Envelope(String),
    #[error("{stream}: malformed payload: {detail}")]
    Payload { stream: String, detail: String },
    #[error("{stream}: {field} {value:?} is not a non-negative decimal with at most 8 places")]
    Decimal {
        stream: String,
        field: &'static str,
        value: String,
    },
    #[error("{stream}: stream symbol {stream_symbol} but payload symbol {payload_symbol}")]
    SymbolMismatch {
        stream: String,
        stream_symbol: String,
        payload_symbol: String,
    },
}

/// What one frame says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Best bid and ask changed (`<symbol>@bookTicker`).
    BookTicker {
        symbol: String,
        update_id: u64,
        bid: Level,
        ask: Level,
    },
    /// The top levels of the book (`<symbol>@depth<levels>[@100ms]`), best first.
    Depth {
        symbol: String,
        last_update_id: u64,
        bids: Vec<Level>,
        asks: Vec<Level>,
    },
    /// A trade (`<symbol>@trade`).
    Trade {
        symbol: String,
        trade_id: u64,
        price_e8: u64,
        qty_e8: u64,
        /// Trade time, Unix milliseconds.
        time_ms: u64,
    },
    /// The server is about to close the connection; open another now.
    ServerShutdown { time_ms: u64 },
    /// A stream this feed does not use.
    Other { stream: String },
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    stream: &'a str,
    #[serde(borrow)]
    data: &'a serde_json::value::RawValue,
}

#[derive(Deserialize)]
struct BookTicker<'a> {
    u: u64,
    s: &'a str,
    b: &'a str,
    #[serde(rename = "B")]
    bid_qty: &'a str,
    a: &'a str,
    #[serde(rename = "A")]
    ask_qty: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Depth<'a> {
    last_update_id: u64,
    #[serde(borrow)]
    bids: Vec<[&'a str; 2]>,
    #[serde(borrow)]
    asks: Vec<[&'a str; 2]>,
}

#[derive(Deserialize)]
struct Trade<'a> {
    s: &'a str,
    t: u64,
    p: &'a str,
    q: &'a str,
    #[serde(rename = "T")]
    time: u64,
}

#[derive(Deserialize)]
struct Shutdown<'a> {
    e: &'a str,
    #[serde(rename = "E")]
    time: u64,
}

/// Reads one text frame.
///
/// # Errors
/// [`WireError`] naming the stream and what was wrong.
pub fn parse(frame: &str) -> Result<Event, WireError> {
    let envelope: Envelope<'_> =
        serde_json::from_str(frame).map_err(|e| WireError::Envelope(e.to_string()))?;
    let stream = envelope.stream;
    let payload = envelope.data.get();
    let bad = |e: serde_json::Error| WireError::Payload {
        stream: stream.to_owned(),
        detail: e.to_string(),
    };
    if stream == "!serverShutdown" {
        let s: Shutdown<'_> = serde_json::from_str(payload).map_err(bad)?;
        if s.e != "serverShutdown" {
            return Err(WireError::Payload {
                stream: stream.to_owned(),
                detail: format!("event {:?}", s.e),
            });
        }
        return Ok(Event::ServerShutdown { time_ms: s.time });
    }
    let Some((symbol, kind)) = stream.split_once('@') else {
        return Ok(Event::Other {
            stream: stream.to_owned(),
        });
    };
    let symbol = symbol.to_ascii_uppercase();
    let decimal = |field: &'static str, value: &str| {
        parse_e8(value).ok_or_else(|| WireError::Decimal {
            stream: stream.to_owned(),
            field,
            value: value.chars().take(40).collect(),
        })
    };
    let same_symbol = |payload_symbol: &str| {
        if payload_symbol.eq_ignore_ascii_case(&symbol) {
            Ok(())
        } else {
            Err(WireError::SymbolMismatch {
                stream: stream.to_owned(),
                stream_symbol: symbol.clone(),
                payload_symbol: payload_symbol.chars().take(40).collect(),
            })
        }
    };
    match kind {
        "bookTicker" => {
            let t: BookTicker<'_> = serde_json::from_str(payload).map_err(bad)?;
            same_symbol(t.s)?;
            Ok(Event::BookTicker {
                update_id: t.u,
                bid: Level {
                    price_e8: decimal("b", t.b)?,
                    qty_e8: decimal("B", t.bid_qty)?,
                },
                ask: Level {
                    price_e8: decimal("a", t.a)?,
                    qty_e8: decimal("A", t.ask_qty)?,
                },
                symbol,
            })
        }
        "trade" => {
            let t: Trade<'_> = serde_json::from_str(payload).map_err(bad)?;
            same_symbol(t.s)?;
            Ok(Event::Trade {
                trade_id: t.t,
                price_e8: decimal("p", t.p)?,
                qty_e8: decimal("q", t.q)?,
                time_ms: t.time,
                symbol,
            })
        }
        depth if depth.starts_with("depth") => {
            let d: Depth<'_> = serde_json::from_str(payload).map_err(bad)?;
            let levels = |side: &[[&str; 2]], field| {
                side.iter()
                    .map(|[price, qty]| {
                        Ok(Level {
                            price_e8: decimal(field, price)?,
                            qty_e8: decimal(field, qty)?,
                        })
                    })
                    .collect::<Result<Vec<_>, WireError>>()
            };
            Ok(Event::Depth {
                last_update_id: d.last_update_id,
                bids: levels(&d.bids, "bids")?,
                asks: levels(&d.asks, "asks")?,
                symbol,
            })
        }
        _ => Ok(Event::Other {
            stream: stream.to_owned(),
        }),
    }
}

/// A non-negative decimal string with at most eight places, ×10^8; `None` otherwise (negative,
/// more places, exponent notation, out of range).
pub fn parse_e8(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value = Decimal::from_str_exact(text).ok()?;
    if value.scale() > SCALE {
        return None;
    }
    let scaled = value.checked_mul(Decimal::from(ONE_E8))?;
    u64::try_from(scaled.trunc()).ok()
}

/// A ×10^8 value as a float, for display only.
#[allow(clippy::cast_precision_loss)]
pub fn to_f64(e8: u64) -> f64 {
    e8 as f64 / ONE_E8 as f64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decimals_are_exact_to_eight_places() {
        assert_eq!(parse_e8("25.35190000"), Some(2_535_190_000));
        assert_eq!(parse_e8("0.0024"), Some(240_000));
        assert_eq!(parse_e8("100"), Some(10_000_000_000));
        assert_eq!(parse_e8("0.00000001"), Some(1));
        for bad in [
            "",
            "-1",
            "1e3",
            "0.000000001",
            "abc",
            "1.2.3",
            " 1",
            "184467440737.1",
        ] {
            assert_eq!(parse_e8(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_shutdown_event_on_its_stream_is_recognised() {
        let frame =
            r#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}"#;
        assert_eq!(
            parse(frame),
            Ok(Event::ServerShutdown {
                time_ms: 1_770_123_456_789
            })
        );
    }

    #[test]
    fn malformed_frames_say_what_is_wrong() {
        assert!(matches!(parse("{"), Err(WireError::Envelope(_))));
        assert!(matches!(
            parse(r#"{"stream":"solusdc@bookTicker","data":{"u":1}}"#),
            Err(WireError::Payload { .. })
        ));
        let bad_price = r#"{"stream":"solusdc@trade","data":{"e":"trade","E":1,"s":"SOLUSDC","t":1,"p":"-1","q":"1","T":1,"m":true,"M":true}}"#;
        assert!(matches!(
            parse(bad_price),
            Err(WireError::Decimal { field: "p", .. })
        ));
        let wrong_symbol = r#"{"stream":"solusdc@trade","data":{"e":"trade","E":1,"s":"BTCUSDC","t":1,"p":"1","q":"1","T":1,"m":true,"M":true}}"#;
        assert!(matches!(
            parse(wrong_symbol),
            Err(WireError::SymbolMismatch { .. })
        ));
        assert_eq!(
            parse(r#"{"stream":"solusdc@kline_1m","data":{}}"#),
            Ok(Event::Other {
                stream: "solusdc@kline_1m".into()
            })
        );
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(frame in ".{0,300}") {
            let _ = parse(&frame);
        }

        #[test]
        fn wrapped_payloads_never_panic(stream in "[a-z!]{0,8}@?[a-zA-Z0-9@]{0,16}", data in ".{0,200}") {
            let frame = format!(r#"{{"stream":{},"data":{data}}}"#, serde_json::Value::from(stream));
            let _ = parse(&frame);
        }

        #[test]
        fn decimals_round_trip(whole in 0u64..10_000_000_000, frac in 0u64..ONE_E8) {
            let text = format!("{whole}.{frac:08}");
            prop_assert_eq!(parse_e8(&text), Some(whole * ONE_E8 + frac));
        }
    }
}
