//! What an organizer sets for a district competition, and the check that
//! turns a submitted form into rules fit to publish.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::ladder::{DAY_MS, START_TOLERANCE_MS};
use crate::domain::question::{History, Question};

/// A title longer than this does not fit the big screen's header.
pub const TITLE_MAX_CHARS: usize = 60;
/// Members per side in a full battle.
pub const TEAM_SIZE: RangeInclusive<u32> = 1..=10;
pub const DEFAULT_TEAM_SIZE: u32 = 5;
pub const QUESTIONS_PER_BATTLE: RangeInclusive<u32> = 1..=20;
pub const DEFAULT_QUESTIONS_PER_BATTLE: u32 = 5;
/// Counted battles per member per Beijing day: past it, battles are still
/// played but no longer count (see [`counts`](super::counts)).
pub const DAILY_BATTLES: RangeInclusive<u32> = 1..=100;
pub const DEFAULT_DAILY_BATTLES: u32 = 5;
/// The longest competition: a season of union activity, not an open-ended
/// board.
pub const MAX_WINDOW_DAYS: i64 = 90;
/// Question difficulties, as the bank grades them.
pub const DIFFICULTY: RangeInclusive<u8> = 1..=5;
/// A district PK needs at least two districts to be a contest at all.
pub const MIN_DISTRICTS: usize = 2;
/// Appended to the title of a copied competition.
pub const COPY_SUFFIX: &str = "（副本）";

/// The rules of one district competition, as stored (JSON) and sent to the
/// organizers' console. Built freely (a draft may be incomplete);
/// [`validate`] says whether they can be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CompetitionRules {
    pub title: String,
    /// Epoch milliseconds; battles may start from here …
    pub starts_at_ms: i64,
    /// … until here (exclusive).
    pub ends_at_ms: i64,
    pub questions: QuestionSet,
    /// Members per side in a full battle; fewer after a wait.
    #[serde(default = "default_team_size")]
    pub team_size: u32,
    #[serde(default = "default_questions_per_battle")]
    pub questions_per_battle: u32,
    /// Counted battles per member per Beijing day.
    #[serde(default = "default_daily_battles")]
    pub daily_battles: u32,
    /// The districts taking part, by name.
    pub districts: Vec<String>,
}

fn default_team_size() -> u32 {
    DEFAULT_TEAM_SIZE
}

fn default_questions_per_battle() -> u32 {
    DEFAULT_QUESTIONS_PER_BATTLE
}

fn default_daily_battles() -> u32 {
    DEFAULT_DAILY_BATTLES
}

/// Where a competition's questions come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionSet {
    /// Every bank question of these histories within a difficulty range:
    /// `{"kind":"filter","histories":["party"],"min_difficulty":1,"max_difficulty":3}`.
    Filter {
        /// Empty: all four histories.
        #[serde(default)]
        histories: Vec<History>,
        #[serde(default = "easiest")]
        min_difficulty: u8,
        #[serde(default = "hardest")]
        max_difficulty: u8,
    },
    /// Exactly these questions, by bank id:
    /// `{"kind":"picked","ids":["party-001","prc-017"]}`.
    Picked { ids: Vec<String> },
}

fn easiest() -> u8 {
    *DIFFICULTY.start()
}

fn hardest() -> u8 {
    *DIFFICULTY.end()
}

impl QuestionSet {
    /// The whole bank.
    pub fn all() -> QuestionSet {
        QuestionSet::Filter {
            histories: Vec::new(),
            min_difficulty: easiest(),
            max_difficulty: hardest(),
        }
    }

    /// Whether `question` belongs to the set: what the caller's `available`
    /// count for [`validate`] and the battle's question draw both go by.
    pub fn contains(&self, question: &Question) -> bool {
        match self {
            QuestionSet::Filter {
                histories,
                min_difficulty,
                max_difficulty,
            } => {
                (histories.is_empty() || histories.contains(&question.history))
                    && (*min_difficulty..=*max_difficulty).contains(&question.difficulty)
            }
            QuestionSet::Picked { ids } => ids.contains(&question.id),
        }
    }
}

/// One problem with submitted rules, for the organizer's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The JSON field at fault, so the console can mark it: `title`,
    /// `starts_at_ms`, `ends_at_ms`, `questions`, `team_size`,
    /// `questions_per_battle`, `daily_battles` or `districts`.
    pub field: &'static str,
    /// What is wrong, in Chinese, for organizers.
    pub reason: String,
}

