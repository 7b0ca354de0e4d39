//! Pairing the duel queue by rating, in the spirit of lichess's pools: the
//! acceptable rating gap widens the longer a player waits.

use std::time::{Duration, Instant};

/// One player waiting in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Seeker {
    /// The queue entry; unique per entry.
    pub ticket: u64,
    pub member_id: i64,
    pub rating: f64,
    pub since: Instant,
    /// Relaxed players only meet relaxed players: the scoring differs.
    pub relaxed: bool,
}

/// The gap accepted at once.
const BASE_WINDOW: f64 = 100.0;
/// Added per second of waiting.
const WIDEN_PER_SECOND: f64 = 50.0;
/// Past this, a member would rather meet a bot than a mismatch.
const MAX_WINDOW: f64 = 600.0;

/// The rating gap a player who has waited `waited` accepts.
pub fn window(waited: Duration) -> f64 {
    (BASE_WINDOW + WIDEN_PER_SECOND * waited.as_secs_f64()).min(MAX_WINDOW)
}

/// Pairs seekers whose rating gap fits the wider of their two windows,
/// longest waiting first, each with the closest rating available. Never
/// pairs a member with themself. Returns index pairs into `seekers`.
pub fn pair(seekers: &[Seeker], now: Instant) -> Vec<(usize, usize)> {
    let mut by_rating: Vec<usize> = (0..seekers.len()).collect();
    by_rating.sort_by(|&a, &b| seekers[a].rating.total_cmp(&seekers[b].rating));
    let mut position = vec![0; seekers.len()];
    for (p, &i) in by_rating.iter().enumerate() {
        position[i] = p;
    }
    let mut by_wait: Vec<usize> = (0..seekers.len()).collect();
    by_wait.sort_by_key(|&i| (seekers[i].since, seekers[i].ticket));
    let window_of = |i: usize| window(now.saturating_duration_since(seekers[i].since));
    let mut taken = vec![false; seekers.len()];
    let mut pairs = Vec::new();
    for &i in &by_wait {
        if taken[i] {
            continue;
        }
        let me = &seekers[i];
        let fits = |j: usize| {
            let other = &seekers[j];
            !taken[j]
                && j != i
                && other.member_id != me.member_id
                && other.relaxed == me.relaxed
                && (other.rating - me.rating).abs() <= window_of(i).max(window_of(j))
        };
        // Walk outwards in rating order; stop a side once it is out of reach
        // of any window.
        let mut best: Option<(f64, usize)> = None;
        let p = position[i];
        for &j in by_rating[p + 1..].iter() {
            let gap = seekers[j].rating - me.rating;
            if gap > MAX_WINDOW {
                break;
            }
            if fits(j) {
                best = Some((gap, j));
                break;
            }
        }
        for &j in by_rating[..p].iter().rev() {
            let gap = me.rating - seekers[j].rating;
            if gap > MAX_WINDOW || best.is_some_and(|(g, _)| gap >= g) {
                break;
            }
            if fits(j) {
                best = Some((gap, j));
                break;
            }
        }
        if let Some((_, j)) = best {
            taken[i] = true;
            taken[j] = true;
            pairs.push((i, j));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn seeker(ticket: u64, member_id: i64, rating: f64, since: Instant) -> Seeker {
        Seeker {
            ticket,
            member_id,
            rating,
            since,
            relaxed: false,
        }
    }

    #[test]
    fn the_window_widens_with_waiting_and_stops_at_a_cap() {
        assert_eq!(window(Duration::ZERO), 100.0);
        assert_eq!(window(Duration::from_secs(4)), 300.0);
        assert_eq!(window(Duration::from_secs(60)), MAX_WINDOW);
    }

    #[test]
    fn close_ratings_pair_at_once_and_far_ones_wait() {
        let now = Instant::now();
        let q = [
            seeker(1, 1, 1500.0, now),
            seeker(2, 2, 1550.0, now),
            seeker(3, 3, 1900.0, now),
        ];
        assert_eq!(pair(&q, now), [(0, 1)]);
        // After 8 s the lone 1900 reaches a 1500 (window 500).
        let q = [seeker(1, 1, 1500.0, now), seeker(3, 3, 1900.0, now)];
        assert!(pair(&q, now).is_empty());
        assert_eq!(pair(&q, now + Duration::from_secs(8)), [(0, 1)]);
    }

    #[test]
    fn the_longest_waiting_player_gets_the_closest_rating() {
        let now = Instant::now();
        let q = [
            seeker(1, 1, 1500.0, now),
            seeker(2, 2, 1520.0, now - Duration::from_secs(5)),
            seeker(3, 3, 1510.0, now),
        ];
        // Seeker 2 waited longest and takes 1510, the closest.
        assert_eq!(pair(&q, now), [(1, 2)]);
    }

    #[test]
    fn a_member_never_meets_themself_nor_a_different_scoring() {
        let now = Instant::now();
        let q = [seeker(1, 7, 1500.0, now), seeker(2, 7, 1500.0, now)];
        assert!(pair(&q, now).is_empty());
        let mut relaxed = seeker(3, 8, 1500.0, now);
        relaxed.relaxed = true;
        let q = [seeker(1, 7, 1500.0, now), relaxed];
        assert!(pair(&q, now).is_empty());
    }

    proptest! {
        #[test]
        fn pairs_are_disjoint_distinct_members_and_within_a_window(
            people in proptest::collection::vec((0..20i64, 1000.0..2200.0f64, 0..30u64), 0..40)
        ) {
            let now = Instant::now();
            let q: Vec<Seeker> = people
                .iter()
                .enumerate()
                .map(|(i, &(m, r, w))| seeker(i as u64, m, r, now - Duration::from_secs(w)))
                .collect();
            let pairs = pair(&q, now);
            let mut seen = std::collections::HashSet::new();
            for &(a, b) in &pairs {
                prop_assert!(seen.insert(a) && seen.insert(b));
                prop_assert_ne!(q[a].member_id, q[b].member_id);
                let gap = (q[a].rating - q[b].rating).abs();
                let w = window(now - q[a].since).max(window(now - q[b].since));
                prop_assert!(gap <= w);
            }
        }
    }
}
