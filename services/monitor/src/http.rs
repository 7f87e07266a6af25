//! The HTTP surface: liveness now; readiness, metrics, REST, /ws and the dashboard join it as
//! the pipeline grows.

use std::sync::Arc;
use std::time::Instant;

use axum::{Json, Router, extract::State, routing::get};
use serde::Serialize;

/// Shared, read-mostly state behind the routes.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
}

impl AppState {
    /// State for a server that started at `started`.
    pub fn new(started: Instant) -> Self {
        Self {
            inner: Arc::new(Inner { started }),
        }
    }
}

/// The router with every route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .with_state(state)
}

/// Body of `GET /health`.
#[derive(Debug, Serialize)]
struct Liveness {
    status: &'static str,
    version: &'static str,
    uptime_seconds: u64,
}

/// Liveness: answers 200 while the process serves requests.
async fn health(State(state): State<AppState>) -> Json<Liveness> {
    Json(Liveness {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: state.inner.started.elapsed().as_secs(),
    })
}
