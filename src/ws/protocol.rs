//! The websocket protocol: JSON text frames, one enum per direction.
//!
//! Every message is an object whose `type` names the variant (snake_case).
//! `docs/protocol.md` documents each message with examples; keep the two in
//! step. The server is the clock: question messages never carry the answer,
//! and answer times are measured on the server.

use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u32 = 1;

/// Messages a client sends.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// Start a solo set: practice, challenge or notebook review.
    Start {
        mode: SetMode,
        /// party | prc | reform | socialism; absent or "mixed" for all four.
        #[serde(default)]
        history: Option<String>,
        /// 5, 10 or 20 for practice and review; ignored by challenge.
        #[serde(default)]
        size: Option<u32>,
        /// 1–5 to keep to one difficulty; absent for any.
        #[serde(default)]
        difficulty: Option<u8>,
        /// Relaxed scoring: no speed component.
        #[serde(default)]
        relaxed: bool,
    },
    /// The media of question `seq` has loaded; its clock starts now.
    MediaReady { seq: u32 },
    /// Answer question `seq` with shown option positions (0-based, in the
    /// order the `question` message listed them).
    Answer { seq: u32, choice: Vec<u8> },
    /// Show the next question after a result.
    Next,
    /// Take the challenge's one revive after a miss.
    Revive,
    /// End the set now; a summary follows.
    Finish,
    /// Join the duel queue (双人PK): paired by rating with another member.
    DuelQueue {
        /// Relaxed scoring: no speed component. Only meets relaxed players.
        #[serde(default)]
        relaxed: bool,
    },
    /// Leave the duel queue, or close the friend room this player opened.
    DuelCancel,
    /// Take the bot match offered by `bot_offered`.
    DuelAcceptBot,
    /// Open a friend room; its code is valid for 10 minutes.
    RoomCreate {
        #[serde(default)]
        relaxed: bool,
    },
    /// Join a friend's room by its 6-character code.
    RoomJoin { code: String },
    /// Come back to a running match after a dropped connection.
    MatchResume {
        match_id: String,
        /// The highest event `version` this client has seen; 0 for none.
        last_version: u64,
    },
    /// The media of question `seq` of the match has loaded.
    MatchMediaReady { match_id: String, seq: u32 },
    /// Answer question `seq` of the match, with shown option positions.
    MatchAnswer {
        match_id: String,
        seq: u32,
        choice: Vec<u8>,
    },
    /// Leave a match: an abort before anyone has answered, a forfeit after.
    MatchLeave { match_id: String },
    /// Offer (or accept) a rematch after a match is over.
    Rematch { match_id: String },
    /// Join the 争上游 ladder queue: a race of up to four players of a
    /// similar tier; bots fill the empty seats after a wait.
    LadderQueue {
        /// Relaxed scoring: no speed component. Only meets relaxed players.
        #[serde(default)]
        relaxed: bool,
    },
    /// Leave the ladder queue.
    LadderCancel,
    /// Join a running district competition's queue (区域PK): a battle of
    /// the member's district against another one.
    DistrictQueue { competition_id: i64 },
    /// Leave the district queue.
    DistrictCancel,
    /// Keep-alive; the server answers `pong`.
    Ping {
        /// Echoed back, for the client's own round-trip measurement.
        #[serde(default)]
        nonce: Option<u64>,
    },
}

impl ClientMsg {
    /// The `type` tags this enum accepts, to tell an unknown type from a
    /// malformed known one.
    pub const TYPES: [&'static str; 21] = [
        "start",
        "media_ready",
        "answer",
        "next",
        "revive",
        "finish",
        "duel_queue",
        "duel_cancel",
        "duel_accept_bot",
        "room_create",
        "room_join",
        "match_resume",
        "match_media_ready",
        "match_answer",
        "match_leave",
        "rematch",
        "ladder_queue",
        "ladder_cancel",
        "district_queue",
        "district_cancel",
        "ping",
    ];
}

