//! The ladder (争上游赛): tiers and stars, the star table of a race, the
//! hidden Glicko-2 rating a race moves, seasons with their soft reset, and
//! forming races by tier. Pure rules: times are passed in (epoch
//! milliseconds for seasons, `Instant`s for the queue, as the duel queue
//! does).

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use skillratings::Outcomes;
use skillratings::glicko2::{Glicko2Config, Glicko2Rating, glicko2_rating_period};
use thiserror::Error;

use super::glicko::{Glicko, NEW_PLAYER};
use super::matchmaking;

// ---------------------------------------------------------------- tiers

/// The six tiers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// 青铜
    Bronze,
    /// 白银
    Silver,
    /// 黄金
    Gold,
    /// 铂金
    Platinum,
    /// 钻石
    Diamond,
    /// 王者: no cap, stars keep counting.
    King,
}

impl Tier {
    pub const ALL: [Tier; 6] = [
        Tier::Bronze,
        Tier::Silver,
        Tier::Gold,
        Tier::Platinum,
        Tier::Diamond,
        Tier::King,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
            Tier::Diamond => "diamond",
            Tier::King => "king",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Tier::Bronze => "青铜",
            Tier::Silver => "白银",
            Tier::Gold => "黄金",
            Tier::Platinum => "铂金",
            Tier::Diamond => "钻石",
            Tier::King => "王者",
        }
    }

    /// From [`Tier::as_str`] or [`Tier::name_zh`].
    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str() == s || t.name_zh() == s)
    }

    /// Stars in this tier before promotion; `None` for King (no cap).
    pub fn cap(self) -> Option<u32> {
        match self {
            Tier::Bronze | Tier::Silver => Some(3),
            Tier::Gold | Tier::Platinum => Some(4),
            Tier::Diamond => Some(5),
            Tier::King => None,
        }
    }

    pub fn next(self) -> Option<Tier> {
        Tier::ALL.get(self as usize + 1).copied()
    }

    pub fn previous(self) -> Option<Tier> {
        (self as usize).checked_sub(1).map(|i| Tier::ALL[i])
    }

    /// Stars of every tier below this one: the points of its 0th star.
    fn base(self) -> u32 {
        Tier::ALL[..self as usize]
            .iter()
            .map(|t| t.cap().unwrap_or(0))
            .sum()
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A ladder rank: a tier and a star in it, from 1 to the tier's cap (King:
/// from 1 up, without end). Ranks order by tier, then stars, which is the
/// order of [`Rank::points`].
///
/// The fields are public for reading and storage; a rank built by hand with
/// stars out of range is read as the nearest valid star by
/// [`Rank::points`] and [`Rank::apply`] ([`Rank::new`] checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rank {
    pub tier: Tier,
    pub stars: u32,
}

impl Rank {
    /// Where every member starts a season's first race: 青铜 1★.
    pub const START: Rank = Rank {
        tier: Tier::Bronze,
        stars: 1,
    };

    /// `None` unless `stars` is between 1 and the tier's cap.
    pub fn new(tier: Tier, stars: u32) -> Option<Rank> {
        (stars >= 1 && tier.cap().is_none_or(|cap| stars <= cap)).then_some(Rank { tier, stars })
    }

    /// Stars counted from the bottom: 青铜 1★ is 1, 白银 1★ is 4, 黄金 1★ 7,
    /// 铂金 1★ 11, 钻石 1★ 15, 王者 1★ 20. One star up or down is one point.
    pub fn points(self) -> u32 {
        let stars = match self.tier.cap() {
            Some(cap) => self.stars.clamp(1, cap),
            None => self.stars.max(1),
        };
        self.tier.base() + stars
    }

    /// The rank with these points; points below 1 are 青铜 1★.
    pub fn from_points(points: u32) -> Rank {
        let points = points.max(1);
        let tier = Tier::ALL
            .into_iter()
            .rev()
            .find(|t| t.base() < points)
            .unwrap_or(Tier::Bronze);
        Rank {
            tier,
            stars: points - tier.base(),
        }
    }

    /// A rank as stored (tier name, stars), read leniently: an unknown tier
    /// is 青铜, stars out of range are the nearest valid star.
    pub fn from_stored(tier: &str, stars: i64) -> Rank {
        let rank = Rank {
            tier: Tier::parse(tier).unwrap_or(Tier::Bronze),
            stars: stars.clamp(1, i64::from(u32::MAX)) as u32,
        };
        Rank::from_points(rank.points())
    }

