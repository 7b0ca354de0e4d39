//! A competition's life: draft, published (a countdown, then running),
//! finished. The stored state says only what organizers did; where the
//! competition stands is derived from it, its window and the time.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::rules::{CompetitionRules, FieldError, QuestionSet, validate};

/// What organizers have done with a competition, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CompetitionState {
    /// Being prepared; members do not see it.
    Draft,
    /// Published at `at_ms`; it runs in its window.
    Published { at_ms: i64 },
    /// Closed by an organizer at `at_ms`, before its window ended.
    Closed { at_ms: i64 },
}

/// Where a competition stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    /// Published, before the start: members see a countdown.
    Published,
    /// Within the window: members may battle.
    Running,
    /// The window has ended, or an organizer closed it.
    Finished,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Running => "running",
            Status::Finished => "finished",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LifecycleError {
    #[error("比赛已经发布")]
    AlreadyPublished,
    #[error("比赛还是草稿，尚未发布")]
    NotPublished,
    #[error("比赛已经开始，不能再修改规则")]
    Started,
    #[error("比赛已经结束")]
    Finished,
    #[error("比赛设置有 {} 处问题", .0.len())]
    Invalid(Vec<FieldError>),
}

impl LifecycleError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            LifecycleError::AlreadyPublished => "already_published",
            LifecycleError::NotPublished => "not_published",
            LifecycleError::Started => "started",
            LifecycleError::Finished => "finished",
            LifecycleError::Invalid(_) => "invalid_rules",
        }
    }
}

/// A competition: its rules and what organizers have done with it.
/// Transitions return the new competition or say why not; the old value
/// is left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Competition {
    pub rules: CompetitionRules,
    pub state: CompetitionState,
}

impl Competition {
    /// A new draft with these rules, as given (a draft may be incomplete).
    pub fn draft(rules: CompetitionRules) -> Competition {
        Competition {
            rules,
            state: CompetitionState::Draft,
        }
    }

    /// Where the competition stands at `now_ms`. The window is
    /// `[starts_at_ms, ends_at_ms)`; a closed competition is finished.
    pub fn status(&self, now_ms: i64) -> Status {
        match self.state {
            CompetitionState::Draft => Status::Draft,
            CompetitionState::Closed { .. } => Status::Finished,
            CompetitionState::Published { .. } => {
                if now_ms < self.rules.starts_at_ms {
                    Status::Published
                } else if now_ms < self.rules.ends_at_ms {
                    Status::Running
                } else {
                    Status::Finished
                }
            }
        }
    }

    /// When battles stop counting: the end of the window, or the moment an
    /// organizer closed it if that was earlier.
    pub fn effective_end_ms(&self) -> i64 {
        match self.state {
            CompetitionState::Closed { at_ms } => at_ms.min(self.rules.ends_at_ms),
            _ => self.rules.ends_at_ms,
        }
    }

    /// Whether a battle may start at `now_ms`: only while running. A
    /// battle already under way when the window ends is played out.
    pub fn battles_open(&self, now_ms: i64) -> bool {
        self.status(now_ms) == Status::Running
    }

    /// Publishes a draft at `now_ms`: its rules must pass [`validate`] at
    /// that moment (arguments as there) and are stored normalized.
    pub fn publish(
        &self,
        now_ms: i64,
        known_districts: &[String],
        available: impl Fn(&QuestionSet) -> usize,
    ) -> Result<Competition, LifecycleError> {
        match self.status(now_ms) {
            Status::Draft => {}
            Status::Published | Status::Running => return Err(LifecycleError::AlreadyPublished),
            Status::Finished => return Err(LifecycleError::Finished),
        }
        let rules = validate(&self.rules, now_ms, known_districts, available)
            .map_err(LifecycleError::Invalid)?;
        Ok(Competition {
            rules,
            state: CompetitionState::Published { at_ms: now_ms },
        })
    }

    /// Replaces the rules. A draft takes them as given (checked when
    /// published); a published competition only before its start, and only
    /// rules that pass [`validate`] (members already see them). No edits
    /// once it is running: battles already played were played under the
    /// old rules.
    pub fn edit(
        &self,
        rules: CompetitionRules,
        now_ms: i64,
        known_districts: &[String],
        available: impl Fn(&QuestionSet) -> usize,
    ) -> Result<Competition, LifecycleError> {
        let rules = match self.status(now_ms) {
            Status::Draft => rules,
            Status::Published => validate(&rules, now_ms, known_districts, available)
                .map_err(LifecycleError::Invalid)?,
            Status::Running => return Err(LifecycleError::Started),
            Status::Finished => return Err(LifecycleError::Finished),
        };
        Ok(Competition {
            rules,
            state: self.state,
        })
    }

    /// Closes a published competition at `now_ms`, before or during its
    /// window: it is finished from now on and [`Self::effective_end_ms`]
    /// becomes `now_ms`. A draft is not closed (it was never shown).
    pub fn close(&self, now_ms: i64) -> Result<Competition, LifecycleError> {
        match self.status(now_ms) {
            Status::Draft => Err(LifecycleError::NotPublished),
            Status::Published | Status::Running => Ok(Competition {
                rules: self.rules.clone(),
                state: CompetitionState::Closed { at_ms: now_ms },
            }),
            Status::Finished => Err(LifecycleError::Finished),
        }
    }

    /// The rules for a new draft copied from this competition, whatever
    /// its state: see [`CompetitionRules::duplicate`].
    pub fn duplicate(&self) -> CompetitionRules {
        self.rules.duplicate()
    }
}
