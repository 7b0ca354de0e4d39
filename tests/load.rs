//! `dati load` against a real server: it plays, measures and reports, and
//! every answer it saw acknowledged was stored.

mod common;

use std::time::Duration;

use common::TestServer;
use common::battles::running_competition;
use dati::load::{LoadConfig, Mix, Report, Scenario, run};

/// Match timers short enough for a few matches in a few seconds.
async fn quick_matches() -> TestServer {
    TestServer::start_with(|c| {
        c.duel.countdown = Duration::from_millis(100);
        c.duel.reveal_pause = Duration::from_millis(100);
        c.district.uneven_after = Duration::from_millis(300);
    })
    .await
}

/// A short run against `server`: 3 s each, quick answers (but under the
/// per-connection rate limit of 20 messages a second).
fn config(server: &TestServer, players: usize, mix: &str) -> LoadConfig {
    LoadConfig {
        players,
        ramp_per_sec: 100.0,
        duration: Duration::from_secs(3),
        think: Duration::from_millis(200),
        server_pid: Some(std::process::id()),
        mix: mix.parse().unwrap(),
        ..LoadConfig::new(server.url(""))
    }
}

async fn assert_every_acknowledged_answer_stored(server: &TestServer, report: &Report) {
    server.settle().await;
    assert_eq!(
        server.app().stores.answers.count_answers().await.unwrap() as u64,
        report.answers,
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_plays_sets_and_reports_acknowledgement_latency() {
    let server = TestServer::start().await;
    let report = run(LoadConfig {
        ramp_per_sec: 50.0,
        think: Duration::from_millis(300),
        ..config(&server, 4, "solo")
    })
    .await
    .unwrap();
    assert_eq!(report.joined, 4);
    assert_eq!(report.peak_connections, 4);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.sets_started >= 4);
    assert_eq!(report.matches_started, 0);
    assert!(report.answers >= 20, "{report}");
    assert!(report.ack.p50_ms > 0.0 && report.ack.p50_ms <= report.ack.p99_ms);
    assert!(report.ack.p99_ms <= report.ack.p999_ms && report.ack.p999_ms <= report.ack.max_ms);
    assert_eq!(report.ack.samples, report.answers);
    assert_eq!(report.join.samples, 4);
    assert!(report.joins_per_s > 0.0 && report.answers_per_s > 0.0);
    // This process is the server, so /proc sampling has something to read.
    assert!(report.server_before.is_some() && report.server_cpu_us_per_answer.is_some());
    assert!(report.generator_cpu_s.is_some());
    // The JSON carries the figures the table prints.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ack"]["samples"], report.answers);
    assert_eq!(json["scenarios"][0]["scenario"], "solo");
    assert_every_acknowledged_answer_stored(&server, &report).await;
}

#[tokio::test]
async fn the_load_generator_refuses_a_server_that_is_not_there() {
    let err = run(LoadConfig {
        players: 1,
        duration: Duration::from_secs(1),
        ..LoadConfig::new("http://127.0.0.1:9")
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("does not answer"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_plays_duels_and_every_acknowledged_answer_is_stored() {
    let server = quick_matches().await;
    let report = run(config(&server, 6, "duel")).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Six players make three duels at a time, each counted once.
    assert!(report.matches_started >= 3, "{report}");
    assert!(report.matches_started <= report.answers / 10, "{report}");
    assert!(report.answers >= 30, "{report}");
    // Both players of a duel receive each question.
    assert!(report.fanout.samples >= 15, "{report}");
    assert!(report.fanout.p50_ms <= report.fanout.max_ms);
    assert_every_acknowledged_answer_stored(&server, &report).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_step_players_queue_together_and_the_match_starts_are_timed() {
    let server = quick_matches().await;
    let report = run(LoadConfig {
        in_step: true,
        duration: Duration::from_secs(1),
        ..config(&server, 8, "duel")
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.in_step);
    // Joined on connecting, before the common start.
    assert_eq!(report.joined, 8, "{report}");
    assert_eq!(report.join.samples, 8);
    // Eight players queueing at one instant make four duels at once, each
    // timed from its queue request and from its countdown's end.
    assert!(report.matches_started >= 4, "{report}");
    assert!(report.matched.samples >= 8, "{report}");
    assert!(report.matched.p50_ms < 1_000.0, "{report}");
    assert!(report.first_question_late.samples >= 4, "{report}");
    assert!(report.answers >= 40, "{report}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["in_step"], true);
    assert!(json["first_question_late"]["p99_ms"].is_number());
    assert_every_acknowledged_answer_stored(&server, &report).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_plays_ladder_races_and_every_acknowledged_answer_is_stored() {
    let server = quick_matches().await;
    let report = run(LoadConfig {
        ramp_per_sec: 200.0,
        ..config(&server, 8, "ladder")
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Eight players make two races of four at a time.
    assert!(report.matches_started >= 2, "{report}");
    assert!(report.answers >= 40, "{report}");
    assert!(report.fanout.samples >= 10, "{report}");
    assert_every_acknowledged_answer_stored(&server, &report).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_fights_district_battles_and_every_acknowledged_answer_is_stored() {
    let server = quick_matches().await;
    let id = running_competition(&server, &["市南区", "崂山区"], 3, 3).await;
    let report = run(LoadConfig {
        competition: Some(id),
        ..config(&server, 12, "district")
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.joined, 12, "{report}");
    // Six a side make two battles of 3 v 3 at a time.
    assert!(report.matches_started >= 2, "{report}");
    assert!(report.answers >= 36, "{report}");
    // Six members receive each question.
    assert!(report.fanout.samples >= 6, "{report}");
    let district = report.scenario(Scenario::District).unwrap();
    assert_eq!(district.answers, report.answers);
    assert_every_acknowledged_answer_stored(&server, &report).await;
    // The members were spread over both districts and battled for them.
    let sides = server
        .app()
        .stores
        .battles
        .district_battles(id)
        .await
        .unwrap();
    assert_eq!(sides.len(), 2, "{sides:?}");
    assert!(sides.iter().all(|d| d.battles >= 2), "{sides:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn district_battles_need_a_running_competition() {
    let server = TestServer::start().await;
    let err = run(config(&server, 2, "district")).await.unwrap_err();
    assert!(err.to_string().contains("--competition"), "{err}");
    let err = run(LoadConfig {
        competition: Some(999),
        ..config(&server, 2, "duel=1,district=1")
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("competition 999"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_players_hold_their_connections_and_keep_them_alive() {
    let server = TestServer::start().await;
    let report = run(LoadConfig {
        ramp_per_sec: 200.0,
        duration: Duration::from_secs(2),
        heartbeat: Some(Duration::from_millis(300)),
        ..config(&server, 20, "idle")
    })
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.joined, 20);
    assert_eq!(report.peak_connections, 20, "{report}");
    assert_eq!(
        (report.answers, report.sets_started, report.matches_started),
        (0, 0, 0)
    );
    // Every player pinged several times in 2 s, and every ping was answered.
    assert!(report.heartbeat.samples >= 20 * 5, "{report}");
    assert!(report.server_rss_kb_per_player.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mix_deals_players_out_by_weight_and_plays_every_scenario() {
    let server = quick_matches().await;
    let report = run(config(&server, 8, "duel=2,solo=1,idle=1"))
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let players = |s| report.scenario(s).map(|r| (r.players, r.joined));
    assert_eq!(players(Scenario::Duel), Some((4, 4)));
    assert_eq!(players(Scenario::Solo), Some((2, 2)));
    assert_eq!(players(Scenario::Idle), Some((2, 2)));
    assert_eq!(players(Scenario::Ladder), None);
    assert_eq!(report.peak_connections, 8);
    assert!(
        report.sets_started >= 2 && report.matches_started >= 2,
        "{report}"
    );
    let duel = report.scenario(Scenario::Duel).unwrap();
    let solo = report.scenario(Scenario::Solo).unwrap();
    assert!(duel.answers >= 20 && solo.answers >= 10, "{report}");
    assert_eq!(duel.answers + solo.answers, report.answers);
    assert_eq!(report.mix, "duel=2,solo=1,idle=1");
    assert_every_acknowledged_answer_stored(&server, &report).await;
}

#[test]
fn mixes_parse_from_names_and_weights() {
    let mix: Mix = "duel=50, solo=30,idle=20".parse().unwrap();
    assert_eq!(
        mix.weights(),
        &[
            (Scenario::Duel, 50),
            (Scenario::Solo, 30),
            (Scenario::Idle, 20)
        ]
    );
    assert_eq!(mix.to_string(), "duel=50,solo=30,idle=20");
    assert_eq!(
        "ladder".parse::<Mix>().unwrap(),
        Mix::only(Scenario::Ladder)
    );
    assert_eq!("ladder".parse::<Mix>().unwrap().to_string(), "ladder");
    let halves: Mix = "duel,district".parse().unwrap();
    assert_eq!(
        halves.weights(),
        &[(Scenario::Duel, 1), (Scenario::District, 1)]
    );
    for bad in ["", "chess", "duel=x", "duel=1,duel=2", "duel=0"] {
        assert!(bad.parse::<Mix>().is_err(), "{bad}");
    }
}

#[test]
fn a_mix_deals_players_out_in_proportion_and_interleaved() {
    let mix: Mix = "duel=50,solo=30,idle=20".parse().unwrap();
    let dealt = mix.assign(500);
    let count = |s| dealt.iter().filter(|&&d| d == s).count();
    assert_eq!(
        (
            count(Scenario::Duel),
            count(Scenario::Solo),
            count(Scenario::Idle)
        ),
        (250, 150, 100)
    );
    // Every ten players already have the mix.
    let first: Vec<_> = dealt[..10].to_vec();
    assert_eq!(first.iter().filter(|&&d| d == Scenario::Duel).count(), 5);
    assert_eq!(first.iter().filter(|&&d| d == Scenario::Idle).count(), 2);
}