    /// Moves `delta` stars, one at a time: past a tier's cap is the next
    /// tier's 1★ (promotion), below 1★ is the previous tier's top star
    /// (demotion), never below 青铜 1★ (the floor); 王者 has no ceiling.
    pub fn apply(self, delta: i32) -> Rank {
        let points = i64::from(self.points()) + i64::from(delta);
        Rank::from_points(points.clamp(1, i64::from(u32::MAX)) as u32)
    }
}

impl Default for Rank {
    fn default() -> Self {
        Rank::START
    }
}

impl fmt::Display for Rank {
    /// `黄金 2★`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}★", self.tier.name_zh(), self.stars)
    }
}

// ---------------------------------------------------------------- stars

/// The most players in a race.
pub const MAX_RACE_PLAYERS: usize = 4;

/// Stars won or lost for a 1-based `place` among `players` (2–4; ties share
/// the better place, as [`Contest::standings`](super::contest::Contest::standings)
/// gives them):
///
/// | players | 1st | 2nd | 3rd | 4th |
/// |---------|-----|-----|-----|-----|
/// | 4       | +2  | +1  | −1  | −2  |
/// | 3       | +2  | +1  | −1  |     |
/// | 2       | +1  | −1  |     |     |
///
/// Outside the table (another number of players, place 0 or past the
/// last) there was no race to count: 0.
pub fn star_delta(place: usize, players: usize) -> i32 {
    let table: &[i32] = match players {
        4 => &[2, 1, -1, -2],
        3 => &[2, 1, -1],
        2 => &[1, -1],
        _ => return 0,
    };
    place
        .checked_sub(1)
        .and_then(|i| table.get(i))
        .copied()
        .unwrap_or(0)
}

/// Who was in a race, for what it may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaceKind {
    /// Human players; the other seats were bots.
    pub humans: usize,
}

/// Whether a race with this many humans moves the hidden rating: only
/// humans against humans (at least two).
pub fn moves_rating(humans: usize) -> bool {
    humans >= 2
}

impl RaceKind {
    /// A race against bots only: it moves stars by one at most.
    pub fn bots_only(self) -> bool {
        self.humans <= 1
    }

    pub fn moves_rating(self) -> bool {
        moves_rating(self.humans)
    }

    /// [`star_delta`], clamped to ±1 in a race against bots only.
    pub fn star_delta(self, place: usize, players: usize) -> i32 {
        let delta = star_delta(place, players);
        if self.bots_only() {
            delta.clamp(-1, 1)
        } else {
            delta
        }
    }
}

/// Star changes for a finished race, seat by seat: `results[seat]` is
/// `(place, forfeited)`. A player who left places last (the place of the
/// last seat) whatever their points; those who stayed are placed among
/// themselves, ahead of everyone who left (as
/// [`Contest::standings`](super::contest::Contest::standings) already does).
pub fn race_star_deltas(results: &[(usize, bool)], kind: RaceKind) -> Vec<i32> {
    let players = results.len();
    results
        .iter()
        .map(|&(place, forfeited)| {
            let place = if forfeited {
                players
            } else {
                1 + results
                    .iter()
                    .filter(|&&(other, gone)| !gone && other < place)
                    .count()
            };
            kind.star_delta(place, players)
        })
        .collect()
}

// ---------------------------------------------------------------- rating

/// Deviation never drops below this (as for duels), so a settled rating can
/// still move.
const MIN_DEVIATION: f64 = 45.0;

/// Each player's hidden rating after a race: the race counts as a game
/// against every other player listed (a win against those placed worse, a
/// loss against those placed better, a draw against an equal place), all in
/// one Glicko-2 rating period. `players[i]` is `(rating, 1-based place)`;
/// the answer is in the same order. List the humans only (bots have no
/// rating); with fewer than two, nothing moves.
pub fn race_ratings(players: &[(Glicko, usize)]) -> Vec<Glicko> {
    if players.len() < 2 {
        return players.iter().map(|&(g, _)| g).collect();
    }
    let config = Glicko2Config::new();
    players
        .iter()
        .enumerate()
        .map(|(i, &(me, my_place))| {
            let games: Vec<(Glicko2Rating, Outcomes)> = players
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &(other, place))| {
                    let outcome = match my_place.cmp(&place) {
                        std::cmp::Ordering::Less => Outcomes::WIN,
                        std::cmp::Ordering::Greater => Outcomes::LOSS,
                        std::cmp::Ordering::Equal => Outcomes::DRAW,
                    };
                    (other.into(), outcome)
                })
                .collect();
            let new = glicko2_rating_period(&me.into(), &games, &config);
            Glicko {
                rating: new.rating,
                deviation: new.deviation.clamp(MIN_DEVIATION, NEW_PLAYER.deviation),
                volatility: new.volatility,
            }
        })
        .collect()
}

