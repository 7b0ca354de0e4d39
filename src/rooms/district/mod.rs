//! District PK battles (区域PK赛) at runtime: each running competition's
//! queue, members' counted battles per day, and the set-up of a battle.
//! Battles run in the same match tasks as duels and races
//! ([`crate::rooms::duel::room`]), which decide them by the teams' averages
//! ([`crate::domain::district::battle_result`]).

pub mod screen;
pub mod standings;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::time::Instant;

use crate::domain::contest::{Contest, ContestRules};
use crate::domain::district::{self, CompetitionRules, TeamSeeker};
use crate::domain::glicko::NEW_PLAYER;
use crate::domain::selection::{self, Filter};
use crate::rooms::duel::room::{BattleSetup, MatchMode, RoomSeat, RoomSetup};
use crate::rooms::duel::views::SeatInfo;
use crate::rooms::duel::{Duels, Entrant};
use crate::rooms::solo::refusal;
use crate::store::leaderboard::Period;
use crate::ws::protocol::{ErrorCode, Refusal, ServerMsg};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistrictConfig {
    /// After this long, smaller or uneven teams may battle.
    pub uneven_after: Duration,
}

impl Default for DistrictConfig {
    fn default() -> Self {
        DistrictConfig {
            uneven_after: district::UNEVEN_AFTER,
        }
    }
}

struct Waiting {
    entrant: Entrant,
    district: String,
    ticket: u64,
    since: Instant,
    counted: bool,
    /// The (teammates, opponents) count last sent.
    told: (u32, u32),
}

/// A competition's queue, with the rules it was opened under.
struct CompetitionQueue {
    rules: CompetitionRules,
    /// When battles stop starting (the end, or an early close).
    closes_at_ms: i64,
    waiting: Vec<Waiting>,
}

/// A battle the queues formed.
pub struct FormedBattle {
    competition_id: i64,
    rules: CompetitionRules,
    sides: [Vec<(Entrant, bool)>; 2],
    districts: [String; 2],
}

impl FormedBattle {
    pub fn members(&self) -> Vec<i64> {
        self.sides
            .iter()
            .flatten()
            .map(|(e, _)| e.member.id)
            .collect()
    }
}

/// Messages for members, to send after the lock is released.
pub type Notices = Vec<(i64, ServerMsg)>;

pub struct Battles {
    pub config: DistrictConfig,
    queues: Mutex<HashMap<i64, CompetitionQueue>>,
    next_ticket: Mutex<u64>,
    /// Counted battles per (competition, member) on one Beijing day:
    /// (day start, count).
    daily: Mutex<HashMap<(i64, i64), (i64, u32)>>,
}

impl Battles {
    pub fn new(config: DistrictConfig) -> Battles {
        Battles {
            config,
            queues: Mutex::default(),
            next_ticket: Mutex::new(1),
            daily: Mutex::default(),
        }
    }

    pub fn is_waiting(&self, member_id: i64) -> bool {
        self.queues
            .lock()
            .expect("district queues lock poisoned")
            .values()
            .any(|q| q.waiting.iter().any(|w| w.entrant.member.id == member_id))
    }

    /// Counted battles the member has played today in the competition,
    /// as far as this server knows (`known` from the database when first
    /// asked).
    pub fn battles_today(
        &self,
        competition_id: i64,
        member_id: i64,
        at_ms: i64,
        known: u32,
    ) -> u32 {
        let today = Period::Day.start_ms(at_ms);
        let mut daily = self.daily.lock().expect("daily lock poisoned");
        let entry = daily
            .entry((competition_id, member_id))
            .or_insert((today, known));
        if entry.0 != today {
            *entry = (today, 0);
        }
        entry.1
    }

    pub fn count_battle(&self, competition_id: i64, member_id: i64, at_ms: i64) {
        let today = Period::Day.start_ms(at_ms);
        let mut daily = self.daily.lock().expect("daily lock poisoned");
        let entry = daily
            .entry((competition_id, member_id))
            .or_insert((today, 0));
        if entry.0 != today {
            *entry = (today, 0);
        }
        entry.1 += 1;
    }

