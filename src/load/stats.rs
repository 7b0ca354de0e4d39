//! What the players count and time: counters, one histogram per metric,
//! the question fan-out tracker, and /proc sampling.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::time::Instant;

use super::Scenario;

/// A match question not seen by every member within this long is counted
/// incomplete and forgotten.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the fan-out map is swept for such questions.
const FANOUT_SWEEP: Duration = Duration::from_secs(5);

/// µs from 1 to 60 s, three significant figures.
pub(super) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

fn record(h: &Mutex<Histogram<u64>>, elapsed: Duration) {
    let us = (elapsed.as_micros() as u64).max(1);
    h.lock().expect("histogram lock").saturating_record(us);
}

/// Percentiles of a histogram of µs, in ms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub samples: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub(super) fn of(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency::default();
        }
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        Latency {
            samples: h.len(),
            p50_ms: ms(0.5),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: h.max() as f64 / 1000.0,
        }
    }
}

pub(super) struct PerScenario {
    pub players: AtomicU64,
    pub joined: AtomicU64,
    /// Sets, or matches counted once each.
    pub started: AtomicU64,
    pub answers: AtomicU64,
    pub ack: Mutex<Histogram<u64>>,
}

impl PerScenario {
    fn new() -> PerScenario {
        PerScenario {
            players: AtomicU64::new(0),
            joined: AtomicU64::new(0),
            started: AtomicU64::new(0),
            answers: AtomicU64::new(0),
            ack: Mutex::new(histogram()),
        }
    }
}

/// First arrival of one match question, and how many members
/// have yet to receive it.
pub(super) struct Arrival {
    first: Instant,
    remaining: u16,
}

pub(super) struct FanOut {
    /// By (match id, seq).
    pub pending: HashMap<(u64, u32), Arrival>,
    pub histogram: Histogram<u64>,
    pub incomplete: u64,
    swept_at: Instant,
}

pub(super) struct Stats {
    /// When the run started: heartbeat nonces count µs from here.
    pub started: Instant,
    scenarios: [PerScenario; Scenario::ALL.len()],
    pub open: AtomicI64,
    pub peak_open: AtomicI64,
    /// µs from the start to the latest join, set start, match start and
    /// acknowledged answer: the spans their rates are taken over.
    pub last_join_us: AtomicU64,
    pub last_set_us: AtomicU64,
    pub last_match_us: AtomicU64,
    pub last_answer_us: AtomicU64,
    pub join: Mutex<Histogram<u64>>,
    pub heartbeat: Mutex<Histogram<u64>>,
    pub matched: Mutex<Histogram<u64>>,
    pub first_question_late: Mutex<Histogram<u64>>,
    pub fanout: Mutex<FanOut>,
    pub errors: Mutex<BTreeMap<String, u64>>,
}

