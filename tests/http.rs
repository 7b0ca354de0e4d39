//! REST, health, metrics and static files.

mod common;

use common::TestServer;
use dati::ws::protocol::{ClientMsg, SetMode};
use serde_json::{Value, json};

async fn sign_in(server: &TestServer, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(server.url("/api/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn sign_in_checks_the_nickname_and_district() {
    let server = TestServer::start().await;
    for (nickname, district, code) in [
        ("   ", "市南区", "nickname_empty"),
        (
            "一二三四五六七八九十一二三四五六七",
            "市南区",
            "nickname_too_long",
        ),
        ("我是管理员", "市南区", "nickname_banned"),
        ("Ad Min", "市南区", "nickname_banned"),
        ("小王", "北京市", "unknown_district"),
    ] {
        let (status, body) =
            sign_in(&server, json!({"nickname": nickname, "district": district})).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{nickname}/{district}"
        );
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, body) = sign_in(&server, json!({"nick": "x"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let huge = json!({"nickname": "x".repeat(20_000), "district": "市南区"});
    let (status, body) = sign_in(&server, huge).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let (status, body) = sign_in(
        &server,
        json!({"nickname": "  十六个字十六个字十六个字十六个  ", "district": "莱西市"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["member"]["nickname"], "十六个字十六个字十六个字十六个");
}

#[tokio::test]
async fn me_needs_a_session_and_sign_out_ends_it() {
    let server = TestServer::start().await;
    let res = reqwest::get(server.url("/api/me")).await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    let member = server.member("小赵").await;
    let me = member.get("/api/me").await;
    assert_eq!(
        (
            me["id"].as_i64(),
            me["nickname"].as_str(),
            me["district"].as_str()
        ),
        (Some(member.id), Some("小赵"), Some("市南区"))
    );
    assert_eq!(me["rating"], 1500);
    let res = member
        .http
        .delete(server.url("/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = member.http.get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn districts_and_histories_are_listed() {
    let server = TestServer::start().await;
    let districts: Value = reqwest::get(server.url("/api/districts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(districts["districts"].as_array().unwrap().len(), 10);
    assert_eq!(districts["districts"][0], "市南区");
    let histories: Value = reqwest::get(server.url("/api/histories"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = histories["histories"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert!(list.iter().all(|h| h["count"].as_u64().unwrap() >= 25));
    assert_eq!(list[0]["name"], "党史");
}

#[tokio::test]
async fn leaderboard_parameters_are_checked() {
    let server = TestServer::start().await;
    let member = server.member("榜单").await;
    for query in [
        "board=ladders",
        "board=ladder_wood",
        "board=ladder&season=999",
        "board=ladder&season=first",
        "period=year",
        "limit=0",
        "limit=500",
        "limit=abc",
    ] {
        let res = member
            .http
            .get(server.url(&format!("/api/leaderboard?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{query}");
    }
    let empty = member.get("/api/leaderboard").await;
    assert_eq!(
        (empty["board"].as_str(), empty["period"].as_str()),
        (Some("overall"), Some("all_time"))
    );
    assert!(empty["me"].is_null());
}

/// A member's duel rating: the starting one before any duel, then what
/// the last rated duel left, on the rating board too, also after a restart.
#[tokio::test]
async fn the_duel_rating_is_served_and_its_board_survives_a_restart() {
    use dati::store::{MatchEnd, MatchPlayerResult, WriteOp};

    let mut server = TestServer::start().await;
    let res = reqwest::get(server.url("/api/me/duel")).await.unwrap();
    assert_eq!(res.status(), 401);
    let member = server.member("对战").await;
    assert_eq!(
        member.get("/api/me/duel").await,
        json!({"rating": 1500, "deviation": 350.0, "provisional": true,
               "games": 0, "wins": 0, "losses": 0, "draws": 0})
    );
    let now = dati::rooms::wall_ms();
    let player = |seat, member_id: Option<i64>, result: &str, rating_after| MatchPlayerResult {
        seat,
        member_id,
        bot_name: member_id.is_none().then(|| "小明".to_string()),
        counted: true,
        rated: member_id.is_some(),
        place: seat + 1,
        points: 900,
        correct: 3,
        answer_ms_total: 9000,
        forfeited: false,
        result: result.into(),
        rating_before: 1500.0,
        rating_after,
        deviation_after: 100.0,
        volatility_after: 0.06,
        ladder: None,
        team: None,
    };
    server
        .app()
        .queue
        .push(WriteOp::MatchFinished(MatchEnd {
            match_id: 7,
            mode: "duel".into(),
            relaxed: false,
            started_at_ms: now - 60_000,
            finished_at_ms: now,
            outcome: "completed".into(),
            winner_seat: Some(0),
            question_count: 5,
            players: vec![
                player(0, Some(member.id), "win", 1543.6),
                player(1, None, "loss", 1500.0),
            ],
            battle: None,
        }))
        .await
        .unwrap();
    server.settle().await;
    assert_eq!(
        member.get("/api/me/duel").await,
        json!({"rating": 1544, "deviation": 100.0, "provisional": false,
               "games": 1, "wins": 1, "losses": 0, "draws": 0})
    );
    // All-time only, whatever period is asked for.
    let board = member
        .get("/api/leaderboard?board=duel_rating&period=day")
        .await;
    assert_eq!(
        (board["board"].as_str(), board["period"].as_str()),
        (Some("duel_rating"), Some("all_time"))
    );
    assert_eq!(
        (board["ranked"].as_u64(), board["me"]["score"].as_i64()),
        (Some(1), Some(1544))
    );

    server.stop().await;
    let data = server.data_dir.path().to_path_buf();
    let restarted = TestServer::start_with(|c| c.data_dir = data).await;
    let again: Value = member
        .http
        .get(restarted.url("/api/leaderboard?board=duel_rating"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["me"]["score"].as_i64(), Some(1544), "{again}");
}

async fn play_one_set(server: &TestServer, member: &common::TestMember) -> u64 {
    let mut ws = member.connect().await;
    ws.send(&ClientMsg::Start {
        mode: SetMode::Practice,
        history: None,
        size: Some(5),
        difficulty: None,
        relaxed: false,
    })
    .await;
    ws.recv().await;
    ws.play_set(&server.bank, 5, |_| true).await.points
}

#[tokio::test]
async fn the_leaderboard_ranks_members_and_survives_a_restart() {
    let mut server = TestServer::start().await;
    let first = server.member("第一名").await;
    let second = server.member("第二名").await;
    let a = play_one_set(&server, &first).await;
    let b = play_one_set(&server, &second).await;
    server.settle().await;
    let board = first
        .get("/api/leaderboard?board=overall&period=week")
        .await;
    assert_eq!(board["ranked"], 2);
    let scores: Vec<u64> = board["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["score"].as_u64().unwrap())
        .collect();
    let mut expected = vec![a, b];
    expected.sort_by(|x, y| y.cmp(x));
    assert_eq!(scores, expected);
    assert_eq!(board["me"]["nickname"], "第一名");
    assert_eq!(board["around_me"].as_array().unwrap().len(), 2);

    // A new server on the same data rebuilds the in-process boards from SQL.
    server.stop().await;
    let data = server.data_dir.path().to_path_buf();
    let restarted = TestServer::start_with(|c| c.data_dir = data).await;
    let again = first
        .http
        .get(restarted.url("/api/leaderboard?board=solo&period=day"))
        .send()
        .await
        .unwrap();
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["ranked"], 2);
    assert_eq!(again["me"]["score"].as_u64(), Some(a));
}

#[tokio::test]
async fn health_readiness_and_metrics_are_served() {
    let server = TestServer::start().await;
    assert_eq!(
        reqwest::get(server.url("/healthz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let member = server.member("指标").await;
    play_one_set(&server, &member).await;
    server.settle().await;
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "dati_open_connections",
        "dati_answers_recorded_total",
        "dati_answer_queue_depth",
        "dati_ws_messages_in_total",
        "dati_ws_messages_out_total",
    ] {
        assert!(metrics.contains(name), "{name} missing from\n{metrics}");
    }
    let recorded: f64 = metrics
        .lines()
        .find(|l| l.starts_with("dati_answers_recorded_total "))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    // Metrics are process-wide and other tests run alongside: at least ours.
    assert!(recorded >= 5.0, "{recorded}");
}

#[tokio::test]
async fn the_web_client_is_served_from_the_root() {
    let server = TestServer::start().await;
    let res = reqwest::get(server.url("/")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = res.text().await.unwrap();
    assert!(body.contains("答题"), "the index page is the dati client");
    let media = reqwest::get(server.url("/media/party-m01-timeline.svg"))
        .await
        .unwrap();
    assert_eq!(media.status(), 200);
    assert_eq!(
        reqwest::get(server.url("/media/nope.svg"))
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_secure_when_configured() {
    for secure in [false, true] {
        let server = TestServer::start_with(|c| c.secure_cookies = secure).await;
        let res = reqwest::Client::new()
            .post(server.url("/api/session"))
            .json(&json!({"nickname": "饼干", "district": "市北区"}))
            .send()
            .await
            .unwrap();
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("dati_session=v1."), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
    }
}

#[tokio::test]
async fn unknown_api_paths_and_methods_get_json_errors() {
    let server = TestServer::start().await;
    let res = reqwest::get(server.url("/api/nope")).await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let res = reqwest::Client::new()
        .put(server.url("/api/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "method_not_allowed"
    );
}
