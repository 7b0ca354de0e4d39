//! Who is waiting to play: the rating queue, friend rooms and rematch
//! offers. Plain data behind one mutex; every method is quick and never
//! awaits. Matches it forms come back as [`Game`]s for the caller to start.

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::time::Instant;

use super::room::{RoomSeat, RoomSetup};
use super::views::SeatInfo;
use super::{DuelConfig, Duels, OutboxTx};
use crate::domain::bot::BOT_NAMES;
use crate::domain::contest::{Contest, ContestRules};
use crate::domain::glicko::{Glicko, NEW_PLAYER};
use crate::domain::matchmaking::{self, Seeker};
use crate::domain::selection::{self, Filter};
use crate::rooms::solo::refusal;
use crate::store::Member;
use crate::ws::protocol::{ErrorCode, Refusal, ServerMsg};

/// Room codes avoid letters and digits that read alike (0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 6;

/// A member ready to play, as prepared by the caller.
#[derive(Clone)]
pub struct Entrant {
    pub member: Member,
    pub conn: u64,
    pub outbox: OutboxTx,
    /// `None` when the rating could not be read: the match is not rated
    /// for this member.
    pub glicko: Option<Glicko>,
}

/// A match the lobby formed.
pub struct Game {
    pub entrants: Vec<Entrant>,
    pub vs_bot: bool,
    pub relaxed: bool,
}

struct Waiting {
    ticket: u64,
    entrant: Entrant,
    since: Instant,
    relaxed: bool,
    bot_offered: bool,
}

struct Room {
    owner: Entrant,
    relaxed: bool,
    expires: Instant,
    /// Someone joined; later joiners hear "full" until the code expires.
    used: bool,
}

struct RematchOffer {
    /// Seats' members; `None` for a bot.
    members: Vec<Option<i64>>,
    wants: HashMap<i64, Entrant>,
    relaxed: bool,
    expires: Instant,
}

pub enum RematchStep {
    Start(Game),
    /// Waiting for these members to agree.
    Offer {
        to: Vec<i64>,
    },
}

pub struct Lobby {
    config: DuelConfig,
    queue: Vec<Waiting>,
    next_ticket: u64,
    rooms: HashMap<String, Room>,
    rematches: HashMap<i64, RematchOffer>,
}

impl Lobby {
    pub fn new(config: DuelConfig) -> Lobby {
        Lobby {
            config,
            queue: Vec::new(),
            next_ticket: 1,
            rooms: HashMap::new(),
            rematches: HashMap::new(),
        }
    }

    /// Queued, or the owner of a room nobody has joined yet.
    pub fn is_waiting(&self, member_id: i64) -> bool {
        self.queue.iter().any(|w| w.entrant.member.id == member_id)
            || self
                .rooms
                .values()
                .any(|r| !r.used && r.owner.member.id == member_id)
    }

