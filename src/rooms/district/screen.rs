//! Live standings for big screens and the console (`/ws/screen/{id}`):
//! one feed per watched competition, shared by everyone watching it.
//!
//! A feed reads the standings ([`standings::read`]) when a batch with
//! district battles is committed on this server
//! ([`WriteQueue::battles_recorded`]), and every [`REFRESH`] besides, which
//! catches battles recorded by other servers and the status turning from
//! published to running to finished. Each read is compared with the last:
//! only the districts whose rows changed (and the competition's header, if
//! it changed) go out, as one `screen_changes` message with the next
//! version. A watcher first gets the whole table (`screen_snapshot`) at the
//! feed's current version, then every change after it. The feed stops
//! when nobody watches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use super::standings::{self, DistrictRow, Registered, Standings, StandingsError};
use crate::rooms::wall_ms;
use crate::store::Stores;
use crate::store::leaderboard::Leaderboard;
use crate::store::writer::WriteQueue;

/// How often a feed reads the standings when nothing was recorded here.
pub const REFRESH: Duration = Duration::from_secs(2);
/// A recorded battle is read after this pause, so that a burst of battle
/// ends is read once.
const SETTLE: Duration = Duration::from_millis(100);
/// Registered members per district are counted at most this often.
const REGISTERED_MAX_AGE: Duration = Duration::from_secs(60);
/// Changes a watcher may fall behind by before it is dropped (it
/// reconnects and starts over from a snapshot).
const BACKLOG: usize = 64;

/// The standings as last sent, with their version.
struct Latest {
    version: u64,
    standings: Standings,
    snapshot: Arc<str>,
}

/// What a feed has for watchers.
#[derive(Clone)]
enum FeedState {
    /// The first read is under way.
    Starting,
    Ready(Arc<Latest>),
    /// The competition is unknown or a draft.
    NotFound,
}

struct Feed {
    changes: broadcast::Sender<(u64, Arc<str>)>,
    state: watch::Sender<FeedState>,
}

/// What a new watcher gets: the table as of `version`, and the changes
/// after it.
pub struct Watch {
    pub version: u64,
    pub snapshot: Arc<str>,
    pub changes: broadcast::Receiver<(u64, Arc<str>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("no competition {0} to show: unknown or a draft")]
    NotFound(i64),
    #[error("the standings cannot be read now")]
    Unavailable,
}

pub struct ScreenFeeds {
    stores: Stores,
    board: Arc<dyn Leaderboard>,
    queue: WriteQueue,
    registered: Registered,
    feeds: Mutex<HashMap<i64, Arc<Feed>>>,
}

impl ScreenFeeds {
    pub fn new(stores: Stores, board: Arc<dyn Leaderboard>, queue: WriteQueue) -> Arc<ScreenFeeds> {
        Arc::new(ScreenFeeds {
            stores,
            board,
            queue,
            registered: Registered::new(REGISTERED_MAX_AGE),
            feeds: Mutex::new(HashMap::new()),
        })
    }

    /// Registered members per district, as the feeds count them.
    pub fn registered(&self) -> &Registered {
        &self.registered
    }

    /// Starts watching a competition's standings; waits for the feed's
    /// first read when the feed is new.
    pub async fn watch(self: &Arc<Self>, id: i64) -> Result<Watch, WatchError> {
        let (changes, mut state) = {
            let mut feeds = self.feeds.lock().expect("feeds lock poisoned");
            let feed = feeds.entry(id).or_insert_with(|| {
                let feed = Arc::new(Feed {
                    changes: broadcast::channel(BACKLOG).0,
                    state: watch::channel(FeedState::Starting).0,
                });
                tokio::spawn(self.clone().run(id, feed.clone()));
                feed
            });
            // Subscribed before the state is read: no change after the
            // snapshot's version can be missed.
            (feed.changes.subscribe(), feed.state.subscribe())
        };
        let state = state
            .wait_for(|s| !matches!(s, FeedState::Starting))
            .await
            .map_err(|_| WatchError::Unavailable)?
            .clone();
        match state {
            FeedState::Ready(latest) => Ok(Watch {
                version: latest.version,
                snapshot: latest.snapshot.clone(),
                changes,
            }),
            FeedState::NotFound => Err(WatchError::NotFound(id)),
            FeedState::Starting => unreachable!("waited for a state other than Starting"),
        }
    }

    /// Watchers of a competition on this server.
    pub fn watchers(&self, id: i64) -> usize {
        self.feeds
            .lock()
            .expect("feeds lock poisoned")
            .get(&id)
            .map_or(0, |f| f.changes.receiver_count())
    }

    async fn read(&self, id: i64) -> Result<Standings, StandingsError> {
        standings::read(
            &self.stores,
            self.board.as_ref(),
            &self.registered,
            id,
            wall_ms(),
        )
        .await
    }

    async fn run(self: Arc<Self>, id: i64, feed: Arc<Feed>) {
        let mut recorded = self.queue.battles_recorded();
        let mut latest: Option<Arc<Latest>> = None;
        loop {
            match self.read(id).await {
                Ok(now) => {
                    if let Some(next) = next_latest(latest.as_deref(), now, &feed) {
                        latest = Some(next.clone());
                        feed.state.send_replace(FeedState::Ready(next));
                    }
                }
                Err(StandingsError::NotFound(_)) if latest.is_none() => {
                    feed.state.send_replace(FeedState::NotFound);
                    self.forget(id, &feed);
                    return;
                }
                Err(e) => {
                    // Watchers keep what they have; the next read may work.
                    tracing::warn!(competition_id = id, "live standings not read: {e}");
                    if latest.is_none() {
                        // Nobody may wait for a first read that failed:
                        // they are told to come back, and the feed ends.
                        self.forget(id, &feed);
                        return;
                    }
                }
            }
            tokio::select! {
                changed = recorded.changed() => {
                    if changed.is_err() {
                        // The writer is gone: the server is stopping.
                        self.forget(id, &feed);
                        return;
                    }
                    tokio::time::sleep(SETTLE).await;
                }
                _ = tokio::time::sleep(REFRESH) => {}
            }
            if self.forget_if_unwatched(id, &feed) {
                return;
            }
        }
    }

