//! Solo play over a real websocket: practice, challenge, review, media.

mod common;

use common::{TestServer, right_choice, wrong_choice};
use dati::ws::protocol::{ClientMsg, NextView, ServerMsg, SetMode};

fn start(mode: SetMode, history: Option<&str>, size: Option<u32>) -> ClientMsg {
    ClientMsg::Start {
        mode,
        history: history.map(String::from),
        size,
        difficulty: None,
        relaxed: false,
    }
}

async fn expect_set_started(ws: &mut common::WsClient) -> (String, u32) {
    match ws.recv().await {
        ServerMsg::SetStarted { set_id, total, .. } => (set_id, total),
        other => panic!("expected set_started, got {other:?}"),
    }
}

#[tokio::test]
async fn a_member_plays_a_full_practice_set_and_every_answer_is_stored() {
    let mut server = TestServer::start().await;
    let member = server.member("小王").await;
    let mut ws = member.connect().await;
    ws.send(&start(SetMode::Practice, Some("party"), Some(5)))
        .await;
    let (set_id, total) = expect_set_started(&mut ws).await;
    assert_eq!(total, 5);
    let mut expected_total = 0u64;
    let mut seen = Vec::new();
    for seq in 1..=5u32 {
        let (got_seq, q) = ws.expect_question().await;
        assert_eq!(got_seq, seq);
        assert_eq!(q.history, "party");
        seen.push(q.id.clone());
        ws.ready_media(seq, &q).await;
        // Miss the third question, answer the rest right.
        let choice = if seq == 3 {
            wrong_choice(&server.bank, &q)
        } else {
            right_choice(&server.bank, &q)
        };
        ws.answer(seq, choice.clone()).await;
        let r = ws.expect_result().await;
        assert_eq!(r.seq, seq);
        assert_eq!(r.correct, seq != 3);
        assert_eq!(r.your_choice, choice);
        assert_eq!(r.correct_choice, right_choice(&server.bank, &q));
        assert!(!r.explanation.is_empty() && !r.source.is_empty());
        assert_eq!(r.points, r.base_points + r.streak_bonus);
        expected_total += u64::from(r.points);
        assert_eq!(r.total_points, expected_total);
        if seq == 3 {
            assert_eq!((r.points, r.streak), (0, 0));
        }
        if seq == 2 {
            assert_eq!(r.streak_bonus, 100, "second right answer in a row");
        }
        if seq < 5 {
            assert_eq!(r.next, NextView::Next);
            ws.send(&ClientMsg::Next).await;
        } else {
            assert_eq!(r.next, NextView::Finished);
        }
    }
    let summary = ws.expect_summary().await;
    assert_eq!(summary.set_id, set_id);
    assert_eq!((summary.answered, summary.correct), (5, 4));
    assert_eq!(summary.points, expected_total);
    assert!(summary.completed);
    assert_eq!(summary.missed, vec![seen[2].clone()]);
    assert!(summary.rating_after != summary.rating_before);

    server.settle().await;
    let stored = server.stored_answers(&set_id).await;
    assert_eq!(stored.len(), 5);
    assert_eq!(stored.iter().filter(|a| a.correct).count(), 4);
    assert_eq!(
        stored.iter().map(|a| a.points as u64).sum::<u64>(),
        expected_total
    );
    assert!(
        stored
            .iter()
            .all(|a| a.member_id == member.id && a.mode == "practice")
    );

    // The miss is in the notebook, the points on the leaderboard and in the stats.
    let notebook = member.get("/api/notebook").await;
    assert_eq!(notebook["entries"][0]["question_id"], seen[2].as_str());
    assert_eq!(notebook["due"], 1);
    let board = member.get("/api/leaderboard?board=solo&period=day").await;
    assert_eq!(board["me"]["score"].as_u64(), Some(expected_total));
    assert_eq!(board["me"]["rank"], 1);
    let stats = member.get("/api/me/stats").await;
    assert_eq!(
        (stats["answered"].as_i64(), stats["correct"].as_i64()),
        (Some(5), Some(4))
    );
    assert_eq!(stats["sets_finished"], 1);
    server.stop().await;
}

