//! Organizer statistics and the bank browser, under `/api/admin`
//! (docs/protocol.md §7). The numbers come from the database's running
//! totals and aggregate queries (`store::stats`); this file joins them with
//! the bank's metadata, derives ratios and flags, pages, and exports any
//! table as CSV or XLSX.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::CurrentOrganizer;
use super::error::ApiError;
use crate::domain::question::{History, Question};
use crate::rooms::views::media_view;
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::stats::{MemberOrder, QuestionRow};
use crate::store::totals::{beijing_day, day_start_ms};

const DEFAULT_PER_PAGE: usize = 50;
const MAX_PER_PAGE: usize = 200;
/// Flags wait for this many answers: a few answers prove nothing.
const MIN_ATTEMPTS_FOR_FLAGS: i64 = 20;
const TOO_EASY: f64 = 0.95;
const TOO_HARD: f64 = 0.20;
/// Below this, strong members miss the question more than weak ones do.
const NEGATIVE_DISCRIMINATION: f64 = -0.1;
/// Each group needs this many answers before the index is shown.
const MIN_GROUP_ATTEMPTS: i64 = 5;
const FLAGS: [&str; 4] = [
    "too_easy",
    "too_hard",
    "negative_discrimination",
    "likely_miskeyed",
];

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/stats/overview", get(overview))
        .route("/stats/questions", get(questions))
        .route("/stats/members", get(members))
        .route("/stats/districts", get(districts))
        .route("/stats/histories", get(histories))
        .route("/stats/days", get(days))
        .route("/stats/refresh", post(refresh))
        .route("/questions", get(bank))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
}

/// The page asked for, checked. (Query structs list `page` and `per_page`
/// themselves: serde's `flatten` loses the numbers' types in a query string.)
fn limits(page: Option<usize>, per_page: Option<usize>) -> Result<(usize, usize), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 || per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(ApiError::bad_request(format!(
            "page 从 1 开始，per_page 须在 1 到 {MAX_PER_PAGE} 之间"
        )));
    }
    Ok((page, per_page))
}

fn query<T: serde::de::DeserializeOwned>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(format!("查询参数不正确：{e}")))
}

/// A table as the console shows it: column keys with their headings, and
/// rows as JSON objects with those keys. (The competition exports,
/// `competition_exports.rs`, write their files with it too.)
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [(&'static str, &'static str)],
    pub(crate) rows: Vec<Value>,
}

impl Table {
    /// JSON with paging facts, or the whole table as a file.
    fn respond(self, format: Format, meta: Value) -> Result<Response, ApiError> {
        match format {
            Format::Json => {
                let mut body = meta;
                body["columns"] = json!(
                    self.columns
                        .iter()
                        .map(|(key, title)| json!({"key": key, "title": title}))
                        .collect::<Vec<_>>()
                );
                body["rows"] = Value::Array(self.rows);
                Ok(Json(body).into_response())
            }
            Format::Csv => Ok(attachment(
                "text/csv; charset=utf-8",
                &format!("{}.csv", self.name),
                self.csv().into_bytes(),
            )),
            Format::Xlsx => Ok(attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{}.xlsx", self.name),
                self.xlsx()?,
            )),
        }
    }

    fn cell_text(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(Self::cell_text)
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        }
    }

    /// RFC 4180, with a byte-order mark so that Excel reads the Chinese.
    pub(crate) fn csv(&self) -> String {
        let escape = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut out = String::from("\u{feff}");
        let headings: Vec<String> = self.columns.iter().map(|(_, t)| escape(t)).collect();
        out.push_str(&headings.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|(key, _)| escape(&Self::cell_text(&row[*key])))
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }

    pub(crate) fn xlsx(&self) -> Result<Vec<u8>, ApiError> {
        let failed = |e: rust_xlsxwriter::XlsxError| {
            tracing::error!("xlsx export failed: {e}");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "export_failed",
                "导出失败",
            )
        };
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, (_, title)) in self.columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *title, &bold)
                .map_err(failed)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, (key, _)) in self.columns.iter().enumerate() {
                let c = c as u16;
                match &row[*key] {
                    Value::Number(n) => {
                        sheet
                            .write_number(r, c, n.as_f64().unwrap_or_default())
                            .map_err(failed)?;
                    }
                    Value::Null => {}
                    other => {
                        sheet
                            .write_string(r, c, Self::cell_text(other))
                            .map_err(failed)?;
                    }
                }
            }
        }
        book.save_to_buffer().map_err(failed)
    }
}

fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn ratio(part: i64, whole: i64) -> Value {
    if whole > 0 {
        json!((part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
    } else {
        Value::Null
    }
}

async fn overview(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
) -> Result<Json<Value>, ApiError> {
    let o = app.stores.stats.overview().await?;
    Ok(Json(json!({
        "members": o.members,
        "participants": o.participants,
        "answers": o.answers,
        "correct": o.correct,
        "accuracy": ratio(o.correct, o.answers),
        "points": o.points,
        "matches": o.matches,
        "questions": app.bank.current().questions().len(),
    })))
}

#[derive(Debug, Deserialize, Default)]
struct QuestionQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    #[serde(default)]
    format: Format,
    history: Option<String>,
    difficulty: Option<u8>,
    /// too_easy | too_hard | negative_discrimination | likely_miskeyed
    flag: Option<String>,
    /// Text in the id or prompt.
    q: Option<String>,
    /// attempts | accuracy | discrimination | id
    sort: Option<String>,
    /// asc | desc
    order: Option<String>,
}

const QUESTION_COLUMNS: &[(&str, &str)] = &[
    ("question_id", "题号"),
    ("history", "类别"),
    ("difficulty", "难度"),
    ("kind", "题型"),
    ("prompt", "题目"),
    ("answer", "正确答案"),
    ("attempts", "作答次数"),
    ("correct", "答对次数"),
    ("accuracy", "正确率"),
    ("timeouts", "超时次数"),
    ("mean_ms", "平均用时(毫秒)"),
    ("median_ms", "用时中位数(毫秒)"),
    ("top_choice", "最常选"),
    ("choices_text", "选项分布"),
    ("upper_accuracy", "高分组正确率"),
    ("lower_accuracy", "低分组正确率"),
    ("discrimination", "区分度"),
    ("flags", "提示"),
];

struct QuestionFacts {
    accuracy: Option<f64>,
    discrimination: Option<f64>,
    flags: Vec<&'static str>,
}

fn question_facts(q: &Question, row: &QuestionRow, choices: &[(String, i64)]) -> QuestionFacts {
    let accuracy = (row.attempts > 0).then(|| row.correct as f64 / row.attempts as f64);
    let group = |c: i64, a: i64| (a >= MIN_GROUP_ATTEMPTS).then(|| c as f64 / a as f64);
    let discrimination = match (
        group(row.upper_correct, row.upper_attempts),
        group(row.lower_correct, row.lower_attempts),
    ) {
        (Some(u), Some(l)) => Some(u - l),
        _ => None,
    };
    let mut flags = Vec::new();
    if row.attempts >= MIN_ATTEMPTS_FOR_FLAGS {
        let acc = accuracy.unwrap_or_default();
        if acc >= TOO_EASY {
            flags.push("too_easy");
        }
        if acc <= TOO_HARD {
            flags.push("too_hard");
        }
        if discrimination.is_some_and(|d| d <= NEGATIVE_DISCRIMINATION) {
            flags.push("negative_discrimination");
        }
        // A wrong option drawing more people than the key, while strong
        // members do no better than weak ones: the key may be wrong.
        let key = q.answer.letters();
        let top = choices
            .iter()
            .filter(|(c, _)| c != "-")
            .max_by_key(|(_, n)| *n);
        if let Some((top_choice, _)) = top
            && *top_choice != key
            && discrimination.is_none_or(|d| d <= 0.0)
        {
            flags.push("likely_miskeyed");
        }
    }
    QuestionFacts {
        accuracy,
        discrimination,
        flags,
    }
}

async fn questions(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<QuestionQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (page, per_page) = limits(q.page, q.per_page)?;
    let history =
        match q.history.as_deref() {
            None | Some("") => None,
            Some(h) => Some(History::parse(h).ok_or_else(|| {
                ApiError::bad_request("history 可选 party、prc、reform、socialism")
            })?),
        };
    let rows = app.stores.stats.question_rows().await?;
    let bank = app.bank.current();
    let ids: Vec<String> = rows.iter().map(|r| r.question_id.clone()).collect();
    let mut choices: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for c in app.stores.stats.question_choices(&ids).await? {
        choices
            .entry(c.question_id)
            .or_default()
            .push((c.choice, c.count));
    }
    let groups_at = rows.iter().map(|r| r.groups_at_ms).max().unwrap_or(0);
    let needle = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut picked: Vec<(Arc<Question>, QuestionRow, QuestionFacts)> = rows
        .into_iter()
        .filter_map(|row| {
            let question = bank.get(&row.question_id)?.clone();
            let facts = question_facts(
                &question,
                &row,
                choices.get(&row.question_id).map_or(&[][..], |c| c),
            );
            Some((question, row, facts))
        })
        .filter(|(question, _, facts)| {
            history.is_none_or(|h| question.history == h)
                && q.difficulty.is_none_or(|d| question.difficulty == d)
                && q.flag.as_deref().is_none_or(|f| facts.flags.contains(&f))
                && needle.is_none_or(|n| question.id.contains(n) || question.prompt.contains(n))
        })
        .collect();
    if !matches!(
        q.sort.as_deref(),
        None | Some("attempts" | "accuracy" | "discrimination" | "id")
    ) {
        return Err(ApiError::bad_request(
            "sort 可选 attempts、accuracy、discrimination、id",
        ));
    }
    if !matches!(q.order.as_deref(), None | Some("asc" | "desc")) {
        return Err(ApiError::bad_request("order 可选 asc、desc"));
    }
    if q.flag
        .as_deref()
        .is_some_and(|f| !f.is_empty() && !FLAGS.contains(&f))
    {
        return Err(ApiError::bad_request(
            "flag 可选 too_easy、too_hard、negative_discrimination、likely_miskeyed",
        ));
    }
    let descending = q.order.as_deref() != Some("asc");
    // Sorting by id leaves every key equal, so the id tie-break decides.
    let key =
        |(_, row, facts): &(Arc<Question>, QuestionRow, QuestionFacts)| match q.sort.as_deref() {
            Some("accuracy") => facts.accuracy.unwrap_or(-1.0),
            Some("discrimination") => facts.discrimination.unwrap_or(-2.0),
            Some("id") => 0.0,
            _ => row.attempts as f64,
        };
    picked.sort_by(|a, b| {
        let by_key = key(a).total_cmp(&key(b));
        let by_key = if descending { by_key.reverse() } else { by_key };
        by_key.then_with(|| a.0.id.cmp(&b.0.id))
    });
    let total = picked.len();
    let shown: Vec<_> = if q.format == Format::Json {
        picked
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect()
    } else {
        picked
    };
    let shown_ids: Vec<String> = shown.iter().map(|(q, _, _)| q.id.clone()).collect();
    let medians = app.stores.stats.median_answer_ms(&shown_ids).await?;
    let rows = shown
        .iter()
        .map(|(question, row, facts)| {
            let mine = choices.get(&question.id).cloned().unwrap_or_default();
            let top_choice = mine
                .iter()
                .filter(|(c, _)| c != "-")
                .max_by_key(|(_, n)| *n)
                .map(|(c, _)| c.clone());
            let timeouts = mine
                .iter()
                .find(|(c, _)| c == "-")
                .map_or(0, |(_, n)| *n);
            let group = |c: i64, a: i64| {
                if a >= MIN_GROUP_ATTEMPTS {
                    ratio(c, a)
                } else {
                    Value::Null
                }
            };
            json!({
                "question_id": question.id,
                "version": question.version,
                "history": question.history.as_str(),
                "difficulty": question.difficulty,
                "kind": question.kind.as_str(),
                "prompt": question.prompt,
                "options": question.options,
                "answer": question.answer.letters(),
                "attempts": row.attempts,
                "correct": row.correct,
                "accuracy": ratio(row.correct, row.attempts),
                "timeouts": timeouts,
                "mean_ms": (row.attempts > 0).then(|| row.answer_ms_total / row.attempts),
                "median_ms": medians.get(&question.id),
                "choices": mine.iter().map(|(c, n)| json!({"choice": c, "count": n})).collect::<Vec<_>>(),
                "choices_text": mine.iter().map(|(c, n)| format!("{c}:{n}")).collect::<Vec<_>>().join(" "),
                "top_choice": top_choice,
                "upper_accuracy": group(row.upper_correct, row.upper_attempts),
                "lower_accuracy": group(row.lower_correct, row.lower_attempts),
                "discrimination": facts.discrimination.map(|d| (d * 1000.0).round() / 1000.0),
                "flags": facts.flags,
            })
        })
        .collect();
    Table {
        name: "questions",
        columns: QUESTION_COLUMNS,
        rows,
    }
    .respond(
        q.format,
        json!({
            "page": page,
            "per_page": per_page,
            "total": total,
            "groups_at_ms": groups_at,
            // The rules behind the flags, so that a console explains them
            // from the same numbers the server uses.
            "thresholds": {
                "min_attempts_for_flags": MIN_ATTEMPTS_FOR_FLAGS,
                "too_easy_accuracy": TOO_EASY,
                "too_hard_accuracy": TOO_HARD,
                "negative_discrimination": NEGATIVE_DISCRIMINATION,
                "min_group_attempts": MIN_GROUP_ATTEMPTS,
                "group_share": crate::store::stats::GROUP_SHARE,
                "min_answers_for_groups": crate::store::stats::MIN_ANSWERS_FOR_GROUPS,
            },
        }),
    )
}

#[derive(Debug, Deserialize, Default)]
struct MemberQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    #[serde(default)]
    format: Format,
    district: Option<String>,
    /// Text in the nickname.
    q: Option<String>,
    /// points | answers | accuracy | recent
    sort: Option<String>,
}