    /// Queues a member of `district` for the competition; forms what is
    /// ready.
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue(
        &self,
        competition_id: i64,
        rules: CompetitionRules,
        closes_at_ms: i64,
        entrant: Entrant,
        district: String,
        counted: bool,
        now: Instant,
        on_queued: impl FnOnce(),
    ) -> Result<(Vec<FormedBattle>, Notices), Refusal> {
        if self.is_waiting(entrant.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let ticket = {
            let mut next = self.next_ticket.lock().expect("ticket lock poisoned");
            *next += 1;
            *next
        };
        let mut queues = self.queues.lock().expect("district queues lock poisoned");
        let queue = queues
            .entry(competition_id)
            .or_insert_with(|| CompetitionQueue {
                rules: rules.clone(),
                closes_at_ms,
                waiting: Vec::new(),
            });
        queue.rules = rules;
        queue.closes_at_ms = closes_at_ms;
        on_queued();
        queue.waiting.push(Waiting {
            entrant,
            district,
            ticket,
            since: now,
            counted,
            told: (0, 0),
        });
        Ok(Self::form(&mut queues, self.config.uneven_after, now))
    }

    pub fn cancel(&self, member_id: i64) -> Result<ServerMsg, Refusal> {
        let mut queues = self.queues.lock().expect("district queues lock poisoned");
        let mut found = false;
        for q in queues.values_mut() {
            let before = q.waiting.len();
            q.waiting.retain(|w| w.entrant.member.id != member_id);
            found |= q.waiting.len() != before;
        }
        if !found {
            return Err(refusal(ErrorCode::NotQueued, None));
        }
        Ok(ServerMsg::DistrictCancelled)
    }

    pub fn connection_closed(&self, member_id: i64, conn: u64) {
        let mut queues = self.queues.lock().expect("district queues lock poisoned");
        for q in queues.values_mut() {
            q.waiting
                .retain(|w| !(w.entrant.member.id == member_id && w.entrant.conn == conn));
        }
    }

    /// An organizer closed the competition: nobody waits for it any more.
    pub fn close_competition(&self, competition_id: i64) -> Notices {
        let mut queues = self.queues.lock().expect("district queues lock poisoned");
        queues
            .remove(&competition_id)
            .map(|q| Self::closed_notices(&q))
            .unwrap_or_default()
    }

    fn closed_notices(queue: &CompetitionQueue) -> Notices {
        queue
            .waiting
            .iter()
            .map(|w| {
                (
                    w.entrant.member.id,
                    ServerMsg::from(refusal(ErrorCode::CompetitionClosed, None)),
                )
            })
            .collect()
    }

    /// Forms the battles due now (uneven ones after the wait) and tells
    /// those still waiting who is there; queues of competitions that have
    /// closed are emptied, their members told.
    pub fn tick(&self, now: Instant, now_ms: i64) -> (Vec<FormedBattle>, Notices) {
        let mut queues = self.queues.lock().expect("district queues lock poisoned");
        let mut closed = Vec::new();
        queues.retain(|_, q| {
            let open = now_ms < q.closes_at_ms;
            if !open {
                closed.extend(Self::closed_notices(q));
            }
            open
        });
        let (battles, mut notices) = Self::form(&mut queues, self.config.uneven_after, now);
        notices.extend(closed);
        (battles, notices)
    }

    fn form(
        queues: &mut HashMap<i64, CompetitionQueue>,
        uneven_after: Duration,
        now: Instant,
    ) -> (Vec<FormedBattle>, Notices) {
        let mut battles = Vec::new();
        let mut notices = Vec::new();
        for (&competition_id, queue) in queues.iter_mut() {
            let seekers: Vec<TeamSeeker> = queue
                .waiting
                .iter()
                .map(|w| TeamSeeker {
                    ticket: w.ticket,
                    member_id: w.entrant.member.id,
                    district: w.district.clone(),
                    since: w.since.into_std(),
                })
                .collect();
            let team_size = queue.rules.team_size as usize;
            let formed = district::form_battles(&seekers, now.into_std(), team_size, uneven_after);
            let mut taken: HashSet<usize> = HashSet::new();
            for battle in formed {
                let side = |idx: &[usize]| -> Vec<(Entrant, bool)> {
                    idx.iter()
                        .map(|&i| (queue.waiting[i].entrant.clone(), queue.waiting[i].counted))
                        .collect()
                };
                taken.extend(battle.a.iter().chain(&battle.b).copied());
                battles.push(FormedBattle {
                    competition_id,
                    rules: queue.rules.clone(),
                    districts: [
                        queue.waiting[battle.a[0]].district.clone(),
                        queue.waiting[battle.b[0]].district.clone(),
                    ],
                    sides: [side(&battle.a), side(&battle.b)],
                });
            }
            let mut i = 0;
            queue.waiting.retain(|_| {
                i += 1;
                !taken.contains(&(i - 1))
            });
            let districts: Vec<String> = queue.waiting.iter().map(|w| w.district.clone()).collect();
            for w in &mut queue.waiting {
                let teammates = districts.iter().filter(|d| **d == w.district).count() as u32;
                let opponents = districts.len() as u32 - teammates;
                if w.told != (teammates, opponents) {
                    w.told = (teammates, opponents);
                    notices.push((
                        w.entrant.member.id,
                        ServerMsg::DistrictSearching {
                            teammates,
                            opponents,
                            waited_ms: now.saturating_duration_since(w.since).as_millis() as u64,
                        },
                    ));
                }
            }
        }
        queues.retain(|_, q| !q.waiting.is_empty());
        (battles, notices)
    }
}

/// Builds a battle: the competition's questions (near the players'
/// level), side 0's members then side 1's. `None` when the bank no longer
/// holds any of the competition's questions (it was replaced meanwhile).
pub fn setup(duels: &Duels, battle: FormedBattle) -> Option<RoomSetup> {
    let mut rng = StdRng::from_os_rng();
    let bank = duels.bank.current();
    let pool: Vec<_> = bank
        .questions()
        .iter()
        .filter(|q| battle.rules.questions.contains(q))
        .cloned()
        .collect();
    let everyone: Vec<&Entrant> = battle.sides.iter().flatten().map(|(e, _)| e).collect();
    let level =
        everyone.iter().map(|e| e.member.rating).sum::<f64>() / everyone.len().max(1) as f64;
    let ratings = duels.question_ratings.view();
    let questions = selection::pick_near_level(
        &pool,
        &Filter::default(),
        battle.rules.questions_per_battle as usize,
        level,
        |q| ratings.get(q),
        &HashSet::new(),
        &mut rng,
    );
    // Not held while the match is set up.
    drop(ratings);
    let seats: Vec<RoomSeat> = battle
        .sides
        .iter()
        .enumerate()
        .flat_map(|(team, side)| {
            side.iter().map(move |(e, counted)| RoomSeat {
                info: SeatInfo {
                    member_id: Some(e.member.id),
                    nickname: e.member.nickname.clone(),
                    district: e.member.district.clone(),
                    glicko: NEW_PLAYER,
                    is_bot: false,
                    rank: None,
                    team: Some(team as u8),
                },
                glicko: NEW_PLAYER,
                counted: *counted,
                rated: false,
                season_id: None,
                outbox: Some(e.outbox.clone()),
                conn: e.conn,
            })
        })
        .collect();
    if questions.is_empty() {
        return None;
    }
    let orders = selection::seat_option_orders(seats.len(), &questions, &mut rng);
    let rules = ContestRules {
        relaxed: false,
        countdown: duels.config.countdown,
        reveal_pause: duels.config.reveal_pause,
        grace: duels.config.grace,
        // A battle goes on while each team has someone; leaving is a
        // forfeit (0 for what is left), never an abort.
        min_players: 1,
        abortable: false,
        ..ContestRules::default()
    };
    let contest = Contest::new(questions, orders, rules, Instant::now().into_std())
        .expect("a battle of bank questions is a valid contest");
    Some(RoomSetup {
        id: duels.ids.next(),
        mode: MatchMode::District,
        contest,
        seats,
        relaxed: false,
        battle: Some(BattleSetup {
            competition_id: battle.competition_id,
            district_indexes: battle.districts.clone().map(|d| {
                battle
                    .rules
                    .districts
                    .iter()
                    .position(|x| *x == d)
                    .map(|i| i as i64)
            }),
            districts: battle.districts,
        }),
    })
}
