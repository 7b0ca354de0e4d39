//! Test helpers: a server on port 0 with its own data dir, a signed-in
//! member with a REST client, and a typed websocket client.

#![allow(dead_code, unused_imports, unused_macros)]

pub mod battles;
pub mod matches;

pub use crate::on_both_backends;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dati::bank::Bank;
use dati::domain::question::Question;
use dati::server::{self, Config, Running};
use dati::ws::protocol::{ClientMsg, QuestionView, ServerMsg};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A running server; shuts down (without waiting) when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub running: Option<Running>,
    pub data_dir: tempfile::TempDir,
    pub bank: Arc<Bank>,
    app: Arc<dati::server::App>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::local(
            "127.0.0.1:0".parse().unwrap(),
            data_dir.path().to_path_buf(),
        );
        config.secret = Some("test-secret-test-secret-test-secret".into());
        adjust(&mut config);
        let running = server::start(config).await.expect("server starts");
        let bank = running.app.bank.current();
        let app = running.app.clone();
        TestServer {
            addr: running.addr,
            running: Some(running),
            data_dir,
            bank,
            app,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's state; still readable after `stop`.
    pub fn app(&self) -> &Arc<dati::server::App> {
        &self.app
    }

    /// Shuts down gracefully and waits until every answer is flushed.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown();
            running.wait().await.expect("clean shutdown");
        }
    }

    /// The stored answers of a set, by the set id the server gave.
    pub async fn stored_answers(&self, set_id: &str) -> Vec<dati::store::StoredAnswer> {
        self.app
            .stores
            .answers
            .session_answers(set_id.parse().expect("numeric set id"))
            .await
            .expect("answers readable")
    }

    /// Signs in a new guest.
    pub async fn member(&self, nickname: &str) -> TestMember {
        sign_in(self.addr, nickname).await
    }

    /// Signs in a new guest of `district`.
    pub async fn member_of(&self, nickname: &str, district: &str) -> TestMember {
        sign_in_from(self.addr, nickname, district).await
    }

    /// Waits until the write-behind queue has written everything so far.
    pub async fn settle(&self) {
        // The depth counts the batch in flight too, so zero means written.
        for _ in 0..3000 {
            if self.app().queue.depth() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the answer queue did not drain");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.shutdown();
        }
    }
}

/// Signs in a new guest of 市南区 at a server on `addr`.
pub async fn sign_in(addr: SocketAddr, nickname: &str) -> TestMember {
    sign_in_from(addr, nickname, "市南区").await
}