/// One seat of a finished race, as [`settle_race`] needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaceEntry {
    /// A member, not a bot.
    pub human: bool,
    /// The member's hidden rating may move (it could be read).
    pub rated: bool,
    pub rating: Glicko,
    pub rank: Rank,
    /// 1-based, from the contest's standings.
    pub place: usize,
    pub forfeited: bool,
}

/// What a finished race does to one seat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaceSettlement {
    pub rank_after: Rank,
    /// Stars as applied: the floor can make a loss smaller.
    pub stars: i32,
    pub rating_after: Glicko,
    pub rating_moved: bool,
}

/// Settles a completed (or forfeited) race: stars for every human by
/// placement ([`race_star_deltas`], at most ±1 against bots only), and the
/// hidden ratings of the rated humans when at least two humans raced
/// ([`race_ratings`], among humans only). Bots keep everything.
pub fn settle_race(entries: &[RaceEntry]) -> Vec<RaceSettlement> {
    let kind = RaceKind {
        humans: entries.iter().filter(|e| e.human).count(),
    };
    let places: Vec<(usize, bool)> = entries.iter().map(|e| (e.place, e.forfeited)).collect();
    let deltas = race_star_deltas(&places, kind);
    let rated: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].human && entries[i].rated)
        .collect();
    let mut ratings: Vec<Glicko> = entries.iter().map(|e| e.rating).collect();
    if kind.moves_rating() && rated.len() >= 2 {
        // Humans among themselves: a leaver is behind everyone who stayed.
        let field: Vec<(Glicko, usize)> = rated
            .iter()
            .map(|&i| {
                let e = &entries[i];
                (e.rating, if e.forfeited { entries.len() } else { e.place })
            })
            .collect();
        for (&i, after) in rated.iter().zip(race_ratings(&field)) {
            ratings[i] = after;
        }
    }
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if !e.human {
                return RaceSettlement {
                    rank_after: e.rank,
                    stars: 0,
                    rating_after: e.rating,
                    rating_moved: false,
                };
            }
            let rank_after = e.rank.apply(deltas[i]);
            RaceSettlement {
                rank_after,
                stars: rank_after.points() as i32 - e.rank.points() as i32,
                rating_after: ratings[i],
                rating_moved: kind.moves_rating() && rated.len() >= 2 && e.rated,
            }
        })
        .collect()
}

// ---------------------------------------------------------------- seasons

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A season's length when an organizer does not say.
pub const DEFAULT_SEASON_DAYS: i64 = 30;
/// The lengths an organizer may choose, in days.
pub const SEASON_DAYS: std::ops::RangeInclusive<i64> = 1..=365;
/// A start this little in the past is still "now" (a form filled in slowly).
pub const START_TOLERANCE_MS: i64 = 60_000;

/// A ladder season: `[starts_at_ms, ends_at_ms)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Season {
    pub id: i64,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SeasonError {
    #[error("a season lasts 1 to 365 days, not {days}")]
    BadLength { days: i64 },
    #[error("the season would start in the past ({starts_at_ms} is before {now_ms})")]
    StartsInPast { starts_at_ms: i64, now_ms: i64 },
    #[error("the season overlaps season {id} ({starts_at_ms} to {ends_at_ms})")]
    Overlaps {
        id: i64,
        starts_at_ms: i64,
        ends_at_ms: i64,
    },
}

impl Season {
    /// An organizer's new season, checked: 1–365 days long, starting no
    /// more than a minute ago, overlapping no season in `existing`. Its id
    /// is one more than the highest existing id (1 for the first).
    pub fn new(
        starts_at_ms: i64,
        days: i64,
        now_ms: i64,
        existing: &[Season],
    ) -> Result<Season, SeasonError> {
        if !SEASON_DAYS.contains(&days) {
            return Err(SeasonError::BadLength { days });
        }
        if starts_at_ms < now_ms.saturating_sub(START_TOLERANCE_MS) {
            return Err(SeasonError::StartsInPast {
                starts_at_ms,
                now_ms,
            });
        }
        let season = Season {
            id: existing.iter().map(|s| s.id).max().unwrap_or(0) + 1,
            starts_at_ms,
            ends_at_ms: starts_at_ms.saturating_add(days * DAY_MS),
        };
        if let Some(other) = existing.iter().find(|s| s.overlaps(&season)) {
            return Err(SeasonError::Overlaps {
                id: other.id,
                starts_at_ms: other.starts_at_ms,
                ends_at_ms: other.ends_at_ms,
            });
        }
        Ok(season)
    }

