//! The leaderboard conformance suite, run against the in-process board and
//! against Redis (`REDIS_URL`; each test under its own key prefix, deleted
//! at the end, so the tests share one Redis in parallel and leave nothing).

mod common;

use std::sync::Arc;

use common::RedisTestBoard;
use dati::store::leaderboard::{
    Board, Leaderboard, LeaderboardError, MemoryLeaderboard, Period, PeriodKey, ScoreEvent, rebuild,
};
use dati::store::{
    AnswerRecord, MatchEnd, MatchPlayerResult, MatchQuestion, MatchSeat, MatchStart, WriteOp, sql,
    writer,
};

const DAY: i64 = 24 * 60 * 60 * 1000;
/// Monday 2026-11-30 00:00 Beijing time.
const MONDAY: i64 = 1_795_968_000_000;

fn ev(member_id: i64, points: i64, at_ms: i64) -> ScoreEvent {
    ScoreEvent {
        member_id,
        points,
        at_ms,
    }
}

async fn suite(board: &dyn Leaderboard) {
    let all = PeriodKey::AllTime;
    assert!(board.top(Board::Overall, all, 10).await.unwrap().is_empty());
    assert!(
        board
            .around(Board::Overall, all, 1, 3)
            .await
            .unwrap()
            .is_empty()
    );

    // Member 2 reaches 300 before member 3 does: 2 ranks above 3.
    board
        .add(
            Board::Overall,
            &[ev(1, 100, MONDAY + 10), ev(2, 300, MONDAY + 20)],
        )
        .await
        .unwrap();
    board
        .add(
            Board::Overall,
            &[
                ev(3, 200, MONDAY + 30),
                ev(3, 100, MONDAY + 40),
                ev(4, 50, MONDAY + 50),
            ],
        )
        .await
        .unwrap();
    let top = board.top(Board::Overall, all, 10).await.unwrap();
    let order: Vec<(u64, i64, i64)> = top.iter().map(|s| (s.rank, s.member_id, s.score)).collect();
    assert_eq!(order, [(1, 2, 300), (2, 3, 300), (3, 1, 100), (4, 4, 50)]);
    assert_eq!(board.top(Board::Overall, all, 2).await.unwrap().len(), 2);
    assert_eq!(board.len(Board::Overall, all).await.unwrap(), 4);

    // Around me: my standing with neighbours, clipped at the ends.
    let around = board.around(Board::Overall, all, 1, 1).await.unwrap();
    assert_eq!(
        around.iter().map(|s| s.member_id).collect::<Vec<_>>(),
        [3, 1, 4]
    );
    let around = board.around(Board::Overall, all, 2, 2).await.unwrap();
    assert_eq!(around.iter().map(|s| s.rank).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(
        board
            .around(Board::Overall, all, 99, 2)
            .await
            .unwrap()
            .is_empty()
    );

    // Boards are separate.
    assert!(board.top(Board::Solo, all, 10).await.unwrap().is_empty());

    // Days and weeks: Tuesday's points are not on Monday's board, but the week has both.
    board
        .add(Board::Overall, &[ev(4, 1000, MONDAY + DAY + 5)])
        .await
        .unwrap();
    let monday = Period::Day.key(MONDAY);
    let tuesday = Period::Day.key(MONDAY + DAY);
    let week = Period::Week.key(MONDAY);
    assert_eq!(
        board.top(Board::Overall, monday, 1).await.unwrap()[0].member_id,
        2
    );
    let tue = board.top(Board::Overall, tuesday, 10).await.unwrap();
    assert_eq!((tue.len(), tue[0].member_id, tue[0].score), (1, 4, 1000));
    let w = board.top(Board::Overall, week, 1).await.unwrap();
    assert_eq!((w[0].member_id, w[0].score), (4, 1050));
    assert_eq!(
        board.top(Board::Overall, all, 1).await.unwrap()[0].member_id,
        4
    );

    // A rebuild replaces a bucket wholesale.
    board
        .replace(Board::Solo, all, &[ev(7, 10, MONDAY), ev(8, 20, MONDAY)])
        .await
        .unwrap();
    let solo = board.top(Board::Solo, all, 10).await.unwrap();
    assert_eq!(solo.iter().map(|s| s.member_id).collect::<Vec<_>>(), [8, 7]);
    board
        .replace(Board::Solo, all, &[ev(9, 5, MONDAY)])
        .await
        .unwrap();
    assert_eq!(board.top(Board::Solo, all, 10).await.unwrap().len(), 1);

    // The rating board holds absolute scores: set, not added. A standing
    // keeps its time while its score stands, so ties still go to whoever
    // got there first.
    let rating = Board::DuelRating;
    board
        .set(
            rating,
            all,
            &[ev(1, 1500, MONDAY + 1), ev(2, 1500, MONDAY + 2)],
        )
        .await
        .unwrap();
    board
        .set(
            rating,
            all,
            &[ev(1, 1500, MONDAY + 3), ev(2, 1520, MONDAY + 4)],
        )
        .await
        .unwrap();
    let top = board.top(rating, all, 10).await.unwrap();
    assert_eq!(
        top.iter()
            .map(|s| (s.member_id, s.score, s.reached_at_ms))
            .collect::<Vec<_>>(),
        [(2, 1520, MONDAY + 4), (1, 1500, MONDAY + 1)]
    );
    board
        .set(
            rating,
            all,
            &[ev(2, 1480, MONDAY + 5), ev(3, 1490, MONDAY + 6)],
        )
        .await
        .unwrap();
    let top = board.top(rating, all, 10).await.unwrap();
    assert_eq!(
        top.iter()
            .map(|s| (s.member_id, s.score))
            .collect::<Vec<_>>(),
        [(1, 1500), (3, 1490), (2, 1480)]
    );
    let around = board.around(rating, all, 3, 1).await.unwrap();
    assert_eq!(around.iter().map(|s| s.rank).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(board.len(rating, all).await.unwrap(), 3);
    // A rebuild replaces it like any other board.
    board
        .replace(rating, all, &[ev(4, 1700, MONDAY)])
        .await
        .unwrap();
    assert_eq!(board.top(rating, all, 10).await.unwrap()[0].member_id, 4);
    assert_eq!(board.len(rating, all).await.unwrap(), 1);
    assert!(board.top(Board::Duel, all, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_in_process_leaderboard_passes_the_suite() {
    suite(&MemoryLeaderboard::new()).await;
}

#[tokio::test]
async fn the_redis_leaderboard_passes_the_suite() {
    let Some(redis) = RedisTestBoard::connect("the_redis_leaderboard_passes_the_suite").await
    else {
        return;
    };
    suite(redis.board.as_ref()).await;
    redis.delete().await;
}

#[tokio::test]
async fn ties_go_to_whoever_got_there_first_regardless_of_member_id() {
    ties(&MemoryLeaderboard::new()).await;
}

#[tokio::test]
async fn redis_ties_go_to_whoever_got_there_first() {
    let Some(redis) = RedisTestBoard::connect("redis_ties_go_to_whoever_got_there_first").await
    else {
        return;
    };
    ties(redis.board.as_ref()).await;
    redis.delete().await;
}

async fn ties(board: &dyn Leaderboard) {
    board
        .add(
            Board::Solo,
            &[ev(9, 500, MONDAY + 1), ev(1, 500, MONDAY + 2)],
        )
        .await
        .unwrap();
    let top = board.top(Board::Solo, PeriodKey::AllTime, 2).await.unwrap();
    assert_eq!(top.iter().map(|s| s.member_id).collect::<Vec<_>>(), [9, 1]);
    // At the same millisecond, the lower id; adding nothing moves nothing.
    board
        .add(
            Board::Duel,
            &[
                ev(7, 40, MONDAY + 5),
                ev(3, 40, MONDAY + 5),
                ev(5, 40, MONDAY + 4),
            ],
        )
        .await
        .unwrap();
    board
        .add(Board::Duel, &[ev(5, 0, MONDAY + 9)])
        .await
        .unwrap();
    let top = board
        .top(Board::Duel, PeriodKey::AllTime, 10)
        .await
        .unwrap();
    assert_eq!(
        top.iter()
            .map(|s| (s.member_id, s.reached_at_ms))
            .collect::<Vec<_>>(),
        [(5, MONDAY + 4), (3, MONDAY + 5), (7, MONDAY + 5)]
    );
    // An event older than the standing's time adds its points but keeps
    // the later time (the time is when the score was reached).
    board
        .add(Board::Duel, &[ev(5, 10, MONDAY + 1)])
        .await
        .unwrap();
    let top = board.top(Board::Duel, PeriodKey::AllTime, 1).await.unwrap();
    assert_eq!(
        (top[0].member_id, top[0].score, top[0].reached_at_ms),
        (5, 50, MONDAY + 4)
    );
    // Big scores stay exact.
    let big = 1 << 52;
    board
        .add(Board::Solo, &[ev(2, big, MONDAY), ev(2, 1, MONDAY + 1)])
        .await
        .unwrap();
    assert_eq!(
        board.top(Board::Solo, PeriodKey::AllTime, 1).await.unwrap()[0].score,
        big + 1
    );
}

/// Redis keys: one sorted set per board and bucket, days and weeks expire,
/// all time does not.
#[tokio::test]
async fn redis_keys_expire_with_their_period() {
    let Some(redis) = RedisTestBoard::connect("redis_keys_expire_with_their_period").await else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    redis
        .board
        .add(Board::Overall, &[ev(1, 10, now)])
        .await
        .unwrap();
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ttl = |key: String| {
        let mut conn = conn.clone();
        async move {
            let ttl: i64 = redis::cmd("TTL")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap();
            ttl
        }
    };
    let day = redis.board.bucket_key(Board::Overall, Period::Day.key(now));
    let week = redis
        .board
        .bucket_key(Board::Overall, Period::Week.key(now));
    let all = redis.board.bucket_key(Board::Overall, PeriodKey::AllTime);
    assert!(
        day.starts_with(&redis.prefix) && day.contains(":lb:overall:day:"),
        "{day}"
    );
    const DAY_S: i64 = 24 * 60 * 60;
    let day_ttl = ttl(day.clone()).await;
    assert!(
        (8 * DAY_S..=9 * DAY_S + 1).contains(&day_ttl),
        "day ttl {day_ttl}"
    );
    assert_eq!(ttl(day + ":ids").await, day_ttl);
    let week_ttl = ttl(week).await;
    assert!(
        (15 * DAY_S..=22 * DAY_S + 1).contains(&week_ttl),
        "week ttl {week_ttl}"
    );
    assert_eq!(ttl(all.clone()).await, -1, "all time never expires");
    let kind: String = redis::cmd("TYPE")
        .arg(&all)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(kind, "zset");
    redis.delete().await;
}

/// A Redis that lost the boards (restarted empty, flushed) refuses updates
/// until they are rebuilt, rather than showing a board of recent points.
#[tokio::test]
async fn redis_refuses_updates_once_the_boards_are_gone() {
    let Some(redis) =
        RedisTestBoard::connect("redis_refuses_updates_once_the_boards_are_gone").await
    else {
        return;
    };
    let board = redis.board.as_ref();
    board.add(Board::Solo, &[ev(1, 10, MONDAY)]).await.unwrap();
    board.delete_all().await.unwrap();
    assert!(matches!(
        board.add(Board::Solo, &[ev(1, 10, MONDAY)]).await,
        Err(LeaderboardError::Lost)
    ));
    assert!(
        board
            .top(Board::Solo, PeriodKey::AllTime, 10)
            .await
            .unwrap()
            .is_empty()
    );
    board
        .replace(Board::Solo, PeriodKey::AllTime, &[ev(1, 20, MONDAY)])
        .await
        .unwrap();
    board.mark_rebuilt().await.unwrap();
    board
        .add(Board::Solo, &[ev(1, 5, MONDAY + 1)])
        .await
        .unwrap();
    let top = board
        .top(Board::Solo, PeriodKey::AllTime, 10)
        .await
        .unwrap();
    assert_eq!((top[0].score, top[0].reached_at_ms), (25, MONDAY + 1));
    // Replacing with nothing empties the bucket.
    board
        .replace(Board::Solo, PeriodKey::AllTime, &[])
        .await
        .unwrap();
    assert_eq!(board.len(Board::Solo, PeriodKey::AllTime).await.unwrap(), 0);
    redis.delete().await;
}

#[tokio::test]
async fn old_days_are_dropped_from_memory() {
    let board = MemoryLeaderboard::new();
    board.add(Board::Solo, &[ev(1, 10, MONDAY)]).await.unwrap();
    board
        .add(Board::Solo, &[ev(1, 10, MONDAY + 3 * DAY)])
        .await
        .unwrap();
    assert!(
        board
            .top(Board::Solo, Period::Day.key(MONDAY), 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        board.top(Board::Solo, PeriodKey::AllTime, 1).await.unwrap()[0].score,
        20
    );
}

fn seat(seat: i64, member_id: Option<i64>, rated: bool) -> MatchSeat {
    MatchSeat {
        seat,
        member_id,
        bot_name: member_id.is_none().then(|| "小明".to_string()),
        counted: true,
        rated,
        rating_before: 1500.0,
    }
}

fn result(s: &MatchSeat, result: &str, points: i64, rating_after: f64) -> MatchPlayerResult {
    MatchPlayerResult {
        seat: s.seat,
        member_id: s.member_id,
        bot_name: s.bot_name.clone(),
        counted: s.counted,
        rated: s.rated,
        place: if result == "win" { 1 } else { 2 },
        points,
        correct: 1,
        answer_ms_total: 3000,
        forfeited: false,
        result: result.into(),
        rating_before: s.rating_before,
        rating_after,
        deviation_after: 300.0,
        volatility_after: 0.06,
        ladder: None,
    }
}

fn duel_answer(match_id: i64, member_id: i64, points: i64, at_ms: i64) -> WriteOp {
    WriteOp::Answer(AnswerRecord {
        session_id: match_id,
        question_id: "duel-001".into(),
        question_version: 1,
        member_id,
        history: "party".into(),
        mode: "duel".into(),
        choice: Some("A".into()),
        correct: points > 0,
        answer_ms: 3000,
        points,
        answered_at_ms: at_ms,
        member_rating: None,
        question_rating: 1500.0,
    })
}

/// Through the real writer and SQLite: a duel's answers feed the duel and
/// overall points boards, its end the rating board (rated members only).
#[tokio::test]
async fn a_finished_duel_feeds_the_rating_board_through_the_writer() {
    duel_through_the_writer(Arc::new(MemoryLeaderboard::new())).await;
}

#[tokio::test]
async fn a_finished_duel_feeds_the_redis_boards_through_the_writer() {
    let Some(redis) =
        RedisTestBoard::connect("a_finished_duel_feeds_the_redis_boards_through_the_writer").await
    else {
        return;
    };
    duel_through_the_writer(redis.board.clone()).await;
    redis.delete().await;
}

async fn duel_through_the_writer(board: Arc<dyn Leaderboard>) {
    let dir = tempfile::tempdir().unwrap();
    let stores = sql::open(None, dir.path()).await.unwrap();
    let a = stores
        .members
        .create_member("甲", "市南区", MONDAY)
        .await
        .unwrap()
        .id;
    let b = stores
        .members
        .create_member("乙", "市北区", MONDAY)
        .await
        .unwrap()
        .id;
    let c = stores
        .members
        .create_member("丙", "黄岛区", MONDAY)
        .await
        .unwrap()
        .id;
    let (queue, handle) =
        writer::spawn(stores.answers.clone(), board.clone(), dir.path(), 64).await;
    let (sa, sb) = (seat(0, Some(a), true), seat(1, Some(b), true));
    let (sc, bot) = (seat(0, Some(c), false), seat(1, None, false));
    let questions = vec![MatchQuestion {
        seq: 0,
        question_id: "duel-001".into(),
        question_version: 1,
    }];
    let start = |match_id, players| {
        WriteOp::MatchStarted(MatchStart {
            match_id,
            mode: "duel".into(),
            relaxed: false,
            started_at_ms: MONDAY + 100,
            questions: questions.clone(),
            players,
        })
    };
    let end = |match_id, players| MatchEnd {
        match_id,
        mode: "duel".into(),
        relaxed: false,
        started_at_ms: MONDAY + 100,
        finished_at_ms: MONDAY + 200,
        outcome: "completed".into(),
        winner_seat: Some(0),
        question_count: 1,
        players,
    };
    let ops = vec![
        start(1, vec![sa.clone(), sb.clone()]),
        duel_answer(1, a, 900, MONDAY + 150),
        duel_answer(1, b, 0, MONDAY + 151),
        WriteOp::MatchFinished(end(
            1,
            vec![
                result(&sa, "win", 900, 1662.6),
                result(&sb, "loss", 0, 1337.4),
            ],
        )),
        start(2, vec![sc.clone(), bot.clone()]),
        duel_answer(2, c, 800, MONDAY + 160),
        WriteOp::MatchFinished(end(
            2,
            vec![
                result(&sc, "win", 800, 1500.0),
                result(&bot, "loss", 0, 1500.0),
            ],
        )),
    ];
    for op in ops {
        queue.push(op).await.unwrap();
    }
    handle.flush_and_stop().await;

    let all = PeriodKey::AllTime;
    let rating = board.top(Board::DuelRating, all, 10).await.unwrap();
    assert_eq!(
        rating
            .iter()
            .map(|s| (s.member_id, s.score, s.reached_at_ms))
            .collect::<Vec<_>>(),
        [(a, 1663, MONDAY + 200), (b, 1337, MONDAY + 200)],
        "rated members only, rounded, at the end of the match"
    );
    let duel = board.top(Board::Duel, all, 10).await.unwrap();
    assert_eq!(
        duel.iter()
            .map(|s| (s.member_id, s.score))
            .collect::<Vec<_>>(),
        [(a, 900), (c, 800)]
    );
    assert_eq!(board.top(Board::Overall, all, 10).await.unwrap().len(), 2);
    assert!(board.top(Board::Solo, all, 10).await.unwrap().is_empty());
    // And SQL agrees, for the rebuild at the next start.
    let stored = stores.matches.duel_ratings().await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|(id, d)| (*id, d.rating.round() as i64))
            .collect::<Vec<_>>(),
        [(a, 1663), (b, 1337)]
    );
    // A rebuild from SQL gives the boards the writer built, standing for
    // standing, whether into a fresh board or over the same one.
    let standings = async |board: &dyn Leaderboard| {
        let mut all = Vec::new();
        for b in Board::ALL {
            all.push(board.top(b, PeriodKey::AllTime, 100).await.unwrap());
        }
        all
    };
    let live = standings(board.as_ref()).await;
    let fresh = MemoryLeaderboard::new();
    let snapshot = rebuild::rebuild(&stores, &fresh, MONDAY + 1000)
        .await
        .unwrap();
    assert_eq!(snapshot.standings(), 2 + 2 + 2 + 2 + 2 + 2 + 2);
    assert_eq!(standings(&fresh).await, live);
    rebuild::rebuild(&stores, board.as_ref(), MONDAY + 1000)
        .await
        .unwrap();
    assert_eq!(standings(board.as_ref()).await, live);
    let today = board
        .top(Board::Duel, Period::Day.key(MONDAY), 10)
        .await
        .unwrap();
    assert_eq!(today.len(), 2);
}
