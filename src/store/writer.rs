//! The write-behind queue: the only way answers reach the database.
//!
//! Producers (game runtimes) push [`WriteOp`]s into a bounded channel and go
//! on; one writer task drains it in batches of up to [`MAX_BATCH`], writes
//! each batch in one transaction and retries with backoff while the database
//! is away. Batches are idempotent (see `AnswerLog::write_batch`), so a retry
//! after an ambiguous failure cannot double-count. Once a batch commits, its
//! new answers feed the points boards, its match ends the rating and ladder
//! boards, and its new district battle sides the competition boards; then
//! the queue's [`WriteQueue::battles_recorded`] count moves, so the live
//! standings know to look again.
//!
//! On shutdown the writer drains the queue and flushes it. If the database is
//! still away after [`FLUSH_PATIENCE`], what is left is spilled to a file in
//! the data dir and replayed at the next start, so nothing recorded is lost.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::leaderboard::{Board, Leaderboard, PeriodKey, ScoreEvent, Update, ladder_points};
use super::{AnswerLog, WriteOp, Written};
use crate::domain::ladder::Tier;

pub const MAX_BATCH: usize = 2000;
/// How long a small batch waits for more writes before it goes. Each
/// SQLite commit rewrites every page it touched (the answers' indexes, the
/// running totals), so fewer, fuller transactions cost less per answer:
/// 20 ms took about a tenth off the server's CPU per answer against 5 ms
/// (docs/performance.md), and leaves room for every acknowledged answer to
/// be durable within 50 ms (`dati_write_durable_seconds`).
const LINGER: Duration = Duration::from_millis(20);
pub const DEFAULT_CAPACITY: usize = 65_536;
const FLUSH_PATIENCE: Duration = Duration::from_secs(15);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
pub const SPILL_FILE: &str = "pending-writes.jsonl";

/// The producers' side. Cheap to clone.
#[derive(Clone)]
pub struct WriteQueue {
    tx: mpsc::Sender<Queued>,
    depth: Arc<AtomicI64>,
    capacity: usize,
    battles: watch::Receiver<u64>,
}

#[derive(Debug, thiserror::Error)]
#[error("the answer queue is closed: the server is shutting down")]
pub struct QueueClosed;

impl WriteQueue {
    /// Queues an op. Waits only when the queue is full (the database has
    /// been away for a long time), which slows the producing player alone.
    pub async fn push(&self, op: WriteOp) -> Result<(), QueueClosed> {
        self.tx
            .send(Queued::now(op))
            .await
            .map_err(|_| QueueClosed)?;
        let depth = self.depth.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::gauge!("dati_answer_queue_depth").set(depth as f64);
        Ok(())
    }

