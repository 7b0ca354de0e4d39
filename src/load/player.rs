//! One simulated member: signs in, opens its websocket and plays its
//! scenario until its stop time.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Scenario;
use super::stats::Stats;
use crate::ws::protocol::{ClientMsg, SetMode};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
/// Why a player gave up: an error kind for the report.
type Fail = String;

/// How long past its stop time a player may still finish its set or match.
const LINGER: Duration = Duration::from_secs(60);
/// How long to wait for the server to confirm leaving a queue.
const CANCEL_WAIT: Duration = Duration::from_secs(5);
/// After a refused cancel (a match may have started just before it), how
/// long to wait for that match's start.
const CANCEL_RACE: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What every player shares.
pub(super) struct Shared {
    pub http: reqwest::Client,
    pub target: String,
    pub ws_url: String,
    /// The server's address when it is on this machine's IPv4 loopback:
    /// then each websocket leaves from one of [`LOOPBACK_SOURCES`] local
    /// addresses, because one source address has only about 28,000
    /// ephemeral ports, and a run of 19,000 players, repeated within a
    /// minute (TIME_WAIT), runs out of them.
    pub loopback_server: Option<std::net::SocketAddr>,
    pub think: Duration,
    pub think_sigma: f64,
    pub heartbeat: Option<Duration>,
    pub competition: Option<i64>,
    /// In step: the instant every player sends its first request, and the
    /// origin of the answers' beat.
    pub in_step: Option<Instant>,
    pub stats: Stats,
}

pub(super) struct Player {
    pub shared: Arc<Shared>,
    pub index: usize,
    pub scenario: Scenario,
    pub district: String,
}

/// The few fields of a server message the generator reads, borrowed from
/// the frame: no allocation for the prompt, options, standings…
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(default, borrow)]
    match_id: Option<&'a str>,
    #[serde(default)]
    seq: Option<u32>,
    #[serde(default)]
    seat: Option<u8>,
    #[serde(default)]
    waits_for_media: bool,
    #[serde(default)]
    time_limit_ms: Option<u64>,
    #[serde(default)]
    remaining_ms: Option<u64>,
    #[serde(default)]
    starts_in_ms: Option<u64>,
    #[serde(default, borrow)]
    question: Option<QuestionKind<'a>>,
    #[serde(default)]
    players: Option<Vec<SeatView>>,
    #[serde(default, borrow)]
    code: Option<&'a str>,
    #[serde(default, borrow)]
    next: Option<&'a str>,
    #[serde(default)]
    nonce: Option<u64>,
}

#[derive(Deserialize)]
struct QuestionKind<'a> {
    #[serde(borrow)]
    kind: &'a str,
}

#[derive(Deserialize)]
struct SeatView {
    seat: u8,
    #[serde(default)]
    is_bot: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Idle players: connected until the stop time.
    Holding,
    /// A start or queue request is on its way.
    Waiting,
    /// In a match queue, waiting for the match.
    Queued,
    /// In a set or a match.
    Playing,
    /// Leaving the queue at the stop time.
    Cancelling,
    /// The server was busy (`unavailable`): asking again at `retry_at`.
    Backoff,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    seq: u32,
    at: Instant,
    multiple: bool,
}

struct State {
    phase: Phase,
    joined: bool,
    /// The current match, as sent back and as the fan-out key.
    match_id: String,
    match_key: u64,
    seat: Option<u8>,
    /// Members (not bots) in the current match.
    members: u16,
    /// A media question waiting for its clock: (seq, multiple choice).
    awaiting_clock: Option<(u32, bool)>,
    /// The answer to send, and when.
    pending: Option<Pending>,
    /// The answer sent and not yet acknowledged.
    sent: Option<(u32, Instant)>,
    heartbeat_at: Option<Instant>,
    cancel_deadline: Instant,
    retry_at: Instant,
    /// A solo player sent `finish` at its stop time.
    finishing: bool,
    /// In step: when to send the first request.
    go_at: Option<Instant>,
    /// When the queue request now waiting for its match was sent.
    queued_at: Option<Instant>,
    /// When the current match's countdown ends, until its first question.
    countdown_until: Option<Instant>,
}

/// Whether the session goes on.
#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

