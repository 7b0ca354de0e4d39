//! A district competition's results as files for organizers
//! (docs/protocol.md §7): `GET /api/admin/competitions/{id}/export?table=
//! standings|members&format=csv|xlsx`. The standings are
//! `competitions::standings_of`'s, so the file says what the big screen
//! says; the member table is read from the same battles. The files are
//! written by the statistics tables' writer (`stats::Table`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::CurrentOrganizer;
use super::competitions::standings_of;
use super::error::ApiError;
use super::stats::{Table, format_beijing_time};
use crate::server::App;
use crate::store::battles::MemberBattles;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Standings,
    Members,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    table: Option<String>,
    format: Option<String>,
}

const STANDINGS_COLUMNS: &[(&str, &str)] = &[
    ("place", "名次"),
    ("district", "区市"),
    ("points", "积分"),
    ("battles", "场次"),
    ("wins", "胜"),
    ("draws", "平"),
    ("losses", "负"),
    ("participants", "参赛人数"),
    ("registered", "注册人数"),
    ("participation_rate", "参与率"),
    ("accuracy", "正确率"),
    ("points_scored", "队员得分合计"),
    ("top_contributors", "贡献榜"),
];

const MEMBER_COLUMNS: &[(&str, &str)] = &[
    ("place", "名次"),
    ("member_id", "会员编号"),
    ("nickname", "昵称"),
    ("district", "区市"),
    ("battles", "对战场次"),
    ("points", "计分积分"),
    ("correct", "答对题数"),
    ("last_at", "最近对战(北京时间)"),
];

/// `GET /api/admin/competitions/{id}/export`.
pub(super) async fn export(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("查询参数不正确：{e}")))?;
    let which = match q.table.as_deref() {
        Some("standings") => Which::Standings,
        Some("members") => Which::Members,
        _ => return Err(ApiError::bad_request("table 可选 standings、members")),
    };
    let format = match q.format.as_deref() {
        Some("csv") => FileFormat::Csv,
        Some("xlsx") => FileFormat::Xlsx,
        _ => return Err(ApiError::bad_request("format 可选 csv、xlsx")),
    };
    // Unknown ids and drafts are 404 here, as for members.
    let standings = standings_of(&app, id).await?;
    let table = match which {
        Which::Standings => Table {
            name: "standings",
            columns: STANDINGS_COLUMNS,
            rows: standings_rows(&standings),
        },
        Which::Members => {
            let battled = app.stores.battles.member_battles(id).await?;
            let ids: Vec<i64> = battled.iter().map(|m| m.member_id).collect();
            let names: HashMap<i64, String> = app
                .stores
                .members
                .members(&ids)
                .await?
                .into_iter()
                .map(|m| (m.id, m.nickname))
                .collect();
            Table {
                name: "members",
                columns: MEMBER_COLUMNS,
                rows: member_rows(battled, &names),
            }
        }
    };
    let (extension, content_type, body) = match format {
        FileFormat::Csv => ("csv", "text/csv; charset=utf-8", table.csv().into_bytes()),
        FileFormat::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            table.xlsx()?,
        ),
    };
    let file_name = format!("区域PK赛-{id}-{}.{extension}", table.name);
    let ascii_name = format!("competition-{id}-{}.{extension}", table.name);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&ascii_name, &file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// `attachment` with an ASCII `filename` for old clients and the real
/// (UTF-8) one as `filename*` (RFC 6266 / RFC 8187), which browsers prefer.
fn content_disposition(ascii: &str, utf8: &str) -> String {
    let mut encoded = String::new();
    for b in utf8.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A ratio with four decimals, as the statistics tables give them.
fn four_decimals(v: &Value) -> Value {
    match v.as_f64() {
        Some(x) => json!((x * 10_000.0).round() / 10_000.0),
        None => Value::Null,
    }
}

/// The standings' districts in place order, contributors as "小王(8120)、…".
fn standings_rows(standings: &Value) -> Vec<Value> {
    let districts = standings["districts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    districts
        .into_iter()
        .map(|mut d| {
            let top = d["top_contributors"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            format!(
                                "{}({})",
                                c["nickname"].as_str().unwrap_or_default(),
                                c["points"]
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default();
            d["top_contributors"] = Value::String(top);
            d["participation_rate"] = four_decimals(&d["participation_rate"]);
            d["accuracy"] = four_decimals(&d["accuracy"]);
            d
        })
        .collect()
}

/// One row per member (and district they battled for): most counted points
/// first, then whoever got there first, then by member id. Equal points
/// reached at the same moment share a place, as in the standings.
fn member_rows(mut battled: Vec<MemberBattles>, names: &HashMap<i64, String>) -> Vec<Value> {
    let key = |m: &MemberBattles| (std::cmp::Reverse(m.points), m.last_at_ms);
    battled.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then(a.member_id.cmp(&b.member_id))
            .then(a.district.cmp(&b.district))
    });
    let mut rows = Vec::with_capacity(battled.len());
    let mut place = 0;
    for (i, m) in battled.iter().enumerate() {
        if i == 0 || key(&battled[i - 1]) != key(m) {
            place = i + 1;
        }
        rows.push(json!({
            "place": place,
            "member_id": m.member_id,
            "nickname": names.get(&m.member_id).map_or("已注销", String::as_str),
            "district": m.district,
            "battles": m.battles,
            "points": m.points,
            "correct": m.correct,
            "last_at": format_beijing_time(m.last_at_ms),
        }));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_sent_as_ascii_and_as_utf8() {
        assert_eq!(
            content_disposition("competition-7-standings.csv", "区域PK赛-7-standings.csv"),
            "attachment; filename=\"competition-7-standings.csv\"; \
             filename*=UTF-8''%E5%8C%BA%E5%9F%9FPK%E8%B5%9B-7-standings.csv"
        );
    }

    #[test]
    fn members_rank_by_points_then_who_got_there_first() {
        let m = |id: i64, points: i64, last_at_ms: i64| MemberBattles {
            member_id: id,
            district: "市南区".into(),
            battles: 1,
            points,
            correct: 1,
            last_at_ms,
        };
        let names = HashMap::from([(1, "甲".to_owned())]);
        let rows = member_rows(
            vec![m(3, 50, 10), m(1, 80, 20), m(2, 50, 5), m(4, 50, 5)],
            &names,
        );
        let order: Vec<(i64, u64)> = rows
            .iter()
            .map(|r| {
                (
                    r["member_id"].as_i64().unwrap(),
                    r["place"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(order, [(1, 1), (2, 2), (4, 2), (3, 4)]);
        assert_eq!(rows[0]["nickname"], "甲");
        assert_eq!(rows[1]["nickname"], "已注销");
    }

    #[test]
    fn standings_rows_list_contributors_and_round_ratios() {
        let standings = json!({"districts": [{
            "place": 1, "district": "市南区", "participation_rate": 0.013_419_9, "accuracy": 0.8,
            "top_contributors": [{"nickname": "小王", "points": 8120}, {"nickname": "老李", "points": 700}],
        }]});
        let rows = standings_rows(&standings);
        assert_eq!(rows[0]["top_contributors"], "小王(8120)、老李(700)");
        assert_eq!(rows[0]["participation_rate"], 0.0134);
    }
}
