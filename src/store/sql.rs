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
use super::battles::BattleStore;
use super::competitions::CompetitionStore;
use super::districts::DistrictStore;
use super::ladder::{LadderStore, write_ladder_results};
use super::organizers::OrganizerStore;
use super::stats::StatsStore;
use super::totals::{Totals, write_totals};
use super::{
    AnswerLog, AnswerRecord, DuelRating, HistoryStats, MatchEnd, MatchPlayerResult, MatchQuestion,
    MatchSeat, MatchStart, MatchStore, Member, MemberPoints, MemberStats, MemberStore,
    NotebookItem, PracticeStore, QuestionStat, SessionEnd, SessionStart, StoreResult, StoredAnswer,
    StoredMatch, StoredMatchPlayer, Stores, WriteOp, Written,
};
use crate::domain::notebook;

/// An unreachable database must fail fast, never hold a request for the
/// default 30 s.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Rows per INSERT statement; well under SQLite's bind-variable limit.
const ROWS_PER_INSERT: usize = 500;
/// Ids per `IN (…)` list of a batched look-up: far under either
/// backend's limit on bound parameters.
pub(super) const ID_LIST_CHUNK: usize = 1000;

/// Appends `(id, id, …)` to `q`, each id a bound parameter: the list of an
/// `IN`. At most [`ID_LIST_CHUNK`] ids at a time.
pub(super) fn push_id_list<DB: sqlx::Database>(q: &mut QueryBuilder<'_, DB>, ids: &[i64])
where
    for<'a> i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    q.push("(");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
}

pub struct SqliteStore {
    pool: SqlitePool,
    /// The answer writer's own connection. SQLite drops a connection's
    /// page cache whenever another connection has written since its last
    /// transaction; batches spread over the shared pool found a cold cache
    /// almost every time and re-read the answers' index pages. On one
    /// connection that nothing else writes on, the cache stays warm.
    writer: SqlitePool,
}

pub struct PgStore {
    pool: PgPool,
    /// The answer writer's own connection, so that a batch never waits
    /// for a connection behind a crowd of sign-ins and page reads (the
    /// durability of every acknowledged answer depends on it).
    writer: PgPool,
}

/// The writer connection's page cache (SQLite's default is 2 MB).
const WRITER_CACHE_KIB: i64 = 16 * 1024;

impl SqliteStore {
    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

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
        // A connection to a local file does not go stale: no ping (a round
        // trip to its worker thread) before each use.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(
                options
                    .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
                    // Multi-row upserts inside a transaction keep a statement
                    // journal; in memory, it costs no file writes.
                    .pragma("temp_store", "memory"),
            )
            .await?;
        Ok(SqliteStore { pool, writer })
    }
}

impl PgStore {
    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let writer = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        Ok(PgStore { pool, writer })
    }
}

/// Opens the backend `database_url` names, or SQLite in `data_dir`.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> StoreResult<Stores> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(stores(Arc::new(PgStore::connect(url).await?), "postgres"))
        }
        Some(url) => Ok(stores(
            Arc::new(SqliteStore::open_url(url).await?),
            "sqlite",
        )),
        None => Ok(stores(
            Arc::new(SqliteStore::open(&data_dir.join("dati.db")).await?),
            "sqlite",
        )),
    }
}

/// The naive way to persist answers, kept for benchmarks only (`dati
/// persist-bench`): one INSERT per answer, each its own transaction, one
/// after another. The writer's batches are measured against it.
pub async fn insert_one_by_one(
    database_url: Option<&str>,
    data_dir: &Path,
    answers: &[AnswerRecord],
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO answers ({ANSWER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    macro_rules! insert_each {
        ($pool:expr) => {
            for a in answers {
                sqlx::query(&sql)
                    .bind(a.session_id)
                    .bind(&a.question_id)
                    .bind(a.member_id)
                    .bind(a.question_version)
                    .bind(&a.history)
                    .bind(&a.mode)
                    .bind(&a.choice)
                    .bind(flag(a.correct))
                    .bind(a.answer_ms)
                    .bind(a.points)
                    .bind(a.answered_at_ms)
                    .execute($pool)
                    .await?;
            }
        };
    }
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store = PgStore::connect(url).await?;
            insert_each!(store.pool());
        }
        Some(url) => {
            let store = SqliteStore::open_url(url).await?;
            insert_each!(store.pool());
        }
        None => {
            let store = SqliteStore::open(&data_dir.join("dati.db")).await?;
            insert_each!(store.pool());
        }
    }
    Ok(())
}

