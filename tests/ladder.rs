//! 争上游 ladder races over real websockets: four members racing, bots
//! filling a race, a mid-race leave and a dropped connection, a season
//! rollover, bad input, and 100 races at once.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::matches::{Backend, Env, Play, Played as Raced, play_on, server};
use common::{PgDatabase, TestMember, WsClient, right_choice};
use dati::bank::Bank;
use dati::domain::ladder::{Rank, Tier};
use dati::store::{LadderChange, MatchEnd, MatchPlayerResult, WriteOp};
use dati::ws::protocol::{
    ClientMsg, MatchBody, MatchEvent, MatchOutcome, MatchStartedView, RankView, ServerMsg,
};

/// Joins the ladder queue; returns the rank the queue shows.
async fn queue(c: &mut WsClient) -> (i64, RankView) {
    c.send(&ClientMsg::LadderQueue { relaxed: false }).await;
    match c.recv().await {
        ServerMsg::LadderQueued {
            season,
            rank,
            wanted,
            bot_fill_after_ms,
            ..
        } => {
            assert_eq!(wanted, 4);
            assert!(bot_fill_after_ms > 0);
            (season.id, rank)
        }
        other => panic!("expected ladder_queued, got {other:?}"),
    }
}

/// Reads past "found so far" notices to the race's start; returns the
/// highest count seen.
async fn until_started(c: &mut WsClient) -> (String, MatchStartedView, u8) {
    let mut found = 0;
    loop {
        match c.recv().await {
            ServerMsg::LadderSearching {
                found: f, wanted, ..
            } => {
                assert_eq!(wanted, 4);
                assert!((1..=4).contains(&f));
                found = found.max(f);
            }
            ServerMsg::Match(MatchEvent {
                match_id,
                body: MatchBody::MatchStarted(s),
                ..
            }) => return (match_id, s, found),
            other => panic!("expected match_started, got {other:?}"),
        }
    }
}

/// Races to the end, answering the first `rights` questions right and the
/// rest wrong.
async fn race(c: &mut WsClient, bank: &Bank, rights: u32) -> Raced {
    let (match_id, started, _) = until_started(c).await;
    race_on(c, bank, rights, match_id, started).await
}

async fn race_on(
    c: &mut WsClient,
    bank: &Bank,
    rights: u32,
    match_id: String,
    started: MatchStartedView,
) -> Raced {
    play_on(c, bank, Play::FirstRight(rights), match_id, started).await
}

fn rank(tier: Tier, stars: u32) -> Rank {
    Rank::new(tier, stars).unwrap()
}

fn rank_of(view: &RankView) -> Rank {
    rank(Tier::parse(&view.tier).unwrap(), view.stars)
}

async fn members(env: &Env, names: &[&str]) -> Vec<TestMember> {
    let mut out = Vec::new();
    for name in names {
        out.push(env.server.member(name).await);
    }
    out
}

