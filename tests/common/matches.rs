//! Helpers for match tests (duels, ladder races): a server on either
//! backend with quick timers, and a player that plays a match through.

use std::time::Duration;

use dati::bank::Bank;
use dati::server::Config;
use dati::ws::protocol::{ClientMsg, MatchBody, MatchEvent, MatchOverView, MatchStartedView};

use super::{PgDatabase, RedisTestBoard, TestServer, WsClient, right_choice, wrong_choice};

/// Short timers so that a five-question duel takes about a second.
pub fn quick(c: &mut Config) {
    c.duel.countdown = Duration::from_millis(100);
    c.duel.reveal_pause = Duration::from_millis(100);
    c.duel.bot_pace = 0.05;
    c.rate_limit.burst = 200;
    c.rate_limit.per_second = 200;
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A server on one backend; its PostgreSQL database and Redis keys (if
/// any) go with it.
pub struct Env {
    pub server: TestServer,
    _pg: Option<PgDatabase>,
    _redis: Option<RedisTestBoard>,
}

/// A server on `backend`, or `None` (after saying so) when PostgreSQL is
/// not configured. The production backend is PostgreSQL with the boards in
/// Redis: with `REDIS_URL` set, its boards are there, under a key prefix of
/// the test's own.
pub async fn server(backend: Backend, test: &str, adjust: impl FnOnce(&mut Config)) -> Option<Env> {
    let (pg, redis) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let pg = PgDatabase::create(test).await?;
            let redis = match std::env::var("REDIS_URL") {
                Ok(u) if u.starts_with("redis") => RedisTestBoard::connect(test).await,
                _ if super::backends_required() => {
                    panic!("DATI_REQUIRE_BACKENDS=1 but REDIS_URL is not a redis:// URL")
                }
                _ => {
                    eprintln!("{test}: REDIS_URL is unset; the boards are in-process");
                    None
                }
            };
            (Some(pg), redis)
        }
    };
    let url = pg.as_ref().map(|db| db.url.clone());
    let redis_at = redis.as_ref().map(|r| (r.url.clone(), r.prefix.clone()));
    let server = TestServer::start_with(|c| {
        quick(c);
        c.database_url = url;
        if let Some((url, prefix)) = redis_at {
            c.redis_url = Some(url);
            c.redis_prefix = prefix;
        }
        adjust(c);
    })
    .await;
    Some(Env {
        server,
        _pg: pg,
        _redis: redis,
    })
}

/// How a test player answers.
#[derive(Clone, Copy)]
pub enum Play {
    Right,
    Wrong,
    /// Right up to question `n`, wrong after.
    FirstRight(u32),
}

/// Everything a player saw of one match.
pub struct Played {
    pub started: MatchStartedView,
    pub match_id: String,
    pub events: Vec<MatchEvent>,
    pub over: MatchOverView,
}

pub async fn expect_started(c: &mut WsClient) -> (String, MatchStartedView, u64) {
    let e = c.expect_event().await;
    match e.body {
        MatchBody::MatchStarted(s) => (e.match_id, s, e.version),
        other => panic!("expected match_started, got {other:?}"),
    }
}

/// Plays a match that has just started for `c` to its end.
pub async fn play_match(c: &mut WsClient, bank: &Bank, how: Play) -> Played {
    let (match_id, started, _) = expect_started(c).await;
    play_on(c, bank, how, match_id, started).await
}

pub async fn play_on(
    c: &mut WsClient,
    bank: &Bank,
    how: Play,
    match_id: String,
    started: MatchStartedView,
) -> Played {
    let mut events = Vec::new();
    loop {
        let e = c.expect_event().await;
        assert_eq!(e.match_id, match_id);
        events.push(e.clone());
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
                    // Keep what arrives on the way (the opponent's answer
                    // may): every event counts for the version check.
                    let (skipped, _, clock_version) = c
                        .until_event(|b| matches!(b, MatchBody::MatchClock { .. }).then_some(()))
                        .await;
                    events.extend(skipped);
                    events.push(MatchEvent {
                        match_id: match_id.clone(),
                        version: clock_version,
                        body: MatchBody::MatchClock {
                            seq,
                            remaining_ms: 0,
                        },
                    });
                }
                let choice = match how {
                    Play::Right => right_choice(bank, &question),
                    Play::Wrong => wrong_choice(bank, &question),
                    Play::FirstRight(n) if seq <= n => right_choice(bank, &question),
                    Play::FirstRight(_) => wrong_choice(bank, &question),
                };
                c.send(&ClientMsg::MatchAnswer {
                    match_id: match_id.clone(),
                    seq,
                    choice,
                })
                .await;
            }
            MatchBody::MatchOver(over) => {
                return Played {
                    started,
                    match_id,
                    events,
                    over,
                };
            }
            _ => {}
        }
    }
}

/// Runs each named `async fn(Backend)` as two tests: on SQLite and on
/// PostgreSQL (which skips, saying so, without `DATABASE_URL`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}