    /// Queues an op without ever waiting: a game loop must not stall on a
    /// full queue. When it is full, a task waits in its place, so the op is
    /// still written (possibly after ops queued later). Those waiting tasks
    /// are bounded by the matches already running: no new match starts
    /// while the queue [is backed up](WriteQueue::is_backed_up).
    pub fn push_now(&self, op: WriteOp) {
        match self.tx.try_send(Queued::now(op)) {
            Ok(()) => {
                let depth = self.depth.fetch_add(1, Ordering::Relaxed) + 1;
                metrics::gauge!("dati_answer_queue_depth").set(depth as f64);
            }
            Err(mpsc::error::TrySendError::Full(Queued { op, .. })) => {
                let queue = self.clone();
                tokio::spawn(async move {
                    if queue.push(op).await.is_err() {
                        tracing::error!("a match record was dropped: the queue closed while full");
                    }
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("a match record was dropped: the answer queue is closed");
            }
        }
    }

    /// More than half full: the database has been slow or away for a
    /// while. New play should wait (readiness fails, new matches are
    /// refused) so that what is already running can still record.
    pub fn is_backed_up(&self) -> bool {
        self.depth() as usize > self.capacity / 2
    }

    /// Ops not yet durable: queued, or in the batch being written.
    pub fn depth(&self) -> i64 {
        self.depth.load(Ordering::Relaxed)
    }

    /// A count of the batches that recorded district battles, moved once
    /// each such batch is committed and handed to the leaderboard: a
    /// change means the competitions' standings may have changed.
    pub fn battles_recorded(&self) -> watch::Receiver<u64> {
        self.battles.clone()
    }
}

/// An op and when it was queued, to measure how long it took to be durable.
struct Queued {
    op: WriteOp,
    at: Instant,
}

impl Queued {
    fn now(op: WriteOp) -> Queued {
        Queued {
            op,
            at: Instant::now(),
        }
    }
}

/// The writer task; [`WriterHandle::flush_and_stop`] ends it.
pub struct WriterHandle {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl WriterHandle {
    /// Stops taking new work, writes everything queued, and returns when done.
    pub async fn flush_and_stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::error!("answer writer task failed: {e}");
        }
    }
}

pub struct Writer {
    log: Arc<dyn AnswerLog>,
    leaderboard: Arc<dyn Leaderboard>,
    /// Held from a batch's commit until its updates are handed to the
    /// leaderboard (see `Leaderboard::feed_gate`).
    feed_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    spill_path: PathBuf,
    battles: watch::Sender<u64>,
}

/// Starts the writer. Replays a spill file left by an earlier shutdown first.
pub async fn spawn(
    log: Arc<dyn AnswerLog>,
    leaderboard: Arc<dyn Leaderboard>,
    data_dir: &Path,
    capacity: usize,
) -> (WriteQueue, WriterHandle) {
    let (tx, rx) = mpsc::channel(capacity);
    let depth = Arc::new(AtomicI64::new(0));
    let (battles, battles_recorded) = watch::channel(0);
    let writer = Writer {
        log,
        feed_gate: leaderboard.feed_gate(),
        leaderboard,
        spill_path: data_dir.join(SPILL_FILE),
        battles,
    };
    writer.replay_spill().await;
    let stop = CancellationToken::new();
    let task = tokio::spawn(writer.run(rx, depth.clone(), stop.clone()));
    (
        WriteQueue {
            tx,
            depth,
            capacity,
            battles: battles_recorded,
        },
        WriterHandle { stop, task },
    )
}

/// Lets a small batch wait briefly for company: one transaction for many
/// answers costs far less than one each, and nothing waits on durability.
async fn linger(rx: &mut mpsc::Receiver<Queued>, batch: &mut Vec<Queued>) -> usize {
    if batch.len() >= MAX_BATCH {
        return 0;
    }
    tokio::time::sleep(LINGER).await;
    let before = batch.len();
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(op) => batch.push(op),
            Err(_) => break,
        }
    }
    batch.len() - before
}

/// The competition boards' credits for the battle sides the batch recorded
/// for the first time (so a replayed end credits nothing): the side's
/// competition points to its district, and each of its members' points to
/// them on their district's board (0 for a battle that did not count for
/// them, which still puts them on it).
fn battle_credits(written: &Written, batch: &[WriteOp]) -> Vec<Update> {
    let mut updates = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for op in batch {
        let WriteOp::MatchFinished(m) = op else {
            continue;
        };
        let Some(battle) = &m.battle else {
            continue;
        };
        for side in &battle.sides {
            if !written.battle_sides.contains(&(m.match_id, side.team))
                || !seen.insert((m.match_id, side.team))
            {
                continue;
            }
            let Some(index) = side.district_index else {
                continue;
            };
            updates.push(Update::Credit(
                Board::CompetitionDistricts,
                PeriodKey::Competition(battle.competition_id),
                vec![ScoreEvent {
                    member_id: index,
                    points: side.competition_points,
                    at_ms: m.finished_at_ms,
                }],
            ));
            let members: Vec<ScoreEvent> = m
                .players
                .iter()
                .filter(|p| p.team == Some(side.team))
                .filter_map(|p| {
                    Some(ScoreEvent {
                        member_id: p.member_id?,
                        points: if p.counted { p.points.max(0) } else { 0 },
                        at_ms: m.finished_at_ms,
                    })
                })
                .collect();
            updates.push(Update::Credit(
                Board::CompetitionMembers,
                PeriodKey::CompetitionDistrict(battle.competition_id, index),
                members,
            ));
        }
    }
    updates
}