async fn four_members_race_and_move_stars_by_place(backend: Backend) {
    let Some(env) = server(backend, "four_members_race_and_move_stars_by_place", |_| {}).await
    else {
        return;
    };
    let bank = &env.server.bank;
    let ms = members(&env, &["甲", "乙", "丙", "丁"]).await;
    let mut cs = Vec::new();
    let mut season = 0;
    for m in &ms {
        let mut c = m.connect().await;
        let (s, r) = queue(&mut c).await;
        assert_eq!(rank_of(&r), Rank::START, "a new member starts at 青铜 1★");
        assert_eq!(
            (r.tier_name.as_str(), r.cap, r.points),
            ("青铜", Some(3), 1)
        );
        season = s;
        cs.push(c);
    }
    // 甲 answers all five right, 乙 three, 丙 one, 丁 none.
    let [c0, c1, c2, c3] = &mut cs[..] else {
        unreachable!()
    };
    let (r0, r1, r2, r3) = tokio::join!(
        race(c0, bank, 5),
        race(c1, bank, 3),
        race(c2, bank, 1),
        race(c3, bank, 0)
    );
    let raced = [r0, r1, r2, r3];
    let match_id = raced[0].match_id.clone();
    assert!(raced.iter().all(|r| r.match_id == match_id));
    let started = &raced[0].started;
    assert_eq!(started.mode, "ladder");
    assert_eq!(started.players.len(), 4);
    assert!(started.players.iter().all(|p| !p.is_bot));
    assert!(started.rated, "four members move the hidden rating");
    for p in &started.players {
        assert_eq!(p.rating, 0, "the ladder's rating is hidden");
        assert_eq!(p.rank.as_ref().map(rank_of), Some(Rank::START));
    }
    let seats: HashSet<u8> = raced.iter().map(|r| r.started.seat).collect();
    assert_eq!(seats.len(), 4);
    // The same questions for everyone, and everyone saw every answer announced.
    let questions = |r: &Raced| -> Vec<String> {
        r.events
            .iter()
            .filter_map(|e| match &e.body {
                MatchBody::MatchQuestion { question, .. } => Some(question.id.clone()),
                _ => None,
            })
            .collect()
    };
    for r in &raced {
        assert_eq!(questions(r), questions(&raced[0]));
        assert_eq!(questions(r).len(), 5);
        let announced = r
            .events
            .iter()
            .filter(|e| matches!(e.body, MatchBody::MatchAnswered { .. }))
            .count();
        assert_eq!(announced, 20);
        // The race track: every reveal carries all four running totals.
        let reveals: Vec<_> = r
            .events
            .iter()
            .filter_map(|e| match &e.body {
                MatchBody::MatchReveal(v) => Some(v.results.len()),
                _ => None,
            })
            .collect();
        assert_eq!(reveals, [4; 5]);
        assert_eq!(r.over, raced[0].over, "everyone sees the same result");
    }
    let over = &raced[0].over;
    assert_eq!(over.outcome, MatchOutcome::Completed);
    assert!(over.rated);
    // Places follow the right answers; stars follow the places.
    let expected = [(1, 2, 3), (2, 1, 2), (3, 0, 1), (4, 0, 1)];
    for (r, (place, stars, after)) in raced.iter().zip(expected) {
        let mine = over
            .standings
            .iter()
            .find(|s| s.seat == r.started.seat)
            .unwrap();
        assert_eq!(mine.place, place);
        let ladder = mine.ladder.as_ref().expect("members get a ladder result");
        assert_eq!(ladder.season_id, season);
        assert_eq!(ladder.stars, stars, "place {place}");
        assert_eq!(rank_of(&ladder.after), rank(Tier::Bronze, after));
        assert_eq!(rank_of(&ladder.before), Rank::START);
        assert!(!ladder.promoted && !ladder.demoted);
        assert_eq!((mine.rating_before, mine.rating_after), (0, 0));
    }

    // Stored: the race, its answers, the ranks, the hidden ratings.
    env.server.settle().await;
    let app = env.server.app();
    let stored = app
        .stores
        .matches
        .stored_match(match_id.parse().unwrap())
        .await
        .unwrap()
        .expect("race stored");
    assert_eq!(stored.outcome.as_deref(), Some("completed"));
    assert_eq!(stored.players.len(), 4);
    assert_eq!(env.server.stored_answers(&match_id).await.len(), 20);
    for (m, (_, _, after)) in ms.iter().zip(expected) {
        let r = app
            .stores
            .ladder
            .ladder_rank(season, m.id)
            .await
            .unwrap()
            .expect("ranked this season");
        assert_eq!(
            (r.tier.as_str(), r.stars, r.races),
            ("bronze", after as i64, 1)
        );
        let hidden = app
            .stores
            .ladder
            .ladder_rating(m.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(hidden.games, 1);
    }
    let first = app
        .stores
        .ladder
        .ladder_rating(ms[0].id)
        .await
        .unwrap()
        .unwrap();
    let last = app
        .stores
        .ladder
        .ladder_rating(ms[3].id)
        .await
        .unwrap()
        .unwrap();
    assert!(first.rating > 1500.0 && last.rating < 1500.0);
    // The batched reads a queueing crowd goes through agree with these,
    // and leave out who has nothing stored.
    let mut ids: Vec<i64> = ms.iter().map(|m| m.id).collect();
    ids.push(i64::MAX);
    let ratings = app.stores.ladder.ladder_ratings_of(&ids).await.unwrap();
    assert_eq!(ratings.len(), 4);
    assert_eq!(ratings[&ms[0].id], first);
    assert_eq!(ratings[&ms[3].id], last);
    let ranks = app
        .stores
        .ladder
        .latest_ladder_ranks(season, &ids)
        .await
        .unwrap();
    assert_eq!(ranks.len(), 4);
    for m in &ms {
        let one = app.stores.ladder.ladder_rank(season, m.id).await.unwrap();
        assert_eq!(ranks.get(&m.id), one.as_ref());
    }

    // The member's own view and the season board.
    let me = ms[0].get("/api/ladder").await;
    assert_eq!(me["season"]["id"], season, "{me}");
    assert_eq!(me["rank"]["tier"], "bronze");
    assert_eq!(me["rank"]["stars"], 3);
    assert_eq!(me["races"], 1);
    assert_eq!(me["firsts"], 1);
    assert_eq!(me["place"]["season"], 1, "{me}");
    assert_eq!(me["place"]["tier"], 1, "{me}");
    let board = ms[3].get("/api/leaderboard?board=ladder").await;
    assert_eq!(board["season"]["id"], season, "{board}");
    assert_eq!(board["top"][0]["member_id"], ms[0].id, "{board}");
    assert_eq!(board["top"][0]["ladder"]["stars"], 3, "{board}");
    assert_eq!(board["ranked"], 4);
    let tier = ms[3].get("/api/leaderboard?board=ladder_bronze").await;
    assert_eq!(tier["ranked"], 4, "{tier}");
    let silver = ms[3].get("/api/leaderboard?board=ladder_silver").await;
    assert_eq!(silver["ranked"], 0, "{silver}");

    // Organizers read the season's boards; members may not.
    let path = format!("/api/admin/ladder/seasons/{season}/standings");
    let refused = reqwest::get(env.server.url(&path)).await.unwrap();
    assert_eq!(refused.status(), 401);
    let organizer = env
        .server
        .organizer_client("赛事组", "correct horse battery")
        .await;
    let all: serde_json::Value = organizer
        .get(env.server.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["ranked"], 4, "{all}");
    assert_eq!(all["tiers"][0]["members"], 4, "{all}");
    assert_eq!(all["top"][0]["nickname"], "甲", "{all}");
    assert_eq!(all["top"][0]["ladder"]["stars"], 3, "{all}");
    let gold = organizer
        .get(env.server.url(&format!("{path}?tier=黄金")))
        .send()
        .await
        .unwrap();
    let gold: serde_json::Value = gold.json().await.unwrap();
    assert_eq!(
        (gold["ranked"].as_u64(), gold["tier"].as_str()),
        (Some(0), Some("gold"))
    );
    for (bad, status) in [
        (format!("{path}?tier=wood"), 400),
        (format!("{path}?limit=0"), 400),
        ("/api/admin/ladder/seasons/999/standings".to_owned(), 404),
    ] {
        let r = organizer.get(env.server.url(&bad)).send().await.unwrap();
        assert_eq!(r.status(), status, "{bad}");
    }
}

async fn bots_fill_the_race_of_a_member_left_waiting(backend: Backend) {
    let Some(env) = server(
        backend,
        "bots_fill_the_race_of_a_member_left_waiting",
        |c| c.ladder.bot_fill_after = Duration::from_millis(400),
    )
    .await
    else {
        return;
    };
    let m = env.server.member("独行").await;
    let mut c = m.connect().await;
    let (season, _) = queue(&mut c).await;
    let (match_id, started, found) = until_started(&mut c).await;
    assert_eq!(found, 1, "nobody else was found");
    assert_eq!(started.players.len(), 4);
    let bots: Vec<_> = started.players.iter().filter(|p| p.is_bot).collect();
    assert_eq!(bots.len(), 3, "three labelled bots fill the seats");
    let names: HashSet<&str> = bots.iter().map(|b| b.nickname.as_str()).collect();
    assert_eq!(names.len(), 3, "bots have different names");
    assert!(bots.iter().all(|b| b.nickname.starts_with("机器人")));
    assert!(
        bots.iter()
            .all(|b| b.member_id.is_none() && b.rank.is_some())
    );
    assert!(!started.rated, "bots move no rating");
    let raced = race_on(&mut c, &env.server.bank, 5, match_id.clone(), started).await;
    let mine = raced
        .over
        .standings
        .iter()
        .find(|s| s.seat == raced.started.seat)
        .unwrap();
    let ladder = mine.ladder.as_ref().unwrap();
    assert!(
        ladder.stars.abs() <= 1,
        "against bots only, at most one star: {}",
        ladder.stars
    );
    for s in raced
        .over
        .standings
        .iter()
        .filter(|s| s.seat != raced.started.seat)
    {
        assert!(s.ladder.is_none(), "bots have no ladder result");
    }
    env.server.settle().await;
    let app = env.server.app();
    assert_eq!(env.server.stored_answers(&match_id).await.len(), 5);
    let r = app
        .stores
        .ladder
        .ladder_rank(season, m.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.races, 1);
    assert!(
        app.stores
            .ladder
            .ladder_rating(m.id)
            .await
            .unwrap()
            .is_none(),
        "no hidden rating moved"
    );
}

async fn a_member_who_leaves_mid_race_places_last_and_the_others_race_on(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_member_who_leaves_mid_race_places_last_and_the_others_race_on",
        |c| c.duel.grace = Duration::from_millis(600),
    )
    .await
    else {
        return;
    };
    let bank = &env.server.bank;
    let ms = members(&env, &["甲", "乙", "丙", "丁"]).await;
    let mut cs = Vec::new();
    for m in &ms {
        let mut c = m.connect().await;
        queue(&mut c).await;
        cs.push(c);
    }
    let mut c3 = cs.pop().unwrap();
    let mut c2 = cs.pop().unwrap();
    // 甲 and 乙 race through; 丙 drops its connection for good after the
    // first question; 丁 answers the first question right, then leaves.
    let runners: Vec<_> = cs
        .into_iter()
        .map(|mut c| {
            let bank = bank.clone();
            tokio::spawn(async move { race(&mut c, &bank, 0).await })
        })
        .collect();
    let (match_id, started3, _) = until_started(&mut c3).await;
    let (_, started2, _) = until_started(&mut c2).await;
    // Both read question 1 and (if it has media) report it loaded before
    // either waits for the clock: the clock waits for every player.
    let mut shown = Vec::new();
    for c in [&mut c2, &mut c3] {
        let (_, question, _) = c
            .until_event(|b| match b {
                MatchBody::MatchQuestion { question, .. } => Some(question.clone()),
                _ => None,
            })
            .await;
        if question.media.is_some() {
            c.send(&ClientMsg::MatchMediaReady {
                match_id: match_id.clone(),
                seq: 1,
            })
            .await;
        }
        shown.push(question);
    }
    for (c, question) in [&mut c2, &mut c3].into_iter().zip(shown) {
        if question.media.is_some() {
            c.until_event(|b| matches!(b, MatchBody::MatchClock { .. }).then_some(()))
                .await;
        }
        c.send(&ClientMsg::MatchAnswer {
            match_id: match_id.clone(),
            seq: 1,
            choice: right_choice(bank, &question),
        })
        .await;
    }
    c3.until_event(|b| matches!(b, MatchBody::MatchReveal(_)).then_some(()))
        .await;
    c3.send(&ClientMsg::MatchLeave {
        match_id: match_id.clone(),
    })
    .await;
    drop(c2);
    let mut results = Vec::new();
    for r in runners {
        results.push(r.await.unwrap());
    }
    let over = &results[0].over;
    assert_eq!(over.outcome, MatchOutcome::Completed, "the race went on");
    assert_eq!(results[1].over, *over);
    for r in &results {
        let seqs = r
            .events
            .iter()
            .filter(|e| matches!(e.body, MatchBody::MatchQuestion { .. }))
            .count();
        assert_eq!(seqs, 5, "every question was played");
    }
    let standing = |seat: u8| over.standings.iter().find(|s| s.seat == seat).unwrap();
    let (left, dropped) = (standing(started3.seat), standing(started2.seat));
    assert!(left.forfeited && dropped.forfeited);
    // Both answered more right than 甲 and 乙, yet they place behind them.
    assert!(left.place >= 3 && dropped.place >= 3, "{over:?}");
    assert!(left.points > 0);
    let stayed: Vec<_> = over.standings.iter().filter(|s| !s.forfeited).collect();
    assert!(stayed.iter().all(|s| s.place <= 2));
    assert_eq!(left.ladder.as_ref().unwrap().stars, 0, "the floor holds");
    // 丁 still reads the result on the socket it left from.
    let (_, seen, _) = c3
        .until_event(|b| match b {
            MatchBody::MatchOver(o) => Some(o.clone()),
            _ => None,
        })
        .await;
    assert_eq!(seen, *over);
    env.server.settle().await;
    let answers = env.server.stored_answers(&match_id).await;
    // 甲 and 乙: 5 each; 丙 and 丁: question 1 each. Nothing after leaving.
    assert_eq!(answers.len(), 12, "{answers:?}");
}