    /// Removes the feed; its watch channel closes, so anyone still waiting
    /// for a first read hears of it.
    fn forget(&self, id: i64, feed: &Arc<Feed>) {
        let mut feeds = self.feeds.lock().expect("feeds lock poisoned");
        if feeds.get(&id).is_some_and(|f| Arc::ptr_eq(f, feed)) {
            feeds.remove(&id);
        }
    }

    /// Under the feeds' lock, so that nobody subscribes to a feed that is
    /// going away.
    fn forget_if_unwatched(&self, id: i64, feed: &Arc<Feed>) -> bool {
        let mut feeds = self.feeds.lock().expect("feeds lock poisoned");
        if feed.changes.receiver_count() > 0 {
            return false;
        }
        if feeds.get(&id).is_some_and(|f| Arc::ptr_eq(f, feed)) {
            feeds.remove(&id);
        }
        true
    }
}

/// The next state after reading `now`, sending the changes to watchers;
/// none when nothing changed.
fn next_latest(before: Option<&Latest>, now: Standings, feed: &Feed) -> Option<Arc<Latest>> {
    let version = match before {
        None => 1,
        Some(before) => {
            let message = changes(&before.standings, &now)?;
            let version = before.version + 1;
            let text = message_text("screen_changes", version, message);
            // Nobody watching is no error: the feed stops at its next turn.
            let _ = feed.changes.send((version, text));
            version
        }
    };
    let snapshot = message_text(
        "screen_snapshot",
        version,
        serde_json::to_value(&now).expect("standings serialize"),
    );
    Some(Arc::new(Latest {
        version,
        standings: now,
        snapshot,
    }))
}

/// The changed parts of the standings, or none: the header if it changed,
/// and each district row that is new or differs.
fn changes(before: &Standings, now: &Standings) -> Option<Value> {
    let old: HashMap<&str, &DistrictRow> = before
        .districts
        .iter()
        .map(|d| (d.district.as_str(), d))
        .collect();
    let changed: Vec<&DistrictRow> = now
        .districts
        .iter()
        .filter(|d| old.get(d.district.as_str()) != Some(d))
        .collect();
    let header_changed = before.competition != now.competition;
    if changed.is_empty() && !header_changed {
        return None;
    }
    let mut message = json!({ "districts": changed });
    if header_changed {
        message["competition"] = json!(now.competition);
    }
    Some(message)
}

/// A message: `{"type", "version", "server_time_ms", …fields}`.
fn message_text(kind: &str, version: u64, fields: Value) -> Arc<str> {
    let mut message = json!({
        "type": kind,
        "version": version,
        "server_time_ms": wall_ms(),
    });
    if let (Some(out), Value::Object(fields)) = (message.as_object_mut(), fields) {
        out.extend(fields);
    }
    Arc::from(message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rooms::district::standings::Header;

    fn row(district: &str, place: usize, points: u32) -> DistrictRow {
        DistrictRow {
            place,
            district: district.into(),
            index: 0,
            points,
            battles: points,
            wins: points / 2,
            draws: 0,
            losses: 0,
            participants: 1,
            registered: 10,
            participation_rate: 0.1,
            accuracy: 0.5,
            points_scored: 100,
            top_contributors: Vec::new(),
        }
    }

    fn standings(rows: Vec<DistrictRow>, status: &'static str) -> Standings {
        Standings {
            competition: Header {
                id: 7,
                title: "四史知识区域PK赛".into(),
                status,
                starts_at_ms: 0,
                ends_at_ms: 1,
            },
            districts: rows,
        }
    }

    #[test]
    fn only_changed_rows_go_out() {
        let before = standings(
            vec![
                row("市南区", 1, 2),
                row("市北区", 2, 0),
                row("崂山区", 2, 0),
            ],
            "running",
        );
        assert_eq!(changes(&before, &before.clone()), None);
        let now = standings(
            vec![
                row("市北区", 1, 2),
                row("市南区", 1, 2),
                row("崂山区", 3, 0),
            ],
            "running",
        );
        let message = changes(&before, &now).unwrap();
        let names: Vec<&str> = message["districts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["district"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["市北区", "崂山区"]);
        assert!(message.get("competition").is_none());
    }

    #[test]
    fn a_new_status_goes_out_alone() {
        let rows = vec![row("市南区", 1, 0)];
        let message = changes(
            &standings(rows.clone(), "published"),
            &standings(rows, "running"),
        )
        .unwrap();
        assert_eq!(message["competition"]["status"], "running");
        assert_eq!(message["districts"], json!([]));
    }

    #[test]
    fn messages_carry_type_version_and_fields() {
        let text = message_text("screen_changes", 3, json!({"districts": []}));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "screen_changes");
        assert_eq!(v["version"], 3);
        assert!(v["server_time_ms"].as_i64().unwrap() > 0);
        assert_eq!(v["districts"], json!([]));
    }
}
