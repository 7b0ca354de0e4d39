//! Forming team battles from the district queue: full teams at once,
//! smaller or uneven teams once a district has waited long enough.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// After its longest waiter has waited this long, a district battles with
/// whatever is waiting (1v1, 3v2 …) rather than keep its members waiting
/// for a full opponent. Team averages keep uneven battles fair.
pub const UNEVEN_AFTER: Duration = Duration::from_secs(20);

/// One member waiting for a district battle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSeeker {
    /// The queue entry; unique per entry.
    pub ticket: u64,
    pub member_id: i64,
    /// The district the member plays for.
    pub district: String,
    pub since: Instant,
}

/// A battle to start: indices into the seekers, each side from one
/// district, longest waiting first. Side `a` is the district that waited
/// longer (in an uneven battle, the one whose wait made it possible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Battle {
    pub a: Vec<usize>,
    pub b: Vec<usize>,
}

/// Forms battles from the queue at `now`, each between two different
/// districts:
///
/// 1. Full battles (`team_size` against `team_size`, brought to at least 1)
///    first, as many as the queue allows: of the districts with a full team
///    waiting, the two that have waited longest meet (a district's wait is
///    its longest waiter's), then again.
/// 2. Then, while a district's longest waiter has waited `uneven_after`
///    (longest-waiting such district first), it battles with whatever is
///    waiting: its side takes up to `team_size` of its longest waiters, the
///    opponent is the other district with the most members waiting (then
///    the longest wait), up to `team_size` of them.
///
/// Within a district the longest waiting go first; ties in waiting go by
/// ticket, then district name, so the result does not depend on the input
/// order. A member listed twice (a stale entry) is taken at their first
/// entry only. Whoever is left keeps waiting.
pub fn form_battles(
    seekers: &[TeamSeeker],
    now: Instant,
    team_size: usize,
    uneven_after: Duration,
) -> Vec<Battle> {
    let team_size = team_size.max(1);
    let order = |i: usize| (seekers[i].since, seekers[i].ticket);

    // Each district's waiting members, longest waiting first.
    let mut members = HashSet::new();
    let mut queues: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in seekers.iter().enumerate() {
        if members.insert(s.member_id) {
            queues.entry(s.district.as_str()).or_default().push(i);
        }
    }
    for queue in queues.values_mut() {
        queue.sort_by_key(|&i| order(i));
    }
    let take = |queues: &mut BTreeMap<&str, Vec<usize>>, district: &str| {
        let queue = queues.get_mut(district).expect("a waiting district");
        let n = queue.len().min(team_size);
        queue.drain(..n).collect::<Vec<usize>>()
    };

    let mut battles = Vec::new();
    loop {
        let mut full: Vec<(&str, usize)> = queues
            .iter()
            .filter(|(_, q)| q.len() >= team_size)
            .map(|(&d, q)| (d, q[0]))
            .collect();
        if full.len() < 2 {
            break;
        }
        full.sort_by_key(|&(d, first)| (order(first), d));
        let (a, b) = (full[0].0, full[1].0);
        battles.push(Battle {
            a: take(&mut queues, a),
            b: take(&mut queues, b),
        });
    }

    loop {
        let veteran = queues
            .iter()
            .filter(|(_, q)| {
                q.first().is_some_and(|&i| {
                    now.saturating_duration_since(seekers[i].since) >= uneven_after
                })
            })
            .min_by_key(|&(&d, q)| (order(q[0]), d))
            .map(|(&d, _)| d);
        let Some(veteran) = veteran else { break };
        let opponent = queues
            .iter()
            .filter(|&(&d, q)| d != veteran && !q.is_empty())
            .min_by_key(|&(&d, q)| (std::cmp::Reverse(q.len()), order(q[0]), d))
            .map(|(&d, _)| d);
        // No other district is waiting at all: nothing more can form.
        let Some(opponent) = opponent else { break };
        battles.push(Battle {
            a: take(&mut queues, veteran),
            b: take(&mut queues, opponent),
        });
    }
    battles
}
