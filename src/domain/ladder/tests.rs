use std::collections::HashSet;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::domain::glicko::{Glicko, NEW_PLAYER};

fn rank(tier: Tier, stars: u32) -> Rank {
    Rank::new(tier, stars).unwrap()
}

// ---------------------------------------------------------------- tiers

#[test]
fn tiers_have_names_caps_and_parse_back() {
    let zh: Vec<&str> = Tier::ALL.iter().map(|t| t.name_zh()).collect();
    assert_eq!(zh, ["青铜", "白银", "黄金", "铂金", "钻石", "王者"]);
    let caps: Vec<Option<u32>> = Tier::ALL.iter().map(|t| t.cap()).collect();
    assert_eq!(caps, [Some(3), Some(3), Some(4), Some(4), Some(5), None]);
    for t in Tier::ALL {
        assert_eq!(Tier::parse(t.as_str()), Some(t));
        assert_eq!(Tier::parse(t.name_zh()), Some(t));
        assert_eq!(t.to_string(), t.as_str());
    }
    assert_eq!(Tier::parse("wood"), None);
    assert_eq!(Tier::Bronze.previous(), None);
    assert_eq!(Tier::King.next(), None);
    assert_eq!(
        serde_json::to_string(&Tier::Platinum).unwrap(),
        "\"platinum\""
    );
}

#[test]
fn rank_new_checks_the_star_range() {
    assert_eq!(Rank::new(Tier::Gold, 0), None);
    assert_eq!(Rank::new(Tier::Gold, 5), None);
    assert!(Rank::new(Tier::Gold, 4).is_some());
    assert!(Rank::new(Tier::King, 250).is_some());
    assert_eq!(Rank::START, rank(Tier::Bronze, 1));
    assert_eq!(Rank::default(), Rank::START);
    assert_eq!(rank(Tier::Gold, 2).to_string(), "黄金 2★");
}

#[test]
fn points_count_stars_from_the_bottom() {
    let firsts: Vec<u32> = Tier::ALL.iter().map(|&t| rank(t, 1).points()).collect();
    assert_eq!(firsts, [1, 4, 7, 11, 15, 20]);
    assert_eq!(rank(Tier::Diamond, 5).points(), 19);
    assert_eq!(rank(Tier::King, 10).points(), 29);
    for p in 1..60 {
        assert_eq!(Rank::from_points(p).points(), p);
    }
    assert_eq!(Rank::from_points(0), Rank::START);
}

#[test]
fn every_capped_tier_promotes_past_its_cap_and_demotes_below_one() {
    for t in Tier::ALL {
        let Some(cap) = t.cap() else { continue };
        let next = t.next().unwrap();
        assert_eq!(rank(t, cap).apply(1), rank(next, 1), "{t} promotes");
        assert_eq!(rank(t, cap - 1).apply(1), rank(t, cap), "{t} fills up");
        assert_eq!(rank(t, cap).apply(2), rank(next, 2), "{t} promotes by 2");
        assert_eq!(rank(next, 1).apply(-1), rank(t, cap), "{next} demotes");
        assert_eq!(rank(next, 2).apply(-2), rank(t, cap), "{next} demotes by 2");
        assert_eq!(rank(next, 1).apply(-2), rank(t, cap - 1));
    }
}

#[test]
fn promotion_can_cross_a_whole_tier() {
    assert_eq!(rank(Tier::Bronze, 3).apply(4), rank(Tier::Gold, 1));
    assert_eq!(rank(Tier::Bronze, 1).apply(6), rank(Tier::Gold, 1));
    assert_eq!(rank(Tier::Gold, 1).apply(-6), rank(Tier::Bronze, 1));
}

#[test]
fn bronze_one_star_is_the_floor() {
    assert_eq!(Rank::START.apply(-1), Rank::START);
    assert_eq!(Rank::START.apply(-2), Rank::START);
    assert_eq!(rank(Tier::Bronze, 2).apply(-2), Rank::START);
    assert_eq!(rank(Tier::Silver, 1).apply(-100), Rank::START);
    assert_eq!(Rank::START.apply(i32::MIN), Rank::START);
}

#[test]
fn king_has_no_cap() {
    let king = rank(Tier::Diamond, 5).apply(1);
    assert_eq!(king, rank(Tier::King, 1));
    assert_eq!(king.apply(2), rank(Tier::King, 3));
    assert_eq!(rank(Tier::King, 99).apply(2), rank(Tier::King, 101));
    assert_eq!(rank(Tier::King, 3).apply(-2), rank(Tier::King, 1));
    assert_eq!(rank(Tier::King, 1).apply(-1), rank(Tier::Diamond, 5));
    assert!(rank(Tier::King, 1) > rank(Tier::Diamond, 5));
    assert!(rank(Tier::King, 40) > rank(Tier::King, 39));
}

