//! Duel PK (双人PK): the queue, friend rooms, bots, rematches and the
//! registry of running matches (ladder races, [`crate::rooms::ladder`],
//! are registered here too). Each match runs in its own task
//! ([`room`]); this module decides who plays whom and routes players'
//! commands to their match.

mod lobby;
pub mod room;
pub mod views;

pub use self::lobby::Entrant;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use self::lobby::Lobby;
use self::room::{MatchCmd, not_in_match};
use super::loader::BatchLoader;
use super::ratings::QuestionRatings;
use super::solo::refusal;
use super::wall_ms;
use crate::bank::SharedBank;
use crate::domain::bot::AnswerStats;
use crate::domain::glicko::{Glicko, NEW_PLAYER};
use crate::rooms::district::{self, Battles, DistrictConfig};
use crate::rooms::ladder::queue::RaceEntrant;
use crate::rooms::ladder::{self, Ladder, LadderConfig};
use crate::store::battles::BattleStore;
use crate::store::competitions::CompetitionStore;
use crate::store::ladder::LadderStore;
use crate::store::leaderboard::Period;
use crate::store::writer::WriteQueue;
use crate::store::{DuelRating, MatchStore, Member, MemberStore, WriteOp};
use crate::ws::protocol::{ActiveMatchView, ClientMsg, ErrorCode, Refusal, ServerMsg};

/// Messages a connection's outbox holds; a match that finds it full treats
/// the player as gone until they resume.
pub const OUTBOX_CAPACITY: usize = 64;
/// How long preparing a player may wait on the database before going on
/// without (the match is then not rated for them).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// What a match or the lobby hands a connection.
#[derive(Debug)]
pub enum Outbound {
    /// A message, already serialized (once for everyone who gets it).
    Text(Utf8Bytes),
    /// This connection now holds `seat` in the match.
    Attached(MatchLink, usize),
}

pub type OutboxTx = mpsc::Sender<Outbound>;

/// A handle on a running match.
#[derive(Debug, Clone)]
pub struct MatchLink {
    pub match_id: i64,
    pub mode: room::MatchMode,
    cmds: mpsc::Sender<MatchCmd>,
    /// Set when the match is over (its task may linger for late readers).
    over: Arc<AtomicBool>,
}

