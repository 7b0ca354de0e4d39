//! REST endpoints for members (documented in docs/protocol.md §1–2).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::ApiError;
use super::session::{COOKIE_NAME, SESSION_TTL_MS, token_from_cookies};
use crate::domain::member::Nickname;
use crate::domain::question::History;
use crate::rooms::views::media_view;
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::leaderboard::{Board, Period, PeriodKey, Standing};
use crate::store::{DEFAULT_DUEL_RATING, Member};
use crate::ws::protocol::{MediaView, MemberView};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/districts", get(districts))
        .route("/histories", get(histories))
        .route("/session", axum::routing::post(sign_in).delete(sign_out))
        .route(
            "/session/app",
            axum::routing::post(super::app_signin::sign_in),
        )
        .route("/me", get(me))
        .route("/me/stats", get(my_stats))
        .route("/me/duel", get(my_duel))
        .route(
            "/me/district",
            axum::routing::put(super::districts::change_mine),
        )
        .route("/notebook", get(notebook))
        .route("/leaderboard", get(leaderboard))
        .route("/ladder", get(super::ladder::my_ladder))
        .route("/competitions", get(super::competitions::list))
        .route(
            "/competitions/{id}/standings",
            get(super::competitions::standings),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有这个接口")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "该接口不支持这种请求方法",
    )
}

/// The signed-in member, from the session cookie.
pub struct CurrentMember(pub Member);

impl FromRequestParts<Arc<App>> for CurrentMember {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        member_from_headers(app, &parts.headers)
            .await
            .map(CurrentMember)
    }
}

/// Resolves the session cookie in `headers` to a member.
pub async fn member_from_headers(app: &App, headers: &HeaderMap) -> Result<Member, ApiError> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(token_from_cookies)
        .ok_or_else(ApiError::unauthorized)?;
    let member_id = app
        .signer
        .verify(token, wall_ms())
        .ok_or_else(ApiError::unauthorized)?;
    app.stores
        .members
        .member(member_id)
        .await?
        .ok_or_else(ApiError::unauthorized)
}

#[derive(Serialize)]
struct MemberBody {
    id: i64,
    nickname: String,
    district: String,
    rating: i64,
    created_at_ms: i64,
}

impl From<&Member> for MemberBody {
    fn from(m: &Member) -> MemberBody {
        MemberBody {
            id: m.id,
            nickname: m.nickname.clone(),
            district: m.district.clone(),
            rating: m.rating.round() as i64,
            created_at_ms: m.created_at_ms,
        }
    }
}

async fn districts(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!({ "districts": app.districts.active_names() }))
}

async fn histories(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let coverage = app.bank.current().coverage();
    let histories: Vec<_> = History::ALL
        .iter()
        .map(|h| json!({"id": h.as_str(), "name": h.name_zh(), "count": coverage.by_history.get(h).copied().unwrap_or(0)}))
        .collect();
    Json(json!({ "total": coverage.total, "histories": histories }))
}

#[derive(Deserialize)]
struct SignIn {
    nickname: String,
    district: String,
}

pub(super) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    match body {
        Ok(Json(t)) => Ok(t),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求内容过大",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "请求格式不正确：{}",
            e.body_text()
        ))),
    }
}

async fn sign_in(
    State(app): State<Arc<App>>,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let nickname = Nickname::parse(&body.nickname, &app.banned_words)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?;
    let district = body.district.trim();
    if !app.districts.is_active(district) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_district",
            "请选择列表中的区市",
        ));
    }
    let now = wall_ms();
    let member = app
        .stores
        .members
        .create_member(nickname.as_str(), district, now)
        .await?;
    tracing::info!(member = member.id, district, "guest signed in");
    Ok(signed_in(&app, &member, now))
}

/// The `Set-Cookie` value that starts a session for `member_id`.
pub(super) fn session_cookie(app: &App, member_id: i64, now_ms: i64) -> String {
    let token = app.signer.issue(member_id, now_ms);
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        SESSION_TTL_MS / 1000
    )
}

/// What a sign-in answers: 201, the session cookie and the member.
pub(super) fn signed_in(app: &App, member: &Member, now_ms: i64) -> Response {
    (
        StatusCode::CREATED,
        [(header::SET_COOKIE, session_cookie(app, member.id, now_ms))],
        Json(json!({ "member": MemberView::from(member) })),
    )
        .into_response()
}