#[test]
fn ranks_sort_by_tier_then_stars() {
    let mut ranks = vec![
        rank(Tier::Gold, 1),
        rank(Tier::Bronze, 3),
        rank(Tier::King, 2),
        rank(Tier::Silver, 1),
        rank(Tier::Gold, 4),
    ];
    ranks.sort();
    assert_eq!(
        ranks,
        [
            rank(Tier::Bronze, 3),
            rank(Tier::Silver, 1),
            rank(Tier::Gold, 1),
            rank(Tier::Gold, 4),
            rank(Tier::King, 2),
        ]
    );
}

#[test]
fn hand_built_ranks_out_of_range_read_as_the_nearest_star() {
    let zero = Rank {
        tier: Tier::Gold,
        stars: 0,
    };
    assert_eq!(zero.points(), rank(Tier::Gold, 1).points());
    let over = Rank {
        tier: Tier::Silver,
        stars: 9,
    };
    assert_eq!(over.apply(0), rank(Tier::Silver, 3));
}

// ---------------------------------------------------------------- stars

#[test]
fn star_tables() {
    let table = |n: usize| (1..=n).map(|p| star_delta(p, n)).collect::<Vec<_>>();
    assert_eq!(table(4), [2, 1, -1, -2]);
    assert_eq!(table(3), [2, 1, -1]);
    assert_eq!(table(2), [1, -1]);
}

#[test]
fn ties_share_the_better_place_and_outside_the_table_is_zero() {
    // Two tied first in a four-player race: places 1, 1, 3, 4.
    let deltas: Vec<i32> = [1, 1, 3, 4].iter().map(|&p| star_delta(p, 4)).collect();
    assert_eq!(deltas, [2, 2, -1, -2]);
    assert_eq!(star_delta(0, 4), 0);
    assert_eq!(star_delta(5, 4), 0);
    assert_eq!(star_delta(1, 1), 0);
    assert_eq!(star_delta(1, 5), 0);
}

#[test]
fn a_race_against_bots_moves_one_star_at_most_and_no_rating() {
    let solo = RaceKind { humans: 1 };
    assert!(solo.bots_only() && !solo.moves_rating());
    let table = |n: usize| (1..=n).map(|p| solo.star_delta(p, n)).collect::<Vec<_>>();
    assert_eq!(table(4), [1, 1, -1, -1]);
    assert_eq!(table(3), [1, 1, -1]);
    assert_eq!(table(2), [1, -1]);
    let two = RaceKind { humans: 2 };
    assert!(!two.bots_only() && two.moves_rating());
    assert_eq!(two.star_delta(1, 4), 2);
    assert_eq!(two.star_delta(4, 4), -2);
    assert!(!moves_rating(0) && !moves_rating(1));
    assert!(moves_rating(2) && moves_rating(4));
}

#[test]
fn a_player_who_left_places_last() {
    let humans = RaceKind { humans: 4 };
    // Seat 1 left while ahead; seat 3 left too: both take 4th, and the
    // two who stayed move up to 1st and 2nd.
    let deltas = race_star_deltas(&[(2, false), (1, true), (3, false), (4, true)], humans);
    assert_eq!(deltas, [2, -2, 1, -2]);
    let deltas = race_star_deltas(&[(1, true), (2, false)], RaceKind { humans: 1 });
    assert_eq!(deltas, [-1, 1]);
    let deltas = race_star_deltas(&[(1, false), (2, false), (3, true)], humans);
    assert_eq!(deltas, [2, 1, -1]);
    // Ties among those who stayed still share the better place.
    let deltas = race_star_deltas(&[(2, false), (2, false), (1, true), (4, false)], humans);
    assert_eq!(deltas, [2, 2, -2, -1]);
}

// ---------------------------------------------------------------- rating

#[test]
fn the_winner_of_a_four_player_race_gains_and_the_last_loses() {
    let after = race_ratings(&[
        (NEW_PLAYER, 1),
        (NEW_PLAYER, 2),
        (NEW_PLAYER, 3),
        (NEW_PLAYER, 4),
    ]);
    assert!(after[0].rating > 1500.0);
    assert!(after[3].rating < 1500.0);
    assert!(after[0].rating > after[1].rating && after[1].rating > after[2].rating);
    assert!(after[2].rating > after[3].rating);
    // Between equals the race is symmetric about the middle.
    assert!(((after[0].rating - 1500.0) - (1500.0 - after[3].rating)).abs() < 1e-6);
    assert!(((after[1].rating - 1500.0) - (1500.0 - after[2].rating)).abs() < 1e-6);
    assert!(after.iter().all(|g| g.deviation < 350.0));
}

