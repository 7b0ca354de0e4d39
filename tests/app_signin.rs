//! Sign-in through the union's app: `POST /api/session/app` with a token the
//! app signs (docs/app-integration.md).

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{PgDatabase, TestServer, WsClient};
use dati::rooms::wall_ms;
use dati::ws::protocol::ServerMsg;
use futures_util::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "app-secret-app-secret-app-secret-0123";

fn now_s() -> i64 {
    wall_ms() / 1000
}

/// Current claims for app member `sub`, with a fresh jti.
fn claims(sub: &str, nickname: &str) -> Value {
    let now = now_s();
    json!({
        "sub": sub,
        "nickname": nickname,
        "district": "崂山区",
        "iat": now,
        "exp": now + 300,
        "jti": format!("{:x}", rand::random::<u64>()),
    })
}

fn mint_with(secret: &str, alg: Algorithm, claims: &Value) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn mint(claims: &Value) -> String {
    mint_with(SECRET, Algorithm::HS256, claims)
}

async fn start() -> TestServer {
    TestServer::start_with(|c| c.app_secret = Some(SECRET.into())).await
}

struct Answer {
    status: u16,
    body: Value,
    /// `dati_session=…`, when set.
    cookie: Option<String>,
}

impl Answer {
    fn code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }
}