/// One backend, seen through each of its traits.
fn stores<S>(store: Arc<S>, backend: &'static str) -> Stores
where
    S: MemberStore
        + AnswerLog
        + PracticeStore
        + MatchStore
        + OrganizerStore
        + StatsStore
        + LadderStore
        + DistrictStore
        + CompetitionStore
        + BattleStore
        + 'static,
{
    Stores {
        members: store.clone(),
        answers: store.clone(),
        practice: store.clone(),
        matches: store.clone(),
        organizers: store.clone(),
        stats: store.clone(),
        ladder: store.clone(),
        districts: store.clone(),
        competitions: store.clone(),
        battles: store,
        backend,
    }
}

pub(super) fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// The duel record a batch of new results adds to one member: the rating
/// state after their latest match, and the games it counts.
fn fold_duel_results<'a>(
    results: impl IntoIterator<Item = (&'a MatchEnd, &'a MatchPlayerResult)>,
) -> Vec<(i64, DuelRating)> {
    let mut folded: Vec<(i64, DuelRating)> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    // Only duels move the duel rating; other modes keep their own.
    for (m, p) in results.into_iter().filter(|(m, _)| m.mode == "duel") {
        let Some(member_id) = p.member_id.filter(|_| p.rated) else {
            continue;
        };
        let i = *index.entry(member_id).or_insert_with(|| {
            folded.push((
                member_id,
                DuelRating {
                    games: 0,
                    wins: 0,
                    losses: 0,
                    draws: 0,
                    updated_at_ms: i64::MIN,
                    ..DuelRating::default()
                },
            ));
            folded.len() - 1
        });
        let d = &mut folded[i].1;
        d.games += 1;
        d.wins += flag(p.result == "win");
        d.losses += flag(p.result == "loss");
        d.draws += flag(p.result == "draw");
        if m.finished_at_ms >= d.updated_at_ms {
            d.rating = p.rating_after;
            d.deviation = p.deviation_after;
            d.volatility = p.volatility_after;
            d.updated_at_ms = m.finished_at_ms;
        }
    }
    folded
}

