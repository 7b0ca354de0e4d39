//! One conformance suite for the storage traits, run against SQLite and
//! against PostgreSQL (a fresh database per test; skipped, saying so, when
//! `DATABASE_URL` is unset).

mod common;

use common::PgDatabase;
use dati::domain::notebook::BOX_INTERVALS_MS;
use dati::store::{
    AnswerRecord, DuelRating, LadderChange, MatchEnd, MatchPlayerResult, MatchQuestion, MatchSeat,
    MatchStart, SessionEnd, SessionStart, Stores, WriteOp, sql,
};

const T0: i64 = 1_796_000_000_000;

fn start(session_id: i64, member_id: i64) -> WriteOp {
    WriteOp::SessionStarted(SessionStart {
        session_id,
        member_id,
        mode: "practice".into(),
        history: Some("party".into()),
        difficulty: None,
        relaxed: false,
        planned: 5,
        started_at_ms: T0,
    })
}

fn answer(
    session_id: i64,
    member_id: i64,
    question: &str,
    correct: bool,
    points: i64,
    at: i64,
) -> AnswerRecord {
    AnswerRecord {
        session_id,
        question_id: question.into(),
        question_version: 1,
        member_id,
        history: "party".into(),
        mode: "practice".into(),
        choice: if points >= 0 { Some("B".into()) } else { None },
        correct,
        answer_ms: 3000,
        points,
        answered_at_ms: at,
        member_rating: Some(1516.0),
        question_rating: 1296.0,
    }
}

fn seat(seat: i64, member_id: Option<i64>, counted: bool, rated: bool) -> MatchSeat {
    MatchSeat {
        seat,
        member_id,
        bot_name: member_id.is_none().then(|| "小明".to_string()),
        counted,
        rated,
        rating_before: 1500.0,
    }
}

fn match_start(match_id: i64, at: i64, players: Vec<MatchSeat>) -> WriteOp {
    WriteOp::MatchStarted(MatchStart {
        match_id,
        mode: "duel".into(),
        relaxed: false,
        started_at_ms: at,
        questions: vec![
            MatchQuestion {
                seq: 0,
                question_id: "duel-001".into(),
                question_version: 1,
            },
            MatchQuestion {
                seq: 1,
                question_id: "duel-002".into(),
                question_version: 3,
            },
        ],
        players,
    })
}

fn outcome(s: &MatchSeat, place: i64, result: &str, rating_after: f64) -> MatchPlayerResult {
    MatchPlayerResult {
        seat: s.seat,
        member_id: s.member_id,
        bot_name: s.bot_name.clone(),
        counted: s.counted,
        rated: s.rated,
        place,
        points: if result == "win" { 1800 } else { 900 },
        correct: if result == "win" { 2 } else { 1 },
        answer_ms_total: 6000,
        forfeited: false,
        result: result.into(),
        rating_before: s.rating_before,
        rating_after,
        deviation_after: if s.rated { 290.0 } else { 350.0 },
        volatility_after: 0.06,
        ladder: None,
        team: None,
    }
}

fn match_end(
    match_id: i64,
    started: i64,
    finished: i64,
    winner_seat: Option<i64>,
    players: Vec<MatchPlayerResult>,
) -> MatchEnd {
    MatchEnd {
        match_id,
        mode: "duel".into(),
        relaxed: false,
        started_at_ms: started,
        finished_at_ms: finished,
        outcome: "completed".into(),
        winner_seat,
        question_count: 2,
        players,
        battle: None,
    }
}

fn duel_answer(
    match_id: i64,
    member_id: i64,
    question: &str,
    correct: bool,
    answer_ms: i64,
    at: i64,
) -> WriteOp {
    WriteOp::Answer(AnswerRecord {
        mode: "duel".into(),
        member_rating: None,
        answer_ms,
        ..answer(
            match_id,
            member_id,
            question,
            correct,
            if correct { 900 } else { 0 },
            at,
        )
    })
}