impl MatchLink {
    fn new(match_id: i64, mode: room::MatchMode, cmds: mpsc::Sender<MatchCmd>) -> MatchLink {
        MatchLink {
            match_id,
            mode,
            cmds,
            over: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn is_over(&self) -> bool {
        self.over.load(Ordering::Relaxed)
    }

    fn send(&self, cmd: MatchCmd, seq: Option<u32>) -> Result<(), Refusal> {
        self.cmds.try_send(cmd).map_err(|e| match e {
            TrySendError::Full(_) => refusal(ErrorCode::Unavailable, seq),
            TrySendError::Closed(_) => refusal(ErrorCode::MatchOver, seq),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuelConfig {
    pub questions: usize,
    /// Waiting this long in the queue gets a bot offered.
    pub bot_after: Duration,
    pub grace: Duration,
    pub countdown: Duration,
    pub reveal_pause: Duration,
    /// Counted duels per member per day (Beijing time); `None`: unlimited.
    pub daily_cap: Option<u32>,
    pub room_ttl: Duration,
    pub rematch_ttl: Duration,
    /// Scales bots' answer times: 1.0 plays like members do; tests and
    /// demos speed bots up.
    pub bot_pace: f64,
}

impl Default for DuelConfig {
    fn default() -> Self {
        DuelConfig {
            questions: 5,
            bot_after: Duration::from_secs(10),
            grace: Duration::from_secs(30),
            countdown: Duration::from_secs(3),
            reveal_pause: Duration::from_secs(3),
            daily_cap: None,
            room_ttl: Duration::from_secs(10 * 60),
            rematch_ttl: Duration::from_secs(60),
            bot_pace: 1.0,
        }
    }
}

/// How members really do on each question, for bots. Loaded at start and
/// kept current from the answers this server sees.
#[derive(Default)]
pub struct QuestionStats {
    stats: Mutex<HashMap<String, AnswerStats>>,
}

impl QuestionStats {
    pub fn new(known: HashMap<String, AnswerStats>) -> QuestionStats {
        QuestionStats {
            stats: Mutex::new(known),
        }
    }

    pub fn get(&self, question_id: &str) -> AnswerStats {
        let stats = self.stats.lock().expect("stats lock poisoned");
        stats.get(question_id).copied().unwrap_or_default()
    }

    pub fn observe(&self, question_id: &str, correct: bool, time: Duration) {
        let mut stats = self.stats.lock().expect("stats lock poisoned");
        let s = stats.entry(question_id.to_owned()).or_default();
        s.attempts += 1;
        s.correct += i64::from(correct);
        s.answer_ms_total += time.as_millis() as i64;
    }
}

/// Duel ratings of members seen since start; the database has the rest.
#[derive(Default)]
pub struct DuelRatings {
    known: Mutex<HashMap<i64, Glicko>>,
}

impl DuelRatings {
    fn get(&self, member_id: i64) -> Option<Glicko> {
        self.known
            .lock()
            .expect("ratings lock poisoned")
            .get(&member_id)
            .copied()
    }

    pub fn update(&self, member_id: i64, glicko: Glicko) {
        self.known
            .lock()
            .expect("ratings lock poisoned")
            .insert(member_id, glicko);
    }
}

/// The match runtime shared by every connection: duels, and the ladder
/// races that run in the same match tasks.
pub struct Duels {
    pub config: DuelConfig,
    pub bank: Arc<SharedBank>,
    pub question_ratings: Arc<QuestionRatings>,
    pub stats: QuestionStats,
    pub ratings: DuelRatings,
    /// Duel ratings not yet cached, read for a crowd at once.
    rating_loader: BatchLoader<i64, DuelRating>,
    store: Arc<dyn MatchStore>,
    queue: WriteQueue,
    pub(crate) ids: Arc<super::IdMint>,
    /// 争上游 races: seasons, ranks and their queue. They run in the same
    /// match tasks as duels.
    pub ladder: Ladder,
    /// District battles: competitions' queues and counted battles.
    pub battles: Battles,
    competitions: Arc<dyn CompetitionStore>,
    battle_store: Arc<dyn BattleStore>,
    /// Members as stored: a battle goes by the member's district now, not
    /// the one their connection started with.
    members: Arc<dyn MemberStore>,
    /// Each member's seat in a running (or just finished) match.
    arena: Mutex<HashMap<i64, (MatchLink, usize)>>,
    /// Each member's newest connection, to reach them from the lobby.
    presence: Mutex<HashMap<i64, (u64, OutboxTx)>>,
    /// Counted matches per member on one Beijing day: (day start, count).
    daily: Mutex<HashMap<i64, (i64, u32)>>,
    lobby: Mutex<Lobby>,
    next_conn: AtomicU64,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

/// Everything a new `Duels` needs.
pub struct DuelDeps {
    pub config: DuelConfig,
    pub bank: Arc<SharedBank>,
    pub question_ratings: Arc<QuestionRatings>,
    pub stats: QuestionStats,
    pub store: Arc<dyn MatchStore>,
    pub queue: WriteQueue,
    pub ids: Arc<super::IdMint>,
    pub ladder: LadderConfig,
    pub ladder_store: Arc<dyn LadderStore>,
    pub district: DistrictConfig,
    pub competitions: Arc<dyn CompetitionStore>,
    pub battle_store: Arc<dyn BattleStore>,
    pub members: Arc<dyn MemberStore>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

/// One websocket's side of duel play.
pub struct DuelConn {
    pub member: Member,
    pub id: u64,
    pub outbox: OutboxTx,
    /// The match this connection holds a seat in.
    pub link: Option<(MatchLink, usize)>,
}

impl Duels {
    pub fn new(deps: DuelDeps) -> Arc<Duels> {
        let duels = Arc::new(Duels {
            lobby: Mutex::new(Lobby::new(deps.config)),
            config: deps.config,
            bank: deps.bank,
            question_ratings: deps.question_ratings,
            stats: deps.stats,
            ratings: DuelRatings::default(),
            rating_loader: {
                let store = deps.store.clone();
                BatchLoader::spawn(
                    Box::new(move |ids: Vec<i64>| {
                        let store = store.clone();
                        Box::pin(async move { store.duel_ratings_of(&ids).await })
                    }),
                    deps.shutdown.clone(),
                )
            },
            store: deps.store,
            queue: deps.queue,
            ids: deps.ids,
            ladder: Ladder::new(deps.ladder, deps.ladder_store, deps.shutdown.clone()),
            battles: Battles::new(deps.district),
            competitions: deps.competitions,
            battle_store: deps.battle_store,
            members: deps.members,
            arena: Mutex::default(),
            presence: Mutex::default(),
            daily: Mutex::default(),
            next_conn: AtomicU64::new(1),
            shutdown: deps.shutdown,
            tracker: deps.tracker,
        });
        let ticker = duels.clone();
        duels.tracker.spawn(async move { ticker.run_lobby().await });
        duels
    }

    /// A connection opens: it gets an id and an outbox.
    pub fn connect(&self, member: Member) -> (DuelConn, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.presence
            .lock()
            .expect("presence lock poisoned")
            .insert(member.id, (id, tx.clone()));
        (
            DuelConn {
                member,
                id,
                outbox: tx,
                link: None,
            },
            rx,
        )
    }

    /// The connection is gone: it leaves the queue and its room, and its
    /// match starts the grace period.
    pub fn disconnect(&self, conn: &DuelConn) {
        {
            let mut presence = self.presence.lock().expect("presence lock poisoned");
            if presence
                .get(&conn.member.id)
                .is_some_and(|(id, _)| *id == conn.id)
            {
                presence.remove(&conn.member.id);
            }
        }
        let notices = self
            .lobby
            .lock()
            .expect("lobby lock poisoned")
            .connection_closed(conn.member.id, conn.id);
        self.ladder
            .queue()
            .connection_closed(conn.member.id, conn.id);
        self.battles.connection_closed(conn.member.id, conn.id);
        for (member, msg) in notices {
            self.send_to(member, room::to_text(&msg));
        }
        if let Some((link, seat)) = &conn.link {
            let _ = link.cmds.try_send(MatchCmd::Detach {
                seat: *seat,
                conn: conn.id,
            });
        }
    }

    /// The running match a member still has a seat in, for `hello`. A
    /// finished match lingers for late readers but is not announced.
    pub fn active_match(&self, member_id: i64) -> Option<ActiveMatchView> {
        let arena = self.arena.lock().expect("arena lock poisoned");
        arena
            .get(&member_id)
            .filter(|(link, _)| !link.is_over())
            .map(|(link, _)| ActiveMatchView {
                match_id: link.match_id.to_string(),
                mode: link.mode.as_str().into(),
            })
    }

    /// Whether the member is queued, has a room open or plays a match.
    pub fn is_busy(&self, member_id: i64) -> bool {
        self.in_live_match(member_id)
            || self
                .lobby
                .lock()
                .expect("lobby lock poisoned")
                .is_waiting(member_id)
            || self.ladder.queue().is_waiting(member_id)
            || self.battles.is_waiting(member_id)
    }

    fn in_live_match(&self, member_id: i64) -> bool {
        let arena = self.arena.lock().expect("arena lock poisoned");
        arena
            .get(&member_id)
            .is_some_and(|(link, _)| !link.is_over())
    }

    /// Handles a duel message from `conn`; replies come back at once,
    /// match events later through the outbox.
    pub async fn handle(
        self: &Arc<Self>,
        conn: &mut DuelConn,
        msg: ClientMsg,
        at: Instant,
        allowance: Duration,
    ) -> Vec<ServerMsg> {
        let result = match msg {
            ClientMsg::DuelQueue { relaxed } => self.queue_up(conn, relaxed).await,
            ClientMsg::DuelCancel => self.lobby().cancel(conn.member.id),
            ClientMsg::DuelAcceptBot => self.accept_bot(conn),
            ClientMsg::RoomCreate { relaxed } => self.create_room(conn, relaxed).await,
            ClientMsg::RoomJoin { code } => self.join_room(conn, &code).await,
            ClientMsg::Rematch { match_id } => self.rematch(conn, &match_id).await,
            ClientMsg::LadderQueue { relaxed } => self.ladder_queue_up(conn, relaxed).await,
            ClientMsg::LadderCancel => self
                .ladder
                .queue()
                .cancel(conn.member.id)
                .map(|msg| vec![msg]),
            ClientMsg::DistrictQueue { competition_id } => {
                self.battle_queue_up(conn, competition_id).await
            }
            ClientMsg::DistrictCancel => self.battles.cancel(conn.member.id).map(|msg| vec![msg]),
            ClientMsg::MatchResume {
                match_id,
                last_version,
            } => self.resume(conn, &match_id, last_version),
            ClientMsg::MatchAnswer {
                match_id,
                seq,
                choice,
            } => self.to_match(conn, &match_id, Some(seq), |seat| MatchCmd::Answer {
                seat,
                seq,
                choice,
                at,
                allowance,
            }),
            ClientMsg::MatchMediaReady { match_id, seq } => {
                self.to_match(conn, &match_id, Some(seq), |seat| MatchCmd::MediaReady {
                    seat,
                    seq,
                    at,
                })
            }
            ClientMsg::MatchLeave { match_id } => {
                self.to_match(conn, &match_id, None, |seat| MatchCmd::Leave { seat, at })
            }
            _ => Err(not_in_match(None)),
        };
        match result {
            Ok(msgs) => msgs,
            Err(refusal) => vec![refusal.into()],
        }
    }

    fn lobby(&self) -> std::sync::MutexGuard<'_, Lobby> {
        self.lobby.lock().expect("lobby lock poisoned")
    }

    fn to_match(
        &self,
        conn: &DuelConn,
        match_id: &str,
        seq: Option<u32>,
        cmd: impl FnOnce(usize) -> MatchCmd,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        let id: i64 = match_id.parse().map_err(|_| not_in_match(seq))?;
        match &conn.link {
            Some((link, seat)) if link.match_id == id => {
                link.send(cmd(*seat), seq)?;
                Ok(Vec::new())
            }
            _ => Err(not_in_match(seq)),
        }
    }

    fn resume(
        &self,
        conn: &mut DuelConn,
        match_id: &str,
        last_version: u64,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        let id: i64 = match_id.parse().map_err(|_| not_in_match(None))?;
        let found = self
            .arena
            .lock()
            .expect("arena lock poisoned")
            .get(&conn.member.id)
            .filter(|(link, _)| link.match_id == id)
            .cloned();
        let (link, seat) = found.ok_or_else(|| not_in_match(None))?;
        link.send(
            MatchCmd::Attach {
                seat,
                conn: conn.id,
                outbox: conn.outbox.clone(),
                last_version,
            },
            None,
        )?;
        conn.link = Some((link, seat));
        Ok(Vec::new())
    }

    /// New matches wait while the answer queue is backed up (the database
    /// is slow or away): the matches already running keep recording, and
    /// nothing piles up without bound behind them.
    fn admit(&self) -> Result<(), Refusal> {
        if self.queue.is_backed_up() {
            metrics::counter!("dati_matches_refused_total").increment(1);
            return Err(Refusal {
                code: ErrorCode::Unavailable,
                message: "服务器繁忙，暂时不能开始新的对战，请稍后再试".into(),
                seq: None,
            });
        }
        Ok(())
    }

    async fn queue_up(
        self: &Arc<Self>,
        conn: &DuelConn,
        relaxed: bool,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        self.admit()?;
        if self.is_busy(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let entrant = self.prepare(conn).await;
        if self.in_live_match(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let rating = entrant.glicko.unwrap_or(NEW_PLAYER).rating.round() as i64;
        let ready = self.lobby().enqueue(entrant, relaxed, Instant::now())?;
        self.start_all(ready);
        Ok(vec![ServerMsg::Queued {
            rating,
            bot_after_ms: self.config.bot_after.as_millis() as u64,
        }])
    }

    async fn ladder_queue_up(
        self: &Arc<Self>,
        conn: &DuelConn,
        relaxed: bool,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        self.admit()?;
        if self.is_busy(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let member_id = conn.member.id;
        let unavailable = |e: crate::store::StoreError| {
            tracing::warn!("ladder rank unavailable: {e}");
            refusal(ErrorCode::Unavailable, None)
        };
        let season = self
            .ladder
            .current_season(wall_ms())
            .await
            .map_err(unavailable)?;
        let rank = self
            .ladder
            .rank(season.id, member_id)
            .await
            .map_err(unavailable)?;
        let glicko = self.ladder.rating(member_id).await;
        if self.in_live_match(member_id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let racer = RaceEntrant {
            entrant: lobby::Entrant {
                member: conn.member.clone(),
                conn: conn.id,
                outbox: conn.outbox.clone(),
                glicko,
            },
            season_id: season.id,
            rank,
        };
        let queued = room::to_text(&ServerMsg::LadderQueued {
            season: ladder::season_view(season),
            rank: ladder::rank_view(rank),
            wanted: crate::domain::ladder::MAX_RACE_PLAYERS as u8,
            small_race_after_ms: crate::domain::ladder::SMALL_RACE_AFTER.as_millis() as u64,
            bot_fill_after_ms: self.ladder.config.bot_fill_after.as_millis() as u64,
        });
        let races = {
            let mut queue = self.ladder.queue();
            let (races, notices) = queue.enqueue(racer, relaxed, Instant::now())?;
            // Under the queue's lock, so that the reply comes before any
            // notice another member's arrival sends this one, and notices
            // arrive in the order the queue changed.
            let _ = conn.outbox.try_send(Outbound::Text(queued));
            for (member, msg) in notices {
                self.send_to(member, room::to_text(&msg));
            }
            races
        };
        self.start_races(races);
        Ok(Vec::new())
    }

    async fn battle_queue_up(
        self: &Arc<Self>,
        conn: &DuelConn,
        competition_id: i64,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        self.admit()?;
        if self.is_busy(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let unavailable = |e: crate::store::StoreError| {
            tracing::warn!("competition unavailable: {e}");
            refusal(ErrorCode::Unavailable, None)
        };
        let found = tokio::time::timeout(
            LOOKUP_TIMEOUT,
            self.competitions.competition(competition_id),
        )
        .await
        .map_err(|_| refusal(ErrorCode::Unavailable, None))?
        .map_err(unavailable)?;
        let now_ms = wall_ms();
        let competition = found
            .filter(|c| c.competition.battles_open(now_ms))
            .ok_or_else(|| refusal(ErrorCode::CompetitionClosed, None))?
            .competition;
        // The member may have moved district since they connected.
        let member = tokio::time::timeout(LOOKUP_TIMEOUT, self.members.member(conn.member.id))
            .await
            .map_err(|_| refusal(ErrorCode::Unavailable, None))?
            .map_err(unavailable)?
            .unwrap_or_else(|| conn.member.clone());
        let district = member.district.clone();
        if !competition.rules.districts.contains(&district) {
            return Err(refusal(ErrorCode::NotInCompetition, None));
        }
        let known = tokio::time::timeout(
            LOOKUP_TIMEOUT,
            self.battle_store.counted_battles_since(
                competition_id,
                conn.member.id,
                Period::Day.start_ms(now_ms),
            ),
        )
        .await
        .map_err(|_| refusal(ErrorCode::Unavailable, None))?
        .map_err(unavailable)?;
        let today =
            self.battles
                .battles_today(competition_id, conn.member.id, now_ms, known.max(0) as u32);
        let counted = crate::domain::district::counts(competition.rules.daily_battles, today);
        if self.in_live_match(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let queued = room::to_text(&ServerMsg::DistrictQueued {
            competition_id,
            district: district.clone(),
            team_size: competition.rules.team_size,
            uneven_after_ms: self.battles.config.uneven_after.as_millis() as u64,
            counted,
            battles_today: today,
            daily_battles: competition.rules.daily_battles,
        });
        let entrant = lobby::Entrant {
            member,
            conn: conn.id,
            outbox: conn.outbox.clone(),
            glicko: None,
        };
        let closes_at_ms = competition.effective_end_ms();
        let (battles, notices) = self.battles.enqueue(
            competition_id,
            competition.rules,
            closes_at_ms,
            entrant,
            district,
            counted,
            Instant::now(),
            // Under the queue's lock: the reply comes before any notice
            // another member's arrival sends this one.
            || {
                let _ = conn.outbox.try_send(Outbound::Text(queued));
            },
        )?;
        for (member, msg) in notices {
            self.send_to(member, room::to_text(&msg));
        }
        self.start_battles(battles);
        Ok(Vec::new())
    }

    fn accept_bot(self: &Arc<Self>, conn: &DuelConn) -> Result<Vec<ServerMsg>, Refusal> {
        self.admit()?;
        let game = self.lobby().take_bot_offer(conn.member.id)?;
        self.start_all(vec![game]);
        Ok(Vec::new())
    }

    async fn create_room(
        self: &Arc<Self>,
        conn: &DuelConn,
        relaxed: bool,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        self.admit()?;
        if self.is_busy(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let entrant = self.prepare(conn).await;
        let code = self
            .lobby()
            .open_room(entrant, relaxed, Instant::now(), &mut rand::rng())?;
        Ok(vec![ServerMsg::RoomCreated {
            path: format!("/#/room/{code}"),
            code,
            expires_in_ms: self.config.room_ttl.as_millis() as u64,
        }])
    }

    async fn join_room(
        self: &Arc<Self>,
        conn: &DuelConn,
        code: &str,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        self.admit()?;
        let code = code.trim().to_ascii_uppercase();
        self.lobby()
            .check_room(&code, conn.member.id, Instant::now())?;
        if self.is_busy(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let entrant = self.prepare(conn).await;
        let game = self.lobby().join_room(&code, entrant, Instant::now())?;
        self.start_all(vec![game]);
        Ok(Vec::new())
    }

    async fn rematch(
        self: &Arc<Self>,
        conn: &DuelConn,
        match_id: &str,
    ) -> Result<Vec<ServerMsg>, Refusal> {
        let id: i64 = match_id
            .parse()
            .map_err(|_| refusal(ErrorCode::RematchUnavailable, None))?;
        self.admit()?;
        if self.in_live_match(conn.member.id) || self.lobby().is_waiting(conn.member.id) {
            return Err(refusal(ErrorCode::AlreadyQueued, None));
        }
        let entrant = self.prepare(conn).await;
        let step = self.lobby().rematch(id, entrant, Instant::now())?;
        match step {
            lobby::RematchStep::Start(game) => self.start_all(vec![game]),
            lobby::RematchStep::Offer { to } => {
                let text = room::to_text(&ServerMsg::RematchOffered {
                    match_id: match_id.to_owned(),
                });
                for member in to {
                    self.send_to(member, text.clone());
                }
            }
        }
        Ok(Vec::new())
    }

    /// Sends to a member's newest connection, if they have one.
    fn send_to(&self, member_id: i64, text: Utf8Bytes) {
        let outbox = self
            .presence
            .lock()
            .expect("presence lock poisoned")
            .get(&member_id)
            .map(|(_, tx)| tx.clone());
        if let Some(tx) = outbox {
            let _ = tx.try_send(Outbound::Text(text));
        }
    }

    /// Loads what pairing and rating need: the duel rating and the
    /// member's counted matches today.
    async fn prepare(&self, conn: &DuelConn) -> lobby::Entrant {
        let member_id = conn.member.id;
        let glicko = match self.ratings.get(member_id) {
            Some(g) => Some(g),
            None => {
                match tokio::time::timeout(LOOKUP_TIMEOUT, self.rating_loader.load(member_id)).await
                {
                    Ok(Ok(found)) => {
                        let g = found.map_or(NEW_PLAYER, |r| Glicko {
                            rating: r.rating,
                            deviation: r.deviation,
                            volatility: r.volatility,
                        });
                        self.ratings.update(member_id, g);
                        Some(g)
                    }
                    Ok(Err(e)) => {
                        tracing::warn!("duel rating unavailable, playing unrated: {e}");
                        None
                    }
                    Err(_) => {
                        tracing::warn!("duel rating lookup timed out, playing unrated");
                        None
                    }
                }
            }
        };
        if self.config.daily_cap.is_some() {
            self.load_daily_count(member_id).await;
        }
        lobby::Entrant {
            member: conn.member.clone(),
            conn: conn.id,
            outbox: conn.outbox.clone(),
            glicko,
        }
    }

    async fn load_daily_count(&self, member_id: i64) {
        let today = Period::Day.start_ms(wall_ms());
        let known = self
            .daily
            .lock()
            .expect("daily lock poisoned")
            .get(&member_id)
            .is_some_and(|(day, _)| *day == today);
        if known {
            return;
        }
        let count = match tokio::time::timeout(
            LOOKUP_TIMEOUT,
            self.store.counted_matches_since(member_id, "duel", today),
        )
        .await
        {
            Ok(Ok(n)) => n.max(0) as u32,
            _ => {
                tracing::warn!("daily duel count unavailable; counting from zero");
                0
            }
        };
        let mut daily = self.daily.lock().expect("daily lock poisoned");
        let entry = daily.entry(member_id).or_insert((today, count));
        if entry.0 != today {
            *entry = (today, count);
        }
    }

    /// Whether a match starting now counts for the member.
    fn under_daily_cap(&self, member_id: i64) -> bool {
        let Some(cap) = self.config.daily_cap else {
            return true;
        };
        let today = Period::Day.start_ms(wall_ms());
        let daily = self.daily.lock().expect("daily lock poisoned");
        match daily.get(&member_id) {
            Some((day, n)) if *day == today => *n < cap,
            _ => true,
        }
    }

    fn count_match(&self, member_id: i64, at_ms: i64) {
        if self.config.daily_cap.is_none() {
            return;
        }
        let today = Period::Day.start_ms(at_ms);
        let mut daily = self.daily.lock().expect("daily lock poisoned");
        let entry = daily.entry(member_id).or_insert((today, 0));
        if entry.0 != today {
            *entry = (today, 0);
        }
        entry.1 += 1;
    }

    fn record(&self, op: WriteOp) {
        self.queue.push_now(op);
    }

    fn offer_rematch(&self, match_id: i64, members: Vec<Option<i64>>, relaxed: bool) {
        self.lobby()
            .offer_rematch(match_id, members, relaxed, Instant::now());
    }

    fn unregister(&self, link: &MatchLink, members: Vec<i64>) {
        let mut arena = self.arena.lock().expect("arena lock poisoned");
        for m in members {
            if arena
                .get(&m)
                .is_some_and(|(l, _)| l.match_id == link.match_id)
            {
                arena.remove(&m);
            }
        }
    }

    /// Starts the matches the lobby formed.
    fn start_all(self: &Arc<Self>, games: Vec<lobby::Game>) {
        for game in games {
            let setup = lobby::setup(self, game);
            self.launch(setup);
        }
    }

    /// Starts the races the ladder queue formed.
    fn start_races(self: &Arc<Self>, races: Vec<ladder::queue::Race>) {
        for race in races {
            let setup = ladder::setup(self, race);
            self.launch(setup);
        }
    }

    /// An organizer closed a competition early: its queue ends now.
    pub fn close_competition(&self, competition_id: i64) {
        for (member, msg) in self.battles.close_competition(competition_id) {
            self.send_to(member, room::to_text(&msg));
        }
    }

    /// Starts the battles the competitions' queues formed.
    fn start_battles(self: &Arc<Self>, battles: Vec<district::FormedBattle>) {
        for battle in battles {
            let members = battle.members();
            match district::setup(self, battle) {
                Some(setup) => self.launch(setup),
                None => {
                    tracing::warn!("a battle found no questions left in the bank");
                    let text =
                        room::to_text(&ServerMsg::from(refusal(ErrorCode::NoQuestions, None)));
                    for member in members {
                        self.send_to(member, text.clone());
                    }
                }
            }
        }
    }

    fn launch(self: &Arc<Self>, setup: room::RoomSetup) {
        let (id, mode) = (setup.id, setup.mode);
        let seats: Vec<(i64, usize)> = setup
            .seats
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.info.member_id.map(|m| (m, i)))
            .collect();
        let link = room::spawn(self.clone(), setup);
        let mut arena = self.arena.lock().expect("arena lock poisoned");
        for &(member, seat) in &seats {
            arena.insert(member, (link.clone(), seat));
        }
        metrics::counter!("dati_matches_started_total", "mode" => mode.as_str()).increment(1);
        tracing::debug!(match_id = id, ?seats, mode = mode.as_str(), "match started");
    }

    /// Pairs the queue, offers bots and expires rooms and rematch offers,
    /// a few times a second, until shutdown.
    async fn run_lobby(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            // Those already waiting stay queued, unpaired, until the answer
            // queue drains (see `admit`).
            if self.queue.is_backed_up() {
                continue;
            }
            let now = Instant::now();
            let (games, notices) = self.lobby().tick(now);
            self.start_all(games);
            for (member, msg) in notices {
                self.send_to(member, room::to_text(&msg));
            }
            let races = {
                let mut queue = self.ladder.queue();
                let (races, notices) = queue.tick(now);
                for (member, msg) in notices {
                    self.send_to(member, room::to_text(&msg));
                }
                races
            };
            self.start_races(races);
            let (battles, notices) = self.battles.tick(now, wall_ms());
            for (member, msg) in notices {
                self.send_to(member, room::to_text(&msg));
            }
            self.start_battles(battles);
        }
    }
}
