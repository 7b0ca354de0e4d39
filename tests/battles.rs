//! District battles (区域PK) over real websockets: a 5 v 5 between two
//! districts, an uneven battle after the wait, a member who drops out, the
//! daily cap, and refusals. On both backends.

mod common;

use std::time::Duration;

use common::battles::{battle, play_side, queue, running_competition, side, until_started};
use common::matches::{Backend, Play, server};
use dati::ws::protocol::{ClientMsg, MatchBody, MatchOutcome, ServerMsg};
use serde_json::json;

async fn ten_members_of_two_districts_play_a_five_a_side_battle(backend: Backend) {
    let Some(env) = server(
        backend,
        "ten_members_of_two_districts_play_a_five_a_side_battle",
        |_| {},
    )
    .await
    else {
        return;
    };
    let bank = env.server.bank.clone();
    let id = running_competition(&env.server, &["市南区", "崂山区"], 5, 3).await;
    let south = side(&env, "市南区", 5, id).await;
    let laoshan = side(&env, "崂山区", 5, id).await;
    let a_member = south.members[0].clone();
    let a_member_id = south.members[0].id;
    let (a, b) = tokio::join!(
        play_side(south, &bank, Play::Right),
        play_side(laoshan, &bank, Play::Wrong)
    );
    let match_id = a[0].match_id.clone();
    assert!(
        a.iter().chain(&b).all(|p| p.match_id == match_id),
        "one battle"
    );
    let started = &a[0].started;
    assert_eq!(started.mode, "district");
    assert_eq!(started.players.len(), 10);
    for p in &started.players {
        let team = p.team.expect("every player has a side");
        let expected = if team == 0 { "市南区" } else { "崂山区" };
        assert_eq!(p.district, expected, "a side is one district");
        assert_eq!(p.rating, 0);
    }
    // Teammates see each other's progress: every answer is announced.
    let announced = a[0]
        .events
        .iter()
        .filter(|e| matches!(e.body, MatchBody::MatchAnswered { .. }))
        .count();
    assert_eq!(announced, 30);
    let over = &a[0].over;
    assert!(
        b.iter().all(|p| p.over == *over),
        "everyone sees one result"
    );
    assert_eq!(over.outcome, MatchOutcome::Completed);
    let result = over.battle.as_ref().expect("a battle result");
    assert_eq!(result.competition_id, id);
    assert_eq!(result.winner_team, Some(0));
    assert_eq!(result.decided_by, "average");
    let (t0, t1) = (&result.teams[0], &result.teams[1]);
    assert_eq!(
        (t0.district.as_str(), t0.members, t0.competition_points),
        ("市南区", 5, 2)
    );
    assert_eq!(
        (t1.district.as_str(), t1.members, t1.competition_points),
        ("崂山区", 5, 0)
    );
    assert_eq!(t1.average, 0.0);
    let total: u64 = over
        .standings
        .iter()
        .filter(|s| started.players[s.seat as usize].team == Some(0))
        .map(|s| s.points)
        .sum();
    assert_eq!(t0.average, total as f64 / 5.0);

    env.server.settle().await;
    assert_eq!(env.server.stored_answers(&match_id).await.len(), 30);
    let app = env.server.app();
    let districts = app.stores.battles.district_battles(id).await.unwrap();
    let south = districts.iter().find(|d| d.district == "市南区").unwrap();
    assert_eq!(
        (south.battles, south.wins, south.competition_points),
        (1, 1, 2)
    );
    assert_eq!(
        (south.participants, south.answers, south.correct),
        (5, 15, 15)
    );
    let laoshan = districts.iter().find(|d| d.district == "崂山区").unwrap();
    assert_eq!(
        (laoshan.losses, laoshan.competition_points, laoshan.correct),
        (1, 0, 0)
    );
    let members = app.stores.battles.member_battles(id).await.unwrap();
    assert_eq!(members.len(), 10);

    // The standings members read agree with SQL.
    let standings = a_member
        .get(&format!("/api/competitions/{id}/standings"))
        .await;
    let first = &standings["districts"][0];
    assert_eq!(first["district"], "市南区", "{standings}");
    assert_eq!(first["place"], 1);
    assert_eq!(first["points"], south.competition_points);
    assert_eq!(first["wins"], south.wins);
    assert_eq!(first["participants"], south.participants);
    assert_eq!(first["registered"], 5);
    assert_eq!(first["participation_rate"], 1.0);
    assert_eq!(first["accuracy"], 1.0);
    assert_eq!(first["top_contributors"].as_array().unwrap().len(), 5);
    let second = &standings["districts"][1];
    assert_eq!(
        (second["district"].as_str(), second["place"].as_u64()),
        (Some("崂山区"), Some(2))
    );
    assert_eq!(second["accuracy"], 0.0);
    assert_eq!(standings["my_district"]["district"], "市南区");
    assert_eq!(standings["my_contribution"]["battles"], 1);
    let mine = members.iter().find(|m| m.member_id == a_member_id).unwrap();
    assert_eq!(standings["my_contribution"]["points"], mine.points);
}

