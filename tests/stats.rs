//! Organizer statistics over real HTTP on both backends: totals that agree
//! with the answers, the discrimination index and its flags, paging,
//! exports, bad parameters, and organizers only.

mod common;

use common::{PgDatabase, TestServer};
use dati::store::{AnswerRecord, WriteOp};
use serde_json::Value;

const T0: i64 = 1_795_968_000_000; // 2026-11-30 00:00 Beijing

/// Signs an organizer in and returns a client holding the admin cookie.
async fn organizer(server: &TestServer) -> reqwest::Client {
    server.organizer_client("统计员", "统计员的密码").await
}

async fn get(http: &reqwest::Client, server: &TestServer, path: &str) -> Value {
    let res = http.get(server.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}: {:?}", res.text().await);
    res.json().await.unwrap()
}

fn answer(member_id: i64, question: &str, choice: &str, correct: bool, at: i64) -> WriteOp {
    WriteOp::Answer(AnswerRecord {
        session_id: at,
        question_id: question.into(),
        question_version: 1,
        member_id,
        history: "party".into(),
        mode: "practice".into(),
        choice: Some(choice.into()),
        correct,
        answer_ms: 1000 + (member_id % 7) * 500,
        points: if correct { 800 } else { 0 },
        answered_at_ms: at,
        member_rating: None,
        question_rating: 1500.0,
    })
}

/// 40 members in two districts. Strong members (ids in the upper half)
/// answer party-001 right and party-002 wrong with the same option; weak
/// ones the other way round: party-002 looks mis-keyed. Everyone also
/// answers ten filler questions, right when strong.
async fn seed(server: &TestServer) -> Vec<i64> {
    let stores = &server.app().stores;
    let mut ids = Vec::new();
    for i in 0..40 {
        let district = if i % 2 == 0 { "市南区" } else { "崂山区" };
        let m = stores
            .members
            .create_member(&format!("会员{i}"), district, T0)
            .await
            .unwrap();
        ids.push(m.id);
    }
    let mut ops = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        let strong = i >= 20;
        let at = T0 + i as i64 * 1000;
        ops.push(answer(
            id,
            "party-001",
            if strong { "A" } else { "B" },
            strong,
            at,
        ));
        ops.push(answer(
            id,
            "party-002",
            if strong { "C" } else { "A" },
            !strong,
            at + 1,
        ));
        for k in 3..13 {
            let q = format!("party-{k:03}");
            ops.push(answer(id, &q, "A", strong || k % 3 == 0, at + k));
        }
    }
    stores.answers.write_batch(&ops).await.unwrap();
    ids
}