#[tokio::test]
async fn options_are_shuffled_per_player_and_questions_carry_no_answer() {
    // Twenty questions played at machine speed would trip the flood limit.
    let server = TestServer::start_with(|c| c.rate_limit.burst = 200).await;
    let member = server.member("小李").await;
    let mut ws = member.connect().await;
    ws.send(&start(SetMode::Practice, None, Some(20))).await;
    expect_set_started(&mut ws).await;
    let mut shuffled = 0;
    for seq in 1..=20u32 {
        let raw = loop {
            let frame = futures_util::StreamExt::next(&mut ws.socket)
                .await
                .unwrap()
                .unwrap();
            if let tokio_tungstenite::tungstenite::Message::Text(t) = frame {
                break t.to_string();
            }
        };
        let msg: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(msg["type"], "question");
        for leak in ["answer", "correct", "explanation", "source"] {
            assert!(
                !raw.contains(&format!("\"{leak}")),
                "question leaks {leak}: {raw}"
            );
        }
        let view: dati::ws::protocol::QuestionView =
            serde_json::from_value(msg["question"].clone()).unwrap();
        let bank_q = server.bank.get(&view.id).unwrap();
        if view.options != bank_q.options {
            shuffled += 1;
        }
        if view.media.is_some() {
            ws.send(&ClientMsg::MediaReady { seq }).await;
            ws.recv().await;
        }
        ws.answer(seq, vec![0]).await;
        ws.expect_result().await;
        if seq < 20 {
            ws.send(&ClientMsg::Next).await;
        }
    }
    // True/false questions keep their order; 20 questions never all stay put.
    assert!(
        shuffled >= 5,
        "only {shuffled} of 20 questions had shuffled options"
    );
}

#[tokio::test]
async fn a_challenge_run_goes_on_until_a_miss_and_allows_one_revive() {
    let mut server = TestServer::start().await;
    let member = server.member("挑战者").await;
    let mut ws = member.connect().await;
    ws.send(&start(SetMode::Challenge, Some("reform"), None))
        .await;
    let (set_id, total) = expect_set_started(&mut ws).await;
    assert!(total >= 25, "a challenge ladder holds the whole history");
    let mut difficulties = Vec::new();
    // Three right, a miss, revive, two right, a miss: the run ends.
    let plan = [true, true, true, false, true, true, false];
    for (i, right) in plan.iter().enumerate() {
        let seq = i as u32 + 1;
        let (got, q) = ws.expect_question().await;
        assert_eq!(got, seq);
        difficulties.push(q.difficulty);
        ws.ready_media(seq, &q).await;
        let choice = if *right {
            right_choice(&server.bank, &q)
        } else {
            wrong_choice(&server.bank, &q)
        };
        ws.answer(seq, choice).await;
        let r = ws.expect_result().await;
        match (i, r.next) {
            (3, NextView::ReviveOffered) => {
                // The revive is the only way on.
                ws.send(&ClientMsg::Next).await;
                assert_eq!(ws.expect_error().await.0, "question_open");
                ws.send(&ClientMsg::Revive).await;
            }
            (6, NextView::Finished) => {}
            (_, NextView::Next) => ws.send(&ClientMsg::Next).await,
            other => panic!("unexpected step {other:?}"),
        }
    }
    let summary = ws.expect_summary().await;
    assert_eq!((summary.answered, summary.correct), (7, 5));
    assert!(summary.revive_used);
    assert!(!summary.completed);
    assert!(
        difficulties.windows(2).all(|w| w[0] <= w[1]),
        "challenge got easier: {difficulties:?}"
    );
    ws.send(&ClientMsg::Revive).await;
    assert_eq!(ws.expect_error().await.0, "no_active_set");
    server.settle().await;
    let stored = server.stored_answers(&set_id).await;
    assert_eq!(stored.len(), 7);
    assert!(stored.iter().all(|a| a.mode == "challenge"));
    server.stop().await;
}

