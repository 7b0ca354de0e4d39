//! District competitions over the organizer API: drafts, refusals naming
//! the field, publishing, edits until the start, closing early, cloning,
//! version conflicts, organizer-only access, and what members see. On both
//! backends.

mod common;

use common::TestServer;
use common::matches::{Backend, server};
use reqwest::StatusCode;
use serde_json::{Value, json};

const HOUR_MS: i64 = 60 * 60 * 1000;

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn rules(title: &str, starts_at_ms: i64, ends_at_ms: i64) -> Value {
    json!({
        "title": title,
        "starts_at_ms": starts_at_ms,
        "ends_at_ms": ends_at_ms,
        "questions": {"kind": "filter", "histories": ["party", "reform"], "min_difficulty": 1, "max_difficulty": 5},
        "team_size": 5,
        "questions_per_battle": 5,
        "daily_battles": 3,
        "districts": ["市南区", "崂山区", "黄岛区"],
    })
}

struct Console<'a> {
    server: &'a TestServer,
    http: reqwest::Client,
}

impl Console<'_> {
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.http.post(self.server.url(path)).json(&body)).await
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.http.put(self.server.url(path)).json(&body)).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.http.get(self.server.url(path))).await
    }
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no field errors: {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_organizer_runs_a_competition_through_its_life(backend: Backend) {
    let Some(env) = server(
        backend,
        "an_organizer_runs_a_competition_through_its_life",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let now = dati::rooms::wall_ms();
    let console = Console {
        server,
        http: server
            .organizer_client("赛事组", "correct horse battery")
            .await,
    };

    // A draft may be incomplete; publishing names every problem.
    let mut bad = rules("   ", now - 48 * HOUR_MS, now - 24 * HOUR_MS);
    bad["questions"] = json!({"kind": "picked", "ids": []});
    bad["districts"] = json!(["市南区", "市南区"]);
    let (status, draft) = console.post("/api/admin/competitions", bad).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 1);
    let id = draft["id"].as_i64().unwrap();
    let listed: Vec<String> = draft["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_owned())
        .collect();
    let (status, refused) = console
        .post(
            &format!("/api/admin/competitions/{id}/publish"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["code"], "invalid_rules");
    let refused_fields = fields(&refused);
    for field in ["title", "ends_at_ms", "questions", "districts"] {
        assert!(
            refused_fields.iter().any(|f| f == field),
            "{field}: {refused}"
        );
    }
    assert_eq!(
        listed, refused_fields,
        "the draft's problems are what publishing refuses"
    );

    // Fix it: a window starting in an hour.
    let good = rules("崂山杯·四史知识区域PK赛", now + HOUR_MS, now + 25 * HOUR_MS);
    let (status, edited) = console
        .put(
            &format!("/api/admin/competitions/{id}"),
            json!({"version": 1, "rules": good}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["problems"], json!([]));
    // Someone else's stale copy does not overwrite it.
    let (status, stale) = console
        .put(
            &format!("/api/admin/competitions/{id}"),
            json!({"version": 1, "rules": rules("旧稿", now + HOUR_MS, now + 2 * HOUR_MS)}),
        )
        .await;
    assert_eq!(
        (status, stale["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("version_conflict"))
    );

    let (status, published) = console
        .post(
            &format!("/api/admin/competitions/{id}/publish"),
            json!({"version": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["status"], "published");
    assert_eq!(published["state"]["state"], "published");
    let (status, again) = console
        .post(
            &format!("/api/admin/competitions/{id}/publish"),
            json!({"version": 3}),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_published"))
    );

    // Members see it with its countdown; drafts they do not.
    let member = server.member("队员").await;
    console
        .post(
            "/api/admin/competitions",
            rules("草稿", now + HOUR_MS, now + 2 * HOUR_MS),
        )
        .await;
    let seen = member.get("/api/competitions").await;
    let shown = seen["competitions"].as_array().unwrap();
    assert_eq!(shown.len(), 1, "{seen}");
    assert_eq!(shown[0]["title"], "崂山杯·四史知识区域PK赛");
    assert_eq!(shown[0]["status"], "published");
    assert_eq!(shown[0]["my_district_takes_part"], true);
    assert!(shown[0]["starts_at_ms"].as_i64().unwrap() > seen["server_time_ms"].as_i64().unwrap());

    // Before the start, valid edits are taken and invalid ones refused.
    let mut fewer = good.clone();
    fewer["districts"] = json!(["市南区"]);
    let (status, refused) = console
        .put(
            &format!("/api/admin/competitions/{id}"),
            json!({"version": 3, "rules": fewer}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(fields(&refused), ["districts"]);
    let mut bigger = good.clone();
    bigger["team_size"] = json!(3);
    let (status, edited) = console
        .put(
            &format!("/api/admin/competitions/{id}"),
            json!({"version": 3, "rules": bigger}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["rules"]["team_size"], 3);

    // Close it early; then nothing more can be done to it but cloning.
    let (status, closed) = console
        .post(
            &format!("/api/admin/competitions/{id}/close"),
            json!({"version": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "finished");
    let (status, refused) = console
        .put(
            &format!("/api/admin/competitions/{id}"),
            json!({"version": 5, "rules": good}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("finished"))
    );
    let (status, copy) = console
        .post(&format!("/api/admin/competitions/{id}/clone"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["rules"]["title"], "崂山杯·四史知识区域PK赛（副本）");
    assert_eq!(copy["rules"]["team_size"], 3);
    let (_, all) = console.get("/api/admin/competitions").await;
    assert_eq!(all["competitions"].as_array().unwrap().len(), 3);
    let (status, _) = console.get("/api/admin/competitions/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn rules_cannot_change_once_a_competition_runs(backend: Backend) {
    let Some(env) = server(
        backend,
        "rules_cannot_change_once_a_competition_runs",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let now = dati::rooms::wall_ms();
    let console = Console {
        server,
        http: server
            .organizer_client("赛事组", "correct horse battery")
            .await,
    };
    // Starting "now" (a form filled in a few seconds ago).
    let running = rules("即时开赛", now - 5_000, now + HOUR_MS);
    let (_, draft) = console
        .post("/api/admin/competitions", running.clone())
        .await;
    let id = draft["id"].as_i64().unwrap();
    let (status, published) = console
        .post(
            &format!("/api/admin/competitions/{id}/publish"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["status"], "running");
    let (status, refused) = console
        .put(
            &format!("/api/admin/competitions/{id}"),
            json!({"version": 2, "rules": running}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("started"))
    );
    let (status, closed) = console
        .post(
            &format!("/api/admin/competitions/{id}/close"),
            json!({"version": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(closed["effective_end_ms"].as_i64().unwrap() < now + HOUR_MS);
    let (status, refused) = console
        .post(
            &format!("/api/admin/competitions/{id}/close"),
            json!({"version": 3}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("finished"))
    );
    // A draft is not closed: it was never shown.
    let (_, draft) = console
        .post(
            "/api/admin/competitions",
            rules("未发布", now + HOUR_MS, now + 2 * HOUR_MS),
        )
        .await;
    let (status, refused) = console
        .post(
            &format!("/api/admin/competitions/{}/close", draft["id"]),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_published"))
    );
}

async fn a_retired_district_cannot_take_part(backend: Backend) {
    let Some(env) = server(backend, "a_retired_district_cannot_take_part", |_| {}).await else {
        return;
    };
    let server = &env.server;
    let now = dati::rooms::wall_ms();
    let console = Console {
        server,
        http: server
            .organizer_client("赛事组", "correct horse battery")
            .await,
    };
    let (status, _) = send(
        console
            .http
            .patch(server.url("/api/admin/districts/黄岛区"))
            .json(&json!({"retired": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, draft) = console
        .post(
            "/api/admin/competitions",
            rules("含停用区市", now + HOUR_MS, now + 2 * HOUR_MS),
        )
        .await;
    let (status, refused) = console
        .post(
            &format!("/api/admin/competitions/{}/publish", draft["id"]),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&refused), ["districts"]);
}

async fn only_organizers_reach_the_competition_api(backend: Backend) {
    let Some(env) = server(backend, "only_organizers_reach_the_competition_api", |_| {}).await
    else {
        return;
    };
    let server = &env.server;
    let member = server.member("队员").await;
    let now = dati::rooms::wall_ms();
    let body = rules("越权", now + HOUR_MS, now + 2 * HOUR_MS);
    for (method, path) in [
        ("GET", "/api/admin/competitions"),
        ("POST", "/api/admin/competitions"),
        ("GET", "/api/admin/competitions/1"),
        ("PUT", "/api/admin/competitions/1"),
        ("POST", "/api/admin/competitions/1/publish"),
        ("POST", "/api/admin/competitions/1/close"),
        ("POST", "/api/admin/competitions/1/clone"),
        ("GET", "/api/admin/districts"),
    ] {
        let url = server.url(path);
        let req = match method {
            "GET" => member.http.get(url),
            "PUT" => member
                .http
                .put(url)
                .json(&json!({"version": 1, "rules": body})),
            _ => member.http.post(url).json(&body),
        };
        let (status, refused) = send(req).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {refused}"
        );
    }
}

common::on_both_backends!(
    an_organizer_runs_a_competition_through_its_life,
    rules_cannot_change_once_a_competition_runs,
    a_retired_district_cannot_take_part,
    only_organizers_reach_the_competition_api,
);