/// How each backend writes, and looks up, many rows of the writer's two
/// biggest tables in one statement.
trait BatchInsert: sqlx::Database {
    /// Rows per statement.
    const ROWS: usize;
    /// `INSERT INTO answers … <rows>`, for the caller to finish.
    fn insert_answers<'a>(answers: &'a [&'a AnswerRecord]) -> QueryBuilder<'a, Self>;
    /// `INSERT INTO notebook … <rows>`, for the caller to finish.
    fn insert_notebook<'a>(rows: &'a [NotebookRow]) -> QueryBuilder<'a, Self>;
    /// The notebook rows of these (member, question) keys that exist.
    fn notebook_rows<'a>(keys: &'a [(i64, &'a str)]) -> QueryBuilder<'a, Self>;
}

/// A notebook row as the batch derives it: member, question, entry.
type NotebookRow = (i64, String, notebook::Entry);

const NOTEBOOK_COLUMNS: &str =
    "member_id, question_id, wrong_count, box_level, due_at, last_wrong_at";

impl BatchInsert for sqlx::Sqlite {
    const ROWS: usize = ROWS_PER_INSERT;

    fn notebook_rows<'a>(keys: &'a [(i64, &'a str)]) -> QueryBuilder<'a, Self> {
        // CROSS JOIN keeps the keys the outer loop: one probe of the
        // notebook's primary key each.
        let mut q = QueryBuilder::new(format!("SELECT {NOTEBOOK_COLUMNS} FROM (VALUES "));
        let mut list = q.separated(", ");
        for (member_id, question_id) in keys {
            list.push("(")
                .push_bind_unseparated(*member_id)
                .push_unseparated(", ")
                .push_bind_unseparated(*question_id)
                .push_unseparated(")");
        }
        q.push(
            ") AS k CROSS JOIN notebook ON notebook.member_id = k.column1 AND notebook.question_id = k.column2",
        );
        q
    }

    fn insert_answers<'a>(answers: &'a [&'a AnswerRecord]) -> QueryBuilder<'a, Self> {
        let mut q = QueryBuilder::new(format!("INSERT INTO answers ({ANSWER_COLUMNS}) "));
        q.push_values(answers, |mut row, a| {
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
        q
    }

    fn insert_notebook<'a>(rows: &'a [NotebookRow]) -> QueryBuilder<'a, Self> {
        let mut q = QueryBuilder::new(format!("INSERT INTO notebook ({NOTEBOOK_COLUMNS}) "));
        q.push_values(rows, |mut row, (member_id, question_id, e)| {
            row.push_bind(*member_id)
                .push_bind(question_id)
                .push_bind(e.wrong_count)
                .push_bind(e.box_level)
                .push_bind(e.due_at_ms)
                .push_bind(e.last_wrong_at_ms);
        });
        q
    }
}

/// One array per column through `UNNEST`: the statement's text is the
/// same for any number of rows, so PostgreSQL parses and plans it once,
/// where a multi-row `VALUES` is a new statement for every row count, and
/// a whole batch fits in one.
impl BatchInsert for sqlx::Postgres {
    const ROWS: usize = super::writer::MAX_BATCH;

    fn notebook_rows<'a>(keys: &'a [(i64, &'a str)]) -> QueryBuilder<'a, Self> {
        let mut q = QueryBuilder::new(format!(
            "SELECT {NOTEBOOK_COLUMNS} FROM notebook JOIN UNNEST("
        ));
        q.push_bind(keys.iter().map(|k| k.0).collect::<Vec<i64>>())
            .push("::BIGINT[], ")
            .push_bind(keys.iter().map(|k| k.1.to_owned()).collect::<Vec<String>>())
            .push("::TEXT[]) AS k (member_id, question_id) USING (member_id, question_id)");
        q
    }

    fn insert_answers<'a>(answers: &'a [&'a AnswerRecord]) -> QueryBuilder<'a, Self> {
        let column =
            |f: fn(&AnswerRecord) -> i64| answers.iter().map(|a| f(a)).collect::<Vec<i64>>();
        let text = |f: fn(&AnswerRecord) -> &str| {
            answers
                .iter()
                .map(|a| f(a).to_owned())
                .collect::<Vec<String>>()
        };
        let mut q = QueryBuilder::new(format!(
            "INSERT INTO answers ({ANSWER_COLUMNS}) SELECT * FROM UNNEST("
        ));
        q.push_bind(column(|a| a.session_id))
            .push("::BIGINT[], ")
            .push_bind(text(|a| &a.question_id))
            .push("::TEXT[], ")
            .push_bind(column(|a| a.member_id))
            .push("::BIGINT[], ")
            .push_bind(column(|a| a.question_version))
            .push("::BIGINT[], ")
            .push_bind(text(|a| &a.history))
            .push("::TEXT[], ")
            .push_bind(text(|a| &a.mode))
            .push("::TEXT[], ")
            .push_bind(
                answers
                    .iter()
                    .map(|a| a.choice.clone())
                    .collect::<Vec<Option<String>>>(),
            )
            .push("::TEXT[], ")
            .push_bind(column(|a| flag(a.correct)))
            .push("::BIGINT[], ")
            .push_bind(column(|a| a.answer_ms))
            .push("::BIGINT[], ")
            .push_bind(column(|a| a.points))
            .push("::BIGINT[], ")
            .push_bind(column(|a| a.answered_at_ms))
            .push("::BIGINT[])");
        q
    }

    fn insert_notebook<'a>(rows: &'a [NotebookRow]) -> QueryBuilder<'a, Self> {
        let column = |f: fn(&NotebookRow) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
        let mut q = QueryBuilder::new(format!(
            "INSERT INTO notebook ({NOTEBOOK_COLUMNS}) SELECT * FROM UNNEST("
        ));
        q.push_bind(column(|r| r.0))
            .push("::BIGINT[], ")
            .push_bind(rows.iter().map(|r| r.1.clone()).collect::<Vec<String>>())
            .push("::TEXT[], ")
            .push_bind(column(|r| r.2.wrong_count))
            .push("::BIGINT[], ")
            .push_bind(column(|r| r.2.box_level))
            .push("::BIGINT[], ")
            .push_bind(column(|r| r.2.due_at_ms))
            .push("::BIGINT[], ")
            .push_bind(column(|r| r.2.last_wrong_at_ms))
            .push("::BIGINT[])");
        q
    }
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
                let mut rows = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(ID_LIST_CHUNK) {
                    let mut q = QueryBuilder::<$db>::new("SELECT id, nickname, district, rating, created_at FROM members WHERE id IN ");
                    push_id_list(&mut q, chunk);
                    rows.extend(q.build().fetch_all(&self.pool).await?);
                }
                rows.iter().map(member_from_row).collect()
            }

            async fn app_member(&self, app_id: &str, nickname: &str, district: &str, now_ms: i64) -> StoreResult<Member> {
                // Updating first takes SQLite's write lock before anything is
                // read, so on SQLite the whole sign-in is serialized.
                const UPDATE: &str = "UPDATE members SET nickname = $2, district = $3 \
                     WHERE id = (SELECT member_id FROM app_members WHERE app_id = $1) \
                     RETURNING id, nickname, district, rating, created_at";
                let mut tx = self.pool.begin().await?;
                let linked = sqlx::query(UPDATE).bind(app_id).bind(nickname).bind(district).fetch_optional(&mut *tx).await?;
                if let Some(row) = linked {
                    let member = member_from_row(&row)?;
                    tx.commit().await?;
                    return Ok(member);
                }
                let row = sqlx::query(
                    "INSERT INTO members (nickname, district, rating, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, nickname, district, rating, created_at",
                )
                .bind(nickname)
                .bind(district)
                .bind(crate::domain::rating::INITIAL_MEMBER_RATING)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?;
                let member = member_from_row(&row)?;
                let inserted = sqlx::query(
                    "INSERT INTO app_members (app_id, member_id, linked_at) VALUES ($1, $2, $3) ON CONFLICT (app_id) DO NOTHING",
                )
                .bind(app_id)
                .bind(member.id)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    tx.commit().await?;
                    return Ok(member);
                }
                // Another sign-in of the same app member (on PostgreSQL) linked
                // one first: drop ours and take theirs.
                tx.rollback().await?;
                let row = sqlx::query(UPDATE).bind(app_id).bind(nickname).bind(district).fetch_one(&self.pool).await?;
                member_from_row(&row)
            }

            async fn use_app_token(&self, jti: &str, expires_at_ms: i64, now_ms: i64) -> StoreResult<bool> {
                sqlx::query("DELETE FROM app_token_uses WHERE expires_at < $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                let inserted = sqlx::query("INSERT INTO app_token_uses (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
                    .bind(jti)
                    .bind(expires_at_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(inserted == 1)
            }
        }

        #[async_trait]
        impl AnswerLog for $store {
            async fn write_batch(&self, ops: &[WriteOp]) -> StoreResult<Written> {
                let mut tx = self.writer.begin().await?;
                // Sessions in as few statements as the answers: on
                // PostgreSQL each statement is a round trip, and a crowd
                // joining starts hundreds of sets per batch.
                let session_starts: Vec<&SessionStart> = ops
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::SessionStarted(s) => Some(s),
                        _ => None,
                    })
                    .collect();
                for chunk in session_starts.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO practice_sessions (id, member_id, mode, history, difficulty, relaxed, planned, started_at) ",
                    );
                    q.push_values(chunk, |mut row, s| {
                        row.push_bind(s.session_id)
                            .push_bind(s.member_id)
                            .push_bind(&s.mode)
                            .push_bind(&s.history)
                            .push_bind(s.difficulty)
                            .push_bind(flag(s.relaxed))
                            .push_bind(s.planned)
                            .push_bind(s.started_at_ms);
                    });
                    q.push(" ON CONFLICT (id) DO NOTHING");
                    q.build().execute(&mut *tx).await?;
                }
                let answers: Vec<&AnswerRecord> = ops
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::Answer(a) => Some(a),
                        _ => None,
                    })
                    .collect();
                // Only answers new to the database count towards the
                // totals. Usually that is all of them, which the row count
                // says without sending every key back; a chunk that meets
                // answers already stored (a retried or replayed batch) is
                // rolled back to its savepoint and inserted again, naming
                // the rows it adds.
                let mut inserted: Vec<AnswerRecord> = Vec::with_capacity(answers.len());
                for chunk in answers.chunks(<$db as BatchInsert>::ROWS) {
                    let insert = |returning: bool| {
                        let mut q = <$db as BatchInsert>::insert_answers(chunk);
                        q.push(" ON CONFLICT (session_id, question_id, member_id) DO NOTHING");
                        if returning {
                            q.push(" RETURNING session_id, question_id, member_id");
                        }
                        q
                    };
                    let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
                    let added = insert(false).build().execute(&mut *savepoint).await?.rows_affected();
                    if added == chunk.len() as u64 {
                        savepoint.commit().await?;
                        inserted.extend(chunk.iter().map(|a| (*a).clone()));
                        continue;
                    }
                    savepoint.rollback().await?;
                    let mut keys: HashSet<(i64, String, i64)> = HashSet::new();
                    for row in insert(true).build().fetch_all(&mut *tx).await? {
                        keys.insert((row.try_get("session_id")?, row.try_get("question_id")?, row.try_get("member_id")?));
                    }
                    // Each key once: an answer queued twice in one chunk is
                    // one row, and counts once.
                    inserted.extend(
                        chunk
                            .iter()
                            .filter(|a| keys.remove(&(a.session_id, a.question_id.clone(), a.member_id)))
                            .map(|a| (*a).clone()),
                    );
                }
                // The notebook rows these answers touch, each looked up by
                // its key. (Two IN lists, members and questions, made SQLite
                // probe every member with every question: 47 ms a batch
                // under load.)
                let mut existing: HashMap<(i64, String), notebook::Entry> = HashMap::new();
                let pairs: Vec<(i64, &str)> = inserted
                    .iter()
                    .map(|a| (a.member_id, a.question_id.as_str()))
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                for chunk in pairs.chunks(<$db as BatchInsert>::ROWS) {
                    for row in <$db as BatchInsert>::notebook_rows(chunk).build().fetch_all(&mut *tx).await? {
                        let item = notebook_from_row(&row)?;
                        existing.insert((row.try_get("member_id")?, item.question_id.clone()), item.entry());
                    }
                }
                let effects = BatchEffects::derive(&inserted, existing);
                write_totals!(tx, $db, &Totals::derive(&inserted), ROWS_PER_INSERT);
                for chunk in effects.question_stats.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO question_stats (question_id, rating, attempts, correct, answer_ms_total) ",
                    );
                    q.push_values(chunk, |mut row, s| {
                        row.push_bind(&s.question_id)
                            .push_bind(s.rating)
                            .push_bind(s.attempts)
                            .push_bind(s.correct)
                            .push_bind(s.answer_ms);
                    });
                    q.push(
                        " ON CONFLICT (question_id) DO UPDATE SET rating = excluded.rating, \
                         attempts = question_stats.attempts + excluded.attempts, correct = question_stats.correct + excluded.correct, \
                         answer_ms_total = question_stats.answer_ms_total + excluded.answer_ms_total",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in effects.notebook.chunks(<$db as BatchInsert>::ROWS) {
                    let mut q = <$db as BatchInsert>::insert_notebook(chunk);
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
                // The last end of a session wins, as if applied in order
                // (collecting into a map keeps the last value of a key).
                let session_ends: HashMap<i64, &SessionEnd> = ops
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::SessionFinished(s) => Some((s.session_id, s)),
                        _ => None,
                    })
                    .collect();
                let session_ends: Vec<&SessionEnd> = session_ends.into_values().collect();
                for chunk in session_ends.chunks(ROWS_PER_INSERT) {
                    // VALUES columns are column1, column2 on both backends.
                    let mut q = QueryBuilder::<$db>::new(
                        "UPDATE practice_sessions SET finished_at = v.column2, answered = v.column3, correct = v.column4, \
                         points = v.column5, best_streak = v.column6, revive_used = v.column7, completed = v.column8 FROM (",
                    );
                    q.push_values(chunk, |mut row, s| {
                        row.push_bind(s.session_id)
                            .push_bind(s.finished_at_ms)
                            .push_bind(s.answered)
                            .push_bind(s.correct)
                            .push_bind(s.points)
                            .push_bind(s.best_streak)
                            .push_bind(flag(s.revive_used))
                            .push_bind(flag(s.completed));
                    });
                    q.push(") AS v WHERE practice_sessions.id = v.column1");
                    q.build().execute(&mut *tx).await?;
                }
                // Matches. A start never overwrites and an end upserts, so
                // the two land right in either order, in one batch or two.
                let starts: Vec<&MatchStart> = ops
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::MatchStarted(m) => Some(m),
                        _ => None,
                    })
                    .collect();
                for chunk in starts.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO matches (id, mode, relaxed, question_count, started_at) ");
                    q.push_values(chunk, |mut row, m| {
                        row.push_bind(m.match_id)
                            .push_bind(&m.mode)
                            .push_bind(flag(m.relaxed))
                            .push_bind(m.questions.len() as i64)
                            .push_bind(m.started_at_ms);
                    });
                    q.push(" ON CONFLICT (id) DO NOTHING");
                    q.build().execute(&mut *tx).await?;
                }
                let questions: Vec<(i64, &MatchQuestion)> =
                    starts.iter().flat_map(|m| m.questions.iter().map(move |q| (m.match_id, q))).collect();
                for chunk in questions.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO match_questions (match_id, seq, question_id, question_version) ");
                    q.push_values(chunk, |mut row, (match_id, mq)| {
                        row.push_bind(*match_id).push_bind(mq.seq).push_bind(&mq.question_id).push_bind(mq.question_version);
                    });
                    q.push(" ON CONFLICT (match_id, seq) DO NOTHING");
                    q.build().execute(&mut *tx).await?;
                }
                let seats: Vec<(i64, &MatchSeat)> =
                    starts.iter().flat_map(|m| m.players.iter().map(move |p| (m.match_id, p))).collect();
                for chunk in seats.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO match_players (match_id, seat, member_id, bot_name, counted, rated, rating_before) ",
                    );
                    q.push_values(chunk, |mut row, (match_id, p)| {
                        row.push_bind(*match_id)
                            .push_bind(p.seat)
                            .push_bind(p.member_id)
                            .push_bind(&p.bot_name)
                            .push_bind(flag(p.counted))
                            .push_bind(flag(p.rated))
                            .push_bind(p.rating_before);
                    });
                    q.push(" ON CONFLICT (match_id, seat) DO NOTHING");
                    q.build().execute(&mut *tx).await?;
                }
                // An end is applied once: the first copy of it wins, in this
                // batch (PostgreSQL refuses to upsert a row twice in one
                // statement) and across batches (a retry, a replayed spill).
                let mut ended: HashSet<i64> = HashSet::new();
                let ends: Vec<&MatchEnd> = ops
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::MatchFinished(m) => Some(m),
                        _ => None,
                    })
                    .filter(|m| ended.insert(m.match_id))
                    .collect();
                for chunk in ends.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO matches (id, mode, relaxed, question_count, started_at, finished_at, outcome, winner_seat) ",
                    );
                    q.push_values(chunk, |mut row, m| {
                        row.push_bind(m.match_id)
                            .push_bind(&m.mode)
                            .push_bind(flag(m.relaxed))
                            .push_bind(m.question_count)
                            .push_bind(m.started_at_ms)
                            .push_bind(m.finished_at_ms)
                            .push_bind(&m.outcome)
                            .push_bind(m.winner_seat);
                    });
                    q.push(
                        " ON CONFLICT (id) DO UPDATE SET question_count = excluded.question_count, finished_at = excluded.finished_at, \
                         outcome = excluded.outcome, winner_seat = excluded.winner_seat WHERE matches.finished_at IS NULL",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                let mut seated: HashSet<(i64, i64)> = HashSet::new();
                let results: Vec<(&MatchEnd, &MatchPlayerResult)> = ends
                    .iter()
                    .flat_map(|m| m.players.iter().map(move |p| (*m, p)))
                    .filter(|(m, p)| seated.insert((m.match_id, p.seat)))
                    .collect();
                // The rows whose result was not there before: only theirs
                // move duel ratings.
                let mut applied: HashSet<(i64, i64)> = HashSet::new();
                for chunk in results.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO match_players (match_id, seat, member_id, bot_name, counted, rated, rating_before, \
                         place, points, correct, answer_ms_total, forfeited, result, rating_after, \
                         season_id, tier_before, stars_before, tier_after, stars_after, team) ",
                    );
                    q.push_values(chunk, |mut row, (m, p)| {
                        row.push_bind(m.match_id)
                            .push_bind(p.seat)
                            .push_bind(p.member_id)
                            .push_bind(&p.bot_name)
                            .push_bind(flag(p.counted))
                            .push_bind(flag(p.rated))
                            .push_bind(p.rating_before)
                            .push_bind(p.place)
                            .push_bind(p.points)
                            .push_bind(p.correct)
                            .push_bind(p.answer_ms_total)
                            .push_bind(flag(p.forfeited))
                            .push_bind(&p.result)
                            .push_bind(p.rating_after)
                            .push_bind(p.ladder.as_ref().map(|l| l.season_id))
                            .push_bind(p.ladder.as_ref().map(|l| l.tier_before.clone()))
                            .push_bind(p.ladder.as_ref().map(|l| l.stars_before))
                            .push_bind(p.ladder.as_ref().map(|l| l.tier_after.clone()))
                            .push_bind(p.ladder.as_ref().map(|l| l.stars_after))
                            .push_bind(p.team);
                    });
                    q.push(
                        " ON CONFLICT (match_id, seat) DO UPDATE SET member_id = excluded.member_id, bot_name = excluded.bot_name, \
                         counted = excluded.counted, rated = excluded.rated, rating_before = excluded.rating_before, \
                         place = excluded.place, points = excluded.points, correct = excluded.correct, \
                         answer_ms_total = excluded.answer_ms_total, forfeited = excluded.forfeited, result = excluded.result, \
                         rating_after = excluded.rating_after, season_id = excluded.season_id, tier_before = excluded.tier_before, \
                         stars_before = excluded.stars_before, tier_after = excluded.tier_after, stars_after = excluded.stars_after, \
                         team = excluded.team \
                         WHERE match_players.result IS NULL RETURNING match_id, seat",
                    );
                    for row in q.build().fetch_all(&mut *tx).await? {
                        applied.insert((row.try_get("match_id")?, row.try_get("seat")?));
                    }
                }
                let newly: Vec<(&MatchEnd, &MatchPlayerResult)> =
                    results.into_iter().filter(|(m, p)| applied.contains(&(m.match_id, p.seat))).collect();
                write_ladder_results!(tx, $db, &newly[..], ROWS_PER_INSERT);
                let sides: Vec<(&MatchEnd, &crate::store::BattleRecord, &crate::store::BattleSideRecord)> = ends
                    .iter()
                    .filter_map(|m| m.battle.as_ref().map(|b| (*m, b)))
                    .flat_map(|(m, b)| b.sides.iter().map(move |s| (m, b, s)))
                    .collect();
                let mut new_sides = Vec::new();
                for chunk in sides.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO battle_sides (match_id, team, competition_id, district, members, average, result, \
                         competition_points, finished_at) ",
                    );
                    q.push_values(chunk, |mut row, (m, b, s)| {
                        let result = match b.winner_team {
                            None => "draw",
                            Some(w) if w == s.team => "win",
                            Some(_) => "loss",
                        };
                        row.push_bind(m.match_id)
                            .push_bind(s.team)
                            .push_bind(b.competition_id)
                            .push_bind(&s.district)
                            .push_bind(s.members)
                            .push_bind(s.average)
                            .push_bind(result)
                            .push_bind(s.competition_points)
                            .push_bind(m.finished_at_ms);
                    });
                    // A replayed end changes nothing.
                    q.push(" ON CONFLICT (match_id, team) DO NOTHING RETURNING match_id, team");
                    for row in q.build().fetch_all(&mut *tx).await? {
                        new_sides.push((row.try_get("match_id")?, row.try_get("team")?));
                    }
                }
                let duel = fold_duel_results(newly);
                for chunk in duel.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO duel_ratings (member_id, rating, deviation, volatility, games, wins, losses, draws, updated_at) ",
                    );
                    q.push_values(chunk, |mut row, (member_id, d)| {
                        row.push_bind(*member_id)
                            .push_bind(d.rating)
                            .push_bind(d.deviation)
                            .push_bind(d.volatility)
                            .push_bind(d.games)
                            .push_bind(d.wins)
                            .push_bind(d.losses)
                            .push_bind(d.draws)
                            .push_bind(d.updated_at_ms);
                    });
                    // The record adds up; the rating is the latest match's,
                    // even should an older match's end arrive late.
                    q.push(
                        " ON CONFLICT (member_id) DO UPDATE SET \
                         rating = CASE WHEN excluded.updated_at >= duel_ratings.updated_at THEN excluded.rating ELSE duel_ratings.rating END, \
                         deviation = CASE WHEN excluded.updated_at >= duel_ratings.updated_at THEN excluded.deviation ELSE duel_ratings.deviation END, \
                         volatility = CASE WHEN excluded.updated_at >= duel_ratings.updated_at THEN excluded.volatility ELSE duel_ratings.volatility END, \
                         updated_at = CASE WHEN excluded.updated_at >= duel_ratings.updated_at THEN excluded.updated_at ELSE duel_ratings.updated_at END, \
                         games = duel_ratings.games + excluded.games, wins = duel_ratings.wins + excluded.wins, \
                         losses = duel_ratings.losses + excluded.losses, draws = duel_ratings.draws + excluded.draws",
                    );
                    q.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(Written { answers: inserted, battle_sides: new_sides })
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
                if modes.is_empty() {
                    return Ok(Vec::new());
                }
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

        #[async_trait]
        impl MatchStore for $store {
            async fn duel_rating(&self, member_id: i64) -> StoreResult<Option<DuelRating>> {
                let row = sqlx::query(
                    "SELECT member_id, rating, deviation, volatility, games, wins, losses, draws, updated_at \
                     FROM duel_ratings WHERE member_id = $1",
                )
                .bind(member_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| duel_rating_from_row(&r)).transpose()
            }

            async fn duel_ratings_of(&self, member_ids: &[i64]) -> StoreResult<HashMap<i64, DuelRating>> {
                let mut found = HashMap::with_capacity(member_ids.len());
                for chunk in member_ids.chunks(ID_LIST_CHUNK) {
                    let mut q = QueryBuilder::<$db>::new(
                        "SELECT member_id, rating, deviation, volatility, games, wins, losses, draws, updated_at \
                         FROM duel_ratings WHERE member_id IN ",
                    );
                    push_id_list(&mut q, chunk);
                    for r in q.build().fetch_all(&self.pool).await? {
                        found.insert(r.try_get("member_id")?, duel_rating_from_row(&r)?);
                    }
                }
                Ok(found)
            }

            async fn duel_ratings(&self) -> StoreResult<Vec<(i64, DuelRating)>> {
                let rows = sqlx::query(
                    "SELECT member_id, rating, deviation, volatility, games, wins, losses, draws, updated_at \
                     FROM duel_ratings WHERE games > 0 ORDER BY member_id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("member_id")?, duel_rating_from_row(r)?))).collect()
            }

            async fn counted_matches_since(&self, member_id: i64, mode: &str, since_ms: i64) -> StoreResult<i64> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM match_players p JOIN matches m ON m.id = p.match_id \
                     WHERE p.member_id = $1 AND p.counted = 1 AND m.mode = $2 AND m.started_at >= $3",
                )
                .bind(member_id)
                .bind(mode)
                .bind(since_ms)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("n")?)
            }

            async fn stored_match(&self, match_id: i64) -> StoreResult<Option<StoredMatch>> {
                let Some(m) = sqlx::query(
                    "SELECT id, mode, relaxed, question_count, started_at, finished_at, outcome, winner_seat \
                     FROM matches WHERE id = $1",
                )
                .bind(match_id)
                .fetch_optional(&self.pool)
                .await?
                else {
                    return Ok(None);
                };
                let questions = sqlx::query(
                    "SELECT seq, question_id, question_version FROM match_questions WHERE match_id = $1 ORDER BY seq",
                )
                .bind(match_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(MatchQuestion {
                        seq: r.try_get("seq")?,
                        question_id: r.try_get("question_id")?,
                        question_version: r.try_get("question_version")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
                let players = sqlx::query(
                    "SELECT seat, member_id, bot_name, counted, rated, rating_before, place, points, correct, \
                     answer_ms_total, forfeited, result, rating_after FROM match_players WHERE match_id = $1 ORDER BY seat",
                )
                .bind(match_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(StoredMatchPlayer {
                        seat: r.try_get("seat")?,
                        member_id: r.try_get("member_id")?,
                        bot_name: r.try_get("bot_name")?,
                        counted: r.try_get::<i64, _>("counted")? != 0,
                        rated: r.try_get::<i64, _>("rated")? != 0,
                        rating_before: r.try_get("rating_before")?,
                        place: r.try_get("place")?,
                        points: r.try_get("points")?,
                        correct: r.try_get("correct")?,
                        answer_ms_total: r.try_get("answer_ms_total")?,
                        forfeited: r.try_get::<Option<i64>, _>("forfeited")?.map(|f| f != 0),
                        result: r.try_get("result")?,
                        rating_after: r.try_get("rating_after")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
                Ok(Some(StoredMatch {
                    id: m.try_get("id")?,
                    mode: m.try_get("mode")?,
                    relaxed: m.try_get::<i64, _>("relaxed")? != 0,
                    started_at_ms: m.try_get("started_at")?,
                    finished_at_ms: m.try_get("finished_at")?,
                    outcome: m.try_get("outcome")?,
                    winner_seat: m.try_get("winner_seat")?,
                    question_count: m.try_get("question_count")?,
                    questions,
                    players,
                }))
            }

            async fn question_stats(&self) -> StoreResult<HashMap<String, QuestionStat>> {
                let rows = sqlx::query("SELECT question_id, rating, attempts, correct, answer_ms_total FROM question_stats")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("question_id")?,
                            QuestionStat {
                                rating: r.try_get("rating")?,
                                attempts: r.try_get("attempts")?,
                                correct: r.try_get("correct")?,
                                answer_ms_total: r.try_get("answer_ms_total")?,
                            },
                        ))
                    })
                    .collect()
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

fn duel_rating_from_row<R: Row>(r: &R) -> StoreResult<DuelRating>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(DuelRating {
        rating: r.try_get("rating")?,
        deviation: r.try_get("deviation")?,
        volatility: r.try_get("volatility")?,
        games: r.try_get("games")?,
        wins: r.try_get("wins")?,
        losses: r.try_get("losses")?,
        draws: r.try_get("draws")?,
        updated_at_ms: r.try_get("updated_at")?,
    })
}
