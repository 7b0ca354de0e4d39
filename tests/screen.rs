//! The big screen's live standings (`/ws/screen/{id}`) over a real
//! websocket while district battles are played, and the competition boards
//! behind them checked against SQL. On both backends (PostgreSQL with the
//! boards in Redis).

mod common;

use std::collections::BTreeMap;

use common::battles::{HOUR_MS, play_side, running_competition, side};
use common::matches::{Backend, Play, server};
use common::{RECV_TIMEOUT, TestMember, TestServer};
use dati::store::leaderboard::{Board, PeriodKey, rebuild};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn open_screen(server: &TestServer, id: i64) -> Socket {
    let (socket, _) = connect_async(format!("ws://{}/ws/screen/{id}", server.addr))
        .await
        .expect("screen connects");
    socket
}

/// The next message, skipping control frames.
async fn next_message(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(RECV_TIMEOUT, socket.next())
            .await
            .expect("a message within the timeout")
            .expect("the screen stays open")
            .expect("a frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

async fn close_of(socket: &mut Socket) -> (u16, String) {
    loop {
        let frame = tokio::time::timeout(RECV_TIMEOUT, socket.next())
            .await
            .expect("a close within the timeout");
        match frame {
            Some(Ok(Message::Close(Some(f)))) => return (f.code.into(), f.reason.to_string()),
            Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("socket failed before a close frame: {e}"),
        }
    }
}

/// The table as a screen keeps it: rows by district.
type Table = BTreeMap<String, Value>;

fn table_of(rows: &Value) -> Table {
    rows.as_array()
        .expect("a list of rows")
        .iter()
        .map(|r| (r["district"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

/// Applies a `screen_changes` message; returns the districts it named.
fn apply(table: &mut Table, changes: &Value) -> Vec<String> {
    let changed = table_of(&changes["districts"]);
    let names = changed.keys().cloned().collect();
    table.extend(changed);
    names
}

/// Plays one 1 v 1 battle between new members: the one of `winner`
/// answers right, the one of `loser` wrong. Returns the winner.
async fn one_battle(env: &common::matches::Env, id: i64, winner: &str, loser: &str) -> TestMember {
    let bank = env.server.bank.clone();
    let w = side(env, winner, 1, id).await;
    let l = side(env, loser, 1, id).await;
    let member = w.members[0].clone();
    tokio::join!(
        play_side(w, &bank, Play::Right),
        play_side(l, &bank, Play::Wrong)
    );
    member
}

async fn a_big_screen_follows_battles_with_changes_only(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_big_screen_follows_battles_with_changes_only",
        |_| {},
    )
    .await
    else {
        return;
    };
    let districts = ["市南区", "崂山区", "市北区", "黄岛区"];
    let id = running_competition(&env.server, &districts, 1, 5).await;
    let mut screen = open_screen(&env.server, id).await;
    let snapshot = next_message(&mut screen).await;
    assert_eq!(snapshot["type"], "screen_snapshot");
    assert_eq!(snapshot["version"], 1);
    assert_eq!(snapshot["competition"]["id"], id);
    assert_eq!(snapshot["competition"]["status"], "running");
    let mut table = table_of(&snapshot["districts"]);
    assert_eq!(
        table.len(),
        4,
        "every taking-part district, before any battle"
    );
    assert!(table.values().all(|r| r["points"] == 0 && r["place"] == 1));

    // The first battle: the winner and the loser change, and the idle
    // districts fall behind the winner. (Registered members are counted
    // once a minute, so the loser's participation rate is not yet ahead
    // of theirs: they may share second place.)
    one_battle(&env, id, "市南区", "崂山区").await;
    let changes = next_message(&mut screen).await;
    assert_eq!(changes["type"], "screen_changes");
    assert_eq!(changes["version"], 2);
    assert!(
        changes.get("competition").is_none(),
        "the status did not change"
    );
    apply(&mut table, &changes);
    assert_eq!(table["市南区"]["points"], 2);
    assert_eq!(table["市南区"]["place"], 1);
    assert_eq!(table["崂山区"]["place"], 2);
    assert_eq!(table["崂山区"]["losses"], 1);
    assert!(table["市北区"]["place"].as_u64() >= Some(2));
    assert_eq!(table["市北区"]["place"], table["黄岛区"]["place"]);

    // The second: only the two that battled change.
    let second_winner = one_battle(&env, id, "市南区", "崂山区").await;
    let changes = next_message(&mut screen).await;
    assert_eq!(changes["version"], 3);
    let mut named = apply(&mut table, &changes);
    named.sort();
    assert_eq!(named, ["崂山区", "市南区"], "{changes}");
    assert_eq!(table["市南区"]["points"], 4);
    assert_eq!(table["市南区"]["wins"], 2);

    // The screen's table is what members read, and what a new screen gets.
    let member = env.server.member_of("看台观众", "市南区").await;
    let standings = member
        .get(&format!("/api/competitions/{id}/standings"))
        .await;
    assert_eq!(table_of(&standings["districts"]), table);
    let mut late = open_screen(&env.server, id).await;
    let snapshot = next_message(&mut late).await;
    assert_eq!(snapshot["version"], 3);
    assert_eq!(table_of(&snapshot["districts"]), table);
    let top = &table["市南区"]["top_contributors"];
    assert_eq!(top.as_array().unwrap().len(), 2, "{top}");
    assert_eq!(top[0]["place"], 1);
    assert_eq!(top[0]["battles"], 1);

    // The boards behind it agree with SQL, and with a rebuild from SQL.
    env.server.settle().await;
    let app = env.server.app();
    let sides = app.stores.battles.district_battles(id).await.unwrap();
    let members = app.stores.battles.member_battles(id).await.unwrap();
    let board = app.leaderboard.as_ref();
    let live = board
        .top(Board::CompetitionDistricts, PeriodKey::Competition(id), 10)
        .await
        .unwrap();
    for (index, name) in districts.iter().enumerate() {
        let sql = sides
            .iter()
            .find(|s| s.district == *name)
            .map(|s| s.competition_points);
        let on_board = live
            .iter()
            .find(|s| s.member_id == index as i64)
            .map(|s| s.score);
        assert_eq!(on_board, sql, "{name}");
        let mut sql_members: Vec<(i64, i64)> = members
            .iter()
            .filter(|m| m.district == *name)
            .map(|m| (m.member_id, m.points))
            .collect();
        sql_members.sort_unstable();
        let mut board_members: Vec<(i64, i64)> = board
            .top(
                Board::CompetitionMembers,
                PeriodKey::CompetitionDistrict(id, index as i64),
                100,
            )
            .await
            .unwrap()
            .iter()
            .map(|s| (s.member_id, s.score))
            .collect();
        board_members.sort_unstable();
        assert_eq!(board_members, sql_members, "{name}");
    }
    let rebuilt = rebuild::read(&app.stores, dati::rooms::wall_ms())
        .await
        .unwrap();
    let (_, _, rows) = rebuilt
        .buckets
        .iter()
        .find(|(b, k, _)| *b == Board::CompetitionDistricts && *k == PeriodKey::Competition(id))
        .expect("the competition's districts are rebuilt");
    let mut rebuilt_scores: Vec<(i64, i64)> =
        rows.iter().map(|r| (r.member_id, r.points)).collect();
    rebuilt_scores.sort_unstable();
    let mut live_scores: Vec<(i64, i64)> = live.iter().map(|s| (s.member_id, s.score)).collect();
    live_scores.sort_unstable();
    assert_eq!(rebuilt_scores, live_scores);

    // Each member's own contribution and place in their district.
    let spectator = &standings["my_contribution"];
    assert_eq!(spectator["district"], "市南区");
    assert_eq!(spectator["battles"], 0, "the spectator has not played");
    assert!(spectator["rank_in_district"].is_null());
    let mine = second_winner
        .get(&format!("/api/competitions/{id}/standings"))
        .await;
    let contribution = &mine["my_contribution"];
    let sql = members
        .iter()
        .find(|m| m.member_id == second_winner.id)
        .expect("the winner's battles in SQL");
    assert_eq!(contribution["points"], sql.points);
    assert_eq!(contribution["battles"], 1);
    let place = top
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["member_id"] == second_winner.id)
        .expect("a top contributor")["place"]
        .clone();
    assert_eq!(contribution["rank_in_district"], place);
    assert_eq!(mine["my_district"]["district"], "市南区");
}

async fn screens_are_refused_what_they_cannot_show(backend: Backend) {
    let Some(env) = server(backend, "screens_are_refused_what_they_cannot_show", |_| {}).await
    else {
        return;
    };
    let mut unknown = open_screen(&env.server, 999_999).await;
    let (code, reason) = close_of(&mut unknown).await;
    assert_eq!(code, 4404);
    assert!(reason.contains("比赛不存在"), "{reason}");

    // A draft is not shown either.
    let console = env
        .server
        .organizer_client("赛事组", "correct horse battery")
        .await;
    let now = dati::rooms::wall_ms();
    let draft: Value = console
        .post(env.server.url("/api/admin/competitions"))
        .json(&serde_json::json!({
            "title": "草稿",
            "starts_at_ms": now,
            "ends_at_ms": now + HOUR_MS,
            "questions": {"kind": "filter"},
            "team_size": 5,
            "questions_per_battle": 5,
            "daily_battles": 3,
            "districts": ["市南区", "崂山区"],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let draft_id = draft["id"].as_i64().expect("a draft");
    let mut draft_screen = open_screen(&env.server, draft_id).await;
    assert_eq!(close_of(&mut draft_screen).await.0, 4404);

    // A screen only listens: a message from it closes it, and other
    // screens of the competition go on.
    let id = running_competition(&env.server, &["市南区", "崂山区"], 1, 3).await;
    let mut chatty = open_screen(&env.server, id).await;
    let mut quiet = open_screen(&env.server, id).await;
    assert_eq!(next_message(&mut chatty).await["version"], 1);
    assert_eq!(next_message(&mut quiet).await["version"], 1);
    chatty
        .send(Message::Text("{\"type\":\"hello\"}".into()))
        .await
        .unwrap();
    assert_eq!(close_of(&mut chatty).await.0, 1008);
    one_battle(&env, id, "市南区", "崂山区").await;
    assert_eq!(next_message(&mut quiet).await["version"], 2);
}

common::on_both_backends!(
    a_big_screen_follows_battles_with_changes_only,
    screens_are_refused_what_they_cannot_show,
);
