//! The 争上游 ladder runtime: seasons (scheduled by organizers, or running
//! back to back by themselves), each member's tier and stars and hidden
//! rating (cached, read from the database once), the race queue, and the
//! set-up of a race. Races run in the same match task as duels
//! ([`crate::rooms::duel::room`]), which settles them with
//! [`crate::domain::ladder::settle_race`].

pub mod queue;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

use self::queue::{Race, RaceQueue};
use crate::domain::bot::BOT_NAMES;
use crate::domain::contest::{Contest, ContestRules};
use crate::domain::glicko::{Glicko, NEW_PLAYER};
use crate::domain::ladder::{self, Rank, Season};
use crate::domain::selection::{self, Filter};
use crate::rooms::duel::Duels;
use crate::rooms::duel::room::{MatchMode, RoomSeat, RoomSetup};
use crate::rooms::duel::views::SeatInfo;
use crate::rooms::loader::{BatchLoader, Loaded};
use crate::store::ladder::LadderStore;
use crate::store::{DuelRating, LadderRank, LadderSeason, StoreError, StoreResult};
use crate::ws::protocol::{RankView, SeasonView};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LadderConfig {
    /// Questions per race.
    pub questions: usize,
    /// Waiting this long alone gets the empty seats filled with bots.
    pub bot_fill_after: Duration,
}

impl Default for LadderConfig {
    fn default() -> Self {
        LadderConfig {
            questions: 5,
            bot_fill_after: Duration::from_secs(ladder::BOT_FILL_AFTER_SECS),
        }
    }
}

/// How long a lookup may wait on the database before the member is told
/// to try again.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Ladder {
    pub config: LadderConfig,
    store: Arc<dyn LadderStore>,
    pub queue: Mutex<RaceQueue>,
    /// Every season known, the earliest first; reloaded when none holds now.
    seasons: tokio::sync::Mutex<Vec<Season>>,
    /// Each member's rank per season, as of the last race this server saw.
    ranks: Mutex<HashMap<(i64, i64), Rank>>,
    /// The hidden ratings of members seen since start.
    ratings: Mutex<HashMap<i64, Glicko>>,
    /// Ranks not yet cached, for a crowd at once: by (season, member),
    /// the row a rank starts from (that season's, else the latest before).
    rank_loader: BatchLoader<(i64, i64), LadderRank>,
    /// Hidden ratings not yet cached, for a crowd at once.
    rating_loader: BatchLoader<i64, DuelRating>,
}

impl Ladder {
    pub fn new(
        config: LadderConfig,
        store: Arc<dyn LadderStore>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Ladder {
        let ranks_from = store.clone();
        let rank_loader = BatchLoader::spawn(
            Box::new(move |keys: Vec<(i64, i64)>| {
                let store = ranks_from.clone();
                Box::pin(async move {
                    // Keys come sorted: one query per season (there is
                    // nearly always one).
                    let mut found = HashMap::with_capacity(keys.len());
                    for group in keys.chunk_by(|a, b| a.0 == b.0) {
                        let season_id = group[0].0;
                        let members: Vec<i64> = group.iter().map(|k| k.1).collect();
                        for (member, rank) in store.latest_ladder_ranks(season_id, &members).await?
                        {
                            found.insert((season_id, member), rank);
                        }
                    }
                    Ok(found)
                })
            }),
            shutdown.clone(),
        );
        let ratings_from = store.clone();
        let rating_loader = BatchLoader::spawn(
            Box::new(move |ids: Vec<i64>| {
                let store = ratings_from.clone();
                Box::pin(async move { store.ladder_ratings_of(&ids).await })
            }),
            shutdown,
        );
        Ladder {
            queue: Mutex::new(RaceQueue::new(config.bot_fill_after)),
            config,
            store,
            seasons: tokio::sync::Mutex::new(Vec::new()),
            ranks: Mutex::default(),
            ratings: Mutex::default(),
            rank_loader,
            rating_loader,
        }
    }

    pub fn queue(&self) -> std::sync::MutexGuard<'_, RaceQueue> {
        self.queue.lock().expect("ladder queue lock poisoned")
    }