impl Player {
    /// Signs in, connects and plays until `stop_at` (finishing what it is
    /// in). The error is a kind for the report.
    pub async fn play(&self, stop_at: Instant) -> Result<(), Fail> {
        let began = Instant::now();
        let cookie = self.sign_in().await?;
        let mut ws = self.connect(&cookie).await?;
        let stats = &self.shared.stats;
        stats.connected();
        let result = self.session(&mut ws, stop_at, began).await;
        stats.disconnected();
        let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        result
    }

    async fn sign_in(&self) -> Result<String, Fail> {
        let res = self
            .shared
            .http
            .post(format!("{}/api/session", self.shared.target))
            .json(&serde_json::json!({
                "nickname": format!("压测{}", self.index),
                "district": self.district,
            }))
            .send()
            .await
            .map_err(|_| "sign_in_failed")?;
        if !res.status().is_success() {
            return Err(format!("sign_in_{}", res.status().as_u16()));
        }
        session_cookie(&res).ok_or_else(|| "no_session_cookie".into())
    }

    async fn connect(&self, cookie: &str) -> Result<Ws, Fail> {
        let mut request = self
            .shared
            .ws_url
            .as_str()
            .into_client_request()
            .map_err(|_| "bad_url")?;
        request.headers_mut().insert(
            "cookie",
            HeaderValue::from_str(cookie).map_err(|_| "bad_cookie")?,
        );
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0)
            .max_message_size(Some(64 << 10));
        let connect = async {
            match self.shared.loopback_server {
                Some(server) => {
                    let stream = loopback_stream(server, self.index).await?;
                    tokio_tungstenite::client_async_with_config(
                        request,
                        MaybeTlsStream::Plain(stream),
                        Some(config),
                    )
                    .await
                }
                // `true`: TCP_NODELAY.
                None => {
                    tokio_tungstenite::connect_async_with_config(request, Some(config), true).await
                }
            }
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok((ws, _))) => Ok(ws),
            Ok(Err(tokio_tungstenite::tungstenite::Error::Io(e))) => {
                Err(format!("connect_failed_{:?}", e.kind()).to_lowercase())
            }
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(res))) => {
                Err(format!("connect_{}", res.status().as_u16()))
            }
            Ok(Err(_)) => Err("connect_failed".into()),
            Err(_) => Err("connect_timeout".into()),
        }
    }

    async fn session(&self, ws: &mut Ws, stop_at: Instant, began: Instant) -> Result<(), Fail> {
        let shared = &*self.shared;
        let now = Instant::now();
        let mut st = State {
            phase: Phase::Waiting,
            joined: false,
            match_id: String::new(),
            match_key: 0,
            seat: None,
            members: 0,
            awaiting_clock: None,
            pending: None,
            sent: None,
            heartbeat_at: None,
            cancel_deadline: now,
            retry_at: now,
            finishing: false,
            go_at: None,
            queued_at: None,
            countdown_until: None,
        };
        match self.scenario {
            Scenario::Idle => {
                st.phase = Phase::Holding;
                // A random phase spreads the heartbeats over the interval.
                st.heartbeat_at = shared
                    .heartbeat
                    .map(|h| now + h.mul_f64(rand::rng().random::<f64>()));
            }
            _ if shared.in_step.is_some() => {
                st.phase = Phase::Holding;
                st.go_at = shared.in_step;
            }
            _ => self.ask(ws, &mut st).await?,
        }
        loop {
            let now = Instant::now();
            if let Some(go) = st.go_at
                && go <= now
            {
                st.go_at = None;
                st.phase = Phase::Waiting;
                self.ask(ws, &mut st).await?;
                continue;
            }
            if let Some(p) = st.pending
                && p.at <= now
            {
                st.pending = None;
                let match_id = (self.scenario != Scenario::Solo).then_some(st.match_id.as_str());
                send(ws, answer_text(match_id, p.seq, p.multiple)).await?;
                st.sent = Some((p.seq, Instant::now()));
                continue;
            }
            if let (Some(at), Some(every)) = (st.heartbeat_at, shared.heartbeat)
                && at <= now
            {
                let nonce = now.duration_since(shared.stats.started).as_micros() as u64;
                send(ws, ping_text(nonce)).await?;
                st.heartbeat_at = Some((at + every).max(now));
                continue;
            }
            let deadline = match st.phase {
                Phase::Holding | Phase::Queued => stop_at,
                // A solo set ends at the stop time; a match is played out.
                Phase::Playing if self.scenario == Scenario::Solo && !st.finishing => stop_at,
                Phase::Waiting | Phase::Playing => stop_at + LINGER,
                Phase::Cancelling => st.cancel_deadline,
                Phase::Backoff => st.retry_at.min(stop_at),
            };
            let wake = [
                Some(deadline),
                st.pending.map(|p| p.at),
                st.heartbeat_at,
                st.go_at,
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(deadline);
            let frame = match tokio::time::timeout_at(wake, ws.next()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(Some(Err(_)) | None) => return Err("connection_lost".into()),
                Err(_) => {
                    let now = Instant::now();
                    if now < deadline {
                        continue;
                    }
                    match st.phase {
                        Phase::Holding | Phase::Cancelling => return Ok(()),
                        Phase::Playing if !st.finishing && self.scenario == Scenario::Solo => {
                            // An answer on its way is still acknowledged;
                            // one still being thought about is not sent.
                            st.pending = None;
                            st.awaiting_clock = None;
                            st.finishing = true;
                            send(ws, encode(&ClientMsg::Finish)).await?;
                            continue;
                        }
                        Phase::Queued => {
                            send(ws, encode(&self.cancel())).await?;
                            st.phase = Phase::Cancelling;
                            st.cancel_deadline = now + CANCEL_WAIT;
                            continue;
                        }
                        Phase::Waiting | Phase::Playing => return Err("server_silent".into()),
                        Phase::Backoff if now >= stop_at => return Ok(()),
                        Phase::Backoff => {
                            self.ask(ws, &mut st).await?;
                            st.phase = Phase::Waiting;
                            continue;
                        }
                    }
                }
            };
            let now = Instant::now();
            let text = match frame {
                Message::Text(text) => text,
                Message::Close(frame) => {
                    return Err(format!(
                        "closed_{}",
                        frame.map_or(1005, |f| u16::from(f.code))
                    ));
                }
                // tungstenite answers pings by itself while reading.
                _ => continue,
            };
            let Ok(msg) = serde_json::from_str::<Incoming>(text.as_str()) else {
                shared.stats.error("unparseable_message");
                continue;
            };
            if self
                .on_message(ws, &mut st, msg, now, stop_at, began)
                .await?
                == Flow::Stop
            {
                return Ok(());
            }
        }
    }

    async fn on_message(
        &self,
        ws: &mut Ws,
        st: &mut State,
        msg: Incoming<'_>,
        now: Instant,
        stop_at: Instant,
        began: Instant,
    ) -> Result<Flow, Fail> {
        let stats = &self.shared.stats;
        let scenario = self.scenario;
        match msg.kind {
            // In step, a player has joined once connected: its first
            // request waits for the common start.
            "hello" if scenario == Scenario::Idle || self.shared.in_step.is_some() => {
                self.join(st, now, began)
            }
            "pong" => {
                if let Some(nonce) = msg.nonce {
                    let sent = stats.started + Duration::from_micros(nonce);
                    stats.heartbeat(now.saturating_duration_since(sent));
                }
            }
            "error" => {
                stats.error(format!("error_{}", msg.code.unwrap_or("unknown")));
                if msg.seq.is_some() && st.sent.map(|s| s.0) == msg.seq {
                    st.sent = None;
                }
                match st.phase {
                    // The server is busy (new matches wait while its answer
                    // queue is backed up): ask again in a second or so.
                    Phase::Waiting if msg.code == Some("unavailable") => {
                        st.phase = Phase::Backoff;
                        st.retry_at = now
                            + Duration::from_secs(1).mul_f64(rand::rng().random_range(0.5..1.5));
                    }
                    // The start or queue request was refused for good
                    // (the competition closed…): stop this player.
                    Phase::Waiting => return Ok(Flow::Stop),
                    Phase::Cancelling => st.cancel_deadline = now + CANCEL_RACE,
                    _ => {}
                }
            }

            // Solo practice.
            "set_started" => {
                self.join(st, now, began);
                stats.started(scenario);
                st.phase = Phase::Playing;
            }
            "question" | "match_question" => {
                let (Some(seq), Some(q)) = (msg.seq, msg.question.as_ref()) else {
                    return Ok(Flow::Go);
                };
                if st.finishing {
                    // Crossed our `finish`: the summary comes next.
                    return Ok(Flow::Go);
                }
                if msg.kind == "match_question" {
                    stats.question_arrived(st.match_key, seq, st.members, now);
                    if let Some(due) = st.countdown_until.take() {
                        stats.first_question_late(now.saturating_duration_since(due));
                    }
                }
                let multiple = q.kind == "multiple";
                if msg.waits_for_media {
                    let match_id = (msg.kind == "match_question").then_some(st.match_id.as_str());
                    send(ws, media_ready_text(match_id, seq)).await?;
                    st.awaiting_clock = Some((seq, multiple));
                } else {
                    self.schedule(st, seq, msg.time_limit_ms, multiple, now);
                }
            }
            "clock_started" | "match_clock" => {
                if let Some((seq, multiple)) = st.awaiting_clock
                    && msg.seq == Some(seq)
                {
                    st.awaiting_clock = None;
                    self.schedule(st, seq, msg.remaining_ms, multiple, now);
                }
            }
            "result" => {
                self.acknowledged(st, msg.seq, now);
                match msg.next {
                    _ if st.finishing => {}
                    Some("finished") => {}
                    Some("next") if now < stop_at => send(ws, encode(&ClientMsg::Next)).await?,
                    _ => send(ws, encode(&ClientMsg::Finish)).await?,
                }
            }
            "summary" => {
                st.phase = Phase::Waiting;
                st.finishing = false;
                if now >= stop_at {
                    return Ok(Flow::Stop);
                }
                self.ask(ws, st).await?;
            }

            // Matches: duels, races, district battles.
            "queued" | "ladder_queued" | "district_queued" => {
                self.join(st, now, began);
                if st.phase == Phase::Waiting {
                    st.phase = Phase::Queued;
                }
            }
            "bot_offered" if st.phase == Phase::Queued => {
                send(ws, encode(&ClientMsg::DuelAcceptBot)).await?;
            }
            "duel_cancelled" | "ladder_cancelled" | "district_cancelled"
                if st.phase == Phase::Cancelling =>
            {
                return Ok(Flow::Stop);
            }
            "match_started" => {
                self.join(st, now, began);
                st.phase = Phase::Playing;
                st.seat = msg.seat;
                let id = msg.match_id.unwrap_or_default();
                st.match_id.clear();
                st.match_id.push_str(id);
                st.match_key = id.parse().unwrap_or(0);
                st.pending = None;
                st.sent = None;
                st.awaiting_clock = None;
                let players = msg.players.as_deref().unwrap_or_default();
                let members = players.iter().filter(|p| !p.is_bot);
                st.members = members.clone().count() as u16;
                if let Some(asked) = st.queued_at.take() {
                    stats.matched(now.saturating_duration_since(asked));
                }
                st.countdown_until = msg.starts_in_ms.map(|ms| now + Duration::from_millis(ms));
                // Count the match once: by its member in the lowest seat.
                if members.map(|p| p.seat).min() == st.seat {
                    stats.started(scenario);
                }
            }
            "match_answered" if msg.seat.is_some() && msg.seat == st.seat => {
                self.acknowledged(st, msg.seq, now);
            }
            "match_reveal" => {
                if st.pending.is_some_and(|p| Some(p.seq) == msg.seq) {
                    st.pending = None;
                    stats.error("answer_late");
                }
                st.awaiting_clock = None;
            }
            "match_over" => {
                st.phase = Phase::Waiting;
                st.seat = None;
                st.pending = None;
                if now >= stop_at {
                    return Ok(Flow::Stop);
                }
                self.ask(ws, st).await?;
            }
            _ => {}
        }
        Ok(Flow::Go)
    }

    /// The first request was acknowledged: the player has joined.
    fn join(&self, st: &mut State, now: Instant, began: Instant) {
        if !st.joined {
            st.joined = true;
            self.shared
                .stats
                .joined(self.scenario, now.saturating_duration_since(began));
        }
    }

    /// The answer to `seq` was acknowledged (or, not sent, timed out).
    fn acknowledged(&self, st: &mut State, seq: Option<u32>, now: Instant) {
        let stats = &self.shared.stats;
        match st.sent {
            Some((s, at)) if Some(s) == seq => {
                st.sent = None;
                stats.acknowledged(self.scenario, now.saturating_duration_since(at));
            }
            _ => {
                if st.pending.is_some_and(|p| Some(p.seq) == seq) {
                    st.pending = None;
                    stats.error("answer_late");
                }
            }
        }
    }

    fn schedule(
        &self,
        st: &mut State,
        seq: u32,
        limit_ms: Option<u64>,
        multiple: bool,
        now: Instant,
    ) {
        let shared = &*self.shared;
        let limit = limit_ms.map(Duration::from_millis);
        let at = match shared.in_step {
            Some(origin) => {
                let beat = next_beat(origin, shared.think, now);
                limit.map_or(beat, |l| beat.min(now + within_limit(l, l)))
            }
            None => now + think_time(shared.think, shared.think_sigma, limit, &mut rand::rng()),
        };
        st.pending = Some(Pending { seq, at, multiple });
    }

    /// Sends the request that starts the next set or joins the queue.
    async fn ask(&self, ws: &mut Ws, st: &mut State) -> Result<(), Fail> {
        send(ws, self.request()).await?;
        if self.scenario.plays_matches() {
            st.queued_at = Some(Instant::now());
        }
        Ok(())
    }

    /// What starts the next set, or joins the queue for the next match.
    fn request(&self) -> String {
        encode(&match self.scenario {
            Scenario::Solo => practice_set(),
            _ => self.queue(),
        })
    }

    fn queue(&self) -> ClientMsg {
        match self.scenario {
            Scenario::Ladder => ClientMsg::LadderQueue { relaxed: false },
            Scenario::District => ClientMsg::DistrictQueue {
                competition_id: self.shared.competition.unwrap_or_default(),
            },
            _ => ClientMsg::DuelQueue { relaxed: false },
        }
    }

    fn cancel(&self) -> ClientMsg {
        match self.scenario {
            Scenario::Ladder => ClientMsg::LadderCancel,
            Scenario::District => ClientMsg::DistrictCancel,
            _ => ClientMsg::DuelCancel,
        }
    }
}

