//! District competitions as members see them (`GET /api/competitions`):
//! published ones with their countdown, running ones, and those finished in
//! the last week. Drafts are the organizers' business.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::api::CurrentMember;
use super::error::ApiError;
use crate::domain::district::Status;
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