async fn statistics_agree_with_the_answers(server: &TestServer) {
    let ids = seed(server).await;
    let http = organizer(server).await;
    let overview = get(&http, server, "/api/admin/stats/overview").await;
    assert_eq!(overview["answers"], 40 * 12);
    assert_eq!(overview["participants"], 40);

    let refreshed: Value = http
        .post(server.url("/api/admin/stats/refresh"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(refreshed["questions"].as_i64().unwrap() >= 12);

    let q = get(
        &http,
        server,
        "/api/admin/stats/questions?sort=id&order=asc&per_page=5",
    )
    .await;
    assert_eq!(q["total"], 12);
    assert_eq!(q["thresholds"]["too_easy_accuracy"], 0.95);
    assert_eq!(q["rows"].as_array().unwrap().len(), 5);
    let first = &q["rows"][0];
    assert_eq!(first["question_id"], "party-001");
    assert_eq!(first["attempts"], 40);
    assert_eq!(first["correct"], 20);
    assert_eq!(first["accuracy"], 0.5);
    // The lower median of party-001's 40 answer times, given to the
    // middle of its 100 ms step.
    let mut times: Vec<i64> = ids.iter().map(|id| 1000 + (id % 7) * 500).collect();
    times.sort_unstable();
    assert_eq!(first["median_ms"], times[19] / 100 * 100 + 50);
    assert!(first["discrimination"].as_f64().unwrap() > 0.9, "{first}");
    let second = &q["rows"][1];
    assert_eq!(second["question_id"], "party-002");
    assert!(second["discrimination"].as_f64().unwrap() < -0.9);
    let flags: Vec<&str> = second["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(flags.contains(&"negative_discrimination"), "{flags:?}");
    // The choices are in the bank's letters; the keyed answer may or may
    // not be the most chosen one, so only its presence is checked here.
    assert_eq!(second["choices"].as_array().unwrap().len(), 2);

    // Filtering by flag.
    let flagged = get(
        &http,
        server,
        "/api/admin/stats/questions?flag=negative_discrimination",
    )
    .await;
    assert_eq!(flagged["total"], 1);

    let members = get(&http, server, "/api/admin/stats/members?per_page=10").await;
    assert_eq!(members["total"], 40);
    assert_eq!(members["rows"].as_array().unwrap().len(), 10);
    // Strongest first: all but party-002 right.
    assert_eq!(members["rows"][0]["correct"], 11);
    let south = get(
        &http,
        server,
        "/api/admin/stats/members?district=%E5%B8%82%E5%8D%97%E5%8C%BA",
    )
    .await;
    assert_eq!(south["total"], 20);

    // Search by nickname; LIKE's wildcards are taken literally.
    let named = get(
        &http,
        server,
        "/api/admin/stats/members?q=%E4%BC%9A%E5%91%981",
    )
    .await;
    assert_eq!(named["total"], 11, "会员1 and 会员10–19");
    let percent = get(&http, server, "/api/admin/stats/members?q=%25").await;
    assert_eq!(percent["total"], 0);
    assert!(
        named["rows"][0]["last_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-30 ")
    );

    let districts = get(&http, server, "/api/admin/stats/districts").await;
    let rows = districts["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "every configured district is listed");
    let laoshan = rows.iter().find(|r| r["district"] == "崂山区").unwrap();
    assert_eq!(laoshan["members"], 20);
    assert_eq!(laoshan["participants"], 20);
    assert_eq!(laoshan["participation_rate"], 1.0);
    let quiet = rows.iter().find(|r| r["district"] == "莱西市").unwrap();
    assert_eq!(quiet["answers"], 0);

    let histories = get(&http, server, "/api/admin/stats/histories").await;
    let party = &histories["rows"][0];
    assert_eq!(party["history"], "party");
    assert_eq!(party["answers"], 480);

    let days = get(
        &http,
        server,
        "/api/admin/stats/days?from=2026-11-29&to=2026-11-30",
    )
    .await;
    assert_eq!(days["rows"][0]["date"], "2026-11-30");
    assert_eq!(days["rows"][0]["answers"], 480);
    assert_eq!(days["rows"][0]["participants"], 40);
    assert_eq!(days["rows"][1]["answers"], 0);

    // Exports: the whole table, as CSV (with a BOM) and as XLSX.
    let csv = http
        .get(server.url("/api/admin/stats/members?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("members.csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), 41, "a heading and every member");
    let xlsx = http
        .get(server.url("/api/admin/stats/questions?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // The bank browser.
    let bank = get(
        &http,
        server,
        "/api/admin/questions?media=image&per_page=100",
    )
    .await;
    assert!(bank["total"].as_u64().unwrap() >= 1);
    assert!(
        bank["rows"][0]["media"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/media/")
    );

    let retired = get(&http, server, "/api/admin/questions?status=retired").await;
    assert_eq!(retired["total"], 0, "the shipped bank retires nothing");
    assert_eq!(bank["rows"][0]["retired"], false);

    // Bad parameters are refused with a reason.
    for path in [
        "/api/admin/stats/questions?per_page=0",
        "/api/admin/stats/questions?per_page=1000",
        "/api/admin/stats/questions?history=maths",
        "/api/admin/stats/members?sort=age",
        "/api/admin/stats/days?from=2026-02-30",
        "/api/admin/stats/days?from=2026-12-01&to=2026-11-01",
        "/api/admin/stats/questions?format=pdf",
        "/api/admin/stats/questions?sort=mood",
        "/api/admin/stats/questions?order=sideways",
        "/api/admin/stats/questions?flag=boring",
        "/api/admin/questions?status=sleeping",
    ] {
        let res = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 400, "{path}");
    }
}

#[tokio::test]
async fn statistics_agree_with_the_answers_on_sqlite() {
    let server = TestServer::start().await;
    statistics_agree_with_the_answers(&server).await;
}

#[tokio::test]
async fn statistics_agree_with_the_answers_on_postgres() {
    let Some(db) = PgDatabase::create("statistics_agree_with_the_answers_on_postgres").await else {
        return;
    };
    let url = db.url.clone();
    let server = TestServer::start_with(|c| c.database_url = Some(url)).await;
    statistics_agree_with_the_answers(&server).await;
    drop(server);
    db.drop_database().await;
}

#[tokio::test]
async fn only_organizers_read_statistics() {
    let server = TestServer::start().await;
    let member = server.member("好奇的会员").await;
    for path in [
        "/api/admin/stats/overview",
        "/api/admin/stats/questions",
        "/api/admin/stats/members",
        "/api/admin/stats/districts",
        "/api/admin/stats/histories",
        "/api/admin/stats/days",
        "/api/admin/questions",
    ] {
        let res = member.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    let res = member
        .http
        .post(server.url("/api/admin/stats/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
