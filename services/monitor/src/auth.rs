//! Who may use `/ws` and `/api`: optional bearer tokens, and an `Origin` allowlist against
//! cross-site WebSocket hijacking.
//!
//! Tokens are compared in constant time and never logged: [`Token`]'s `Debug` hides them.

use axum::http::{HeaderMap, header};
use serde::Deserialize;

/// A secret that does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that sends it (an upstream header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Which browser origins may open `/ws`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginPolicy {
    /// Pages served by this monitor only: the `Origin` host must equal the `Host` header.
    SameHost,
    /// Any origin (for a public, read-only deployment).
    Any,
    /// These exact origins (for example `https://dash.example.com`), plus this monitor.
    List(Vec<String>),
}

/// Credentials a client may put in the query string, since browsers cannot set headers on a
/// WebSocket: `/ws?token=...`.
#[derive(Debug, Default, Deserialize)]
pub struct Credentials {
    token: Option<String>,
}

/// The access policy.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Accepted tokens; empty means no authentication.
    pub tokens: Vec<Token>,
    pub origins: OriginPolicy,
}

impl Default for Auth {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            origins: OriginPolicy::SameHost,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Auth {
    /// Whether authentication is required at all.
    pub fn required(&self) -> bool {
        !self.tokens.is_empty()
    }

    fn accepts(&self, presented: &str) -> bool {
        // Every token is compared, so timing does not reveal which one matched.
        self.tokens.iter().fold(false, |ok, t| {
            constant_time_eq(t.0.as_bytes(), presented.as_bytes()) | ok
        })
    }

    /// Whether the request carries a valid token: `Authorization: Bearer`, `X-API-Key`, or
    /// `?token=`. Always true when no tokens are configured.
    pub fn authorize(&self, headers: &HeaderMap, query: &Credentials) -> bool {
        if !self.required() {
            return true;
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        [bearer, api_key, query.token.as_deref()]
            .into_iter()
            .flatten()
            .any(|t| self.accepts(t.trim()))
    }

    /// Checks the `Origin` header. Requests without one (non-browser clients) pass.
    ///
    /// # Errors
    /// The refused origin, for the log.
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), String> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().map_err(|_| "<not text>".to_owned())?;
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let same_host = host.is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.trim_end_matches('/').eq_ignore_ascii_case(host))
        });
        let allowed = match &self.origins {
            OriginPolicy::Any => true,
            OriginPolicy::SameHost => same_host,
            OriginPolicy::List(list) => same_host || list.iter().any(|o| o == origin),
        };
        if allowed {
            Ok(())
        } else {
            Err(origin.chars().take(200).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn tokens_never_print() {
        let auth = Auth {
            tokens: vec![Token::new("s3cret")],
            origins: OriginPolicy::Any,
        };
        assert!(!format!("{auth:?}").contains("s3cret"));
    }

    #[test]
    fn every_credential_form_is_accepted_and_wrong_ones_refused() {
        let auth = Auth {
            tokens: vec![Token::new("a"), Token::new("s3cret")],
            origins: OriginPolicy::Any,
        };
        let none = Credentials::default();
        assert!(auth.authorize(&headers(&[("authorization", "Bearer s3cret")]), &none));
        assert!(auth.authorize(&headers(&[("x-api-key", "a")]), &none));
        let query = Credentials {
            token: Some("s3cret".into()),
        };
        assert!(auth.authorize(&HeaderMap::new(), &query));
        assert!(!auth.authorize(&HeaderMap::new(), &none));
        assert!(!auth.authorize(&headers(&[("authorization", "Bearer s3cre")]), &none));
        assert!(!auth.authorize(&headers(&[("authorization", "s3cret")]), &none));
        assert!(
            Auth::default().authorize(&HeaderMap::new(), &none),
            "no tokens: open"
        );
    }

    #[test]
    fn origins() {
        let same = Auth::default();
        let host = ("host", "localhost:8080");
        assert!(
            same.check_origin(&headers(&[host, ("origin", "http://localhost:8080")]))
                .is_ok()
        );
        assert!(
            same.check_origin(&headers(&[host, ("origin", "https://evil.example")]))
                .is_err()
        );
        assert!(
            same.check_origin(&headers(&[host])).is_ok(),
            "no Origin: not a browser"
        );
        let list = Auth {
            tokens: vec![],
            origins: OriginPolicy::List(vec!["https://dash.example".into()]),
        };
        assert!(
            list.check_origin(&headers(&[host, ("origin", "https://dash.example")]))
                .is_ok()
        );
        assert!(
            list.check_origin(&headers(&[host, ("origin", "https://dash.example.evil")]))
                .is_err()
        );
    }
}