/// Signs in a new guest of `district` at a server on `addr`.
pub async fn sign_in_from(addr: SocketAddr, nickname: &str, district: &str) -> TestMember {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let res = http
        .post(format!("http://{addr}/api/session"))
        .json(&serde_json::json!({"nickname": nickname, "district": district}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "sign-in failed: {:?}", res.text().await);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = res.json().await.unwrap();
    TestMember {
        id: body["member"]["id"].as_i64().unwrap(),
        cookie,
        http,
        addr,
    }
}

#[derive(Clone)]
pub struct TestMember {
    pub id: i64,
    /// `dati_session=…`
    pub cookie: String,
    pub http: reqwest::Client,
    pub addr: SocketAddr,
}

impl TestMember {
    pub async fn get(&self, path: &str) -> serde_json::Value {
        let res = self
            .http
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.unwrap()
    }

    pub async fn connect(&self) -> WsClient {
        WsClient::connect(self.addr, Some(&self.cookie), None)
            .await
            .expect("websocket connects")
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A typed websocket client.
pub struct WsClient {
    pub socket: Socket,
}

pub const RECV_TIMEOUT: Duration = Duration::from_secs(10);

impl WsClient {
    pub async fn connect(
        addr: SocketAddr,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<WsClient, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_str(origin).unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        let mut client = WsClient { socket };
        match client.recv().await {
            ServerMsg::Hello { .. } => Ok(client),
            other => panic!("expected hello, got {other:?}"),
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_text(&serde_json::to_string(msg).unwrap()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// The next server message (pings are answered by tungstenite).
    pub async fn recv(&mut self) -> ServerMsg {
        loop {
            let frame = tokio::time::timeout(RECV_TIMEOUT, self.socket.next())
                .await
                .expect("a server message within the timeout")
                .expect("socket open")
                .expect("socket healthy");
            match frame {
                Message::Text(t) => {
                    return serde_json::from_str(t.as_str()).expect("a valid server message");
                }
                Message::Close(c) => panic!("socket closed: {c:?}"),
                _ => continue,
            }
        }
    }

    /// Reads until the server closes, returning the close code and reason.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let frame = tokio::time::timeout(RECV_TIMEOUT, self.socket.next())
                .await
                .expect("close within the timeout");
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (frame.code.into(), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None => return (1005, String::new()),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket failed before a close frame: {e}"),
            }
        }
    }

    pub async fn expect_error(&mut self) -> (String, Option<u32>) {
        match self.recv().await {
            ServerMsg::Error { code, seq, .. } => (
                serde_json::to_value(code)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                seq,
            ),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    pub async fn expect_question(&mut self) -> (u32, QuestionView) {
        match self.recv().await {
            ServerMsg::Question { seq, question, .. } => (seq, question),
            other => panic!("expected a question, got {other:?}"),
        }
    }

    pub async fn expect_result(&mut self) -> dati::ws::protocol::ResultView {
        match self.recv().await {
            ServerMsg::Result(r) => *r,
            other => panic!("expected a result, got {other:?}"),
        }
    }

    /// Starts a practice set and returns its id and size.
    pub async fn start_practice(&mut self, history: Option<&str>, size: u32) -> (String, u32) {
        self.send(&ClientMsg::Start {
            mode: dati::ws::protocol::SetMode::Practice,
            history: history.map(String::from),
            size: Some(size),
            difficulty: None,
            relaxed: false,
        })
        .await;
        match self.recv().await {
            ServerMsg::SetStarted { set_id, total, .. } => (set_id, total),
            other => panic!("expected set_started, got {other:?}"),
        }
    }

    pub async fn answer(&mut self, seq: u32, choice: Vec<u8>) {
        self.send(&ClientMsg::Answer { seq, choice }).await;
    }

    /// For a media question, reports the media loaded and takes the
    /// `clock_started` reply; does nothing for other questions.
    pub async fn ready_media(&mut self, seq: u32, q: &QuestionView) {
        if q.media.is_some() {
            self.send(&ClientMsg::MediaReady { seq }).await;
            match self.recv().await {
                ServerMsg::ClockStarted { seq: s, .. } if s == seq => {}
                other => panic!("expected clock_started, got {other:?}"),
            }
        }
    }

    /// Plays the `count` questions of a just-started set, answering right
    /// where `right(seq)` says so, and returns the summary.
    pub async fn play_set(
        &mut self,
        bank: &Bank,
        count: u32,
        right: impl Fn(u32) -> bool,
    ) -> dati::ws::protocol::SummaryView {
        for seq in 1..=count {
            let (got, q) = self.expect_question().await;
            assert_eq!(got, seq);
            self.ready_media(seq, &q).await;
            let choice = if right(seq) {
                right_choice(bank, &q)
            } else {
                wrong_choice(bank, &q)
            };
            self.send(&ClientMsg::Answer { seq, choice }).await;
            self.expect_result().await;
            if seq < count {
                self.send(&ClientMsg::Next).await;
            }
        }
        self.expect_summary().await
    }

    pub async fn expect_summary(&mut self) -> dati::ws::protocol::SummaryView {
        match self.recv().await {
            ServerMsg::Summary(s) => s,
            other => panic!("expected a summary, got {other:?}"),
        }
    }
}

/// Shown positions of the right answer to `view`, looked up in the bank.
pub fn right_choice(bank: &Bank, view: &QuestionView) -> Vec<u8> {
    let q: &Question = bank.get(&view.id).expect("question in bank");
    view.options
        .iter()
        .enumerate()
        .filter(|(_, text)| q.answer.indices().any(|i| &q.options[i] == *text))
        .map(|(p, _)| p as u8)
        .collect()
}

/// Shown positions of a wrong answer to `view`.
pub fn wrong_choice(bank: &Bank, view: &QuestionView) -> Vec<u8> {
    let right = right_choice(bank, view);
    let wrong = (0..view.options.len() as u8)
        .find(|p| !right.contains(p))
        .expect("a wrong option");
    vec![wrong]
}

/// Whether tests that need a backend must run rather than skip (CI sets it).
pub fn backends_required() -> bool {
    std::env::var("DATI_REQUIRE_BACKENDS").is_ok_and(|v| v == "1")
}

/// A fresh PostgreSQL database for one test, dropped afterwards.
pub struct PgDatabase {
    pub url: String,
    admin_url: String,
    name: String,
    dropped: bool,
}

impl PgDatabase {
    /// `None` (after saying so) when `DATABASE_URL` is not a PostgreSQL URL.
    pub async fn create(test: &str) -> Option<PgDatabase> {
        let admin_url = match std::env::var("DATABASE_URL") {
            Ok(u) if u.starts_with("postgres") => u,
            _ => {
                assert!(
                    !backends_required(),
                    "DATI_REQUIRE_BACKENDS=1 but DATABASE_URL is not a postgres:// URL"
                );
                eprintln!(
                    "SKIPPED {test}: DATABASE_URL is unset; set it to a postgres:// URL to run this test"
                );
                return None;
            }
        };
        let name = format!("dati_test_{}", rand_suffix());
        let mut admin = sqlx_connect(&admin_url).await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let url = replace_database(&admin_url, &name);
        Some(PgDatabase {
            url,
            admin_url,
            name,
            dropped: false,
        })
    }

    pub async fn drop_database(mut self) {
        drop_pg_database(&self.admin_url, &self.name).await;
        self.dropped = true;
    }
}

async fn drop_pg_database(admin_url: &str, name: &str) {
    let mut admin = sqlx_connect(admin_url).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop test database");
}

/// A test that fails before `drop_database` still leaves nothing behind.
impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(drop_pg_database(&admin_url, &name));
        })
        .join();
    }
}

async fn sqlx_connect(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL")
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[prefix_end..].find('/') {
        Some(slash) => &base[..prefix_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn rand_suffix() -> String {
    let n: u64 = rand::random();
    format!("{:x}", n)
}

impl PgDatabase {
    /// Cuts the database off: no new connections, existing ones killed.
    pub async fn take_down(&self) {
        let mut admin = sqlx_connect(&self.admin_url).await;
        sqlx::query(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false",
            self.name
        ))
        .execute(&mut admin)
        .await
        .expect("disallow connections");
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&self.name)
            .execute(&mut admin)
            .await
            .expect("terminate connections");
    }

    /// Lets connections in again.
    pub async fn bring_back(&self) {
        let mut admin = sqlx_connect(&self.admin_url).await;
        sqlx::query(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
            self.name
        ))
        .execute(&mut admin)
        .await
        .expect("allow connections");
    }
}

/// What a duel test reads from the socket.
impl WsClient {
    /// The next match event (skipping nothing: anything else panics).
    pub async fn expect_event(&mut self) -> dati::ws::protocol::MatchEvent {
        match self.recv().await {
            ServerMsg::Match(e) => e,
            other => panic!("expected a match event, got {other:?}"),
        }
    }

    /// Reads until a match event whose body `pick` accepts, returning it;
    /// other match events on the way are returned in the first list.
    pub async fn until_event<T>(
        &mut self,
        mut pick: impl FnMut(&dati::ws::protocol::MatchBody) -> Option<T>,
    ) -> (Vec<dati::ws::protocol::MatchEvent>, T, u64) {
        let mut skipped = Vec::new();
        loop {
            let e = self.expect_event().await;
            if let Some(found) = pick(&e.body) {
                return (skipped, found, e.version);
            }
            skipped.push(e);
        }
    }
}

/// A Redis leaderboard under a fresh key prefix for one test, so tests can
/// share one Redis in parallel; its keys are deleted afterwards.
pub struct RedisTestBoard {
    pub board: Arc<dati::store::leaderboard::RedisLeaderboard>,
    pub url: String,
    pub prefix: String,
    deleted: bool,
}

impl RedisTestBoard {
    /// `None` (after saying so) when `REDIS_URL` is not a redis:// URL.
    pub async fn connect(test: &str) -> Option<RedisTestBoard> {
        use dati::store::leaderboard::Leaderboard;
        let url = match std::env::var("REDIS_URL") {
            Ok(u) if u.starts_with("redis") => u,
            _ => {
                assert!(
                    !backends_required(),
                    "DATI_REQUIRE_BACKENDS=1 but REDIS_URL is not a redis:// URL"
                );
                eprintln!(
                    "SKIPPED {test}: REDIS_URL is unset; set it to a redis:// URL to run this test"
                );
                return None;
            }
        };
        let prefix = format!("dati_test_{}:", rand_suffix());
        let board = dati::store::leaderboard::RedisLeaderboard::connect(&url, &prefix)
            .await
            .expect("connect to Redis");
        // A fresh prefix is an empty board, as after a rebuild of nothing.
        board.mark_rebuilt().await.expect("mark the board rebuilt");
        Some(RedisTestBoard {
            board: Arc::new(board),
            url,
            prefix,
            deleted: false,
        })
    }

    /// Deletes the test's keys and checks that none are left.
    pub async fn delete(mut self) {
        self.board.delete_all().await.expect("delete test keys");
        assert_eq!(self.board.delete_all().await.expect("scan test keys"), 0);
        self.deleted = true;
    }
}

/// A test that fails before `delete` still leaves nothing behind.
impl Drop for RedisTestBoard {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        let (url, prefix) = (self.url.clone(), self.prefix.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(board) =
                    dati::store::leaderboard::RedisLeaderboard::connect(&url, &prefix).await
                {
                    let _ = board.delete_all().await;
                }
            });
        })
        .join();
    }
}

impl TestServer {
    /// Creates organizer `name` with `password` through the store.
    pub async fn add_organizer(&self, name: &str, password: &str) {
        let hash = dati::http::admin::hash_password(password).unwrap();
        self.app()
            .stores
            .organizers
            .put_organizer(name, &hash, dati::rooms::wall_ms())
            .await
            .unwrap();
    }

    /// Creates an organizer and returns a client signed in as them (it
    /// holds the `dati_admin` cookie).
    pub async fn organizer_client(&self, name: &str, password: &str) -> reqwest::Client {
        self.add_organizer(name, password).await;
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let res = http
            .post(self.url("/api/admin/session"))
            .json(&serde_json::json!({"name": name, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "organizer sign-in");
        http
    }
}