/// Duels: matches, their results and the duel ratings they move. Runs after
/// the practice part of the suite, with its two members.
async fn match_suite(stores: &Stores, a: i64, b: i64) {
    let t = T0 + 10_000;
    let a_rating = stores.members.member(a).await.unwrap().unwrap().rating;
    assert!(stores.matches.stored_match(100).await.unwrap().is_none());
    assert!(stores.matches.duel_rating(a).await.unwrap().is_none());

    // Start, answers and end in one batch: a round trip.
    let (sa, sb) = (seat(0, Some(a), true, true), seat(1, Some(b), true, true));
    let end = match_end(
        100,
        t,
        t + 60_000,
        Some(0),
        vec![
            outcome(&sa, 1, "win", 1662.4),
            outcome(&sb, 2, "loss", 1337.6),
        ],
    );
    let batch = vec![
        match_start(100, t, vec![sa.clone(), sb.clone()]),
        duel_answer(100, a, "duel-001", true, 2000, t + 10),
        duel_answer(100, b, "duel-001", false, 4000, t + 11),
        WriteOp::MatchFinished(end.clone()),
    ];
    assert_eq!(
        stores
            .answers
            .write_batch(&batch)
            .await
            .unwrap()
            .answers
            .len(),
        2
    );
    let stored = stores.matches.stored_match(100).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.id,
            stored.mode.as_str(),
            stored.relaxed,
            stored.started_at_ms
        ),
        (100, "duel", false, t)
    );
    assert_eq!(
        (
            stored.finished_at_ms,
            stored.outcome.as_deref(),
            stored.winner_seat,
            stored.question_count
        ),
        (Some(t + 60_000), Some("completed"), Some(0), 2)
    );
    assert_eq!(
        stored
            .questions
            .iter()
            .map(|q| (q.seq, q.question_id.as_str(), q.question_version))
            .collect::<Vec<_>>(),
        [(0, "duel-001", 1), (1, "duel-002", 3)]
    );
    assert_eq!(stored.players.len(), 2);
    let p0 = &stored.players[0];
    assert_eq!(
        (
            p0.seat,
            p0.member_id,
            p0.counted,
            p0.rated,
            p0.rating_before
        ),
        (0, Some(a), true, true, 1500.0)
    );
    assert_eq!(
        (
            p0.place,
            p0.points,
            p0.correct,
            p0.answer_ms_total,
            p0.forfeited
        ),
        (Some(1), Some(1800), Some(2), Some(6000), Some(false))
    );
    assert_eq!(
        (p0.result.as_deref(), p0.rating_after),
        (Some("win"), Some(1662.4))
    );
    assert_eq!(stored.players[1].result.as_deref(), Some("loss"));
    let duel_a = stores.matches.duel_rating(a).await.unwrap().unwrap();
    assert_eq!(
        duel_a,
        DuelRating {
            rating: 1662.4,
            deviation: 290.0,
            volatility: 0.06,
            games: 1,
            wins: 1,
            losses: 0,
            draws: 0,
            updated_at_ms: t + 60_000,
        }
    );
    assert_eq!(
        stores.matches.duel_rating(b).await.unwrap().unwrap().losses,
        1
    );
    // Batched for a queueing crowd: the same rows, and none for a member
    // who has not duelled.
    let batched = stores
        .matches
        .duel_ratings_of(&[a, b, i64::MAX])
        .await
        .unwrap();
    assert_eq!(batched.len(), 2);
    assert_eq!(batched[&a], duel_a);
    assert_eq!(batched[&b].losses, 1);
    // Duel answers leave the practice rating alone but count in question stats.
    assert_eq!(
        stores.members.member(a).await.unwrap().unwrap().rating,
        a_rating
    );
    let stats = stores.matches.question_stats().await.unwrap();
    let q = &stats["duel-001"];
    assert_eq!((q.attempts, q.correct, q.answer_ms_total), (2, 1, 6000));
    assert_eq!(stats["party-001"].answer_ms_total, 2 * 3000);

    // The same end again (a retried batch, a replayed spill) changes nothing.
    stores
        .answers
        .write_batch(&[WriteOp::MatchFinished(end.clone())])
        .await
        .unwrap();
    stores.answers.write_batch(&batch).await.unwrap();
    assert_eq!(
        stores.matches.duel_rating(a).await.unwrap().unwrap(),
        duel_a
    );
    assert_eq!(
        stores.matches.question_stats().await.unwrap()["duel-001"].attempts,
        2
    );

    // An end before its start, twice in one batch: applied once, and the
    // start that lands later fills in the questions without undoing it.
    let t2 = t + 100_000;
    let (sa2, sb2) = (seat(0, Some(a), true, true), seat(1, Some(b), true, true));
    let draw = match_end(
        101,
        t2,
        t2 + 50_000,
        None,
        vec![
            outcome(&sa2, 1, "draw", 1650.0),
            outcome(&sb2, 1, "draw", 1350.0),
        ],
    );
    stores
        .answers
        .write_batch(&[
            WriteOp::MatchFinished(draw.clone()),
            duel_answer(101, a, "duel-001", true, 1000, t2 + 10),
            WriteOp::MatchFinished(draw.clone()),
        ])
        .await
        .unwrap();
    let early = stores.matches.stored_match(101).await.unwrap().unwrap();
    assert!(early.questions.is_empty());
    assert_eq!(early.players[0].result.as_deref(), Some("draw"));
    stores
        .answers
        .write_batch(&[match_start(101, t2, vec![sa2, sb2])])
        .await
        .unwrap();
    let late = stores.matches.stored_match(101).await.unwrap().unwrap();
    assert_eq!(late.questions.len(), 2);
    assert_eq!(
        (
            late.finished_at_ms,
            late.winner_seat,
            late.players[0].result.as_deref(),
            late.players[0].rating_after
        ),
        (Some(t2 + 50_000), None, Some("draw"), Some(1650.0))
    );
    let duel_a = stores.matches.duel_rating(a).await.unwrap().unwrap();
    assert_eq!(
        (
            duel_a.rating,
            duel_a.games,
            duel_a.wins,
            duel_a.draws,
            duel_a.updated_at_ms
        ),
        (1650.0, 2, 1, 1, t2 + 50_000)
    );
    assert_eq!(
        stores.matches.question_stats().await.unwrap()["duel-001"].answer_ms_total,
        7000
    );

    // Against a bot: counted, not rated; the bot has a name and no member.
    let t3 = t2 + 100_000;
    let (sa3, bot) = (seat(0, Some(a), true, false), seat(1, None, true, false));
    stores
        .answers
        .write_batch(&[
            match_start(102, t3, vec![sa3.clone(), bot.clone()]),
            WriteOp::MatchFinished(match_end(
                102,
                t3,
                t3 + 40_000,
                Some(1),
                vec![
                    outcome(&sa3, 2, "loss", 1500.0),
                    outcome(&bot, 1, "win", 1500.0),
                ],
            )),
        ])
        .await
        .unwrap();
    let vs_bot = stores.matches.stored_match(102).await.unwrap().unwrap();
    assert_eq!(
        (
            vs_bot.players[1].member_id,
            vs_bot.players[1].bot_name.as_deref()
        ),
        (None, Some("小明"))
    );
    assert_eq!(
        stores.matches.duel_rating(a).await.unwrap().unwrap().games,
        2
    );

    // Past the daily cap: not counted. Only started, never finished.
    let t4 = t3 + 100_000;
    stores
        .answers
        .write_batch(&[match_start(
            103,
            t4,
            vec![seat(0, Some(a), false, false), seat(1, Some(b), true, true)],
        )])
        .await
        .unwrap();
    let unfinished = stores.matches.stored_match(103).await.unwrap().unwrap();
    assert_eq!(
        (
            unfinished.finished_at_ms,
            unfinished.outcome.clone(),
            unfinished.players[0].result.clone()
        ),
        (None, None, None)
    );
    assert_eq!(unfinished.players[0].points, None);
    assert!(!unfinished.players[0].counted);

    let counted = |member, mode: &'static str, since| {
        let stores = stores.clone();
        async move {
            stores
                .matches
                .counted_matches_since(member, mode, since)
                .await
                .unwrap()
        }
    };
    assert_eq!(counted(a, "duel", t).await, 3, "100, 101, 102 but not 103");
    assert_eq!(counted(a, "duel", t2).await, 2);
    assert_eq!(counted(a, "duel", t4).await, 0);
    assert_eq!(counted(b, "duel", t).await, 3, "100, 101, 103");
    assert_eq!(counted(a, "ladder", t).await, 0);

    // A late end of an older match adds to the record, not the rating.
    let old = match_end(
        99,
        T0,
        T0 + 1,
        Some(0),
        vec![outcome(&seat(0, Some(a), true, true), 1, "win", 1400.0)],
    );
    stores
        .answers
        .write_batch(&[WriteOp::MatchFinished(old)])
        .await
        .unwrap();
    let duel_a = stores.matches.duel_rating(a).await.unwrap().unwrap();
    assert_eq!(
        (
            duel_a.rating,
            duel_a.games,
            duel_a.wins,
            duel_a.updated_at_ms
        ),
        (1650.0, 3, 2, t2 + 50_000)
    );

    let rated = stores.matches.duel_ratings().await.unwrap();
    assert_eq!(
        rated
            .iter()
            .map(|(id, d)| (*id, d.rating, d.games))
            .collect::<Vec<_>>(),
        [(a, 1650.0, 3), (b, 1350.0, 2)]
    );
}

