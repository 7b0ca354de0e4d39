//! `dati load`: a load generator for a running server.
//!
//! It signs in simulated members, each on its own websocket, and deals them
//! out to a mix of scenarios ([`Mix`]): idle connected players, solo
//! practice, duels, four-player ladder races and district battles. Players
//! start one after another at the ramp rate, each plays for the duration
//! and stops by itself (finishing the set or match it is in, leaving the
//! queue it waits in); the run ends when the last one has stopped.
//!
//! A start or queue request the server refuses stops that player, except
//! `unavailable` (the server is shedding new matches while its answer
//! queue is backed up), which it asks again after about a second until its
//! stop time; every refusal is counted by its code.
//!
//! In step (`in_step`), players connect during the ramp and wait; at one
//! instant, [`IN_STEP_MARGIN`] after the ramp's planned end, all send
//! their first request together (a crowd queueing for duels at once), and
//! from then on every answer waits for the next beat of the think time
//! counted from that instant, so that all players answer in the same
//! instants: every think time apart (capped as below). Joins then count
//! at `hello`, each player plays for the duration from that instant, and
//! the rates of sets, matches and answers are taken from it.
//!
//! Think time before each answer is drawn from a log-normal distribution
//! with the given mean: `think × exp(σZ − σ²/2)` with `Z` standard normal
//! (σ = 0.5 by default: the median is 0.88 × the mean, 5 % of answers come
//! faster than 0.39 × and 5 % slower than 2 ×), capped at the question's
//! time limit less a margin (1 s, or half the limit if that is under 2 s),
//! so every answer is meant to arrive in time.
//!
//! What it measures ([`Report`]):
//!
//! - **joins/s**: players who signed in, opened their websocket and had
//!   their first request acknowledged (`set_started`, `queued`,
//!   `ladder_queued`, `district_queued` or `match_started`; `hello` for idle
//!   players); and the time each join took.
//! - **connections held** at the peak.
//! - **sets and matches started/s**: every match counted once (by the
//!   member in its lowest human seat), not once per player.
//! - **answers/s** (acknowledged answers) and **answer acknowledgement**
//!   p50/p99/p99.9: from
//!   sending an answer to receiving its `result` (solo) or the
//!   `match_answered` for one's own seat (matches), per scenario and
//!   overall.
//!
//!   Every rate is per second over the span from the first player's start
//!   to the last such event: joins over the ramp, and matches of a single
//!   round over the time they took to start, not over the tail in which
//!   they are played out.
//! - **question fan-out**: for every question of a match with two or more
//!   members, the spread between the first and the last of them receiving
//!   its `match_question`.
//! - **queue → match**: from sending a queue request to receiving
//!   `match_started` (the wait for opponents included).
//! - **first question late**: how long after `match_started`'s countdown
//!   (`starts_in_ms`, counted from its arrival) the first `match_question`
//!   arrived: the server's delay in starting a match's play.
//! - **heartbeats**: idle players' `ping` → `pong` round trips.
//! - **errors by kind**: refusals by their code (`error_not_current`…) and
//!   the generator's own failures (`connect_failed`, `connection_lost`…).
//! - the server's CPU seconds and RSS from /proc (given its pid, on the
//!   same machine), before the run and near its peak, and the generator's
//!   own CPU time, to tell when it rather than the server is the limit.
//!
//! The generator keeps its own cost down: 4 KiB read buffers, unbuffered
//! writes with TCP_NODELAY, incoming messages read into a borrowed view of
//! the few fields it needs (no allocation per message beyond the frame),
//! one shared histogram per metric behind a mutex, and send times spread by
//! the ramp, the random think times and random heartbeat phases.

mod player;
mod stats;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use tokio::time::Instant;

use crate::domain::member::DEFAULT_DISTRICTS;
use player::{Player, Shared};
use stats::Stats;
pub use stats::{Latency, ServerSample, sample_server};