/// Checks rules for publishing at `now_ms` and returns them normalized: the
/// title trimmed, histories and districts trimmed of repeats (first
/// occurrence kept), empty district names dropped. Reports every problem at
/// once, one [`FieldError`] each:
///
/// - title: 1–[`TITLE_MAX_CHARS`] characters after trimming, no control
///   characters (line breaks would break the big screen's header);
/// - window: the start before the end, at most [`MAX_WINDOW_DAYS`] long, the
///   end not yet passed, the start not more than [`START_TOLERANCE_MS`] ago
///   (a form filled in slowly still means "now");
/// - `team_size`, `questions_per_battle`, `daily_battles` within
///   [`TEAM_SIZE`], [`QUESTIONS_PER_BATTLE`], [`DAILY_BATTLES`];
/// - questions: a filter's difficulties within [`DIFFICULTY`], lowest not
///   above highest; a picked list non-empty and without repeats; and the
///   set must hold at least `questions_per_battle` questions (brought into
///   its range), as `available` counts them — the caller knows the bank.
///   `available` is asked only about a well-formed set;
/// - districts: at least [`MIN_DISTRICTS`] different ones, each in
///   `known_districts` (pass only those not retired).
pub fn validate(
    rules: &CompetitionRules,
    now_ms: i64,
    known_districts: &[String],
    available: impl Fn(&QuestionSet) -> usize,
) -> Result<CompetitionRules, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &'static str, reason: String| errors.push(FieldError { field, reason });

    let title = rules.title.trim();
    let title_chars = title.chars().count();
    if title_chars == 0 {
        fail("title", "标题不能为空".into());
    } else if title_chars > TITLE_MAX_CHARS {
        fail(
            "title",
            format!("标题最多 {TITLE_MAX_CHARS} 个字，现在有 {title_chars} 个"),
        );
    }
    if title.chars().any(char::is_control) {
        fail("title", "标题不能包含换行等控制字符".into());
    }

    let (starts, ends) = (rules.starts_at_ms, rules.ends_at_ms);
    if starts >= ends {
        fail("ends_at_ms", "结束时间必须晚于开始时间".into());
    } else if i128::from(ends) - i128::from(starts) > i128::from(MAX_WINDOW_DAYS * DAY_MS) {
        fail("ends_at_ms", format!("比赛最长 {MAX_WINDOW_DAYS} 天"));
    }
    if ends <= now_ms {
        fail("ends_at_ms", "比赛时间已经过去".into());
    }
    if starts < now_ms.saturating_sub(START_TOLERANCE_MS) {
        fail("starts_at_ms", "开始时间已经过去，请改为现在或以后".into());
    }

    let in_range = |value: u32, range: &RangeInclusive<u32>| range.contains(&value);
    if !in_range(rules.team_size, &TEAM_SIZE) {
        fail(
            "team_size",
            format!("每队人数应为 {}–{} 人", TEAM_SIZE.start(), TEAM_SIZE.end()),
        );
    }
    if !in_range(rules.questions_per_battle, &QUESTIONS_PER_BATTLE) {
        fail(
            "questions_per_battle",
            format!(
                "每场题数应为 {}–{} 题",
                QUESTIONS_PER_BATTLE.start(),
                QUESTIONS_PER_BATTLE.end()
            ),
        );
    }
    if !in_range(rules.daily_battles, &DAILY_BATTLES) {
        fail(
            "daily_battles",
            format!(
                "每人每天计分场次应为 {}–{} 场",
                DAILY_BATTLES.start(),
                DAILY_BATTLES.end()
            ),
        );
    }

    let (questions, set_errors) = normalize_question_set(&rules.questions);
    let set_ok = set_errors.is_empty();
    for reason in set_errors {
        fail("questions", reason);
    }
    if set_ok {
        let need = rules
            .questions_per_battle
            .clamp(*QUESTIONS_PER_BATTLE.start(), *QUESTIONS_PER_BATTLE.end())
            as usize;
        let have = available(&questions);
        if have < need {
            fail(
                "questions",
                format!("可用题目只有 {have} 道，每场需要 {need} 道"),
            );
        }
    }

    let districts = dedup(
        rules
            .districts
            .iter()
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    );
    let unknown: Vec<&str> = districts
        .iter()
        .filter(|d| !known_districts.contains(d))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        fail(
            "districts",
            format!("未知或已停用的区域：{}", unknown.join("、")),
        );
    }
    if districts.len() - unknown.len() < MIN_DISTRICTS {
        fail("districts", format!("至少选择 {MIN_DISTRICTS} 个区域"));
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CompetitionRules {
        title: title.to_owned(),
        starts_at_ms: starts,
        ends_at_ms: ends,
        questions,
        team_size: rules.team_size,
        questions_per_battle: rules.questions_per_battle,
        daily_battles: rules.daily_battles,
        districts,
    })
}

/// The set with repeated histories dropped, and what is wrong with it.
fn normalize_question_set(set: &QuestionSet) -> (QuestionSet, Vec<String>) {
    let mut errors = Vec::new();
    let normalized = match set {
        QuestionSet::Filter {
            histories,
            min_difficulty,
            max_difficulty,
        } => {
            let (min, max) = (*min_difficulty, *max_difficulty);
            let (lowest, highest) = (DIFFICULTY.start(), DIFFICULTY.end());
            if !DIFFICULTY.contains(&min) {
                errors.push(format!("最低难度应为 {lowest}–{highest}"));
            }
            if !DIFFICULTY.contains(&max) {
                errors.push(format!("最高难度应为 {lowest}–{highest}"));
            }
            if min > max {
                errors.push("最低难度不能高于最高难度".into());
            }
            QuestionSet::Filter {
                histories: dedup(histories.iter().copied()),
                min_difficulty: min,
                max_difficulty: max,
            }
        }
        QuestionSet::Picked { ids } => {
            if ids.is_empty() {
                errors.push("请至少选择一道题".into());
            }
            let unique = dedup(ids.iter().cloned());
            if unique.len() < ids.len() {
                let repeated: Vec<&str> = unique
                    .iter()
                    .filter(|id| ids.iter().filter(|other| other == id).count() > 1)
                    .map(String::as_str)
                    .collect();
                errors.push(format!("题目重复：{}", repeated.join("、")));
            }
            QuestionSet::Picked { ids: ids.clone() }
        }
    };
    (normalized, errors)
}

/// `items` without repeats, first occurrence kept, order otherwise unchanged.
fn dedup<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

impl CompetitionRules {
    /// A copy to start a new draft from: the same rules with
    /// [`COPY_SUFFIX`] after the (trimmed) title, the title shortened first
    /// if the suffix would push it past [`TITLE_MAX_CHARS`].
    pub fn duplicate(&self) -> CompetitionRules {
        let keep = TITLE_MAX_CHARS - COPY_SUFFIX.chars().count();
        let title: String = self.title.trim().chars().take(keep).collect();
        CompetitionRules {
            title: title + COPY_SUFFIX,
            ..self.clone()
        }
    }
}
