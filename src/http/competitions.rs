//! District competitions as members see them (`GET /api/competitions`):
//! published ones with their countdown, running ones, and those finished in
//! the last week. Drafts are the organizers' business.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::api::CurrentMember;
use super::error::ApiError;
use crate::domain::district::{
    Contribution, DistrictTally, Status, rank_contributors, rank_districts,
};
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

/// Contributors listed per district in the standings.
const TOP_CONTRIBUTORS: usize = 5;

/// A competition's standings, read from SQL and ranked by the domain's
/// rules: every taking-part district (also those yet to battle) with its
/// record and top contributors.
pub async fn standings_of(app: &App, competition_id: i64) -> Result<Value, ApiError> {
    let stored = app
        .stores
        .competitions
        .competition(competition_id)
        .await?
        .filter(|s| s.competition.status(wall_ms()) != Status::Draft)
        .ok_or_else(|| ApiError::not_found(format!("没有编号为 {competition_id} 的比赛")))?;
    let rules = &stored.competition.rules;
    let battles = app.stores.battles.district_battles(competition_id).await?;
    let registered: HashMap<String, i64> = app
        .stores
        .stats
        .district_rows()
        .await?
        .into_iter()
        .map(|r| (r.district, r.members))
        .collect();
    let tallies: Vec<DistrictTally> = rules
        .districts
        .iter()
        .map(|d| {
            let b = battles
                .iter()
                .find(|b| &b.district == d)
                .cloned()
                .unwrap_or_default();
            DistrictTally {
                district: d.clone(),
                battles: b.battles as u32,
                wins: b.wins as u32,
                draws: b.draws as u32,
                losses: b.losses as u32,
                points: b.competition_points as u32,
                participants: b.participants as u32,
                registered: registered.get(d).copied().unwrap_or(0) as u32,
                answers: b.answers as u64,
                correct: b.correct as u64,
                points_scored: b.points_scored as u64,
            }
        })
        .collect();
    let members = app.stores.battles.member_battles(competition_id).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.member_id).collect();
    let names: HashMap<i64, String> = app
        .stores
        .members
        .members(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m.nickname))
        .collect();
    let districts: Vec<Value> = rank_districts(&tallies)
        .into_iter()
        .map(|r| {
            let t = &r.tally;
            let mine: Vec<Contribution> = members
                .iter()
                .filter(|m| m.district == t.district)
                .map(|m| Contribution {
                    member_id: m.member_id,
                    points: m.points.max(0) as u64,
                    battles: m.battles as u32,
                    reached_at_ms: m.last_at_ms,
                })
                .collect();
            let top: Vec<Value> = rank_contributors(&mine)
                .into_iter()
                .take(TOP_CONTRIBUTORS)
                .map(|c| {
                    json!({
                        "place": c.place,
                        "member_id": c.contribution.member_id,
                        "nickname": names.get(&c.contribution.member_id).map_or("已注销", String::as_str),
                        "points": c.contribution.points,
                        "battles": c.contribution.battles,
                    })
                })
                .collect();
            json!({
                "place": r.place,
                "district": t.district,
                "points": t.points,
                "battles": t.battles,
                "wins": t.wins,
                "draws": t.draws,
                "losses": t.losses,
                "participants": t.participants,
                "registered": t.registered,
                "participation_rate": t.participation_rate(),
                "accuracy": t.accuracy(),
                "points_scored": t.points_scored,
                "top_contributors": top,
            })
        })
        .collect();
    Ok(json!({
        "competition": {
            "id": stored.id,
            "title": rules.title,
            "status": stored.competition.status(wall_ms()).as_str(),
            "starts_at_ms": rules.starts_at_ms,
            "ends_at_ms": stored.competition.effective_end_ms(),
        },
        "districts": districts,
        "members": members.iter().map(|m| json!({
            "member_id": m.member_id,
            "district": m.district,
            "points": m.points,
            "battles": m.battles,
        })).collect::<Vec<_>>(),
    }))
}

/// `GET /api/competitions/{id}/standings`: the standings, and the member's
/// own district and contribution.
pub async fn standings(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let mut body = standings_of(&app, id).await?;
    let district = body["districts"]
        .as_array()
        .and_then(|ds| {
            ds.iter()
                .find(|d| d["district"] == member.district.as_str())
        })
        .cloned();
    let contribution = body["members"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["member_id"] == member.id))
        .cloned();
    if let Some(fields) = body.as_object_mut() {
        fields.remove("members");
        fields.insert("my_district".into(), district.unwrap_or(Value::Null));
        fields.insert(
            "my_contribution".into(),
            contribution.unwrap_or_else(|| json!({"member_id": member.id, "district": member.district, "points": 0, "battles": 0})),
        );
    }
    Ok(Json(body))
}
