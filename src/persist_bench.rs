//! `dati persist-bench`: how fast answers become durable, through the
//! server's own batched writer, against the naive baseline of one INSERT
//! per answer; and, with Redis, how fast the leaderboard takes updates and
//! how long a top-10 read takes meanwhile.
//!
//! It works on a scratch database of its own: a SQLite file in a temporary
//! directory, or, given a PostgreSQL URL, a fresh database created on that
//! server and dropped afterwards. Redis keys go under a prefix of their own
//! and are deleted afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use serde::Serialize;
use sqlx::Connection;

use crate::store::leaderboard::{
    Board, Leaderboard, MemoryLeaderboard, PeriodKey, RedisLeaderboard, ScoreEvent, Update,
};
use crate::store::writer::{self, MAX_BATCH};
use crate::store::{AnswerRecord, Stores, WriteOp, sql};

pub struct PersistBenchConfig {
    /// `postgres://…` of a server to make a scratch database on; none for
    /// SQLite in a temporary directory.
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    /// Answers written through the batched writer.
    pub rows: usize,
    /// Answers written one INSERT at a time (slow: keep it small).
    pub baseline_rows: usize,
    /// Members the answers are spread over.
    pub members: usize,
    /// Leaderboard events applied to Redis.
    pub board_events: usize,
}

#[derive(Debug, Serialize)]
pub struct PersistReport {
    pub backend: &'static str,
    pub rows: usize,
    pub batched_rows_per_sec: f64,
    pub baseline_rows: usize,
    pub baseline_rows_per_sec: f64,
    /// Batched over baseline.
    pub ratio: f64,
    pub leaderboard: Option<BoardReport>,
}

/// Redis twice: as fast as the writer's batches go, then paced at
/// [`TARGET_BUCKET_UPDATES`] (issue 8's target), each with top-10 reads.
#[derive(Debug, Serialize)]
pub struct BoardReport {
    pub flat_out: BoardRun,
    pub at_target: BoardRun,
}

#[derive(Debug, Serialize)]
pub struct BoardRun {
    pub events: usize,
    /// Score events per second; each updates three buckets.
    pub updates_per_sec: f64,
    /// Top-10 reads made while the updates ran.
    pub top10_reads: u64,
    pub top10_p50_ms: f64,
    pub top10_p99_ms: f64,
}

/// Sorted-set updates per second in the paced run.
const TARGET_BUCKET_UPDATES: f64 = 100_000.0;

impl PersistReport {
    /// Lines for docs/performance.md (bench/run.sh).
    pub fn markdown_rows(&self) -> String {
        let mut out = format!(
            "| {} | {:.0} rows/s | {:.0} rows/s | {:.1}× |\n",
            self.backend, self.batched_rows_per_sec, self.baseline_rows_per_sec, self.ratio
        );
        if let Some(b) = &self.leaderboard {
            for (label, run) in [("flat out", &b.flat_out), ("paced", &b.at_target)] {
                out.push_str(&format!(
                    "| redis board, {label} | {:.0} events/s (×3 buckets) | top-10 p50 {:.2} ms | top-10 p99 {:.2} ms |\n",
                    run.updates_per_sec, run.top10_p50_ms, run.top10_p99_ms
                ));
            }
        }
        out
    }
}

impl std::fmt::Display for PersistReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "backend                 {}", self.backend)?;
        writeln!(
            f,
            "batched writer          {:>10.0} rows/s  ({} rows)",
            self.batched_rows_per_sec, self.rows
        )?;
        writeln!(
            f,
            "one INSERT per answer   {:>10.0} rows/s  ({} rows)",
            self.baseline_rows_per_sec, self.baseline_rows
        )?;
        writeln!(f, "ratio                   {:>10.1}×", self.ratio)?;
        if let Some(b) = &self.leaderboard {
            for (label, run) in [("flat out", &b.flat_out), ("paced   ", &b.at_target)] {
                writeln!(
                    f,
                    "redis board, {label}    {:>10.0} events/s ({} events, ×3 buckets)",
                    run.updates_per_sec, run.events
                )?;
                writeln!(
                    f,
                    "  top-10 read meanwhile p50 {:.3} ms, p99 {:.3} ms ({} reads)",
                    run.top10_p50_ms, run.top10_p99_ms, run.top10_reads
                )?;
            }
        }
        Ok(())
    }
}

