//! HTTP transport: REST for members, health and metrics, static files and
//! question media. No game rules live here.

pub mod admin;
pub mod api;
pub mod app_signin;
pub mod bank_admin;
mod competition_exports;
pub mod competitions;
pub mod competitions_admin;
pub mod districts;
pub mod error;
pub mod ladder;
pub mod ladder_admin;
pub mod session;
pub mod stats;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::server::App;
use crate::ws;

/// Request bodies beyond this are refused; no API takes more.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let api = api::routes()
        .nest(
            "/admin",
            admin::routes()
                .merge(stats::routes())
                .merge(bank_admin::routes())
                .merge(ladder_admin::routes())
                .merge(districts::admin_routes())
                .merge(competitions_admin::routes()),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    // Media stays outside the compression layer: audio and video are
    // already compressed, and compressing breaks range requests.
    let media = Router::new()
        .fallback_service(ServeDir::new(app.bank.current().media_dir()))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("public, max-age=3600"),
        ));
    // `/screen/<competition>` is the big screen's page; its own assets sit
    // beside it.
    let screen = ServeDir::new(app.config.static_dir.join("screen")).fallback(ServeFile::new(
        app.config.static_dir.join("screen/index.html"),
    ));
    let web = Router::new()
        .nest_service("/screen", screen)
        .fallback_service(ServeDir::new(&app.config.static_dir))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-cache"),
        ))
        .layer(CompressionLayer::new());
    Router::new()
        .nest("/api", api)
        .route("/ws", get(ws::upgrade))
        .route("/ws/screen/{id}", get(ws::screen::upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .nest("/media", media)
        .merge(web)
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Ready when the database answers and the answer queue is not backed up.
async fn ready(State(app): State<Arc<App>>) -> impl IntoResponse {
    if app.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    let ping =
        tokio::time::timeout(std::time::Duration::from_secs(2), app.stores.answers.ping()).await;
    if !matches!(ping, Ok(Ok(()))) {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
    }
    if app.queue.is_backed_up() {
        return (StatusCode::SERVICE_UNAVAILABLE, "answer queue backed up");
    }
    (StatusCode::OK, "ready")
}

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    metrics::gauge!("dati_answer_queue_depth").set(app.queue.depth().max(0) as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}