const MEMBER_COLUMNS: &[(&str, &str)] = &[
    ("member_id", "会员编号"),
    ("nickname", "昵称"),
    ("district", "区市"),
    ("answers", "作答次数"),
    ("correct", "答对次数"),
    ("accuracy", "正确率"),
    ("points", "积分"),
    ("mean_ms", "平均用时(毫秒)"),
    ("last_at", "最近作答(北京时间)"),
];

async fn members(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<MemberQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (page, per_page) = limits(q.page, q.per_page)?;
    let order = match q.sort.as_deref() {
        None | Some("points") => MemberOrder::Points,
        Some("answers") => MemberOrder::Answers,
        Some("accuracy") => MemberOrder::Accuracy,
        Some("recent") => MemberOrder::Recent,
        Some(_) => {
            return Err(ApiError::bad_request(
                "sort 可选 points、answers、accuracy、recent",
            ));
        }
    };
    let district = q.district.as_deref().filter(|d| !d.is_empty());
    let name = q.q.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let (limit, offset) = if q.format == Format::Json {
        (per_page as i64, ((page - 1) * per_page) as i64)
    } else {
        (i64::MAX, 0)
    };
    let (total, rows) = app
        .stores
        .stats
        .member_rows(district, name, order, limit, offset)
        .await?;
    let rows = rows
        .into_iter()
        .map(|m| {
            json!({
                "member_id": m.member_id,
                "nickname": m.nickname,
                "district": m.district,
                "answers": m.answers,
                "correct": m.correct,
                "accuracy": ratio(m.correct, m.answers),
                "points": m.points,
                "mean_ms": (m.answers > 0).then(|| m.answer_ms_total / m.answers),
                "last_at_ms": m.last_at_ms,
                "last_at": format_beijing_time(m.last_at_ms),
            })
        })
        .collect();
    Table {
        name: "members",
        columns: MEMBER_COLUMNS,
        rows,
    }
    .respond(
        q.format,
        json!({"page": page, "per_page": per_page, "total": total}),
    )
}

