//! `dati load` against a real server: it plays, measures and reports.

mod common;

use std::time::Duration;

use common::TestServer;
use dati::load::{LoadConfig, Scenario, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_plays_sets_and_reports_acknowledgement_latency() {
    let server = TestServer::start().await;
    let report = run(LoadConfig {
        target: server.url(""),
        players: 4,
        ramp_per_sec: 50.0,
        duration: Duration::from_secs(3),
        // Fast, but under the per-connection rate limit of 20 messages a second.
        think: Duration::from_millis(300),
        server_pid: Some(std::process::id()),
        scenario: Scenario::Solo,
    })
    .await
    .unwrap();
    assert_eq!(report.joined, 4);
    assert_eq!(report.peak_connections, 4);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.sets_started >= 4);
    assert!(report.answers >= 20, "{report}");
    assert!(report.ack_p50_ms > 0.0 && report.ack_p50_ms <= report.ack_p99_ms);
    // This process is the server, so /proc sampling has something to read.
    assert!(report.server_before.is_some() && report.server_cpu_us_per_answer.is_some());
    server.settle().await;
    assert_eq!(
        server.app().stores.answers.count_answers().await.unwrap() as u64,
        report.answers
    );
}

#[tokio::test]
async fn the_load_generator_refuses_a_server_that_is_not_there() {
    let err = run(LoadConfig {
        target: "http://127.0.0.1:9".into(),
        players: 1,
        ramp_per_sec: 1.0,
        duration: Duration::from_secs(1),
        think: Duration::from_millis(10),
        server_pid: None,
        scenario: Scenario::Solo,
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("does not answer"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_plays_duels_and_every_acknowledged_answer_is_stored() {
    let server = TestServer::start_with(|c| {
        c.duel.countdown = Duration::from_millis(100);
        c.duel.reveal_pause = Duration::from_millis(100);
    })
    .await;
    let report = run(LoadConfig {
        target: server.url(""),
        players: 6,
        ramp_per_sec: 100.0,
        duration: Duration::from_secs(3),
        think: Duration::from_millis(200),
        server_pid: Some(std::process::id()),
        scenario: Scenario::Duel,
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.sets_started >= 6, "{report}");
    assert!(report.answers >= 30, "{report}");
    server.settle().await;
    assert_eq!(
        server.app().stores.answers.count_answers().await.unwrap() as u64,
        report.answers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_plays_ladder_races_and_every_acknowledged_answer_is_stored() {
    let server = TestServer::start_with(|c| {
        c.duel.countdown = Duration::from_millis(100);
        c.duel.reveal_pause = Duration::from_millis(100);
    })
    .await;
    let report = run(LoadConfig {
        target: server.url(""),
        players: 8,
        ramp_per_sec: 200.0,
        duration: Duration::from_secs(3),
        think: Duration::from_millis(200),
        server_pid: Some(std::process::id()),
        scenario: Scenario::Ladder,
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Eight players make two races of four at a time.
    assert!(report.sets_started >= 8, "{report}");
    assert!(report.answers >= 40, "{report}");
    server.settle().await;
    assert_eq!(
        server.app().stores.answers.count_answers().await.unwrap() as u64,
        report.answers
    );
}
