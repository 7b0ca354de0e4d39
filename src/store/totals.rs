//! Running totals for the statistics pages, folded from each batch of new
//! answers: per member, per Beijing day and history, who played each day,
//! and how often each option set was chosen per question. The writer adds
//! them in the batch's transaction, so they always agree with the answers.

use std::collections::{BTreeMap, BTreeSet};

use super::AnswerRecord;
use super::sql::flag;

const BEIJING_OFFSET_MS: i64 = 8 * 60 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Days since 1970-01-01 in Beijing time, as the leaderboards count them
/// and as the migration's backfill computes them in SQL.
pub fn beijing_day(at_ms: i64) -> i64 {
    (at_ms + BEIJING_OFFSET_MS).div_euclid(DAY_MS)
}

/// The first millisecond of Beijing day `day`.
pub fn day_start_ms(day: i64) -> i64 {
    day * DAY_MS - BEIJING_OFFSET_MS
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sums {
    pub answers: i64,
    pub correct: i64,
    pub points: i64,
    pub answer_ms: i64,
    pub last_at: i64,
}

impl Sums {
    fn add(&mut self, a: &AnswerRecord) {
        self.answers += 1;
        self.correct += flag(a.correct);
        self.points += a.points;
        self.answer_ms += a.answer_ms;
        self.last_at = self.last_at.max(a.answered_at_ms);
    }
}

/// One batch's additions, keyed in sorted order.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Totals {
    pub members: BTreeMap<i64, Sums>,
    pub days: BTreeMap<(i64, String), Sums>,
    pub day_members: BTreeSet<(i64, i64)>,
    /// (question, option letters or "-" for a timeout) → count.
    pub choices: BTreeMap<(String, String), i64>,
    /// (question, answer time step) → count; see [`TIME_STEP_MS`].
    pub times: BTreeMap<(String, i64), i64>,
}

/// Answer times are counted per question in steps of this many
/// milliseconds, for the medians.
pub const TIME_STEP_MS: i64 = 100;

