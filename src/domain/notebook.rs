//! The wrong-answer notebook (错题本) and its spaced-repetition schedule.
//!
//! A Leitner schedule: a miss puts the question in box 0, due at once; each
//! later correct answer moves it up a box and further out; past the last box
//! the question counts as mastered and leaves the notebook.

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a question rests after a correct answer moves it into box 1, 2, 3.
pub const BOX_INTERVALS_MS: [i64; 3] = [DAY_MS, 3 * DAY_MS, 7 * DAY_MS];
/// Reaching this box means the member has it: three spaced correct answers.
pub const MASTERED_BOX: i64 = BOX_INTERVALS_MS.len() as i64 + 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub wrong_count: i64,
    pub box_level: i64,
    pub due_at_ms: i64,
    pub last_wrong_at_ms: i64,
}

impl Entry {
    pub fn is_mastered(&self) -> bool {
        self.box_level >= MASTERED_BOX
    }

    pub fn is_due(&self, now_ms: i64) -> bool {
        !self.is_mastered() && self.due_at_ms <= now_ms
    }
}

/// The entry after an answer. `None` in, correct answer: nothing to track.
pub fn after_answer(entry: Option<Entry>, correct: bool, now_ms: i64) -> Option<Entry> {
    match (entry, correct) {
        (None, true) => None,
        (previous, false) => Some(Entry {
            wrong_count: previous.map_or(0, |e| e.wrong_count) + 1,
            box_level: 0,
            due_at_ms: now_ms,
            last_wrong_at_ms: now_ms,
        }),
        (Some(e), true) if e.is_mastered() => Some(e),
        (Some(e), true) => {
            let box_level = e.box_level + 1;
            let interval = BOX_INTERVALS_MS
                .get((box_level - 1) as usize)
                .copied()
                .unwrap_or(0);
            Some(Entry {
                box_level,
                due_at_ms: now_ms + interval,
                ..e
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_miss_enters_the_notebook_due_at_once() {
        let e = after_answer(None, false, 1000).unwrap();
        assert_eq!(e.wrong_count, 1);
        assert_eq!(e.box_level, 0);
        assert!(e.is_due(1000));
    }

    #[test]
    fn a_correct_answer_to_an_untracked_question_is_not_tracked() {
        assert_eq!(after_answer(None, true, 1000), None);
    }

    #[test]
    fn correct_answers_space_the_question_out_until_it_is_mastered() {
        let mut e = after_answer(None, false, 0);
        let mut now = 0;
        let mut dues = Vec::new();
        for _ in 0..4 {
            e = after_answer(e, true, now);
            let entry = e.unwrap();
            dues.push(entry.due_at_ms - now);
            now = entry.due_at_ms;
        }
        assert_eq!(dues[..3], BOX_INTERVALS_MS);
        assert!(e.unwrap().is_mastered());
        assert!(!e.unwrap().is_due(i64::MAX));
    }

    #[test]
    fn a_miss_sends_it_back_to_box_zero_and_counts_again() {
        let e = after_answer(None, false, 0);
        let e = after_answer(e, true, 10);
        let e = after_answer(e, false, 20).unwrap();
        assert_eq!(e.box_level, 0);
        assert_eq!(e.wrong_count, 2);
        assert_eq!(e.last_wrong_at_ms, 20);
    }
}