impl ClientMsg {
    /// Messages for the duel runtime rather than solo play.
    pub fn is_duel(&self) -> bool {
        matches!(
            self,
            ClientMsg::DuelQueue { .. }
                | ClientMsg::DuelCancel
                | ClientMsg::DuelAcceptBot
                | ClientMsg::RoomCreate { .. }
                | ClientMsg::RoomJoin { .. }
                | ClientMsg::MatchResume { .. }
                | ClientMsg::MatchMediaReady { .. }
                | ClientMsg::MatchAnswer { .. }
                | ClientMsg::MatchLeave { .. }
                | ClientMsg::Rematch { .. }
                | ClientMsg::LadderQueue { .. }
                | ClientMsg::LadderCancel
                | ClientMsg::DistrictQueue { .. }
                | ClientMsg::DistrictCancel
        )
    }

    /// Messages that would put the player into a new match.
    pub fn starts_duel(&self) -> bool {
        matches!(
            self,
            ClientMsg::DuelQueue { .. }
                | ClientMsg::RoomCreate { .. }
                | ClientMsg::RoomJoin { .. }
                | ClientMsg::Rematch { .. }
                | ClientMsg::LadderQueue { .. }
                | ClientMsg::DistrictQueue { .. }
        )
    }
}

/// The wire name of the domain's set kind: `practice`, `challenge`, `review`.
pub use crate::domain::practice::SetKind as SetMode;

/// Messages the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First message on every connection.
    Hello {
        protocol: u32,
        member: MemberView,
        server_time_ms: i64,
        /// A match this member is still seated in (after a dropped
        /// connection): send `match_resume` to rejoin it.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        active_match: Option<ActiveMatchView>,
    },
    /// A set has started.
    SetStarted {
        set_id: String,
        mode: SetMode,
        history: Option<String>,
        difficulty: Option<u8>,
        relaxed: bool,
        /// Questions in the set; for a challenge, the most it can last.
        total: u32,
    },
    /// A question. Never carries its answer.
    Question {
        seq: u32,
        total: u32,
        question: QuestionView,
        /// Whether the clock waits for `media_ready` (media questions).
        waits_for_media: bool,
        /// Time left to answer, in ms, from when this message was sent;
        /// for a media question, from when the client sends `media_ready`.
        time_limit_ms: u64,
    },
    /// Reply to `media_ready`: the clock is running.
    ClockStarted { seq: u32, remaining_ms: u64 },
    /// The outcome of question `seq`, right after the answer or the deadline.
    Result(Box<ResultView>),
    /// The set is over.
    Summary(SummaryView),
    /// In the duel queue; waiting for an opponent.
    Queued {
        /// The duel rating the queue pairs by.
        rating: i64,
        /// After this long without an opponent, a bot is offered.
        bot_after_ms: u64,
    },
    /// Nobody suitable yet: `duel_accept_bot` plays a labelled bot.
    BotOffered { waited_ms: u64 },
    /// Left the queue or closed the room (after `duel_cancel`).
    DuelCancelled,
    /// A friend room is open; share the code or the link.
    RoomCreated {
        code: String,
        /// Path of the join link on this server, e.g. `/#/room/K7M2QX`.
        path: String,
        expires_in_ms: u64,
    },
    /// The room's code expired unused.
    RoomExpired { code: String },
    /// The opponent of a finished match asks for a rematch.
    RematchOffered { match_id: String },
    /// A rematch cannot happen (the opponent left, or the offer expired).
    RematchUnavailable { match_id: String },
    /// In the ladder queue (reply to `ladder_queue`).
    LadderQueued {
        season: SeasonView,
        /// The member's rank this season (a new season's first race starts
        /// from the soft reset).
        rank: RankView,
        /// Seats in a full race.
        wanted: u8,
        /// After this long, a race of 2–3 players may start.
        small_race_after_ms: u64,
        /// After this long alone, bots fill the empty seats.
        bot_fill_after_ms: u64,
    },
    /// How many players (this one included) a race could start with now;
    /// sent when the number changes.
    LadderSearching {
        found: u8,
        wanted: u8,
        waited_ms: u64,
    },
    /// Left the ladder queue (after `ladder_cancel`).
    LadderCancelled,
    /// In a district competition's queue (reply to `district_queue`).
    DistrictQueued {
        competition_id: i64,
        district: String,
        /// Members per side in a full battle.
        team_size: u32,
        /// After this long, smaller or uneven teams may battle.
        uneven_after_ms: u64,
        /// Whether this battle will count for the member (within the
        /// daily cap).
        counted: bool,
        /// Counted battles today (Beijing time), and the cap.
        battles_today: u32,
        daily_battles: u32,
    },
    /// Who is waiting now: members of my district (me included) and of
    /// the other districts; sent when it changes.
    DistrictSearching {
        teammates: u32,
        opponents: u32,
        waited_ms: u64,
    },
    /// Left the district queue (after `district_cancel`).
    DistrictCancelled,
    /// Reply to `ping`.
    Pong {
        nonce: Option<u64>,
        server_time_ms: i64,
    },
    /// A request was refused; the connection stays open.
    Error {
        code: ErrorCode,
        message: String,
        /// The question the refused message named, when it named one.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        seq: Option<u32>,
    },
    /// A match event: every one carries the match id and a version.
    /// (Untagged here because `MatchBody` carries the `type` itself.)
    #[serde(untagged)]
    Match(MatchEvent),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub nickname: String,
    pub district: String,
    /// Practice rating, rounded.
    pub rating: i64,
}

