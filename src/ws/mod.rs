//! Websocket transport: the upgrade (origin and session checked first) and
//! the per-connection loop. No game rules live here.

pub mod protocol;
pub mod screen;
mod socket;

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::api::member_from_headers;
use crate::http::error::ApiError;
use crate::server::App;
use protocol::MAX_MESSAGE_BYTES;

/// Per-connection read buffer. tungstenite's default of 128 KiB per socket
/// would dominate memory with thousands of players; our frames are small.
const READ_BUFFER_BYTES: usize = 4 * 1024;

pub async fn upgrade(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(refused) = may_upgrade(&app, &headers) {
        return refused.into_response();
    }
    let member = match member_from_headers(&app, &headers).await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let tracker = app.sockets.clone();
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| tracker.track_future(socket::run(app, member, socket)))
}

/// What every websocket upgrade checks first: the origin, and that the
/// server is not shutting down.
pub(crate) fn may_upgrade(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    if !origin_allowed(app, headers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "不允许从该来源连接",
        ));
    }
    if app.shutdown.is_cancelled() {
        return Err(ApiError::unavailable());
    }
    Ok(())
}

/// Browsers always send `Origin` on a websocket upgrade; it must be this
/// server's own origin or a configured one. Native clients send none.
fn origin_allowed(app: &App, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return headers.get(header::ORIGIN).is_none();
    };
    let origin = origin.trim_end_matches('/');
    if app
        .config
        .allowed_origins
        .iter()
        .any(|o| o.trim_end_matches('/') == origin)
    {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((host, origin_host), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
}