    pub fn contains(&self, at_ms: i64) -> bool {
        self.starts_at_ms <= at_ms && at_ms < self.ends_at_ms
    }

    pub fn overlaps(&self, other: &Season) -> bool {
        self.starts_at_ms < other.ends_at_ms && other.starts_at_ms < self.ends_at_ms
    }

    /// The next season, starting when this one ends; `days` is brought
    /// into 1–365.
    pub fn following(&self, days: i64) -> Season {
        let days = days.clamp(*SEASON_DAYS.start(), *SEASON_DAYS.end());
        Season {
            id: self.id + 1,
            starts_at_ms: self.ends_at_ms,
            ends_at_ms: self.ends_at_ms.saturating_add(days * DAY_MS),
        }
    }
}

/// The season running at `at_ms`, if any.
pub fn season_at(seasons: &[Season], at_ms: i64) -> Option<&Season> {
    seasons.iter().find(|s| s.contains(at_ms))
}

/// The season to play in at `now_ms` when organizers have scheduled none
/// for it: seasons run back to back, [`DEFAULT_SEASON_DAYS`] long, from
/// the end of the latest one before `now_ms` (or, with none, from the
/// start of the Beijing day of `now_ms`, so that servers starting the same
/// day agree on it); it ends early where a scheduled season starts. `None`
/// when a season already contains `now_ms`.
pub fn automatic_season(existing: &[Season], now_ms: i64) -> Option<Season> {
    if season_at(existing, now_ms).is_some() {
        return None;
    }
    const BEIJING_OFFSET_MS: i64 = 8 * 60 * 60 * 1000;
    let length = DEFAULT_SEASON_DAYS * DAY_MS;
    let starts_at_ms = match existing
        .iter()
        .filter(|s| s.ends_at_ms <= now_ms)
        .map(|s| s.ends_at_ms)
        .max()
    {
        // Whole seasons since the last one ended, so none is skipped over.
        Some(end) => end + (now_ms - end) / length * length,
        None => (now_ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - BEIJING_OFFSET_MS,
    };
    let ends_at_ms = existing
        .iter()
        .map(|s| s.starts_at_ms)
        .filter(|&start| start > now_ms)
        .fold(starts_at_ms + length, i64::min);
    Some(Season {
        id: existing.iter().map(|s| s.id).max().unwrap_or(0) + 1,
        starts_at_ms,
        ends_at_ms,
    })
}

/// A member's first rank in a new season, from their last rank in the one
/// before: everyone drops one tier and starts it at 1★. 王者 (however many
/// stars) becomes 钻石 1★, 钻石 becomes 铂金 1★, … 白银 becomes 青铜 1★,
/// and 青铜 stays 青铜 1★. A member who did not play last season starts at
/// [`Rank::START`].
pub fn soft_reset(last: Rank) -> Rank {
    Rank {
        tier: last.tier.previous().unwrap_or(Tier::Bronze),
        stars: 1,
    }
}

// ---------------------------------------------------------------- queue

/// Races of 2–3 (fewer than the full field) form only once everyone in them
/// has waited this long.
pub const SMALL_RACE_AFTER: Duration = Duration::from_secs(8);
/// After this long the runtime fills a waiting player's race with bots.
pub const BOT_FILL_AFTER_SECS: u64 = 15;

/// The star gap accepted at once.
const BASE_STAR_WINDOW: u32 = 3;
/// One more star per this much waiting.
const STAR_WIDEN_EVERY_SECS: u64 = 2;
/// The widest star gap.
const MAX_STAR_WINDOW: u32 = 12;

/// One player waiting for a ladder race.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceSeeker {
    /// The queue entry; unique per entry.
    pub ticket: u64,
    pub member_id: i64,
    pub rank: Rank,
    /// The hidden Glicko-2 rating.
    pub rating: f64,
    pub since: Instant,
    /// Relaxed players only race relaxed players: the scoring differs.
    pub relaxed: bool,
}

/// The rank gap, in stars ([`Rank::points`]), a player who has waited
/// `waited` accepts: ±3 at once, one more per 2 s, at most ±12.
pub fn star_window(waited: Duration) -> u32 {
    let widened = waited.as_secs() / STAR_WIDEN_EVERY_SECS;
    (BASE_STAR_WINDOW as u64 + widened).min(MAX_STAR_WINDOW as u64) as u32
}