    /// The season running at `now_ms`. When organizers scheduled none for
    /// it, the next automatic one is created ([`ladder::automatic_season`]).
    ///
    /// One caller at a time looks the season up (two starting one at once
    /// would make overlapping seasons). The whole lookup, the wait for the
    /// lock included, is bounded by one timeout, so callers cannot pile up
    /// behind a slow database.
    pub async fn current_season(&self, now_ms: i64) -> StoreResult<Season> {
        timed(self.find_or_start_season(now_ms)).await
    }

    async fn find_or_start_season(&self, now_ms: i64) -> StoreResult<Season> {
        let mut seasons = self.seasons.lock().await;
        if let Some(s) = ladder::season_at(&seasons, now_ms) {
            return Ok(*s);
        }
        *seasons = self
            .store
            .seasons()
            .await?
            .iter()
            .map(LadderSeason::season)
            .collect();
        if let Some(s) = ladder::season_at(&seasons, now_ms) {
            return Ok(*s);
        }
        let next = ladder::automatic_season(&seasons, now_ms)
            .expect("no season holds now, so an automatic one does");
        let created = self
            .store
            .create_season(next.starts_at_ms, next.ends_at_ms, now_ms)
            .await?;
        tracing::info!(
            season = created.id,
            starts_at_ms = created.starts_at_ms,
            ends_at_ms = created.ends_at_ms,
            "no ladder season was scheduled for now: started one"
        );
        let season = created.season();
        seasons.push(season);
        Ok(season)
    }

    /// Forgets the cached seasons, so that the next lookup reads them
    /// (after an organizer scheduled one).
    pub async fn reload_seasons(&self) {
        self.seasons.lock().await.clear();
    }

    /// The member's rank in the season: the last one stored, else the
    /// soft reset of their last season, else 青铜 1★.
    pub async fn rank(&self, season_id: i64, member_id: i64) -> StoreResult<Rank> {
        if let Some(r) = self.cached_rank(season_id, member_id) {
            return Ok(r);
        }
        let rank = match timed_load(self.rank_loader.load((season_id, member_id))).await? {
            Some(r) if r.season_id == season_id => stored_rank(&r),
            Some(earlier) => ladder::soft_reset(stored_rank(&earlier)),
            None => Rank::START,
        };
        let mut ranks = self.ranks.lock().expect("ranks lock poisoned");
        Ok(*ranks.entry((season_id, member_id)).or_insert(rank))
    }

    pub fn cached_rank(&self, season_id: i64, member_id: i64) -> Option<Rank> {
        self.ranks
            .lock()
            .expect("ranks lock poisoned")
            .get(&(season_id, member_id))
            .copied()
    }

    /// The hidden rating; `None` when it cannot be read now (the race is
    /// then not rated for the member).
    pub async fn rating(&self, member_id: i64) -> Option<Glicko> {
        if let Some(g) = self
            .ratings
            .lock()
            .expect("ratings lock poisoned")
            .get(&member_id)
        {
            return Some(*g);
        }
        match timed_load(self.rating_loader.load(member_id)).await {
            Ok(found) => {
                let g = found.map_or(NEW_PLAYER, |r| Glicko {
                    rating: r.rating,
                    deviation: r.deviation,
                    volatility: r.volatility,
                });
                self.ratings
                    .lock()
                    .expect("ratings lock poisoned")
                    .insert(member_id, g);
                Some(g)
            }
            Err(e) => {
                tracing::warn!("ladder rating unavailable, racing unrated: {e}");
                None
            }
        }
    }

    /// A race moved the member: remember it before the database has it.
    pub fn settle(&self, season_id: i64, member_id: i64, rank: Rank, rating: Option<Glicko>) {
        self.ranks
            .lock()
            .expect("ranks lock poisoned")
            .insert((season_id, member_id), rank);
        if let Some(g) = rating {
            self.ratings
                .lock()
                .expect("ratings lock poisoned")
                .insert(member_id, g);
        }
    }
}

async fn timed<T>(f: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
    tokio::time::timeout(LOOKUP_TIMEOUT, f)
        .await
        .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))?
}