async fn uneven_teams_battle_after_the_wait_and_a_leaver_still_counts(backend: Backend) {
    let Some(env) = server(
        backend,
        "uneven_teams_battle_after_the_wait_and_a_leaver_still_counts",
        |c| c.district.uneven_after = Duration::from_millis(300),
    )
    .await
    else {
        return;
    };
    let bank = env.server.bank.clone();
    let id = running_competition(&env.server, &["市北区", "黄岛区"], 5, 3).await;
    let mut north = side(&env, "市北区", 2, id).await;
    let huangdao = side(&env, "黄岛区", 1, id).await;
    // One of 市北区's two leaves during the countdown: a forfeit that
    // scores 0 and still counts in the team's average.
    let mut leaver = north.clients.pop().unwrap();
    let (match_id, started) = until_started(&mut leaver).await;
    leaver
        .send(&ClientMsg::MatchLeave {
            match_id: match_id.clone(),
        })
        .await;
    let (a, b) = tokio::join!(
        play_side(north, &bank, Play::Right),
        play_side(huangdao, &bank, Play::Right)
    );
    assert_eq!(started.players.len(), 3, "2 v 1 after the wait");
    let over = &a[0].over;
    assert_eq!(b[0].over, *over);
    assert_eq!(
        over.outcome,
        MatchOutcome::Completed,
        "both teams still had someone"
    );
    let result = over.battle.as_ref().unwrap();
    let (t0, t1) = (&result.teams[0], &result.teams[1]);
    let north_team = if t0.district == "市北区" { t0 } else { t1 };
    let huangdao_team = if t0.district == "黄岛区" { t0 } else { t1 };
    assert_eq!((north_team.members, huangdao_team.members), (2, 1));
    // Both full scorers answered everything right; the leaver's 0 halves
    // 市北区's average, so 黄岛区 wins.
    assert!(huangdao_team.average > north_team.average, "{result:?}");
    assert_eq!(huangdao_team.competition_points, 2);
    let leaver_standing = over
        .standings
        .iter()
        .find(|s| s.seat == started.seat)
        .unwrap();
    assert!(leaver_standing.forfeited);
    assert_eq!(leaver_standing.points, 0);
    env.server.settle().await;
    let sides = env
        .server
        .app()
        .stores
        .battles
        .district_battles(id)
        .await
        .unwrap();
    assert_eq!(sides.iter().map(|d| d.battles).sum::<i64>(), 2);
}

async fn battles_past_the_daily_cap_are_played_but_win_nothing(backend: Backend) {
    let Some(env) = server(
        backend,
        "battles_past_the_daily_cap_are_played_but_win_nothing",
        |c| c.district.uneven_after = Duration::from_millis(200),
    )
    .await
    else {
        return;
    };
    let bank = env.server.bank.clone();
    let id = running_competition(&env.server, &["李沧区", "城阳区"], 1, 1).await;
    let a = env.server.member_of("李沧一", "李沧区").await;
    let b = env.server.member_of("城阳一", "城阳区").await;
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    for round in 0..2 {
        let counted_a = queue(&mut ca, id).await;
        let counted_b = queue(&mut cb, id).await;
        assert_eq!(
            (counted_a, counted_b),
            (round == 0, round == 0),
            "round {round}"
        );
        let (pa, _) = tokio::join!(
            battle(&mut ca, &bank, Play::Right),
            battle(&mut cb, &bank, Play::Wrong)
        );
        let result = pa.over.battle.unwrap();
        let points: Vec<u32> = result.teams.iter().map(|t| t.competition_points).collect();
        let expected = if round == 0 { 2 } else { 0 };
        assert_eq!(
            points.iter().max(),
            Some(&expected),
            "round {round}: {result:?}"
        );
        env.server.settle().await;
    }
    let sides = env
        .server
        .app()
        .stores
        .battles
        .district_battles(id)
        .await
        .unwrap();
    let licang = sides.iter().find(|d| d.district == "李沧区").unwrap();
    assert_eq!(
        (licang.battles, licang.wins, licang.competition_points),
        (2, 2, 2)
    );
    let members = env
        .server
        .app()
        .stores
        .battles
        .member_battles(id)
        .await
        .unwrap();
    let mine = members.iter().find(|m| m.member_id == a.id).unwrap();
    assert_eq!(mine.battles, 2);
    // The count survives a new connection: the cap is read back from SQL.
    let mut again = a.connect().await;
    assert!(!queue(&mut again, id).await);
}

