//! The leaderboard conformance suite, run against the in-process board and
//! against Redis (`REDIS_URL`; each test under its own key prefix, deleted
//! at the end, so the tests share one Redis in parallel and leave nothing).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use common::RedisTestBoard;
use dati::domain::ladder::Tier;
use dati::store::leaderboard::{
    Board, Leaderboard, LeaderboardError, MemoryLeaderboard, Period, PeriodKey, ScoreEvent,
    Standing, Update, rebuild,
};
use dati::store::{
    AnswerRecord, LadderChange, MatchEnd, MatchPlayerResult, MatchQuestion, MatchSeat, MatchStart,
    WriteOp, sql, writer,
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

    seasons_and_removals(board).await;
    competition_credits(board).await;
}

/// The competition boards: credits add to one bucket only, a credit of 0
/// puts a member on it, and ties go to whoever got there first.
async fn competition_credits(board: &dyn Leaderboard) {
    let (c7, c8) = (PeriodKey::Competition(7), PeriodKey::Competition(8));
    let district = PeriodKey::CompetitionDistrict(7, 1);
    let scores = async |b: Board, key: PeriodKey| {
        board
            .top(b, key, 100)
            .await
            .unwrap()
            .iter()
            .map(|s| (s.rank, s.member_id, s.score, s.reached_at_ms))
            .collect::<Vec<_>>()
    };
    board
        .apply(&[
            Update::Credit(
                Board::CompetitionDistricts,
                c7,
                vec![ev(0, 2, MONDAY + 1), ev(1, 0, MONDAY + 1)],
            ),
            Update::Credit(Board::CompetitionDistricts, c7, vec![ev(1, 2, MONDAY + 5)]),
            Update::Credit(Board::CompetitionDistricts, c7, vec![ev(2, 1, MONDAY + 6)]),
            Update::Credit(Board::CompetitionDistricts, c7, vec![ev(0, 0, MONDAY + 9)]),
        ])
        .await
        .unwrap();
    // District 0 got to 2 first; its later 0 (a loss) keeps its time.
    assert_eq!(
        scores(Board::CompetitionDistricts, c7).await,
        [
            (1, 0, 2, MONDAY + 1),
            (2, 1, 2, MONDAY + 5),
            (3, 2, 1, MONDAY + 6)
        ]
    );
    assert!(scores(Board::CompetitionDistricts, c8).await.is_empty());
    assert!(
        scores(Board::CompetitionDistricts, PeriodKey::AllTime)
            .await
            .is_empty()
    );
    board
        .credit(
            Board::CompetitionMembers,
            district,
            &[ev(42, 0, MONDAY), ev(43, 120, MONDAY + 1)],
        )
        .await
        .unwrap();
    board
        .credit(
            Board::CompetitionMembers,
            district,
            &[ev(42, 150, MONDAY + 2)],
        )
        .await
        .unwrap();
    assert_eq!(
        scores(Board::CompetitionMembers, district).await,
        [(1, 42, 150, MONDAY + 2), (2, 43, 120, MONDAY + 1)]
    );
    let around = board
        .around(Board::CompetitionMembers, district, 43, 0)
        .await
        .unwrap();
    assert_eq!((around[0].rank, around[0].score), (2, 120));
    assert_eq!(
        board
            .len(
                Board::CompetitionMembers,
                PeriodKey::CompetitionDistrict(7, 2)
            )
            .await
            .unwrap(),
        0
    );
}