fn practice_set() -> ClientMsg {
    ClientMsg::Start {
        mode: SetMode::Practice,
        history: None,
        size: Some(20),
        difficulty: None,
        relaxed: false,
    }
}

/// A think time: log-normal with mean `mean` (`mean × exp(σZ − σ²/2)`),
/// capped at the time limit less a margin (1 s, or half a limit under 2 s).
fn think_time(mean: Duration, sigma: f64, limit: Option<Duration>, rng: &mut impl Rng) -> Duration {
    // Box–Muller: a standard normal from two uniforms; 1 − u is in (0, 1].
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let think = mean.mul_f64((sigma * z - sigma * sigma / 2.0).exp());
    match limit {
        Some(limit) => within_limit(think, limit),
        None => think,
    }
}

/// `think`, capped at a question's time `limit` less a margin (1 s, or
/// half a limit under 2 s), so that the answer is meant to arrive in time.
fn within_limit(think: Duration, limit: Duration) -> Duration {
    let margin = if limit >= Duration::from_secs(2) {
        Duration::from_secs(1)
    } else {
        limit / 2
    };
    think.min(limit - margin)
}

/// The first beat after `now` of a clock that ticks `every` from `origin`
/// (at `origin` itself when `now` is before it).
fn next_beat(origin: Instant, every: Duration, now: Instant) -> Instant {
    if now < origin || every.is_zero() {
        return origin.max(now);
    }
    let beats = (now - origin).as_nanos() / every.as_nanos() + 1;
    origin + every * u32::try_from(beats).unwrap_or(u32::MAX)
}

