//! The write-behind queue when the database misbehaves: retries while it is
//! away, spills to disk when it is still away at shutdown, replays at start.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use dati::store::leaderboard::{Board, Leaderboard, MemoryLeaderboard, PeriodKey};
use dati::store::writer::{self, SPILL_FILE};
use dati::store::{
    AnswerLog, AnswerRecord, MemberPoints, StoreError, StoreResult, StoredAnswer, WriteOp, Written,
};

/// An answer log that fails its first `failures` writes, or all of them.
#[derive(Default)]
struct FlakyLog {
    failures: AtomicUsize,
    always_fail: bool,
    written: Mutex<Vec<AnswerRecord>>,
    attempts: AtomicUsize,
}

#[async_trait]
impl AnswerLog for FlakyLog {
    async fn write_batch(&self, ops: &[WriteOp]) -> StoreResult<Written> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.always_fail || self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Database(sqlx::Error::PoolTimedOut));
        }
        let mut written = self.written.lock().unwrap();
        let mut new = Vec::new();
        for op in ops {
            if let WriteOp::Answer(a) = op
                && !written
                    .iter()
                    .any(|w| w.session_id == a.session_id && w.question_id == a.question_id)
            {
                written.push(a.clone());
                new.push(a.clone());
            }
        }
        Ok(Written {
            answers: new,
            battle_sides: Vec::new(),
        })
    }
    async fn session_answers(&self, _: i64) -> StoreResult<Vec<StoredAnswer>> {
        Ok(Vec::new())
    }
    async fn count_answers(&self) -> StoreResult<i64> {
        Ok(self.written.lock().unwrap().len() as i64)
    }
    async fn points_since(&self, _: &[&str], _: i64) -> StoreResult<Vec<MemberPoints>> {
        Ok(Vec::new())
    }
    async fn question_ratings(&self) -> StoreResult<HashMap<String, f64>> {
        Ok(HashMap::new())
    }
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}

fn answer(i: i64) -> WriteOp {
    WriteOp::Answer(record(i))
}

fn record(i: i64) -> AnswerRecord {
    AnswerRecord {
        session_id: 1,
        question_id: format!("q-{i}"),
        question_version: 1,
        member_id: 7,
        history: "prc".into(),
        mode: "practice".into(),
        choice: Some("A".into()),
        correct: true,
        answer_ms: 1000,
        points: 100,
        answered_at_ms: 1_796_000_000_000 + i,
        member_rating: Some(1500.0),
        question_rating: 1500.0,
    }
}

#[tokio::test(start_paused = true)]
async fn answers_wait_out_a_database_outage_and_all_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(FlakyLog {
        failures: AtomicUsize::new(5),
        ..Default::default()
    });
    let board = Arc::new(MemoryLeaderboard::new());
    let (queue, handle) = writer::spawn(log.clone(), board.clone(), dir.path(), 1024).await;
    for i in 0..300 {
        queue.push(answer(i)).await.unwrap();
    }
    handle.flush_and_stop().await;
    assert_eq!(log.written.lock().unwrap().len(), 300);
    assert!(log.attempts.load(Ordering::SeqCst) > 5, "it retried");
    assert!(!dir.path().join(SPILL_FILE).exists());
    // The leaderboard is fed from what was written.
    let top = board.top(Board::Solo, PeriodKey::AllTime, 1).await.unwrap();
    assert_eq!(top[0].score, 300 * 100);
}

#[tokio::test(start_paused = true)]
async fn a_database_still_away_at_shutdown_gets_a_spill_file_replayed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let down = Arc::new(FlakyLog {
        always_fail: true,
        ..Default::default()
    });
    let board: Arc<dyn Leaderboard> = Arc::new(MemoryLeaderboard::new());
    let (queue, handle) = writer::spawn(down.clone(), board.clone(), dir.path(), 1024).await;
    for i in 0..40 {
        queue.push(answer(i)).await.unwrap();
    }
    handle.flush_and_stop().await;
    assert!(down.written.lock().unwrap().is_empty());
    let spill = std::fs::read_to_string(dir.path().join(SPILL_FILE)).unwrap();
    assert_eq!(spill.lines().count(), 40);

    let up = Arc::new(FlakyLog::default());
    let (_queue, handle) = writer::spawn(up.clone(), board, dir.path(), 1024).await;
    assert_eq!(up.written.lock().unwrap().len(), 40, "replayed at start");
    assert!(
        !dir.path().join(SPILL_FILE).exists(),
        "and the spill file is gone"
    );
    handle.flush_and_stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_push_after_shutdown_is_refused_not_lost_silently() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(FlakyLog::default());
    let (queue, handle) =
        writer::spawn(log, Arc::new(MemoryLeaderboard::new()), dir.path(), 16).await;
    handle.flush_and_stop().await;
    assert!(queue.push(answer(1)).await.is_err());
}

/// Writes spilled at one shutdown reach the database, the boards and the
/// question ratings of the next start; a torn line is kept aside, not lost.
#[tokio::test]
async fn spilled_writes_are_replayed_into_the_database_and_the_boards_at_the_next_start() {
    let mut first = common::TestServer::start().await;
    let member = first.member("断电").await;
    first.stop().await;
    let data = first.data_dir.path().to_path_buf();

    let now = dati::rooms::wall_ms();
    let ops = [
        WriteOp::SessionStarted(dati::store::SessionStart {
            session_id: 42,
            member_id: member.id,
            mode: "practice".into(),
            history: None,
            difficulty: None,
            relaxed: false,
            planned: 5,
            started_at_ms: now,
        }),
        WriteOp::Answer(AnswerRecord {
            member_id: member.id,
            session_id: 42,
            answered_at_ms: now,
            points: 777,
            ..record(0)
        }),
    ];
    let mut spill: String = ops
        .iter()
        .map(|op| serde_json::to_string(op).unwrap() + "\n")
        .collect();
    spill.push_str("{\"op\":\"answ\n");
    std::fs::write(data.join(SPILL_FILE), spill).unwrap();

    let second = common::TestServer::start_with(|c| c.data_dir = data.clone()).await;
    assert_eq!(second.stored_answers("42").await.len(), 1);
    let res = member
        .http
        .get(second.url("/api/leaderboard?board=solo"))
        .send()
        .await
        .unwrap();
    let board: serde_json::Value = res.json().await.unwrap();
    assert_eq!(board["me"]["score"], 777, "{board}");
    assert!(!data.join(SPILL_FILE).exists());
    let kept = std::fs::read_to_string(data.join("pending-writes.unreadable.jsonl")).unwrap();
    assert_eq!(kept, "{\"op\":\"answ\n");
}
