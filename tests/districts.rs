//! Districts are data: organizers add, rename and retire them; members
//! move district at most once per 30 days. On both backends.

mod common;

use common::matches::{Backend, server};
use common::{TestMember, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ORGANIZER: (&str, &str) = ("区市管理员", "correct horse battery");

async fn organizer(server: &TestServer) -> reqwest::Client {
    server.organizer_client(ORGANIZER.0, ORGANIZER.1).await
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.unwrap();
    let status = res.status();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn sign_in_to(server: &TestServer, nickname: &str, district: &str) -> (StatusCode, Value) {
    send(
        reqwest::Client::new()
            .post(server.url("/api/session"))
            .json(&json!({"nickname": nickname, "district": district})),
    )
    .await
}

async fn public_names(server: &TestServer) -> Vec<String> {
    let body: Value = reqwest::get(server.url("/api/districts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    serde_json::from_value(body["districts"].clone()).unwrap()
}

async fn organizers_add_rename_and_retire_districts(backend: Backend) {
    let Some(env) = server(
        backend,
        "organizers_add_rename_and_retire_districts",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let names = public_names(server).await;
    assert_eq!(names.len(), 10, "seeded with the ten defaults");
    assert_eq!(names[0], "市南区");
    // Members may not touch the list.
    let member = server.member("路人").await;
    let (status, _) = send(
        member
            .http
            .post(server.url("/api/admin/districts"))
            .json(&json!({"name": "西海岸新区"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let org = organizer(server).await;
    let (status, added) = send(
        org.post(server.url("/api/admin/districts"))
            .json(&json!({"name": "  西海岸新区 "})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["name"], "西海岸新区");
    assert_eq!(added["position"], 11);
    assert_eq!(public_names(server).await.last().unwrap(), "西海岸新区");
    let (status, _) = sign_in_to(server, "新区人", "西海岸新区").await;
    assert_eq!(status, StatusCode::CREATED);
    for (name, status, code) in [
        ("西海岸新区", StatusCode::CONFLICT, "district_exists"),
        ("   ", StatusCode::BAD_REQUEST, "invalid_district"),
        (
            "一二三四五六七八九十一二三四五六七八九十一",
            StatusCode::BAD_REQUEST,
            "invalid_district",
        ),
    ] {
        let (got, body) = send(
            org.post(server.url("/api/admin/districts"))
                .json(&json!({ "name": name })),
        )
        .await;
        assert_eq!(got, status, "{name}: {body}");
        assert_eq!(body["error"]["code"], code);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("name：")
        );
    }

    // Renaming moves the district's members with it.
    let (status, renamed) = send(
        org.patch(server.url("/api/admin/districts/市南区"))
            .json(&json!({"name": "市南新区"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "市南新区");
    assert_eq!(renamed["members"], 1, "{renamed}");
    assert_eq!(member.get("/api/me").await["district"], "市南新区");
    let names = public_names(server).await;
    assert_eq!(names[0], "市南新区", "the position is kept");
    assert!(!names.contains(&"市南区".to_owned()));
    let (status, body) = sign_in_to(server, "旧名", "市南区").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "unknown_district");
    let (status, body) = send(
        org.patch(server.url("/api/admin/districts/市北区"))
            .json(&json!({"name": "崂山区"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("district_exists"))
    );
    let (status, _) = send(
        org.patch(server.url("/api/admin/districts/没有这个区"))
            .json(&json!({"retired": true})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A retired district takes no new members and keeps its old ones.
    let (status, retired) = send(
        org.patch(server.url("/api/admin/districts/市南新区"))
            .json(&json!({"retired": true})),
    )
    .await;
    assert_eq!(
        (status, retired["retired"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert!(!public_names(server).await.contains(&"市南新区".to_owned()));
    let (status, _) = sign_in_to(server, "晚来", "市南新区").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(member.get("/api/me").await["district"], "市南新区");
    let (_, list) = send(org.get(server.url("/api/admin/districts"))).await;
    let listed = list["districts"].as_array().unwrap();
    assert_eq!(listed.len(), 11);
    assert_eq!(listed[0]["retired"], true);
    let (status, _) = send(
        org.patch(server.url("/api/admin/districts/市南新区"))
            .json(&json!({"retired": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public_names(server).await[0], "市南新区");
    let (status, _) = send(
        org.patch(server.url("/api/admin/districts/市南新区"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an empty change is refused"
    );
}

async fn change_district(m: &TestMember, district: &str) -> (StatusCode, Value) {
    send(
        m.http
            .put(format!("http://{}/api/me/district", m.addr))
            .json(&json!({ "district": district })),
    )
    .await
}

async fn members_change_district_at_most_once_a_month(backend: Backend) {
    let Some(env) = server(
        backend,
        "members_change_district_at_most_once_a_month",
        |_| {},
    )
    .await
    else {
        return;
    };
    let m = env.server.member("搬家").await;
    let (status, body) = change_district(&m, "市南区").await;
    assert_eq!(
        (status, body["changed"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    let (status, body) = change_district(&m, "火星区").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "unknown_district");
    let (status, body) = change_district(&m, "崂山区").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], true);
    assert_eq!(m.get("/api/me").await["district"], "崂山区");
    let (status, body) = change_district(&m, "李沧区").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "district_change_too_soon");
    let next = body["error"]["next_change_at_ms"].as_i64().unwrap();
    let in_a_month = dati::rooms::wall_ms() + 29 * 24 * 60 * 60 * 1000;
    assert!(next > in_a_month, "{body}");
    assert_eq!(m.get("/api/me").await["district"], "崂山区");
}

common::on_both_backends!(
    organizers_add_rename_and_retire_districts,
    members_change_district_at_most_once_a_month,
);