/// In step, how long after the ramp's planned end every player sends its
/// first request: room for the last joins to finish.
pub const IN_STEP_MARGIN: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Base URL of the server, e.g. `http://127.0.0.1:8080`.
    pub target: String,
    pub players: usize,
    /// New players per second during the ramp.
    pub ramp_per_sec: f64,
    /// How long each player keeps playing once connected.
    pub duration: Duration,
    /// Mean think time before an answer (log-normal around it).
    pub think: Duration,
    /// σ of the think time's log-normal distribution.
    pub think_sigma: f64,
    /// How often idle players send the protocol's `ping`; `None` leaves
    /// them to answer the server's websocket pings only.
    pub heartbeat: Option<Duration>,
    /// The server's pid, to sample its CPU and memory.
    pub server_pid: Option<u32>,
    /// What the players play, and in which proportions.
    pub mix: Mix,
    /// The running competition district battles are fought in.
    pub competition: Option<i64>,
    /// Players act in step: each connects during the ramp and waits; once
    /// the ramp is over, all send their first request at the same instant
    /// and then answer on a shared beat of the think time (see
    /// [`IN_STEP_MARGIN`]).
    pub in_step: bool,
}

impl LoadConfig {
    /// The command line's defaults against `target`: 200 solo players.
    pub fn new(target: impl Into<String>) -> LoadConfig {
        LoadConfig {
            target: target.into(),
            players: 200,
            ramp_per_sec: 200.0,
            duration: Duration::from_secs(30),
            think: Duration::from_millis(1500),
            think_sigma: 0.5,
            heartbeat: Some(Duration::from_secs(25)),
            server_pid: None,
            mix: Mix::only(Scenario::Solo),
            competition: None,
            in_step: false,
        }
    }
}

/// What a simulated member plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Connected and signed in, doing nothing: answers the server's
    /// websocket pings and sends the protocol's `ping` now and then.
    Idle,
    /// Practice sets of 20 questions, one after another.
    Solo,
    /// Duels from the queue, one after another (taking the bot offered
    /// after a long wait). The acknowledgement of an answer is the
    /// `match_answered` for the player's own seat.
    Duel,
    /// 争上游 races of four from the ladder queue, one after another
    /// (bots fill a race after the server's wait); acknowledged as duels.
    Ladder,
    /// District battles of a running competition (`competition`): members
    /// are spread round-robin over its districts, queue, battle and queue
    /// again; acknowledged as duels.
    District,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::Idle,
        Scenario::Solo,
        Scenario::Duel,
        Scenario::Ladder,
        Scenario::District,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Idle => "idle",
            Scenario::Solo => "solo",
            Scenario::Duel => "duel",
            Scenario::Ladder => "ladder",
            Scenario::District => "district",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn plays_matches(self) -> bool {
        matches!(self, Scenario::Duel | Scenario::Ladder | Scenario::District)
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Scenario, String> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| {
                format!("unknown scenario `{s}` (expected idle, solo, duel, ladder or district)")
            })
    }
}

/// Scenarios with relative weights: `duel=50,solo=30,idle=20`, or one
/// name alone (`duel`); a name without `=` weighs 1, so `duel,solo` is
/// half and half. Players are dealt out in proportion and interleaved, so
/// every stretch of the ramp has the same mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix(Vec<(Scenario, u32)>);

impl Mix {
    pub fn only(scenario: Scenario) -> Mix {
        Mix(vec![(scenario, 1)])
    }

    pub fn weights(&self) -> &[(Scenario, u32)] {
        &self.0
    }

    pub fn contains(&self, scenario: Scenario) -> bool {
        self.0.iter().any(|&(s, _)| s == scenario)
    }

