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
    pub const TYPES: [&'static str; 7] = [
        "start",
        "media_ready",
        "answer",
        "next",
        "revive",
        "finish",
        "ping",
    ];
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