#[test]
fn equal_places_draw() {
    let after = race_ratings(&[(NEW_PLAYER, 1), (NEW_PLAYER, 1)]);
    for g in &after {
        assert!((g.rating - 1500.0).abs() < 1e-6);
    }
    // The same period as a single draw game.
    let one = NEW_PLAYER.after_game(NEW_PLAYER, crate::domain::glicko::GameResult::Draw);
    assert!((after[0].deviation - one.deviation).abs() < 1e-9);
}

#[test]
fn a_two_player_race_is_a_duel_game() {
    use crate::domain::glicko::GameResult;
    let a = Glicko {
        rating: 1600.0,
        deviation: 90.0,
        volatility: 0.06,
    };
    let b = Glicko {
        rating: 1450.0,
        deviation: 200.0,
        volatility: 0.06,
    };
    let after = race_ratings(&[(a, 2), (b, 1)]);
    let duel_a = a.after_game(b, GameResult::Loss);
    let duel_b = b.after_game(a, GameResult::Win);
    assert!((after[0].rating - duel_a.rating).abs() < 1e-9);
    assert!((after[1].rating - duel_b.rating).abs() < 1e-9);
}

#[test]
fn deviation_stays_within_the_duel_bounds_and_one_player_moves_nothing() {
    let settled = Glicko {
        rating: 1500.0,
        deviation: 45.0,
        volatility: 0.06,
    };
    let after = race_ratings(&[(settled, 1), (settled, 2), (settled, 3), (settled, 4)]);
    assert!(after.iter().all(|g| (45.0..=350.0).contains(&g.deviation)));
    assert_eq!(race_ratings(&[(settled, 1)]), [settled]);
    assert!(race_ratings(&[]).is_empty());
}

// ---------------------------------------------------------------- seasons

const NOW: i64 = 1_760_000_000_000;

#[test]
fn seasons_contain_their_start_not_their_end_and_follow_on() {
    let s = Season::new(NOW, DEFAULT_SEASON_DAYS, NOW, &[]).unwrap();
    assert_eq!(s.id, 1);
    assert_eq!(s.ends_at_ms - s.starts_at_ms, 30 * DAY_MS);
    assert!(s.contains(NOW) && s.contains(s.ends_at_ms - 1));
    assert!(!s.contains(NOW - 1) && !s.contains(s.ends_at_ms));
    let next = s.following(DEFAULT_SEASON_DAYS);
    assert_eq!(next.id, 2);
    assert_eq!(next.starts_at_ms, s.ends_at_ms);
    assert!(!next.overlaps(&s));
    let seasons = [s, next];
    assert_eq!(season_at(&seasons, NOW + 5), Some(&s));
    assert_eq!(season_at(&seasons, s.ends_at_ms), Some(&next));
    assert_eq!(season_at(&seasons, NOW - 1), None);
    assert_eq!(season_at(&seasons, next.ends_at_ms), None);
    assert_eq!(s.following(0).ends_at_ms - s.ends_at_ms, DAY_MS);
    assert_eq!(s.following(9999).ends_at_ms - s.ends_at_ms, 365 * DAY_MS);
}

#[test]
fn a_season_lasts_one_to_365_days() {
    for days in [0, -3, 366] {
        assert_eq!(
            Season::new(NOW, days, NOW, &[]),
            Err(SeasonError::BadLength { days })
        );
    }
    assert!(Season::new(NOW, 1, NOW, &[]).is_ok());
    assert!(Season::new(NOW, 365, NOW, &[]).is_ok());
    assert_eq!(
        SeasonError::BadLength { days: 400 }.to_string(),
        "a season lasts 1 to 365 days, not 400"
    );
}

#[test]
fn a_season_starts_no_more_than_a_minute_ago() {
    assert!(Season::new(NOW - 60_000, 7, NOW, &[]).is_ok());
    assert_eq!(
        Season::new(NOW - 60_001, 7, NOW, &[]),
        Err(SeasonError::StartsInPast {
            starts_at_ms: NOW - 60_001,
            now_ms: NOW
        })
    );
    assert!(Season::new(NOW + DAY_MS, 7, NOW, &[]).is_ok());
}