/// The lower median of a question's answer times from its counts per step
/// (in any order), as the middle of the step it falls in; `None` for no
/// answers.
pub fn median_from_steps(steps: &[(i64, i64)]) -> Option<i64> {
    let mut steps = steps.to_vec();
    steps.sort_unstable();
    let total: i64 = steps.iter().map(|(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    // The lower median is the ((total - 1) / 2)-th answer, counting from 0.
    let wanted = (total - 1) / 2;
    let mut seen = 0;
    for (step, n) in steps {
        seen += n;
        if seen > wanted {
            return Some(step * TIME_STEP_MS + TIME_STEP_MS / 2);
        }
    }
    None
}

impl Totals {
    pub fn derive(answers: &[AnswerRecord]) -> Totals {
        let mut t = Totals::default();
        for a in answers {
            let day = beijing_day(a.answered_at_ms);
            t.members.entry(a.member_id).or_default().add(a);
            t.days.entry((day, a.history.clone())).or_default().add(a);
            t.day_members.insert((day, a.member_id));
            let choice = a.choice.clone().unwrap_or_else(|| "-".into());
            *t.choices
                .entry((a.question_id.clone(), choice))
                .or_default() += 1;
            *t.times
                .entry((a.question_id.clone(), a.answer_ms.div_euclid(TIME_STEP_MS)))
                .or_default() += 1;
        }
        t
    }
}

/// Adds `$totals` (a [`Totals`]) inside transaction `$tx` of database
/// `$db`: one multi-row upsert per table and chunk.
macro_rules! write_totals {
    ($tx:expr, $db:ty, $totals:expr, $rows:expr) => {{
        let totals: &$crate::store::totals::Totals = $totals;
        let members: Vec<(&i64, &$crate::store::totals::Sums)> = totals.members.iter().collect();
        for chunk in members.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO member_totals (member_id, answers, correct, points, answer_ms_total, last_at) ",
            );
            q.push_values(chunk, |mut row, (member_id, s)| {
                row.push_bind(**member_id)
                    .push_bind(s.answers)
                    .push_bind(s.correct)
                    .push_bind(s.points)
                    .push_bind(s.answer_ms)
                    .push_bind(s.last_at);
            });
            q.push(
                " ON CONFLICT (member_id) DO UPDATE SET answers = member_totals.answers + excluded.answers, \
                 correct = member_totals.correct + excluded.correct, points = member_totals.points + excluded.points, \
                 answer_ms_total = member_totals.answer_ms_total + excluded.answer_ms_total, \
                 last_at = CASE WHEN excluded.last_at > member_totals.last_at THEN excluded.last_at ELSE member_totals.last_at END",
            );
            q.build().execute(&mut *$tx).await?;
        }
        let days: Vec<(&(i64, String), &$crate::store::totals::Sums)> = totals.days.iter().collect();
        for chunk in days.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO daily_totals (day, history, answers, correct, points, answer_ms_total) ",
            );
            q.push_values(chunk, |mut row, ((day, history), s)| {
                row.push_bind(*day)
                    .push_bind(history.as_str())
                    .push_bind(s.answers)
                    .push_bind(s.correct)
                    .push_bind(s.points)
                    .push_bind(s.answer_ms);
            });
            q.push(
                " ON CONFLICT (day, history) DO UPDATE SET answers = daily_totals.answers + excluded.answers, \
                 correct = daily_totals.correct + excluded.correct, points = daily_totals.points + excluded.points, \
                 answer_ms_total = daily_totals.answer_ms_total + excluded.answer_ms_total",
            );
            q.build().execute(&mut *$tx).await?;
        }
        let day_members: Vec<&(i64, i64)> = totals.day_members.iter().collect();
        for chunk in day_members.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new("INSERT INTO daily_members (day, member_id) ");
            q.push_values(chunk, |mut row, (day, member_id)| {
                row.push_bind(*day).push_bind(*member_id);
            });
            q.push(" ON CONFLICT (day, member_id) DO NOTHING");
            q.build().execute(&mut *$tx).await?;
        }
        let choices: Vec<(&(String, String), &i64)> = totals.choices.iter().collect();
        for chunk in choices.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new("INSERT INTO question_choices (question_id, choice, n) ");
            q.push_values(chunk, |mut row, ((question_id, choice), n)| {
                row.push_bind(question_id.as_str()).push_bind(choice.as_str()).push_bind(**n);
            });
            q.push(" ON CONFLICT (question_id, choice) DO UPDATE SET n = question_choices.n + excluded.n");
            q.build().execute(&mut *$tx).await?;
        }
        let times: Vec<(&(String, i64), &i64)> = totals.times.iter().collect();
        for chunk in times.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new("INSERT INTO question_times (question_id, step, n) ");
            q.push_values(chunk, |mut row, ((question_id, step), n)| {
                row.push_bind(question_id.as_str()).push_bind(*step).push_bind(**n);
            });
            q.push(" ON CONFLICT (question_id, step) DO UPDATE SET n = question_times.n + excluded.n");
            q.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(super) use write_totals;

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(member_id: i64, question: &str, choice: Option<&str>, at: i64) -> AnswerRecord {
        AnswerRecord {
            session_id: 1,
            question_id: question.into(),
            question_version: 1,
            member_id,
            history: "prc".into(),
            mode: "duel".into(),
            choice: choice.map(String::from),
            correct: choice == Some("B"),
            answer_ms: 2000,
            points: if choice == Some("B") { 900 } else { 0 },
            answered_at_ms: at,
            member_rating: None,
            question_rating: 1500.0,
        }
    }

    #[test]
    fn beijing_days_turn_at_midnight_utc_plus_8() {
        // 2026-11-29T15:59:59Z is 23:59:59 in Beijing.
        let before = 1_795_967_999_000;
        assert_eq!(beijing_day(before) + 1, beijing_day(before + 1000));
        assert_eq!(day_start_ms(beijing_day(before + 1000)), before + 1000);
    }

    #[test]
    fn a_batch_folds_into_one_row_per_member_day_and_choice() {
        let t0 = 1_795_968_000_000;
        let t = Totals::derive(&[
            answer(1, "q1", Some("B"), t0),
            answer(1, "q2", Some("A"), t0 + 10),
            answer(2, "q1", None, t0 + 20),
            answer(2, "q1", Some("B"), t0 + DAY_MS),
        ]);
        assert_eq!(
            t.members[&1],
            Sums {
                answers: 2,
                correct: 1,
                points: 900,
                answer_ms: 4000,
                last_at: t0 + 10
            }
        );
        let day = beijing_day(t0);
        assert_eq!(t.days[&(day, "prc".to_string())].answers, 3);
        assert_eq!(t.days[&(day + 1, "prc".to_string())].answers, 1);
        assert_eq!(t.day_members.len(), 3);
        assert_eq!(t.choices[&("q1".to_string(), "B".to_string())], 2);
        assert_eq!(t.choices[&("q1".to_string(), "-".to_string())], 1);
        // Every answer took 2,000 ms: step 20, three of them for q1.
        assert_eq!(t.times[&("q1".to_string(), 20)], 3);
        assert_eq!(t.times[&("q2".to_string(), 20)], 1);
    }

    #[test]
    fn the_median_is_the_middle_of_the_step_the_lower_median_falls_in() {
        assert_eq!(median_from_steps(&[]), None);
        assert_eq!(median_from_steps(&[(20, 0)]), None);
        // One answer at 2,000–2,099 ms.
        assert_eq!(median_from_steps(&[(20, 1)]), Some(2_050));
        // Four answers: the lower median is the second, in step 31.
        assert_eq!(median_from_steps(&[(31, 1), (30, 1), (95, 2)]), Some(3_150));
        // Five answers: the third, in step 95; the order given does not matter.
        assert_eq!(
            median_from_steps(&[(95, 2), (30, 1), (31, 1), (120, 1)]),
            Some(9_550)
        );
        assert_eq!(median_from_steps(&[(0, 3), (200, 2)]), Some(50));
    }
}
