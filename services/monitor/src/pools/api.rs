//! `POST /api/pools` and `DELETE /api/pools/{address}`, behind the API's token auth.
//!
//! ```text
//! POST /api/pools {"address": "<pool>"}      ─▶ 200 {"added": [..], "removed": [], "followed": n}
//! DELETE /api/pools/<pool>                   ─▶ 200 {"added": [], "removed": [..], "followed": n}
//!   not a pubkey ─▶ 400 · not followed ─▶ 404 · the source follows no pool list ─▶ 409
//! ```

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use decoder::Pubkey;
use serde::{Deserialize, Serialize};

use super::Changes;
use crate::http::AppState;

/// Body of `POST /api/pools`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddPool {
    pub address: String,
}

/// What a change did.
#[derive(Debug, Serialize)]
struct Changed {
    added: Vec<String>,
    removed: Vec<String>,
    followed: usize,
}

fn answer(state: &AppState, changes: &Changes) -> Response {
    Json(Changed {
        added: changes.added.iter().map(ToString::to_string).collect(),
        removed: changes.removed.iter().map(ToString::to_string).collect(),
        followed: state.pools.followed().len(),
    })
    .into_response()
}

fn refuse(status: StatusCode, why: String) -> Response {
    (status, Json(serde_json::json!({ "error": why }))).into_response()
}

fn parse(state: &AppState, text: &str) -> Result<Pubkey, Box<Response>> {
    if !state.pools.is_live() {
        return Err(Box::new(refuse(
            StatusCode::CONFLICT,
            "this node follows no pool list: pools change with --source yellowstone, and in a \
             NATS deployment on the ingest nodes (SIGHUP re-reads [pools])"
                .into(),
        )));
    }
    text.trim().parse().map_err(|_| {
        Box::new(refuse(
            StatusCode::BAD_REQUEST,
            format!("{text:?} is not a base58 pubkey"),
        ))
    })
}

/// `POST /api/pools`: follow one more pool.
pub async fn add(State(state): State<AppState>, Json(body): Json<AddPool>) -> Response {
    match parse(&state, &body.address) {
        Ok(pool) => answer(&state, &state.pools.add(pool)),
        Err(response) => *response,
    }
}

/// `DELETE /api/pools/{address}`: stop following a pool.
pub async fn remove(State(state): State<AppState>, Path(address): Path<String>) -> Response {
    let pool = match parse(&state, &address) {
        Ok(pool) => pool,
        Err(response) => return *response,
    };
    if !state.pools.followed().contains(&pool) {
        return refuse(StatusCode::NOT_FOUND, format!("{pool} is not followed"));
    }
    answer(&state, &state.pools.remove(pool))
}
