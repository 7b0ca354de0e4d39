//! `dati load`: a load generator for a running server.
//!
//! It signs in simulated members, each on its own websocket, and has them
//! play solo practice sets with a realistic think time before each answer.
//! It measures answer acknowledgement (from sending an answer to receiving
//! its result) in one shared histogram, counts what happened, and samples
//! the server's CPU time and memory from /proc when given its pid.
//! Connections use small buffers and TCP_NODELAY, and players' starts are
//! spread over the ramp, so the generator itself stays cheap.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use rand::Rng;
use serde::Serialize;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::domain::member::DEFAULT_DISTRICTS;
use crate::ws::protocol::{ClientMsg, ErrorCode, MatchBody, NextView, ServerMsg, SetMode};

#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Base URL of the server, e.g. `http://127.0.0.1:8080`.
    pub target: String,
    pub players: usize,
    /// New players per second during the ramp.
    pub ramp_per_sec: f64,
    /// How long each player keeps playing once connected.
    pub duration: Duration,
    /// Mean think time before an answer; each is drawn from 0.5–1.5 × this.
    pub think: Duration,
    /// The server's pid, to sample its CPU and memory.
    pub server_pid: Option<u32>,
    pub scenario: Scenario,
}

/// What the simulated members play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Practice sets of 20 questions, one after another.
    Solo,
    /// Duels from the queue, one after another. The acknowledgement of an
    /// answer is the `match_answered` for the player's own seat.
    Duel,
    /// 争上游 races of four from the ladder queue, one after another
    /// (bots fill a race after the server's wait); acknowledged as duels.
    Ladder,
}

#[derive(Default)]
struct Counters {
    ack_us: Mutex<Option<Histogram<u64>>>,
    joined: AtomicU64,
    sets_started: AtomicU64,
    answers: AtomicU64,
    open: AtomicI64,
    peak_open: AtomicI64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    fn error(&self, kind: impl Into<String>) {
        *self
            .errors
            .lock()
            .expect("errors lock")
            .entry(kind.into())
            .or_default() += 1;
    }

    /// A refusal from the server, counted by its code.
    fn refused(&self, code: ErrorCode) {
        let code = serde_json::to_value(code)
            .ok()
            .and_then(|v| v.as_str().map(String::from));
        self.error(format!("error_{}", code.unwrap_or_default()));
    }

    fn record_ack(&self, elapsed: Duration) {
        let mut guard = self.ack_us.lock().expect("histogram lock");
        let h = guard.get_or_insert_with(|| {
            Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
        });
        let _ = h.record((elapsed.as_micros() as u64).max(1));
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerSample {
    pub cpu_seconds: f64,
    pub rss_kb: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub players: usize,
    pub duration_s: f64,
    pub joined: u64,
    pub peak_connections: i64,
    pub joins_per_s: f64,
    pub sets_started: u64,
    pub sets_per_s: f64,
    pub answers: u64,
    pub answers_per_s: f64,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub ack_p999_ms: f64,
    pub ack_max_ms: f64,
    pub errors: BTreeMap<String, u64>,
    pub server_before: Option<ServerSample>,
    pub server_at_peak: Option<ServerSample>,
    /// Server CPU time per answer over the run, in µs.
    pub server_cpu_us_per_answer: Option<f64>,
    /// Server memory growth per connected player, in KB.
    pub server_rss_kb_per_player: Option<f64>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "scenario           {:>10?}", self.scenario)?;
        writeln!(f, "players            {:>10}", self.players)?;
        writeln!(f, "run time           {:>10.1} s", self.duration_s)?;
        writeln!(
            f,
            "joined             {:>10}   ({:.0}/s)",
            self.joined, self.joins_per_s
        )?;
        writeln!(f, "peak connections   {:>10}", self.peak_connections)?;
        writeln!(
            f,
            "sets/matches       {:>10}   ({:.1}/s)",
            self.sets_started, self.sets_per_s
        )?;
        writeln!(
            f,
            "answers            {:>10}   ({:.0}/s)",
            self.answers, self.answers_per_s
        )?;
        writeln!(
            f,
            "answer ack         p50 {:.2} ms   p99 {:.2} ms   p99.9 {:.2} ms   max {:.2} ms",
            self.ack_p50_ms, self.ack_p99_ms, self.ack_p999_ms, self.ack_max_ms
        )?;
        if let (Some(before), Some(peak)) = (&self.server_before, &self.server_at_peak) {
            writeln!(
                f,
                "server             cpu {:.2} s, rss {} → {} KB",
                peak.cpu_seconds - before.cpu_seconds,
                before.rss_kb,
                peak.rss_kb
            )?;
        }
        if let Some(us) = self.server_cpu_us_per_answer {
            writeln!(f, "server cpu/answer  {us:>10.1} µs")?;
        }
        if let Some(kb) = self.server_rss_kb_per_player {
            writeln!(f, "server rss/player  {kb:>10.1} KB")?;
        }
        if self.errors.is_empty() {
            write!(f, "errors                      none")
        } else {
            write!(f, "errors             {:?}", self.errors)
        }
    }
}

