//! One pairing step over a queue of N waiting players: the duel queue's
//! `matchmaking::pair`, the ladder's `form_races` and `found_counts`, and
//! the district queue's `form_battles`. The rooms run each of these on
//! every queue tick (the duel lobby every 200 ms) over everyone waiting.
//!
//! Each queue is fresh: everyone is still waiting, so the step pairs or
//! groups as many as it can, the most work one step does for that N.
//!
//! Run with `cargo bench --bench matchmaking`.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use dati::domain::district::{DEFAULT_TEAM_SIZE, TeamSeeker, UNEVEN_AFTER, form_battles};
use dati::domain::ladder::{MAX_RACE_PLAYERS, RaceSeeker, Rank, form_races, found_counts};
use dati::domain::matchmaking::{Seeker, pair};
use dati::domain::member::DEFAULT_DISTRICTS;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A standard normal draw (Box–Muller), as `dati seed` draws abilities.
fn normal(rng: &mut impl Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Waits spread over the first 20 s: the bot offer and bot fill come by
/// then, so nobody waits much longer.
fn since(now: Instant, rng: &mut impl Rng) -> Instant {
    now - Duration::from_millis(rng.random_range(0..20_000))
}

/// The duel queue: ratings 1500 ± 250, one in twenty relaxed.
fn duel_queue(n: usize, now: Instant) -> Vec<Seeker> {
    let mut rng = StdRng::seed_from_u64(n as u64);
    (0..n)
        .map(|i| Seeker {
            ticket: i as u64,
            member_id: 1 + i as i64,
            rating: (1500.0 + 250.0 * normal(&mut rng)).clamp(600.0, 2600.0),
            since: since(now, &mut rng),
            relaxed: rng.random_bool(0.05),
        })
        .collect()
}

/// The ladder queue: most members in the lower tiers (stars 1–25, skewed
/// low), a hidden rating that follows the rank, one in twenty relaxed.
fn ladder_queue(n: usize, now: Instant) -> Vec<RaceSeeker> {
    let mut rng = StdRng::seed_from_u64(n as u64);
    (0..n)
        .map(|i| {
            let points = 1 + (normal(&mut rng).abs() * 7.0) as u32;
            RaceSeeker {
                ticket: i as u64,
                member_id: 1 + i as i64,
                rank: Rank::from_points(points.min(30)),
                rating: 1300.0 + 25.0 * f64::from(points) + 120.0 * normal(&mut rng),
                since: since(now, &mut rng),
                relaxed: rng.random_bool(0.05),
            }
        })
        .collect()
}

/// The district queue of a competition among the ten default districts,
/// bigger districts with more members waiting.
fn district_queue(n: usize, now: Instant) -> Vec<TeamSeeker> {
    let mut rng = StdRng::seed_from_u64(n as u64);
    (0..n)
        .map(|i| {
            // Weights 10, 9, …, 1: 市南区 the busiest.
            let mut pick = rng.random_range(0..55);
            let mut d = 0;
            while pick >= 10 - d {
                pick -= 10 - d;
                d += 1;
            }
            TeamSeeker {
                ticket: i as u64,
                member_id: 1 + i as i64,
                district: DEFAULT_DISTRICTS[d].into(),
                since: since(now, &mut rng),
            }
        })
        .collect()
}

fn duel(c: &mut Criterion) {
    let now = Instant::now();
    let mut g = c.benchmark_group("matchmaking/duel_pair");
    for n in [100, 1_000, 10_000] {
        let queue = duel_queue(n, now);
        assert!(
            !pair(&queue, now).is_empty(),
            "a fresh queue of {n} pairs someone"
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &queue, |b, q| {
            b.iter(|| pair(black_box(q), now))
        });
    }
    g.finish();
}

/// The ladder's queue sizes. 10,000 takes seconds a step (about a minute
/// for both steps' ten samples): only with `DATI_BENCH_LADDER_10K=1`.
fn ladder_sizes() -> Vec<usize> {
    let mut sizes = vec![100, 1_000, 3_000];
    if std::env::var_os("DATI_BENCH_LADDER_10K").is_some() {
        sizes.push(10_000);
    }
    sizes
}

/// Both ladder steps compare every waiting player with every other: from
/// 1,000 players on a step takes long enough that ten flat samples (ten
/// steps) are plenty.
fn slow(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(3));
}

fn ladder(c: &mut Criterion) {
    let now = Instant::now();
    let mut g = c.benchmark_group("matchmaking/ladder_form_races");
    for n in ladder_sizes() {
        let queue = ladder_queue(n, now);
        assert!(
            !form_races(&queue, now, MAX_RACE_PLAYERS).is_empty(),
            "a fresh queue of {n} forms races"
        );
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000 {
            slow(&mut g);
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &queue, |b, q| {
            b.iter(|| form_races(black_box(q), now, MAX_RACE_PLAYERS))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("matchmaking/ladder_found_counts");
    for n in ladder_sizes() {
        let queue = ladder_queue(n, now);
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000 {
            slow(&mut g);
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &queue, |b, q| {
            b.iter(|| found_counts(black_box(q), now, MAX_RACE_PLAYERS))
        });
    }
    g.finish();
}

fn district(c: &mut Criterion) {
    let now = Instant::now();
    let mut g = c.benchmark_group("matchmaking/district_form_battles");
    for n in [100, 10_000] {
        let queue = district_queue(n, now);
        assert!(
            !form_battles(&queue, now, DEFAULT_TEAM_SIZE as usize, UNEVEN_AFTER).is_empty(),
            "a fresh queue of {n} forms battles"
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &queue, |b, q| {
            b.iter(|| form_battles(black_box(q), now, DEFAULT_TEAM_SIZE as usize, UNEVEN_AFTER))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = duel, ladder, district
}
criterion_main!(benches);