/// A batched look-up within the same bound as one of its own.
async fn timed_load<V>(f: impl Future<Output = Loaded<V>>) -> StoreResult<Option<V>> {
    match tokio::time::timeout(LOOKUP_TIMEOUT, f).await {
        Ok(Ok(found)) => Ok(found),
        Ok(Err(e)) => Err(StoreError::Shared(e)),
        Err(_) => Err(StoreError::Database(sqlx::Error::PoolTimedOut)),
    }
}

fn stored_rank(r: &LadderRank) -> Rank {
    Rank::from_stored(&r.tier, r.stars)
}

/// A rank as the wire shows it.
pub fn rank_view(rank: Rank) -> RankView {
    RankView {
        tier: rank.tier.as_str().into(),
        tier_name: rank.tier.name_zh().into(),
        stars: rank.stars,
        cap: rank.tier.cap(),
        points: rank.points(),
    }
}

pub fn season_view(season: Season) -> SeasonView {
    SeasonView {
        id: season.id,
        starts_at_ms: season.starts_at_ms,
        ends_at_ms: season.ends_at_ms,
    }
}

/// Builds a race: questions near the players' level, option orders, and
/// labelled bots in the empty seats, each at a rank near the members'.
pub fn setup(duels: &Duels, race: Race) -> RoomSetup {
    let mut rng = StdRng::from_os_rng();
    let level = race
        .entrants
        .iter()
        .map(|e| e.entrant.member.rating)
        .sum::<f64>()
        / race.entrants.len().max(1) as f64;
    let ratings = duels.question_ratings.view();
    let questions = selection::pick_near_level(
        duels.bank.current().questions(),
        &Filter::default(),
        duels.ladder.config.questions,
        level,
        |q| ratings.get(q),
        &HashSet::new(),
        &mut rng,
    );
    // Not held while the match is set up.
    drop(ratings);
    let mut seats: Vec<RoomSeat> = race
        .entrants
        .iter()
        .map(|e| {
            let glicko = e.entrant.glicko.unwrap_or(NEW_PLAYER);
            RoomSeat {
                info: SeatInfo {
                    member_id: Some(e.entrant.member.id),
                    nickname: e.entrant.member.nickname.clone(),
                    district: e.entrant.member.district.clone(),
                    glicko,
                    is_bot: false,
                    rank: Some(e.rank),
                    team: None,
                },
                glicko,
                counted: true,
                // Only a race among members moves the hidden rating.
                rated: e.entrant.glicko.is_some() && race.entrants.len() >= 2,
                season_id: Some(e.season_id),
                outbox: Some(e.entrant.outbox.clone()),
                conn: e.entrant.conn,
            }
        })
        .collect();
    let anchor = race.entrants[0].rank;
    let mut names: Vec<&str> = BOT_NAMES.to_vec();
    for _ in 0..race.bots {
        let name = names.remove(rng.random_range(0..names.len()));
        let glicko = seats[0].glicko;
        // Within a star of the member, so the track looks like a fair field.
        let rank = anchor.apply(rng.random_range(-1..=1));
        seats.push(RoomSeat {
            info: SeatInfo {
                member_id: None,
                nickname: name.into(),
                district: "机器人".into(),
                glicko,
                is_bot: true,
                rank: Some(rank),
                team: None,
            },
            glicko,
            counted: false,
            rated: false,
            season_id: None,
            outbox: None,
            conn: 0,
        });
    }
    // Lanes are random: nobody is always on top of the track.
    for i in (1..seats.len()).rev() {
        seats.swap(i, rng.random_range(0..=i));
    }
    let orders = selection::seat_option_orders(seats.len(), &questions, &mut rng);
    let rules = ContestRules {
        relaxed: race.relaxed,
        countdown: duels.config.countdown,
        reveal_pause: duels.config.reveal_pause,
        grace: duels.config.grace,
        // The race goes on while anyone is left; leaving is never an abort.
        min_players: 1,
        abortable: false,
        ..ContestRules::default()
    };
    let contest = Contest::new(questions, orders, rules, Instant::now().into_std())
        .expect("a race of bank questions is a valid contest");
    RoomSetup {
        id: duels.ids.next(),
        mode: MatchMode::Ladder,
        contest,
        seats,
        relaxed: race.relaxed,
        battle: None,
    }
}