async fn a_dropped_racer_resumes_and_finishes(backend: Backend) {
    let Some(env) = server(backend, "a_dropped_racer_resumes_and_finishes", |_| {}).await else {
        return;
    };
    let bank = &env.server.bank;
    let ms = members(&env, &["甲", "乙", "丙", "丁"]).await;
    let mut cs = Vec::new();
    for m in &ms {
        let mut c = m.connect().await;
        queue(&mut c).await;
        cs.push(c);
    }
    let mut c3 = cs.pop().unwrap();
    let runners: Vec<_> = cs
        .into_iter()
        .map(|mut c| {
            let bank = bank.clone();
            tokio::spawn(async move { race(&mut c, &bank, 5).await })
        })
        .collect();
    let (match_id, started, _) = until_started(&mut c3).await;
    let (_, _, seen) = c3
        .until_event(|b| matches!(b, MatchBody::MatchQuestion { .. }).then_some(()))
        .await;
    drop(c3);
    // Back on a new connection: hello names the race, and resume replays.
    let mut c3 = ms[3].connect().await;
    c3.send(&ClientMsg::MatchResume {
        match_id: match_id.clone(),
        last_version: seen - 1,
    })
    .await;
    let raced = race_on(&mut c3, bank, 5, match_id.clone(), started).await;
    assert_eq!(raced.over.outcome, MatchOutcome::Completed);
    for r in runners {
        assert_eq!(r.await.unwrap().over, raced.over);
    }
    assert!(raced.over.standings.iter().all(|s| !s.forfeited));
    env.server.settle().await;
    assert_eq!(env.server.stored_answers(&match_id).await.len(), 20);
}

