//! Choosing which questions a member gets.

use std::collections::HashSet;
use std::sync::Arc;

use rand::Rng;
use rand::seq::SliceRandom;

use super::question::{History, Question};

/// Which part of the bank a set draws from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// `None` mixes all four histories.
    pub history: Option<History>,
    pub difficulty: Option<u8>,
}

impl Filter {
    pub fn admits(&self, q: &Question) -> bool {
        self.history.is_none_or(|h| q.history == h)
            && self.difficulty.is_none_or(|d| q.difficulty == d)
    }
}

/// Practice avoids questions the member saw this recently.
pub const RECENT_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How far, in rating points, a question may sit from the member before it
/// starts to lose out to closer ones. Random jitter of this size keeps sets
/// from repeating while still centring on the member's level.
const LEVEL_JITTER: f64 = 250.0;
/// A question seen recently ranks as if it were this much further away.
const RECENT_PENALTY: f64 = 2000.0;

/// Picks `count` questions near `member_rating`, preferring ones the member
/// has not seen recently. `rating_of` gives each question's current rating.
pub fn pick_near_level(
    pool: &[Arc<Question>],
    filter: &Filter,
    count: usize,
    member_rating: f64,
    rating_of: impl Fn(&Question) -> f64,
    recently_seen: &HashSet<String>,
    rng: &mut impl Rng,
) -> Vec<Arc<Question>> {
    let mut ranked: Vec<(f64, &Arc<Question>)> = pool
        .iter()
        .filter(|q| filter.admits(q))
        .map(|q| {
            let distance = (rating_of(q) - member_rating).abs();
            let penalty = if recently_seen.contains(&q.id) {
                RECENT_PENALTY
            } else {
                0.0
            };
            let jitter = rng.random_range(0.0..LEVEL_JITTER);
            (distance + penalty + jitter, q)
        })
        .collect();
    // Only which questions are closest matters, not their order (they are
    // shuffled below): a selection, not a sort of the whole bank.
    if count < ranked.len() {
        ranked.select_nth_unstable_by(count, |a, b| a.0.total_cmp(&b.0));
        ranked.truncate(count);
    }
    // From `iter`, not `into_iter`: collecting in place would keep the
    // whole bank's ranking as the capacity of every set's question list.
    let mut picked: Vec<Arc<Question>> = ranked.iter().map(|(_, q)| Arc::clone(q)).collect();
    // The ranking front-loads the closest questions; play them in random order.
    picked.shuffle(rng);
    picked
}

/// A challenge run climbs: easy questions first, each difficulty level in
/// random order, up to `limit` questions in all.
pub fn challenge_ladder(
    pool: &[Arc<Question>],
    filter: &Filter,
    limit: usize,
    rng: &mut impl Rng,
) -> Vec<Arc<Question>> {
    let mut admitted: Vec<Arc<Question>> =
        pool.iter().filter(|q| filter.admits(q)).cloned().collect();
    admitted.shuffle(rng);
    admitted.sort_by_key(|q| q.difficulty);
    admitted.truncate(limit);
    // A run lives as long as its player plays it.
    admitted.shrink_to_fit();
    admitted
}

/// Option orders for a match: `[seat][question]`, each seat its own
/// shuffle of every question (see [`option_order`]).
pub fn seat_option_orders(
    seats: usize,
    questions: &[std::sync::Arc<Question>],
    rng: &mut impl rand::Rng,
) -> Vec<Vec<Vec<u8>>> {
    (0..seats)
        .map(|_| {
            questions
                .iter()
                .map(|q| option_order(q.options.len(), q.shuffles_options(), rng))
                .collect()
        })
        .collect()
}