#[tokio::test]
async fn missed_questions_come_back_as_a_review_set() {
    let server = TestServer::start().await;
    let member = server.member("复习").await;
    let mut ws = member.connect().await;
    ws.send(&start(SetMode::Review, None, Some(5))).await;
    assert_eq!(
        ws.expect_error().await.0,
        "no_questions",
        "an empty notebook has nothing to review"
    );

    ws.send(&start(SetMode::Practice, Some("prc"), Some(5)))
        .await;
    expect_set_started(&mut ws).await;
    let mut missed = Vec::new();
    for seq in 1..=5u32 {
        let (_, q) = ws.expect_question().await;
        ws.ready_media(seq, &q).await;
        let right = seq % 2 == 0;
        if !right {
            missed.push(q.id.clone());
        }
        let choice = if right {
            right_choice(&server.bank, &q)
        } else {
            wrong_choice(&server.bank, &q)
        };
        ws.answer(seq, choice).await;
        ws.expect_result().await;
        if seq < 5 {
            ws.send(&ClientMsg::Next).await;
        }
    }
    ws.expect_summary().await;
    server.settle().await;

    ws.send(&start(SetMode::Review, None, Some(10))).await;
    let (_, total) = expect_set_started(&mut ws).await;
    assert_eq!(total as usize, missed.len());
    let mut reviewed = Vec::new();
    for seq in 1..=total {
        let (_, q) = ws.expect_question().await;
        reviewed.push(q.id.clone());
        ws.ready_media(seq, &q).await;
        ws.answer(seq, right_choice(&server.bank, &q)).await;
        assert!(ws.expect_result().await.correct);
        if seq < total {
            ws.send(&ClientMsg::Next).await;
        }
    }
    ws.expect_summary().await;
    reviewed.sort();
    missed.sort();
    assert_eq!(reviewed, missed);
    server.settle().await;
    // Answered right once: still in the notebook, but no longer due today.
    let notebook = member.get("/api/notebook").await;
    assert_eq!(notebook["due"], 0);
    assert_eq!(notebook["entries"].as_array().unwrap().len(), missed.len());
    assert!(
        notebook["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["box_level"] == 1)
    );
}

#[tokio::test]
async fn a_media_question_starts_its_clock_on_media_ready() {
    // A bank with a single audio question.
    let bank = tempfile::tempdir().unwrap();
    std::fs::create_dir(bank.path().join("media")).unwrap();
    std::fs::copy(
        common::repo_path("question_bank/media/party-m02-nanchang.mp3"),
        bank.path().join("media/nanchang.mp3"),
    )
    .unwrap();
    std::fs::write(
        bank.path().join("q.toml"),
        r#"
[[question]]
id = "audio-1"
history = "party"
difficulty = 2
kind = "single"
prompt = "听音频，这段话描述的是哪一历史事件？"
options = ["南昌起义", "秋收起义"]
answer = "A"
explanation = "1927年8月1日南昌起义。"
source = "《中国共产党简史》，人民出版社、中共党史出版社，2021年"
time_limit = 40

[question.media]
kind = "audio"
file = "nanchang.mp3"
alt = "朗读文本"
duration = 14
"#,
    )
    .unwrap();
    let bank_dir = bank.path().to_path_buf();
    let server = TestServer::start_with(|c| c.bank_dir = bank_dir).await;
    let member = server.member("听众").await;
    let mut ws = member.connect().await;
    ws.send(&start(SetMode::Practice, None, Some(5))).await;
    let (_, total) = expect_set_started(&mut ws).await;
    assert_eq!(total, 1);
    let msg = ws.recv().await;
    let ServerMsg::Question {
        waits_for_media,
        question,
        time_limit_ms,
        ..
    } = msg
    else {
        panic!("{msg:?}")
    };
    assert!(waits_for_media);
    assert_eq!(time_limit_ms, 40_000);
    let media = question.media.unwrap();
    assert_eq!(
        (media.kind.as_str(), media.url.as_str(), media.duration_ms),
        ("audio", "/media/nanchang.mp3", Some(14_000))
    );

    // The media is served with range support, so players can seek.
    let res = member
        .http
        .get(server.url(&media.url))
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().len(), 100);

    ws.send(&ClientMsg::MediaReady { seq: 1 }).await;
    match ws.recv().await {
        ServerMsg::ClockStarted {
            seq: 1,
            remaining_ms,
        } => assert!(remaining_ms > 39_000 && remaining_ms <= 40_000),
        other => panic!("expected clock_started, got {other:?}"),
    }
    ws.answer(
        1,
        vec![
            question
                .options
                .iter()
                .position(|o| o == "南昌起义")
                .unwrap() as u8,
        ],
    )
    .await;
    let r = ws.expect_result().await;
    assert!(r.correct);
    assert!(
        r.answer_ms < 2_000,
        "timed from media_ready: {}",
        r.answer_ms
    );
}

#[tokio::test]
async fn relaxed_mode_ignores_speed() {
    let server = TestServer::start().await;
    let member = server.member("老张").await;
    let mut ws = member.connect().await;
    ws.send(&ClientMsg::Start {
        mode: SetMode::Practice,
        history: None,
        size: Some(5),
        difficulty: Some(1),
        relaxed: true,
    })
    .await;
    match ws.recv().await {
        ServerMsg::SetStarted {
            relaxed,
            difficulty,
            ..
        } => assert!(relaxed && difficulty == Some(1)),
        other => panic!("{other:?}"),
    }
    let (_, q) = ws.expect_question().await;
    assert_eq!(q.difficulty, 1);
    ws.ready_media(1, &q).await;
    // Ten seconds of thinking, on the server's (paused) clock.
    tokio::time::pause();
    tokio::time::advance(std::time::Duration::from_secs(10)).await;
    tokio::time::resume();
    ws.answer(1, right_choice(&server.bank, &q)).await;
    let r = ws.expect_result().await;
    assert!(r.answer_ms >= 10_000, "the pause counted: {}", r.answer_ms);
    assert_eq!(r.base_points, 1000);
}
