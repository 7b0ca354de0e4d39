//! Statistics for organizers, read from the running totals the writer keeps
//! (see `totals.rs`) and, for what cannot be kept running, computed by
//! aggregate queries: medians from the answer times counted per question
//! and 100 ms step, and the discrimination groups refreshed now and then
//! over all answers.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::Serialize;
use sqlx::{QueryBuilder, Row};

use super::StoreResult;
use super::sql::{PgStore, SqliteStore};
use super::totals::{day_start_ms, median_from_steps};

/// Members need this many answers before they count in a discrimination
/// group: a handful of answers says little about ability.
pub const MIN_ANSWERS_FOR_GROUPS: i64 = 10;
/// The upper and lower groups: the top and bottom 27 % of members by
/// accuracy, the classical choice (Kelley, 1939). Members are counted off
/// in order (ties broken by id), so equal accuracies cannot empty a group.
pub const GROUP_SHARE: f64 = 0.27;

/// Questions per query for the medians' time counts.
const MEDIAN_QUESTIONS_PER_QUERY: usize = 500;

/// Per question, from `question_stats` and `question_choices`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuestionRow {
    pub question_id: String,
    pub attempts: i64,
    pub correct: i64,
    pub answer_ms_total: i64,
    pub upper_attempts: i64,
    pub upper_correct: i64,
    pub lower_attempts: i64,
    pub lower_correct: i64,
    /// When the groups were last computed (0: never).
    pub groups_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceCount {
    pub question_id: String,
    /// Option letters in the bank's order, or "-" for a timeout.
    pub choice: String,
    pub count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemberOrder {
    #[default]
    Points,
    Answers,
    Accuracy,
    Recent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRow {
    pub member_id: i64,
    pub nickname: String,
    pub district: String,
    pub answers: i64,
    pub correct: i64,
    pub points: i64,
    pub answer_ms_total: i64,
    pub last_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictRow {
    pub district: String,
    /// Members registered in the district.
    pub members: i64,
    /// Members who have answered at least once.
    pub participants: i64,
    pub answers: i64,
    pub correct: i64,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    pub history: String,
    pub answers: i64,
    pub correct: i64,
    pub points: i64,
    pub answer_ms_total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    /// Beijing day number (days since 1970-01-01, UTC+8).
    pub day: i64,
    pub day_start_ms: i64,
    pub answers: i64,
    pub correct: i64,
    pub points: i64,
    pub answer_ms_total: i64,
    pub participants: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overview {
    pub members: i64,
    pub participants: i64,
    pub answers: i64,
    pub correct: i64,
    pub points: i64,
    pub matches: i64,
}

#[async_trait]
pub trait StatsStore: Send + Sync {
    async fn overview(&self) -> StoreResult<Overview>;
    /// Every question that has been answered.
    async fn question_rows(&self) -> StoreResult<Vec<QuestionRow>>;
    async fn question_choices(&self, question_ids: &[String]) -> StoreResult<Vec<ChoiceCount>>;
    /// The median answer time of each question that has answers, to the
    /// middle of its 100 ms step (see `totals::median_from_steps`).
    async fn median_answer_ms(&self, question_ids: &[String]) -> StoreResult<HashMap<String, i64>>;
    /// Recomputes the upper and lower groups' attempts per question from
    /// all answers; returns how many questions were updated.
    async fn refresh_groups(&self, now_ms: i64) -> StoreResult<usize>;
    /// One page of members who have answered, optionally of one district
    /// and with `name` in their nickname, and how many there are in all.
    async fn member_rows(
        &self,
        district: Option<&str>,
        name: Option<&str>,
        order: MemberOrder,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(i64, Vec<MemberRow>)>;
    async fn district_rows(&self) -> StoreResult<Vec<DistrictRow>>;
    async fn history_rows(&self) -> StoreResult<Vec<HistoryRow>>;
    /// Days from `from_day` to `to_day` inclusive, newest first.
    async fn day_rows(&self, from_day: i64, to_day: i64) -> StoreResult<Vec<DayRow>>;
}

macro_rules! impl_stats_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl StatsStore for $store {
            async fn overview(&self) -> StoreResult<Overview> {
                let r = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM members) AS members, \
                     (SELECT COUNT(*) FROM member_totals) AS participants, \
                     CAST(COALESCE((SELECT SUM(answers) FROM member_totals), 0) AS BIGINT) AS answers, \
                     CAST(COALESCE((SELECT SUM(correct) FROM member_totals), 0) AS BIGINT) AS correct, \
                     CAST(COALESCE((SELECT SUM(points) FROM member_totals), 0) AS BIGINT) AS points, \
                     (SELECT COUNT(*) FROM matches WHERE finished_at IS NOT NULL) AS matches",
                )
                .fetch_one(self.pool())
                .await?;
                Ok(Overview {
                    members: r.try_get("members")?,
                    participants: r.try_get("participants")?,
                    answers: r.try_get("answers")?,
                    correct: r.try_get("correct")?,
                    points: r.try_get("points")?,
                    matches: r.try_get("matches")?,
                })
            }

            async fn question_rows(&self) -> StoreResult<Vec<QuestionRow>> {
                let rows = sqlx::query(
                    "SELECT question_id, attempts, correct, answer_ms_total, upper_attempts, upper_correct, \
                     lower_attempts, lower_correct, groups_at FROM question_stats WHERE attempts > 0",
                )
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(QuestionRow {
                            question_id: r.try_get("question_id")?,
                            attempts: r.try_get("attempts")?,
                            correct: r.try_get("correct")?,
                            answer_ms_total: r.try_get("answer_ms_total")?,
                            upper_attempts: r.try_get("upper_attempts")?,
                            upper_correct: r.try_get("upper_correct")?,
                            lower_attempts: r.try_get("lower_attempts")?,
                            lower_correct: r.try_get("lower_correct")?,
                            groups_at_ms: r.try_get("groups_at")?,
                        })
                    })
                    .collect()
            }

            async fn question_choices(&self, question_ids: &[String]) -> StoreResult<Vec<ChoiceCount>> {
                let mut out = Vec::new();
                for chunk in question_ids.chunks(500) {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT question_id, choice, n FROM question_choices WHERE question_id IN (",
                    );
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(id.as_str());
                    }
                    q.push(") ORDER BY question_id, choice");
                    for r in q.build().fetch_all(self.pool()).await? {
                        out.push(ChoiceCount {
                            question_id: r.try_get("question_id")?,
                            choice: r.try_get("choice")?,
                            count: r.try_get("n")?,
                        });
                    }
                }
                Ok(out)
            }

            async fn median_answer_ms(&self, question_ids: &[String]) -> StoreResult<HashMap<String, i64>> {
                // The counts per time step the writer keeps: a few hundred
                // rows per question at most, read in one query per chunk.
                let mut steps: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
                for chunk in question_ids.chunks(MEDIAN_QUESTIONS_PER_QUERY) {
                    let mut q = QueryBuilder::<$db>::new("SELECT question_id, step, n FROM question_times WHERE question_id IN (");
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(id.as_str());
                    }
                    q.push(")");
                    for r in q.build().fetch_all(self.pool()).await? {
                        steps
                            .entry(r.try_get("question_id")?)
                            .or_default()
                            .push((r.try_get("step")?, r.try_get("n")?));
                    }
                }
                Ok(steps
                    .into_iter()
                    .filter_map(|(id, steps)| median_from_steps(&steps).map(|m| (id, m)))
                    .collect())
            }

            async fn refresh_groups(&self, now_ms: i64) -> StoreResult<usize> {
                // Read first (no write lock while the big join runs), then
                // write the few hundred results in one short transaction.
                let rows = sqlx::query(
                    "WITH ability AS ( \
                         SELECT member_id, CAST(correct AS DOUBLE PRECISION) / answers AS accuracy \
                         FROM member_totals WHERE answers >= $1), \
                     ranked AS ( \
                         SELECT member_id, ROW_NUMBER() OVER (ORDER BY accuracy, member_id) AS rn, \
                         COUNT(*) OVER () AS n FROM ability), \
                     grouped AS ( \
                         SELECT member_id, CASE WHEN rn > n * $2 THEN 1 ELSE 0 END AS upper_group \
                         FROM ranked WHERE rn > n * $2 OR rn <= n * $3) \
                     SELECT a.question_id, \
                         CAST(SUM(g.upper_group) AS BIGINT) AS ua, \
                         CAST(SUM(g.upper_group * a.correct) AS BIGINT) AS uc, \
                         CAST(SUM(1 - g.upper_group) AS BIGINT) AS la, \
                         CAST(SUM((1 - g.upper_group) * a.correct) AS BIGINT) AS lc \
                     FROM answers a JOIN grouped g ON g.member_id = a.member_id \
                     GROUP BY a.question_id",
                )
                .bind(MIN_ANSWERS_FOR_GROUPS)
                .bind(1.0 - GROUP_SHARE)
                .bind(GROUP_SHARE)
                .fetch_all(self.pool())
                .await?;
                let mut results = Vec::with_capacity(rows.len());
                for r in &rows {
                    results.push((
                        r.try_get::<String, _>("question_id")?,
                        r.try_get::<i64, _>("ua")?,
                        r.try_get::<i64, _>("uc")?,
                        r.try_get::<i64, _>("la")?,
                        r.try_get::<i64, _>("lc")?,
                    ));
                }
                let mut tx = self.pool().begin().await?;
                sqlx::query(
                    "UPDATE question_stats SET upper_attempts = 0, upper_correct = 0, lower_attempts = 0, \
                     lower_correct = 0, groups_at = $1",
                )
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                for chunk in results.chunks(500) {
                    // VALUES columns are column1 … column5 on both backends.
                    let mut q = QueryBuilder::<$db>::new(
                        "UPDATE question_stats SET upper_attempts = v.column2, upper_correct = v.column3, \
                         lower_attempts = v.column4, lower_correct = v.column5 FROM (",
                    );
                    q.push_values(chunk, |mut row, (id, ua, uc, la, lc)| {
                        row.push_bind(id.as_str())
                            .push_bind(*ua)
                            .push_bind(*uc)
                            .push_bind(*la)
                            .push_bind(*lc);
                    });
                    q.push(") AS v WHERE question_stats.question_id = v.column1");
                    q.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(results.len())
            }

            async fn member_rows(
                &self,
                district: Option<&str>,
                name: Option<&str>,
                order: MemberOrder,
                limit: i64,
                offset: i64,
            ) -> StoreResult<(i64, Vec<MemberRow>)> {
                // LIKE with the wildcards in the name escaped: a search
                // for "50%" finds "50%", not everything.
                let pattern = name.map(|n| {
                    format!("%{}%", n.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
                });
                let filter = |q: &mut QueryBuilder<'_, $db>| {
                    q.push(" WHERE 1 = 1");
                    if let Some(d) = district {
                        q.push(" AND m.district = ");
                        q.push_bind(d.to_owned());
                    }
                    if let Some(p) = &pattern {
                        q.push(" AND m.nickname LIKE ");
                        q.push_bind(p.clone());
                        q.push(" ESCAPE '\\'");
                    }
                };
                let mut count = QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) AS n FROM member_totals t JOIN members m ON m.id = t.member_id",
                );
                filter(&mut count);
                let total: i64 = count.build().fetch_one(self.pool()).await?.try_get("n")?;
                let order_by = match order {
                    MemberOrder::Points => "t.points DESC, t.member_id",
                    MemberOrder::Answers => "t.answers DESC, t.member_id",
                    MemberOrder::Accuracy => {
                        "CAST(t.correct AS DOUBLE PRECISION) / t.answers DESC, t.answers DESC, t.member_id"
                    }
                    MemberOrder::Recent => "t.last_at DESC, t.member_id",
                };
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT t.member_id, m.nickname, m.district, t.answers, t.correct, t.points, t.answer_ms_total, t.last_at \
                     FROM member_totals t JOIN members m ON m.id = t.member_id",
                );
                filter(&mut q);
                q.push(format!(" ORDER BY {order_by} LIMIT "));
                q.push_bind(limit);
                q.push(" OFFSET ");
                q.push_bind(offset);
                let rows = q.build().fetch_all(self.pool()).await?;
                let rows = rows
                    .iter()
                    .map(|r| {
                        Ok(MemberRow {
                            member_id: r.try_get("member_id")?,
                            nickname: r.try_get("nickname")?,
                            district: r.try_get("district")?,
                            answers: r.try_get("answers")?,
                            correct: r.try_get("correct")?,
                            points: r.try_get("points")?,
                            answer_ms_total: r.try_get("answer_ms_total")?,
                            last_at_ms: r.try_get("last_at")?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok((total, rows))
            }

            async fn district_rows(&self) -> StoreResult<Vec<DistrictRow>> {
                let rows = sqlx::query(
                    "SELECT m.district, COUNT(*) AS members, COUNT(t.member_id) AS participants, \
                     CAST(COALESCE(SUM(t.answers), 0) AS BIGINT) AS answers, \
                     CAST(COALESCE(SUM(t.correct), 0) AS BIGINT) AS correct, \
                     CAST(COALESCE(SUM(t.points), 0) AS BIGINT) AS points \
                     FROM members m LEFT JOIN member_totals t ON t.member_id = m.id \
                     GROUP BY m.district ORDER BY m.district",
                )
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DistrictRow {
                            district: r.try_get("district")?,
                            members: r.try_get("members")?,
                            participants: r.try_get("participants")?,
                            answers: r.try_get("answers")?,
                            correct: r.try_get("correct")?,
                            points: r.try_get("points")?,
                        })
                    })
                    .collect()
            }

            async fn history_rows(&self) -> StoreResult<Vec<HistoryRow>> {
                let rows = sqlx::query(
                    "SELECT history, CAST(SUM(answers) AS BIGINT) AS answers, CAST(SUM(correct) AS BIGINT) AS correct, \
                     CAST(SUM(points) AS BIGINT) AS points, CAST(SUM(answer_ms_total) AS BIGINT) AS answer_ms_total \
                     FROM daily_totals GROUP BY history ORDER BY history",
                )
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(HistoryRow {
                            history: r.try_get("history")?,
                            answers: r.try_get("answers")?,
                            correct: r.try_get("correct")?,
                            points: r.try_get("points")?,
                            answer_ms_total: r.try_get("answer_ms_total")?,
                        })
                    })
                    .collect()
            }

            async fn day_rows(&self, from_day: i64, to_day: i64) -> StoreResult<Vec<DayRow>> {
                let rows = sqlx::query(
                    "SELECT d.day, CAST(SUM(d.answers) AS BIGINT) AS answers, CAST(SUM(d.correct) AS BIGINT) AS correct, \
                     CAST(SUM(d.points) AS BIGINT) AS points, CAST(SUM(d.answer_ms_total) AS BIGINT) AS answer_ms_total, \
                     (SELECT COUNT(*) FROM daily_members p WHERE p.day = d.day) AS participants \
                     FROM daily_totals d WHERE d.day >= $1 AND d.day <= $2 GROUP BY d.day ORDER BY d.day DESC",
                )
                .bind(from_day)
                .bind(to_day)
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|r| {
                        let day: i64 = r.try_get("day")?;
                        Ok(DayRow {
                            day,
                            day_start_ms: day_start_ms(day),
                            answers: r.try_get("answers")?,
                            correct: r.try_get("correct")?,
                            points: r.try_get("points")?,
                            answer_ms_total: r.try_get("answer_ms_total")?,
                            participants: r.try_get("participants")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

impl_stats_store!(SqliteStore, sqlx::Sqlite);
impl_stats_store!(PgStore, sqlx::Postgres);
