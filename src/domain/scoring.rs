//! Points for one answer, as design.md §1 fixes them.

use std::time::Duration;

pub const MAX_POINTS: u32 = 1000;
/// Answers faster than this earn full points: nobody reads a question quicker.
pub const FULL_POINTS_WITHIN: Duration = Duration::from_millis(500);
pub const STREAK_STEP: u32 = 100;
pub const STREAK_CAP: u32 = 500;

/// Base points for an answer: `round(1000 × (1 − (t/T)/2))` when correct, 0 otherwise.
/// `relaxed` removes the speed component (accessibility, older members).
pub fn base_points(correct: bool, answer_time: Duration, limit: Duration, relaxed: bool) -> u32 {
    if !correct {
        return 0;
    }
    if relaxed || answer_time < FULL_POINTS_WITHIN || limit.is_zero() {
        return MAX_POINTS;
    }
    let fraction = (answer_time.as_secs_f64() / limit.as_secs_f64()).min(1.0);
    (f64::from(MAX_POINTS) * (1.0 - fraction / 2.0)).round() as u32
}

/// Bonus for the `streak`-th correct answer in a row: nothing for the first,
/// +100 for the second, +100 more for each further one, at most +500.
pub fn streak_bonus(streak: u32) -> u32 {
    if streak < 2 {
        0
    } else {
        (STREAK_STEP * (streak - 1)).min(STREAK_CAP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(20);

    #[test]
    fn wrong_answers_earn_nothing() {
        assert_eq!(base_points(false, Duration::from_millis(100), T, false), 0);
        assert_eq!(base_points(false, Duration::ZERO, T, true), 0);
    }

    #[test]
    fn answers_under_half_a_second_earn_full_points() {
        assert_eq!(
            base_points(true, Duration::from_millis(499), T, false),
            1000
        );
    }

    #[test]
    fn points_fall_linearly_to_half_at_the_deadline() {
        assert_eq!(base_points(true, Duration::from_secs(10), T, false), 750);
        assert_eq!(base_points(true, T, T, false), 500);
        assert_eq!(base_points(true, Duration::from_secs(5), T, false), 875);
    }

    #[test]
    fn points_round_to_the_nearest_integer() {
        // 1000 × (1 − (7/30)/2) = 883.33…
        assert_eq!(
            base_points(true, Duration::from_secs(7), Duration::from_secs(30), false),
            883
        );
    }

    #[test]
    fn relaxed_mode_ignores_speed() {
        assert_eq!(base_points(true, Duration::from_secs(19), T, true), 1000);
    }

    #[test]
    fn streak_bonus_starts_at_the_second_answer_and_caps_at_500() {
        let bonuses: Vec<u32> = (0..=8).map(streak_bonus).collect();
        assert_eq!(bonuses, [0, 0, 100, 200, 300, 400, 500, 500, 500]);
    }
}