    /// The scenario of each of `players` players, in start order (smooth
    /// weighted round-robin: exact proportions over every run of
    /// sum-of-weights players).
    pub fn assign(&self, players: usize) -> Vec<Scenario> {
        let total: i64 = self.0.iter().map(|&(_, w)| i64::from(w)).sum();
        let mut current = vec![0i64; self.0.len()];
        let mut out = Vec::with_capacity(players);
        for _ in 0..players {
            for (c, &(_, w)) in current.iter_mut().zip(&self.0) {
                *c += i64::from(w);
            }
            let mut best = 0;
            for (i, &c) in current.iter().enumerate() {
                if c > current[best] {
                    best = i;
                }
            }
            current[best] -= total;
            out.push(self.0[best].0);
        }
        out
    }
}

impl From<Scenario> for Mix {
    fn from(s: Scenario) -> Mix {
        Mix::only(s)
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(s: &str) -> Result<Mix, String> {
        let mut out: Vec<(Scenario, u32)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = match part.split_once('=') {
                Some((name, w)) => {
                    let w = w
                        .trim()
                        .parse::<u32>()
                        .map_err(|_| format!("`{part}`: the weight must be a whole number"))?;
                    (name.trim(), w)
                }
                None => (part, 1),
            };
            let scenario: Scenario = name.parse()?;
            if out.iter().any(|&(s, _)| s == scenario) {
                return Err(format!("scenario `{name}` given twice"));
            }
            if weight > 0 {
                out.push((scenario, weight));
            }
        }
        if out.is_empty() {
            return Err("no scenario with a weight above 0".into());
        }
        Ok(Mix(out))
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [(s, _)] = self.0.as_slice() {
            return write!(f, "{s}");
        }
        for (i, (s, w)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{s}={w}")?;
        }
        Ok(())
    }
}

/// What one scenario's players did.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub scenario: Scenario,
    pub players: u64,
    pub joined: u64,
    /// Solo sets, or matches (each counted once).
    pub started: u64,
    pub answers: u64,
    pub ack: Latency,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    /// The mix, as `--scenario` takes it.
    pub mix: String,
    pub players: usize,
    pub ramp_per_s: f64,
    /// Each player's playing time.
    pub duration_per_player_s: f64,
    pub think_ms: u64,
    pub think_sigma: f64,
    pub competition: Option<i64>,
    /// Whether the players acted in step (`LoadConfig::in_step`).
    pub in_step: bool,
    /// From the first start until the last player stopped.
    pub run_s: f64,
    /// From the first start to the last join.
    pub ramp_s: f64,
    pub joined: u64,
    /// Rates are per second from the first start (in step: joins from the
    /// first start, the rest from the common start) to the last such event.
    pub joins_per_s: f64,
    /// From starting the sign-in to the first request's acknowledgement.
    pub join: Latency,
    /// Websockets open at once, at the most.
    pub peak_connections: i64,
    pub sets_started: u64,
    pub sets_per_s: f64,
    /// Duels, races and battles, each counted once.
    pub matches_started: u64,
    pub matches_per_s: f64,
    pub answers: u64,
    pub answers_per_s: f64,
    /// Answer acknowledgement over every scenario.
    pub ack: Latency,
    /// Spread of a match question's arrival over the match's members.
    pub fanout: Latency,
    /// Match questions whose arrival was not seen by every member within
    /// 30 s (a member left or was lost).
    pub fanout_incomplete: u64,
    /// From sending a queue request to receiving `match_started`.
    pub matched: Latency,
    /// How long after `match_started`'s countdown the first question
    /// arrived.
    pub first_question_late: Latency,
    /// Idle players' `ping` → `pong` round trips.
    pub heartbeat: Latency,
    pub scenarios: Vec<ScenarioReport>,
    pub errors: BTreeMap<String, u64>,
    pub server_before: Option<ServerSample>,
    pub server_at_peak: Option<ServerSample>,
    pub server_after: Option<ServerSample>,
    /// Server CPU time over the run, as a share of one core.
    pub server_cpu_pct: Option<f64>,
    /// Server CPU time per answer over the run, in µs.
    pub server_cpu_us_per_answer: Option<f64>,
    /// Server CPU time per join (sign-in, handshake, first request), in
    /// µs: everything the server did over the run divided by the joins, so
    /// meaningful for idle players only.
    pub server_cpu_us_per_join: Option<f64>,
    /// Server memory growth per connected player, in KB.
    pub server_rss_kb_per_player: Option<f64>,
    /// From the server's `/metrics` after the run: how long the oldest op
    /// of each write batch took from being queued to being committed, over
    /// the server's last minute (p99 and max, in ms).
    pub durable_p99_ms: Option<f64>,
    pub durable_max_ms: Option<f64>,
    /// The generator's own CPU time over the run.
    pub generator_cpu_s: Option<f64>,
    /// …as a share of one core: near 100 % × its cores, it is the limit.
    pub generator_cpu_pct: Option<f64>,
}