async fn sign_out() -> Response {
    let cookie = format!("{COOKIE_NAME}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response()
}

async fn me(CurrentMember(member): CurrentMember) -> Json<MemberBody> {
    Json(MemberBody::from(&member))
}

async fn my_stats(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
) -> Result<Response, ApiError> {
    let stats = app.stores.practice.member_stats(member.id).await?;
    Ok(Json(stats).into_response())
}

/// The member's duel rating and record; the starting rating before any
/// rated duel.
async fn my_duel(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
) -> Result<Response, ApiError> {
    let d = app
        .stores
        .matches
        .duel_rating(member.id)
        .await?
        .unwrap_or(DEFAULT_DUEL_RATING);
    Ok(Json(json!({
        "rating": d.rating.round() as i64,
        "deviation": d.deviation,
        "provisional": d.provisional(),
        "games": d.games,
        "wins": d.wins,
        "losses": d.losses,
        "draws": d.draws,
    }))
    .into_response())
}

#[derive(Serialize)]
struct NotebookEntry {
    question_id: String,
    history: String,
    kind: String,
    prompt: String,
    options: Vec<String>,
    answer: Vec<usize>,
    explanation: String,
    source: String,
    media: Option<MediaView>,
    wrong_count: i64,
    box_level: i64,
    due_at_ms: i64,
    last_wrong_at_ms: i64,
    due: bool,
}

async fn notebook(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
) -> Result<Response, ApiError> {
    let now = wall_ms();
    let items = app.stores.practice.notebook(member.id).await?;
    let bank = app.bank.current();
    // Questions retired from the bank drop out of the notebook.
    let entries: Vec<NotebookEntry> = items
        .iter()
        .filter_map(|item| {
            let q = bank.get_active(&item.question_id)?;
            Some(NotebookEntry {
                question_id: q.id.clone(),
                history: q.history.as_str().into(),
                kind: q.kind.as_str().into(),
                prompt: q.prompt.clone(),
                options: q.options.clone(),
                answer: q.answer.indices().collect(),
                explanation: q.explanation.clone(),
                source: q.source.clone(),
                media: q.media.as_ref().map(media_view),
                wrong_count: item.wrong_count,
                box_level: item.box_level,
                due_at_ms: item.due_at_ms,
                last_wrong_at_ms: item.last_wrong_at_ms,
                due: item.entry().is_due(now),
            })
        })
        .collect();
    let due = entries.iter().filter(|e| e.due).count();
    Ok(Json(json!({ "due": due, "entries": entries })).into_response())
}

#[derive(Deserialize)]
struct BoardQuery {
    board: Option<String>,
    period: Option<String>,
    limit: Option<usize>,
    /// Ladder boards: the season (default: the current one).
    season: Option<i64>,
}

#[derive(Serialize)]
struct StandingBody {
    rank: u64,
    member_id: i64,
    nickname: String,
    district: String,
    score: i64,
    /// Ladder boards: the score as a tier and stars.
    #[serde(skip_serializing_if = "Option::is_none")]
    ladder: Option<serde_json::Value>,
}

const AROUND_RADIUS: usize = 3;

async fn leaderboard(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
    query: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) =
        query.map_err(|e| ApiError::bad_request(format!("查询参数不正确：{}", e.body_text())))?;
    let board = match q.board.as_deref() {
        None => Board::Overall,
        Some(b) => Board::parse(b)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "board 可选 overall、solo、duel、duel_rating、ladder、ladder_<段位>（bronze、silver、gold、platinum、diamond、king）",
                )
            })?,
    };
    let period = match q.period.as_deref() {
        None => Period::AllTime,
        Some(p) => Period::parse(p)
            .ok_or_else(|| ApiError::bad_request("period 可选 all_time、day、week"))?,
    };
    // A rating is not earned per day or week: that board is all-time only.
    let period = if board == Board::DuelRating {
        Period::AllTime
    } else {
        period
    };
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("limit 须在 1 到 100 之间"));
    }
    let season = match board.is_ladder() {
        true => Some(super::ladder::board_season(&app, q.season).await?),
        false => None,
    };
    let key = match season {
        Some(s) => PeriodKey::Season(s.id),
        None => period.key(wall_ms()),
    };
    let unavailable = |e| {
        tracing::warn!("leaderboard unavailable: {e}");
        ApiError::unavailable()
    };
    let top = app
        .leaderboard
        .top(board, key, limit)
        .await
        .map_err(unavailable)?;
    let around = app
        .leaderboard
        .around(board, key, member.id, AROUND_RADIUS)
        .await
        .map_err(unavailable)?;
    let ranked = app.leaderboard.len(board, key).await.map_err(unavailable)?;
    let mut ids: Vec<i64> = top
        .iter()
        .chain(around.iter())
        .map(|s| s.member_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let members: HashMap<i64, Member> = app
        .stores
        .members
        .members(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let body = |s: &Standing| StandingBody {
        rank: s.rank,
        member_id: s.member_id,
        nickname: members
            .get(&s.member_id)
            .map_or_else(|| "已注销".into(), |m| m.nickname.clone()),
        district: members
            .get(&s.member_id)
            .map_or_else(String::new, |m| m.district.clone()),
        score: s.score,
        ladder: board
            .is_ladder()
            .then(|| super::ladder::score_rank(s.score)),
    };
    let me = around.iter().find(|s| s.member_id == member.id).map(body);
    Ok(Json(json!({
        "board": board.as_str(),
        "period": if season.is_some() { "season" } else { period.as_str() },
        "season": season.map(crate::rooms::ladder::season_view),
        "ranked": ranked,
        "top": top.iter().map(body).collect::<Vec<_>>(),
        "around_me": around.iter().map(body).collect::<Vec<_>>(),
        "me": me,
    }))
    .into_response())
}