/// Questions the synthetic answers spread over: about the bank's size, so
/// that the answer-time counts and the notebook see as many distinct keys
/// per batch as in play.
const QUESTIONS: usize = 450;

/// Synthetic answers: `n` of them from session ids starting at
/// `first_session`, ten per session, over `members` (ids as created), each
/// session's ten questions scattered over [`QUESTIONS`], answer times
/// spread over 1–20 s.
fn answers(n: usize, first_session: i64, members: &[i64], now_ms: i64) -> Vec<AnswerRecord> {
    (0..n)
        .map(|i| {
            let session = first_session + (i / 10) as i64;
            let correct = i % 3 != 0;
            AnswerRecord {
                session_id: session,
                question_id: format!("bench-q{:03}", (i * 7_919) % QUESTIONS),
                question_version: 1,
                member_id: members[(i / 10) % members.len()],
                history: "党史".into(),
                mode: "practice".into(),
                choice: Some(if correct { "A" } else { "B" }.into()),
                correct,
                answer_ms: 1_000 + ((i * 7_907) % 19_000) as i64,
                points: if correct { 120 } else { 0 },
                answered_at_ms: now_ms + i as i64,
                member_rating: Some(1500.0),
                question_rating: 1500.0,
            }
        })
        .collect()
}

/// A scratch database: where to open it, and how to get rid of it.
enum Scratch {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    async fn create(database_url: Option<&str>) -> anyhow::Result<Scratch> {
        match database_url {
            None => {
                let dir =
                    std::env::temp_dir().join(format!("dati-persist-bench-{}", std::process::id()));
                std::fs::create_dir_all(&dir)?;
                Ok(Scratch::Sqlite(dir))
            }
            Some(url) => {
                let name = format!("dati_persist_bench_{}", std::process::id());
                let mut conn = sqlx::PgConnection::connect(url)
                    .await
                    .context("cannot reach PostgreSQL")?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&mut conn)
                    .await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                Ok(Scratch::Postgres {
                    admin_url: url.to_owned(),
                    name,
                })
            }
        }
    }

    /// `(database_url, data_dir)` as the stores take them.
    fn location(&self) -> (Option<String>, std::path::PathBuf) {
        match self {
            Scratch::Sqlite(dir) => (None, dir.clone()),
            Scratch::Postgres { admin_url, name } => {
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                (Some(format!("{base}/{name}")), std::env::temp_dir())
            }
        }
    }

    async fn drop_database(self) -> anyhow::Result<()> {
        match self {
            Scratch::Sqlite(dir) => std::fs::remove_dir_all(dir)?,
            Scratch::Postgres { admin_url, name } => {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
            }
        }
        Ok(())
    }
}

pub async fn run(config: &PersistBenchConfig) -> anyhow::Result<PersistReport> {
    let scratch = Scratch::create(config.database_url.as_deref()).await?;
    let result = measure(config, &scratch).await;
    scratch.drop_database().await?;
    result
}

async fn measure(config: &PersistBenchConfig, scratch: &Scratch) -> anyhow::Result<PersistReport> {
    let (url, data_dir) = scratch.location();
    let stores = sql::open(url.as_deref(), &data_dir).await?;
    let now_ms = crate::rooms::wall_ms();
    let mut members = Vec::with_capacity(config.members.max(1));
    for i in 0..config.members.max(1) {
        let m = stores
            .members
            .create_member(&format!("压测{i:05}"), "市南区", now_ms)
            .await?;
        members.push(m.id);
    }
    let batched = batched_rate(&stores, &data_dir, &members, config.rows, now_ms).await?;
    let baseline_answers = answers(config.baseline_rows, 1 << 40, &members, now_ms);
    let started = Instant::now();
    sql::insert_one_by_one(url.as_deref(), &data_dir, &baseline_answers).await?;
    let baseline = config.baseline_rows as f64 / started.elapsed().as_secs_f64();
    let leaderboard = match &config.redis_url {
        Some(url) => Some(BoardReport {
            flat_out: board_rate(url, &members, config.board_events, now_ms, None).await?,
            at_target: board_rate(
                url,
                &members,
                config.board_events,
                now_ms,
                Some(TARGET_BUCKET_UPDATES / 3.0),
            )
            .await?,
        }),
        None => None,
    };
    Ok(PersistReport {
        backend: stores.backend,
        rows: config.rows,
        batched_rows_per_sec: batched,
        baseline_rows: config.baseline_rows,
        baseline_rows_per_sec: baseline,
        ratio: batched / baseline,
        leaderboard,
    })
}

