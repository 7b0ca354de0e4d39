//! Helpers for district battle tests: a running competition, members of a
//! district queueing for it, and playing a side through.

use serde_json::{Value, json};

use dati::ws::protocol::{ClientMsg, MatchBody, MatchEvent, MatchStartedView, ServerMsg};

use super::matches::{Env, Play, Played, play_on};
use super::{TestMember, TestServer, WsClient};

pub const HOUR_MS: i64 = 60 * 60 * 1000;

/// Publishes a competition running now between `districts`; returns its id.
pub async fn running_competition(
    server: &TestServer,
    districts: &[&str],
    team_size: u32,
    daily_battles: u32,
) -> i64 {
    let console = server
        .organizer_client("赛事组", "correct horse battery")
        .await;
    let now = dati::rooms::wall_ms();
    let rules = json!({
        "title": "四史知识区域PK赛",
        "starts_at_ms": now - 1000,
        "ends_at_ms": now + HOUR_MS,
        "questions": {"kind": "filter"},
        "team_size": team_size,
        "questions_per_battle": 3,
        "daily_battles": daily_battles,
        "districts": districts,
    });
    let draft: Value = console
        .post(server.url("/api/admin/competitions"))
        .json(&rules)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = draft["id"].as_i64().unwrap();
    let published = console
        .post(server.url(&format!("/api/admin/competitions/{id}/publish")))
        .json(&json!({"version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    id
}

/// Joins the competition's queue; returns whether the battle will count.
pub async fn queue(c: &mut WsClient, competition_id: i64) -> bool {
    c.send(&ClientMsg::DistrictQueue { competition_id }).await;
    match c.recv().await {
        ServerMsg::DistrictQueued {
            counted,
            competition_id: id,
            ..
        } => {
            assert_eq!(id, competition_id);
            counted
        }
        other => panic!("expected district_queued, got {other:?}"),
    }
}

/// Reads past "who is waiting" notices to the battle's start.
pub async fn until_started(c: &mut WsClient) -> (String, MatchStartedView) {
    loop {
        match c.recv().await {
            ServerMsg::DistrictSearching { .. } => {}
            ServerMsg::Match(MatchEvent {
                match_id,
                body: MatchBody::MatchStarted(s),
                ..
            }) => return (match_id, s),
            other => panic!("expected match_started, got {other:?}"),
        }
    }
}

pub async fn battle(c: &mut WsClient, bank: &dati::bank::Bank, how: Play) -> Played {
    let (match_id, started) = until_started(c).await;
    play_on(c, bank, how, match_id, started).await
}

pub struct Side {
    pub members: Vec<TestMember>,
    pub clients: Vec<WsClient>,
}

pub async fn side(env: &Env, district: &str, n: usize, competition_id: i64) -> Side {
    let mut members = Vec::new();
    let mut clients = Vec::new();
    for i in 0..n {
        let m = env
            .server
            .member_of(&format!("{district}{i}"), district)
            .await;
        let mut c = m.connect().await;
        assert!(queue(&mut c, competition_id).await, "within the daily cap");
        members.push(m);
        clients.push(c);
    }
    Side { members, clients }
}

/// Plays every client of a side to the end, concurrently.
pub async fn play_side(
    side: Side,
    bank: &std::sync::Arc<dati::bank::Bank>,
    how: Play,
) -> Vec<Played> {
    let tasks: Vec<_> = side
        .clients
        .into_iter()
        .map(|mut c| {
            let bank = bank.clone();
            tokio::spawn(async move { battle(&mut c, &bank, how).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
