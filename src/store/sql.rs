//! The SQL backends: SQLite (embedded default) and PostgreSQL.
//!
//! Both run the same SQL text (`$N` placeholders, epoch-millisecond BIGINTs,
//! 0/1 flags, aggregates cast to BIGINT), so one macro body implements the
//! store traits for each pool type. sqlx's `Any` driver is avoided on
//! purpose: it cannot batch-insert on PostgreSQL nor read booleans and
//! timestamps portably.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row};

use super::batch::BatchEffects;
use super::{
    AnswerLog, AnswerRecord, HistoryStats, Member, MemberPoints, MemberStats, MemberStore,
    NotebookItem, PracticeStore, StoreResult, StoredAnswer, Stores, WriteOp,
};
use crate::domain::notebook;

/// An unreachable database must fail fast, never hold a request for the
/// default 30 s.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Rows per INSERT statement; well under SQLite's bind-variable limit.
const ROWS_PER_INSERT: usize = 500;

pub struct SqliteStore {
    pool: SqlitePool,
}

pub struct PgStore {
    pool: PgPool,
}

impl SqliteStore {
    /// Opens (creating if missing) a database file in WAL mode and migrates it.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        Self::with_options(options).await
    }

    /// `sqlite:` URL form, for `DATABASE_URL=sqlite://…`.
    pub async fn open_url(url: &str) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        Self::with_options(options).await
    }

    async fn with_options(options: SqliteConnectOptions) -> StoreResult<SqliteStore> {
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }
}

/// Opens the backend `database_url` names, or SQLite in `data_dir`.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> StoreResult<Stores> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store = Arc::new(PgStore::connect(url).await?);
            Ok(Stores {
                members: store.clone(),
                answers: store.clone(),
                practice: store,
                backend: "postgres",
            })
        }
        Some(url) => {
            let store = Arc::new(SqliteStore::open_url(url).await?);
            Ok(Stores {
                members: store.clone(),
                answers: store.clone(),
                practice: store,
                backend: "sqlite",
            })
        }
        None => {
            let store = Arc::new(SqliteStore::open(&data_dir.join("dati.db")).await?);
            Ok(Stores {
                members: store.clone(),
                answers: store.clone(),
                practice: store,
                backend: "sqlite",
            })
        }
    }
}

pub(super) fn flag(b: bool) -> i64 {
    i64::from(b)
}

const ANSWER_COLUMNS: &str = "session_id, question_id, member_id, question_version, history, mode, choice, correct, answer_ms, points, answered_at";

macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl MemberStore for $store {
            async fn create_member(&self, nickname: &str, district: &str, now_ms: i64) -> StoreResult<Member> {
                let row = sqlx::query(
                    "INSERT INTO members (nickname, district, rating, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(nickname)
                .bind(district)
                .bind(crate::domain::rating::INITIAL_MEMBER_RATING)
                .bind(now_ms)
                .fetch_one(&self.pool)
                .await?;
                Ok(Member {
                    id: row.try_get("id")?,
                    nickname: nickname.to_owned(),
                    district: district.to_owned(),
                    rating: crate::domain::rating::INITIAL_MEMBER_RATING,
                    created_at_ms: now_ms,
                })
            }

            async fn member(&self, id: i64) -> StoreResult<Option<Member>> {
                let row = sqlx::query("SELECT id, nickname, district, rating, created_at FROM members WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| member_from_row(&r)).transpose()
            }

            async fn members(&self, ids: &[i64]) -> StoreResult<Vec<Member>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut q = QueryBuilder::<$db>::new("SELECT id, nickname, district, rating, created_at FROM members WHERE id IN (");
                let mut list = q.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                q.push(")");
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map(member_from_row).collect()
            }
        }

        #[async_trait]
        impl AnswerLog for $store {
            async fn write_batch(&self, ops: &[WriteOp]) -> StoreResult<Vec<AnswerRecord>> {
                let mut tx = self.pool.begin().await?;
                for op in ops {
                    if let WriteOp::SessionStarted(s) = op {
                        sqlx::query(
                            "INSERT INTO practice_sessions (id, member_id, mode, history, difficulty, relaxed, planned, started_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(s.session_id)
                        .bind(s.member_id)
                        .bind(&s.mode)
                        .bind(&s.history)
                        .bind(s.difficulty)
                        .bind(flag(s.relaxed))
                        .bind(s.planned)
                        .bind(s.started_at_ms)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let answers: Vec<&AnswerRecord> = ops
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::Answer(a) => Some(a),
                        _ => None,
                    })
                    .collect();
                let mut inserted_keys: HashSet<(i64, String, i64)> = HashSet::new();
                for chunk in answers.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(format!("INSERT INTO answers ({ANSWER_COLUMNS}) "));
                    q.push_values(chunk, |mut row, a| {
                        row.push_bind(a.session_id)
                            .push_bind(&a.question_id)
                            .push_bind(a.member_id)
                            .push_bind(a.question_version)
                            .push_bind(&a.history)
                            .push_bind(&a.mode)
                            .push_bind(&a.choice)
                            .push_bind(flag(a.correct))
                            .push_bind(a.answer_ms)
                            .push_bind(a.points)
                            .push_bind(a.answered_at_ms);
                    });
                    q.push(" ON CONFLICT (session_id, question_id, member_id) DO NOTHING RETURNING session_id, question_id, member_id");
                    for row in q.build().fetch_all(&mut *tx).await? {
                        inserted_keys.insert((row.try_get("session_id")?, row.try_get("question_id")?, row.try_get("member_id")?));
                    }
                }
                let inserted: Vec<AnswerRecord> = answers
                    .into_iter()
                    .filter(|a| inserted_keys.contains(&(a.session_id, a.question_id.clone(), a.member_id)))
                    .cloned()
                    .collect();
                // The notebook rows these answers touch, in as few reads as the
                // bind limit allows; the pairs are filtered in Rust.
                let mut existing: HashMap<(i64, String), notebook::Entry> = HashMap::new();
                let members: Vec<i64> = inserted.iter().map(|a| a.member_id).collect::<HashSet<_>>().into_iter().collect();
                let questions: Vec<&str> = inserted.iter().map(|a| a.question_id.as_str()).collect::<HashSet<_>>().into_iter().collect();
                for member_chunk in members.chunks(ROWS_PER_INSERT) {
                    for question_chunk in questions.chunks(ROWS_PER_INSERT) {
                        let mut q = QueryBuilder::<$db>::new(
                            "SELECT member_id, question_id, wrong_count, box_level, due_at, last_wrong_at FROM notebook WHERE member_id IN (",
                        );
                        let mut list = q.separated(", ");
                        for m in member_chunk {
                            list.push_bind(*m);
                        }
                        q.push(") AND question_id IN (");
                        let mut list = q.separated(", ");
                        for id in question_chunk {
                            list.push_bind(*id);
                        }
                        q.push(")");
                        for row in q.build().fetch_all(&mut *tx).await? {
                            let item = notebook_from_row(&row)?;
                            existing.insert((row.try_get("member_id")?, item.question_id.clone()), item.entry());
                        }
                    }
                }
                let effects = BatchEffects::derive(&inserted, existing);
                for chunk in effects.question_stats.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO question_stats (question_id, rating, attempts, correct) ");
                    q.push_values(chunk, |mut row, s| {
                        row.push_bind(&s.question_id).push_bind(s.rating).push_bind(s.attempts).push_bind(s.correct);
                    });
                    q.push(
                        " ON CONFLICT (question_id) DO UPDATE SET rating = excluded.rating, \
                         attempts = question_stats.attempts + excluded.attempts, correct = question_stats.correct + excluded.correct",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in effects.notebook.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO notebook (member_id, question_id, wrong_count, box_level, due_at, last_wrong_at) ",
                    );
                    q.push_values(chunk, |mut row, (member_id, question_id, e)| {
                        row.push_bind(*member_id)
                            .push_bind(question_id)
                            .push_bind(e.wrong_count)
                            .push_bind(e.box_level)
                            .push_bind(e.due_at_ms)
                            .push_bind(e.last_wrong_at_ms);
                    });
                    q.push(
                        " ON CONFLICT (member_id, question_id) DO UPDATE SET wrong_count = excluded.wrong_count, \
                         box_level = excluded.box_level, due_at = excluded.due_at, last_wrong_at = excluded.last_wrong_at",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in effects.member_ratings.chunks(ROWS_PER_INSERT) {
                    // VALUES columns are column1, column2 on both backends.
                    let mut q = QueryBuilder::<$db>::new("UPDATE members SET rating = v.column2 FROM (");
                    q.push_values(chunk, |mut row, (member_id, rating)| {
                        row.push_bind(*member_id).push_bind(*rating);
                    });
                    q.push(") AS v WHERE members.id = v.column1");
                    q.build().execute(&mut *tx).await?;
                }
                for op in ops {
                    if let WriteOp::SessionFinished(s) = op {
                        sqlx::query(
                            "UPDATE practice_sessions SET finished_at = $2, answered = $3, correct = $4, points = $5, \
                             best_streak = $6, revive_used = $7, completed = $8 WHERE id = $1",
                        )
                        .bind(s.session_id)
                        .bind(s.finished_at_ms)
                        .bind(s.answered)
                        .bind(s.correct)
                        .bind(s.points)
                        .bind(s.best_streak)
                        .bind(flag(s.revive_used))
                        .bind(flag(s.completed))
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(inserted)
            }

            async fn session_answers(&self, session_id: i64) -> StoreResult<Vec<StoredAnswer>> {
                let rows = sqlx::query(
                    "SELECT session_id, question_id, member_id, mode, choice, correct, answer_ms, points FROM answers \
                     WHERE session_id = $1 ORDER BY answered_at, question_id",
                )
                .bind(session_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(StoredAnswer {
                            session_id: r.try_get("session_id")?,
                            question_id: r.try_get("question_id")?,
                            member_id: r.try_get("member_id")?,
                            mode: r.try_get("mode")?,
                            choice: r.try_get("choice")?,
                            correct: r.try_get::<i64, _>("correct")? != 0,
                            answer_ms: r.try_get("answer_ms")?,
                            points: r.try_get("points")?,
                        })
                    })
                    .collect()
            }

            async fn count_answers(&self) -> StoreResult<i64> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM answers").fetch_one(&self.pool).await?.try_get("n")?)
            }

            async fn points_since(&self, modes: &[&str], since_ms: i64) -> StoreResult<Vec<MemberPoints>> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT member_id, CAST(SUM(points) AS BIGINT) AS points, MAX(answered_at) AS last_at FROM answers \
                     WHERE points > 0 AND answered_at >= ",
                );
                q.push_bind(since_ms);
                q.push(" AND mode IN (");
                let mut list = q.separated(", ");
                for m in modes {
                    list.push_bind(*m);
                }
                q.push(") GROUP BY member_id");
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(MemberPoints {
                            member_id: r.try_get("member_id")?,
                            points: r.try_get("points")?,
                            last_at_ms: r.try_get("last_at")?,
                        })
                    })
                    .collect()
            }

            async fn question_ratings(&self) -> StoreResult<HashMap<String, f64>> {
                let rows = sqlx::query("SELECT question_id, rating FROM question_stats").fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok((r.try_get("question_id")?, r.try_get("rating")?))).collect()
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }
        }

        #[async_trait]
        impl PracticeStore for $store {
            async fn recent_question_ids(&self, member_id: i64, since_ms: i64) -> StoreResult<Vec<String>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT question_id FROM answers WHERE member_id = $1 AND answered_at >= $2",
                )
                .bind(member_id)
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok(r.try_get("question_id")?)).collect()
            }

            async fn notebook(&self, member_id: i64) -> StoreResult<Vec<NotebookItem>> {
                let rows = sqlx::query(
                    "SELECT question_id, wrong_count, box_level, due_at, last_wrong_at FROM notebook \
                     WHERE member_id = $1 AND box_level < $2 ORDER BY due_at, last_wrong_at DESC, question_id",
                )
                .bind(member_id)
                .bind(notebook::MASTERED_BOX)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(notebook_from_row).collect()
            }

            async fn member_stats(&self, member_id: i64) -> StoreResult<MemberStats> {
                let totals = sqlx::query(
                    "SELECT COUNT(*) AS answered, CAST(COALESCE(SUM(correct), 0) AS BIGINT) AS correct, \
                     CAST(COALESCE(SUM(points), 0) AS BIGINT) AS points, \
                     CAST(COALESCE(AVG(answer_ms), 0) AS DOUBLE PRECISION) AS mean_ms FROM answers WHERE member_id = $1",
                )
                .bind(member_id)
                .fetch_one(&self.pool)
                .await?;
                let sets = sqlx::query(
                    "SELECT COUNT(*) AS sets, CAST(COALESCE(MAX(best_streak), 0) AS BIGINT) AS best FROM practice_sessions \
                     WHERE member_id = $1 AND finished_at IS NOT NULL",
                )
                .bind(member_id)
                .fetch_one(&self.pool)
                .await?;
                let by_history = sqlx::query(
                    "SELECT history, COUNT(*) AS answered, CAST(SUM(correct) AS BIGINT) AS correct FROM answers \
                     WHERE member_id = $1 GROUP BY history ORDER BY history",
                )
                .bind(member_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(HistoryStats {
                        history: r.try_get("history")?,
                        answered: r.try_get("answered")?,
                        correct: r.try_get("correct")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
                Ok(MemberStats {
                    answered: totals.try_get("answered")?,
                    correct: totals.try_get("correct")?,
                    points: totals.try_get("points")?,
                    mean_answer_ms: totals.try_get("mean_ms")?,
                    sets_finished: sets.try_get("sets")?,
                    best_streak: sets.try_get("best")?,
                    by_history,
                })
            }
        }
    };
}

impl_sql_store!(SqliteStore, sqlx::Sqlite);
impl_sql_store!(PgStore, sqlx::Postgres);

fn member_from_row<R: Row>(r: &R) -> StoreResult<Member>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Member {
        id: r.try_get("id")?,
        nickname: r.try_get("nickname")?,
        district: r.try_get("district")?,
        rating: r.try_get("rating")?,
        created_at_ms: r.try_get("created_at")?,
    })
}

fn notebook_from_row<R: Row>(r: &R) -> StoreResult<NotebookItem>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(NotebookItem {
        question_id: r.try_get("question_id")?,
        wrong_count: r.try_get("wrong_count")?,
        box_level: r.try_get("box_level")?,
        due_at_ms: r.try_get("due_at")?,
        last_wrong_at_ms: r.try_get("last_wrong_at")?,
    })
}