impl Writer {
    async fn run(
        self,
        mut rx: mpsc::Receiver<Queued>,
        depth: Arc<AtomicI64>,
        stop: CancellationToken,
    ) {
        let mut incoming = Vec::with_capacity(MAX_BATCH);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            tokio::select! {
                biased;
                n = rx.recv_many(&mut incoming, MAX_BATCH) => {
                    if n == 0 {
                        break;
                    }
                    let n = n + linger(&mut rx, &mut incoming).await;
                    self.write_received(&mut incoming, &mut batch, &stop).await;
                    self.take(&depth, n);
                }
                _ = stop.cancelled() => break,
            }
        }
        // Shutdown: nothing new is produced any more; write what is left.
        rx.close();
        loop {
            let n = rx.recv_many(&mut incoming, MAX_BATCH).await;
            if n == 0 {
                break;
            }
            self.write_received(&mut incoming, &mut batch, &stop).await;
            self.take(&depth, n);
        }
    }

    /// Writes what was received as one batch, and records how long its
    /// oldest op (the first: the queue is in order) took to be durable.
    async fn write_received(
        &self,
        incoming: &mut Vec<Queued>,
        batch: &mut Vec<WriteOp>,
        stop: &CancellationToken,
    ) {
        let oldest = incoming.first().map(|queued| queued.at);
        batch.extend(incoming.drain(..).map(|queued| queued.op));
        self.write(batch, stop, oldest).await;
    }

    fn take(&self, depth: &AtomicI64, n: usize) {
        let left = depth.fetch_sub(n as i64, Ordering::Relaxed) - n as i64;
        metrics::gauge!("dati_answer_queue_depth").set(left.max(0) as f64);
    }

    /// Writes one batch, retrying until it lands. During shutdown, gives up
    /// after `FLUSH_PATIENCE` and spills the batch to disk instead.
    async fn write(
        &self,
        batch: &mut Vec<WriteOp>,
        stop: &CancellationToken,
        oldest: Option<Instant>,
    ) {
        let mut backoff = Duration::from_millis(50);
        let mut waited_while_stopping = Duration::ZERO;
        loop {
            let gate = match &self.feed_gate {
                Some(gate) => Some(gate.lock().await),
                None => None,
            };
            let started = Instant::now();
            match self.log.write_batch(batch).await {
                Ok(written) => {
                    metrics::histogram!("dati_write_batch_seconds")
                        .record(started.elapsed().as_secs_f64());
                    if let Some(at) = oldest {
                        metrics::histogram!("dati_write_durable_seconds")
                            .record(at.elapsed().as_secs_f64());
                    }
                    metrics::counter!("dati_answers_recorded_total")
                        .increment(written.answers.len() as u64);
                    self.feed_leaderboards(&written, batch).await;
                    drop(gate);
                    batch.clear();
                    return;
                }
                Err(e) => {
                    tracing::warn!(
                        ops = batch.len(),
                        "answer batch not written, retrying in {backoff:?}: {e}"
                    );
                    metrics::counter!("dati_answer_write_retries_total").increment(1);
                }
            }
            drop(gate);
            if stop.is_cancelled() {
                if waited_while_stopping >= FLUSH_PATIENCE {
                    self.spill(batch).await;
                    batch.clear();
                    return;
                }
                waited_while_stopping += backoff;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Points boards from the batch's new answers; the duel rating board
    /// and the ladder season boards from its match ends (absolute scores
    /// and removals, so a repeat changes nothing); the competition boards
    /// from its new battle sides. One hand-over per batch, so a backend can
    /// apply it in one round trip.
    async fn feed_leaderboards(&self, written: &Written, batch: &[WriteOp]) {
        let inserted = &written.answers;
        let mut updates = Vec::new();
        for board in Board::ALL {
            if board.modes().is_empty() {
                continue;
            }
            let events: Vec<ScoreEvent> = inserted
                .iter()
                .filter(|a| a.points > 0 && board.modes().contains(&a.mode.as_str()))
                .map(|a| ScoreEvent {
                    member_id: a.member_id,
                    points: a.points,
                    at_ms: a.answered_at_ms,
                })
                .collect();
            if !events.is_empty() {
                updates.push(Update::Add(board, events));
            }
        }
        let ratings: Vec<ScoreEvent> = batch
            .iter()
            .filter_map(|op| match op {
                // Only duels move the duel rating; other modes keep their own.
                WriteOp::MatchFinished(m) if m.mode == "duel" => Some(m),
                _ => None,
            })
            .flat_map(|m| {
                m.players.iter().filter(|p| p.rated).filter_map(|p| {
                    Some(ScoreEvent {
                        member_id: p.member_id?,
                        points: p.rating_after.round() as i64,
                        at_ms: m.finished_at_ms,
                    })
                })
            })
            .collect();
        if !ratings.is_empty() {
            updates.push(Update::Set(Board::DuelRating, PeriodKey::AllTime, ratings));
        }
        // Ladder races: each member's rank on the season board and on their
        // tier's board, off the other tiers' boards when the tier changed.
        // In the batch's order, so that a member's later race wins.
        let races = batch.iter().filter_map(|op| match op {
            WriteOp::MatchFinished(m) if m.mode == "ladder" => Some(m),
            _ => None,
        });
        for m in races {
            for p in &m.players {
                let (Some(member_id), Some(change)) = (p.member_id, &p.ladder) else {
                    continue;
                };
                let Some(tier) = Tier::parse(&change.tier_after) else {
                    tracing::warn!(
                        match_id = m.match_id,
                        member_id,
                        tier = change.tier_after,
                        "unknown ladder tier: the race is left off the season boards"
                    );
                    continue;
                };
                let before = Tier::parse(&change.tier_before);
                if before.is_none() {
                    // Where they were is unknown: take them off every other tier.
                    tracing::warn!(
                        match_id = m.match_id,
                        member_id,
                        tier = change.tier_before,
                        "unknown ladder tier before a race"
                    );
                }
                let key = PeriodKey::Season(change.season_id);
                let event = ScoreEvent {
                    member_id,
                    points: ladder_points(tier, change.stars_after),
                    at_ms: m.finished_at_ms,
                };
                updates.push(Update::Set(Board::Ladder, key, vec![event]));
                updates.push(Update::Set(Board::LadderTier(tier), key, vec![event]));
                if before != Some(tier) {
                    for other in Tier::ALL.into_iter().filter(|t| *t != tier) {
                        updates.push(Update::Remove(
                            Board::LadderTier(other),
                            key,
                            vec![member_id],
                        ));
                    }
                }
            }
        }
        updates.extend(battle_credits(written, batch));
        // The boards are derived data: a failure here loses nothing (the
        // Redis board keeps what it could not apply, and every start
        // rebuilds the boards from SQL).
        if !updates.is_empty()
            && let Err(e) = self.leaderboard.apply(&updates).await
        {
            tracing::warn!("leaderboard update failed: {e}");
        }
        if !written.battle_sides.is_empty() {
            self.battles.send_modify(|n| *n += 1);
        }
    }

    async fn spill(&self, batch: &[WriteOp]) {
        let mut text = String::new();
        for op in batch {
            text.push_str(&serde_json::to_string(op).expect("write ops serialize"));
            text.push('\n');
        }
        let result = async {
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.spill_path)
                .await?;
            file.write_all(text.as_bytes()).await?;
            file.sync_all().await
        }
        .await;
        match result {
            Ok(()) => tracing::error!(
                ops = batch.len(),
                "database unreachable at shutdown: writes saved to {} and replayed at the next start",
                self.spill_path.display()
            ),
            Err(e) => tracing::error!(
                ops = batch.len(),
                "database unreachable and spill to {} failed: {e}",
                self.spill_path.display()
            ),
        }
    }

    async fn replay_spill(&self) {
        let Ok(text) = tokio::fs::read_to_string(&self.spill_path).await else {
            return;
        };
        let (ops, unreadable): (Vec<_>, Vec<_>) = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<WriteOp>(l).map_err(|_| l))
            .partition(Result::is_ok);
        let ops: Vec<WriteOp> = ops.into_iter().flatten().collect();
        for chunk in ops.chunks(MAX_BATCH) {
            if let Err(e) = self.log.write_batch(chunk).await {
                tracing::error!(
                    "replaying {} failed, keeping it for the next start: {e}",
                    self.spill_path.display()
                );
                return;
            }
        }
        if unreadable.is_empty() {
            if let Err(e) = tokio::fs::remove_file(&self.spill_path).await {
                tracing::warn!("could not remove {}: {e}", self.spill_path.display());
            }
        } else {
            // A torn last line (power cut mid-write) is not a reason to throw
            // away what cannot be read: keep it for a person to look at.
            let kept = self.spill_path.with_extension("unreadable.jsonl");
            let lines: String = unreadable
                .into_iter()
                .map(|l| l.unwrap_err().to_owned() + "\n")
                .collect();
            tracing::error!(
                lines = lines.lines().count(),
                "unreadable spilled writes kept in {}",
                kept.display()
            );
            if let Err(e) = tokio::fs::write(&kept, lines).await {
                tracing::error!("could not write {}: {e}", kept.display());
            } else if let Err(e) = tokio::fs::remove_file(&self.spill_path).await {
                tracing::warn!("could not remove {}: {e}", self.spill_path.display());
            }
        }
        tracing::info!(
            ops = ops.len(),
            "replayed writes saved at the last shutdown"
        );
    }
}
