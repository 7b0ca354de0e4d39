//! One conformance suite for the storage traits, run against SQLite and
//! against PostgreSQL (a fresh database per test; skipped, saying so, when
//! `DATABASE_URL` is unset).

mod common;

use common::PgDatabase;
use dati::domain::notebook::BOX_INTERVALS_MS;
use dati::store::{AnswerRecord, SessionEnd, SessionStart, Stores, WriteOp, sql};

const T0: i64 = 1_796_000_000_000;

fn start(session_id: i64, member_id: i64) -> WriteOp {
    WriteOp::SessionStarted(SessionStart {
        session_id,
        member_id,
        mode: "practice".into(),
        history: Some("party".into()),
        difficulty: None,
        relaxed: false,
        planned: 5,
        started_at_ms: T0,
    })
}

fn answer(
    session_id: i64,
    member_id: i64,
    question: &str,
    correct: bool,
    points: i64,
    at: i64,
) -> AnswerRecord {
    AnswerRecord {
        session_id,
        question_id: question.into(),
        question_version: 1,
        member_id,
        history: "party".into(),
        mode: "practice".into(),
        choice: if points >= 0 { Some("B".into()) } else { None },
        correct,
        answer_ms: 3000,
        points,
        answered_at_ms: at,
        member_rating: 1516.0,
        question_rating: 1296.0,
    }
}

async fn suite(stores: Stores) {
    // Members.
    let a = stores
        .members
        .create_member("小王", "市南区", T0)
        .await
        .unwrap();
    let b = stores
        .members
        .create_member("老李", "崂山区", T0 + 1)
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(stores.members.member(a.id).await.unwrap().unwrap(), a);
    assert!(stores.members.member(999_999).await.unwrap().is_none());
    let mut both = stores.members.members(&[b.id, a.id]).await.unwrap();
    both.sort_by_key(|m| m.id);
    assert_eq!(both, vec![a.clone(), b.clone()]);
    assert!(stores.members.members(&[]).await.unwrap().is_empty());

    // A set with three answers, one wrong.
    let batch = vec![
        start(1, a.id),
        WriteOp::Answer(answer(1, a.id, "party-001", true, 900, T0 + 10)),
        WriteOp::Answer(answer(1, a.id, "party-002", false, 0, T0 + 20)),
        WriteOp::Answer(answer(1, a.id, "party-003", true, 1000, T0 + 30)),
        WriteOp::SessionFinished(SessionEnd {
            session_id: 1,
            finished_at_ms: T0 + 40,
            answered: 3,
            correct: 2,
            points: 1900,
            best_streak: 1,
            revive_used: false,
            completed: false,
        }),
    ];
    let inserted = stores.answers.write_batch(&batch).await.unwrap();
    assert_eq!(inserted.len(), 3);

    // A retried batch changes nothing: the unique key makes it idempotent.
    assert!(stores.answers.write_batch(&batch).await.unwrap().is_empty());
    assert_eq!(stores.answers.count_answers().await.unwrap(), 3);
    let stored = stores.answers.session_answers(1).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored.iter().map(|s| s.points).sum::<i64>(), 1900);
    assert!(!stored[1].correct);

    // The miss went into the notebook, due at once; rating changes stuck.
    let notebook = stores.practice.notebook(a.id).await.unwrap();
    assert_eq!(notebook.len(), 1);
    assert_eq!(
        (
            notebook[0].question_id.as_str(),
            notebook[0].wrong_count,
            notebook[0].box_level
        ),
        ("party-002", 1, 0)
    );
    assert_eq!(notebook[0].due_at_ms, T0 + 20);
    assert_eq!(
        stores.members.member(a.id).await.unwrap().unwrap().rating,
        1516.0
    );
    let ratings = stores.answers.question_ratings().await.unwrap();
    assert_eq!(ratings.get("party-001"), Some(&1296.0));

    // A right answer later moves it a box up and a day out; a timeout
    // (no choice) is stored as a miss.
    let later = T0 + 1_000;
    let batch = vec![
        start(2, a.id),
        WriteOp::Answer(answer(2, a.id, "party-002", true, 800, later)),
        WriteOp::Answer(AnswerRecord {
            choice: None,
            ..answer(2, a.id, "party-004", false, 0, later + 1)
        }),
    ];
    assert_eq!(stores.answers.write_batch(&batch).await.unwrap().len(), 2);
    let notebook = stores.practice.notebook(a.id).await.unwrap();
    assert_eq!(notebook.len(), 2);
    assert_eq!(notebook[0].question_id, "party-004", "the due one first");
    let moved = notebook
        .iter()
        .find(|n| n.question_id == "party-002")
        .unwrap();
    assert_eq!(
        (moved.box_level, moved.due_at_ms),
        (1, later + BOX_INTERVALS_MS[0])
    );
    assert_eq!(
        stores.answers.session_answers(2).await.unwrap()[1].choice,
        None
    );

    // Statistics.
    let stats = stores.practice.member_stats(a.id).await.unwrap();
    assert_eq!((stats.answered, stats.correct, stats.points), (5, 3, 2700));
    assert_eq!((stats.sets_finished, stats.best_streak), (1, 1));
    assert_eq!(stats.mean_answer_ms, 3000.0);
    assert_eq!(stats.by_history.len(), 1);
    assert_eq!(
        (stats.by_history[0].answered, stats.by_history[0].correct),
        (5, 3)
    );
    let empty = stores.practice.member_stats(b.id).await.unwrap();
    assert_eq!(
        (empty.answered, empty.points, empty.sets_finished),
        (0, 0, 0)
    );

    let mut recent = stores
        .practice
        .recent_question_ids(a.id, T0 + 25)
        .await
        .unwrap();
    recent.sort();
    assert_eq!(recent, ["party-002", "party-003", "party-004"]);

    // Points for leaderboard rebuilds, with the time of the last score.
    let b_batch = vec![
        start(3, b.id),
        WriteOp::Answer(AnswerRecord {
            ..answer(3, b.id, "party-001", true, 5000, T0 + 50)
        }),
    ];
    stores.answers.write_batch(&b_batch).await.unwrap();
    let mut points = stores
        .answers
        .points_since(&["practice", "challenge", "review"], T0)
        .await
        .unwrap();
    points.sort_by_key(|p| p.member_id);
    assert_eq!(points.len(), 2);
    assert_eq!(
        (points[0].member_id, points[0].points, points[0].last_at_ms),
        (a.id, 2700, later)
    );
    assert_eq!((points[1].points, points[1].last_at_ms), (5000, T0 + 50));
    assert!(
        stores
            .answers
            .points_since(&["duel"], T0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stores
            .answers
            .points_since(&["practice"], later)
            .await
            .unwrap()
            .len(),
        1
    );

    // A large batch goes in several statements and one transaction.
    let mut big = vec![start(4, b.id)];
    for i in 0..1_200 {
        big.push(WriteOp::Answer(answer(
            4,
            b.id,
            &format!("bulk-{i}"),
            true,
            10,
            T0 + 100 + i,
        )));
    }
    assert_eq!(stores.answers.write_batch(&big).await.unwrap().len(), 1_200);
    assert_eq!(stores.answers.count_answers().await.unwrap(), 5 + 1 + 1_200);
    stores.answers.ping().await.unwrap();
}