async fn suite(stores: Stores) {
    // Members.
    let a = stores
        .members
        .create_member("小王", "市南区", T0)
        .await
        .unwrap();
    let b = stores
        .members
        .create_member("老李", "崂山区", T0 + 1)
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(stores.members.member(a.id).await.unwrap().unwrap(), a);
    assert!(stores.members.member(999_999).await.unwrap().is_none());
    let mut both = stores.members.members(&[b.id, a.id]).await.unwrap();
    both.sort_by_key(|m| m.id);
    assert_eq!(both, vec![a.clone(), b.clone()]);
    assert!(stores.members.members(&[]).await.unwrap().is_empty());

    // A set with three answers, one wrong.
    let batch = vec![
        start(1, a.id),
        WriteOp::Answer(answer(1, a.id, "party-001", true, 900, T0 + 10)),
        WriteOp::Answer(answer(1, a.id, "party-002", false, 0, T0 + 20)),
        WriteOp::Answer(answer(1, a.id, "party-003", true, 1000, T0 + 30)),
        WriteOp::SessionFinished(SessionEnd {
            session_id: 1,
            finished_at_ms: T0 + 40,
            answered: 3,
            correct: 2,
            points: 1900,
            best_streak: 1,
            revive_used: false,
            completed: false,
        }),
    ];
    let inserted = stores.answers.write_batch(&batch).await.unwrap().answers;
    assert_eq!(inserted.len(), 3);

    // A retried batch changes nothing: the unique key makes it idempotent.
    assert!(
        stores
            .answers
            .write_batch(&batch)
            .await
            .unwrap()
            .answers
            .is_empty()
    );
    assert_eq!(stores.answers.count_answers().await.unwrap(), 3);
    let stored = stores.answers.session_answers(1).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored.iter().map(|s| s.points).sum::<i64>(), 1900);
    assert!(!stored[1].correct);

    // The miss went into the notebook, due at once; rating changes stuck.
    let notebook = stores.practice.notebook(a.id).await.unwrap();
    assert_eq!(notebook.len(), 1);
    assert_eq!(
        (
            notebook[0].question_id.as_str(),
            notebook[0].wrong_count,
            notebook[0].box_level
        ),
        ("party-002", 1, 0)
    );
    assert_eq!(notebook[0].due_at_ms, T0 + 20);
    assert_eq!(
        stores.members.member(a.id).await.unwrap().unwrap().rating,
        1516.0
    );
    let ratings = stores.answers.question_ratings().await.unwrap();
    assert_eq!(ratings.get("party-001"), Some(&1296.0));

    // A right answer later moves it a box up and a day out; a timeout
    // (no choice) is stored as a miss.
    let later = T0 + 1_000;
    let batch = vec![
        start(2, a.id),
        WriteOp::Answer(answer(2, a.id, "party-002", true, 800, later)),
        WriteOp::Answer(AnswerRecord {
            choice: None,
            ..answer(2, a.id, "party-004", false, 0, later + 1)
        }),
    ];
    assert_eq!(
        stores
            .answers
            .write_batch(&batch)
            .await
            .unwrap()
            .answers
            .len(),
        2
    );
    let notebook = stores.practice.notebook(a.id).await.unwrap();
    assert_eq!(notebook.len(), 2);
    assert_eq!(notebook[0].question_id, "party-004", "the due one first");
    let moved = notebook
        .iter()
        .find(|n| n.question_id == "party-002")
        .unwrap();
    assert_eq!(
        (moved.box_level, moved.due_at_ms),
        (1, later + BOX_INTERVALS_MS[0])
    );
    assert_eq!(
        stores.answers.session_answers(2).await.unwrap()[1].choice,
        None
    );

    // Statistics.
    let stats = stores.practice.member_stats(a.id).await.unwrap();
    assert_eq!((stats.answered, stats.correct, stats.points), (5, 3, 2700));
    assert_eq!((stats.sets_finished, stats.best_streak), (1, 1));
    assert_eq!(stats.mean_answer_ms, 3000.0);
    assert_eq!(stats.by_history.len(), 1);
    assert_eq!(
        (stats.by_history[0].answered, stats.by_history[0].correct),
        (5, 3)
    );
    let empty = stores.practice.member_stats(b.id).await.unwrap();
    assert_eq!(
        (empty.answered, empty.points, empty.sets_finished),
        (0, 0, 0)
    );

    let mut recent = stores
        .practice
        .recent_question_ids(a.id, T0 + 25)
        .await
        .unwrap();
    recent.sort();
    assert_eq!(recent, ["party-002", "party-003", "party-004"]);

    // Points for leaderboard rebuilds, with the time of the last score.
    let b_batch = vec![
        start(3, b.id),
        WriteOp::Answer(AnswerRecord {
            ..answer(3, b.id, "party-001", true, 5000, T0 + 50)
        }),
    ];
    stores.answers.write_batch(&b_batch).await.unwrap();
    let mut points = stores
        .answers
        .points_since(&["practice", "challenge", "review"], T0)
        .await
        .unwrap();
    points.sort_by_key(|p| p.member_id);
    assert_eq!(points.len(), 2);
    assert_eq!(
        (points[0].member_id, points[0].points, points[0].last_at_ms),
        (a.id, 2700, later)
    );
    assert_eq!((points[1].points, points[1].last_at_ms), (5000, T0 + 50));
    assert!(
        stores
            .answers
            .points_since(&["duel"], T0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stores
            .answers
            .points_since(&["practice"], later)
            .await
            .unwrap()
            .len(),
        1
    );

    // A large batch goes in several statements and one transaction.
    let bulk = |i: i64| {
        WriteOp::Answer(answer(
            4,
            b.id,
            &format!("bulk-{i}"),
            true,
            10,
            T0 + 100 + i,
        ))
    };
    let mut big = vec![start(4, b.id)];
    big.extend((0..1_200).map(bulk));
    assert_eq!(
        stores
            .answers
            .write_batch(&big)
            .await
            .unwrap()
            .answers
            .len(),
        1_200
    );
    assert_eq!(stores.answers.count_answers().await.unwrap(), 5 + 1 + 1_200);

    // Retried with five answers more: only those are new, whether their
    // chunk of the insert met stored answers or not.
    big.extend((1_200..1_205).map(bulk));
    let added: Vec<String> = stores
        .answers
        .write_batch(&big)
        .await
        .unwrap()
        .answers
        .into_iter()
        .map(|a| a.question_id)
        .collect();
    assert_eq!(
        added,
        (1_200..1_205)
            .map(|i| format!("bulk-{i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(stores.answers.count_answers().await.unwrap(), 5 + 1 + 1_205);

    // The same answer queued twice in one batch is one answer.
    let twice = vec![bulk(1_205), bulk(1_205)];
    assert_eq!(
        stores
            .answers
            .write_batch(&twice)
            .await
            .unwrap()
            .answers
            .len(),
        1
    );
    assert_eq!(stores.answers.count_answers().await.unwrap(), 5 + 1 + 1_206);
    stores.answers.ping().await.unwrap();

    match_suite(&stores, a.id, b.id).await;
    ladder_suite(&stores, a.id, b.id).await;
}

/// A ladder race's end for members `a` and `b` (places 1 and 3) and two bots.
fn race_end(match_id: i64, season_id: i64, finished: i64, a: i64, b: i64, stars: i64) -> WriteOp {
    let change = |before: i64, after: i64| LadderChange {
        season_id,
        tier_before: "bronze".into(),
        stars_before: before,
        tier_after: "bronze".into(),
        stars_after: after,
    };
    let mut players = vec![
        outcome(&seat(0, Some(a), true, true), 1, "win", 1600.0),
        outcome(&seat(1, None, false, false), 2, "loss", 1500.0),
        outcome(&seat(2, Some(b), true, true), 3, "loss", 1450.0),
        outcome(&seat(3, None, false, false), 4, "loss", 1500.0),
    ];
    players[0].ladder = Some(change(stars, stars + 2));
    players[2].ladder = Some(change(2, 1));
    WriteOp::MatchFinished(MatchEnd {
        mode: "ladder".into(),
        ..match_end(match_id, finished - 60_000, finished, Some(0), players)
    })
}

async fn ladder_suite(stores: &Stores, a: i64, b: i64) {
    let ladder = &stores.ladder;
    let s1 = ladder
        .create_season(T0, T0 + 30 * 86_400_000, T0)
        .await
        .unwrap();
    let s2 = ladder
        .create_season(s1.ends_at_ms, s1.ends_at_ms + 30 * 86_400_000, T0)
        .await
        .unwrap();
    let seasons = ladder.seasons().await.unwrap();
    assert_eq!(seasons, [s1, s2]);

    // One race: ranks and hidden ratings move, duel ratings do not.
    let race = race_end(900, s1.id, T0 + 1_000, a, b, 1);
    stores
        .answers
        .write_batch(std::slice::from_ref(&race))
        .await
        .unwrap();
    let ra = ladder.ladder_rank(s1.id, a).await.unwrap().unwrap();
    assert_eq!(
        (ra.tier.as_str(), ra.stars, ra.races, ra.firsts),
        ("bronze", 3, 1, 1)
    );
    let rb = ladder.ladder_rank(s1.id, b).await.unwrap().unwrap();
    assert_eq!((rb.stars, rb.races, rb.firsts), (1, 1, 0));
    assert_eq!(
        ladder.ladder_rating(a).await.unwrap().unwrap().rating,
        1600.0
    );
    let duel_before = stores.matches.duel_rating(a).await.unwrap();
    // The same end written again changes nothing.
    stores.answers.write_batch(&[race]).await.unwrap();
    assert_eq!(
        ladder.ladder_rank(s1.id, a).await.unwrap().unwrap().races,
        1
    );
    // Two more races in one batch: counts add up, the later rank wins.
    stores
        .answers
        .write_batch(&[
            race_end(902, s1.id, T0 + 3_000, a, b, 5),
            race_end(901, s1.id, T0 + 2_000, a, b, 3),
        ])
        .await
        .unwrap();
    let ra = ladder.ladder_rank(s1.id, a).await.unwrap().unwrap();
    assert_eq!((ra.stars, ra.races, ra.firsts), (7, 3, 3));
    assert_eq!(ladder.ladder_ranks(s1.id).await.unwrap().len(), 2);
    assert_eq!(stores.matches.duel_rating(a).await.unwrap(), duel_before);
    // The next season starts empty and remembers the last one.
    assert!(ladder.ladder_rank(s2.id, a).await.unwrap().is_none());
    let previous = ladder
        .previous_ladder_rank(s2.id, a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((previous.season_id, previous.stars), (s1.id, 7));
    let stored = stores.matches.stored_match(900).await.unwrap().unwrap();
    assert_eq!(stored.mode, "ladder");
}

#[tokio::test]
async fn the_store_suite_passes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let stores = sql::open(None, dir.path()).await.unwrap();
    assert_eq!(stores.backend, "sqlite");
    suite(stores).await;
    // WAL mode, as the embedded default promises.
    assert!(dir.path().join("dati.db-wal").exists());
}

#[tokio::test]
async fn the_store_suite_passes_on_postgres() {
    let Some(db) = PgDatabase::create("the_store_suite_passes_on_postgres").await else {
        return;
    };
    let stores = sql::open(Some(&db.url), std::path::Path::new("/nonexistent"))
        .await
        .unwrap();
    assert_eq!(stores.backend, "postgres");
    suite(stores.clone()).await;
    drop(stores);
    db.drop_database().await;
}

#[tokio::test]
async fn a_full_practice_set_is_recorded_on_postgres() {
    let Some(db) = PgDatabase::create("a_full_practice_set_is_recorded_on_postgres").await else {
        return;
    };
    let url = db.url.clone();
    let mut server = common::TestServer::start_with(|c| c.database_url = Some(url)).await;
    let member = server.member("数据库").await;
    let mut ws = member.connect().await;
    let (set_id, _) = ws.start_practice(Some("socialism"), 5).await;
    assert_eq!(ws.play_set(&server.bank, 5, |_| true).await.correct, 5);
    server.stop().await;
    let stored = server.stored_answers(&set_id).await;
    assert_eq!(stored.len(), 5);
    assert!(stored.iter().all(|a| a.correct));
    drop(server);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_goes_on_while_postgres_is_away_and_every_answer_lands_when_it_returns() {
    let Some(db) = PgDatabase::create("play_goes_on_while_postgres_is_away").await else {
        return;
    };
    let url = db.url.clone();
    let mut server = common::TestServer::start_with(|c| c.database_url = Some(url)).await;
    let member = server.member("断线重连").await;
    let mut ws = member.connect().await;
    let (set_id, _) = ws.start_practice(Some("reform"), 5).await;

    db.take_down().await;
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503, "not ready without a database");
    // Every question still comes back at once: nothing in play waits on the database.
    let started = std::time::Instant::now();
    let summary = ws.play_set(&server.bank, 5, |_| true).await;
    assert_eq!(summary.correct, 5);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "play stalled: {:?}",
        started.elapsed()
    );
    assert!(
        server.app().queue.depth() > 0
            || server.app().stores.answers.count_answers().await.is_err()
    );

    db.bring_back().await;
    server.settle().await;
    let stored = server.stored_answers(&set_id).await;
    assert_eq!(
        stored.len(),
        5,
        "every answer given during the outage was written after it"
    );
    assert_eq!(
        reqwest::get(server.url("/readyz")).await.unwrap().status(),
        200
    );
    server.stop().await;
    drop(server);
    db.drop_database().await;
}

fn end(session_id: i64, best_streak: i64) -> WriteOp {
    WriteOp::SessionFinished(SessionEnd {
        session_id,
        finished_at_ms: T0 + 100,
        answered: 5,
        correct: 5,
        points: 0,
        best_streak,
        revive_used: false,
        completed: true,
    })
}

/// Many sets start and end in one batch (one statement each way), and a
/// session ended twice keeps its last end, as if applied in order.
async fn sessions_in_one_batch(stores: Stores) {
    let member = stores
        .members
        .create_member("小周", "黄岛区", T0)
        .await
        .unwrap();
    let mut batch: Vec<WriteOp> = (100..140).map(|id| start(id, member.id)).collect();
    batch.push(start(100, member.id));
    batch.extend((100..140).map(|id| end(id, 2)));
    batch.push(end(139, 9));
    batch.push(end(139, 4));
    stores.answers.write_batch(&batch).await.unwrap();
    let stats = stores.practice.member_stats(member.id).await.unwrap();
    assert_eq!((stats.sets_finished, stats.best_streak), (40, 4));
}

#[tokio::test]
async fn many_sessions_in_one_batch_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sessions_in_one_batch(sql::open(None, dir.path()).await.unwrap()).await;
}

#[tokio::test]
async fn many_sessions_in_one_batch_on_postgres() {
    let Some(db) = PgDatabase::create("many_sessions_in_one_batch_on_postgres").await else {
        return;
    };
    let stores = sql::open(Some(&db.url), std::path::Path::new("/nonexistent"))
        .await
        .unwrap();
    sessions_in_one_batch(stores.clone()).await;
    drop(stores);
    db.drop_database().await;
}
