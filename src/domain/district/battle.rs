//! Deciding a team battle between two districts, and the daily cap on
//! counted battles.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// Competition points for the district that wins a battle …
pub const WIN_POINTS: u32 = 2;
/// … for each side of a draw …
pub const DRAW_POINTS: u32 = 1;
/// … and for the side that loses.
pub const LOSS_POINTS: u32 = 0;

/// What one member of a side did in a battle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberScore {
    pub points: u64,
    pub correct: u32,
    /// Questions answered (right or wrong); missed ones are not counted.
    pub answered: u32,
    /// Summed answer times of the answered questions.
    pub answer_ms_total: u64,
    /// Dropped for good before the end. The member keeps what they scored
    /// and scores 0 for the rest, and still counts in the team's average.
    pub left: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    AWins,
    BWins,
    Draw,
}

impl Outcome {
    /// The same outcome seen with the sides swapped.
    pub fn swapped(self) -> Outcome {
        match self {
            Outcome::AWins => Outcome::BWins,
            Outcome::BWins => Outcome::AWins,
            Outcome::Draw => Outcome::Draw,
        }
    }
}

/// What settled a battle, for the result screen ("won on speed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// One side's average points were higher.
    Average,
    /// Equal averages; one side answered faster on average.
    AnswerTime,
    /// Equal averages and equal answer times: a draw.
    Tie,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BattleResult {
    /// Side A's points per member who started (see [`team_average`]).
    pub average_a: f64,
    pub average_b: f64,
    pub outcome: Outcome,
    pub decided_by: DecidedBy,
    /// Competition points: [`WIN_POINTS`], [`DRAW_POINTS`] or
    /// [`LOSS_POINTS`]; the two always sum to 2.
    pub points_a: u32,
    pub points_b: u32,
}

/// A side's points per member who started, leavers included (they count 0
/// for what they missed), so a side of 3 and a side of 5 compare fairly.
/// An empty side averages 0.
pub fn team_average(team: &[MemberScore]) -> f64 {
    let t = Totals::of(team);
    t.points as f64 / t.members as f64
}

/// Decides a battle between side A and side B, each the members who
/// started it:
///
/// 1. the higher team average ([`team_average`]) wins; averages are compared
///    exactly, as fractions (`sum_a × n_b` against `sum_b × n_a`), so two
///    players averaging 150 and three averaging 150 are equal;
/// 2. on equal averages, the lower mean answer time wins: a side's summed
///    `answer_ms_total` over its summed `answered`, i.e. per question
///    answered by anyone on the side (again compared exactly). A side that
///    answered nothing is slower than any side that answered;
/// 3. still equal (including neither side having answered): a draw.
///
/// Winning gives [`WIN_POINTS`], a draw [`DRAW_POINTS`] each, losing
/// [`LOSS_POINTS`].
pub fn battle_result(a: &[MemberScore], b: &[MemberScore]) -> BattleResult {
    let (ta, tb) = (Totals::of(a), Totals::of(b));
    let by_average = (ta.points * tb.members).cmp(&(tb.points * ta.members));
    let by_speed = match (ta.answered, tb.answered) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Less,
        (_, 0) => Ordering::Greater,
        // Faster is better, so the lower time ranks greater.
        (na, nb) => (tb.answer_ms * na).cmp(&(ta.answer_ms * nb)),
    };
    let (order, decided_by) = match (by_average, by_speed) {
        (Ordering::Equal, Ordering::Equal) => (Ordering::Equal, DecidedBy::Tie),
        (Ordering::Equal, speed) => (speed, DecidedBy::AnswerTime),
        (average, _) => (average, DecidedBy::Average),
    };
    let (outcome, points_a, points_b) = match order {
        Ordering::Greater => (Outcome::AWins, WIN_POINTS, LOSS_POINTS),
        Ordering::Less => (Outcome::BWins, LOSS_POINTS, WIN_POINTS),
        Ordering::Equal => (Outcome::Draw, DRAW_POINTS, DRAW_POINTS),
    };
    BattleResult {
        average_a: team_average(a),
        average_b: team_average(b),
        outcome,
        decided_by,
        points_a,
        points_b,
    }
}

/// A side's sums, wide enough that cross-multiplying cannot overflow.
struct Totals {
    points: u128,
    /// At least 1, so an empty side averages 0 instead of dividing by 0.
    members: u128,
    answered: u128,
    answer_ms: u128,
}

impl Totals {
    fn of(team: &[MemberScore]) -> Totals {
        Totals {
            points: team.iter().map(|m| u128::from(m.points)).sum(),
            members: team.len().max(1) as u128,
            answered: team.iter().map(|m| u128::from(m.answered)).sum(),
            answer_ms: team.iter().map(|m| u128::from(m.answer_ms_total)).sum(),
        }
    }
}

/// Whether a member's next battle counts, given the competition's daily
/// cap and the battles already counted for them this Beijing day. A battle
/// past the cap is still played, it just does not count (as for duels):
/// the cap stops grinding, not playing.
pub fn counts(daily_battles_cap: u32, counted_today: u32) -> bool {
    counted_today < daily_battles_cap
}

/// The competition points a side takes home from its result's `points`:
/// none when every member of the side was past the daily cap (they play
/// on, but grinding wins the district nothing).
pub fn awarded_points(points: u32, any_member_counted: bool) -> u32 {
    if any_member_counted {
        points
    } else {
        LOSS_POINTS
    }
}
