//! The leaderboard conformance suite. It runs against the in-process board;
//! the Redis board (a later release) must pass the same suite.

use dati::store::leaderboard::{
    Board, Leaderboard, MemoryLeaderboard, Period, PeriodKey, ScoreEvent,
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
}

#[tokio::test]
async fn the_in_process_leaderboard_passes_the_suite() {
    suite(&MemoryLeaderboard::new()).await;
}

#[tokio::test]
async fn ties_go_to_whoever_got_there_first_regardless_of_member_id() {
    let board = MemoryLeaderboard::new();
    board
        .add(
            Board::Solo,
            &[ev(9, 500, MONDAY + 1), ev(1, 500, MONDAY + 2)],
        )
        .await
        .unwrap();
    let top = board.top(Board::Solo, PeriodKey::AllTime, 2).await.unwrap();
    assert_eq!(top.iter().map(|s| s.member_id).collect::<Vec<_>>(), [9, 1]);
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