/// A random permutation of `len` option positions: `order[shown] = canonical`.
pub fn option_order(len: usize, shuffle: bool, rng: &mut impl Rng) -> Vec<u8> {
    let mut order: Vec<u8> = (0..len as u8).collect();
    if shuffle {
        order.shuffle(rng);
    }
    order
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::domain::question::{OptionSet, QuestionKind};

    fn question(id: &str, history: History, difficulty: u8) -> Arc<Question> {
        Arc::new(Question {
            id: id.into(),
            version: 1,
            history,
            difficulty,
            kind: QuestionKind::Single,
            prompt: "问".into(),
            options: vec!["甲".into(), "乙".into()],
            answer: OptionSet::from_indices([0]).unwrap(),
            explanation: "解".into(),
            source: "源".into(),
            time_limit: Duration::from_secs(20),
            media: None,
        })
    }

    fn pool() -> Vec<Arc<Question>> {
        let mut pool = Vec::new();
        for (i, h) in History::ALL.into_iter().enumerate() {
            for d in 1..=5u8 {
                for k in 0..4 {
                    pool.push(question(&format!("q{i}-{d}-{k}"), h, d));
                }
            }
        }
        pool
    }

    fn rating(q: &Question) -> f64 {
        crate::domain::rating::initial_question_rating(q.difficulty)
    }

    #[test]
    fn picks_only_from_the_chosen_history_and_never_twice() {
        let mut rng = StdRng::seed_from_u64(1);
        let filter = Filter {
            history: Some(History::Reform),
            difficulty: None,
        };
        let picked = pick_near_level(
            &pool(),
            &filter,
            10,
            1500.0,
            rating,
            &HashSet::new(),
            &mut rng,
        );
        assert_eq!(picked.len(), 10);
        assert!(picked.iter().all(|q| q.history == History::Reform));
        let ids: HashSet<_> = picked.iter().map(|q| q.id.clone()).collect();
        assert_eq!(ids.len(), 10);
    }

    #[test]
    fn picks_cluster_around_the_member_level() {
        let mut rng = StdRng::seed_from_u64(2);
        let picked = pick_near_level(
            &pool(),
            &Filter::default(),
            10,
            1100.0,
            rating,
            &HashSet::new(),
            &mut rng,
        );
        let mean = picked.iter().map(|q| f64::from(q.difficulty)).sum::<f64>() / 10.0;
        assert!(mean < 2.0, "a beginner got a mean difficulty of {mean}");
    }

    #[test]
    fn recently_seen_questions_come_last() {
        let mut rng = StdRng::seed_from_u64(3);
        let pool = pool();
        let filter = Filter {
            history: Some(History::Party),
            difficulty: Some(3),
        };
        let seen: HashSet<String> = ["q0-3-0", "q0-3-1"].map(String::from).into();
        let picked = pick_near_level(&pool, &filter, 2, 1500.0, rating, &seen, &mut rng);
        assert!(picked.iter().all(|q| !seen.contains(&q.id)));
    }

    #[test]
    fn a_small_pool_gives_what_it_has() {
        let mut rng = StdRng::seed_from_u64(4);
        let filter = Filter {
            history: Some(History::Prc),
            difficulty: Some(5),
        };
        let picked = pick_near_level(
            &pool(),
            &filter,
            20,
            1500.0,
            rating,
            &HashSet::new(),
            &mut rng,
        );
        assert_eq!(picked.len(), 4);
    }

    #[test]
    fn a_challenge_ladder_never_gets_easier() {
        let mut rng = StdRng::seed_from_u64(5);
        let ladder = challenge_ladder(&pool(), &Filter::default(), 50, &mut rng);
        assert_eq!(ladder.len(), 50);
        assert!(
            ladder
                .windows(2)
                .all(|w| w[0].difficulty <= w[1].difficulty)
        );
    }

    #[test]
    fn option_order_is_a_permutation() {
        let mut rng = StdRng::seed_from_u64(6);
        let mut order = option_order(5, true, &mut rng);
        order.sort();
        assert_eq!(order, [0, 1, 2, 3, 4]);
        assert_eq!(option_order(2, false, &mut rng), [0, 1]);
    }
}