async fn a_new_season_starts_from_the_soft_reset_and_keeps_the_last(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_new_season_starts_from_the_soft_reset_and_keeps_the_last",
        |c| c.ladder.bot_fill_after = Duration::from_millis(200),
    )
    .await
    else {
        return;
    };
    let app = env.server.app().clone();
    let m = env.server.member("老将").await;
    // Last season ended a day ago, with this member at 黄金 3★.
    let now = dati::rooms::wall_ms();
    let day = 24 * 60 * 60 * 1000;
    let last = app
        .stores
        .ladder
        .create_season(now - 31 * day, now - day, now - 31 * day)
        .await
        .unwrap();
    app.queue
        .push(WriteOp::MatchFinished(MatchEnd {
            match_id: 42,
            mode: "ladder".into(),
            relaxed: false,
            started_at_ms: now - 2 * day,
            finished_at_ms: now - 2 * day,
            outcome: "completed".into(),
            winner_seat: Some(0),
            question_count: 5,
            players: vec![MatchPlayerResult {
                seat: 0,
                member_id: Some(m.id),
                bot_name: None,
                counted: true,
                rated: false,
                place: 1,
                points: 500,
                correct: 5,
                answer_ms_total: 10_000,
                forfeited: false,
                result: "win".into(),
                rating_before: 1500.0,
                rating_after: 1500.0,
                deviation_after: 350.0,
                volatility_after: 0.06,
                ladder: Some(LadderChange {
                    season_id: last.id,
                    tier_before: "gold".into(),
                    stars_before: 1,
                    tier_after: "gold".into(),
                    stars_after: 3,
                }),
                team: None,
            }],
            battle: None,
        }))
        .await
        .unwrap();
    env.server.settle().await;

    let mut c = m.connect().await;
    let (season, r) = queue(&mut c).await;
    assert!(season > last.id, "a new season runs");
    assert_eq!(rank_of(&r), rank(Tier::Silver, 1), "黄金 resets to 白银 1★");
    let raced = race(&mut c, &env.server.bank, 5).await;
    let mine = raced
        .over
        .standings
        .iter()
        .find(|s| s.seat == raced.started.seat)
        .unwrap();
    let ladder = mine.ladder.as_ref().unwrap();
    assert_eq!(ladder.season_id, season);
    assert_eq!(rank_of(&ladder.before), rank(Tier::Silver, 1));
    env.server.settle().await;
    // The new season starts where the last one ended; the last is kept.
    let seasons = app.stores.ladder.seasons().await.unwrap();
    let new = seasons.iter().find(|s| s.id == season).unwrap();
    assert_eq!(new.starts_at_ms, last.ends_at_ms);
    let kept = app
        .stores
        .ladder
        .ladder_rank(last.id, m.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((kept.tier.as_str(), kept.stars), ("gold", 3));
    let now_rank = app
        .stores
        .ladder
        .ladder_rank(season, m.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now_rank.tier, "silver");
    // Batched: this season's row when there is one, else the latest
    // before it.
    let latest = app
        .stores
        .ladder
        .latest_ladder_ranks(season, &[m.id])
        .await
        .unwrap();
    assert_eq!(latest[&m.id], now_rank);
    let before = app
        .stores
        .ladder
        .latest_ladder_ranks(last.id, &[m.id])
        .await
        .unwrap();
    assert_eq!(before[&m.id], kept);
    let previous = app
        .stores
        .ladder
        .previous_ladder_rank(season, m.id)
        .await
        .unwrap();
    assert_eq!(previous.as_ref(), Some(&kept));
    // Both seasons' boards answer.
    let past = m
        .get(&format!("/api/leaderboard?board=ladder&season={}", last.id))
        .await;
    assert_eq!(past["top"][0]["member_id"], m.id, "{past}");
    assert_eq!(past["top"][0]["ladder"]["tier"], "gold", "{past}");
    let gold = m
        .get(&format!(
            "/api/leaderboard?board=ladder_gold&season={}",
            last.id
        ))
        .await;
    assert_eq!(gold["ranked"], 1, "{gold}");
    let current = m.get("/api/ladder").await;
    assert_eq!(current["season"]["id"], season);
    assert_eq!(current["rank"]["tier"], "silver");
}

