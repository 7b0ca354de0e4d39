//! Organizer accounts: created on the command line, signed in over HTTP,
//! throttled when guessed at, and kept apart from members.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::TestServer;

/// Runs `dati organizer add NAME` with the password on standard input.
fn organizer_add(data_dir: &Path, name: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["organizer", "add", name, "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

async fn server_with_organizer(name: &str, password: &str) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = organizer_add(dir.path(), name, password);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created"));
    let path = dir.path().to_path_buf();
    let server = TestServer::start_with(|c| c.data_dir = path).await;
    (server, dir)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn sign_in(
    http: &reqwest::Client,
    server: &TestServer,
    name: &str,
    password: &str,
) -> reqwest::Response {
    http.post(server.url("/api/admin/session"))
        .json(&serde_json::json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn error_code(res: reqwest::Response) -> String {
    let body: serde_json::Value = res.json().await.unwrap();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_organizer_created_on_the_command_line_signs_in() {
    let (server, _dir) = server_with_organizer("组织者", "长城长城长城长城").await;
    let http = client();
    let res = sign_in(&http, &server, "组织者", "长城长城长城长城").await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("dati_admin="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let me: serde_json::Value = http
        .get(server.url("/api/admin/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "组织者");
    // Signing out forgets the cookie.
    let res = http
        .delete(server.url("/api/admin/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = http.get(server.url("/api/admin/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn adding_an_existing_organizer_changes_the_password_and_short_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        organizer_add(dir.path(), "admin", "first-password")
            .status
            .success()
    );
    let again = organizer_add(dir.path(), "admin", "second-password");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("password changed"));
    let short = organizer_add(dir.path(), "admin", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8"));
    let path = dir.path().to_path_buf();
    let server = TestServer::start_with(|c| c.data_dir = path).await;
    let http = client();
    assert_eq!(
        sign_in(&http, &server, "admin", "first-password")
            .await
            .status(),
        401
    );
    assert_eq!(
        sign_in(&http, &server, "admin", "second-password")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_paused() {
    let (server, _dir) = server_with_organizer("admin", "correct horse battery").await;
    let http = client();
    for _ in 0..5 {
        let res = sign_in(&http, &server, "admin", "guess").await;
        assert_eq!(res.status(), 401);
        assert_eq!(error_code(res).await, "wrong_credentials");
    }
    // Even the right password waits now.
    let res = sign_in(&http, &server, "admin", "correct horse battery").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(error_code(res).await, "too_many_attempts");
    // An unknown name answers like a wrong password.
    let res = sign_in(&http, &server, "nobody", "whatever").await;
    assert_eq!(res.status(), 401);
    assert_eq!(error_code(res).await, "wrong_credentials");
}

#[tokio::test]
async fn members_cannot_reach_organizer_endpoints() {
    let (server, _dir) = server_with_organizer("admin", "correct horse battery").await;
    let member = server.member("普通会员").await;
    // A member's session cookie, sent as is and renamed to the admin cookie.
    for cookie in [
        member.cookie.clone(),
        member.cookie.replacen("dati_session", "dati_admin", 1),
    ] {
        let res = reqwest::Client::new()
            .get(server.url("/api/admin/me"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(error_code(res).await, "organizer_only");
    }
    let res = reqwest::Client::new()
        .get(server.url("/api/admin/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Malformed sign-in bodies are refused, not crashed on.
    let res = reqwest::Client::new()
        .post(server.url("/api/admin/session"))
        .header("content-type", "application/json")
        .body("{\"name\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn organizers_set_ladder_seasons_and_bad_ones_are_refused_with_the_field() {
    let (server, _dir) = server_with_organizer("admin", "correct horse battery").await;
    let http = client();
    assert_eq!(
        sign_in(&http, &server, "admin", "correct horse battery")
            .await
            .status(),
        200
    );
    let post = |body: serde_json::Value| {
        http.post(server.url("/api/admin/ladder/seasons"))
            .json(&body)
            .send()
    };
    // Tomorrow (Beijing time) and well in the future.
    let res = post(serde_json::json!({"starts_on": "2099-01-01"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let season: serde_json::Value = res.json().await.unwrap();
    assert_eq!(season["days"], 30);
    assert_eq!(season["status"], "upcoming");
    for (body, field) in [
        (
            serde_json::json!({"starts_on": "2099-01-15"}),
            "starts_on：与第",
        ),
        (
            serde_json::json!({"starts_on": "2020-01-01"}),
            "starts_on：赛季不能从过去开始",
        ),
        (
            serde_json::json!({"starts_on": "2099-06-01", "days": 0}),
            "days：",
        ),
        (
            serde_json::json!({"starts_on": "2099-02-30"}),
            "starts_on：日期",
        ),
    ] {
        let res = post(body.clone()).await.unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let err: serde_json::Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_season");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{body}: {message}");
    }
    let list: serde_json::Value = http
        .get(server.url("/api/admin/ladder/seasons"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["seasons"].as_array().unwrap().len(), 1);
    // Members cannot set seasons.
    let member = server.member("会员").await;
    let res = member
        .http
        .get(server.url("/api/admin/ladder/seasons"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