#[test]
fn seasons_never_overlap() {
    let first = Season::new(NOW, 30, NOW, &[]).unwrap();
    let existing = [first];
    let err = Season::new(NOW + 29 * DAY_MS, 10, NOW, &existing).unwrap_err();
    assert_eq!(
        err,
        SeasonError::Overlaps {
            id: 1,
            starts_at_ms: first.starts_at_ms,
            ends_at_ms: first.ends_at_ms
        }
    );
    assert!(err.to_string().contains("season 1"));
    // Back to back is fine, and gets the next id.
    let second = Season::new(first.ends_at_ms, 10, NOW, &existing).unwrap();
    assert_eq!(second.id, 2);
    // A season ending exactly when another starts is fine too.
    let later = Season {
        id: 7,
        starts_at_ms: NOW + 60 * DAY_MS,
        ends_at_ms: NOW + 90 * DAY_MS,
    };
    let before = Season::new(first.ends_at_ms, 30, NOW, &[first, later]).unwrap();
    assert_eq!(before.id, 8);
    assert!(matches!(
        Season::new(first.ends_at_ms, 31, NOW, &[first, later]),
        Err(SeasonError::Overlaps { id: 7, .. })
    ));
}

#[test]
fn soft_reset_drops_every_tier_by_one() {
    let cases = [
        (rank(Tier::Bronze, 3), rank(Tier::Bronze, 1)),
        (rank(Tier::Bronze, 1), rank(Tier::Bronze, 1)),
        (rank(Tier::Silver, 2), rank(Tier::Bronze, 1)),
        (rank(Tier::Gold, 4), rank(Tier::Silver, 1)),
        (rank(Tier::Platinum, 1), rank(Tier::Gold, 1)),
        (rank(Tier::Diamond, 5), rank(Tier::Platinum, 1)),
        (rank(Tier::King, 1), rank(Tier::Diamond, 1)),
        (rank(Tier::King, 80), rank(Tier::Diamond, 1)),
    ];
    for (last, first) in cases {
        assert_eq!(soft_reset(last), first, "{last}");
    }
}

// ---------------------------------------------------------------- queue

fn seeker(ticket: u64, member_id: i64, rank: Rank, rating: f64, since: Instant) -> RaceSeeker {
    RaceSeeker {
        ticket,
        member_id,
        rank,
        rating,
        since,
        relaxed: false,
    }
}

#[test]
fn relaxed_players_only_race_relaxed_players() {
    let now = Instant::now();
    let mut seekers: Vec<RaceSeeker> = (0..4)
        .map(|i| seeker(i, i as i64, Rank::START, 1500.0, now))
        .collect();
    seekers[3].relaxed = true;
    let later = now + SMALL_RACE_AFTER;
    let races = form_races(&seekers, later, 4);
    assert_eq!(races.len(), 1);
    assert!(!races[0].contains(&3), "{races:?}");
}

#[test]
fn the_star_window_widens_with_waiting_and_stops_at_twelve() {
    assert_eq!(star_window(Duration::ZERO), 3);
    assert_eq!(star_window(Duration::from_millis(1999)), 3);
    assert_eq!(star_window(Duration::from_secs(2)), 4);
    assert_eq!(star_window(Duration::from_secs(10)), 8);
    assert_eq!(star_window(Duration::from_secs(18)), 12);
    assert_eq!(star_window(Duration::from_secs(600)), 12);
    assert_eq!(BOT_FILL_AFTER_SECS, 15);
}

#[test]
fn four_close_players_race_at_once() {
    let now = Instant::now();
    let g = rank(Tier::Gold, 2);
    let q: Vec<RaceSeeker> = (0..4)
        .map(|i| seeker(i, i as i64, g, 1500.0 + i as f64 * 10.0, now))
        .collect();
    let races = form_races(&q, now, 4);
    assert_eq!(races.len(), 1);
    let mut members = races[0].clone();
    members.sort();
    assert_eq!(members, [0, 1, 2, 3]);
}

#[test]
fn a_small_race_waits_until_everyone_has_waited_eight_seconds() {
    let now = Instant::now();
    let g = rank(Tier::Gold, 2);
    let q = [
        seeker(1, 1, g, 1500.0, now - Duration::from_secs(9)),
        seeker(2, 2, g, 1500.0, now - Duration::from_secs(3)),
    ];
    assert!(form_races(&q, now, 4).is_empty());
    assert_eq!(
        form_races(&q, now + Duration::from_secs(5), 4),
        [vec![0, 1]]
    );
    // With a fresh third player, the two veterans go without them.
    let q = [
        seeker(1, 1, g, 1500.0, now - Duration::from_secs(9)),
        seeker(2, 2, g, 1500.0, now - Duration::from_secs(8)),
        seeker(3, 3, g, 1500.0, now),
    ];
    assert_eq!(form_races(&q, now, 4), [vec![0, 1]]);
    // A full field of three when the race is for three.
    assert_eq!(form_races(&q, now, 3).len(), 1);
    assert_eq!(form_races(&q, now, 3)[0].len(), 3);
}

