//! Ladder seasons for organizers (docs/protocol.md §7): list them and set
//! the next one. The rules (length, no start in the past, no overlap) are
//! `domain::ladder::Season::new`'s.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::CurrentOrganizer;
use super::error::ApiError;
use crate::domain::ladder::{DEFAULT_SEASON_DAYS, Season, SeasonError};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::LadderSeason;
use crate::store::totals::day_start_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/ladder/seasons", get(list).post(create))
}

fn view(s: &LadderSeason, now_ms: i64) -> Value {
    let status = if now_ms < s.starts_at_ms {
        "upcoming"
    } else if now_ms < s.ends_at_ms {
        "running"
    } else {
        "finished"
    };
    json!({
        "id": s.id,
        "starts_at_ms": s.starts_at_ms,
        "ends_at_ms": s.ends_at_ms,
        "days": (s.ends_at_ms - s.starts_at_ms) / (24 * 60 * 60 * 1000),
        "status": status,
    })
}

async fn list(_: CurrentOrganizer, State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let now = wall_ms();
    let seasons = app.stores.ladder.seasons().await?;
    Ok(Json(json!({
        "seasons": seasons.iter().map(|s| view(s, now)).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSeason {
    /// `YYYY-MM-DD`: the season starts at 00:00 Beijing time that day.
    starts_on: String,
    #[serde(default = "default_days")]
    days: i64,
}

fn default_days() -> i64 {
    DEFAULT_SEASON_DAYS
}

async fn create(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    body: Result<Json<NewSeason>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request(format!("请求格式不正确：{e}")))?;
    let day = super::stats::parse_date(&body.starts_on).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_season",
            format!("starts_on：日期 {:?} 应为 YYYY-MM-DD", body.starts_on),
        )
    })?;
    let now = wall_ms();
    let existing: Vec<Season> = app
        .stores
        .ladder
        .seasons()
        .await?
        .iter()
        .map(|s| Season {
            id: s.id,
            starts_at_ms: s.starts_at_ms,
            ends_at_ms: s.ends_at_ms,
        })
        .collect();
    let season = Season::new(day_start_ms(day), body.days, now, &existing).map_err(|e| {
        let message = match e {
            SeasonError::BadLength { days } => {
                format!("days：赛季长度须为 1 到 365 天，而不是 {days} 天")
            }
            SeasonError::StartsInPast { .. } => "starts_on：赛季不能从过去开始".to_owned(),
            SeasonError::Overlaps { id, .. } => {
                format!("starts_on：与第 {id} 号赛季的时间重叠")
            }
        };
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_season", message)
    })?;
    let stored = app
        .stores
        .ladder
        .create_season(season.starts_at_ms, season.ends_at_ms, now)
        .await?;
    tracing::info!(season = stored.id, "ladder season created");
    Ok((StatusCode::CREATED, Json(view(&stored, now))).into_response())
}