#[derive(Debug, Deserialize, Default)]
struct FormatQuery {
    #[serde(default)]
    format: Format,
}

const DISTRICT_COLUMNS: &[(&str, &str)] = &[
    ("district", "区市"),
    ("members", "注册人数"),
    ("participants", "参与人数"),
    ("participation_rate", "参与率"),
    ("answers", "作答次数"),
    ("accuracy", "正确率"),
    ("points", "积分"),
];

async fn districts(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<FormatQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let found = app.stores.stats.district_rows().await?;
    // Every configured district, also those nobody has joined yet.
    let rows: Vec<Value> = app
        .districts
        .all()
        .iter()
        .map(|d| &d.name)
        .map(|d| {
            let r = found.iter().find(|r| &r.district == d);
            let (members, participants, answers, correct, points) = r
                .map_or((0, 0, 0, 0, 0), |r| {
                    (r.members, r.participants, r.answers, r.correct, r.points)
                });
            json!({
                "district": d,
                "members": members,
                "participants": participants,
                "participation_rate": ratio(participants, members),
                "answers": answers,
                "correct": correct,
                "accuracy": ratio(correct, answers),
                "points": points,
            })
        })
        .collect();
    let total = rows.len();
    Table {
        name: "districts",
        columns: DISTRICT_COLUMNS,
        rows,
    }
    .respond(q.format, json!({"total": total}))
}