impl Report {
    pub fn scenario(&self, s: Scenario) -> Option<&ScenarioReport> {
        self.scenarios.iter().find(|r| r.scenario == s)
    }

    /// One line of docs/performance.md's table (bench/run.sh writes its
    /// header).
    pub fn markdown_row(&self, name: &str) -> String {
        let or_dash = |v: Option<f64>, unit: &str, digits: usize| {
            v.map_or("–".to_owned(), |v| format!("{v:.digits$} {unit}"))
        };
        let errors: u64 = self.errors.values().sum();
        format!(
            "| {name} | {} | {:.0} | {:.0} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            self.players,
            self.joins_per_s,
            self.matches_per_s,
            self.answers_per_s,
            self.ack.p50_ms,
            self.ack.p99_ms,
            self.ack.p999_ms,
            p99_or_dash(&self.fanout),
            p99_or_dash(&self.first_question_late),
            or_dash(self.server_cpu_us_per_answer, "µs", 0),
            // Per join only where nothing but joining happened.
            or_dash(
                self.server_cpu_us_per_join.filter(|_| self.answers == 0),
                "µs",
                0
            ),
            or_dash(self.server_rss_kb_per_player, "KB", 1),
            or_dash(
                self.server_at_peak
                    .as_ref()
                    .map(|s| s.rss_kb as f64 / 1024.0),
                "MB",
                0
            ),
            or_dash(self.durable_p99_ms, "ms", 0),
            errors,
        )
    }
}

