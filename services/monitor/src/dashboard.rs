//! The live dashboard: static files embedded in the binary, so running the monitor needs no
//! Node build step. The page talks to `/ws` like any other client (see `web/app.js`).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX: &str = include_str!("../web/index.html");
const STYLE: &str = include_str!("../web/style.css");
const APP: &str = include_str!("../web/app.js");
const CHART: &str = include_str!("../web/chart.js");
const FAVICON: &str = include_str!("../web/favicon.svg");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
}

/// The page itself, served at `/` for a plain `GET` (an upgrade there goes to `/ws`'s handler,
/// see [`crate::ws::index_or_upgrade`]).
pub fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX)
}

/// The page's scripts and style, and `/favicon.ico`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP) }),
        )
        .route(
            "/chart.js",
            get(|| async { asset("text/javascript; charset=utf-8", CHART) }),
        )
        .route(
            "/favicon.ico",
            get(|| async { asset("image/svg+xml", FAVICON) }),
        )
}