async fn post(server: &TestServer, token: &str) -> Answer {
    let res = reqwest::Client::new()
        .post(server.url("/api/session/app"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    Answer {
        status: res.status().as_u16(),
        body: res.json().await.unwrap_or(Value::Null),
        cookie,
    }
}

async fn me(server: &TestServer, cookie: &str) -> Value {
    let res = reqwest::Client::new()
        .get(server.url("/api/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_valid_token_signs_in_a_new_member_whose_cookie_works_everywhere() {
    let server = start().await;
    let a = post(&server, &mint(&claims("app-1001", "工会小李"))).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let member = &a.body["member"];
    assert_eq!(
        (member["nickname"].as_str(), member["district"].as_str()),
        (Some("工会小李"), Some("崂山区"))
    );
    let id = member["id"].as_i64().unwrap();
    let cookie = a.cookie.expect("a session cookie");
    assert!(cookie.starts_with("dati_session="));
    assert_eq!(me(&server, &cookie).await["id"].as_i64(), Some(id));
    // connect() takes the hello; a second socket reads it itself.
    WsClient::connect(server.addr, Some(&cookie), None)
        .await
        .expect("the websocket accepts the session");
    let mut request = format!("ws://{}/ws", server.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let Some(Ok(Message::Text(hello))) = socket.next().await else {
        panic!("a hello");
    };
    match serde_json::from_str(hello.as_str()).unwrap() {
        ServerMsg::Hello { member, .. } => assert_eq!(member.id, id),
        other => panic!("expected hello, got {other:?}"),
    }
}

#[tokio::test]
async fn the_same_app_member_always_signs_in_to_the_same_member_with_fresh_details() {
    let server = start().await;
    let first = post(&server, &mint(&claims("app-7", "老张"))).await;
    assert_eq!(first.status, 201);
    let id = first.body["member"]["id"].as_i64().unwrap();
    let other = post(&server, &mint(&claims("app-8", "老张"))).await;
    assert_ne!(other.body["member"]["id"].as_i64(), Some(id));

    let mut renamed = claims("app-7", "张师傅");
    renamed["district"] = json!("黄岛区");
    let again = post(&server, &mint(&renamed)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["member"]["id"].as_i64(), Some(id));
    let me = me(&server, &again.cookie.unwrap()).await;
    assert_eq!(
        (
            me["id"].as_i64(),
            me["nickname"].as_str(),
            me["district"].as_str()
        ),
        (Some(id), Some("张师傅"), Some("黄岛区"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_first_sign_ins_link_one_member() {
    let server = start().await;
    let ids = first_sign_ins_race(&server).await;
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
}

/// First sign-ins of one app member, all at once: straight to the store
/// (which makes PostgreSQL hit the lost-race path) and over HTTP.
async fn first_sign_ins_race(server: &TestServer) -> Vec<i64> {
    let members = server.app().stores.members.clone();
    let direct: Vec<i64> = futures_util::future::join_all((0..16).map(|_| {
        let members = members.clone();
        tokio::spawn(async move {
            members
                .app_member("app-direct", "直接", "崂山区", 1)
                .await
                .unwrap()
                .id
        })
    }))
    .await
    .into_iter()
    .map(|r| r.unwrap())
    .collect();
    assert!(direct.windows(2).all(|w| w[0] == w[1]), "{direct:?}");
    let tokens: Vec<String> = (0..8).map(|_| mint(&claims("app-race", "抢先"))).collect();
    let answers = futures_util::future::join_all(tokens.iter().map(|t| post(server, t))).await;
    answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "{}", a.body);
            a.body["member"]["id"].as_i64().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn bad_tokens_are_refused_each_with_its_code() {
    let server = start().await;
    let now = now_s();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims("app-bad", "小王");
        f(&mut c);
        c
    };
    let none_token = {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims("app-bad", "小王").to_string());
        format!("{header}.{payload}.")
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "expired",
            mint(&with(&|c| {
                c["iat"] = json!(now - 700);
                c["exp"] = json!(now - 120);
            })),
            "token_expired",
        ),
        (
            "issued in the future",
            mint(&with(&|c| {
                c["iat"] = json!(now + 300);
                c["exp"] = json!(now + 600);
            })),
            "token_not_yet_valid",
        ),
        (
            "another secret",
            mint_with(
                "not-the-secret-not-the-secret-000",
                Algorithm::HS256,
                &claims("app-bad", "小王"),
            ),
            "token_forged",
        ),
        (
            "HS512 with the right secret",
            mint_with(SECRET, Algorithm::HS512, &claims("app-bad", "小王")),
            "token_forged",
        ),
        ("alg none", none_token, "token_forged"),
        (
            "tampered payload",
            {
                let t = mint(&claims("app-bad", "小王"));
                let parts: Vec<&str> = t.split('.').collect();
                let forged = URL_SAFE_NO_PAD.encode(claims("app-admin", "小王").to_string());
                format!("{}.{forged}.{}", parts[0], parts[2])
            },
            "token_forged",
        ),
        (
            "lives 11 minutes",
            mint(&with(&|c| c["exp"] = json!(now + 660))),
            "token_invalid",
        ),
        (
            "no jti",
            mint(&with(&|c| drop(c.as_object_mut().unwrap().remove("jti")))),
            "token_invalid",
        ),
        (
            "no sub",
            mint(&with(&|c| drop(c.as_object_mut().unwrap().remove("sub")))),
            "token_invalid",
        ),
        (
            "no exp",
            mint(&with(&|c| drop(c.as_object_mut().unwrap().remove("exp")))),
            "token_invalid",
        ),
        (
            "no nickname",
            mint(&with(&|c| {
                drop(c.as_object_mut().unwrap().remove("nickname"))
            })),
            "token_invalid",
        ),
        ("not a JWT", "hello".into(), "token_invalid"),
        (
            "unknown district",
            mint(&with(&|c| c["district"] = json!("北京市"))),
            "invalid_district",
        ),
        (
            "banned nickname",
            mint(&with(&|c| c["nickname"] = json!("我是管理员"))),
            "invalid_nickname",
        ),
        (
            "blank nickname",
            mint(&with(&|c| c["nickname"] = json!("   "))),
            "invalid_nickname",
        ),
    ];
    for (what, token, code) in cases {
        let a = post(&server, &token).await;
        assert_eq!(
            (a.status, a.code()),
            (401, Some(code)),
            "{what}: {}",
            a.body
        );
        assert!(
            !a.body["error"]["message"].as_str().unwrap().is_empty(),
            "{what}"
        );
        assert!(a.cookie.is_none(), "{what}");
    }
    let res = reqwest::Client::new()
        .post(server.url("/api/session/app"))
        .json(&json!({"jwt": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_token_signs_in_once_even_across_a_restart() {
    let mut server = start().await;
    let token = mint(&claims("app-once", "一次"));
    assert_eq!(post(&server, &token).await.status, 201);
    let again = post(&server, &token).await;
    assert_eq!((again.status, again.code()), (401, Some("token_replayed")));
    server.stop().await;
    let dir = server.data_dir.path().to_path_buf();
    let restarted = TestServer::start_with(|c| {
        c.app_secret = Some(SECRET.into());
        c.data_dir = dir;
    })
    .await;
    let after = post(&restarted, &token).await;
    assert_eq!((after.status, after.code()), (401, Some("token_replayed")));
    // A refused token (bad district) is not spent: it never signed anyone in.
    let mut c = claims("app-once", "一次");
    c["district"] = json!("北京市");
    let bad = mint(&c);
    assert_eq!(
        post(&restarted, &bad).await.code(),
        Some("invalid_district")
    );
    assert_eq!(
        post(&restarted, &bad).await.code(),
        Some("invalid_district")
    );
}

#[tokio::test]
async fn without_a_secret_app_sign_in_is_off() {
    let server = TestServer::start().await;
    let a = post(&server, &mint(&claims("app-1", "小王"))).await;
    assert_eq!((a.status, a.code()), (404, Some("app_signin_disabled")));
}

#[tokio::test]
async fn a_form_post_signs_in_and_redirects_to_the_game() {
    let server = start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = mint(&claims("app-web", "网页"));
    let res = http
        .post(server.url("/api/session/app"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(me(&server, &cookie).await["nickname"], "网页");

    let res = http
        .post(server.url("/api/session/app"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("token_replayed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn app_sign_in_works_on_postgres() {
    let Some(db) = PgDatabase::create("app_sign_in_works_on_postgres").await else {
        return;
    };
    let url = db.url.clone();
    let server = TestServer::start_with(|c| {
        c.database_url = Some(url);
        c.app_secret = Some(SECRET.into());
    })
    .await;
    let token = mint(&claims("app-pg", "数据库"));
    let first = post(&server, &token).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(post(&server, &token).await.code(), Some("token_replayed"));
    let again = post(&server, &mint(&claims("app-pg", "改名"))).await;
    assert_eq!(again.body["member"]["id"], first.body["member"]["id"]);
    assert_eq!(again.body["member"]["nickname"], "改名");
    let ids = first_sign_ins_race(&server).await;
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    drop(server);
    db.drop_database().await;
}
