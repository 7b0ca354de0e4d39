//! Points for one answer (`dati::domain::scoring`): the arithmetic every
//! answer goes through, solo or in a match.
//!
//! Run with `cargo bench --bench scoring`.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dati::bank::Bank;
use dati::domain::scoring::{base_points, streak_bonus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One answer as the scoring sees it.
#[derive(Clone, Copy)]
struct Answer {
    correct: bool,
    answer_time: Duration,
    limit: Duration,
    relaxed: bool,
}

/// A run of answers like a busy server's: the real time limits of the
/// bank's questions, about two in three answers right, answer times spread
/// over the whole limit, a few relaxed players, streaks as they come.
fn answers(n: usize) -> Vec<Answer> {
    let bank = Bank::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank"))
        .expect("the question bank loads");
    let limits: Vec<Duration> = bank.questions().iter().map(|q| q.time_limit).collect();
    let mut rng = StdRng::seed_from_u64(7);
    (0..n)
        .map(|i| {
            let limit = limits[i % limits.len()];
            Answer {
                correct: rng.random_bool(0.65),
                answer_time: limit.mul_f64(rng.random_range(0.05..1.0)),
                limit,
                relaxed: rng.random_bool(0.05),
            }
        })
        .collect()
}

/// What `practice` and `contest` do per answer: base points, then the
/// streak bonus of a right answer.
fn score(a: Answer, streak: &mut u32) -> u32 {
    let base = base_points(a.correct, a.answer_time, a.limit, a.relaxed);
    if a.correct {
        *streak += 1;
        base + streak_bonus(*streak)
    } else {
        *streak = 0;
        base
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scoring");
    let limit = Duration::from_secs(20);
    g.bench_function("base_points/correct_7.3s_of_20s", |b| {
        b.iter(|| {
            base_points(
                black_box(true),
                black_box(Duration::from_millis(7300)),
                black_box(limit),
                black_box(false),
            )
        })
    });
    g.bench_function("base_points/wrong", |b| {
        b.iter(|| {
            base_points(
                black_box(false),
                black_box(Duration::from_millis(4100)),
                black_box(limit),
                black_box(false),
            )
        })
    });
    g.bench_function("streak_bonus", |b| b.iter(|| streak_bonus(black_box(4))));

    let run = answers(1000);
    g.throughput(Throughput::Elements(run.len() as u64));
    g.bench_function("answer_with_streak/1000_answers", |b| {
        b.iter(|| {
            let mut streak = 0;
            let mut total = 0u64;
            for &a in black_box(&run) {
                total += u64::from(score(a, &mut streak));
            }
            total
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}
criterion_main!(benches);