#[test]
fn far_ranks_wait_until_the_star_window_widens() {
    let now = Instant::now();
    // Bronze 1★ (1) and Gold 4★ (10): nine stars apart.
    let q = [
        seeker(1, 1, rank(Tier::Bronze, 1), 1500.0, now),
        seeker(2, 2, rank(Tier::Gold, 4), 1500.0, now),
    ];
    assert!(form_races(&q, now, 4).is_empty());
    // At 11 s the window is 3 + 5 = 8 < 9; at 12 s it is 9.
    assert!(form_races(&q, now + Duration::from_secs(11), 4).is_empty());
    assert_eq!(form_races(&q, now + Duration::from_secs(12), 4).len(), 1);
    let q = [
        seeker(1, 1, rank(Tier::Bronze, 1), 1500.0, now),
        seeker(2, 2, rank(Tier::King, 1), 1500.0, now),
    ];
    // 19 stars apart: never, even after a minute.
    assert!(form_races(&q, now + Duration::from_secs(60), 4).is_empty());
}

#[test]
fn far_hidden_ratings_wait_like_duels() {
    let now = Instant::now();
    let g = rank(Tier::Gold, 2);
    let q = [seeker(1, 1, g, 1500.0, now), seeker(2, 2, g, 1950.0, now)];
    // At 8 s the rating window is 500: they meet; before, nothing.
    assert!(form_races(&q, now + Duration::from_secs(7), 4).is_empty());
    assert_eq!(form_races(&q, now + Duration::from_secs(8), 4).len(), 1);
}

#[test]
fn the_longest_waiting_player_is_served_first_and_a_member_never_twice() {
    let now = Instant::now();
    let g = rank(Tier::Gold, 2);
    let q = [
        seeker(1, 1, g, 1500.0, now),
        seeker(2, 2, g, 1500.0, now),
        seeker(3, 3, g, 1500.0, now),
        seeker(4, 4, g, 1500.0, now),
        seeker(5, 5, g, 1500.0, now - Duration::from_secs(3)),
    ];
    let races = form_races(&q, now, 4);
    assert_eq!(races.len(), 1);
    assert_eq!(races[0][0], 4, "the longest waiting anchors the race");
    let q = [
        seeker(1, 7, g, 1500.0, now - Duration::from_secs(20)),
        seeker(2, 7, g, 1500.0, now - Duration::from_secs(20)),
    ];
    assert!(form_races(&q, now, 4).is_empty());
}

#[test]
fn the_closest_ratings_join_first() {
    let now = Instant::now();
    let g = rank(Tier::Gold, 2);
    let q = [
        seeker(1, 1, g, 1500.0, now - Duration::from_secs(1)),
        seeker(2, 2, g, 1590.0, now),
        seeker(3, 3, g, 1510.0, now),
        seeker(4, 4, g, 1490.0, now),
        seeker(5, 5, g, 1520.0, now),
        seeker(6, 6, g, 1595.0, now),
    ];
    let races = form_races(&q, now, 4);
    assert_eq!(races.len(), 1);
    let mut members = races[0].clone();
    members.sort();
    assert_eq!(members, [0, 2, 3, 4]);
}