const HISTORY_COLUMNS: &[(&str, &str)] = &[
    ("history", "类别代码"),
    ("name", "类别"),
    ("questions", "题目数"),
    ("answers", "作答次数"),
    ("accuracy", "正确率"),
    ("mean_ms", "平均用时(毫秒)"),
    ("points", "积分"),
];

async fn histories(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<FormatQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let found = app.stores.stats.history_rows().await?;
    let bank = app.bank.current();
    let rows: Vec<Value> = History::ALL
        .iter()
        .map(|h| {
            let r = found.iter().find(|r| r.history == h.as_str());
            let (answers, correct, points, ms) = r.map_or((0, 0, 0, 0), |r| {
                (r.answers, r.correct, r.points, r.answer_ms_total)
            });
            json!({
                "history": h.as_str(),
                "name": h.name_zh(),
                "questions": bank.questions().iter().filter(|q| q.history == *h).count(),
                "answers": answers,
                "accuracy": ratio(correct, answers),
                "mean_ms": (answers > 0).then(|| ms / answers),
                "points": points,
            })
        })
        .collect();
    let total = rows.len();
    Table {
        name: "histories",
        columns: HISTORY_COLUMNS,
        rows,
    }
    .respond(q.format, json!({"total": total}))
}

#[derive(Debug, Deserialize, Default)]
struct DayQuery {
    #[serde(default)]
    format: Format,
    /// YYYY-MM-DD, Beijing time; default 29 days before `to`.
    from: Option<String>,
    /// YYYY-MM-DD, Beijing time; default today.
    to: Option<String>,
}

const DAY_COLUMNS: &[(&str, &str)] = &[
    ("date", "日期"),
    ("participants", "参与人数"),
    ("answers", "作答次数"),
    ("accuracy", "正确率"),
    ("mean_ms", "平均用时(毫秒)"),
    ("points", "积分"),
];

/// Longest range one request may ask for.
const MAX_DAYS: i64 = 366;

async fn days(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let parse = |s: &str| {
        parse_date(s).ok_or_else(|| ApiError::bad_request(format!("日期 {s:?} 应为 YYYY-MM-DD")))
    };
    let to = match q.to.as_deref() {
        Some(s) => parse(s)?,
        None => beijing_day(wall_ms()),
    };
    let from = match q.from.as_deref() {
        Some(s) => parse(s)?,
        None => to - 29,
    };
    if from > to || to - from >= MAX_DAYS {
        return Err(ApiError::bad_request(format!(
            "from 不能晚于 to，且一次最多 {MAX_DAYS} 天"
        )));
    }
    let found = app.stores.stats.day_rows(from, to).await?;
    // Every day of the range, quiet ones included, newest first.
    let rows: Vec<Value> = (from..=to)
        .rev()
        .map(|day| {
            let r = found.iter().find(|r| r.day == day);
            let (participants, answers, correct, points, ms) = r.map_or((0, 0, 0, 0, 0), |r| {
                (
                    r.participants,
                    r.answers,
                    r.correct,
                    r.points,
                    r.answer_ms_total,
                )
            });
            json!({
                "date": format_date(day),
                "day_start_ms": day_start_ms(day),
                "participants": participants,
                "answers": answers,
                "accuracy": ratio(correct, answers),
                "mean_ms": (answers > 0).then(|| ms / answers),
                "points": points,
            })
        })
        .collect();
    let total = rows.len();
    Table {
        name: "days",
        columns: DAY_COLUMNS,
        rows,
    }
    .respond(
        q.format,
        json!({"total": total, "from": format_date(from), "to": format_date(to)}),
    )
}

async fn refresh(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
) -> Result<Json<Value>, ApiError> {
    let now = wall_ms();
    let updated = app.stores.stats.refresh_groups(now).await?;
    Ok(Json(json!({"questions": updated, "groups_at_ms": now})))
}