async fn ladder_requests_in_the_wrong_state_are_refused(backend: Backend) {
    let Some(env) = server(
        backend,
        "ladder_requests_in_the_wrong_state_are_refused",
        |_| {},
    )
    .await
    else {
        return;
    };
    let m = env.server.member("甲").await;
    let mut c = m.connect().await;
    c.send(&ClientMsg::LadderCancel).await;
    assert_eq!(c.expect_error().await.0, "not_queued");
    queue(&mut c).await;
    c.send(&ClientMsg::LadderQueue { relaxed: false }).await;
    assert_eq!(error_past_notices(&mut c).await, "already_queued");
    c.send(&ClientMsg::DuelQueue { relaxed: false }).await;
    assert_eq!(error_past_notices(&mut c).await, "already_queued");
    c.send_text(r#"{"type":"ladder_queue","relaxed":"yes"}"#)
        .await;
    assert_eq!(error_past_notices(&mut c).await, "bad_message");
    c.send(&ClientMsg::LadderCancel).await;
    // A "found so far" notice may come before the reply.
    loop {
        match c.recv().await {
            ServerMsg::LadderSearching { .. } => continue,
            ServerMsg::LadderCancelled => break,
            other => panic!("expected ladder_cancelled, got {other:?}"),
        }
    }
    // A closed connection leaves the queue: the member can queue again.
    queue(&mut c).await;
    drop(c);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut c = m.connect().await;
    queue(&mut c).await;
}

async fn a_member_alone_with_bots_who_leaves_ends_the_race(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_member_alone_with_bots_who_leaves_ends_the_race",
        |c| c.ladder.bot_fill_after = Duration::from_millis(200),
    )
    .await
    else {
        return;
    };
    let m = env.server.member("独行").await;
    let mut c = m.connect().await;
    let (season, _) = queue(&mut c).await;
    let (match_id, started, _) = until_started(&mut c).await;
    // Leaving during the countdown is a forfeit, not an abort.
    c.send(&ClientMsg::MatchLeave {
        match_id: match_id.clone(),
    })
    .await;
    let (_, over, _) = c
        .until_event(|b| match b {
            MatchBody::MatchOver(o) => Some(o.clone()),
            _ => None,
        })
        .await;
    assert_eq!(over.outcome, MatchOutcome::Forfeit, "no member is left");
    let mine = over
        .standings
        .iter()
        .find(|s| s.seat == started.seat)
        .unwrap();
    assert!(mine.forfeited);
    assert_eq!(mine.place, 4);
    assert_eq!(mine.ladder.as_ref().unwrap().stars, 0, "−1 at the floor");
    // The race is over: it is no longer announced, and the member may queue again.
    c.send(&ClientMsg::MatchAnswer {
        match_id,
        seq: 1,
        choice: vec![0],
    })
    .await;
    assert_eq!(c.expect_error().await.0, "forfeited");
    env.server.settle().await;
    let r = env
        .server
        .app()
        .stores
        .ladder
        .ladder_rank(season, m.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.races, r.firsts), (1, 0));
    let mut c = m.connect().await;
    queue(&mut c).await;
}