/// Rows per second through the server's writer: everything queued as a
/// game would queue it, timed until the last batch is committed.
async fn batched_rate(
    stores: &Stores,
    data_dir: &std::path::Path,
    members: &[i64],
    rows: usize,
    now_ms: i64,
) -> anyhow::Result<f64> {
    let ops: Vec<WriteOp> = answers(rows, 1, members, now_ms)
        .into_iter()
        .map(WriteOp::Answer)
        .collect();
    let board: Arc<dyn Leaderboard> = Arc::new(MemoryLeaderboard::new());
    let (queue, writer) = writer::spawn(
        stores.answers.clone(),
        board,
        data_dir,
        rows.max(MAX_BATCH) * 2,
    )
    .await;
    let started = Instant::now();
    for op in ops {
        queue.push(op).await?;
    }
    while queue.depth() > 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = started.elapsed();
    writer.flush_and_stop().await;
    let stored = stores.answers.count_answers().await?;
    anyhow::ensure!(
        stored as usize == rows,
        "the writer stored {stored} of {rows} answers"
    );
    Ok(rows as f64 / elapsed.as_secs_f64())
}

/// Events per second into Redis in the writer's shape (one apply per batch
/// of `MAX_BATCH` answers' points), as fast as they go or at `pace` events
/// a second, with top-10 reads timed meanwhile.
async fn board_rate(
    url: &str,
    members: &[i64],
    events: usize,
    now_ms: i64,
    pace: Option<f64>,
) -> anyhow::Result<BoardRun> {
    let prefix = format!("dati_persist_bench_{}:", std::process::id());
    let board = Arc::new(RedisLeaderboard::connect(url, &prefix).await?);
    board.mark_rebuilt().await?;
    let done = Arc::new(AtomicBool::new(false));
    // The reader has a thread and a connection of its own, as a page
    // request would: its latency is Redis's, not the time the writing task
    // keeps this thread busy building the next batch.
    let reader_board = Arc::new(RedisLeaderboard::connect(url, &prefix).await?);
    let reader = {
        let done = done.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let mut reads = Histogram::<u64>::new(3).expect("histogram");
                while !done.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    if reader_board
                        .top(Board::Overall, PeriodKey::AllTime, 10)
                        .await
                        .is_ok()
                    {
                        let _ = reads.record(started.elapsed().as_micros() as u64);
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                reads
            })
        })
    };
    let started = Instant::now();
    let mut sent = 0;
    while sent < events {
        if let Some(per_sec) = pace {
            tokio::time::sleep_until(
                tokio::time::Instant::from_std(started)
                    + Duration::from_secs_f64(sent as f64 / per_sec),
            )
            .await;
        }
        let n = (events - sent).min(MAX_BATCH);
        let batch: Vec<ScoreEvent> = (0..n)
            .map(|i| ScoreEvent {
                member_id: members[(sent + i) % members.len()],
                points: 120,
                at_ms: now_ms + (sent + i) as i64,
            })
            .collect();
        // Each event lands in three buckets: all time, the day, the week.
        board.apply(&[Update::Add(Board::Overall, batch)]).await?;
        sent += n;
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let reads = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the top-10 reader panicked"))?;
    board.delete_all().await?;
    Ok(BoardRun {
        events,
        updates_per_sec: events as f64 / elapsed.as_secs_f64(),
        top10_reads: reads.len(),
        top10_p50_ms: reads.value_at_quantile(0.5) as f64 / 1000.0,
        top10_p99_ms: reads.value_at_quantile(0.99) as f64 / 1000.0,
    })
}
