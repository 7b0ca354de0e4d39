//! Riding out a leaderboard outage (Redis away).
//!
//! [`BufferedLeaderboard`] wraps a board that can fail. Matches never
//! notice: the board is only fed by the writer after a commit, and an update
//! that cannot be applied is kept, in order, in a bounded in-memory backlog
//! while a background task probes the board with backoff. When it answers:
//!
//! - if nothing was lost, the backlog is applied in order;
//! - if the backlog overflowed (the oldest updates were dropped), a request
//!   failed after it may have been applied (so replaying could count it
//!   twice), or the board lost its data (Redis restarted empty), the boards
//!   are rebuilt from SQL instead, which is exact because they are derived
//!   data, and only the updates handed over after that read are replayed.
//!
//! While the board is known to be down, reads fail at once (HTTP 503)
//! instead of each waiting for a connection timeout.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::rebuild::{self, Snapshot};
use super::{Board, Leaderboard, LeaderboardError, PeriodKey, ScoreEvent, Standing, Update};

/// Events kept while the board is away before the oldest are dropped.
pub const DEFAULT_BACKLOG: usize = 100_000;
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Updates per round trip when replaying the backlog.
const REPLAY_CHUNK: usize = 64;

/// Reads the boards from SQL for a rebuild (see [`rebuild::read`]).
pub type ReadBoards =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<Snapshot, String>> + Send>> + Send + Sync>;

pub struct BufferedLeaderboard {
    shared: Arc<Shared>,
}

struct Shared {
    inner: Arc<dyn Leaderboard>,
    read_boards: ReadBoards,
    capacity: usize,
    state: Mutex<State>,
    /// Wakes the recovery task.
    wake: Notify,
    /// See [`Leaderboard::feed_gate`].
    gate: Arc<tokio::sync::Mutex<()>>,
    /// The board failed and has not answered since: reads fail fast.
    down: AtomicBool,
    closed: AtomicBool,
}

#[derive(Default)]
struct State {
    backlog: VecDeque<Update>,
    /// Events in `backlog`.
    events: usize,
    /// Rebuild from SQL before replaying.
    rebuild: bool,
    /// The recovery task is applying the backlog: new updates queue behind it.
    recovering: bool,
}

impl State {
    fn pending(&self) -> bool {
        self.recovering || self.rebuild || !self.backlog.is_empty()
    }

    fn push(&mut self, updates: &[Update], capacity: usize) {
        for update in updates {
            self.events += update.len();
            self.backlog.push_back(update.clone());
        }
        let mut dropped = 0;
        while self.events > capacity {
            let Some(oldest) = self.backlog.pop_front() else {
                break;
            };
            self.events -= oldest.len();
            dropped += oldest.len();
        }
        if dropped > 0 {
            if !self.rebuild {
                tracing::warn!(
                    capacity,
                    "leaderboard backlog full: dropping the oldest updates; the boards will be \
                     rebuilt from SQL when the leaderboard backend is back"
                );
            }
            self.rebuild = true;
        }
        metrics::gauge!("dati_leaderboard_backlog").set(self.events as f64);
    }

    fn clear(&mut self) {
        self.backlog.clear();
        self.events = 0;
        metrics::gauge!("dati_leaderboard_backlog").set(0.0);
    }
}

impl BufferedLeaderboard {
    /// Wraps `inner`, keeping up to `capacity` events while it is away and
    /// rebuilding from `read_boards` when that is not enough. Spawns the
    /// recovery task (it ends when the board is dropped).
    pub fn new(
        inner: Arc<dyn Leaderboard>,
        read_boards: ReadBoards,
        capacity: usize,
    ) -> BufferedLeaderboard {
        let shared = Arc::new(Shared {
            inner,
            read_boards,
            capacity,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            gate: Arc::new(tokio::sync::Mutex::new(())),
            down: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        });
        tokio::spawn(recover_loop(shared.clone()));
        BufferedLeaderboard { shared }
    }

    /// Events waiting for the board, and whether a rebuild is due.
    pub fn backlog(&self) -> (usize, bool) {
        let state = self.shared.state();
        (state.events, state.rebuild)
    }