impl Stats {
    pub fn new(started: Instant) -> Stats {
        Stats {
            started,
            scenarios: std::array::from_fn(|_| PerScenario::new()),
            open: AtomicI64::new(0),
            peak_open: AtomicI64::new(0),
            last_join_us: AtomicU64::new(0),
            last_set_us: AtomicU64::new(0),
            last_match_us: AtomicU64::new(0),
            last_answer_us: AtomicU64::new(0),
            join: Mutex::new(histogram()),
            heartbeat: Mutex::new(histogram()),
            matched: Mutex::new(histogram()),
            first_question_late: Mutex::new(histogram()),
            fanout: Mutex::new(FanOut {
                pending: HashMap::new(),
                histogram: histogram(),
                incomplete: 0,
                swept_at: started,
            }),
            errors: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn scenario(&self, s: Scenario) -> &PerScenario {
        &self.scenarios[s.index()]
    }

    pub fn error(&self, kind: impl Into<String>) {
        *self
            .errors
            .lock()
            .expect("errors lock")
            .entry(kind.into())
            .or_default() += 1;
    }

    pub fn connected(&self) {
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_open.fetch_max(open, Ordering::Relaxed);
    }

    pub fn disconnected(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// A player's first request was acknowledged `took` after it began
    /// signing in.
    pub fn joined(&self, s: Scenario, took: Duration) {
        self.scenario(s).joined.fetch_add(1, Ordering::Relaxed);
        record(&self.join, took);
        self.mark(&self.last_join_us);
    }

    /// A set (solo) or a match (counted once) started.
    pub fn started(&self, s: Scenario) {
        self.scenario(s).started.fetch_add(1, Ordering::Relaxed);
        self.mark(if s == Scenario::Solo {
            &self.last_set_us
        } else {
            &self.last_match_us
        });
    }

    pub fn acknowledged(&self, s: Scenario, took: Duration) {
        let per = self.scenario(s);
        per.answers.fetch_add(1, Ordering::Relaxed);
        record(&per.ack, took);
        self.mark(&self.last_answer_us);
    }

    fn mark(&self, latest: &AtomicU64) {
        let at = self.started.elapsed().as_micros() as u64;
        latest.fetch_max(at, Ordering::Relaxed);
    }

    /// `n` events a second, over the span from `from` (after the start)
    /// to the last of them, at least `floor` long.
    pub fn rate(n: u64, latest: &AtomicU64, from: Duration, floor: Duration) -> f64 {
        if n == 0 {
            return 0.0;
        }
        let span = (latest.load(Ordering::Relaxed) as f64 / 1e6 - from.as_secs_f64())
            .max(floor.as_secs_f64());
        n as f64 / span
    }

    pub fn matched(&self, took: Duration) {
        record(&self.matched, took);
    }

    pub fn first_question_late(&self, by: Duration) {
        record(&self.first_question_late, by);
    }

    pub fn heartbeat(&self, took: Duration) {
        record(&self.heartbeat, took);
    }

    /// One of a match's `members` received its question `seq` at `now`.
    pub fn question_arrived(&self, match_id: u64, seq: u32, members: u16, now: Instant) {
        if members < 2 {
            return;
        }
        let mut f = self.fanout.lock().expect("fan-out lock");
        let key = (match_id, seq);
        match f.pending.get_mut(&key) {
            Some(a) => {
                a.remaining -= 1;
                if a.remaining == 0 {
                    let spread = now.saturating_duration_since(a.first);
                    f.pending.remove(&key);
                    let us = (spread.as_micros() as u64).max(1);
                    f.histogram.saturating_record(us);
                }
            }
            None => {
                f.pending.insert(
                    key,
                    Arrival {
                        first: now,
                        remaining: members - 1,
                    },
                );
            }
        }
        if now.saturating_duration_since(f.swept_at) >= FANOUT_SWEEP {
            f.swept_at = now;
            let before = f.pending.len();
            f.pending
                .retain(|_, a| now.saturating_duration_since(a.first) < FANOUT_TIMEOUT);
            f.incomplete += (before - f.pending.len()) as u64;
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerSample {
    pub cpu_seconds: f64,
    pub rss_kb: u64,
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
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_out_is_the_spread_between_the_first_and_last_member() {
        let t0 = Instant::now();
        let stats = Stats::new(t0);
        stats.question_arrived(7, 1, 3, t0);
        stats.question_arrived(7, 1, 3, t0 + Duration::from_millis(1));
        stats.question_arrived(7, 2, 3, t0 + Duration::from_millis(2));
        stats.question_arrived(7, 1, 3, t0 + Duration::from_millis(4));
        // A lone member's question is no spread at all: not recorded.
        stats.question_arrived(8, 1, 1, t0);
        let f = stats.fanout.lock().unwrap();
        assert_eq!(f.histogram.len(), 1);
        assert!((3990..=4010).contains(&f.histogram.max()));
        assert_eq!(f.pending.len(), 1, "question 2 is still on its way");
    }

    #[test]
    fn questions_never_seen_by_everyone_are_swept() {
        let t0 = Instant::now();
        let stats = Stats::new(t0);
        stats.question_arrived(7, 1, 2, t0);
        stats.question_arrived(9, 1, 2, t0 + FANOUT_TIMEOUT + FANOUT_SWEEP);
        let f = stats.fanout.lock().unwrap();
        assert_eq!((f.incomplete, f.pending.len()), (1, 1));
    }
}
