//! The live ratings of the bank's questions.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::domain::question::Question;
use crate::domain::rating;

/// Question ratings, learned from every practice answer. Loaded from the
/// database at start; the answer writer persists each change.
/// A std mutex: each use is a single map read or write, never across an await.
#[derive(Default)]
pub struct QuestionRatings {
    ratings: Mutex<HashMap<String, f64>>,
}

pub struct RatingsView<'a>(MutexGuard<'a, HashMap<String, f64>>);

impl RatingsView<'_> {
    pub fn get(&self, q: &Question) -> f64 {
        self.0
            .get(&q.id)
            .copied()
            .unwrap_or_else(|| rating::initial_question_rating(q.difficulty))
    }
}

impl QuestionRatings {
    pub fn new(known: HashMap<String, f64>) -> QuestionRatings {
        QuestionRatings {
            ratings: Mutex::new(known),
        }
    }

    pub fn get(&self, q: &Question) -> f64 {
        self.view().get(q)
    }

    /// Every rating under one lock, for ranking the whole bank: a set or
    /// a match start reads them all.
    pub fn view(&self) -> RatingsView<'_> {
        RatingsView(self.ratings.lock().expect("ratings lock poisoned"))
    }

    /// Plays one answer and returns the member's and question's new ratings.
    pub fn apply(&self, q: &Question, member_rating: f64, correct: bool) -> (f64, f64) {
        let mut ratings = self.ratings.lock().expect("ratings lock poisoned");
        let current = ratings
            .get(&q.id)
            .copied()
            .unwrap_or_else(|| rating::initial_question_rating(q.difficulty));
        let (member, question) = rating::after_answer(member_rating, current, correct);
        ratings.insert(q.id.clone(), question);
        (member, question)
    }
}