/// Runs the load and returns what it measured. Stops by itself.
pub async fn run(config: LoadConfig) -> anyhow::Result<Report> {
    let target = config.target.trim_end_matches('/').to_owned();
    let ws_url = target.replacen("http", "ws", 1) + "/ws";
    let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
    http.get(format!("{target}/healthz"))
        .send()
        .await
        .with_context(|| format!("{target} does not answer"))?;
    let counters = Arc::new(Counters::default());
    let server_before = config.server_pid.and_then(sample_server);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(config.players);
    let spacing = Duration::from_secs_f64(1.0 / config.ramp_per_sec.max(0.001));
    for i in 0..config.players {
        let player = Player {
            index: i,
            http: http.clone(),
            target: target.clone(),
            ws_url: ws_url.clone(),
            think: config.think,
            counters: counters.clone(),
            scenario: config.scenario,
        };
        let start_at = started + spacing * i as u32;
        let stop_at = start_at + config.duration;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(start_at).await;
            if let Err(kind) = player.play(stop_at).await {
                player.counters.error(kind);
            }
        }));
    }
    // Sample the server while every player is still connected.
    let last_start = started + spacing * config.players.saturating_sub(1) as u32;
    let peak_at = last_start + config.duration.mul_f64(0.9);
    let pid = config.server_pid;
    let peak_sample = tokio::spawn(async move {
        tokio::time::sleep_until(peak_at).await;
        pid.and_then(sample_server)
    });
    for t in tasks {
        let _ = t.await;
    }
    let server_at_peak = peak_sample.await.ok().flatten();
    let elapsed = started.elapsed().as_secs_f64();
    let histogram = counters.ack_us.lock().expect("histogram lock").take();
    let ms = |q: f64| {
        histogram
            .as_ref()
            .map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1000.0)
    };
    let answers = counters.answers.load(Ordering::Relaxed);
    let peak = counters.peak_open.load(Ordering::Relaxed);
    let cpu_per_answer = match (&server_before, config.server_pid.and_then(sample_server)) {
        (Some(b), Some(after)) if answers > 0 => {
            Some((after.cpu_seconds - b.cpu_seconds) * 1e6 / answers as f64)
        }
        _ => None,
    };
    let rss_per_player = match (&server_before, &server_at_peak) {
        (Some(b), Some(p)) if peak > 0 => Some((p.rss_kb as f64 - b.rss_kb as f64) / peak as f64),
        _ => None,
    };
    let joined = counters.joined.load(Ordering::Relaxed);
    let sets = counters.sets_started.load(Ordering::Relaxed);
    let errors = counters.errors.lock().expect("errors lock").clone();
    Ok(Report {
        scenario: config.scenario,
        players: config.players,
        duration_s: elapsed,
        joined,
        peak_connections: peak,
        joins_per_s: joined as f64 / (spacing.as_secs_f64() * config.players.max(1) as f64),
        sets_started: sets,
        sets_per_s: sets as f64 / elapsed,
        answers,
        answers_per_s: answers as f64 / elapsed,
        ack_p50_ms: ms(0.5),
        ack_p99_ms: ms(0.99),
        ack_p999_ms: ms(0.999),
        ack_max_ms: histogram.as_ref().map_or(0.0, |h| h.max() as f64 / 1000.0),
        errors,
        server_before,
        server_at_peak,
        server_cpu_us_per_answer: cpu_per_answer,
        server_rss_kb_per_player: rss_per_player,
    })
}