impl From<&crate::store::Member> for MemberView {
    fn from(m: &crate::store::Member) -> MemberView {
        MemberView {
            id: m.id,
            nickname: m.nickname.clone(),
            district: m.district.clone(),
            rating: m.rating.round() as i64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: String,
    pub history: String,
    pub difficulty: u8,
    /// single | multiple | true_false
    pub kind: String,
    pub prompt: String,
    /// In the order shown to this player (shuffled per player).
    pub options: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub media: Option<MediaView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaView {
    /// image | audio | video
    pub kind: String,
    /// Path on this server, e.g. `/media/party-m01-timeline.svg`.
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    pub seq: u32,
    pub correct: bool,
    /// True when the time ran out before an answer.
    pub timed_out: bool,
    /// Shown positions the player chose (empty on a timeout).
    pub your_choice: Vec<u8>,
    /// Shown positions of the right options.
    pub correct_choice: Vec<u8>,
    pub explanation: String,
    pub source: String,
    /// Server-measured answer time.
    pub answer_ms: u64,
    pub base_points: u32,
    pub streak_bonus: u32,
    pub points: u32,
    pub streak: u32,
    pub total_points: u64,
    /// next | revive_offered | finished
    pub next: NextView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextView {
    /// Send `next` for the next question.
    Next,
    /// Challenge miss: send `revive` to go on or `finish` to stop.
    ReviveOffered,
    /// A `summary` follows at once.
    Finished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryView {
    pub set_id: String,
    pub mode: SetMode,
    pub answered: u32,
    pub correct: u32,
    pub points: u64,
    pub best_streak: u32,
    pub revive_used: bool,
    /// Every question was played (a challenge: the ladder was cleared).
    pub completed: bool,
    pub duration_ms: u64,
    pub rating_before: i64,
    pub rating_after: i64,
    /// Questions missed in this set, now in the notebook.
    pub missed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveMatchView {
    pub match_id: String,
    /// duel (later: ladder, district)
    pub mode: String,
}

/// One versioned match event. `version` counts up by one per event of the
/// match; a client that reconnects sends the last one it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchEvent {
    pub match_id: String,
    pub version: u64,
    #[serde(flatten)]
    pub body: MatchBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MatchBody {
    /// The match is set; the first question follows after the countdown.
    MatchStarted(MatchStartedView),
    /// A question, the same for every player at the same instant (options
    /// shuffled per player). Never carries its answer.
    MatchQuestion {
        seq: u32,
        total: u32,
        question: QuestionView,
        /// The clock waits until every player's media has loaded;
        /// `match_clock` says when it starts.
        waits_for_media: bool,
        time_limit_ms: u64,
    },
    /// The clock of a media question has started for everyone.
    MatchClock { seq: u32, remaining_ms: u64 },
    /// A player has answered question `seq`; what they chose stays hidden
    /// until the reveal. For the player who answered, this is the receipt.
    MatchAnswered { seq: u32, seat: u8 },
    /// Everyone answered or the time ran out: the answer and the scores.
    MatchReveal(MatchRevealView),
    /// A player's connection dropped or came back.
    MatchPresence {
        seat: u8,
        connected: bool,
        /// While disconnected: time left before the player forfeits.
        grace_ms: u64,
    },
    /// The match is over.
    MatchOver(MatchOverView),
    /// The whole state, sent on `match_resume` when the missed events are
    /// not replayed (`last_version` 0 or unknown).
    MatchSnapshot(Box<MatchSnapshotView>),
    /// Sent after replaying missed events on `match_resume`.
    MatchResumed {
        /// Time left in the current phase: the countdown, media loading,
        /// the open question's clock or the pause after a reveal; `None`
        /// once the match is over.
        remaining_ms: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchStartedView {
    /// duel | ladder
    pub mode: String,
    /// This player's seat: an index into `players`.
    pub seat: u8,
    pub players: Vec<PlayerView>,
    pub total: u32,
    pub relaxed: bool,
    /// Whether the result moves ratings (duels: not against a bot, not
    /// past the daily cap; ladder races: the hidden rating, with at least
    /// two members racing).
    pub rated: bool,
    /// The first question comes this long after this message.
    pub starts_in_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerView {
    pub seat: u8,
    /// Absent for a bot.
    pub member_id: Option<i64>,
    pub nickname: String,
    pub district: String,
    /// Duel rating, rounded.
    pub rating: i64,
    /// The rating is still uncertain (few games played).
    pub provisional: bool,
    /// A computer player: its name and avatar say 机器人.
    pub is_bot: bool,
    /// Ladder races only: the player's tier and stars (`rating` is then 0:
    /// the ladder's rating is hidden).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<RankView>,
    /// District battles only: the player's side, 0 or 1 (`rating` is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<u8>,
}

/// One side of a finished district battle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BattleSideView {
    pub team: u8,
    pub district: String,
    /// Members who started, leavers included.
    pub members: u32,
    /// The team score: points per member who started.
    pub average: f64,
    /// Competition points won: 2 for a win, 1 for a draw, 0 for a loss (0
    /// also when no member of the side counted: all past the daily cap).
    pub competition_points: u32,
}

/// How a district battle ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BattleOverView {
    pub competition_id: i64,
    /// The winning side, or none for a draw.
    pub winner_team: Option<u8>,
    /// average | answer_time | tie: what decided it.
    pub decided_by: String,
    pub teams: Vec<BattleSideView>,
}

/// A ladder season.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonView {
    pub id: i64,
    pub starts_at_ms: i64,
    /// Exclusive.
    pub ends_at_ms: i64,
}

/// A ladder rank: a tier and stars in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankView {
    /// bronze | silver | gold | platinum | diamond | king
    pub tier: String,
    /// 青铜 | 白银 | 黄金 | 铂金 | 钻石 | 王者
    pub tier_name: String,
    /// 1 up to `cap`.
    pub stars: u32,
    /// Stars in this tier before promotion; absent for 王者 (no cap).
    pub cap: Option<u32>,
    /// Stars counted from 青铜 1★ (= 1): the season board's score.
    pub points: u32,
}

/// How a ladder race moved a member's rank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderResultView {
    pub season_id: i64,
    pub before: RankView,
    pub after: RankView,
    /// Stars won (positive) or lost (negative), as applied: the floor at
    /// 青铜 1★ can make it smaller than the placement's.
    pub stars: i32,
    pub promoted: bool,
    pub demoted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRevealView {
    pub seq: u32,
    /// Right options, as positions in this player's shown order.
    pub correct_choice: Vec<u8>,
    pub explanation: String,
    pub source: String,
    pub results: Vec<SeatResultView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatResultView {
    pub seat: u8,
    /// What the seat chose, as positions in *this* player's shown order.
    pub choice: Vec<u8>,
    pub correct: bool,
    pub timed_out: bool,
    pub answer_ms: u64,
    pub points: u32,
    pub streak: u32,
    pub total_points: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchOutcome {
    /// Every question was played.
    Completed,
    /// A player left after the first answer or did not come back in time.
    Forfeit,
    /// A player left before anyone answered: no result, nothing rated.
    Aborted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchOverView {
    pub outcome: MatchOutcome,
    /// None for a draw or an abort.
    pub winner_seat: Option<u8>,
    pub standings: Vec<StandingView>,
    /// Whether ratings moved.
    pub rated: bool,
    /// District battles: the teams' result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battle: Option<BattleOverView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandingView {
    pub seat: u8,
    /// 1-based; equal for a draw.
    pub place: u8,
    pub points: u64,
    pub correct: u32,
    /// Sum of the seat's answer times (the tie-break: lower wins).
    pub answer_ms_total: u64,
    pub forfeited: bool,
    /// Duels: the duel rating. Ladder races: 0 (the rating is hidden).
    pub rating_before: i64,
    pub rating_after: i64,
    /// Ladder races, members only: the stars and tier this race moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder: Option<LadderResultView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchSnapshotView {
    pub started: MatchStartedView,
    /// countdown | loading | question | reveal | over
    pub phase: String,
    /// The current (or last) question; 0 before the first.
    pub seq: u32,
    /// The current question as this player sees it.
    pub question: Option<QuestionView>,
    /// The current question's whole time limit (`remaining_ms` is what is
    /// left of it while the question is open).
    pub time_limit_ms: Option<u64>,
    /// Time left in the current phase (as in `match_resumed`).
    pub remaining_ms: Option<u64>,
    /// Seats that have answered the current question.
    pub answered: Vec<u8>,
    /// This player's own answer to the open question, if given.
    pub your_choice: Option<Vec<u8>>,
    /// Points per seat so far.
    pub totals: Vec<u64>,
    /// Which seats are connected.
    pub connected: Vec<bool>,
    /// The reveal of the current question, in the reveal phase.
    pub reveal: Option<MatchRevealView>,
    pub over: Option<MatchOverView>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON.
    BadJson,
    /// `type` names no known message.
    UnknownType,
    /// A known message with missing or ill-typed fields, or a binary frame.
    BadMessage,
    /// A field has an allowed type but a refused value (size, history…).
    InvalidValue,
    /// `start` while a set is running; `finish` it first.
    SetInProgress,
    /// No set is running.
    NoActiveSet,
    /// The answer names a question that is not the current one.
    NotCurrent,
    /// The question was already answered: only the first answer counts.
    AlreadyAnswered,
    /// The answer came after the question's deadline.
    TooLate,
    /// The choice names no option, repeats one, or has the wrong count.
    InvalidChoice,
    /// `next` while the current question is still open, or before `revive`.
    QuestionOpen,
    /// The set is over.
    SetFinished,
    /// `revive` without a revive on offer.
    NoReviveOffered,
    /// No questions match the request (or the notebook is empty).
    NoQuestions,
    /// The server could not do it right now; try again.
    Unavailable,
    /// Already in the queue, in a room or in a match: one at a time.
    AlreadyQueued,
    /// `duel_cancel` with no queue entry or room open.
    NotQueued,
    /// `duel_accept_bot` with no bot on offer.
    NoBotOffered,
    /// The competition is not running (not started, finished, or unknown).
    CompetitionClosed,
    /// The member's district does not take part in the competition.
    NotInCompetition,
    /// No room has this code, or it expired.
    RoomNotFound,
    /// The room already has two players.
    RoomFull,
    /// The room is this player's own.
    OwnRoom,
    /// The message names a match this player is not playing.
    NotInMatch,
    /// This player has left the match; only `rematch` is accepted.
    Forfeited,
    /// The match is over.
    MatchOver,
    /// No rematch is possible for this match.
    RematchUnavailable,
}

impl ErrorCode {
    /// The player-facing text for each code (clients may show their own).
    pub fn text(self) -> &'static str {
        match self {
            ErrorCode::BadJson => "消息不是有效的 JSON",
            ErrorCode::UnknownType => "未知的消息类型",
            ErrorCode::BadMessage => "消息格式不正确",
            ErrorCode::InvalidValue => "参数取值不正确",
            ErrorCode::SetInProgress => "当前还有未结束的答题，请先结束",
            ErrorCode::NoActiveSet => "当前没有进行中的答题",
            ErrorCode::NotCurrent => "这不是当前的题目",
            ErrorCode::AlreadyAnswered => "这道题已经作答，只有第一次作答有效",
            ErrorCode::TooLate => "本题作答时间已过",
            ErrorCode::InvalidChoice => "所选选项无效",
            ErrorCode::QuestionOpen => "当前题目尚未作答",
            ErrorCode::SetFinished => "本组答题已经结束",
            ErrorCode::NoReviveOffered => "现在不能复活",
            ErrorCode::NoQuestions => "没有符合条件的题目",
            ErrorCode::Unavailable => "服务器暂时无法处理，请稍后重试",
            ErrorCode::AlreadyQueued => "你已经在匹配或对战中了",
            ErrorCode::NotQueued => "当前没有在匹配",
            ErrorCode::CompetitionClosed => "这场比赛不在进行中",
            ErrorCode::NotInCompetition => "你所在的区市没有参加这场比赛",
            ErrorCode::NoBotOffered => "现在没有可以对战的机器人",
            ErrorCode::RoomNotFound => "房间不存在或已过期",
            ErrorCode::RoomFull => "房间已满",
            ErrorCode::OwnRoom => "不能加入自己创建的房间",
            ErrorCode::NotInMatch => "你不在这场对战中",
            ErrorCode::Forfeited => "你已退出这场对战",
            ErrorCode::MatchOver => "这场对战已经结束",
            ErrorCode::RematchUnavailable => "无法再来一局：对手已离开或邀请已过期",
        }
    }
}

/// A refused request; sent to the client as an `error` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub seq: Option<u32>,
}

impl From<Refusal> for ServerMsg {
    fn from(r: Refusal) -> ServerMsg {
        ServerMsg::Error {
            code: r.code,
            message: r.message,
            seq: r.seq,
        }
    }
}

/// Close codes the server uses, with the reason text it sends.
pub mod close {
    /// The server is shutting down (SIGINT/SIGTERM).
    pub const GOING_AWAY: u16 = 1001;
    /// Flooding: over the per-connection rate limit.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame over the 16 KiB limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
}

/// The largest frame or message a client may send.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_events_carry_their_type_id_and_version_flat() {
        let msg = ServerMsg::Match(MatchEvent {
            match_id: "77".into(),
            version: 3,
            body: MatchBody::MatchAnswered { seq: 2, seat: 1 },
        });
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            text,
            r#"{"match_id":"77","version":3,"type":"match_answered","seq":2,"seat":1}"#
        );
        assert_eq!(serde_json::from_str::<ServerMsg>(&text).unwrap(), msg);
        let pong: ServerMsg =
            serde_json::from_str(r#"{"type":"pong","nonce":null,"server_time_ms":5}"#).unwrap();
        assert!(matches!(pong, ServerMsg::Pong { .. }));
    }
}
