//! Ladder seasons for organizers (docs/protocol.md §7): list them and set
//! the next one. The rules (length, no start in the past, no overlap) are
//! `domain::ladder::Season::new`'s.

use std::sync::Arc;

use std::collections::HashMap;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::CurrentOrganizer;
use super::error::ApiError;
use crate::domain::ladder::{DEFAULT_SEASON_DAYS, Season, SeasonError, Tier};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::leaderboard::{Board, PeriodKey};
use crate::store::totals::day_start_ms;
use crate::store::{LadderSeason, Member};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/ladder/seasons", get(list).post(create))
        .route("/ladder/seasons/{id}/standings", get(standings))
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
struct StandingsQuery {
    /// A tier (`bronze` … `king`, or 青铜 … 王者); the whole season if absent.
    tier: Option<String>,
    limit: Option<usize>,
}

/// A season's board (one tier's, or everyone's) through the leaderboard,
/// with how many members each tier holds.
async fn standings(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    query: Result<Query<StandingsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) =
        query.map_err(|e| ApiError::bad_request(format!("查询参数不正确：{}", e.body_text())))?;
    let now = wall_ms();
    let season = app
        .stores
        .ladder
        .seasons()
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found(format!("没有第 {id} 赛季")))?;
    let tier = match q.tier.as_deref() {
        None | Some("") => None,
        Some(t) => Some(Tier::parse(t).ok_or_else(|| {
            ApiError::bad_request("tier 可选 bronze、silver、gold、platinum、diamond、king")
        })?),
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit 须在 1 到 500 之间"));
    }
    let key = PeriodKey::Season(season.id);
    let board = tier.map_or(Board::Ladder, Board::LadderTier);
    let unavailable = |e| {
        tracing::warn!("ladder board unavailable: {e}");
        ApiError::unavailable()
    };
    let top = app
        .leaderboard
        .top(board, key, limit)
        .await
        .map_err(unavailable)?;
    let ranked = app.leaderboard.len(board, key).await.map_err(unavailable)?;
    let mut tiers = Vec::new();
    for t in Tier::ALL {
        let members = app
            .leaderboard
            .len(Board::LadderTier(t), key)
            .await
            .map_err(unavailable)?;
        tiers.push(json!({"tier": t.as_str(), "tier_name": t.name_zh(), "members": members}));
    }
    let ids: Vec<i64> = top.iter().map(|s| s.member_id).collect();
    let members: HashMap<i64, Member> = app
        .stores
        .members
        .members(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let rows: Vec<Value> = top
        .iter()
        .map(|s| {
            let m = members.get(&s.member_id);
            json!({
                "rank": s.rank,
                "member_id": s.member_id,
                "nickname": m.map_or("已注销", |m| m.nickname.as_str()),
                "district": m.map_or("", |m| m.district.as_str()),
                "score": s.score,
                "ladder": super::ladder::score_rank(s.score),
            })
        })
        .collect();
    Ok(Json(json!({
        "season": view(&season, now),
        "tier": tier.map(Tier::as_str),
        "ranked": ranked,
        "tiers": tiers,
        "top": rows,
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
        .map(LadderSeason::season)
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
    app.duels.ladder.reload_seasons().await;
    Ok((StatusCode::CREATED, Json(view(&stored, now))).into_response())
}