/// Season buckets (the ladder boards) and taking members off a bucket.
async fn seasons_and_removals(board: &dyn Leaderboard) {
    let (s1, s2) = (PeriodKey::Season(1), PeriodKey::Season(2));
    let gold = Board::LadderTier(Tier::Gold);
    let scores = async |b: Board, key: PeriodKey| {
        board
            .top(b, key, 100)
            .await
            .unwrap()
            .iter()
            .map(|s| (s.rank, s.member_id, s.score, s.reached_at_ms))
            .collect::<Vec<_>>()
    };
    // Seasons are buckets of their own, apart from each other and from
    // the periods.
    board
        .set(
            Board::Ladder,
            s1,
            &[
                ev(1, 8, MONDAY + 1),
                ev(2, 9, MONDAY + 2),
                ev(3, 8, MONDAY + 3),
            ],
        )
        .await
        .unwrap();
    board
        .set(Board::Ladder, s2, &[ev(1, 1, MONDAY + 4)])
        .await
        .unwrap();
    assert_eq!(
        scores(Board::Ladder, s1).await,
        [
            (1, 2, 9, MONDAY + 2),
            (2, 1, 8, MONDAY + 1),
            (3, 3, 8, MONDAY + 3)
        ]
    );
    assert_eq!(scores(Board::Ladder, s2).await, [(1, 1, 1, MONDAY + 4)]);
    assert!(scores(Board::Ladder, PeriodKey::AllTime).await.is_empty());
    assert!(scores(gold, s1).await.is_empty());

    // A removal takes a member off one bucket, and the ranks close up.
    board.remove(Board::Ladder, s1, &[2]).await.unwrap();
    assert_eq!(
        scores(Board::Ladder, s1).await,
        [(1, 1, 8, MONDAY + 1), (2, 3, 8, MONDAY + 3)]
    );
    assert_eq!(board.len(Board::Ladder, s1).await.unwrap(), 2);
    assert!(
        board
            .around(Board::Ladder, s1, 2, 3)
            .await
            .unwrap()
            .is_empty()
    );
    let around = board.around(Board::Ladder, s1, 3, 1).await.unwrap();
    assert_eq!(around.iter().map(|s| s.rank).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        board.len(Board::Ladder, s2).await.unwrap(),
        1,
        "s2 untouched"
    );
    // Removing who is not there, or from a bucket that does not exist, or
    // nobody at all, is no error and changes nothing.
    board.remove(Board::Ladder, s1, &[2, 99]).await.unwrap();
    board
        .remove(Board::LadderTier(Tier::King), s1, &[1])
        .await
        .unwrap();
    board.remove(Board::Ladder, s1, &[]).await.unwrap();
    assert_eq!(board.len(Board::Ladder, s1).await.unwrap(), 2);
    assert_eq!(
        board.len(Board::LadderTier(Tier::King), s1).await.unwrap(),
        0
    );
    // Removing every member empties the bucket.
    board.remove(Board::Ladder, s2, &[1]).await.unwrap();
    assert_eq!(board.len(Board::Ladder, s2).await.unwrap(), 0);

    // Updates apply in order within one hand-over: a member set, removed
    // and set again stands afresh (the new time); removed after being set,
    // is gone.
    board
        .apply(&[
            Update::Set(gold, s1, vec![ev(4, 8, MONDAY + 10), ev(5, 8, MONDAY + 11)]),
            Update::Remove(gold, s1, vec![4]),
            Update::Set(gold, s1, vec![ev(4, 8, MONDAY + 12)]),
            Update::Set(gold, s1, vec![ev(6, 9, MONDAY + 13)]),
            Update::Remove(gold, s1, vec![6, 7]),
            Update::Set(Board::Ladder, s1, vec![ev(4, 8, MONDAY + 12)]),
        ])
        .await
        .unwrap();
    assert_eq!(
        scores(gold, s1).await,
        [(1, 5, 8, MONDAY + 11), (2, 4, 8, MONDAY + 12)]
    );
    assert_eq!(board.len(Board::Ladder, s1).await.unwrap(), 3);
    // Points added to a board reach its periods, never a season.
    board
        .add(Board::Overall, &[ev(4, 10, MONDAY + 20)])
        .await
        .unwrap();
    assert_eq!(board.len(Board::Overall, s1).await.unwrap(), 0);

    // A rebuild replaces a season bucket like any other, empty included.
    board
        .replace(gold, s1, &[ev(8, 11, MONDAY + 30)])
        .await
        .unwrap();
    assert_eq!(scores(gold, s1).await, [(1, 8, 11, MONDAY + 30)]);
    board.replace(gold, s1, &[]).await.unwrap();
    assert_eq!(board.len(gold, s1).await.unwrap(), 0);
    // And a member removed after a replace is found through it.
    board
        .replace(Board::Ladder, s2, &[ev(1, 3, MONDAY), ev(2, 4, MONDAY)])
        .await
        .unwrap();
    board.remove(Board::Ladder, s2, &[2]).await.unwrap();
    assert_eq!(scores(Board::Ladder, s2).await, [(1, 1, 3, MONDAY)]);
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

/// Redis keys of a season bucket: named by the season's id, never expiring,
/// whether written by updates or by a rebuild; a removal deletes the
/// member's entry from the sorted set and the id hash alike.
#[tokio::test]
async fn redis_season_keys_never_expire() {
    let Some(redis) = RedisTestBoard::connect("redis_season_keys_never_expire").await else {
        return;
    };
    let board = redis.board.as_ref();
    let season = PeriodKey::Season(7);
    let gold = Board::LadderTier(Tier::Gold);
    let key = board.bucket_key(gold, season);
    assert_eq!(key, format!("{}lb:ladder_gold:season:7", redis.prefix));
    assert_eq!(
        board.bucket_key(Board::Ladder, season),
        format!("{}lb:ladder:season:7", redis.prefix)
    );
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ttl_conn = conn.clone();
    let ttl = async |key: &str| -> i64 {
        redis::cmd("TTL")
            .arg(key)
            .query_async(&mut ttl_conn.clone())
            .await
            .unwrap()
    };
    let ids = format!("{key}:ids");
    board
        .set(gold, season, &[ev(1, 8, MONDAY), ev(2, 9, MONDAY + 1)])
        .await
        .unwrap();
    assert_eq!((ttl(&key).await, ttl(&ids).await), (-1, -1));
    board.remove(gold, season, &[2]).await.unwrap();
    let hash: Vec<String> = redis::cmd("HKEYS")
        .arg(&ids)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(hash, ["1"]);
    let zcard: u64 = redis::cmd("ZCARD")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(zcard, 1);
    // The last member removed: no key is left behind.
    board.remove(gold, season, &[1]).await.unwrap();
    assert_eq!((ttl(&key).await, ttl(&ids).await), (-2, -2));
    // A rebuild's keys do not expire either.
    board
        .replace(Board::Ladder, season, &[ev(3, 5, MONDAY)])
        .await
        .unwrap();
    let all = board.bucket_key(Board::Ladder, season);
    assert_eq!(
        (ttl(&all).await, ttl(&format!("{all}:ids")).await),
        (-1, -1)
    );
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
        team: None,
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
        battle: None,
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

/// Forwards to a board, counting the hand-overs (the writer makes one per
/// written batch).
struct Counting {
    inner: Arc<dyn Leaderboard>,
    applies: AtomicUsize,
}

#[async_trait]
impl Leaderboard for Counting {
    async fn apply(&self, updates: &[Update]) -> Result<(), LeaderboardError> {
        self.applies.fetch_add(1, Ordering::SeqCst);
        self.inner.apply(updates).await
    }
    async fn add(&self, board: Board, events: &[ScoreEvent]) -> Result<(), LeaderboardError> {
        self.inner.add(board, events).await
    }
    async fn set(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.inner.set(board, key, events).await
    }
    async fn remove(
        &self,
        board: Board,
        key: PeriodKey,
        member_ids: &[i64],
    ) -> Result<(), LeaderboardError> {
        self.inner.remove(board, key, member_ids).await
    }
    async fn credit(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.inner.credit(board, key, events).await
    }
    async fn replace(
        &self,
        board: Board,
        key: PeriodKey,
        rows: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.inner.replace(board, key, rows).await
    }
    async fn top(
        &self,
        board: Board,
        key: PeriodKey,
        limit: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        self.inner.top(board, key, limit).await
    }
    async fn around(
        &self,
        board: Board,
        key: PeriodKey,
        member_id: i64,
        radius: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        self.inner.around(board, key, member_id, radius).await
    }
    async fn len(&self, board: Board, key: PeriodKey) -> Result<u64, LeaderboardError> {
        self.inner.len(board, key).await
    }
}

/// A ladder result: `member_id` in `seat`, moved from one tier and stars to
/// another in `season_id`.
fn ladder_result(
    seat_no: i64,
    member_id: Option<i64>,
    place: i64,
    season_id: i64,
    before: (&str, i64),
    after: (&str, i64),
) -> MatchPlayerResult {
    let s = seat(seat_no, member_id, member_id.is_some());
    let outcome = if place <= 2 { "win" } else { "loss" };
    MatchPlayerResult {
        place,
        ladder: member_id.map(|_| LadderChange {
            season_id,
            tier_before: before.0.into(),
            stars_before: before.1,
            tier_after: after.0.into(),
            stars_after: after.1,
        }),
        ..result(&s, outcome, 0, 1500.0)
    }
}

/// A ladder race's start and end (finished at `finished_at_ms`), with an
/// answer of `answer` (member, points) between them.
fn race(
    match_id: i64,
    finished_at_ms: i64,
    answer: Option<(i64, i64)>,
    players: Vec<MatchPlayerResult>,
) -> Vec<WriteOp> {
    let seats = players
        .iter()
        .map(|p| seat(p.seat, p.member_id, p.rated))
        .collect();
    let mut ops = vec![WriteOp::MatchStarted(MatchStart {
        match_id,
        mode: "ladder".into(),
        relaxed: false,
        started_at_ms: finished_at_ms - 100,
        questions: vec![MatchQuestion {
            seq: 0,
            question_id: "duel-001".into(),
            question_version: 1,
        }],
        players: seats,
    })];
    if let Some((member_id, points)) = answer {
        let WriteOp::Answer(mut a) = duel_answer(match_id, member_id, points, finished_at_ms - 50)
        else {
            unreachable!("an answer");
        };
        a.mode = "ladder".into();
        ops.push(WriteOp::Answer(a));
    }
    ops.push(WriteOp::MatchFinished(MatchEnd {
        match_id,
        mode: "ladder".into(),
        relaxed: false,
        started_at_ms: finished_at_ms - 100,
        finished_at_ms,
        outcome: "completed".into(),
        winner_seat: Some(0),
        question_count: 1,
        players,
        battle: None,
    }));
    ops
}

/// A standing as the ladder tests compare it: (member, score, reached).
type Row = (i64, i64, i64);

/// Each ladder board's standings in a season.
async fn season_boards(board: &dyn Leaderboard, season_id: i64) -> Vec<Vec<Row>> {
    let mut boards = Vec::new();
    for b in Board::LADDER {
        let top = board
            .top(b, PeriodKey::Season(season_id), 100)
            .await
            .unwrap();
        boards.push(
            top.iter()
                .map(|s| (s.member_id, s.score, s.reached_at_ms))
                .collect(),
        );
    }
    boards
}

/// The season boards as expected: everyone, then the tiers bronze..king.
fn expected(everyone: &[Row], tiers: &[(Tier, &[Row])]) -> Vec<Vec<Row>> {
    let mut boards = vec![everyone.to_vec()];
    for tier in Tier::ALL {
        boards.push(
            tiers
                .iter()
                .find(|(t, _)| *t == tier)
                .map_or_else(Vec::new, |(_, rows)| rows.to_vec()),
        );
    }
    boards
}

/// Through the real writer and SQLite: member a is promoted (silver →
/// gold) then demoted (gold → silver), b the other way round, c stays in
/// bronze; d's result names an unknown tier and is left off. In one batch
/// or in two, each ends on the season board and on their final tier's
/// board only, and a rebuild from SQL gives the same boards.
#[tokio::test]
async fn ladder_races_in_one_batch_leave_each_member_on_one_tier_board() {
    ladder_through_the_writer(Arc::new(MemoryLeaderboard::new()), true).await;
}

#[tokio::test]
async fn ladder_races_in_two_batches_leave_each_member_on_one_tier_board() {
    ladder_through_the_writer(Arc::new(MemoryLeaderboard::new()), false).await;
}

#[tokio::test]
async fn ladder_races_feed_the_redis_season_boards_through_the_writer() {
    let Some(redis) =
        RedisTestBoard::connect("ladder_races_feed_the_redis_season_boards_through_the_writer")
            .await
    else {
        return;
    };
    ladder_through_the_writer(redis.board.clone(), true).await;
    redis.board.delete_all().await.unwrap();
    redis.board.mark_rebuilt().await.unwrap();
    ladder_through_the_writer(redis.board.clone(), false).await;
    redis.delete().await;
}

async fn ladder_through_the_writer(board: Arc<dyn Leaderboard>, one_batch: bool) {
    let dir = tempfile::tempdir().unwrap();
    let stores = sql::open(None, dir.path()).await.unwrap();
    let mut ids = Vec::new();
    for (name, district) in [
        ("甲", "市南区"),
        ("乙", "市北区"),
        ("丙", "黄岛区"),
        ("丁", "崂山区"),
    ] {
        ids.push(
            stores
                .members
                .create_member(name, district, MONDAY)
                .await
                .unwrap()
                .id,
        );
    }
    let (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);
    let season = stores
        .ladder
        .create_season(MONDAY, MONDAY + 30 * DAY, MONDAY)
        .await
        .unwrap()
        .id;
    let counting = Arc::new(Counting {
        inner: board.clone(),
        applies: AtomicUsize::new(0),
    });
    let (queue, handle) =
        writer::spawn(stores.answers.clone(), counting.clone(), dir.path(), 64).await;
    let (t1, t2) = (MONDAY + 200, MONDAY + 400);
    let first = race(
        1,
        t1,
        Some((a, 700)),
        vec![
            // 白银 3★ + 2 = 黄金 2★ (8 points); 黄金 1★ − 1 = 白银 3★ (6).
            ladder_result(0, Some(a), 1, season, ("silver", 3), ("gold", 2)),
            ladder_result(1, Some(d), 2, season, ("bronze", 1), ("mithril", 2)),
            ladder_result(2, Some(b), 3, season, ("gold", 1), ("silver", 3)),
            // The floor: 青铜 1★ stays 青铜 1★.
            ladder_result(3, Some(c), 4, season, ("bronze", 1), ("bronze", 1)),
        ],
    );
    let second = race(
        2,
        t2,
        Some((c, 900)),
        vec![
            ladder_result(0, Some(c), 1, season, ("bronze", 1), ("bronze", 3)),
            ladder_result(1, Some(b), 2, season, ("silver", 3), ("gold", 1)),
            ladder_result(2, None, 3, season, ("bronze", 1), ("bronze", 1)),
            ladder_result(3, Some(a), 4, season, ("gold", 2), ("silver", 3)),
        ],
    );
    for op in first {
        queue.push(op).await.unwrap();
    }
    if !one_batch {
        // The writer has written and handed over the first race.
        for _ in 0..500 {
            if queue.depth() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(queue.depth(), 0, "the first race is written");
        assert_eq!(
            season_boards(board.as_ref(), season).await,
            expected(
                &[(a, 8, t1), (b, 6, t1), (c, 1, t1)],
                &[
                    (Tier::Bronze, &[(c, 1, t1)]),
                    (Tier::Silver, &[(b, 6, t1)]),
                    (Tier::Gold, &[(a, 8, t1)]),
                ],
            )
        );
    }
    for op in second {
        queue.push(op).await.unwrap();
    }
    handle.flush_and_stop().await;
    assert_eq!(
        counting.applies.load(Ordering::SeqCst),
        if one_batch { 1 } else { 2 },
        "the races were written in the batches the test meant"
    );

    let live = season_boards(board.as_ref(), season).await;
    assert_eq!(
        live,
        expected(
            &[(b, 7, t2), (a, 6, t2), (c, 3, t2)],
            &[
                (Tier::Bronze, &[(c, 3, t2)]),
                (Tier::Silver, &[(a, 6, t2)]),
                (Tier::Gold, &[(b, 7, t2)]),
            ],
        ),
        "one batch: {one_batch}"
    );
    assert!(
        board
            .around(Board::Ladder, PeriodKey::Season(season), d, 1)
            .await
            .unwrap()
            .is_empty(),
        "an unknown tier is left off"
    );
    // Ladder answers count on the overall points board, not on the duel
    // one; a race moves no duel rating.
    let all = PeriodKey::AllTime;
    let overall = board.top(Board::Overall, all, 10).await.unwrap();
    assert_eq!(
        overall
            .iter()
            .map(|s| (s.member_id, s.score))
            .collect::<Vec<_>>(),
        [(c, 900), (a, 700)]
    );
    assert!(board.top(Board::Duel, all, 10).await.unwrap().is_empty());
    assert!(
        board
            .top(Board::DuelRating, all, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // SQL agrees: a rebuild, into a fresh board or over this one, gives the
    // same boards.
    let fresh = MemoryLeaderboard::new();
    rebuild::rebuild(&stores, &fresh, MONDAY + 1000)
        .await
        .unwrap();
    assert_eq!(season_boards(&fresh, season).await, live);
    assert_eq!(fresh.top(Board::Overall, all, 10).await.unwrap(), overall);
    rebuild::rebuild(&stores, board.as_ref(), MONDAY + 1000)
        .await
        .unwrap();
    assert_eq!(season_boards(board.as_ref(), season).await, live);
}

/// A rebuild reads every season's ranks from SQL and replaces every season
/// board, empty tiers included: standings that SQL no longer has (a member
/// who moved tier, a season without races) are gone.
#[tokio::test]
async fn ladder_season_boards_are_rebuilt_from_sql() {
    ladder_rebuild(&MemoryLeaderboard::new()).await;
}

#[tokio::test]
async fn redis_ladder_season_boards_are_rebuilt_from_sql() {
    let Some(redis) =
        RedisTestBoard::connect("redis_ladder_season_boards_are_rebuilt_from_sql").await
    else {
        return;
    };
    ladder_rebuild(redis.board.as_ref()).await;
    redis.delete().await;
}

async fn ladder_rebuild(board: &dyn Leaderboard) {
    let dir = tempfile::tempdir().unwrap();
    let stores = sql::open(None, dir.path()).await.unwrap();
    let mut ids = Vec::new();
    for name in ["甲", "乙", "丙"] {
        ids.push(
            stores
                .members
                .create_member(name, "市南区", MONDAY)
                .await
                .unwrap()
                .id,
        );
    }
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let mut seasons = Vec::new();
    for i in 0..3 {
        let start = MONDAY + i * 30 * DAY;
        seasons.push(
            stores
                .ladder
                .create_season(start, start + 30 * DAY, MONDAY)
                .await
                .unwrap()
                .id,
        );
    }
    let (s1, s2, s3) = (seasons[0], seasons[1], seasons[2]);
    let (t1, t2, t3) = (MONDAY + 100, MONDAY + 200, MONDAY + 31 * DAY);
    let mut ops = Vec::new();
    // Season 1: a climbs to 黄金 2★ over two races, b ends 青铜 3★, c's
    // tier is unknown (left off). Season 2: a starts again at 白银 1★.
    ops.extend(race(
        11,
        t1,
        None,
        vec![
            ladder_result(0, Some(a), 1, s1, ("silver", 3), ("gold", 1)),
            ladder_result(1, Some(b), 2, s1, ("bronze", 2), ("bronze", 3)),
            ladder_result(2, Some(c), 3, s1, ("bronze", 1), ("mithril", 1)),
        ],
    ));
    ops.extend(race(
        12,
        t2,
        None,
        vec![
            ladder_result(0, Some(a), 1, s1, ("gold", 1), ("gold", 2)),
            ladder_result(1, None, 2, s1, ("bronze", 1), ("bronze", 1)),
        ],
    ));
    ops.extend(race(
        21,
        t3,
        None,
        vec![ladder_result(
            0,
            Some(a),
            1,
            s2,
            ("bronze", 3),
            ("silver", 1),
        )],
    ));
    stores.answers.write_batch(&ops).await.unwrap();

    // What the boards hold before: stale standings SQL does not have.
    let king = Board::LadderTier(Tier::King);
    let silver = Board::LadderTier(Tier::Silver);
    board
        .set(king, PeriodKey::Season(s1), &[ev(a, 30, MONDAY)])
        .await
        .unwrap();
    board
        .set(silver, PeriodKey::Season(s1), &[ev(b, 5, MONDAY)])
        .await
        .unwrap();
    board
        .set(Board::Ladder, PeriodKey::Season(s1), &[ev(999, 40, MONDAY)])
        .await
        .unwrap();
    board
        .set(Board::Ladder, PeriodKey::Season(s3), &[ev(a, 2, MONDAY)])
        .await
        .unwrap();

    let snapshot = rebuild::rebuild(&stores, board, MONDAY + 40 * DAY)
        .await
        .unwrap();
    let season_buckets = snapshot
        .buckets
        .iter()
        .filter(|(b, key, _)| {
            assert_eq!(b.is_ladder(), matches!(key, PeriodKey::Season(_)), "{b:?}");
            b.is_ladder()
        })
        .count();
    assert_eq!(
        season_buckets,
        3 * 7,
        "seven boards a season, empty ones too"
    );

    assert_eq!(
        season_boards(board, s1).await,
        expected(
            &[(a, 8, t2), (b, 3, t1)],
            &[(Tier::Bronze, &[(b, 3, t1)]), (Tier::Gold, &[(a, 8, t2)])],
        )
    );
    assert_eq!(
        season_boards(board, s2).await,
        expected(&[(a, 4, t3)], &[(Tier::Silver, &[(a, 4, t3)])])
    );
    assert_eq!(season_boards(board, s3).await, expected(&[], &[]));
    // Around me works on a rebuilt season board.
    let around = board
        .around(Board::Ladder, PeriodKey::Season(s1), b, 1)
        .await
        .unwrap();
    assert_eq!(
        around
            .iter()
            .map(|s| (s.rank, s.member_id))
            .collect::<Vec<_>>(),
        [(1, a), (2, b)]
    );
    // Updates apply on top of the rebuilt boards.
    board
        .apply(&[
            Update::Set(Board::Ladder, PeriodKey::Season(s1), vec![ev(b, 4, t3)]),
            Update::Set(silver, PeriodKey::Season(s1), vec![ev(b, 4, t3)]),
            Update::Remove(
                Board::LadderTier(Tier::Bronze),
                PeriodKey::Season(s1),
                vec![b],
            ),
        ])
        .await
        .unwrap();
    assert_eq!(
        season_boards(board, s1).await,
        expected(
            &[(a, 8, t2), (b, 4, t3)],
            &[(Tier::Silver, &[(b, 4, t3)]), (Tier::Gold, &[(a, 8, t2)])],
        )
    );
}

/// A batch far larger than one Redis apply script (it goes as several in
/// one pipeline), mixing adds, sets, removals and credits in an order that
/// matters, ends the same on Redis as in memory.
async fn large_batch(board: &dyn Leaderboard) -> Vec<Vec<Standing>> {
    let season = PeriodKey::Season(7);
    let mut updates = Vec::new();
    for round in 0..4 {
        let events: Vec<ScoreEvent> = (1..=60)
            .map(|m| ev(m, (m * 7 + round * 3) % 40 + 1, MONDAY + round * 1000 + m))
            .collect();
        updates.push(Update::Add(Board::Solo, events));
        // Set, then (for every third member) remove again: the removal must
        // come after the set even when they fall in different scripts.
        for m in 1..=30 {
            updates.push(Update::Set(
                Board::Ladder,
                season,
                vec![ev(m, 100 * round + m, MONDAY + round * 1000 + m)],
            ));
            if m % 3 == 0 && round < 3 {
                updates.push(Update::Remove(Board::Ladder, season, vec![m]));
            }
        }
        updates.push(Update::Credit(
            Board::CompetitionDistricts,
            PeriodKey::Competition(3),
            (0..4).map(|d| ev(d, 2 - d % 3, MONDAY + round)).collect(),
        ));
    }
    board.apply(&updates).await.unwrap();
    let mut boards = Vec::new();
    for (b, key) in [
        (Board::Solo, PeriodKey::AllTime),
        (Board::Solo, Period::Week.key(MONDAY)),
        (Board::Solo, Period::Day.key(MONDAY)),
        (Board::Ladder, season),
        (Board::CompetitionDistricts, PeriodKey::Competition(3)),
    ] {
        boards.push(board.top(b, key, 100).await.unwrap());
    }
    boards
}

#[tokio::test]
async fn a_batch_larger_than_one_redis_script_applies_as_in_memory() {
    let Some(redis) =
        RedisTestBoard::connect("a_batch_larger_than_one_redis_script_applies_as_in_memory").await
    else {
        return;
    };
    let expected = large_batch(&MemoryLeaderboard::new()).await;
    assert_eq!(expected[0].len(), 60);
    assert_eq!(expected[3].len(), 30);
    assert_eq!(large_batch(redis.board.as_ref()).await, expected);
    redis.delete().await;
}
