//! District competitions for organizers (docs/protocol.md §7): create a
//! draft, edit it, publish it, close it early, clone it. The rules and the
//! lifecycle are `domain::district`'s; this module stores the result with a
//! version check, so that two organizers cannot overwrite each other.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::CurrentOrganizer;
use super::api::json_body;
use super::error::ApiError;
use crate::domain::district::{
    Competition, CompetitionRules, FieldError, LifecycleError, QuestionSet, validate,
};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::competitions::StoredCompetition;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/competitions", get(list).post(create))
        .route("/competitions/{id}", get(one).put(edit))
        .route("/competitions/{id}/publish", post(publish))
        .route("/competitions/{id}/close", post(close))
        .route("/competitions/{id}/clone", post(clone))
        .route(
            "/competitions/{id}/export",
            get(super::competition_exports::export),
        )
}

/// How many active bank questions a set offers.
fn available(app: &App) -> impl Fn(&QuestionSet) -> usize {
    let bank = app.bank.current();
    move |set: &QuestionSet| bank.questions().iter().filter(|q| set.contains(q)).count()
}

/// What would stop the competition from being published now.
fn problems(app: &App, c: &Competition, now_ms: i64) -> Vec<FieldError> {
    validate(
        &c.rules,
        now_ms,
        &app.districts.active_names(),
        available(app),
    )
    .err()
    .unwrap_or_default()
}

fn view(app: &App, s: &StoredCompetition, now_ms: i64) -> Value {
    let c = &s.competition;
    json!({
        "id": s.id,
        "version": s.version,
        "status": c.status(now_ms).as_str(),
        "state": c.state,
        "rules": c.rules,
        "effective_end_ms": c.effective_end_ms(),
        "created_at_ms": s.created_at_ms,
        "updated_at_ms": s.updated_at_ms,
        "problems": problems(app, c, now_ms),
    })
}

fn lifecycle_refusal(e: LifecycleError) -> ApiError {
    match e {
        LifecycleError::Invalid(errors) => {
            let mut r = ApiError::new(StatusCode::BAD_REQUEST, "invalid_rules", e_message(&errors));
            r.extra = Some(json!({ "errors": errors }));
            r
        }
        other => ApiError::new(StatusCode::CONFLICT, other.code(), other.to_string()),
    }
}

fn e_message(errors: &[FieldError]) -> String {
    format!("比赛设置有 {} 处问题", errors.len())
}

fn version_conflict() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "version_conflict",
        "比赛已被他人修改，请刷新后再试",
    )
}

async fn load(app: &App, id: i64) -> Result<StoredCompetition, ApiError> {
    app.stores
        .competitions
        .competition(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("没有编号为 {id} 的比赛")))
}

/// Saves `next` over `current` (at the version the organizer saw).
async fn save(
    app: &App,
    current: &StoredCompetition,
    version: i64,
    next: &Competition,
    now_ms: i64,
) -> Result<StoredCompetition, ApiError> {
    if version != current.version {
        return Err(version_conflict());
    }
    app.stores
        .competitions
        .save_competition(current.id, next, version, now_ms)
        .await?
        .ok_or_else(version_conflict)
}

async fn list(_: CurrentOrganizer, State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let now = wall_ms();
    let all = app.stores.competitions.competitions().await?;
    Ok(Json(json!({
        "competitions": all.iter().map(|s| view(&app, s, now)).collect::<Vec<_>>(),
    })))
}

async fn one(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let stored = load(&app, id).await?;
    Ok(Json(view(&app, &stored, wall_ms())))
}

/// A new draft: the rules as given (a draft may be incomplete; `problems`
/// in the answer says what publishing would refuse).
async fn create(
    organizer: CurrentOrganizer,
    State(app): State<Arc<App>>,
    body: Result<Json<CompetitionRules>, JsonRejection>,
) -> Result<Response, ApiError> {
    let rules = json_body(body)?;
    let now = wall_ms();
    let stored = app
        .stores
        .competitions
        .create_competition(&Competition::draft(rules), now)
        .await?;
    tracing::info!(
        competition = stored.id,
        organizer = organizer.0.id,
        "competition drafted"
    );
    Ok((StatusCode::CREATED, Json(view(&app, &stored, now))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    version: i64,
    rules: CompetitionRules,
}

async fn edit(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    body: Result<Json<Edit>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let now = wall_ms();
    let current = load(&app, id).await?;
    let next = current
        .competition
        .edit(
            body.rules,
            now,
            &app.districts.active_names(),
            available(&app),
        )
        .map_err(lifecycle_refusal)?;
    let saved = save(&app, &current, body.version, &next, now).await?;
    Ok(Json(view(&app, &saved, now)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtVersion {
    version: i64,
}

async fn publish(
    organizer: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    body: Result<Json<AtVersion>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let now = wall_ms();
    let current = load(&app, id).await?;
    let next = current
        .competition
        .publish(now, &app.districts.active_names(), available(&app))
        .map_err(lifecycle_refusal)?;
    let saved = save(&app, &current, body.version, &next, now).await?;
    tracing::info!(
        competition = id,
        organizer = organizer.0.id,
        "competition published"
    );
    Ok(Json(view(&app, &saved, now)))
}

async fn close(
    organizer: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    body: Result<Json<AtVersion>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let now = wall_ms();
    let current = load(&app, id).await?;
    let next = current.competition.close(now).map_err(lifecycle_refusal)?;
    let saved = save(&app, &current, body.version, &next, now).await?;
    tracing::info!(
        competition = id,
        organizer = organizer.0.id,
        "competition closed early"
    );
    app.duels.close_competition(id);
    Ok(Json(view(&app, &saved, now)))
}

/// A new draft with a copy of the rules, whatever the original's state.
async fn clone(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let now = wall_ms();
    let current = load(&app, id).await?;
    let copy = Competition::draft(current.competition.duplicate());
    let stored = app
        .stores
        .competitions
        .create_competition(&copy, now)
        .await?;
    Ok((StatusCode::CREATED, Json(view(&app, &stored, now))).into_response())
}
