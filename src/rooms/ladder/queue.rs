//! Who is waiting for a ladder race. Plain data behind one mutex; every
//! method is quick and never awaits. Races it forms come back as [`Race`]s
//! for the caller to start.

use std::time::Duration;

use tokio::time::Instant;

use crate::domain::glicko::NEW_PLAYER;
use crate::domain::ladder::{self, MAX_RACE_PLAYERS, RaceSeeker, Rank};
use crate::rooms::duel::Entrant;
use crate::rooms::solo::refusal;
use crate::ws::protocol::{ErrorCode, Refusal, ServerMsg};

/// A member waiting for a race, with what pairing needs.
#[derive(Clone)]
pub struct RaceEntrant {
    pub entrant: Entrant,
    pub season_id: i64,
    pub rank: Rank,
}

/// A race the queue formed: its members, and how many bots fill it.
pub struct Race {
    pub entrants: Vec<RaceEntrant>,
    pub bots: usize,
    pub relaxed: bool,
}

struct Waiting {
    racer: RaceEntrant,
    ticket: u64,
    since: Instant,
    relaxed: bool,
    /// The "found so far" count last sent.
    found: usize,
}

pub struct RaceQueue {
    bot_fill_after: Duration,
    waiting: Vec<Waiting>,
    next_ticket: u64,
}

/// Messages for members, to send after the lock is released.
pub type Notices = Vec<(i64, ServerMsg)>;

impl RaceQueue {
    pub fn new(bot_fill_after: Duration) -> RaceQueue {
        RaceQueue {
            bot_fill_after,
            waiting: Vec::new(),
            next_ticket: 1,
        }
    }

    pub fn is_waiting(&self, member_id: i64) -> bool {
        self.waiting
            .iter()
            .any(|w| w.racer.entrant.member.id == member_id)
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Adds a member and forms whatever races are ready now.
    pub fn enqueue(
        &mut self,
        racer: RaceEntrant,
        relaxed: bool,
        now: Instant,
    ) -> Result<(Vec<Race>, Notices), Refusal> {
        if self.is_waiting(racer.entrant.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        self.waiting.push(Waiting {
            racer,
            ticket: self.next_ticket,
            since: now,
            relaxed,
            found: 0,
        });
        self.next_ticket += 1;
        Ok(self.tick(now))
    }

    pub fn cancel(&mut self, member_id: i64) -> Result<ServerMsg, Refusal> {
        let before = self.waiting.len();
        self.waiting
            .retain(|w| w.racer.entrant.member.id != member_id);
        if self.waiting.len() == before {
            return Err(refusal(ErrorCode::NotQueued, None));
        }
        Ok(ServerMsg::LadderCancelled)
    }

    /// The connection that queued is gone: so is its entry.
    pub fn connection_closed(&mut self, member_id: i64, conn: u64) {
        self.waiting
            .retain(|w| !(w.racer.entrant.member.id == member_id && w.racer.entrant.conn == conn));
    }

    /// Forms races (full ones at once, smaller ones after a wait, bots for
    /// whoever has waited [`RaceQueue::bot_fill_after`] alone) and tells
    /// those still waiting how many players they have found.
    pub fn tick(&mut self, now: Instant) -> (Vec<Race>, Notices) {
        let seekers = self.seekers();
        let groups = ladder::form_races(&seekers, now.into_std(), MAX_RACE_PLAYERS);
        let mut taken = vec![false; self.waiting.len()];
        let mut races = Vec::new();
        for group in groups {
            for &i in &group {
                taken[i] = true;
            }
            races.push(Race {
                relaxed: self.waiting[group[0]].relaxed,
                entrants: group
                    .iter()
                    .map(|&i| self.waiting[i].racer.clone())
                    .collect(),
                bots: 0,
            });
        }
        for (i, w) in self.waiting.iter().enumerate() {
            if !taken[i] && now.saturating_duration_since(w.since) >= self.bot_fill_after {
                taken[i] = true;
                races.push(Race {
                    entrants: vec![w.racer.clone()],
                    bots: MAX_RACE_PLAYERS - 1,
                    relaxed: w.relaxed,
                });
            }
        }
        let mut i = 0;
        self.waiting.retain(|_| {
            i += 1;
            !taken[i - 1]
        });
        (races, self.found_notices(now))
    }

    fn seekers(&self) -> Vec<RaceSeeker> {
        self.waiting
            .iter()
            .map(|w| RaceSeeker {
                ticket: w.ticket,
                member_id: w.racer.entrant.member.id,
                rank: w.racer.rank,
                rating: w.racer.entrant.glicko.unwrap_or(NEW_PLAYER).rating,
                since: w.since.into_std(),
                relaxed: w.relaxed,
            })
            .collect()
    }

    fn found_notices(&mut self, now: Instant) -> Notices {
        let seekers = self.seekers();
        let counts = ladder::found_counts(&seekers, now.into_std(), MAX_RACE_PLAYERS);
        let mut notices = Vec::new();
        for (w, found) in self.waiting.iter_mut().zip(counts) {
            if w.found != found {
                w.found = found;
                notices.push((
                    w.racer.entrant.member.id,
                    ServerMsg::LadderSearching {
                        found: found as u8,
                        wanted: MAX_RACE_PLAYERS as u8,
                        waited_ms: now.saturating_duration_since(w.since).as_millis() as u64,
                    },
                ));
            }
        }
        notices
    }
}
