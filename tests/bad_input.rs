//! Bad input is expected input: every case gets a clear error or close
//! code, the server stays up, and other players are not disturbed.

mod common;

use std::time::Duration;

use common::{TestServer, WsClient, right_choice, wrong_choice};
use dati::ws::protocol::{ClientMsg, ServerMsg, SetMode};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::{self, Message};

fn practice(size: u32) -> ClientMsg {
    ClientMsg::Start {
        mode: SetMode::Practice,
        history: None,
        size: Some(size),
        difficulty: None,
        relaxed: false,
    }
}

/// Starts a practice set and returns the first question (media made ready).
async fn first_question(ws: &mut WsClient, size: u32) -> dati::ws::protocol::QuestionView {
    ws.send(&practice(size)).await;
    assert!(matches!(ws.recv().await, ServerMsg::SetStarted { .. }));
    let (_, q) = ws.expect_question().await;
    ws.ready_media(1, &q).await;
    q
}

async fn assert_still_open(ws: &mut WsClient) {
    ws.send(&ClientMsg::Ping { nonce: Some(99) }).await;
    assert!(matches!(
        ws.recv().await,
        ServerMsg::Pong {
            nonce: Some(99),
            ..
        }
    ));
}

fn http_status(err: tungstenite::Error) -> u16 {
    match err {
        tungstenite::Error::Http(res) => res.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_websocket_without_a_session_is_refused_with_401() {
    let server = TestServer::start().await;
    let err = WsClient::connect(server.addr, None, None)
        .await
        .err()
        .expect("refused");
    assert_eq!(http_status(err), 401);
    let forged = "dati_session=v1.1.0.AAAA";
    let err = WsClient::connect(server.addr, Some(forged), None)
        .await
        .err()
        .expect("refused");
    assert_eq!(http_status(err), 401);
}

#[tokio::test]
async fn a_websocket_from_a_foreign_origin_is_refused_with_403() {
    let server =
        TestServer::start_with(|c| c.allowed_origins = vec!["https://app.example.org".into()])
            .await;
    let member = server.member("来源").await;
    let err = WsClient::connect(
        server.addr,
        Some(&member.cookie),
        Some("https://evil.example.com"),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(http_status(err), 403);
    let own = format!("http://{}", server.addr);
    assert!(
        WsClient::connect(server.addr, Some(&member.cookie), Some(&own))
            .await
            .is_ok()
    );
    assert!(
        WsClient::connect(
            server.addr,
            Some(&member.cookie),
            Some("https://app.example.org")
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn malformed_json_unknown_types_and_bad_fields_get_errors_and_the_socket_stays_open() {
    let server = TestServer::start().await;
    let member = server.member("乱码").await;
    let mut ws = member.connect().await;
    ws.send_text("{this is not json").await;
    assert_eq!(ws.expect_error().await.0, "bad_json");
    ws.send_text(r#"{"type":"teleport"}"#).await;
    assert_eq!(ws.expect_error().await.0, "unknown_type");
    ws.send_text(r#"{"no_type":true}"#).await;
    assert_eq!(ws.expect_error().await.0, "unknown_type");
    ws.send_text(r#"{"type":"answer","seq":"first"}"#).await;
    assert_eq!(ws.expect_error().await.0, "bad_message");
    ws.send_text(r#"{"type":"start","mode":"practice","colour":"red"}"#)
        .await;
    assert_eq!(ws.expect_error().await.0, "bad_message");
    ws.socket
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(ws.expect_error().await.0, "bad_message");
    assert_still_open(&mut ws).await;
}

#[tokio::test]
async fn out_of_range_values_and_wrong_states_are_refused() {
    let server = TestServer::start().await;
    let member = server.member("状态").await;
    let mut ws = member.connect().await;
    ws.answer(1, vec![0]).await;
    assert_eq!(ws.expect_error().await, ("no_active_set".into(), Some(1)));
    ws.send(&ClientMsg::Next).await;
    assert_eq!(ws.expect_error().await.0, "no_active_set");
    ws.send(&ClientMsg::Finish).await;
    assert_eq!(ws.expect_error().await.0, "no_active_set");
    ws.send(&practice(7)).await;
    assert_eq!(ws.expect_error().await.0, "invalid_value");
    ws.send_text(r#"{"type":"start","mode":"practice","history":"ancient"}"#)
        .await;
    assert_eq!(ws.expect_error().await.0, "invalid_value");
    ws.send(&ClientMsg::Start {
        mode: SetMode::Practice,
        history: None,
        size: Some(5),
        difficulty: Some(9),
        relaxed: false,
    })
    .await;
    assert_eq!(ws.expect_error().await.0, "invalid_value");

    let q = first_question(&mut ws, 5).await;
    ws.send(&practice(5)).await;
    assert_eq!(ws.expect_error().await.0, "set_in_progress");
    ws.send(&ClientMsg::Next).await;
    assert_eq!(ws.expect_error().await.0, "question_open");
    ws.send(&ClientMsg::Revive).await;
    assert_eq!(ws.expect_error().await.0, "no_revive_offered");
    ws.answer(1, vec![9]).await;
    assert_eq!(ws.expect_error().await.0, "invalid_choice");
    ws.answer(1, vec![]).await;
    assert_eq!(ws.expect_error().await.0, "invalid_choice");
    // None of that touched the question: it can still be answered.
    ws.answer(1, right_choice(&server.bank, &q)).await;
    assert!(ws.expect_result().await.correct);
}

#[tokio::test]
async fn an_answer_to_a_question_that_is_not_current_is_refused() {
    let server = TestServer::start().await;
    let member = server.member("抢答").await;
    let mut ws = member.connect().await;
    let q = first_question(&mut ws, 5).await;
    ws.answer(2, vec![0]).await;
    assert_eq!(ws.expect_error().await, ("not_current".into(), Some(2)));
    ws.answer(1, right_choice(&server.bank, &q)).await;
    assert!(ws.expect_result().await.correct);
}

#[tokio::test]
async fn only_the_first_answer_counts() {
    let mut server = TestServer::start().await;
    let member = server.member("改答案").await;
    let mut ws = member.connect().await;
    let q = first_question(&mut ws, 5).await;
    ws.answer(1, wrong_choice(&server.bank, &q)).await;
    assert!(!ws.expect_result().await.correct);
    ws.answer(1, right_choice(&server.bank, &q)).await;
    assert_eq!(
        ws.expect_error().await,
        ("already_answered".into(), Some(1))
    );
    ws.send(&ClientMsg::Finish).await;
    let summary = ws.expect_summary().await;
    assert_eq!((summary.answered, summary.correct), (1, 0));
    server.stop().await;
    let stored = server
        .app()
        .stores
        .answers
        .session_answers(summary.set_id.parse().unwrap())
        .await;
    // The server has stopped, but its store handle still reads the file.
    let stored = stored.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].correct);
}

#[tokio::test]
async fn an_answer_after_the_deadline_is_too_late_and_the_timeout_is_recorded() {
    let server = TestServer::start().await;
    let member = server.member("慢半拍").await;
    let mut ws = member.connect().await;
    let q = first_question(&mut ws, 5).await;
    let limit = server.bank.get(&q.id).unwrap().time_limit;
    // Jump the server's clock past the deadline, then let it run normally
    // again: SQLite works on its own threads, which a paused clock would
    // mistake for idleness and skip ahead through.
    tokio::time::pause();
    tokio::time::advance(limit + Duration::from_millis(10)).await;
    tokio::time::resume();
    let r = ws.expect_result().await;
    assert!(r.timed_out && !r.correct);
    assert_eq!((r.points, r.your_choice.len()), (0, 0));
    ws.answer(1, right_choice(&server.bank, &q)).await;
    assert_eq!(ws.expect_error().await, ("too_late".into(), Some(1)));
    ws.send(&ClientMsg::Finish).await;
    let summary = ws.expect_summary().await;
    assert_eq!(summary.missed, vec![q.id.clone()]);
    server.settle().await;
    let stored = server
        .app()
        .stores
        .answers
        .session_answers(summary.set_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].choice, None,
        "a timeout is stored without a choice"
    );
}

#[tokio::test]
async fn a_frame_over_16_kib_closes_the_socket_with_1009() {
    let server = TestServer::start().await;
    let member = server.member("大块头").await;
    let mut ws = member.connect().await;
    let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(17 * 1024));
    ws.send_text(&huge).await;
    let (code, reason) = ws.closed().await;
    assert_eq!(code, 1009);
    assert!(reason.contains("16 KiB"), "{reason}");
    // The server is still there for everyone else.
    let mut again = member.connect().await;
    assert_still_open(&mut again).await;
}

#[tokio::test]
async fn a_flood_closes_the_flooder_with_1008_and_leaves_other_players_alone() {
    let server = TestServer::start().await;
    let flooder = server.member("刷屏").await;
    let player = server.member("认真").await;
    let mut calm = player.connect().await;
    let q = first_question(&mut calm, 5).await;

    let mut flood = flooder.connect().await;
    for _ in 0..300 {
        if flood
            .socket
            .send(Message::Text(r#"{"type":"ping"}"#.into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let (code, reason) = flood.closed().await;
    assert_eq!((code, reason.as_str()), (1008, "rate limit exceeded"));

    // The other player's set carries on untouched.
    calm.send(&ClientMsg::Answer {
        seq: 1,
        choice: right_choice(&server.bank, &q),
    })
    .await;
    let r = calm.expect_result().await;
    assert!(r.correct);
    assert!(r.answer_ms < 5_000);
    assert_still_open(&mut calm).await;
}

#[tokio::test]
async fn a_dropped_connection_ends_the_set_and_keeps_its_answers() {
    let server = TestServer::start().await;
    let member = server.member("掉线").await;
    let mut ws = member.connect().await;
    let q = first_question(&mut ws, 5).await;
    ws.answer(1, right_choice(&server.bank, &q)).await;
    ws.expect_result().await;
    drop(ws);
    // The set is closed with its one answer; the member can start afresh.
    for _ in 0..100 {
        server.settle().await;
        let stats = member.get("/api/me/stats").await;
        if stats["sets_finished"] == 1 {
            assert_eq!(stats["answered"], 1);
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the dropped set was never closed");
}

/// A one-question bank, so the first question is also the last.
fn single_question_bank() -> tempfile::TempDir {
    let bank = tempfile::tempdir().unwrap();
    std::fs::write(
        bank.path().join("q.toml"),
        r#"
[[question]]
id = "only-1"
history = "prc"
difficulty = 1
kind = "true_false"
prompt = "中华人民共和国开国大典于1949年10月1日举行。"
answer = "true"
explanation = "1949年10月1日下午，开国大典在北京天安门广场隆重举行。"
source = "《中华人民共和国简史》，人民出版社、当代中国出版社，2021年"
time_limit = 10
"#,
    )
    .unwrap();
    bank
}

#[tokio::test]
async fn answers_to_the_last_question_after_the_summary_are_told_why_they_do_not_count() {
    let bank = single_question_bank();
    let dir = bank.path().to_path_buf();
    let server = TestServer::start_with(|c| c.bank_dir = dir).await;
    let member = server.member("最后一题").await;
    let mut ws = member.connect().await;

    // Answered, summed up, answered again: already answered.
    first_question(&mut ws, 5).await;
    ws.answer(1, vec![0]).await;
    assert!(ws.expect_result().await.correct);
    ws.expect_summary().await;
    ws.answer(1, vec![1]).await;
    assert_eq!(
        ws.expect_error().await,
        ("already_answered".into(), Some(1))
    );

    // Timed out, summed up, answered late: too late.
    first_question(&mut ws, 5).await;
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(11)).await;
    tokio::time::resume();
    assert!(ws.expect_result().await.timed_out);
    ws.expect_summary().await;
    ws.answer(1, vec![0]).await;
    assert_eq!(ws.expect_error().await, ("too_late".into(), Some(1)));
    ws.answer(2, vec![0]).await;
    assert_eq!(ws.expect_error().await, ("no_active_set".into(), Some(2)));
}
