//! Districts over REST: organizers add, rename and retire them
//! (`/api/admin/districts`), and members move to another district at most
//! once per [`DISTRICT_CHANGE_INTERVAL_MS`] (`PUT /api/me/district`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::CurrentOrganizer;
use super::api::{CurrentMember, json_body};
use super::error::ApiError;
use crate::domain::member::{DISTRICT_CHANGE_INTERVAL_MS, district_change_blocked_until};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::districts::{District, DistrictEdit};

/// The longest district name, in characters.
const NAME_MAX_CHARS: usize = 20;

/// Organizer routes, under `/api/admin`.
pub fn admin_routes() -> Router<Arc<App>> {
    Router::new()
        .route("/districts", get(list).post(add))
        .route("/districts/{name}", patch(edit))
}

fn district_view(d: &District, members: i64) -> Value {
    json!({"name": d.name, "position": d.position, "retired": d.retired, "members": members})
}

/// A trimmed, checked district name, or the refusal.
fn checked_name(app: &App, raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let chars = name.chars().count();
    let invalid = |why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_district",
            format!("name：{why}"),
        )
    };
    if chars == 0 || chars > NAME_MAX_CHARS {
        return Err(invalid("区市名称须为 1 到 20 个字"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("区市名称不能含控制字符"));
    }
    if app.banned_words.blocks(name) {
        return Err(invalid("区市名称含有不允许的词语"));
    }
    Ok(name.to_owned())
}

fn edit_result(edit: DistrictEdit, name: &str) -> Result<District, ApiError> {
    match edit {
        DistrictEdit::Done(d) => Ok(d),
        DistrictEdit::NameTaken => Err(ApiError::new(
            StatusCode::CONFLICT,
            "district_exists",
            format!("name：已有名为“{name}”的区市"),
        )),
        DistrictEdit::NotFound => Err(ApiError::not_found(format!("没有名为“{name}”的区市"))),
    }
}

async fn list(_: CurrentOrganizer, State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let counts: HashMap<String, i64> = app
        .stores
        .stats
        .district_rows()
        .await?
        .into_iter()
        .map(|r| (r.district, r.members))
        .collect();
    let districts = app.stores.districts.districts().await?;
    Ok(Json(json!({
        "districts": districts
            .iter()
            .map(|d| district_view(d, counts.get(&d.name).copied().unwrap_or(0)))
            .collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDistrict {
    name: String,
}

async fn add(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    body: Result<Json<NewDistrict>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let name = checked_name(&app, &body.name)?;
    let added = app.stores.districts.add_district(&name, wall_ms()).await?;
    let district = edit_result(added, &name)?;
    app.districts.reload().await?;
    tracing::info!(district = district.name, "district added");
    Ok((StatusCode::CREATED, Json(district_view(&district, 0))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictPatch {
    /// A new name: the district's members move with it.
    name: Option<String>,
    retired: Option<bool>,
}

async fn edit(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    body: Result<Json<DistrictPatch>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    if body.name.is_none() && body.retired.is_none() {
        return Err(ApiError::bad_request(
            "请给出新名称 name 或停用状态 retired",
        ));
    }
    let now = wall_ms();
    let mut current = name.clone();
    let mut district = None;
    if let Some(new) = &body.name {
        let new = checked_name(&app, new)?;
        if new != current {
            let renamed = app
                .stores
                .districts
                .rename_district(&current, &new, now)
                .await?;
            district = Some(edit_result(renamed, &new)?);
            tracing::info!(from = current, to = new, "district renamed");
            current = new;
        }
    }
    if let Some(retired) = body.retired {
        let set = app
            .stores
            .districts
            .set_district_retired(&current, retired, now)
            .await?;
        district = Some(edit_result(set, &current)?);
        tracing::info!(district = current, retired, "district retirement set");
    }
    let district = match district {
        Some(d) => d,
        // Renamed to its own name: nothing changed; say what it is.
        None => app
            .stores
            .districts
            .districts()
            .await?
            .into_iter()
            .find(|d| d.name == current)
            .ok_or_else(|| ApiError::not_found(format!("没有名为“{current}”的区市")))?,
    };
    app.districts.reload().await?;
    let members = app
        .stores
        .stats
        .district_rows()
        .await?
        .into_iter()
        .find(|r| r.district == district.name)
        .map_or(0, |r| r.members);
    Ok(Json(district_view(&district, members)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictChange {
    district: String,
}

/// `PUT /api/me/district`: the member moves to another active district,
/// at most once per [`DISTRICT_CHANGE_INTERVAL_MS`].
pub async fn change_mine(
    State(app): State<Arc<App>>,
    CurrentMember(member): CurrentMember,
    body: Result<Json<DistrictChange>, JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    let to = body.district.trim();
    if !app.districts.is_active(to) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_district",
            "请选择列表中的区市",
        ));
    }
    if to == member.district {
        return Ok(Json(json!({"district": member.district, "changed": false})).into_response());
    }
    let now = wall_ms();
    let last = app.stores.districts.last_district_change(member.id).await?;
    if let Some(next) = district_change_blocked_until(last, now) {
        let mut refusal = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "district_change_too_soon",
            "每 30 天只能更换一次区市",
        );
        refusal.extra = Some(json!({"next_change_at_ms": next}));
        return Err(refusal);
    }
    app.stores
        .districts
        .change_member_district(member.id, &member.district, to, now)
        .await?;
    tracing::info!(
        member = member.id,
        from = member.district,
        to,
        "member changed district"
    );
    Ok(Json(json!({
        "district": to,
        "changed": true,
        "next_change_at_ms": now + DISTRICT_CHANGE_INTERVAL_MS,
    }))
    .into_response())
}
