//! The competition's standings: districts by competition points, and each
//! district's top contributors.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// One district's record in a competition.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DistrictTally {
    pub district: String,
    pub battles: u32,
    pub wins: u32,
    pub draws: u32,
    pub losses: u32,
    /// Competition points (2 a win, 1 a draw): what the standings go by.
    pub points: u32,
    /// Distinct members who played at least one battle for the district.
    pub participants: u32,
    /// The district's registered members.
    pub registered: u32,
    /// Answers given by the district's members.
    pub answers: u64,
    pub correct: u64,
    /// The members' own points, summed.
    pub points_scored: u64,
}

impl DistrictTally {
    /// Participants over registered members, at most 1 (a member who moved
    /// away after playing still counts as a participant here); 0 when the
    /// district has no registered members.
    pub fn participation_rate(&self) -> f64 {
        let (n, d) = self.participation();
        if d == 0 { 0.0 } else { n as f64 / d as f64 }
    }

    /// Correct answers over answers; 0 before any answer.
    pub fn accuracy(&self) -> f64 {
        let (n, d) = self.accuracy_fraction();
        if d == 0 { 0.0 } else { n as f64 / d as f64 }
    }

    fn participation(&self) -> (u64, u64) {
        let d = u64::from(self.registered);
        (u64::from(self.participants).min(d), d)
    }

    fn accuracy_fraction(&self) -> (u64, u64) {
        (self.correct.min(self.answers), self.answers)
    }
}

/// Compares `n1/d1` with `n2/d2` exactly, a fraction over 0 being 0, so
/// that 1/3 and 2/6 are equal.
fn cmp_fraction((n1, d1): (u64, u64), (n2, d2): (u64, u64)) -> Ordering {
    let (n1, d1) = if d1 == 0 { (0, 1) } else { (n1, d1) };
    let (n2, d2) = if d2 == 0 { (0, 1) } else { (n2, d2) };
    (u128::from(n1) * u128::from(d2)).cmp(&(u128::from(n2) * u128::from(d1)))
}

/// `Less` when `x` stands ahead of `y`: more competition points, then more
/// wins, then higher accuracy, then higher participation rate.
fn standing(x: &DistrictTally, y: &DistrictTally) -> Ordering {
    y.points
        .cmp(&x.points)
        .then(y.wins.cmp(&x.wins))
        .then(cmp_fraction(y.accuracy_fraction(), x.accuracy_fraction()))
        .then(cmp_fraction(y.participation(), x.participation()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedDistrict {
    /// 1-based; districts equal on every criterion share a place, and the
    /// next place skips (1, 1, 3).
    pub place: usize,
    pub tally: DistrictTally,
}

/// The standings: by competition points, then wins, then accuracy, then
/// participation rate (ratios compared exactly). Districts equal on all
/// four share a place and are listed by name, so the order never depends
/// on the input's.
pub fn rank_districts(tallies: &[DistrictTally]) -> Vec<RankedDistrict> {
    let mut sorted: Vec<&DistrictTally> = tallies.iter().collect();
    sorted.sort_by(|x, y| standing(x, y).then_with(|| x.district.cmp(&y.district)));
    with_places(sorted, |x, y| standing(x, y) == Ordering::Equal)
        .into_iter()
        .map(|(place, tally)| RankedDistrict {
            place,
            tally: tally.clone(),
        })
        .collect()
}

/// One member's contribution to their district in a competition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Contribution {
    pub member_id: i64,
    /// The member's own points in counted battles.
    pub points: u64,
    pub battles: u32,
    /// When the member reached these points (their last counted battle):
    /// ties go to whoever got there first.
    pub reached_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RankedContributor {
    /// 1-based; shared only by equal points reached at the same moment.
    pub place: usize,
    pub contribution: Contribution,
}

/// A district's contributors: most points first, then whoever reached
/// them first, then by member id (order only: equal points and times
/// share a place).
pub fn rank_contributors(contributions: &[Contribution]) -> Vec<RankedContributor> {
    let key = |c: &Contribution| (std::cmp::Reverse(c.points), c.reached_at_ms);
    let mut sorted: Vec<&Contribution> = contributions.iter().collect();
    sorted.sort_by_key(|c| (key(c), c.member_id));
    with_places(sorted, |x, y| key(x) == key(y))
        .into_iter()
        .map(|(place, &contribution)| RankedContributor {
            place,
            contribution,
        })
        .collect()
}

/// Places for an already sorted list: each item takes its 1-based
/// position, or the place of the one before when `same` says they tie.
fn with_places<T: Copy>(sorted: Vec<T>, same: impl Fn(T, T) -> bool) -> Vec<(usize, T)> {
    let mut out: Vec<(usize, T)> = Vec::with_capacity(sorted.len());
    for (i, item) in sorted.into_iter().enumerate() {
        let place = match out.last() {
            Some(&(place, previous)) if same(previous, item) => place,
            _ => i + 1,
        };
        out.push((place, item));
    }
    out
}