fn p99_or_dash(l: &Latency) -> String {
    if l.samples > 0 {
        format!("{:.2} ms", l.p99_ms)
    } else {
        "–".to_owned()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "dati load → {}   mix {}   {} players, ramp {}/s, {} s each, think {} ms (σ {}){}",
            self.target,
            self.mix,
            self.players,
            self.ramp_per_s,
            self.duration_per_player_s,
            self.think_ms,
            self.think_sigma,
            if self.in_step { ", in step" } else { "" }
        )?;
        writeln!(
            f,
            "run time           {:>10.1} s   (ramp {:.1} s)",
            self.run_s, self.ramp_s
        )?;
        writeln!(
            f,
            "joined             {:>10}   ({:.1}/s)",
            self.joined, self.joins_per_s
        )?;
        writeln!(f, "peak connections   {:>10}", self.peak_connections)?;
        writeln!(
            f,
            "sets started       {:>10}   ({:.1}/s)",
            self.sets_started, self.sets_per_s
        )?;
        writeln!(
            f,
            "matches started    {:>10}   ({:.1}/s)",
            self.matches_started, self.matches_per_s
        )?;
        writeln!(
            f,
            "answers            {:>10}   ({:.1}/s)",
            self.answers, self.answers_per_s
        )?;
        writeln!(
            f,
            "latency (ms)          samples       p50       p99     p99.9       max"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, l: &Latency| {
            writeln!(
                f,
                "  {name:<16}{:>11}{:>10.2}{:>10.2}{:>10.2}{:>10.2}",
                l.samples, l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms
            )
        };
        row(f, "answer ack", &self.ack)?;
        for s in &self.scenarios {
            if s.ack.samples > 0 && self.scenarios.len() > 1 {
                row(f, &format!("  ack {}", s.scenario), &s.ack)?;
            }
        }
        row(f, "question fan-out", &self.fanout)?;
        if self.matched.samples > 0 {
            row(f, "queue → match", &self.matched)?;
            row(f, "1st question late", &self.first_question_late)?;
        }
        row(f, "join", &self.join)?;
        if self.heartbeat.samples > 0 {
            row(f, "heartbeat", &self.heartbeat)?;
        }
        if self.fanout_incomplete > 0 {
            writeln!(f, "fan-out incomplete {:>10}", self.fanout_incomplete)?;
        }
        writeln!(
            f,
            "scenario              players    joined   started   answers"
        )?;
        for s in &self.scenarios {
            writeln!(
                f,
                "  {:<16}{:>11}{:>10}{:>10}{:>10}",
                s.scenario.name(),
                s.players,
                s.joined,
                s.started,
                s.answers
            )?;
        }
        if let (Some(before), Some(peak)) = (&self.server_before, &self.server_at_peak) {
            writeln!(
                f,
                "server             rss {} → {} KB at the peak",
                before.rss_kb, peak.rss_kb
            )?;
        }
        if let (Some(before), Some(after), Some(pct)) =
            (&self.server_before, &self.server_after, self.server_cpu_pct)
        {
            writeln!(
                f,
                "server cpu         {:>10.2} s   ({pct:.0} % of a core)",
                after.cpu_seconds - before.cpu_seconds
            )?;
        }
        if let Some(us) = self.server_cpu_us_per_answer {
            writeln!(f, "server cpu/answer  {us:>10.1} µs")?;
        }
        if let Some(us) = self.server_cpu_us_per_join {
            writeln!(f, "server cpu/join    {us:>10.1} µs")?;
        }
        if let Some(kb) = self.server_rss_kb_per_player {
            writeln!(f, "server rss/player  {kb:>10.1} KB")?;
        }
        if let (Some(p99), Some(max)) = (self.durable_p99_ms, self.durable_max_ms) {
            writeln!(
                f,
                "durable within     {p99:>10.1} ms p99, {max:.1} ms max (the server's last minute)"
            )?;
        }
        if let (Some(s), Some(pct)) = (self.generator_cpu_s, self.generator_cpu_pct) {
            writeln!(f, "generator cpu      {s:>10.2} s   ({pct:.0} % of a core)")?;
        }
        if self.errors.is_empty() {
            write!(f, "errors                   none")
        } else {
            write!(f, "errors")?;
            for (kind, n) in &self.errors {
                write!(f, "\n  {kind:<24}{n:>9}")?;
            }
            Ok(())
        }
    }
}

/// The target's address when it is an IPv4 loopback address.
async fn loopback_server(target: &str) -> Option<std::net::SocketAddr> {
    let url = reqwest::Url::parse(target).ok()?;
    let host = url.host_str()?.to_owned();
    let port = url.port_or_known_default()?;
    tokio::net::lookup_host((host, port))
        .await
        .ok()?
        .find(|addr| matches!(addr.ip(), std::net::IpAddr::V4(ip) if ip.is_loopback()))
}

/// The write batches' durability p99 and max in ms, from the server's
/// Prometheus summary; None when it has no such batches or no `/metrics`.
async fn durable_ms(http: &reqwest::Client, target: &str) -> Option<(f64, f64)> {
    let text = http
        .get(format!("{target}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let quantile = |q: &str| -> Option<f64> {
        let prefix = format!("dati_write_durable_seconds{{quantile=\"{q}\"}} ");
        let value: f64 = text
            .lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))?
            .trim()
            .parse()
            .ok()?;
        Some(value * 1e3)
    };
    Some((quantile("0.99")?, quantile("1")?))
}