/// Whether two waiting players may race each other now: different
/// members, the same scoring, within the wider of their star windows and
/// of their rating windows.
fn fits(x: &RaceSeeker, y: &RaceSeeker, now: Instant) -> bool {
    let (wx, wy) = (
        now.saturating_duration_since(x.since),
        now.saturating_duration_since(y.since),
    );
    let stars = x.rank.points().abs_diff(y.rank.points());
    let rating = (x.rating - y.rating).abs();
    x.member_id != y.member_id
        && x.relaxed == y.relaxed
        && stars <= star_window(wx).max(star_window(wy))
        && rating <= matchmaking::window(wx).max(matchmaking::window(wy))
}

/// For each waiting player, how many players (themself included, at most
/// `max_players`) a race could start with now: what the queue screen shows
/// as "found so far".
pub fn found_counts(seekers: &[RaceSeeker], now: Instant, max_players: usize) -> Vec<usize> {
    let max_players = max_players.clamp(2, MAX_RACE_PLAYERS);
    seekers
        .iter()
        .map(|me| {
            let others = seekers.iter().filter(|o| fits(me, o, now)).count();
            (1 + others).min(max_players)
        })
        .collect()
}

/// Candidates sorted before the rest for each race's first member: enough
/// to fill a race in all but crowded, ill-fitting queues.
const NEAREST_FIRST: usize = 16;

/// Groups the queue into races of up to `max_players` (brought into 2–4),
/// longest waiting first. Each group is built around its longest-waiting
/// player, adding the closest hidden ratings first; every two players in a
/// group are within the wider of their two star windows ([`star_window`])
/// and the wider of their two rating windows ([`matchmaking::window`]).
/// A group smaller than `max_players` forms only when everyone in it has
/// waited [`SMALL_RACE_AFTER`]. No member is in a group twice. Returns
/// indices into `seekers`; bots are the runtime's business.
pub fn form_races(seekers: &[RaceSeeker], now: Instant, max_players: usize) -> Vec<Vec<usize>> {
    let max_players = max_players.clamp(2, MAX_RACE_PLAYERS);
    let waited = |i: usize| now.saturating_duration_since(seekers[i].since);
    let veteran = |i: usize| waited(i) >= SMALL_RACE_AFTER;
    let fits = |a: usize, b: usize| fits(&seekers[a], &seekers[b], now);
    let mut by_wait: Vec<usize> = (0..seekers.len()).collect();
    by_wait.sort_by_key(|&i| (seekers[i].since, seekers[i].ticket));
    let mut taken = vec![false; seekers.len()];
    let mut races = Vec::new();
    for &anchor in &by_wait {
        if taken[anchor] {
            continue;
        }
        let me = &seekers[anchor];
        let mut candidates: Vec<usize> = (0..seekers.len())
            .filter(|&j| j != anchor && !taken[j] && fits(anchor, j))
            .collect();
        // Nearest first; a total order, so any prefix of it is the same
        // whether the whole list or only that prefix was sorted.
        let nearer = |&a: &usize, &b: &usize| {
            let (x, y) = (&seekers[a], &seekers[b]);
            (x.rating - me.rating)
                .abs()
                .total_cmp(&(y.rating - me.rating).abs())
                .then(
                    x.rank
                        .points()
                        .abs_diff(me.rank.points())
                        .cmp(&y.rank.points().abs_diff(me.rank.points())),
                )
                .then((x.since, x.ticket).cmp(&(y.since, y.ticket)))
        };
        let grow = |candidates: &[usize], only_veterans: bool| {
            let mut group = vec![anchor];
            for &j in candidates {
                if group.len() == max_players {
                    break;
                }
                if (!only_veterans || veteran(j)) && group.iter().all(|&g| fits(g, j)) {
                    group.push(j);
                }
            }
            group
        };
        // Sorting every candidate for every anchor made a step quadratic
        // in the queue's length (times its log): sort the nearest few
        // first, and the rest only when they do not fill the race.
        let sorted = if candidates.len() > NEAREST_FIRST {
            candidates.select_nth_unstable_by(NEAREST_FIRST, nearer);
            candidates[..NEAREST_FIRST].sort_by(nearer);
            NEAREST_FIRST
        } else {
            candidates.sort_by(nearer);
            candidates.len()
        };
        let mut group = grow(&candidates[..sorted], false);
        if group.len() < max_players && sorted < candidates.len() {
            candidates.sort_by(nearer);
            group = grow(&candidates, false);
        }
        if group.len() < max_players {
            if !veteran(anchor) {
                continue;
            }
            group = grow(&candidates, true);
            if group.len() < 2 {
                continue;
            }
        }
        for &i in &group {
            taken[i] = true;
        }
        races.push(group);
    }
    races
}

#[cfg(test)]
mod tests;