/// Without the database a member's rank cannot be read: the queue says so
/// and nothing else is disturbed; once it is back, racing works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ladder_refuses_to_queue_while_the_database_is_away() {
    let Some(db) =
        PgDatabase::create("the_ladder_refuses_to_queue_while_the_database_is_away").await
    else {
        return;
    };
    let url = db.url.clone();
    let server = dati_server(url).await;
    let m = server.member("甲").await;
    let mut c = m.connect().await;
    db.take_down().await;
    c.send(&ClientMsg::LadderQueue { relaxed: false }).await;
    assert_eq!(c.expect_error().await.0, "unavailable");
    // The connection is still good.
    c.send(&ClientMsg::LadderCancel).await;
    assert_eq!(c.expect_error().await.0, "not_queued");
    db.bring_back().await;
    queue(&mut c).await;
    let raced = race(&mut c, &server.bank, 5).await;
    assert_eq!(raced.over.outcome, MatchOutcome::Completed);
    drop(server);
    db.drop_database().await;
}

async fn dati_server(url: String) -> common::TestServer {
    common::TestServer::start_with(|c| {
        common::matches::quick(c);
        c.database_url = Some(url);
        c.ladder.bot_fill_after = Duration::from_millis(200);
    })
    .await
}

/// The next error's code, past any "found so far" notices.
async fn error_past_notices(c: &mut WsClient) -> String {
    loop {
        match c.recv().await {
            ServerMsg::LadderSearching { .. } => continue,
            ServerMsg::Error { code, .. } => {
                return serde_json::to_value(code)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned();
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

async fn a_hundred_races_at_once_all_finish_with_every_answer_stored(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_hundred_races_at_once_all_finish_with_every_answer_stored",
        |c| c.queue_capacity = 100_000,
    )
    .await
    else {
        return;
    };
    let bank = env.server.bank.clone();
    const RACES: usize = 100;
    let mut clients = Vec::new();
    for i in 0..RACES * 4 {
        let m = env.server.member(&format!("选手{i}")).await;
        let c = m.connect().await;
        clients.push((m, c));
    }
    let mut tasks = Vec::new();
    for (i, (m, mut c)) in clients.into_iter().enumerate() {
        let bank = bank.clone();
        tasks.push(tokio::spawn(async move {
            queue(&mut c).await;
            let raced = race(&mut c, &bank, (i % 6) as u32).await;
            (m.id, raced)
        }));
    }
    let mut by_match: HashMap<String, Vec<(i64, Raced)>> = HashMap::new();
    for t in tasks {
        let (id, raced) = t.await.unwrap();
        by_match
            .entry(raced.match_id.clone())
            .or_default()
            .push((id, raced));
    }
    assert_eq!(by_match.len(), RACES, "every member raced, four to a race");
    let mut expected_stars: HashMap<i64, i64> = HashMap::new();
    for (match_id, racers) in &by_match {
        assert_eq!(racers.len(), 4, "race {match_id}");
        let over = &racers[0].1.over;
        assert_eq!(over.outcome, MatchOutcome::Completed);
        let members: HashSet<i64> = racers.iter().map(|(id, _)| *id).collect();
        assert_eq!(members.len(), 4, "nobody races themself");
        for (id, r) in racers {
            assert_eq!(&r.over, over, "one result per race");
            let mine = over
                .standings
                .iter()
                .find(|s| s.seat == r.started.seat)
                .unwrap();
            let after = rank_of(&mine.ladder.as_ref().unwrap().after);
            expected_stars.insert(*id, i64::from(after.stars));
            assert_eq!(after.tier, Tier::Bronze);
        }
    }
    env.server.settle().await;
    let app = env.server.app();
    let mut answers = 0;
    for match_id in by_match.keys() {
        answers += env.server.stored_answers(match_id).await.len();
    }
    assert_eq!(answers, RACES * 4 * 5, "every answer stored");
    let season = app
        .duels
        .ladder
        .current_season(dati::rooms::wall_ms())
        .await
        .unwrap();
    let ranks = app.stores.ladder.ladder_ranks(season.id).await.unwrap();
    assert_eq!(ranks.len(), RACES * 4);
    for r in ranks {
        assert_eq!(Some(&r.stars), expected_stars.get(&r.member_id));
        assert_eq!(r.races, 1);
    }
}

// Every ladder test runs on the embedded default and on PostgreSQL.
common::on_both_backends!(
    four_members_race_and_move_stars_by_place,
    bots_fill_the_race_of_a_member_left_waiting,
    a_member_who_leaves_mid_race_places_last_and_the_others_race_on,
    a_dropped_racer_resumes_and_finishes,
    a_new_season_starts_from_the_soft_reset_and_keeps_the_last,
    ladder_requests_in_the_wrong_state_are_refused,
    a_member_alone_with_bots_who_leaves_ends_the_race,
    a_hundred_races_at_once_all_finish_with_every_answer_stored,
);
