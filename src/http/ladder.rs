//! The member's side of the 争上游 ladder over REST: their season, tier,
//! stars and places (`GET /api/ladder`), and which season a ladder board
//! request means (`/api/leaderboard?board=ladder…&season=…`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::api::CurrentMember;
use super::error::ApiError;
use crate::domain::ladder::{Rank, Season};
use crate::rooms::ladder::{rank_view, season_view};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::leaderboard::{Board, PeriodKey};

/// Past seasons listed with the member's final rank.
const HISTORY_SEASONS: usize = 10;

/// `GET /api/ladder`: the current season, the member's rank in it (before
/// their first race: where the soft reset puts them), their races, first
/// places and places on the season boards, and their final rank in recent
/// past seasons.
pub async fn my_ladder(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
) -> Result<Response, ApiError> {
    let now = wall_ms();
    let ladder = &app.duels.ladder;
    let season = ladder.current_season(now).await?;
    let rank = ladder.rank(season.id, member.id).await?;
    let stored = app.stores.ladder.ladder_rank(season.id, member.id).await?;
    let key = PeriodKey::Season(season.id);
    let place = |board: Board| {
        let app = app.clone();
        async move {
            match app.leaderboard.around(board, key, member.id, 0).await {
                Ok(around) => around
                    .iter()
                    .find(|s| s.member_id == member.id)
                    .map(|s| s.rank),
                Err(e) => {
                    tracing::warn!("ladder board unavailable: {e}");
                    None
                }
            }
        }
    };
    let (season_place, tier_place) =
        tokio::join!(place(Board::Ladder), place(Board::LadderTier(rank.tier)));
    let mut history = Vec::new();
    let seasons = app.stores.ladder.seasons().await?;
    for past in seasons
        .iter()
        .rev()
        .filter(|s| s.ends_at_ms <= now)
        .take(HISTORY_SEASONS)
    {
        if let Some(r) = app.stores.ladder.ladder_rank(past.id, member.id).await? {
            history.push(json!({
                "season": season_view(past.season()),
                "rank": rank_view(Rank::from_stored(&r.tier, r.stars)),
                "races": r.races,
                "firsts": r.firsts,
            }));
        }
    }
    Ok(Json(json!({
        "season": season_view(season),
        "rank": rank_view(rank),
        "races": stored.as_ref().map_or(0, |r| r.races),
        "firsts": stored.as_ref().map_or(0, |r| r.firsts),
        "place": { "season": season_place, "tier": tier_place },
        "history": history,
    }))
    .into_response())
}

/// The season a ladder board request is for: `season` if given (it must
/// exist), else the current one.
pub async fn board_season(app: &App, season: Option<i64>) -> Result<Season, ApiError> {
    match season {
        None => Ok(app.duels.ladder.current_season(wall_ms()).await?),
        Some(id) => app
            .stores
            .ladder
            .seasons()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .map(|s| s.season())
            .ok_or_else(|| ApiError::bad_request(format!("没有第 {id} 赛季"))),
    }
}

/// A ladder board's score as a rank.
pub fn score_rank(score: i64) -> serde_json::Value {
    json!(rank_view(Rank::from_points(
        score.clamp(1, i64::from(u32::MAX)) as u32
    )))
}
