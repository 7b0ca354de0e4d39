//! Skill ratings for practice, in the spirit of lichess's puzzle ratings: a
//! member and a question each carry an Elo-style rating, and every answer is
//! a game between them. Questions drift toward their true difficulty as the
//! membership plays them, and practice picks questions near a member's level.

pub const INITIAL_MEMBER_RATING: f64 = 1500.0;
const MEMBER_K: f64 = 32.0;
/// Questions move slower than members: each one is answered by many people.
const QUESTION_K: f64 = 8.0;
const MIN_RATING: f64 = 400.0;
const MAX_RATING: f64 = 3000.0;

/// The rating a question starts with before anyone has answered it,
/// from its author's difficulty (1–5).
pub fn initial_question_rating(difficulty: u8) -> f64 {
    1100.0 + 200.0 * f64::from(difficulty.clamp(1, 5) - 1)
}

/// Probability that a member of `member` rating answers a question of
/// `question` rating correctly.
pub fn expected_success(member: f64, question: f64) -> f64 {
    1.0 / (1.0 + 10f64.powf((question - member) / 400.0))
}

/// New (member, question) ratings after one answer.
pub fn after_answer(member: f64, question: f64, correct: bool) -> (f64, f64) {
    let score = if correct { 1.0 } else { 0.0 };
    let surprise = score - expected_success(member, question);
    (
        (member + MEMBER_K * surprise).clamp(MIN_RATING, MAX_RATING),
        (question - QUESTION_K * surprise).clamp(MIN_RATING, MAX_RATING),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_ratings_expect_even_odds() {
        assert!((expected_success(1500.0, 1500.0) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_correct_answer_raises_the_member_and_lowers_the_question() {
        let (m, q) = after_answer(1500.0, 1500.0, true);
        assert!((m - 1516.0).abs() < 1e-9);
        assert!((q - 1496.0).abs() < 1e-9);
    }

    #[test]
    fn a_miss_on_an_easy_question_costs_more_than_on_a_hard_one() {
        let (easy, _) = after_answer(1500.0, 1100.0, false);
        let (hard, _) = after_answer(1500.0, 1900.0, false);
        assert!(1500.0 - easy > 1500.0 - hard);
    }

    #[test]
    fn ratings_stay_within_bounds() {
        let (m, q) = after_answer(MIN_RATING, MAX_RATING, false);
        assert!(m >= MIN_RATING && q <= MAX_RATING);
    }

    #[test]
    fn difficulty_maps_to_a_starting_rating() {
        assert_eq!(initial_question_rating(1), 1100.0);
        assert_eq!(initial_question_rating(3), 1500.0);
        assert_eq!(initial_question_rating(5), 1900.0);
    }
}
