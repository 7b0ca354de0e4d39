//! Duels over real websockets: queue, friend rooms, bots, reconnect,
//! forfeits, rematches, daily caps, and 200 at once.

mod common;

use std::time::Duration;

use common::matches::{Backend, Play, Played, expect_started, play_match, play_on, quick, server};
use common::{PgDatabase, TestServer, WsClient, right_choice};
use dati::ws::protocol::{
    ClientMsg, MatchBody, MatchEvent, MatchOutcome, MatchOverView, ServerMsg,
};

/// Two members, 甲 and 乙, connected and in the duel queue, in that order:
/// they meet at once.
async fn queued_pair(
    server: &TestServer,
) -> (common::TestMember, common::TestMember, WsClient, WsClient) {
    let (a, b) = (server.member("甲").await, server.member("乙").await);
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    queue(&mut ca).await;
    queue(&mut cb).await;
    (a, b, ca, cb)
}

async fn queue(c: &mut WsClient) {
    c.send(&ClientMsg::DuelQueue { relaxed: false }).await;
    match c.recv().await {
        ServerMsg::Queued { rating, .. } => assert!(rating > 0),
        other => panic!("expected queued, got {other:?}"),
    }
}

async fn two_members_meet_in_the_queue_and_play_a_full_duel(backend: Backend) {
    let Some(env) = server(
        backend,
        "two_members_meet_in_the_queue_and_play_a_full_duel",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (a, _b, mut ca, mut cb) = queued_pair(server).await;
    let (pa, pb) = tokio::join!(
        play_match(&mut ca, &server.bank, Play::Right),
        play_match(&mut cb, &server.bank, Play::Wrong)
    );
    assert_eq!(pa.match_id, pb.match_id);
    assert_ne!(pa.started.seat, pb.started.seat);
    assert!(pa.started.rated);
    assert_eq!(pa.started.players.len(), 2);
    assert!(pa.started.players.iter().all(|p| !p.is_bot));
    // The same questions, in the same order, for both.
    let ids = |p: &Played| -> Vec<String> {
        p.events
            .iter()
            .filter_map(|e| match &e.body {
                MatchBody::MatchQuestion { question, .. } => Some(question.id.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(ids(&pa), ids(&pb));
    assert_eq!(ids(&pa).len(), 5);
    // Versions count up by one, with no gaps, for each player.
    for p in [&pa, &pb] {
        let versions: Vec<u64> = p.events.iter().map(|e| e.version).collect();
        assert!(
            versions.windows(2).all(|w| w[1] == w[0] + 1),
            "{versions:?}"
        );
    }
    // Each saw the other's answers announced, never their content, before
    // each reveal.
    let opponent = pb.started.seat;
    let announced = pa
        .events
        .iter()
        .filter(|e| matches!(e.body, MatchBody::MatchAnswered { seat, .. } if seat == opponent))
        .count();
    assert_eq!(announced, 5);
    assert_eq!(pa.over.outcome, MatchOutcome::Completed);
    assert_eq!(pa.over, pb.over, "both see the same result");
    assert_eq!(pa.over.winner_seat, Some(pa.started.seat));
    let mine = &pa.over.standings[0];
    assert_eq!(mine.seat, pa.started.seat);
    assert_eq!(mine.correct, 5);
    assert!(mine.rating_after > mine.rating_before);
    let theirs = &pa.over.standings[1];
    assert!(theirs.rating_after < theirs.rating_before);

    // Recorded: the match, both players, every answer, and the new ratings.
    server.settle().await;
    let id: i64 = pa.match_id.parse().unwrap();
    let stored = server
        .app()
        .stores
        .matches
        .stored_match(id)
        .await
        .unwrap()
        .expect("match stored");
    assert_eq!(stored.outcome.as_deref(), Some("completed"));
    assert_eq!(stored.players.len(), 2);
    assert_eq!(server.stored_answers(&pa.match_id).await.len(), 10);
    let rating = a.get("/api/me/duel").await;
    assert_eq!(rating["games"], 1);
    assert_eq!(rating["wins"], 1);
    let board = a
        .get("/api/leaderboard?board=duel_rating&period=all_time")
        .await;
    assert_eq!(board["top"][0]["member_id"], a.id, "{board}");
    let points = a.get("/api/leaderboard?board=duel&period=day").await;
    assert_eq!(points["top"][0]["member_id"], a.id, "{points}");
}

async fn a_friend_joins_a_room_by_its_code(backend: Backend) {
    let Some(env) = server(backend, "a_friend_joins_a_room_by_its_code", |_| {}).await else {
        return;
    };
    let server = &env.server;
    let (a, b, c) = (
        server.member("房主").await,
        server.member("好友").await,
        server.member("路人").await,
    );
    let (mut ca, mut cb, mut cc) = (a.connect().await, b.connect().await, c.connect().await);
    ca.send(&ClientMsg::RoomCreate { relaxed: false }).await;
    let code = match ca.recv().await {
        ServerMsg::RoomCreated {
            code,
            path,
            expires_in_ms,
        } => {
            assert_eq!(code.len(), 6);
            assert_eq!(path, format!("/#/room/{code}"));
            assert_eq!(expires_in_ms, 600_000);
            code
        }
        other => panic!("expected room_created, got {other:?}"),
    };
    // The owner cannot join their own room, nor queue meanwhile.
    ca.send(&ClientMsg::RoomJoin { code: code.clone() }).await;
    assert_eq!(ca.expect_error().await.0, "own_room");
    ca.send(&ClientMsg::DuelQueue { relaxed: false }).await;
    assert_eq!(ca.expect_error().await.0, "already_queued");
    cb.send(&ClientMsg::RoomJoin {
        code: "ZZZZZZ".into(),
    })
    .await;
    assert_eq!(cb.expect_error().await.0, "room_not_found");
    // Codes are case-insensitive.
    cb.send(&ClientMsg::RoomJoin {
        code: code.to_lowercase(),
    })
    .await;
    let (pa, pb) = tokio::join!(
        play_match(&mut ca, &server.bank, Play::Wrong),
        play_match(&mut cb, &server.bank, Play::Right)
    );
    assert_eq!(pa.match_id, pb.match_id);
    assert_eq!(pb.over.winner_seat, Some(pb.started.seat));
    // A third member finds the room taken.
    cc.send(&ClientMsg::RoomJoin { code }).await;
    assert_eq!(cc.expect_error().await.0, "room_full");
}

async fn an_unused_room_code_expires(backend: Backend) {
    let Some(env) = server(backend, "an_unused_room_code_expires", |c| {
        c.duel.room_ttl = Duration::from_millis(300)
    })
    .await
    else {
        return;
    };
    let server = &env.server;
    let (a, b) = (server.member("甲").await, server.member("乙").await);
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    ca.send(&ClientMsg::RoomCreate { relaxed: false }).await;
    let ServerMsg::RoomCreated { code, .. } = ca.recv().await else {
        panic!("expected room_created");
    };
    match ca.recv().await {
        ServerMsg::RoomExpired { code: c } => assert_eq!(c, code),
        other => panic!("expected room_expired, got {other:?}"),
    }
    cb.send(&ClientMsg::RoomJoin { code }).await;
    assert_eq!(cb.expect_error().await.0, "room_not_found");
    // The owner may queue again.
    queue(&mut ca).await;
}

async fn a_lone_player_is_offered_a_labelled_bot_that_moves_no_rating(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_lone_player_is_offered_a_labelled_bot_that_moves_no_rating",
        |c| c.duel.bot_after = Duration::from_millis(300),
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let a = server.member("独行").await;
    let mut ca = a.connect().await;
    ca.send(&ClientMsg::DuelAcceptBot).await;
    assert_eq!(ca.expect_error().await.0, "no_bot_offered");
    queue(&mut ca).await;
    match ca.recv().await {
        ServerMsg::BotOffered { waited_ms } => assert!(waited_ms >= 300),
        other => panic!("expected bot_offered, got {other:?}"),
    }
    ca.send(&ClientMsg::DuelAcceptBot).await;
    let played = play_match(&mut ca, &server.bank, Play::Right).await;
    assert!(!played.started.rated);
    let bot = played
        .started
        .players
        .iter()
        .find(|p| p.is_bot)
        .expect("a bot seat");
    assert!(bot.nickname.contains("机器人"), "{}", bot.nickname);
    assert_eq!(bot.member_id, None);
    assert!(!played.over.rated);
    for s in &played.over.standings {
        assert_eq!(s.rating_after, s.rating_before);
    }
    // The bot answered: each reveal shows both seats.
    let reveals: Vec<_> = played
        .events
        .iter()
        .filter_map(|e| match &e.body {
            MatchBody::MatchReveal(r) => Some(r.results.len()),
            _ => None,
        })
        .collect();
    assert_eq!(reveals, [2, 2, 2, 2, 2]);
    server.settle().await;
    let stored = server
        .app()
        .stores
        .matches
        .stored_match(played.match_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.players.iter().any(|p| p.bot_name.is_some()));
    assert_eq!(server.stored_answers(&played.match_id).await.len(), 5);
    assert_eq!(a.get("/api/me/duel").await["games"], 0);
}

/// Reads until the next question is shown and its clock runs (loading
/// its media first if it has any).
async fn open_question(c: &mut WsClient, match_id: &str) -> dati::ws::protocol::QuestionView {
    let (_, (seq, question, waits), _) = c
        .until_event(|b| match b {
            MatchBody::MatchQuestion {
                seq,
                question,
                waits_for_media,
                ..
            } => Some((*seq, question.clone(), *waits_for_media)),
            _ => None,
        })
        .await;
    if waits {
        c.send(&ClientMsg::MatchMediaReady {
            match_id: match_id.into(),
            seq,
        })
        .await;
        c.until_event(|b| matches!(b, MatchBody::MatchClock { .. }).then_some(()))
            .await;
    }
    question
}

/// Reads until the match is over: the events on the way and the result.
async fn until_over(c: &mut WsClient) -> (Vec<MatchEvent>, MatchOverView, u64) {
    c.until_event(|b| match b {
        MatchBody::MatchOver(o) => Some(o.clone()),
        _ => None,
    })
    .await
}

/// Reads until question `seq` is shown, answering nothing.
async fn until_question(c: &mut WsClient, seq: u32) -> u64 {
    let (_, _, version) = c
        .until_event(|b| match b {
            MatchBody::MatchQuestion { seq: s, .. } if *s == seq => Some(()),
            _ => None,
        })
        .await;
    version
}

async fn a_player_who_drops_mid_question_resumes_with_nothing_lost(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_player_who_drops_mid_question_resumes_with_nothing_lost",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (a, _b, mut ca, mut cb) = queued_pair(server).await;
    let (match_id, started_a, _) = expect_started(&mut ca).await;
    // A plays question 1, then question 2 appears and A's phone drops.
    let bank = server.bank.clone();
    let b_task = tokio::spawn(async move {
        let played = play_match(&mut cb, &bank, Play::Wrong).await;
        (played, cb)
    });
    let question = open_question(&mut ca, &match_id).await;
    ca.send(&ClientMsg::MatchAnswer {
        match_id: match_id.clone(),
        seq: 1,
        choice: right_choice(&server.bank, &question),
    })
    .await;
    let seen = until_question(&mut ca, 2).await;
    drop(ca);

    // Back within the grace period: the hello names the match.
    let mut ca = reconnect_expecting(&a, Some(&match_id)).await;
    ca.send(&ClientMsg::MatchResume {
        match_id: match_id.clone(),
        last_version: seen,
    })
    .await;
    // Missed events (if any) are replayed, then the clock is given.
    let (replayed, remaining, _) = ca
        .until_event(|b| match b {
            MatchBody::MatchResumed { remaining_ms } => Some(*remaining_ms),
            _ => None,
        })
        .await;
    assert!(replayed.iter().all(|e| e.version > seen));
    let remaining = remaining.expect("question 2 is still open");
    assert!(remaining > 0 && remaining <= 60_000);
    // A client that lost its state asks for a snapshot instead.
    ca.send(&ClientMsg::MatchResume {
        match_id: match_id.clone(),
        last_version: 0,
    })
    .await;
    // Live events (the opponent answering, say) may come first.
    let (_, snapshot, _) = ca
        .until_event(|b| match b {
            MatchBody::MatchSnapshot(s) => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(snapshot.seq, 2);
    assert_eq!(snapshot.your_choice, None);
    assert_eq!(snapshot.started.seat, started_a.seat);
    let question = snapshot.question.expect("the open question");
    match snapshot.phase.as_str() {
        "question" => {}
        "loading" => {
            ca.send(&ClientMsg::MatchMediaReady {
                match_id: match_id.clone(),
                seq: 2,
            })
            .await;
            ca.until_event(|b| matches!(b, MatchBody::MatchClock { .. }).then_some(()))
                .await;
        }
        other => panic!("question 2 should be open, the phase is {other}"),
    }
    ca.send(&ClientMsg::MatchAnswer {
        match_id: match_id.clone(),
        seq: 2,
        choice: right_choice(&server.bank, &question),
    })
    .await;
    let rest = play_on(
        &mut ca,
        &server.bank,
        Play::Right,
        match_id.clone(),
        started_a,
    )
    .await;
    let (pb, _) = b_task.await.unwrap();
    assert_eq!(rest.over, pb.over);
    assert_eq!(rest.over.outcome, MatchOutcome::Completed);
    // B saw A go and come back.
    let presence: Vec<bool> = pb
        .events
        .iter()
        .filter_map(|e| match e.body {
            MatchBody::MatchPresence { connected, .. } => Some(connected),
            _ => None,
        })
        .collect();
    assert_eq!(presence, [false, true]);
    // Coming back after the end: one event behind, the result is replayed;
    // further behind, a snapshot carries it.
    let over_version = rest.events.last().expect("match_over").version;
    ca.send(&ClientMsg::MatchResume {
        match_id: match_id.clone(),
        last_version: over_version - 1,
    })
    .await;
    // Rematch notices (B has gone) may come on the way.
    let mut replayed = Vec::new();
    loop {
        match ca.recv().await {
            ServerMsg::Match(e) if matches!(e.body, MatchBody::MatchResumed { .. }) => break,
            ServerMsg::Match(e) => replayed.push(e),
            _ => {}
        }
    }
    assert!(
        matches!(replayed.as_slice(), [e] if e.version == over_version
            && matches!(&e.body, MatchBody::MatchOver(over) if *over == rest.over)),
        "{replayed:?}"
    );
    ca.send(&ClientMsg::MatchResume {
        match_id: match_id.clone(),
        last_version: 2,
    })
    .await;
    let snapshot = loop {
        if let ServerMsg::Match(MatchEvent {
            body: MatchBody::MatchSnapshot(s),
            ..
        }) = ca.recv().await
        {
            break s;
        }
    };
    assert_eq!(snapshot.phase, "over");
    assert_eq!(snapshot.over.as_ref(), Some(&rest.over));
    // Every answer of both players is stored: nothing was lost.
    server.settle().await;
    let answers = server.stored_answers(&match_id).await;
    assert_eq!(answers.len(), 10);
    let a_right = answers
        .iter()
        .filter(|x| x.member_id == a.id && x.correct)
        .count();
    assert!(
        a_right >= 4,
        "A answered questions 1 and 2–5 right: {a_right}"
    );
}

/// Opens a new connection for `member` and checks that its hello names
/// the match still running (or none).
async fn reconnect_expecting(member: &common::TestMember, match_id: Option<&str>) -> WsClient {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/ws", member.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", member.cookie.parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut c = WsClient { socket };
    match c.recv().await {
        ServerMsg::Hello { active_match, .. } => {
            assert_eq!(active_match.as_ref().map(|m| m.match_id.as_str()), match_id);
            if let Some(active) = active_match {
                assert_eq!(active.mode, "duel");
            }
        }
        other => panic!("expected hello, got {other:?}"),
    }
    c
}

async fn a_player_gone_past_the_grace_period_forfeits(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_player_gone_past_the_grace_period_forfeits",
        |c| c.duel.grace = Duration::from_millis(400),
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (a, _b, mut ca, mut cb) = queued_pair(server).await;
    let (match_id, _, _) = expect_started(&mut ca).await;
    let (_, started_b, _) = expect_started(&mut cb).await;
    let q = open_question(&mut ca, &match_id).await;
    // A answers (so this is past the abort window) and vanishes.
    ca.send(&ClientMsg::MatchAnswer {
        match_id: match_id.clone(),
        seq: 1,
        choice: right_choice(&server.bank, &q),
    })
    .await;
    ca.until_event(|b| matches!(b, MatchBody::MatchAnswered { .. }).then_some(()))
        .await;
    drop(ca);
    let (seen, over, _) = until_over(&mut cb).await;
    assert!(seen.iter().any(|e| matches!(
        e.body,
        MatchBody::MatchPresence {
            connected: false,
            grace_ms: 400,
            ..
        }
    )));
    assert_eq!(over.outcome, MatchOutcome::Forfeit);
    assert_eq!(over.winner_seat, Some(started_b.seat));
    let gone = over.standings.iter().find(|s| s.forfeited).unwrap();
    assert_ne!(gone.seat, started_b.seat);
    // A comes back too late: the match is over and cannot be played on.
    let mut ca = a.connect().await;
    ca.send(&ClientMsg::MatchAnswer {
        match_id: match_id.clone(),
        seq: 1,
        choice: vec![0],
    })
    .await;
    assert_eq!(ca.expect_error().await.0, "not_in_match");
    server.settle().await;
    let stored = server
        .app()
        .stores
        .matches
        .stored_match(match_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.outcome.as_deref(), Some("forfeit"));
}

async fn leaving_before_any_answer_aborts_without_a_result(backend: Backend) {
    let Some(env) = server(
        backend,
        "leaving_before_any_answer_aborts_without_a_result",
        |c| c.duel.countdown = Duration::from_millis(500),
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (a, _b, mut ca, mut cb) = queued_pair(server).await;
    let (match_id, _, _) = expect_started(&mut ca).await;
    ca.send(&ClientMsg::MatchLeave {
        match_id: match_id.clone(),
    })
    .await;
    let over = until_over(&mut ca).await.1;
    assert_eq!(over.outcome, MatchOutcome::Aborted);
    assert_eq!(over.winner_seat, None);
    assert!(!over.rated);
    let over_b = until_over(&mut cb).await.1;
    assert_eq!(over_b, over);
    // Both may queue again at once.
    queue(&mut ca).await;
    server.settle().await;
    assert_eq!(a.get("/api/me/duel").await["games"], 0);
}

async fn a_forfeited_player_is_told_so_and_others_matches_are_untouched(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_forfeited_player_is_told_so_and_others_matches_are_untouched",
        // A long countdown: the refusals below arrive before question 1.
        |c| c.duel.countdown = Duration::from_millis(1500),
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let members = [
        server.member("甲").await,
        server.member("乙").await,
        server.member("丙").await,
        server.member("丁").await,
    ];
    let mut clients = Vec::new();
    for m in &members {
        clients.push(m.connect().await);
    }
    let mut cd = clients.pop().unwrap();
    let mut cc = clients.pop().unwrap();
    let mut cb = clients.pop().unwrap();
    let mut ca = clients.pop().unwrap();
    // A and B meet first; C and D after.
    queue(&mut ca).await;
    queue(&mut cb).await;
    let (ab, _, _) = expect_started(&mut ca).await;
    let (_, _, _) = expect_started(&mut cb).await;
    queue(&mut cc).await;
    queue(&mut cd).await;
    let bank = server.bank.clone();
    let other = tokio::spawn(async move {
        let bank2 = bank.clone();
        let (c, d) = tokio::join!(
            play_match(&mut cc, &bank, Play::Right),
            play_match(&mut cd, &bank2, Play::Right)
        );
        (c.over, d.over)
    });
    // A answers something for a match it does not play.
    ca.send(&ClientMsg::MatchAnswer {
        match_id: "12345".into(),
        seq: 1,
        choice: vec![0],
    })
    .await;
    assert_eq!(ca.expect_error().await.0, "not_in_match");
    ca.send(&ClientMsg::MatchAnswer {
        match_id: "not a number".into(),
        seq: 1,
        choice: vec![0],
    })
    .await;
    assert_eq!(ca.expect_error().await.0, "not_in_match");
    // A second queue entry while playing.
    ca.send(&ClientMsg::DuelQueue { relaxed: false }).await;
    assert_eq!(ca.expect_error().await.0, "already_queued");
    // B keeps up with question 1 (loading its media, if it has any), so
    // that its clock can start for A too.
    let ab_for_b = ab.clone();
    let b_side = tokio::spawn(async move {
        open_question(&mut cb, &ab_for_b).await;
        cb
    });
    // A answers question 1 and then resigns.
    let q = open_question(&mut ca, &ab).await;
    ca.send(&ClientMsg::MatchAnswer {
        match_id: ab.clone(),
        seq: 1,
        choice: right_choice(&server.bank, &q),
    })
    .await;
    ca.send(&ClientMsg::MatchLeave {
        match_id: ab.clone(),
    })
    .await;
    let over = until_over(&mut ca).await.1;
    assert_eq!(over.outcome, MatchOutcome::Forfeit);
    // Anything A sends to that match now is refused with a reason.
    ca.send(&ClientMsg::MatchAnswer {
        match_id: ab.clone(),
        seq: 2,
        choice: vec![0],
    })
    .await;
    assert_eq!(ca.expect_error().await.0, "forfeited");
    // Malformed duel messages keep the socket open.
    ca.send_text(r#"{"type":"match_answer","match_id":5,"seq":1,"choice":[0]}"#)
        .await;
    assert_eq!(ca.expect_error().await.0, "bad_message");
    let (c_over, d_over) = other.await.unwrap();
    assert_eq!(c_over.outcome, MatchOutcome::Completed);
    assert_eq!(c_over, d_over);
    drop(b_side.await.unwrap());
}

async fn both_players_asking_for_a_rematch_start_a_new_match(backend: Backend) {
    let Some(env) = server(
        backend,
        "both_players_asking_for_a_rematch_start_a_new_match",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (_a, _b, mut ca, mut cb) = queued_pair(server).await;
    let (pa, _) = tokio::join!(
        play_match(&mut ca, &server.bank, Play::Right),
        play_match(&mut cb, &server.bank, Play::Right)
    );
    ca.send(&ClientMsg::Rematch {
        match_id: pa.match_id.clone(),
    })
    .await;
    match cb.recv().await {
        ServerMsg::RematchOffered { match_id } => assert_eq!(match_id, pa.match_id),
        other => panic!("expected rematch_offered, got {other:?}"),
    }
    cb.send(&ClientMsg::Rematch {
        match_id: pa.match_id.clone(),
    })
    .await;
    let (new_a, _, _) = expect_started(&mut ca).await;
    let (new_b, _, _) = expect_started(&mut cb).await;
    assert_eq!(new_a, new_b);
    assert_ne!(new_a, pa.match_id);
    // An unknown match has no rematch.
    let mut cc = server.member("丙").await.connect().await;
    cc.send(&ClientMsg::Rematch {
        match_id: pa.match_id.clone(),
    })
    .await;
    assert_eq!(cc.expect_error().await.0, "rematch_unavailable");
}

async fn duels_past_the_daily_cap_are_played_but_not_counted(backend: Backend) {
    let Some(env) = server(
        backend,
        "duels_past_the_daily_cap_are_played_but_not_counted",
        |c| c.duel.daily_cap = Some(1),
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (a, b) = (server.member("甲").await, server.member("乙").await);
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    for round in 0..2 {
        queue(&mut ca).await;
        queue(&mut cb).await;
        let (pa, pb) = tokio::join!(
            play_match(&mut ca, &server.bank, Play::Right),
            play_match(&mut cb, &server.bank, Play::Wrong)
        );
        assert_eq!(pa.started.rated, round == 0, "round {round}");
        assert_eq!(pa.over.rated, round == 0);
        server.settle().await;
        let answers = server.stored_answers(&pb.match_id).await;
        let mode = if round == 0 { "duel" } else { "duel_casual" };
        assert!(answers.iter().all(|x| x.mode == mode), "round {round}");
    }
    let rating = a.get("/api/me/duel").await;
    assert_eq!(rating["games"], 1);
}

async fn two_hundred_duels_at_once_all_finish_consistently_with_every_answer_stored(
    backend: Backend,
) {
    let Some(env) = server(
        backend,
        "two_hundred_duels_at_once_all_finish_consistently_with_every_answer_stored",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let mut members = Vec::new();
    for i in 0..400 {
        members.push(server.member(&format!("玩家{i}")).await);
    }
    let mut tasks = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let mut c = m.connect().await;
        let bank = server.bank.clone();
        tasks.push(tokio::spawn(async move {
            queue(&mut c).await;
            let how = if i % 3 == 0 { Play::Wrong } else { Play::Right };
            play_match(&mut c, &bank, how).await
        }));
    }
    let mut by_match: std::collections::HashMap<String, Vec<Played>> = Default::default();
    for t in tasks {
        let p = t.await.unwrap();
        by_match.entry(p.match_id.clone()).or_default().push(p);
    }
    assert_eq!(by_match.len(), 200);
    for (id, players) in &by_match {
        assert_eq!(players.len(), 2, "match {id}");
        assert_eq!(players[0].over, players[1].over, "match {id}");
        assert_eq!(players[0].over.outcome, MatchOutcome::Completed);
        let points: u64 = players[0].over.standings.iter().map(|s| s.points).sum();
        let revealed: u64 = players[0]
            .events
            .iter()
            .filter_map(|e| match &e.body {
                MatchBody::MatchReveal(r) if r.seq == 5 => {
                    Some(r.results.iter().map(|x| x.total_points).sum::<u64>())
                }
                _ => None,
            })
            .sum();
        assert_eq!(points, revealed, "match {id}");
    }
    server.settle().await;
    assert_eq!(
        server.app().stores.answers.count_answers().await.unwrap(),
        2000
    );
}

async fn a_shutdown_mid_duel_ends_it_and_keeps_every_answer(backend: Backend) {
    let Some(mut env) = server(
        backend,
        "a_shutdown_mid_duel_ends_it_and_keeps_every_answer",
        |_| {},
    )
    .await
    else {
        return;
    };
    let (a, _b, mut ca, cb) = queued_pair(&env.server).await;
    let (match_id, _, _) = expect_started(&mut ca).await;
    let q = open_question(&mut ca, &match_id).await;
    ca.send(&ClientMsg::MatchAnswer {
        match_id: match_id.clone(),
        seq: 1,
        choice: right_choice(&env.server.bank, &q),
    })
    .await;
    ca.until_event(|b| matches!(b, MatchBody::MatchAnswered { .. }).then_some(()))
        .await;
    env.server.stop().await;
    // The sockets were told why they closed.
    let (code, _) = ca.closed().await;
    assert!(code == 1001, "close code {code}");
    let stored = env
        .server
        .app()
        .stores
        .matches
        .stored_match(match_id.parse().unwrap())
        .await
        .unwrap()
        .expect("the match was written before the server stopped");
    assert_eq!(stored.outcome.as_deref(), Some("aborted"));
    let answers = env.server.stored_answers(&match_id).await;
    assert!(answers.iter().any(|x| x.member_id == a.id && x.correct));
    drop(cb);
}

async fn a_rematch_offer_ends_when_the_opponent_leaves(backend: Backend) {
    let Some(env) = server(
        backend,
        "a_rematch_offer_ends_when_the_opponent_leaves",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let (_a, b, mut ca, mut cb) = queued_pair(server).await;
    let (pa, _) = tokio::join!(
        play_match(&mut ca, &server.bank, Play::Right),
        play_match(&mut cb, &server.bank, Play::Wrong)
    );
    ca.send(&ClientMsg::Rematch {
        match_id: pa.match_id.clone(),
    })
    .await;
    assert!(matches!(cb.recv().await, ServerMsg::RematchOffered { .. }));
    drop(cb);
    match ca.recv().await {
        ServerMsg::RematchUnavailable { match_id } => assert_eq!(match_id, pa.match_id),
        other => panic!("expected rematch_unavailable, got {other:?}"),
    }
    // B comes back: the finished match is not announced as running.
    let _cb = reconnect_expecting(&b, None).await;
}

/// While the database is away and answers pile up, no new match starts
/// (so nothing piles up without bound behind the running ones); once the
/// queue drains, duels start again and nothing recorded was lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_duels_wait_while_the_answer_queue_is_backed_up() {
    let Some(db) = PgDatabase::create("new_duels_wait_while_the_answer_queue_is_backed_up").await
    else {
        return;
    };
    let url = db.url.clone();
    let server = TestServer::start_with(|c| {
        quick(c);
        c.database_url = Some(url);
        c.queue_capacity = 8;
    })
    .await;
    let (a, b) = (server.member("甲").await, server.member("乙").await);
    let (mut ca, mut cb) = (a.connect().await, b.connect().await);
    db.take_down().await;
    // A practice set's start, answers and end: more than half of 8.
    let (set_id, total) = ca.start_practice(None, 5).await;
    ca.play_set(&server.bank, total, |_| true).await;
    assert!(server.app().queue.is_backed_up());
    cb.send(&ClientMsg::DuelQueue { relaxed: false }).await;
    assert_eq!(cb.expect_error().await.0, "unavailable");
    cb.send(&ClientMsg::RoomCreate { relaxed: false }).await;
    assert_eq!(cb.expect_error().await.0, "unavailable");
    db.bring_back().await;
    server.settle().await;
    assert_eq!(server.stored_answers(&set_id).await.len(), 5);
    queue(&mut ca).await;
    queue(&mut cb).await;
    let (pa, pb) = tokio::join!(
        play_match(&mut ca, &server.bank, Play::Right),
        play_match(&mut cb, &server.bank, Play::Wrong)
    );
    assert_eq!(pa.over, pb.over);
    drop(server);
    db.drop_database().await;
}

// Every duel test runs on the embedded default and on PostgreSQL.
common::on_both_backends!(
    a_rematch_offer_ends_when_the_opponent_leaves,
    a_shutdown_mid_duel_ends_it_and_keeps_every_answer,
    two_members_meet_in_the_queue_and_play_a_full_duel,
    a_friend_joins_a_room_by_its_code,
    an_unused_room_code_expires,
    a_lone_player_is_offered_a_labelled_bot_that_moves_no_rating,
    a_player_who_drops_mid_question_resumes_with_nothing_lost,
    a_player_gone_past_the_grace_period_forfeits,
    leaving_before_any_answer_aborts_without_a_result,
    a_forfeited_player_is_told_so_and_others_matches_are_untouched,
    both_players_asking_for_a_rematch_start_a_new_match,
    duels_past_the_daily_cap_are_played_but_not_counted,
    two_hundred_duels_at_once_all_finish_consistently_with_every_answer_stored,
);
