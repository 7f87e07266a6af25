//! Wall-clock timestamps on the wire: RFC 3339, UTC, millisecond precision.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Milliseconds since the Unix epoch, written on the wire as `2026-01-11T12:34:56.789Z`.
///
/// The protocol crate reads no clock: callers stamp messages with
/// [`Timestamp::from_unix_millis`] using whatever clock they own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The earliest and latest instants the RFC 3339 form can carry (years 0000 to 9999).
    const MIN_MS: i64 = -62_167_219_200_000;
    const MAX_MS: i64 = 253_402_300_799_999;

    /// A timestamp from milliseconds since the Unix epoch, clamped to years 0000..=9999 so it
    /// always has an RFC 3339 form.
    pub const fn from_unix_millis(ms: i64) -> Self {
        let ms = if ms < Self::MIN_MS {
            Self::MIN_MS
        } else if ms > Self::MAX_MS {
            Self::MAX_MS
        } else {
            ms
        };
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    fn to_datetime(self) -> DateTime<Utc> {
        // In range by construction; the fallback is unreachable but keeps this panic-free.
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &self
                .to_datetime()
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        )
    }
}

impl std::str::FromStr for Timestamp {
    type Err = chrono::ParseError;

    /// Accepts any RFC 3339 instant (any offset, any sub-second precision) and keeps
    /// millisecond precision, truncating finer digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let dt = DateTime::parse_from_rfc3339(s)?;
        Ok(Self::from_unix_millis(dt.timestamp_millis()))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(feature = "typescript")]
impl ts_rs::TS for Timestamp {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        let ts = Timestamp::from_unix_millis(1_768_134_896_789);
        assert_eq!(ts.to_string(), "2026-01-11T12:34:56.789Z");
        assert_eq!(
            Timestamp::from_unix_millis(0).to_string(),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_offsets_and_truncates_sub_millisecond_digits() {
        let a: Timestamp = "2026-01-11T13:34:56.789999+01:00".parse().unwrap();
        assert_eq!(a, Timestamp::from_unix_millis(1_768_134_896_789));
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!("2026-01-11 12:34:56".parse::<Timestamp>().is_err());
        assert!(serde_json::from_str::<Timestamp>("12345").is_err());
    }

    #[test]
    fn clamps_out_of_range_instants() {
        assert_eq!(
            Timestamp::from_unix_millis(i64::MAX).to_string(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(i64::MIN).to_string(),
            "0000-01-01T00:00:00.000Z"
        );
    }
}