/// Runs the load and returns what it measured. Stops by itself.
pub async fn run(config: LoadConfig) -> anyhow::Result<Report> {
    if config.ramp_per_sec.is_nan() || config.ramp_per_sec <= 0.0 {
        bail!("the ramp must be above 0 players a second");
    }
    if config.mix.contains(Scenario::District) && config.competition.is_none() {
        bail!("the district scenario needs --competition: the id of a running competition");
    }
    let target = config.target.trim_end_matches('/').to_owned();
    let ws_url = target.replacen("http", "ws", 1) + "/ws";
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        // Sign-ins come in bursts of thousands; kept-alive, each would hold
        // a second file descriptor on the server beside its websocket.
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(30))
        .build()?;
    http.get(format!("{target}/healthz"))
        .send()
        .await
        .with_context(|| format!("{target} does not answer"))?;
    let districts = player::districts(&http, &target)
        .await
        .unwrap_or_else(|| DEFAULT_DISTRICTS.iter().map(|d| d.to_string()).collect());
    let battle_districts = match config.competition {
        Some(id) if config.mix.contains(Scenario::District) => {
            player::competition_districts(&http, &target, &districts, id).await?
        }
        _ => Vec::new(),
    };

    let scenarios = config.mix.assign(config.players);
    let started = Instant::now();
    let spacing = Duration::from_secs_f64(1.0 / config.ramp_per_sec);
    let last_start = started + spacing.mul_f64(config.players.saturating_sub(1) as f64);
    let in_step = config.in_step.then(|| last_start + IN_STEP_MARGIN);
    let stats = Stats::new(started);
    for s in &scenarios {
        stats.scenario(*s).players.fetch_add(1, Ordering::Relaxed);
    }
    let shared = Arc::new(Shared {
        http: http.clone(),
        target: target.clone(),
        ws_url,
        loopback_server: loopback_server(&target).await,
        think: config.think,
        think_sigma: config.think_sigma.max(0.0),
        heartbeat: config.heartbeat.filter(|h| !h.is_zero()),
        competition: config.competition,
        in_step,
        stats,
    });
    let me = std::process::id();
    let generator_before = sample_server(me);
    let server_before = config.server_pid.and_then(sample_server);
    let mut tasks = Vec::with_capacity(config.players);
    let mut battlers = 0usize;
    for (i, scenario) in scenarios.into_iter().enumerate() {
        let district = if scenario == Scenario::District {
            battlers += 1;
            battle_districts[(battlers - 1) % battle_districts.len()].clone()
        } else {
            districts[i % districts.len()].clone()
        };
        let player = Player {
            shared: shared.clone(),
            index: i,
            scenario,
            district,
        };
        let start_at = started + spacing.mul_f64(i as f64);
        let stop_at = in_step.unwrap_or(start_at) + config.duration;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(start_at).await;
            if let Err(kind) = player.play(stop_at).await {
                player.shared.stats.error(kind);
            }
        }));
    }
    // Sample the server while every player is still connected.
    let peak_at = in_step.unwrap_or(last_start) + config.duration.mul_f64(0.9);
    let pid = config.server_pid;
    let peak_sample = tokio::spawn(async move {
        tokio::time::sleep_until(peak_at).await;
        pid.and_then(sample_server)
    });
    for t in tasks {
        let _ = t.await;
    }
    let server_at_peak = peak_sample.await.ok().flatten();
    let server_after = config.server_pid.and_then(sample_server);
    let generator_after = sample_server(me);
    let run_s = started.elapsed().as_secs_f64();

    let stats = &shared.stats;
    let mut scenario_reports = Vec::new();
    let mut all_acks = stats::histogram();
    let (mut joined, mut answers, mut sets, mut matches) = (0, 0, 0, 0);
    for s in Scenario::ALL {
        let per = stats.scenario(s);
        let players = per.players.load(Ordering::Relaxed);
        if players == 0 {
            continue;
        }
        let ack = per.ack.lock().expect("histogram lock");
        let _ = all_acks.add(&*ack);
        let r = ScenarioReport {
            scenario: s,
            players,
            joined: per.joined.load(Ordering::Relaxed),
            started: per.started.load(Ordering::Relaxed),
            answers: per.answers.load(Ordering::Relaxed),
            ack: Latency::of(&ack),
        };
        joined += r.joined;
        answers += r.answers;
        if s == Scenario::Solo {
            sets += r.started;
        } else if s.plays_matches() {
            matches += r.started;
        }
        scenario_reports.push(r);
    }
    let ramp_s =
        (stats.last_join_us.load(Ordering::Relaxed) as f64 / 1e6).max(spacing.as_secs_f64());
    let peak = stats.peak_open.load(Ordering::Relaxed);
    let durable = durable_ms(&http, &target).await;
    let fanout = stats.fanout.lock().expect("fan-out lock");
    // In step, play starts at one instant after the ramp.
    let play_from = in_step.map_or(Duration::ZERO, |go| go - started);
    let cpu = |b: &Option<ServerSample>, a: &Option<ServerSample>| match (b, a) {
        (Some(b), Some(a)) => Some(a.cpu_seconds - b.cpu_seconds),
        _ => None,
    };
    let server_cpu = cpu(&server_before, &server_after);
    let generator_cpu = cpu(&generator_before, &generator_after);
    let report = Report {
        target,
        mix: config.mix.to_string(),
        players: config.players,
        ramp_per_s: config.ramp_per_sec,
        duration_per_player_s: config.duration.as_secs_f64(),
        think_ms: config.think.as_millis() as u64,
        think_sigma: config.think_sigma,
        competition: config.competition,
        in_step: config.in_step,
        run_s,
        ramp_s,
        joined,
        joins_per_s: Stats::rate(joined, &stats.last_join_us, Duration::ZERO, spacing),
        join: Latency::of(&stats.join.lock().expect("histogram lock")),
        peak_connections: peak,
        sets_started: sets,
        sets_per_s: Stats::rate(sets, &stats.last_set_us, play_from, spacing),
        matches_started: matches,
        matches_per_s: Stats::rate(matches, &stats.last_match_us, play_from, spacing),
        answers,
        answers_per_s: Stats::rate(answers, &stats.last_answer_us, play_from, spacing),
        ack: Latency::of(&all_acks),
        fanout: Latency::of(&fanout.histogram),
        fanout_incomplete: fanout.incomplete + fanout.pending.len() as u64,
        matched: Latency::of(&stats.matched.lock().expect("histogram lock")),
        first_question_late: Latency::of(
            &stats.first_question_late.lock().expect("histogram lock"),
        ),
        heartbeat: Latency::of(&stats.heartbeat.lock().expect("histogram lock")),
        scenarios: scenario_reports,
        errors: stats.errors.lock().expect("errors lock").clone(),
        server_cpu_pct: server_cpu.map(|s| s * 100.0 / run_s),
        server_cpu_us_per_answer: server_cpu
            .filter(|_| answers > 0)
            .map(|s| s * 1e6 / answers as f64),
        server_cpu_us_per_join: server_cpu
            .filter(|_| joined > 0)
            .map(|s| s * 1e6 / joined as f64),
        server_rss_kb_per_player: match (&server_before, &server_at_peak) {
            (Some(b), Some(p)) if peak > 0 => {
                Some((p.rss_kb as f64 - b.rss_kb as f64) / peak as f64)
            }
            _ => None,
        },
        server_before,
        server_at_peak,
        server_after,
        generator_cpu_s: generator_cpu,
        generator_cpu_pct: generator_cpu.map(|s| s * 100.0 / run_s),
        durable_p99_ms: durable.map(|d| d.0),
        durable_max_ms: durable.map(|d| d.1),
    };
    Ok(report)
}