async fn send(ws: &mut Ws, text: String) -> Result<(), Fail> {
    ws.send(Message::Text(text.into()))
        .await
        .map_err(|_| "send_failed".into())
}

fn encode(msg: &ClientMsg) -> String {
    serde_json::to_string(msg).expect("client messages serialize")
}

// The messages sent for every question, written directly. Match ids are
// decimal strings (protocol §3.8.4): nothing in them needs escaping.

fn answer_text(match_id: Option<&str>, seq: u32, multiple: bool) -> String {
    let choice = if multiple { "[0,1]" } else { "[0]" };
    match match_id {
        Some(id) => {
            format!(r#"{{"type":"match_answer","match_id":"{id}","seq":{seq},"choice":{choice}}}"#)
        }
        None => format!(r#"{{"type":"answer","seq":{seq},"choice":{choice}}}"#),
    }
}

fn media_ready_text(match_id: Option<&str>, seq: u32) -> String {
    match match_id {
        Some(id) => format!(r#"{{"type":"match_media_ready","match_id":"{id}","seq":{seq}}}"#),
        None => format!(r#"{{"type":"media_ready","seq":{seq}}}"#),
    }
}

fn ping_text(nonce: u64) -> String {
    format!(r#"{{"type":"ping","nonce":{nonce}}}"#)
}

/// How many loopback addresses the generator's websockets leave from.
pub const LOOPBACK_SOURCES: u8 = 16;

/// A TCP connection to a loopback server from 127.0.0.(2 + index mod
/// [`LOOPBACK_SOURCES`]), with TCP_NODELAY.
async fn loopback_stream(
    server: std::net::SocketAddr,
    index: usize,
) -> Result<TcpStream, tokio_tungstenite::tungstenite::Error> {
    let source = std::net::Ipv4Addr::new(127, 0, 0, 2 + (index % LOOPBACK_SOURCES as usize) as u8);
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((source, 0).into())?;
    let stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("set-cookie")?
        .to_str()
        .ok()?
        .split(';')
        .next()
        .map(String::from)
}

/// The districts members may sign in with (`GET /api/districts`).
pub(super) async fn districts(http: &reqwest::Client, target: &str) -> Option<Vec<String>> {
    #[derive(Deserialize)]
    struct Body {
        districts: Vec<String>,
    }
    let body: Body = http
        .get(format!("{target}/api/districts"))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?
        .json()
        .await
        .ok()?;
    (!body.districts.is_empty()).then_some(body.districts)
}

/// The districts of competition `id`, which must be running; read from
/// `GET /api/competitions` by a member signed in for the purpose.
pub(super) async fn competition_districts(
    http: &reqwest::Client,
    target: &str,
    districts: &[String],
    id: i64,
) -> anyhow::Result<Vec<String>> {
    #[derive(Deserialize)]
    struct Body {
        competitions: Vec<Competition>,
    }
    #[derive(Deserialize)]
    struct Competition {
        id: i64,
        status: String,
        districts: Vec<String>,
    }
    let res = http
        .post(format!("{target}/api/session"))
        .json(&serde_json::json!({"nickname": "压测探针", "district": districts[0]}))
        .send()
        .await?
        .error_for_status()
        .context("signing in to read the competitions")?;
    let cookie = session_cookie(&res).context("no session cookie")?;
    let body: Body = http
        .get(format!("{target}/api/competitions"))
        .header("cookie", cookie)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
        .context("reading /api/competitions")?;
    let Some(c) = body.competitions.into_iter().find(|c| c.id == id) else {
        bail!("competition {id} is not listed by /api/competitions (a draft, or unknown)");
    };
    if c.status != "running" {
        bail!("competition {id} is {}, not running", c.status);
    }
    if c.districts.len() < 2 {
        bail!("competition {id} has fewer than two districts");
    }
    Ok(c.districts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::protocol::ServerMsg;
    use rand::SeedableRng;

    #[test]
    fn the_hand_written_messages_are_protocol_messages() {
        let parse = |s: String| serde_json::from_str::<ClientMsg>(&s).unwrap();
        assert_eq!(
            parse(answer_text(Some("253021372280119296"), 3, true)),
            ClientMsg::MatchAnswer {
                match_id: "253021372280119296".into(),
                seq: 3,
                choice: vec![0, 1]
            }
        );
        assert_eq!(
            parse(answer_text(None, 2, false)),
            ClientMsg::Answer {
                seq: 2,
                choice: vec![0]
            }
        );
        assert_eq!(
            parse(media_ready_text(Some("9"), 1)),
            ClientMsg::MatchMediaReady {
                match_id: "9".into(),
                seq: 1
            }
        );
        assert_eq!(
            parse(media_ready_text(None, 4)),
            ClientMsg::MediaReady { seq: 4 }
        );
        assert_eq!(parse(ping_text(77)), ClientMsg::Ping { nonce: Some(77) });
    }

    #[test]
    fn the_lean_view_reads_the_protocol_examples() {
        let started = r#"{"match_id": "253021372280119296", "version": 1, "type": "match_started",
         "mode": "duel", "seat": 1, "total": 5, "relaxed": false, "rated": true, "starts_in_ms": 3000,
         "players": [
           {"seat": 0, "member_id": null, "nickname": "机器人", "district": "市南区", "rating": 1500, "provisional": true, "is_bot": true},
           {"seat": 1, "member_id": 57, "nickname": "小\"李\"", "district": "崂山区", "rating": 1532, "provisional": true, "is_bot": false}]}"#;
        let m: Incoming = serde_json::from_str(started).unwrap();
        assert_eq!(
            (m.kind, m.match_id, m.seat),
            ("match_started", Some("253021372280119296"), Some(1))
        );
        let players = m.players.unwrap();
        assert_eq!(players.iter().filter(|p| !p.is_bot).count(), 1);

        let question = r#"{"match_id": "253021372280119296", "version": 2, "type": "match_question",
         "seq": 1, "total": 5, "waits_for_media": false, "time_limit_ms": 20000,
         "question": {"id": "party-001", "history": "party", "difficulty": 2, "kind": "multiple",
           "prompt": "中国共产党第一次全国代表大会于哪一年召开？\n", "options": ["1927年", "1921年"]}}"#;
        let m: Incoming = serde_json::from_str(question).unwrap();
        assert_eq!((m.seq, m.time_limit_ms), (Some(1), Some(20000)));
        assert_eq!(m.question.unwrap().kind, "multiple");

        // What the server really sends parses too.
        let error = serde_json::to_string(&ServerMsg::Error {
            code: crate::ws::protocol::ErrorCode::NotCurrent,
            message: "不是当前题目".into(),
            seq: Some(3),
        })
        .unwrap();
        let m: Incoming = serde_json::from_str(&error).unwrap();
        assert_eq!(
            (m.kind, m.code, m.seq),
            ("error", Some("not_current"), Some(3))
        );
        let pong = serde_json::to_string(&ServerMsg::Pong {
            nonce: Some(5),
            server_time_ms: 1,
        })
        .unwrap();
        let m: Incoming = serde_json::from_str(&pong).unwrap();
        assert_eq!(m.nonce, Some(5));
    }

    #[test]
    fn in_step_answers_wait_for_the_next_beat() {
        let origin = Instant::now();
        let every = Duration::from_secs(10);
        let at = |ms| origin + Duration::from_millis(ms);
        assert_eq!(next_beat(origin, every, at(0)), at(10_000));
        assert_eq!(next_beat(origin, every, at(3)), at(10_000));
        assert_eq!(next_beat(origin, every, at(9_999)), at(10_000));
        // A question that arrives on a beat is answered on the next one.
        assert_eq!(next_beat(origin, every, at(10_000)), at(20_000));
        assert_eq!(next_beat(origin, every, at(25_000)), at(30_000));
        // Before the common start: the start itself.
        let early = origin - Duration::from_secs(1);
        assert_eq!(next_beat(origin, every, early), origin);
        assert_eq!(next_beat(origin, Duration::ZERO, at(5)), at(5));
        // The time limit still caps the wait (less its margin).
        assert_eq!(
            within_limit(Duration::from_secs(30), Duration::from_secs(20)),
            Duration::from_secs(19)
        );
        assert_eq!(
            within_limit(Duration::from_secs(3), Duration::from_secs(1)),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn think_times_are_log_normal_around_the_mean_and_within_the_limit() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mean = Duration::from_millis(1500);
        let n = 20_000;
        let mut draws: Vec<Duration> = (0..n)
            .map(|_| think_time(mean, 0.5, None, &mut rng))
            .collect();
        let avg = draws.iter().sum::<Duration>().as_secs_f64() / n as f64;
        assert!((avg - 1.5).abs() < 0.03, "mean {avg}");
        draws.sort();
        let median = draws[n / 2].as_secs_f64();
        // exp(−σ²/2) × mean = 0.8825 × 1.5 s.
        assert!((median - 1.324).abs() < 0.03, "median {median}");
        let limit = Some(Duration::from_secs(3));
        assert!((0..n).all(|_| think_time(mean, 0.5, limit, &mut rng) <= Duration::from_secs(2)));
        assert!(
            think_time(mean, 0.5, Some(Duration::from_secs(1)), &mut rng)
                <= Duration::from_millis(500)
        );
    }
}
