//! Redis goes away mid-play and comes back empty: matches go on, and once
//! it is back the boards equal the totals in SQL.
//!
//! The test runs its own `redis-server` on a free port (never the shared
//! one), killed and restarted on that port. It skips when the binary is
//! missing, unless `DATI_REQUIRE_BACKENDS=1`.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestMember, TestServer, WsClient, backends_required, right_choice};
use dati::bank::Bank;
use dati::server::Config;
use dati::store::leaderboard::{Board, Period, PeriodKey};
use dati::ws::protocol::{ClientMsg, MatchBody, MatchOutcome, MatchOverView, ServerMsg};

/// A redis-server of the test's own, with nothing persisted.
struct OwnRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl OwnRedis {
    /// `None` (after saying so) when there is no redis-server binary.
    fn start(test: &str) -> Option<OwnRedis> {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                !backends_required(),
                "DATI_REQUIRE_BACKENDS=1 but there is no redis-server binary on PATH"
            );
            eprintln!(
                "SKIPPED {test}: no redis-server binary on PATH; install Redis to run this test"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .unwrap()
            .port();
        let mut redis = OwnRedis {
            port,
            dir: tempfile::tempdir().expect("temp dir"),
            child: None,
        };
        redis.up();
        Some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts redis-server (empty) and waits until it answers.
    fn up(&mut self) {
        assert!(self.child.is_none());
        let child = spawn_redis(self.port, self.dir.path());
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let client = redis::Client::open(self.url()).unwrap();
            if let Ok(mut conn) = client.get_connection()
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills redis-server outright: everything it held is gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_redis(port: u16, dir: &Path) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts")
}

fn quick(c: &mut Config) {
    c.duel.countdown = Duration::from_millis(100);
    c.duel.reveal_pause = Duration::from_millis(100);
    c.duel.bot_pace = 0.05;
    c.rate_limit.burst = 200;
    c.rate_limit.per_second = 200;
}

/// Plays a practice set of five, every answer right; each answer must be
/// acknowledged (`play_set` waits for every result).
async fn practice(server: &TestServer, member: &TestMember) {
    let mut ws = member.connect().await;
    let (_, total) = ws.start_practice(None, 5).await;
    let summary = ws.play_set(&server.bank, total, |_| true).await;
    assert!(summary.points > 0);
}

/// Plays a practice set of five and runs `midway` after the second answer.
async fn practice_with(server: &TestServer, member: &TestMember, midway: impl FnOnce()) {
    let mut ws = member.connect().await;
    let (_, total) = ws.start_practice(None, 5).await;
    let mut midway = Some(midway);
    for seq in 1..=total {
        let (got, q) = ws.expect_question().await;
        assert_eq!(got, seq);
        ws.ready_media(seq, &q).await;
        ws.answer(seq, right_choice(&server.bank, &q)).await;
        let result = ws.expect_result().await;
        assert!(result.points > 0);
        if seq == 2 {
            server.settle().await;
            midway.take().unwrap()();
        }
        if seq < total {
            ws.send(&ClientMsg::Next).await;
        }
    }
    ws.expect_summary().await;
}

async fn queue(c: &mut WsClient) {
    c.send(&ClientMsg::DuelQueue { relaxed: false }).await;
    match c.recv().await {
        ServerMsg::Queued { .. } => {}
        other => panic!("expected queued, got {other:?}"),
    }
}

/// Plays a match that has just started for `c` to its end, answering right.
async fn play_match(c: &mut WsClient, bank: &Bank) -> MatchOverView {
    let match_id = loop {
        let e = c.expect_event().await;
        if let MatchBody::MatchStarted(_) = e.body {
            break e.match_id;
        }
    };
    loop {
        let e = c.expect_event().await;
        match e.body {
            MatchBody::MatchQuestion {
                seq,
                question,
                waits_for_media,
                ..
            } => {
                if waits_for_media {
                    c.send(&ClientMsg::MatchMediaReady {
                        match_id: match_id.clone(),
                        seq,
                    })
                    .await;
                    c.until_event(|b| matches!(b, MatchBody::MatchClock { .. }).then_some(()))
                        .await;
                }
                let choice = right_choice(bank, &question);
                c.send(&ClientMsg::MatchAnswer {
                    match_id: match_id.clone(),
                    seq,
                    choice,
                })
                .await;
            }
            MatchBody::MatchOver(over) => return over,
            _ => {}
        }
    }
}

/// A duel between `a` and `b` through the queue, to its end.
async fn duel(server: &TestServer, a: &TestMember, b: &TestMember) {
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    queue(&mut ca).await;
    queue(&mut cb).await;
    let (oa, ob) = tokio::join!(
        play_match(&mut ca, &server.bank),
        play_match(&mut cb, &server.bank)
    );
    assert_eq!(oa.outcome, MatchOutcome::Completed);
    assert_eq!(oa, ob);
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// (member, score, reached) in rank order, from SQL.
async fn sql_board(server: &TestServer, board: Board, period: Period) -> Vec<(i64, i64, i64)> {
    let stores = &server.app().stores;
    let mut rows: Vec<(i64, i64, i64)> = if board == Board::DuelRating {
        stores
            .matches
            .duel_ratings()
            .await
            .unwrap()
            .iter()
            .map(|(id, d)| (*id, d.rating.round() as i64, d.updated_at_ms))
            .collect()
    } else {
        stores
            .answers
            .points_since(board.modes(), period.start_ms(now_ms()))
            .await
            .unwrap()
            .iter()
            .map(|p| (p.member_id, p.points, p.last_at_ms))
            .collect()
    };
    rows.sort_by_key(|&(id, score, at)| (std::cmp::Reverse(score), at, id));
    rows
}

/// The same, from the server's (Redis) leaderboard.
async fn live_board(
    server: &TestServer,
    board: Board,
    period: Period,
) -> Option<Vec<(i64, i64, i64)>> {
    let key: PeriodKey = period.key(now_ms());
    let top = server.app().leaderboard.top(board, key, 1000).await.ok()?;
    Some(
        top.iter()
            .map(|s| (s.member_id, s.score, s.reached_at_ms))
            .collect(),
    )
}

const CHECKED: [(Board, Period); 5] = [
    (Board::Overall, Period::Day),
    (Board::Overall, Period::AllTime),
    (Board::Solo, Period::Week),
    (Board::Duel, Period::AllTime),
    (Board::DuelRating, Period::AllTime),
];

/// Waits until every checked board equals SQL; panics with the difference.
async fn boards_match_sql(server: &TestServer, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let mut differences = Vec::new();
        for (board, period) in CHECKED {
            let want = sql_board(server, board, period).await;
            let got = live_board(server, board, period).await;
            if got.as_ref() != Some(&want) {
                differences.push(format!(
                    "{}/{}: SQL {want:?}, board {got:?}",
                    board.as_str(),
                    period.as_str()
                ));
            }
        }
        if differences.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "boards differ from SQL:\n{}",
            differences.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn leaderboard_status(member: &TestMember) -> u16 {
    member
        .http
        .get(format!("http://{}/api/leaderboard?period=day", member.addr))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_boards_survive_redis_going_away_and_coming_back_empty() {
    let test = "the_boards_survive_redis_going_away_and_coming_back_empty";
    let Some(mut redis) = OwnRedis::start(test) else {
        return;
    };
    let url = redis.url();
    let server = TestServer::start_with(|c| {
        quick(c);
        c.redis_url = Some(url);
    })
    .await;
    let (a, b) = (server.member("甲").await, server.member("乙").await);

    // Redis up: points reach the boards as they are written.
    practice(&server, &a).await;
    duel(&server, &a, &b).await;
    server.settle().await;
    boards_match_sql(&server, Duration::from_secs(5)).await;
    assert!(
        !live_board(&server, Board::DuelRating, Period::AllTime)
            .await
            .unwrap()
            .is_empty()
    );

    // Redis gone: play goes on, every answer acknowledged and stored.
    practice_with(&server, &b, || redis.kill()).await;
    duel(&server, &a, &b).await;
    practice(&server, &a).await;
    server.settle().await;
    assert_eq!(
        leaderboard_status(&a).await,
        503,
        "the board is away, and says so"
    );

    // Redis back, with nothing in it: the boards are rebuilt from SQL.
    redis.up();
    boards_match_sql(&server, Duration::from_secs(30)).await;
    assert_eq!(leaderboard_status(&a).await, 200);

    // And updates go straight to Redis again.
    practice(&server, &b).await;
    server.settle().await;
    boards_match_sql(&server, Duration::from_secs(5)).await;
    let body = b.get("/api/leaderboard?period=day").await;
    let want = sql_board(&server, Board::Overall, Period::Day).await;
    let mine = want.iter().find(|r| r.0 == b.id).unwrap();
    assert_eq!(body["me"]["score"], mine.1, "{body}");
}
