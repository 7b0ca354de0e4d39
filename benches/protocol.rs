//! The websocket protocol codec (`dati::ws::protocol`): reading a client's
//! text frame into a `ClientMsg`, and writing `ServerMsg`s as the rooms send
//! them (`dati::rooms::duel::room::to_text`, the one serializer every
//! outgoing frame goes through).
//!
//! Run with `cargo bench --bench protocol`.

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use dati::bank::Bank;
use dati::domain::glicko::Glicko;
use dati::domain::ladder::{Rank, Tier};
use dati::domain::member::DEFAULT_DISTRICTS;
use dati::domain::question::OptionSet;
use dati::rooms::duel::room::{MatchMode, to_text};
use dati::rooms::duel::views::{SeatInfo, started};
use dati::rooms::views::{question_view, shown_positions};
use dati::ws::protocol::{
    ClientMsg, MatchBody, MatchEvent, MatchRevealView, NextView, ResultView, SeatResultView,
    ServerMsg,
};

/// Client frames as a browser sends them.
const MATCH_ANSWER: &str = r#"{"type":"match_answer","match_id":"20431","seq":3,"choice":[2]}"#;
const ANSWER: &str = r#"{"type":"answer","seq":7,"choice":[0,2]}"#;
const PING: &str = r#"{"type":"ping","nonce":1795968000123}"#;

/// The server's own reading of a frame (`ws::socket::parse`, private to
/// the crate, copied step for step): any JSON first, so that a bad frame,
/// an unknown type and a malformed known message get different errors,
/// then the typed message from that value.
fn server_parse(text: &str) -> Option<ClientMsg> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let t = value.get("type").and_then(|t| t.as_str())?;
    if !ClientMsg::TYPES.contains(&t) {
        return None;
    }
    serde_json::from_value(value).ok()
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("protocol/parse");
    for (name, frame) in [
        ("match_answer", MATCH_ANSWER),
        ("answer", ANSWER),
        ("ping", PING),
    ] {
        assert!(server_parse(frame).is_some(), "{name} parses");
        g.throughput(Throughput::Bytes(frame.len() as u64));
        g.bench_function(format!("{name}/from_str"), |b| {
            b.iter(|| serde_json::from_str::<ClientMsg>(black_box(frame)).unwrap())
        });
        g.bench_function(format!("{name}/via_value"), |b| {
            b.iter(|| server_parse(black_box(frame)).unwrap())
        });
    }
    g.finish();
}

/// Serializes `msg` as a frame, with its size as the throughput.
fn write(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, msg: ServerMsg) {
    g.throughput(Throughput::Bytes(to_text(&msg).len() as u64));
    g.bench_function(name, |b| b.iter(|| to_text(black_box(&msg))));
}

fn serialize(c: &mut Criterion) {
    let bank = Bank::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank"))
        .expect("the question bank loads");
    // A real four-option question (中共一大, 南湖), shown shuffled.
    let q = bank.get("party-001").expect("party-001 is in the bank");
    let order = [2u8, 0, 3, 1];
    let shown_answer = shown_positions(q.answer, &order);
    let mut g = c.benchmark_group("protocol/serialize");

    write(
        &mut g,
        "question",
        ServerMsg::Question {
            seq: 3,
            total: 10,
            question: question_view(q, &order),
            waits_for_media: false,
            time_limit_ms: q.time_limit.as_millis() as u64,
        },
    );
    write(
        &mut g,
        "result",
        ServerMsg::Result(Box::new(ResultView {
            seq: 3,
            correct: true,
            timed_out: false,
            your_choice: shown_answer.clone(),
            correct_choice: shown_answer.clone(),
            explanation: q.explanation.clone(),
            source: q.source.clone(),
            answer_ms: 6_412,
            base_points: 872,
            streak_bonus: 200,
            points: 1_072,
            streak: 3,
            total_points: 2_851,
            next: NextView::Next,
        })),
    );

    let event = |version, body| {
        ServerMsg::Match(MatchEvent {
            match_id: "20431".into(),
            version,
            body,
        })
    };
    write(
        &mut g,
        "match_answered",
        event(14, MatchBody::MatchAnswered { seq: 3, seat: 2 }),
    );

    // A four-seat ladder race's reveal, as seat 0 sees it.
    let wrong = shown_positions(OptionSet::from_indices([1]).unwrap(), &order);
    let seat = |seat: u8, right: bool, answer_ms: u64, points: u32, total: u64| SeatResultView {
        seat,
        choice: if right {
            shown_answer.clone()
        } else {
            wrong.clone()
        },
        correct: right,
        timed_out: false,
        answer_ms,
        points,
        streak: u32::from(right),
        total_points: total,
    };
    write(
        &mut g,
        "match_reveal/4_seats",
        event(
            15,
            MatchBody::MatchReveal(MatchRevealView {
                seq: 3,
                correct_choice: shown_answer.clone(),
                explanation: q.explanation.clone(),
                source: q.source.clone(),
                results: vec![
                    seat(0, true, 4_210, 1_116, 2_980),
                    seat(1, true, 9_877, 805, 2_411),
                    seat(2, false, 12_034, 0, 1_530),
                    seat(3, true, 15_660, 687, 1_702),
                ],
            }),
        ),
    );

    // The same race's start: four players with their ranks.
    let names = ["王建国", "李秀英", "张志强", "刘海燕"];
    let infos: Vec<SeatInfo> = names
        .iter()
        .enumerate()
        .map(|(i, name)| SeatInfo {
            member_id: Some(10_000 + i as i64),
            nickname: (*name).into(),
            district: DEFAULT_DISTRICTS[i * 3 % DEFAULT_DISTRICTS.len()].into(),
            glicko: Glicko {
                rating: 1480.0 + 35.0 * i as f64,
                deviation: 80.0,
                volatility: 0.06,
            },
            is_bot: false,
            rank: Some(Rank {
                tier: Tier::Gold,
                stars: 1 + i as u32 % 4,
            }),
            team: None,
        })
        .collect();
    write(
        &mut g,
        "match_started/4_players",
        event(
            1,
            MatchBody::MatchStarted(started(
                MatchMode::Ladder,
                0,
                &infos,
                5,
                true,
                Duration::from_secs(3),
                false,
            )),
        ),
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = parse, serialize
}
criterion_main!(benches);