    /// Whether the board is in step: nothing kept, nothing to rebuild, and
    /// the backend answering.
    pub fn is_current(&self) -> bool {
        !self.shared.state().pending() && !self.shared.down.load(Ordering::Relaxed)
    }

    fn fail_read(&self, e: &LeaderboardError) {
        if !matches!(e, LeaderboardError::Lost) {
            self.shared.went_down(e);
        }
    }

    fn check_up(&self) -> Result<(), LeaderboardError> {
        if self.shared.down.load(Ordering::Relaxed) {
            return Err(LeaderboardError::Unavailable(
                "the leaderboard backend is unreachable; retrying in the background".into(),
            ));
        }
        Ok(())
    }
}

impl Drop for BufferedLeaderboard {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Relaxed);
        self.shared.wake.notify_one();
        let state = self.shared.state();
        if state.pending() {
            tracing::warn!(
                events = state.events,
                "leaderboard updates not applied at shutdown; the next start rebuilds the boards from SQL"
            );
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("leaderboard backlog lock poisoned")
    }

    /// A rebuild's write failed: the recovery task redoes it all.
    fn rebuild_later(&self, e: &LeaderboardError) {
        self.state().rebuild = true;
        match e {
            LeaderboardError::Lost => self.wake.notify_one(),
            _ => self.went_down(e),
        }
    }

    fn went_down(&self, e: &LeaderboardError) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "leaderboard backend unreachable ({e}): keeping updates (up to {} events) and \
                 retrying in the background",
                self.capacity
            );
        }
        self.wake.notify_one();
    }
}