struct Player {
    index: usize,
    http: reqwest::Client,
    target: String,
    ws_url: String,
    think: Duration,
    counters: Arc<Counters>,
    scenario: Scenario,
}

impl Player {
    async fn play(&self, stop_at: Instant) -> Result<(), String> {
        let district = DEFAULT_DISTRICTS[self.index % DEFAULT_DISTRICTS.len()];
        let res = self
            .http
            .post(format!("{}/api/session", self.target))
            .json(&serde_json::json!({"nickname": format!("压测{}", self.index), "district": district}))
            .send()
            .await
            .map_err(|_| "sign_in_failed")?;
        if !res.status().is_success() {
            return Err(format!("sign_in_{}", res.status().as_u16()));
        }
        let cookie = res
            .headers()
            .get("set-cookie")
            .and_then(|c| c.to_str().ok())
            .and_then(|c| c.split(';').next())
            .ok_or("no_session_cookie")?
            .to_owned();
        let mut request = self
            .ws_url
            .as_str()
            .into_client_request()
            .map_err(|_| "bad_url")?;
        request.headers_mut().insert(
            "cookie",
            HeaderValue::from_str(&cookie).map_err(|_| "bad_cookie")?,
        );
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
            .await
            .map_err(|_| "connect_failed")?;
        self.counters.joined.fetch_add(1, Ordering::Relaxed);
        let open = self.counters.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.counters.peak_open.fetch_max(open, Ordering::Relaxed);
        let result = match self.scenario {
            Scenario::Solo => self.sets(&mut ws, stop_at).await,
            Scenario::Duel => {
                let (queue, cancel) = (
                    ClientMsg::DuelQueue { relaxed: false },
                    ClientMsg::DuelCancel,
                );
                self.matches(&mut ws, stop_at, queue, cancel).await
            }
            Scenario::Ladder => {
                let (queue, cancel) = (
                    ClientMsg::LadderQueue { relaxed: false },
                    ClientMsg::LadderCancel,
                );
                self.matches(&mut ws, stop_at, queue, cancel).await
            }
        };
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
        let _ = ws.close(None).await;
        result
    }

    async fn sets<S>(&self, ws: &mut S, stop_at: Instant) -> Result<(), String>
    where
        S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + SinkExt<Message>
            + Unpin,
    {
        let start = ClientMsg::Start {
            mode: SetMode::Practice,
            history: None,
            size: Some(20),
            difficulty: None,
            relaxed: false,
        };
        ws.send(encode(&start)).await.map_err(|_| "send_failed")?;
        let mut sent_at: Option<Instant> = None;
        loop {
            let Some(msg) = next_message(ws, stop_at + Duration::from_secs(30)).await? else {
                return Err("server_silent".into());
            };
            match msg {
                ServerMsg::SetStarted { .. } => {
                    self.counters.sets_started.fetch_add(1, Ordering::Relaxed);
                }
                ServerMsg::Question {
                    seq,
                    waits_for_media,
                    question,
                    ..
                } => {
                    if waits_for_media {
                        ws.send(encode(&ClientMsg::MediaReady { seq }))
                            .await
                            .map_err(|_| "send_failed")?;
                    }
                    let think = self.think.mul_f64(rand::rng().random_range(0.5..1.5));
                    tokio::time::sleep(think).await;
                    let choice = if question.kind == "multiple" {
                        vec![0, 1]
                    } else {
                        vec![0]
                    };
                    sent_at = Some(Instant::now());
                    ws.send(encode(&ClientMsg::Answer { seq, choice }))
                        .await
                        .map_err(|_| "send_failed")?;
                }
                ServerMsg::Result(r) => {
                    if let Some(sent) = sent_at.take() {
                        self.counters.record_ack(sent.elapsed());
                        self.counters.answers.fetch_add(1, Ordering::Relaxed);
                    }
                    if Instant::now() >= stop_at {
                        ws.send(encode(&ClientMsg::Finish))
                            .await
                            .map_err(|_| "send_failed")?;
                    } else if r.next == NextView::Next {
                        ws.send(encode(&ClientMsg::Next))
                            .await
                            .map_err(|_| "send_failed")?;
                    }
                }
                ServerMsg::Summary(_) => {
                    if Instant::now() >= stop_at {
                        return Ok(());
                    }
                    ws.send(encode(&start)).await.map_err(|_| "send_failed")?;
                }
                ServerMsg::Error { code, .. } => self.counters.refused(code),
                // Solo practice never sees duel messages.
                _ => {}
            }
        }
    }
}