proptest! {
    #[test]
    fn apply_never_goes_below_the_floor(points in 1u32..60, delta in -100i32..100) {
        let r = Rank::from_points(points).apply(delta);
        prop_assert!(r >= Rank::START);
        prop_assert!(Rank::new(r.tier, r.stars).is_some(), "always a valid rank");
        prop_assert_eq!(r.points() as i64, (points as i64 + delta as i64).max(1));
    }

    #[test]
    fn up_then_down_returns_when_no_floor_is_hit(points in 1u32..60, k in -30i32..30) {
        let start = Rank::from_points(points);
        prop_assume!(points as i64 + k.min(0) as i64 >= 1);
        prop_assert_eq!(start.apply(k).apply(-k), start);
    }

    #[test]
    fn moves_compose_and_order_follows_points(a in 1u32..60, b in 1u32..60, d in 0i32..20, e in 0i32..20) {
        let (ra, rb) = (Rank::from_points(a), Rank::from_points(b));
        prop_assert_eq!(ra.cmp(&rb), a.cmp(&b));
        prop_assert_eq!(ra.apply(d).apply(e), ra.apply(d + e));
        prop_assert!(ra.apply(d) >= ra && ra.apply(-d) <= ra);
    }

    #[test]
    fn soft_reset_never_raises_and_starts_a_tier(points in 1u32..80) {
        let last = Rank::from_points(points);
        let first = soft_reset(last);
        prop_assert!(first <= last);
        prop_assert_eq!(first.stars, 1);
        prop_assert!(first.tier >= Tier::Bronze && first.tier < Tier::King);
    }

    /// Any finishing order with ties (places as standings give them: a tie
    /// shares the better place): stars never drain out of a race, the better
    /// place never gets fewer stars, and the winner always gains.
    #[test]
    fn star_deltas_over_a_race(scores in proptest::collection::vec(0u8..4, 2..=4), humans in 1usize..=4) {
        let n = scores.len();
        let places: Vec<usize> = scores
            .iter()
            .map(|s| 1 + scores.iter().filter(|o| *o > s).count())
            .collect();
        let kind = RaceKind { humans };
        let deltas: Vec<i32> = places.iter().map(|&p| kind.star_delta(p, n)).collect();
        prop_assert!(deltas.iter().sum::<i32>() >= 0);
        for i in 0..n {
            prop_assert!(deltas[i] != 0);
            if humans <= 1 {
                prop_assert!(deltas[i].abs() == 1);
            }
            if places[i] == 1 {
                prop_assert!(deltas[i] > 0);
            }
            for j in 0..n {
                if places[i] < places[j] {
                    prop_assert!(deltas[i] >= deltas[j]);
                }
            }
        }
        // Without ties the full table balances for 2 and 4 players.
        let distinct: Vec<i32> = (1..=n).map(|p| star_delta(p, n)).collect();
        let sum: i32 = distinct.iter().sum();
        prop_assert_eq!(sum, if n == 3 { 2 } else { 0 });
    }

    #[test]
    fn race_ratings_follow_the_places(
        field in proptest::collection::vec((1200.0..1800.0f64, 50.0..350.0f64, 1usize..=4), 2..=4)
    ) {
        let players: Vec<(Glicko, usize)> = field
            .iter()
            .map(|&(r, d, p)| (Glicko { rating: r, deviation: d, volatility: 0.06 }, p))
            .collect();
        let after = race_ratings(&players);
        prop_assert_eq!(after.len(), players.len());
        let best = players.iter().map(|p| p.1).min().unwrap();
        let worst = players.iter().map(|p| p.1).max().unwrap();
        let sole = |p: usize| players.iter().filter(|x| x.1 == p).count() == 1;
        for (&(before, place), now) in players.iter().zip(&after) {
            prop_assert!((45.0..=350.0).contains(&now.deviation));
            if best < worst && place == best && sole(best) {
                prop_assert!(now.rating > before.rating, "a sole winner gains");
            }
            if best < worst && place == worst && sole(worst) {
                prop_assert!(now.rating < before.rating, "a sole last loses");
            }
        }
    }

    #[test]
    fn races_are_disjoint_distinct_members_within_windows(
        people in proptest::collection::vec((0..25i64, 1u32..30, 1000.0..2200.0f64, 0..30u64), 0..40),
        max in 0usize..7,
    ) {
        let now = Instant::now() + Duration::from_secs(60);
        let q: Vec<RaceSeeker> = people
            .iter()
            .enumerate()
            .map(|(i, &(m, p, r, w))| {
                seeker(i as u64, m, Rank::from_points(p), r, now - Duration::from_secs(w))
            })
            .collect();
        let races = form_races(&q, now, max);
        let full = max.clamp(2, MAX_RACE_PLAYERS);
        let mut seen = HashSet::new();
        for race in &races {
            prop_assert!((2..=full).contains(&race.len()));
            prop_assert!(race.len() <= 4);
            let members: HashSet<i64> = race.iter().map(|&i| q[i].member_id).collect();
            prop_assert_eq!(members.len(), race.len(), "a member twice");
            if race.len() < full {
                for &i in race {
                    prop_assert!(now - q[i].since >= SMALL_RACE_AFTER);
                }
            }
            for &a in race {
                prop_assert!(seen.insert(a), "a ticket in two races");
                for &b in race {
                    let (wa, wb) = (now - q[a].since, now - q[b].since);
                    let stars = q[a].rank.points().abs_diff(q[b].rank.points());
                    prop_assert!(stars <= star_window(wa).max(star_window(wb)));
                    let gap = (q[a].rating - q[b].rating).abs();
                    prop_assert!(gap <= matchmaking::window(wa).max(matchmaking::window(wb)));
                }
            }
        }
    }
}

#[test]
fn found_counts_show_who_could_race_now() {
    let now = Instant::now();
    let seekers = vec![
        seeker(1, 1, Rank::START, 1500.0, now),
        seeker(2, 2, rank(Tier::Bronze, 2), 1500.0, now),
        // Far above: nobody fits them yet.
        seeker(3, 3, rank(Tier::Diamond, 1), 1500.0, now),
    ];
    assert_eq!(found_counts(&seekers, now, 4), [2, 2, 1]);
    // A full field is the most a count shows.
    let crowd: Vec<RaceSeeker> = (0..6)
        .map(|i| seeker(i, i as i64, Rank::START, 1500.0, now))
        .collect();
    assert_eq!(found_counts(&crowd, now, 4), [4; 6]);
    // The same member twice is not two players.
    let twice = vec![
        seeker(1, 7, Rank::START, 1500.0, now),
        seeker(2, 7, Rank::START, 1500.0, now),
    ];
    assert_eq!(found_counts(&twice, now, 4), [1, 1]);
}