#[derive(Debug, Deserialize, Default)]
struct BankQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    history: Option<String>,
    difficulty: Option<u8>,
    kind: Option<String>,
    /// image | audio | video | text
    media: Option<String>,
    q: Option<String>,
    /// active | retired | all (default): retired questions are not
    /// played but keep their statistics.
    status: Option<String>,
}

/// The bank browser: every question with its answer, explanation, source
/// and media, filtered and paged.
async fn bank(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<BankQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let q = query(q)?;
    let (page, per_page) = limits(q.page, q.per_page)?;
    if !matches!(
        q.status.as_deref(),
        None | Some("" | "all" | "active" | "retired")
    ) {
        return Err(ApiError::bad_request("status 可选 active、retired、all"));
    }
    let needle = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let bank = app.bank.current();
    let matching: Vec<&Arc<Question>> = bank
        .all_questions()
        .iter()
        .filter(|x| {
            let retired = bank.is_retired(&x.id);
            let wanted = match q.status.as_deref() {
                None | Some("") | Some("all") => true,
                Some("active") => !retired,
                Some("retired") => retired,
                Some(_) => false,
            };
            wanted
                && q.history
                    .as_deref()
                    .is_none_or(|h| h.is_empty() || x.history.as_str() == h)
                && q.difficulty.is_none_or(|d| x.difficulty == d)
                && q.kind
                    .as_deref()
                    .is_none_or(|k| k.is_empty() || x.kind.as_str() == k)
                && q.media.as_deref().is_none_or(|m| match m {
                    "" => true,
                    "text" => x.media.is_none(),
                    kind => x
                        .media
                        .as_ref()
                        .is_some_and(|media| media.kind.as_str() == kind),
                })
                && needle.is_none_or(|n| {
                    x.id.contains(n)
                        || x.prompt.contains(n)
                        || x.options.iter().any(|o| o.contains(n))
                        || x.explanation.contains(n)
                })
        })
        .collect();
    let total = matching.len();
    let rows: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|x| {
            json!({
                "id": x.id,
                "version": x.version,
                "history": x.history.as_str(),
                "difficulty": x.difficulty,
                "kind": x.kind.as_str(),
                "prompt": x.prompt,
                "options": x.options,
                "answer": x.answer.letters(),
                "explanation": x.explanation,
                "source": x.source,
                "time_limit_ms": x.time_limit.as_millis() as u64,
                "media": x.media.as_ref().map(media_view),
                "retired": bank.is_retired(&x.id),
            })
        })
        .collect();
    Ok(Json(json!({
        "page": page,
        "per_page": per_page,
        "total": total,
        "rows": rows,
    })))
}

/// `YYYY-MM-DD HH:MM` in Beijing time, for people reading an export.
pub(crate) fn format_beijing_time(at_ms: i64) -> String {
    let minutes = (at_ms + 8 * 60 * 60 * 1000).div_euclid(60_000);
    let day = minutes.div_euclid(24 * 60);
    let minute_of_day = minutes.rem_euclid(24 * 60);
    format!(
        "{} {:02}:{:02}",
        format_date(day),
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub(super) fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (format_date(days) == format!("{y:04}-{m:02}-{d:02}")).then_some(days)
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of days since 1970-01-01 (Hinnant's `civil_from_days`).
fn format_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_day_numbers() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(format_date(0), "1970-01-01");
        // 2026-11-30 is day 20,787.
        assert_eq!(parse_date("2026-11-30"), Some(20_787));
        assert_eq!(format_date(20_787), "2026-11-30");
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn export_times_read_in_beijing_time() {
        // 2026-11-29T16:05:00Z is 00:05 on the 30th in Beijing.
        assert_eq!(format_beijing_time(1_795_968_300_000), "2026-11-30 00:05");
    }

    #[test]
    fn beijing_day_numbers_name_beijing_dates() {
        // 2026-11-29T16:00:00Z is 2026-11-30 00:00 in Beijing.
        assert_eq!(format_date(beijing_day(1_795_968_000_000)), "2026-11-30");
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_starts_with_a_bom() {
        let table = Table {
            name: "t",
            columns: &[("a", "甲"), ("b", "乙")],
            rows: vec![
                json!({"a": "x,y", "b": "say \"hi\""}),
                json!({"a": 1, "b": null}),
            ],
        };
        assert_eq!(
            table.csv(),
            "\u{feff}甲,乙\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n1,\r\n"
        );
        assert!(table.xlsx().unwrap().starts_with(b"PK"));
    }
}