async fn queueing_for_a_battle_is_refused_when_it_cannot_happen(backend: Backend) {
    let Some(env) = server(
        backend,
        "queueing_for_a_battle_is_refused_when_it_cannot_happen",
        |_| {},
    )
    .await
    else {
        return;
    };
    let id = running_competition(&env.server, &["即墨区", "胶州市"], 5, 3).await;
    let outsider = env.server.member_of("局外人", "平度市").await;
    let mut c = outsider.connect().await;
    c.send(&ClientMsg::DistrictQueue { competition_id: id })
        .await;
    assert_eq!(c.expect_error().await.0, "not_in_competition");
    // Moving to a taking-part district counts at once, on the same
    // connection: a battle goes by the member's district now.
    let moved = outsider
        .http
        .put(env.server.url("/api/me/district"))
        .json(&json!({"district": "即墨区"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    c.send(&ClientMsg::DistrictQueue { competition_id: id })
        .await;
    match c.recv().await {
        ServerMsg::DistrictQueued { district, .. } => assert_eq!(district, "即墨区"),
        other => panic!("expected district_queued, got {other:?}"),
    }
    c.send(&ClientMsg::DistrictCancel).await;
    loop {
        match c.recv().await {
            ServerMsg::DistrictSearching { .. } => {}
            ServerMsg::DistrictCancelled => break,
            other => panic!("expected district_cancelled, got {other:?}"),
        }
    }
    c.send(&ClientMsg::DistrictQueue {
        competition_id: 999_999,
    })
    .await;
    assert_eq!(c.expect_error().await.0, "competition_closed");
    c.send(&ClientMsg::DistrictCancel).await;
    assert_eq!(c.expect_error().await.0, "not_queued");
    let m = env.server.member_of("即墨一", "即墨区").await;
    let mut c = m.connect().await;
    assert!(queue(&mut c, id).await);
    c.send(&ClientMsg::LadderQueue { relaxed: false }).await;
    let code = loop {
        match c.recv().await {
            ServerMsg::DistrictSearching { .. } => {}
            ServerMsg::Error { code, .. } => break code,
            other => panic!("expected an error, got {other:?}"),
        }
    };
    assert_eq!(serde_json::to_value(code).unwrap(), "already_queued");
    // An organizer closes the competition: the queue ends and says why.
    let console = env
        .server
        .organizer_client("赛事组二", "correct horse battery")
        .await;
    let closed = console
        .post(
            env.server
                .url(&format!("/api/admin/competitions/{id}/close")),
        )
        .json(&json!({"version": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200);
    let code = loop {
        match c.recv().await {
            ServerMsg::DistrictSearching { .. } => {}
            ServerMsg::Error { code, .. } => break code,
            other => panic!("expected an error, got {other:?}"),
        }
    };
    assert_eq!(serde_json::to_value(code).unwrap(), "competition_closed");
    c.send(&ClientMsg::DistrictQueue { competition_id: id })
        .await;
    assert_eq!(c.expect_error().await.0, "competition_closed");
}

common::on_both_backends!(
    ten_members_of_two_districts_play_a_five_a_side_battle,
    uneven_teams_battle_after_the_wait_and_a_leaver_still_counts,
    battles_past_the_daily_cap_are_played_but_win_nothing,
    queueing_for_a_battle_is_refused_when_it_cannot_happen,
);