#[test]
fn found_counts_grow_as_windows_widen() {
    let t0 = Instant::now();
    let seekers = vec![
        seeker(1, 1, Rank::START, 1500.0, t0),
        seeker(2, 2, rank(Tier::Gold, 1), 1500.0, t0),
    ];
    assert_eq!(found_counts(&seekers, t0, 4), [1, 1]);
    let later = t0 + Duration::from_secs(8);
    assert_eq!(found_counts(&seekers, later, 4), [2, 2]);
}

const BEIJING_MIDNIGHT: i64 = 1_795_968_000_000; // 2026-11-30 00:00 +08:00

#[test]
fn the_first_automatic_season_starts_at_beijing_midnight() {
    let now = BEIJING_MIDNIGHT + 10 * 60 * 60 * 1000;
    let s = automatic_season(&[], now).unwrap();
    assert_eq!(s.id, 1);
    assert_eq!(s.starts_at_ms, BEIJING_MIDNIGHT);
    assert_eq!(s.ends_at_ms, BEIJING_MIDNIGHT + 30 * DAY_MS);
    assert!(s.contains(now));
    assert_eq!(automatic_season(&[s], now), None, "a season is running");
}

#[test]
fn automatic_seasons_follow_on_without_gaps() {
    let first = Season {
        id: 4,
        starts_at_ms: BEIJING_MIDNIGHT,
        ends_at_ms: BEIJING_MIDNIGHT + 7 * DAY_MS,
    };
    // The day after it ended.
    let s = automatic_season(&[first], first.ends_at_ms + DAY_MS).unwrap();
    assert_eq!((s.id, s.starts_at_ms), (5, first.ends_at_ms));
    // 75 days after: whole 30-day seasons are skipped, the one holding now runs.
    let now = first.ends_at_ms + 75 * DAY_MS;
    let s = automatic_season(&[first], now).unwrap();
    assert_eq!(s.starts_at_ms, first.ends_at_ms + 60 * DAY_MS);
    assert!(s.contains(now));
}

#[test]
fn an_automatic_season_ends_where_a_scheduled_one_starts() {
    let scheduled = Season {
        id: 1,
        starts_at_ms: BEIJING_MIDNIGHT + 5 * DAY_MS,
        ends_at_ms: BEIJING_MIDNIGHT + 35 * DAY_MS,
    };
    let now = BEIJING_MIDNIGHT + 1000;
    let s = automatic_season(&[scheduled], now).unwrap();
    assert_eq!(s.id, 2);
    assert_eq!(s.ends_at_ms, scheduled.starts_at_ms);
    assert!(!s.overlaps(&scheduled));
}

proptest! {
    #[test]
    fn automatic_seasons_hold_now_and_overlap_nothing(
        lengths in proptest::collection::vec((0i64..40, 1i64..40), 0..4),
        now_days in 0i64..400,
        now_ms_in_day in 0..DAY_MS,
    ) {
        // Seasons laid out one after another with gaps.
        let mut existing = Vec::new();
        let mut at = BEIJING_MIDNIGHT;
        for (i, (gap, days)) in lengths.into_iter().enumerate() {
            at += gap * DAY_MS;
            existing.push(Season { id: i as i64 + 1, starts_at_ms: at, ends_at_ms: at + days * DAY_MS });
            at += days * DAY_MS;
        }
        let now = BEIJING_MIDNIGHT + now_days * DAY_MS + now_ms_in_day;
        match automatic_season(&existing, now) {
            None => prop_assert!(season_at(&existing, now).is_some()),
            Some(s) => {
                prop_assert!(s.contains(now));
                prop_assert!(existing.iter().all(|e| !e.overlaps(&s)));
                prop_assert!(existing.iter().all(|e| e.id < s.id));
                prop_assert!(s.ends_at_ms - s.starts_at_ms <= DEFAULT_SEASON_DAYS * DAY_MS);
            }
        }
    }
}

fn entry(human: bool, place: usize, rank: Rank) -> RaceEntry {
    RaceEntry {
        human,
        rated: human,
        rating: NEW_PLAYER,
        rank,
        place,
        forfeited: false,
    }
}