    pub fn enqueue(
        &mut self,
        entrant: Entrant,
        relaxed: bool,
        now: Instant,
    ) -> Result<Vec<Game>, Refusal> {
        if self.is_waiting(entrant.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        self.queue.push(Waiting {
            ticket: self.next_ticket,
            entrant,
            since: now,
            relaxed,
            bot_offered: false,
        });
        self.next_ticket += 1;
        Ok(self.pair(now))
    }

    pub fn cancel(&mut self, member_id: i64) -> Result<Vec<ServerMsg>, Refusal> {
        let before = self.queue.len() + self.rooms.len();
        self.queue.retain(|w| w.entrant.member.id != member_id);
        self.rooms
            .retain(|_, r| r.used || r.owner.member.id != member_id);
        if self.queue.len() + self.rooms.len() == before {
            return Err(refusal(ErrorCode::NotQueued, None));
        }
        Ok(vec![ServerMsg::DuelCancelled])
    }

    /// A connection is gone: its queue entry and open room go with it, and
    /// so do rematch offers involving the member, whose other players are
    /// told at once (returned as messages to send).
    pub fn connection_closed(&mut self, member_id: i64, conn: u64) -> Vec<(i64, ServerMsg)> {
        let gone = |e: &Entrant| e.member.id == member_id && e.conn == conn;
        self.queue.retain(|w| !gone(&w.entrant));
        self.rooms.retain(|_, r| r.used || !gone(&r.owner));
        let mut notices = Vec::new();
        self.rematches.retain(|match_id, o| {
            if !o.members.contains(&Some(member_id)) {
                return true;
            }
            for other in o.members.iter().flatten().filter(|&&m| m != member_id) {
                notices.push((
                    *other,
                    ServerMsg::RematchUnavailable {
                        match_id: match_id.to_string(),
                    },
                ));
            }
            false
        });
        notices
    }

    pub fn take_bot_offer(&mut self, member_id: i64) -> Result<Game, Refusal> {
        let i = self
            .queue
            .iter()
            .position(|w| w.entrant.member.id == member_id && w.bot_offered)
            .ok_or_else(|| refusal(ErrorCode::NoBotOffered, None))?;
        let w = self.queue.remove(i);
        Ok(Game {
            entrants: vec![w.entrant],
            vs_bot: true,
            relaxed: w.relaxed,
        })
    }

    pub fn open_room(
        &mut self,
        owner: Entrant,
        relaxed: bool,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Result<String, Refusal> {
        if self.is_waiting(owner.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let code = loop {
            let code: String = (0..CODE_LEN)
                .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
                .collect();
            if !self.rooms.contains_key(&code) {
                break code;
            }
        };
        self.rooms.insert(
            code.clone(),
            Room {
                owner,
                relaxed,
                expires: now + self.config.room_ttl,
                used: false,
            },
        );
        Ok(code)
    }

    /// Checks a code before the joiner is prepared.
    pub fn check_room(&self, code: &str, member_id: i64, now: Instant) -> Result<(), Refusal> {
        match self.rooms.get(code) {
            None => Err(refusal(ErrorCode::RoomNotFound, None)),
            Some(r) if r.expires <= now => Err(refusal(ErrorCode::RoomNotFound, None)),
            Some(r) if r.used => Err(refusal(ErrorCode::RoomFull, None)),
            Some(r) if r.owner.member.id == member_id => Err(refusal(ErrorCode::OwnRoom, None)),
            Some(_) => Ok(()),
        }
    }

    pub fn join_room(
        &mut self,
        code: &str,
        joiner: Entrant,
        now: Instant,
    ) -> Result<Game, Refusal> {
        self.check_room(code, joiner.member.id, now)?;
        let room = self.rooms.get_mut(code).expect("checked above");
        room.used = true;
        Ok(Game {
            entrants: vec![room.owner.clone(), joiner],
            vs_bot: false,
            relaxed: room.relaxed,
        })
    }

    pub fn offer_rematch(
        &mut self,
        match_id: i64,
        members: Vec<Option<i64>>,
        relaxed: bool,
        now: Instant,
    ) {
        self.rematches.insert(
            match_id,
            RematchOffer {
                members,
                wants: HashMap::new(),
                relaxed,
                expires: now + self.config.rematch_ttl,
            },
        );
    }

    pub fn rematch(
        &mut self,
        match_id: i64,
        entrant: Entrant,
        now: Instant,
    ) -> Result<RematchStep, Refusal> {
        let unavailable = || refusal(ErrorCode::RematchUnavailable, None);
        let offer = self
            .rematches
            .get_mut(&match_id)
            .filter(|o| o.expires > now)
            .ok_or_else(unavailable)?;
        let me = entrant.member.id;
        if !offer.members.contains(&Some(me)) {
            return Err(unavailable());
        }
        offer.wants.insert(me, entrant);
        let humans: Vec<i64> = offer.members.iter().flatten().copied().collect();
        if humans.iter().all(|m| offer.wants.contains_key(m)) {
            let offer = self.rematches.remove(&match_id).expect("found above");
            let vs_bot = offer.members.iter().any(Option::is_none);
            let mut wants = offer.wants;
            return Ok(RematchStep::Start(Game {
                entrants: humans.iter().filter_map(|m| wants.remove(m)).collect(),
                vs_bot,
                relaxed: offer.relaxed,
            }));
        }
        Ok(RematchStep::Offer {
            to: humans.into_iter().filter(|&m| m != me).collect(),
        })
    }

    /// Pairs whoever fits, longest waiting first.
    fn pair(&mut self, now: Instant) -> Vec<Game> {
        let seekers: Vec<Seeker> = self
            .queue
            .iter()
            .map(|w| Seeker {
                ticket: w.ticket,
                member_id: w.entrant.member.id,
                rating: w.entrant.glicko.unwrap_or(NEW_PLAYER).rating,
                since: w.since.into_std(),
                relaxed: w.relaxed,
            })
            .collect();
        let pairs = matchmaking::pair(&seekers, now.into_std());
        if pairs.is_empty() {
            return Vec::new();
        }
        let mut taken: HashSet<usize> = HashSet::new();
        let mut games = Vec::new();
        for (a, b) in pairs {
            taken.insert(a);
            taken.insert(b);
            games.push(Game {
                entrants: vec![self.queue[a].entrant.clone(), self.queue[b].entrant.clone()],
                vs_bot: false,
                relaxed: self.queue[a].relaxed,
            });
        }
        let mut i = 0;
        self.queue.retain(|_| {
            i += 1;
            !taken.contains(&(i - 1))
        });
        games
    }

    /// Timed work: pairing with widened windows, bot offers, expiries.
    /// Returns the matches to start and the messages to send.
    pub fn tick(&mut self, now: Instant) -> (Vec<Game>, Vec<(i64, ServerMsg)>) {
        let games = self.pair(now);
        let mut notices = Vec::new();
        for w in &mut self.queue {
            let waited = now.saturating_duration_since(w.since);
            if !w.bot_offered && waited >= self.config.bot_after {
                w.bot_offered = true;
                notices.push((
                    w.entrant.member.id,
                    ServerMsg::BotOffered {
                        waited_ms: waited.as_millis() as u64,
                    },
                ));
            }
        }
        self.rooms.retain(|code, r| {
            if r.expires > now {
                return true;
            }
            if !r.used {
                notices.push((
                    r.owner.member.id,
                    ServerMsg::RoomExpired { code: code.clone() },
                ));
            }
            false
        });
        self.rematches.retain(|match_id, o| {
            if o.expires > now {
                return true;
            }
            for member in o.wants.keys() {
                notices.push((
                    *member,
                    ServerMsg::RematchUnavailable {
                        match_id: match_id.to_string(),
                    },
                ));
            }
            false
        });
        (games, notices)
    }
}

/// Builds a match for `game`: questions near the players' level, option
/// orders, bot and rating decisions.
pub fn setup(duels: &Duels, game: Game) -> RoomSetup {
    let mut rng = StdRng::from_os_rng();
    let level = game.entrants.iter().map(|e| e.member.rating).sum::<f64>()
        / game.entrants.len().max(1) as f64;
    let ratings = duels.question_ratings.view();
    let questions = selection::pick_near_level(
        duels.bank.current().questions(),
        &Filter::default(),
        duels.config.questions,
        level,
        |q| ratings.get(q),
        &HashSet::new(),
        &mut rng,
    );
    // Not held while the match is set up.
    drop(ratings);
    let mut seats: Vec<RoomSeat> = game
        .entrants
        .iter()
        .map(|e| {
            let counted = duels.under_daily_cap(e.member.id);
            RoomSeat {
                info: SeatInfo {
                    member_id: Some(e.member.id),
                    nickname: e.member.nickname.clone(),
                    district: e.member.district.clone(),
                    glicko: e.glicko.unwrap_or(NEW_PLAYER),
                    is_bot: false,
                    rank: None,
                    team: None,
                },
                glicko: e.glicko.unwrap_or(NEW_PLAYER),
                counted,
                rated: counted && !game.vs_bot && e.glicko.is_some(),
                season_id: None,
                outbox: Some(e.outbox.clone()),
                conn: e.conn,
            }
        })
        .collect();
    if game.vs_bot {
        // The bot plays at the member's own level and says what it is.
        let glicko = seats[0].glicko;
        seats.push(RoomSeat {
            info: SeatInfo {
                member_id: None,
                nickname: BOT_NAMES[rng.random_range(0..BOT_NAMES.len())].into(),
                district: "机器人".into(),
                glicko,
                is_bot: true,
                rank: None,
                team: None,
            },
            glicko,
            counted: false,
            rated: false,
            season_id: None,
            outbox: None,
            conn: 0,
        });
    } else {
        // Seat order is random: nobody is always on the left.
        if rng.random_bool(0.5) {
            seats.reverse();
        }
    }
    let orders = selection::seat_option_orders(seats.len(), &questions, &mut rng);
    let rules = ContestRules {
        relaxed: game.relaxed,
        countdown: duels.config.countdown,
        reveal_pause: duels.config.reveal_pause,
        grace: duels.config.grace,
        min_players: 2,
        ..ContestRules::default()
    };
    let contest = Contest::new(questions, orders, rules, Instant::now().into_std())
        .expect("a duel of bank questions is a valid contest");
    RoomSetup {
        id: duels.ids.next(),
        mode: super::room::MatchMode::Duel,
        contest,
        seats,
        relaxed: game.relaxed,
        battle: None,
    }
}
