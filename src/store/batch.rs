//! Folding a batch of new answers into the few writes it implies.

use std::collections::{HashMap, HashSet};

use super::AnswerRecord;
use super::sql::flag;
use crate::domain::notebook;

/// What a batch of new answers changes besides the answers themselves.
#[derive(Debug, Default, PartialEq)]
pub(super) struct BatchEffects {
    pub question_stats: Vec<QuestionStatsDelta>,
    /// Notebook rows to write (member, question, entry), changed ones only.
    pub notebook: Vec<(i64, String, notebook::Entry)>,
    /// Each member's practice rating after the batch's last answer that
    /// carries one.
    pub member_ratings: Vec<(i64, f64)>,
}

#[derive(Debug, PartialEq)]
pub(super) struct QuestionStatsDelta {
    pub question_id: String,
    /// The rating after the batch's last answer to the question.
    pub rating: f64,
    pub attempts: i64,
    pub correct: i64,
    /// The sum of the batch's answer times to the question.
    pub answer_ms: i64,
}

impl BatchEffects {
    /// Folds answers, in the order they were given, into one write per
    /// question, notebook row and member.
    pub fn derive(
        answers: &[AnswerRecord],
        mut notebook: HashMap<(i64, String), notebook::Entry>,
    ) -> BatchEffects {
        let mut stats: Vec<QuestionStatsDelta> = Vec::new();
        let mut stats_index: HashMap<&str, usize> = HashMap::new();
        let mut ratings: HashMap<i64, f64> = HashMap::new();
        let mut touched: Vec<(i64, String)> = Vec::new();
        let mut touched_set: HashSet<(i64, String)> = HashSet::new();
        let before = notebook.clone();
        for a in answers {
            let i = *stats_index
                .entry(a.question_id.as_str())
                .or_insert_with(|| {
                    stats.push(QuestionStatsDelta {
                        question_id: a.question_id.clone(),
                        rating: 0.0,
                        attempts: 0,
                        correct: 0,
                        answer_ms: 0,
                    });
                    stats.len() - 1
                });
            stats[i].rating = a.question_rating;
            stats[i].attempts += 1;
            stats[i].correct += flag(a.correct);
            stats[i].answer_ms += a.answer_ms;
            // Answers that do not move the practice rating (the PK modes)
            // carry none.
            if let Some(rating) = a.member_rating {
                ratings.insert(a.member_id, rating);
            }
            let key = (a.member_id, a.question_id.clone());
            if let Some(next) =
                notebook::after_answer(notebook.get(&key).copied(), a.correct, a.answered_at_ms)
            {
                if touched_set.insert(key.clone()) {
                    touched.push(key.clone());
                }
                notebook.insert(key, next);
            }
        }
        let notebook_rows = touched
            .into_iter()
            .filter_map(|key| {
                let entry = notebook[&key];
                (before.get(&key) != Some(&entry)).then_some((key.0, key.1, entry))
            })
            .collect();
        let mut member_ratings: Vec<(i64, f64)> = ratings.into_iter().collect();
        member_ratings.sort_by_key(|(id, _)| *id);
        BatchEffects {
            question_stats: stats,
            notebook: notebook_rows,
            member_ratings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(member_id: i64, question: &str, correct: bool, at: i64, rating: f64) -> AnswerRecord {
        AnswerRecord {
            session_id: 1,
            question_id: question.into(),
            question_version: 1,
            member_id,
            history: "party".into(),
            mode: "practice".into(),
            choice: Some("A".into()),
            correct,
            answer_ms: 1000,
            points: if correct { 900 } else { 0 },
            answered_at_ms: at,
            member_rating: Some(rating),
            question_rating: 3000.0 - rating,
        }
    }

    #[test]
    fn a_batch_folds_into_one_write_per_question_member_and_notebook_row() {
        let answers = [
            answer(1, "q1", false, 10, 1490.0),
            answer(2, "q1", true, 20, 1510.0),
            answer(1, "q1", true, 30, 1500.0),
            answer(1, "q2", true, 40, 1505.0),
        ];
        let effects = BatchEffects::derive(&answers, HashMap::new());
        assert_eq!(
            effects.question_stats,
            [
                QuestionStatsDelta {
                    question_id: "q1".into(),
                    rating: 1500.0,
                    attempts: 3,
                    correct: 2,
                    answer_ms: 3000
                },
                QuestionStatsDelta {
                    question_id: "q2".into(),
                    rating: 1495.0,
                    attempts: 1,
                    correct: 1,
                    answer_ms: 1000
                },
            ]
        );
        assert_eq!(effects.member_ratings, [(1, 1505.0), (2, 1510.0)]);
        // Member 1 missed q1, then got it right: one row, already in box 1.
        assert_eq!(effects.notebook.len(), 1);
        let (member, question, entry) = &effects.notebook[0];
        assert_eq!(
            (
                *member,
                question.as_str(),
                entry.wrong_count,
                entry.box_level
            ),
            (1, "q1", 1, 1)
        );
    }

    #[test]
    fn answers_without_a_member_rating_leave_it_alone() {
        let duel = AnswerRecord {
            mode: "duel".into(),
            member_rating: None,
            answer_ms: 2500,
            ..answer(1, "q1", true, 20, 0.0)
        };
        let effects =
            BatchEffects::derive(&[answer(1, "q1", true, 10, 1490.0), duel], HashMap::new());
        assert_eq!(effects.member_ratings, [(1, 1490.0)]);
        assert_eq!(effects.question_stats[0].answer_ms, 3500);
        let only_duel = AnswerRecord {
            member_rating: None,
            ..answer(2, "q1", true, 30, 0.0)
        };
        assert!(
            BatchEffects::derive(&[only_duel], HashMap::new())
                .member_ratings
                .is_empty()
        );
    }

    #[test]
    fn unchanged_notebook_rows_are_not_rewritten() {
        let mastered = notebook::Entry {
            wrong_count: 1,
            box_level: notebook::MASTERED_BOX,
            due_at_ms: 0,
            last_wrong_at_ms: 0,
        };
        let existing = HashMap::from([((1, "q1".to_string()), mastered)]);
        let effects = BatchEffects::derive(&[answer(1, "q1", true, 10, 1500.0)], existing);
        assert!(effects.notebook.is_empty());
    }
}