#[tokio::test]
async fn the_store_suite_passes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let stores = sql::open(None, dir.path()).await.unwrap();
    assert_eq!(stores.backend, "sqlite");
    suite(stores).await;
    // WAL mode, as the embedded default promises.
    assert!(dir.path().join("dati.db-wal").exists());
}

#[tokio::test]
async fn the_store_suite_passes_on_postgres() {
    let Some(db) = PgDatabase::create("the_store_suite_passes_on_postgres").await else {
        return;
    };
    let stores = sql::open(Some(&db.url), std::path::Path::new("/nonexistent"))
        .await
        .unwrap();
    assert_eq!(stores.backend, "postgres");
    suite(stores.clone()).await;
    drop(stores);
    db.drop_database().await;
}

#[tokio::test]
async fn a_full_practice_set_is_recorded_on_postgres() {
    let Some(db) = PgDatabase::create("a_full_practice_set_is_recorded_on_postgres").await else {
        return;
    };
    let url = db.url.clone();
    let mut server = common::TestServer::start_with(|c| c.database_url = Some(url)).await;
    let member = server.member("数据库").await;
    let mut ws = member.connect().await;
    let (set_id, _) = ws.start_practice(Some("socialism"), 5).await;
    assert_eq!(ws.play_set(&server.bank, 5, |_| true).await.correct, 5);
    server.stop().await;
    let stored = server.stored_answers(&set_id).await;
    assert_eq!(stored.len(), 5);
    assert!(stored.iter().all(|a| a.correct));
    drop(server);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_goes_on_while_postgres_is_away_and_every_answer_lands_when_it_returns() {
    let Some(db) = PgDatabase::create("play_goes_on_while_postgres_is_away").await else {
        return;
    };
    let url = db.url.clone();
    let mut server = common::TestServer::start_with(|c| c.database_url = Some(url)).await;
    let member = server.member("断线重连").await;
    let mut ws = member.connect().await;
    let (set_id, _) = ws.start_practice(Some("reform"), 5).await;

    db.take_down().await;
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503, "not ready without a database");
    // Every question still comes back at once: nothing in play waits on the database.
    let started = std::time::Instant::now();
    let summary = ws.play_set(&server.bank, 5, |_| true).await;
    assert_eq!(summary.correct, 5);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "play stalled: {:?}",
        started.elapsed()
    );
    assert!(
        server.app().queue.depth() > 0
            || server.app().stores.answers.count_answers().await.is_err()
    );

    db.bring_back().await;
    server.settle().await;
    let stored = server.stored_answers(&set_id).await;
    assert_eq!(
        stored.len(),
        5,
        "every answer given during the outage was written after it"
    );
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        200
    );
    server.stop().await;
    drop(server);
    db.drop_database().await;
}
