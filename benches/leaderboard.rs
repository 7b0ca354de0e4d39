//! The in-process leaderboard (`MemoryLeaderboard`, the embedded default)
//! with 100,000 members on the board: feeding it a writer batch of answers,
//! and the two reads of `/api/leaderboard` (the top ten and "around me").
//!
//! Run with `cargo bench --bench leaderboard`.

mod common;

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dati::store::leaderboard::{
    Board, Leaderboard, MemoryLeaderboard, Period, PeriodKey, ScoreEvent, Update,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MEMBERS: i64 = 100_000;
/// The writer's largest batch (`store::writer::MAX_BATCH`).
const BATCH: usize = 500;
/// `/api/leaderboard`'s "around me" radius.
const AROUND_RADIUS: usize = 3;
/// 2026-11-30 12:00 Beijing time: every event falls on one day and week,
/// so no bucket is pruned while the benchmark runs.
const NOON_MS: i64 = 1_795_968_000_000 + 12 * 60 * 60 * 1000;

/// The memory board never waits: each call is ready at the first poll, so
/// the benchmark measures the board and no executor.
fn ready<F: Future>(f: F) -> F::Output {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("MemoryLeaderboard does not wait"),
    }
}

/// A board of 100,000 members on `Overall` and `Solo` (all time, this day
/// and this week): totals from a few hundred points to a few hundred
/// thousand, as after months of play.
fn board() -> MemoryLeaderboard {
    let mut rng = StdRng::seed_from_u64(1);
    let events: Vec<ScoreEvent> = (1..=MEMBERS)
        .map(|member_id| {
            let answers = (rng.random_range(0.0f64..1.0).powi(3) * 600.0) as i64 + 1;
            ScoreEvent {
                member_id,
                points: answers * rng.random_range(450..1300),
                at_ms: NOON_MS - rng.random_range(0..6 * 60 * 60 * 1000),
            }
        })
        .collect();
    let board = MemoryLeaderboard::new();
    for b in [Board::Overall, Board::Solo] {
        ready(board.add(b, &events)).unwrap();
    }
    board
}

/// A writer batch of `n` right answers by random members: 500–1,500 points
/// each (speed and streak), a second apart.
fn batch(n: usize, seed: u64) -> Vec<ScoreEvent> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| ScoreEvent {
            member_id: rng.random_range(1..=MEMBERS),
            points: rng.random_range(500..=1500),
            at_ms: NOON_MS + i as i64 * 1000,
        })
        .collect()
}

fn write(c: &mut Criterion) {
    let board = board();
    let mut g = c.benchmark_group("leaderboard/write");
    // One answer at a time, each by another member (one member again and
    // again would keep their part of the board in cache).
    let singles = batch(4096, 2);
    let mut next = 0;
    g.throughput(Throughput::Elements(1));
    g.bench_function("add/1_event", |b| {
        b.iter(|| {
            next = (next + 1) % singles.len();
            let one = std::slice::from_ref(&singles[next]);
            ready(board.add(Board::Overall, black_box(one))).unwrap()
        })
    });
    let events = batch(BATCH, 3);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("add/500_events", |b| {
        b.iter(|| ready(board.add(Board::Overall, black_box(&events))).unwrap())
    });
    // What the writer sends for a batch of practice answers: the same
    // events on the overall and the solo board.
    let updates = [
        Update::Add(Board::Overall, events.clone()),
        Update::Add(Board::Solo, events.clone()),
    ];
    g.bench_function("apply/500_answers_overall_and_solo", |b| {
        b.iter(|| ready(board.apply(black_box(&updates))).unwrap())
    });
    g.finish();
}

fn read(c: &mut Criterion) {
    let board = board();
    let all = PeriodKey::AllTime;
    let today = Period::Day.key(NOON_MS);
    assert_eq!(
        ready(board.len(Board::Overall, all)).unwrap(),
        MEMBERS as u64
    );
    let everyone = ready(board.top(Board::Overall, all, MEMBERS as usize)).unwrap();
    let mut g = c.benchmark_group("leaderboard/read");
    g.bench_function("top_10/all_time", |b| {
        b.iter(|| ready(board.top(Board::Overall, black_box(all), 10)).unwrap())
    });
    g.bench_function("top_10/day", |b| {
        b.iter(|| ready(board.top(Board::Overall, black_box(today), 10)).unwrap())
    });
    for rank in [1, 1_000, 50_000, 99_990] {
        let member = everyone[rank - 1].member_id;
        if rank >= 50_000 {
            // A lookup this deep takes a millisecond or so: fewer samples
            // fit the time.
            g.sample_size(30);
        }
        g.bench_function(format!("around_3/rank_{rank}"), |b| {
            b.iter(|| {
                ready(board.around(Board::Overall, all, black_box(member), AROUND_RADIUS)).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = write, read
}
criterion_main!(benches);
