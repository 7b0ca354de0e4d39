//! District competitions as members see them (`GET /api/competitions`):
//! published ones with their countdown, running ones, and those finished in
//! the last week. Drafts are the organizers' business.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::api::CurrentMember;
use super::error::ApiError;
use crate::domain::district::Status;
use crate::rooms::district::standings::{self, Standings, StandingsError};
use crate::rooms::wall_ms;
use crate::server::App;

/// Finished competitions stay on members' home screens this long.
const FINISHED_SHOWN_MS: i64 = 7 * 24 * 60 * 60 * 1000;

pub async fn list(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
) -> Result<Json<Value>, ApiError> {
    let now = wall_ms();
    let all = app.stores.competitions.competitions().await?;
    let shown: Vec<Value> = all
        .iter()
        .filter_map(|s| {
            let c = &s.competition;
            let status = c.status(now);
            let visible = match status {
                Status::Draft => false,
                Status::Finished => c.effective_end_ms() + FINISHED_SHOWN_MS > now,
                Status::Published | Status::Running => true,
            };
            visible.then(|| {
                json!({
                    "id": s.id,
                    "title": c.rules.title,
                    "status": status.as_str(),
                    "starts_at_ms": c.rules.starts_at_ms,
                    "ends_at_ms": c.effective_end_ms(),
                    "team_size": c.rules.team_size,
                    "questions_per_battle": c.rules.questions_per_battle,
                    "daily_battles": c.rules.daily_battles,
                    "districts": c.rules.districts,
                    "my_district_takes_part": c.rules.districts.contains(&member.district),
                })
            })
        })
        .collect();
    Ok(Json(
        json!({ "server_time_ms": now, "competitions": shown }),
    ))
}

/// Reads a competition's standings with the server's cached registered
/// counts.
async fn read_standings(app: &App, id: i64) -> Result<Standings, ApiError> {
    standings::read(
        &app.stores,
        app.leaderboard.as_ref(),
        app.screens.registered(),
        id,
        wall_ms(),
    )
    .await
    .map_err(standings_error)
}

fn standings_error(e: StandingsError) -> ApiError {
    match e {
        StandingsError::NotFound(id) => ApiError::not_found(format!("没有编号为 {id} 的比赛")),
        StandingsError::Store(e) => e.into(),
        StandingsError::Leaderboard(e) => {
            tracing::warn!("leaderboard error behind the standings: {e}");
            ApiError::unavailable()
        }
    }
}

/// A competition's standings (`districts`, ranked, with their top
/// contributors) and every member who battled in it (`members`), for the
/// organizers' exports.
pub async fn standings_of(app: &App, competition_id: i64) -> Result<Value, ApiError> {
    let standings = read_standings(app, competition_id).await?;
    let members = app.stores.battles.member_battles(competition_id).await?;
    let mut body = json!(standings);
    body["members"] = members
        .iter()
        .map(|m| {
            json!({
                "member_id": m.member_id,
                "district": m.district,
                "points": m.points,
                "battles": m.battles,
            })
        })
        .collect();
    Ok(body)
}

/// `GET /api/competitions/{id}/standings`: the standings, and the member's
/// own district and contribution.
pub async fn standings(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let standings = read_standings(&app, id).await?;
    let mine = standings::my_contribution(
        &app.stores,
        app.leaderboard.as_ref(),
        &standings,
        member.id,
        &member.district,
    )
    .await
    .map_err(standings_error)?;
    let my_district = standings
        .districts
        .iter()
        .find(|d| d.district == member.district)
        .cloned();
    let mut body = json!(standings);
    body["my_district"] = json!(my_district);
    body["my_contribution"] = json!(mine);
    Ok(Json(body))
}