#[test]
fn a_four_human_race_settles_stars_by_place_and_moves_ratings() {
    let start = rank(Tier::Silver, 2);
    let entries: Vec<RaceEntry> = (1..=4).map(|p| entry(true, p, start)).collect();
    let s = settle_race(&entries);
    let stars: Vec<i32> = s.iter().map(|x| x.stars).collect();
    assert_eq!(stars, [2, 1, -1, -2]);
    assert_eq!(
        s[0].rank_after,
        rank(Tier::Gold, 1),
        "2 stars past 白银 2★ promotes"
    );
    assert_eq!(
        s[3].rank_after,
        rank(Tier::Bronze, 3),
        "2 stars below demotes"
    );
    assert!(s.iter().all(|x| x.rating_moved));
    assert!(s[0].rating_after.rating > s[1].rating_after.rating);
    assert!(s[2].rating_after.rating > s[3].rating_after.rating);
}

#[test]
fn a_race_against_bots_moves_one_star_and_no_rating() {
    let entries = vec![
        entry(false, 1, Rank::START),
        entry(true, 2, rank(Tier::Bronze, 2)),
        entry(false, 3, Rank::START),
        entry(false, 4, Rank::START),
    ];
    let s = settle_race(&entries);
    assert_eq!(s[1].stars, 1, "second of four is +1 anyway");
    assert!(!s[1].rating_moved);
    assert_eq!(s[1].rating_after, NEW_PLAYER);
    let won = settle_race(&[entry(true, 1, Rank::START), entry(false, 2, Rank::START)]);
    assert_eq!(won[0].stars, 1);
    let mut last = entries.clone();
    last[1].place = 4;
    last[3].place = 2;
    let s = settle_race(&last);
    assert_eq!(s[1].stars, -1, "clamped from −2");
    assert_eq!(s[1].rank_after, Rank::START);
    assert_eq!(s[0].stars, 0, "bots keep their rank");
}

#[test]
fn a_leaver_places_last_and_the_floor_holds() {
    let mut entries: Vec<RaceEntry> = (1..=4).map(|p| entry(true, p, Rank::START)).collect();
    // The leader left: whatever their points, they are last.
    entries[0].forfeited = true;
    let s = settle_race(&entries);
    assert_eq!(s[0].stars, 0, "−2 at 青铜 1★ is no change");
    assert_eq!(s[0].rank_after, Rank::START);
    assert_eq!(s[1].stars, 2, "the best of those who stayed is first");
    assert!(s[0].rating_after.rating < NEW_PLAYER.rating);
}

#[test]
fn two_humans_and_bots_move_the_humans_ratings_only() {
    let entries = vec![
        entry(true, 1, Rank::START),
        entry(false, 2, Rank::START),
        entry(true, 3, Rank::START),
        entry(false, 4, Rank::START),
    ];
    let s = settle_race(&entries);
    assert!(s[0].rating_moved && s[2].rating_moved);
    assert!(!s[1].rating_moved && !s[3].rating_moved);
    assert!(s[0].rating_after.rating > s[2].rating_after.rating);
    assert_eq!(s[0].stars, 2, "not a bots-only race: full stars");
}

proptest! {
    #[test]
    fn settling_never_goes_below_the_floor_or_past_the_table(
        places in proptest::collection::vec((1usize..=4, any::<bool>(), any::<bool>(), 1u32..30), 2..=4),
    ) {
        let n = places.len();
        let entries: Vec<RaceEntry> = places
            .iter()
            .map(|&(place, human, forfeited, points)| RaceEntry {
                human,
                rated: human,
                rating: NEW_PLAYER,
                rank: Rank::from_points(points),
                place: place.min(n),
                forfeited,
            })
            .collect();
        let s = settle_race(&entries);
        let humans = entries.iter().filter(|e| e.human).count();
        for (e, x) in entries.iter().zip(&s) {
            prop_assert!(x.rank_after.points() >= 1);
            prop_assert_eq!(x.rank_after, e.rank.apply(x.stars));
            let most = if humans <= 1 { 1 } else { 2 };
            prop_assert!(x.stars.abs() <= most);
            if !e.human {
                prop_assert_eq!(x.stars, 0);
                prop_assert!(!x.rating_moved);
            }
            prop_assert_eq!(x.rating_moved, e.human && humans >= 2);
        }
    }
}

#[test]
fn stored_ranks_are_read_leniently() {
    assert_eq!(Rank::from_stored("gold", 2), rank(Tier::Gold, 2));
    assert_eq!(
        Rank::from_stored("黄金", 9),
        rank(Tier::Gold, 4),
        "past the cap: the top star"
    );
    assert_eq!(Rank::from_stored("wood", 3), rank(Tier::Bronze, 3));
    assert_eq!(Rank::from_stored("silver", -5), rank(Tier::Silver, 1));
    assert_eq!(Rank::from_stored("king", 42), rank(Tier::King, 42));
}
