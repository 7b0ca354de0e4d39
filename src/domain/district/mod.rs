//! District PK (区域PK赛): the pure rules of a district competition.
//!
//! An organizer sets the rules ([`CompetitionRules`], checked by
//! [`validate`]), publishes them, and may edit them until the start or close
//! the competition early ([`Competition`]). While it runs, members queue and
//! [`form_battles`] forms realtime battles between two different districts;
//! [`battle_result`] decides each battle by the teams' average points, so
//! uneven teams are fair, and [`rank_districts`] orders the standings shown
//! on the big screen. Nothing here reads a clock: calendar times are epoch
//! milliseconds and queue times `Instant`s, both passed in.

mod battle;
mod formation;
mod lifecycle;
mod rules;
mod standings;

pub use battle::{
    BattleResult, DRAW_POINTS, DecidedBy, LOSS_POINTS, MemberScore, Outcome, WIN_POINTS,
    awarded_points, battle_result, counts, team_average,
};
pub use formation::{Battle, TeamSeeker, UNEVEN_AFTER, form_battles};
pub use lifecycle::{Competition, CompetitionState, LifecycleError, Status};
pub use rules::{
    COPY_SUFFIX, CompetitionRules, DAILY_BATTLES, DEFAULT_DAILY_BATTLES,
    DEFAULT_QUESTIONS_PER_BATTLE, DEFAULT_TEAM_SIZE, DIFFICULTY, FieldError, MAX_WINDOW_DAYS,
    MIN_DISTRICTS, QUESTIONS_PER_BATTLE, QuestionSet, TEAM_SIZE, TITLE_MAX_CHARS, validate,
};
pub use standings::{
    Contribution, DistrictTally, RankedContributor, RankedDistrict, rank_contributors,
    rank_districts,
};

#[cfg(test)]
mod tests;