impl Player {
    /// Queues for matches (duels or races) with `queue` and plays them
    /// until `stop_at`; still waiting then, leaves with `cancel`.
    async fn matches<S>(
        &self,
        ws: &mut S,
        stop_at: Instant,
        queue: ClientMsg,
        cancel: ClientMsg,
    ) -> Result<(), String>
    where
        S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + SinkExt<Message>
            + Unpin,
    {
        ws.send(encode(&queue)).await.map_err(|_| "send_failed")?;
        let mut in_match = false;
        let mut seat: Option<u8> = None;
        let mut sent_at: Option<Instant> = None;
        loop {
            // Waiting in the queue past the end: leave it and stop.
            let limit = if in_match {
                stop_at + Duration::from_secs(60)
            } else {
                stop_at
            };
            let msg = match next_message(ws, limit).await? {
                Some(msg) => msg,
                None if !in_match => {
                    let _ = ws.send(encode(&cancel)).await;
                    return Ok(());
                }
                None => return Err("server_silent".into()),
            };
            let ServerMsg::Match(event) = msg else {
                if let ServerMsg::Error { code, .. } = msg {
                    self.counters.refused(code);
                }
                continue;
            };
            match event.body {
                MatchBody::MatchStarted(started) => {
                    in_match = true;
                    seat = Some(started.seat);
                    self.counters.sets_started.fetch_add(1, Ordering::Relaxed);
                }
                MatchBody::MatchQuestion {
                    seq,
                    waits_for_media,
                    question,
                    ..
                } => {
                    if waits_for_media {
                        let ready = ClientMsg::MatchMediaReady {
                            match_id: event.match_id.clone(),
                            seq,
                        };
                        ws.send(encode(&ready)).await.map_err(|_| "send_failed")?;
                    }
                    let think = self.think.mul_f64(rand::rng().random_range(0.5..1.5));
                    tokio::time::sleep(think).await;
                    let choice = if question.kind == "multiple" {
                        vec![0, 1]
                    } else {
                        vec![0]
                    };
                    sent_at = Some(Instant::now());
                    let answer = ClientMsg::MatchAnswer {
                        match_id: event.match_id,
                        seq,
                        choice,
                    };
                    ws.send(encode(&answer)).await.map_err(|_| "send_failed")?;
                }
                MatchBody::MatchAnswered { seat: s, .. } if Some(s) == seat => {
                    if let Some(sent) = sent_at.take() {
                        self.counters.record_ack(sent.elapsed());
                        self.counters.answers.fetch_add(1, Ordering::Relaxed);
                    }
                }
                MatchBody::MatchOver(_) => {
                    in_match = false;
                    seat = None;
                    if Instant::now() >= stop_at {
                        return Ok(());
                    }
                    ws.send(encode(&queue)).await.map_err(|_| "send_failed")?;
                }
                _ => {}
            }
        }
    }
}

fn encode(msg: &ClientMsg) -> Message {
    Message::Text(
        serde_json::to_string(msg)
            .expect("client messages serialize")
            .into(),
    )
}

/// The next server message, or `None` if none came by `until`.
async fn next_message<S>(ws: &mut S, until: Instant) -> Result<Option<ServerMsg>, String>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let frame = match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(_))) | Ok(None) => return Err("connection_lost".into()),
            Err(_) => return Ok(None),
        };
        match frame {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str())
                    .map(Some)
                    .map_err(|_| "unparseable_message".into());
            }
            Message::Close(frame) => {
                return Err(format!(
                    "closed_{}",
                    frame.map_or(1005, |f| u16::from(f.code))
                ));
            }
            _ => continue,
        }
    }
}

/// CPU seconds (user + system) and resident memory of a process, from /proc.
pub fn sample_server(pid: u32) -> Option<ServerSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(ServerSample {
        cpu_seconds: (utime + stime) / clock_ticks_per_second(),
        rss_kb,
    })
}

/// Linux reports CPU time in clock ticks; `getconf CLK_TCK` says how many a
/// second (100 on every common configuration).
fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