/// Probes the board while anything is pending, with backoff.
async fn recover_loop(shared: Arc<Shared>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        if shared.closed.load(Ordering::Relaxed) {
            return;
        }
        let needed = shared.state().pending() || shared.down.load(Ordering::Relaxed);
        if !needed {
            shared.wake.notified().await;
            continue;
        }
        match recover(&shared).await {
            Ok(()) => backoff = MIN_BACKOFF,
            Err(e) => {
                tracing::debug!("leaderboard still unavailable, retrying in {backoff:?}: {e}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

async fn recover(shared: &Shared) -> Result<(), LeaderboardError> {
    shared.inner.ping().await?;
    if shared.down.swap(false, Ordering::Relaxed) {
        tracing::info!("leaderboard backend reachable again");
    }
    shared.state().recovering = true;
    let result = catch_up(shared).await;
    shared.state().recovering = false;
    result
}

/// Rebuilds if needed, then applies the backlog in order.
async fn catch_up(shared: &Shared) -> Result<(), LeaderboardError> {
    let mut replayed = 0;
    loop {
        if shared.state().rebuild {
            rebuild_from_sql(shared).await?;
            replayed = 0;
        }
        let chunk: Vec<Update> = {
            let state = shared.state();
            state.backlog.iter().take(REPLAY_CHUNK).cloned().collect()
        };
        if chunk.is_empty() {
            if replayed > 0 {
                tracing::info!(
                    updates = replayed,
                    "leaderboard backlog applied after the outage"
                );
            }
            return Ok(());
        }
        match shared.inner.apply(&chunk).await {
            Ok(()) => {
                let mut state = shared.state();
                // An overflow meanwhile dropped entries from the front and
                // asked for a rebuild, which clears the backlog anyway.
                if !state.rebuild {
                    for _ in 0..chunk.len() {
                        if let Some(u) = state.backlog.pop_front() {
                            state.events -= u.len();
                        }
                    }
                    metrics::gauge!("dati_leaderboard_backlog").set(state.events as f64);
                }
                replayed += chunk.len();
            }
            Err(LeaderboardError::Lost) => shared.state().rebuild = true,
            Err(e) => {
                if matches!(e, LeaderboardError::MaybeApplied(_)) {
                    shared.state().rebuild = true;
                }
                shared.down.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
    }
}

async fn rebuild_from_sql(shared: &Shared) -> Result<(), LeaderboardError> {
    let snapshot = {
        // Under the gate no batch sits between its commit and its hand-over:
        // everything kept so far is in SQL, everything handed over after the
        // read is not, and is kept behind this rebuild.
        let _gate = shared.gate.lock().await;
        {
            let mut state = shared.state();
            state.clear();
            state.rebuild = false;
        }
        match (shared.read_boards)().await {
            Ok(snapshot) => snapshot,
            Err(e) => {
                shared.state().rebuild = true;
                return Err(LeaderboardError::Unavailable(format!(
                    "rebuild cannot read the database: {e}"
                )));
            }
        }
    };
    if let Err(e) = rebuild::write(&snapshot, shared.inner.as_ref()).await {
        shared.state().rebuild = true;
        if !matches!(e, LeaderboardError::Lost) {
            shared.down.store(true, Ordering::Relaxed);
        }
        return Err(e);
    }
    tracing::info!(
        standings = snapshot.standings(),
        "leaderboards rebuilt from SQL after an outage"
    );
    Ok(())
}

#[async_trait]
impl Leaderboard for BufferedLeaderboard {
    async fn apply(&self, updates: &[Update]) -> Result<(), LeaderboardError> {
        let shared = &self.shared;
        {
            let mut state = shared.state();
            if state.pending() || shared.down.load(Ordering::Relaxed) {
                state.push(updates, shared.capacity);
                drop(state);
                shared.wake.notify_one();
                return Ok(());
            }
        }
        match shared.inner.apply(updates).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let mut state = shared.state();
                state.push(updates, shared.capacity);
                match e {
                    LeaderboardError::Lost => {
                        tracing::warn!(
                            "the leaderboard backend lost the boards; rebuilding them from SQL"
                        );
                        state.rebuild = true;
                        drop(state);
                        shared.wake.notify_one();
                    }
                    LeaderboardError::MaybeApplied(_) => {
                        // Replaying could count it twice: rebuild instead.
                        state.rebuild = true;
                        drop(state);
                        shared.went_down(&e);
                    }
                    LeaderboardError::Unavailable(_) => {
                        drop(state);
                        shared.went_down(&e);
                    }
                }
                // Kept: the caller has nothing to do about it.
                Ok(())
            }
        }
    }

    async fn add(&self, board: Board, events: &[ScoreEvent]) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Add(board, events.to_vec())]).await
    }

    async fn set(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Set(board, key, events.to_vec())])
            .await
    }

    async fn remove(
        &self,
        board: Board,
        key: PeriodKey,
        member_ids: &[i64],
    ) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Remove(board, key, member_ids.to_vec())])
            .await
    }

    async fn credit(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Credit(board, key, events.to_vec())])
            .await
    }

    async fn replace(
        &self,
        board: Board,
        key: PeriodKey,
        rows: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        let shared = &self.shared;
        if shared.state().pending() || shared.down.load(Ordering::Relaxed) {
            // Replacing under a backlog would replay old updates on top:
            // let the recovery rebuild everything instead.
            shared.state().rebuild = true;
            shared.wake.notify_one();
            return Ok(());
        }
        let result = shared.inner.replace(board, key, rows).await;
        result.inspect_err(|e| shared.rebuild_later(e))
    }

    async fn top(
        &self,
        board: Board,
        key: PeriodKey,
        limit: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        self.check_up()?;
        let inner = &self.shared.inner;
        inner
            .top(board, key, limit)
            .await
            .inspect_err(|e| self.fail_read(e))
    }

    async fn around(
        &self,
        board: Board,
        key: PeriodKey,
        member_id: i64,
        radius: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        self.check_up()?;
        let inner = &self.shared.inner;
        inner
            .around(board, key, member_id, radius)
            .await
            .inspect_err(|e| self.fail_read(e))
    }

    async fn len(&self, board: Board, key: PeriodKey) -> Result<u64, LeaderboardError> {
        self.check_up()?;
        let inner = &self.shared.inner;
        inner
            .len(board, key)
            .await
            .inspect_err(|e| self.fail_read(e))
    }

    async fn ping(&self) -> Result<(), LeaderboardError> {
        self.shared.inner.ping().await
    }

    async fn mark_rebuilt(&self) -> Result<(), LeaderboardError> {
        let shared = &self.shared;
        let result = shared.inner.mark_rebuilt().await;
        result.inspect_err(|e| shared.rebuild_later(e))
    }

    fn feed_gate(&self) -> Option<Arc<tokio::sync::Mutex<()>>> {
        Some(self.shared.gate.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::leaderboard::{MemoryLeaderboard, Period};

    /// An in-process board that can be switched off, and can forget.
    struct Flaky {
        board: Mutex<Arc<MemoryLeaderboard>>,
        up: AtomicBool,
        /// Set by `mark_rebuilt`, cleared by `forget`: like Redis's marker.
        built: AtomicBool,
        /// Fail the next apply after applying it.
        fail_after_apply: AtomicBool,
    }

    impl Flaky {
        fn new() -> Arc<Flaky> {
            Arc::new(Flaky {
                board: Mutex::new(Arc::new(MemoryLeaderboard::new())),
                up: AtomicBool::new(true),
                built: AtomicBool::new(true),
                fail_after_apply: AtomicBool::new(false),
            })
        }
        fn board(&self) -> Arc<MemoryLeaderboard> {
            self.board.lock().unwrap().clone()
        }
        fn check(&self) -> Result<(), LeaderboardError> {
            if self.up.load(Ordering::SeqCst) {
                Ok(())
            } else {
                Err(LeaderboardError::Unavailable("switched off".into()))
            }
        }
        /// Comes back empty, as Redis without persistence does.
        fn forget(&self) {
            *self.board.lock().unwrap() = Arc::new(MemoryLeaderboard::new());
            self.built.store(false, Ordering::SeqCst);
        }
    }

    #[async_trait]
    impl Leaderboard for Flaky {
        async fn apply(&self, updates: &[Update]) -> Result<(), LeaderboardError> {
            self.check()?;
            if !self.built.load(Ordering::SeqCst) {
                return Err(LeaderboardError::Lost);
            }
            for u in updates {
                match u {
                    Update::Add(b, e) => self.board().add(*b, e).await?,
                    Update::Set(b, k, e) => self.board().set(*b, *k, e).await?,
                    Update::Remove(b, k, ids) => self.board().remove(*b, *k, ids).await?,
                    Update::Credit(b, k, e) => self.board().credit(*b, *k, e).await?,
                }
            }
            if self.fail_after_apply.swap(false, Ordering::SeqCst) {
                return Err(LeaderboardError::MaybeApplied("reply lost".into()));
            }
            Ok(())
        }
        async fn add(&self, board: Board, events: &[ScoreEvent]) -> Result<(), LeaderboardError> {
            self.apply(&[Update::Add(board, events.to_vec())]).await
        }
        async fn set(
            &self,
            board: Board,
            key: PeriodKey,
            events: &[ScoreEvent],
        ) -> Result<(), LeaderboardError> {
            self.apply(&[Update::Set(board, key, events.to_vec())])
                .await
        }
        async fn remove(
            &self,
            board: Board,
            key: PeriodKey,
            member_ids: &[i64],
        ) -> Result<(), LeaderboardError> {
            self.apply(&[Update::Remove(board, key, member_ids.to_vec())])
                .await
        }
        async fn credit(
            &self,
            board: Board,
            key: PeriodKey,
            events: &[ScoreEvent],
        ) -> Result<(), LeaderboardError> {
            self.apply(&[Update::Credit(board, key, events.to_vec())])
                .await
        }
        async fn replace(
            &self,
            board: Board,
            key: PeriodKey,
            rows: &[ScoreEvent],
        ) -> Result<(), LeaderboardError> {
            self.check()?;
            self.board().replace(board, key, rows).await
        }
        async fn top(
            &self,
            board: Board,
            key: PeriodKey,
            limit: usize,
        ) -> Result<Vec<Standing>, LeaderboardError> {
            self.check()?;
            self.board().top(board, key, limit).await
        }
        async fn around(
            &self,
            board: Board,
            key: PeriodKey,
            member_id: i64,
            radius: usize,
        ) -> Result<Vec<Standing>, LeaderboardError> {
            self.check()?;
            self.board().around(board, key, member_id, radius).await
        }
        async fn len(&self, board: Board, key: PeriodKey) -> Result<u64, LeaderboardError> {
            self.check()?;
            self.board().len(board, key).await
        }
        async fn ping(&self) -> Result<(), LeaderboardError> {
            self.check()
        }
        async fn mark_rebuilt(&self) -> Result<(), LeaderboardError> {
            self.check()?;
            self.built.store(true, Ordering::SeqCst);
            Ok(())
        }
    }

    const AT: i64 = 1_795_968_000_000;

    fn ev(member_id: i64, points: i64, at_ms: i64) -> ScoreEvent {
        ScoreEvent {
            member_id,
            points,
            at_ms,
        }
    }

    /// "SQL": the all-time overall bucket holds whatever the test says.
    fn sql(rows: Arc<Mutex<Vec<ScoreEvent>>>) -> ReadBoards {
        Arc::new(move || {
            let rows = rows.lock().unwrap().clone();
            Box::pin(async move {
                Ok(Snapshot {
                    buckets: vec![(Board::Overall, PeriodKey::AllTime, rows)],
                })
            })
        })
    }

    async fn eventually(what: &str, mut ok: impl AsyncFnMut() -> bool) {
        for _ in 0..500 {
            if ok().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for {what}");
    }

    async fn scores(board: &dyn Leaderboard) -> Vec<(i64, i64)> {
        board
            .top(Board::Overall, PeriodKey::AllTime, 100)
            .await
            .unwrap()
            .iter()
            .map(|s| (s.member_id, s.score))
            .collect()
    }

    #[tokio::test]
    async fn updates_kept_while_down_are_replayed_in_order() {
        let flaky = Flaky::new();
        let rows = Arc::new(Mutex::new(Vec::new()));
        let board = BufferedLeaderboard::new(flaky.clone(), sql(rows), 1000);
        board.add(Board::Overall, &[ev(1, 10, AT)]).await.unwrap();
        flaky.up.store(false, Ordering::SeqCst);
        // Nothing fails for the writer; reads say the board is away.
        board
            .add(Board::Overall, &[ev(2, 30, AT + 1)])
            .await
            .unwrap();
        board
            .set(
                Board::DuelRating,
                PeriodKey::AllTime,
                &[ev(2, 1500, AT + 2)],
            )
            .await
            .unwrap();
        board
            .set(
                Board::DuelRating,
                PeriodKey::AllTime,
                &[ev(2, 1480, AT + 3)],
            )
            .await
            .unwrap();
        board
            .add(Board::Overall, &[ev(1, 20, AT + 4)])
            .await
            .unwrap();
        assert!(
            board
                .top(Board::Overall, PeriodKey::AllTime, 10)
                .await
                .is_err()
        );
        assert_eq!(board.backlog(), (4, false));
        flaky.up.store(true, Ordering::SeqCst);
        eventually("the replay", async || board.is_current()).await;
        // 2 reached 30 before 1 did.
        assert_eq!(scores(&board).await, [(2, 30), (1, 30)]);
        let rating = board
            .top(Board::DuelRating, PeriodKey::AllTime, 10)
            .await
            .unwrap();
        assert_eq!((rating[0].score, rating[0].reached_at_ms), (1480, AT + 3));
        let day = board
            .top(Board::Overall, Period::Day.key(AT), 10)
            .await
            .unwrap();
        assert_eq!(day.len(), 2);
    }

    #[tokio::test]
    async fn removals_kept_while_down_are_replayed_in_order() {
        use crate::domain::ladder::Tier;
        let flaky = Flaky::new();
        let rows = Arc::new(Mutex::new(Vec::new()));
        let board = BufferedLeaderboard::new(flaky.clone(), sql(rows), 1000);
        let season = PeriodKey::Season(4);
        let (silver, gold) = (
            Board::LadderTier(Tier::Silver),
            Board::LadderTier(Tier::Gold),
        );
        board
            .set(silver, season, &[ev(1, 6, AT), ev(2, 5, AT)])
            .await
            .unwrap();
        flaky.up.store(false, Ordering::SeqCst);
        // Member 1 is promoted to gold, then demoted back to silver; member
        // 2 is promoted and stays.
        board.set(gold, season, &[ev(1, 7, AT + 1)]).await.unwrap();
        board.remove(silver, season, &[1]).await.unwrap();
        board.set(gold, season, &[ev(2, 7, AT + 2)]).await.unwrap();
        board.remove(silver, season, &[2]).await.unwrap();
        board
            .set(silver, season, &[ev(1, 6, AT + 3)])
            .await
            .unwrap();
        board.remove(gold, season, &[1, 3]).await.unwrap();
        // A removal counts its members in the backlog.
        assert_eq!(board.backlog(), (7, false));
        flaky.up.store(true, Ordering::SeqCst);
        eventually("the replay", async || board.is_current()).await;
        let members = async |b: Board| {
            board
                .top(b, season, 10)
                .await
                .unwrap()
                .iter()
                .map(|s| (s.member_id, s.score, s.reached_at_ms))
                .collect::<Vec<_>>()
        };
        assert_eq!(members(silver).await, [(1, 6, AT + 3)]);
        assert_eq!(members(gold).await, [(2, 7, AT + 2)]);
    }

    #[tokio::test]
    async fn an_overflow_rebuilds_from_sql_then_replays_what_came_after() {
        let flaky = Flaky::new();
        let rows = Arc::new(Mutex::new(Vec::new()));
        let board = BufferedLeaderboard::new(flaky.clone(), sql(rows.clone()), 3);
        flaky.up.store(false, Ordering::SeqCst);
        for i in 0..5 {
            board
                .add(Board::Overall, &[ev(i, 10, AT + i)])
                .await
                .unwrap();
        }
        assert_eq!(board.backlog(), (3, true), "the oldest dropped");
        // SQL has it all; the writer holds the gate from commit to hand-over.
        *rows.lock().unwrap() = (0..5).map(|i| ev(i, 10, AT + i)).collect();
        let gate = board.feed_gate().unwrap();
        let held = gate.lock().await;
        flaky.up.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!board.is_current(), "the rebuild waits for the gate");
        // A batch committed before the rebuild's read is handed over...
        rows.lock().unwrap().push(ev(9, 100, AT + 9));
        board
            .add(Board::Overall, &[ev(9, 100, AT + 9)])
            .await
            .unwrap();
        drop(held);
        eventually("the rebuild", async || board.is_current()).await;
        // ...and counted once, from SQL.
        let got = scores(&board).await;
        assert_eq!(got[0], (9, 100));
        assert_eq!(got.len(), 6);
        // After the rebuild, updates apply directly again.
        board
            .add(Board::Overall, &[ev(9, 1, AT + 10)])
            .await
            .unwrap();
        assert_eq!(scores(&board).await[0], (9, 101));
    }

    #[tokio::test]
    async fn a_board_that_forgot_everything_is_rebuilt_not_patched() {
        let flaky = Flaky::new();
        let rows = Arc::new(Mutex::new(vec![ev(1, 50, AT)]));
        let board = BufferedLeaderboard::new(flaky.clone(), sql(rows.clone()), 1000);
        board.add(Board::Overall, &[ev(1, 50, AT)]).await.unwrap();
        flaky.up.store(false, Ordering::SeqCst);
        board
            .add(Board::Overall, &[ev(2, 5, AT + 1)])
            .await
            .unwrap();
        flaky.forget();
        rows.lock().unwrap().push(ev(2, 5, AT + 1));
        flaky.up.store(true, Ordering::SeqCst);
        eventually("the rebuild", async || board.is_current()).await;
        assert_eq!(scores(&board).await, [(1, 50), (2, 5)]);
    }

    #[tokio::test]
    async fn a_reply_lost_after_applying_leads_to_a_rebuild_not_a_double_count() {
        let flaky = Flaky::new();
        let rows = Arc::new(Mutex::new(vec![ev(1, 50, AT)]));
        let board = BufferedLeaderboard::new(flaky.clone(), sql(rows), 1000);
        flaky.fail_after_apply.store(true, Ordering::SeqCst);
        board.add(Board::Overall, &[ev(1, 50, AT)]).await.unwrap();
        eventually("the rebuild", async || board.is_current()).await;
        assert_eq!(scores(&board).await, [(1, 50)]);
    }
}
