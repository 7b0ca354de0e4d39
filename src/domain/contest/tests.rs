use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::domain::question::{History, Media, MediaKind, OptionSet, Question, QuestionKind};

const LIMIT: Duration = Duration::from_secs(20);
const NO_ALLOWANCE: Duration = Duration::ZERO;

fn question(id: &str, media: bool) -> Arc<Question> {
    Arc::new(Question {
        id: id.into(),
        version: 1,
        history: History::Party,
        difficulty: 2,
        kind: QuestionKind::Single,
        prompt: "问题".into(),
        options: vec!["甲".into(), "乙".into(), "丙".into(), "丁".into()],
        // Canonical option 1 (乙) is right.
        answer: OptionSet::from_indices([1]).unwrap(),
        explanation: "解析".into(),
        source: "出处".into(),
        time_limit: LIMIT,
        media: media.then(|| Media {
            kind: MediaKind::Image,
            file: "m.svg".into(),
            alt: None,
            caption: None,
            duration: None,
        }),
    })
}

fn identity(seats: usize, n: usize) -> Vec<Vec<Vec<u8>>> {
    vec![vec![vec![0, 1, 2, 3]; n]; seats]
}

fn rules() -> ContestRules {
    ContestRules::default()
}

/// A duel of `n` plain questions whose countdown has just ended at `t`.
fn duel(n: usize, t0: Instant) -> (Contest, Instant) {
    let qs = (0..n).map(|i| question(&format!("q{i}"), false)).collect();
    let mut c = Contest::new(qs, identity(2, n), rules(), t0).unwrap();
    let t = t0 + rules().countdown;
    let events = c.advance(t);
    assert_eq!(
        events,
        [Event::QuestionShown {
            seq: 1,
            waits_for_media: false
        }]
    );
    (c, t)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_match_needs_players_and_questions() {
    let t = Instant::now();
    let q = vec![question("q", false)];
    assert!(Contest::new(q.clone(), identity(1, 1), rules(), t).is_err());
    assert!(Contest::new(vec![], identity(2, 0), rules(), t).is_err());
    assert!(Contest::new(q.clone(), identity(4, 1), rules(), t).is_ok());
    // An order that does not fit the question's options.
    assert!(Contest::new(q, vec![vec![vec![0, 1]]; 2], rules(), t).is_err());
}

#[test]
fn nothing_is_shown_before_the_countdown_ends() {
    let t0 = Instant::now();
    let mut c = Contest::new(vec![question("q", false)], identity(2, 1), rules(), t0).unwrap();
    assert!(c.advance(t0 + ms(2999)).is_empty());
    assert_eq!(
        c.answer(0, 1, &[1], t0 + ms(2999), NO_ALLOWANCE),
        Err(ContestError::NotCurrent { got: 1 })
    );
    assert_eq!(c.next_wakeup(), Some(t0 + ms(3000)));
}

#[test]
fn the_reveal_waits_until_both_have_answered() {
    let (mut c, t) = duel(2, Instant::now());
    let events = c.answer(0, 1, &[1], t + ms(2000), NO_ALLOWANCE).unwrap();
    assert_eq!(events, [Event::Answered { seq: 1, seat: 0 }]);
    assert!(c.revealed_answer(0, 1).is_none(), "sealed until the reveal");
    let events = c.answer(1, 1, &[2], t + ms(3000), NO_ALLOWANCE).unwrap();
    assert_eq!(
        events,
        [
            Event::Answered { seq: 1, seat: 1 },
            Event::Revealed { seq: 1 }
        ]
    );
    let a = c.revealed_answer(0, 1).unwrap();
    assert!(a.correct);
    // 1000 × (1 − (2/20)/2) = 950
    assert_eq!(a.points, 950);
    assert!(!c.revealed_answer(1, 1).unwrap().correct);
    assert_eq!((c.points(0), c.points(1)), (950, 0));
}

#[test]
fn the_deadline_reveals_without_the_missing_answer() {
    let (mut c, t) = duel(2, Instant::now());
    c.answer(0, 1, &[1], t + ms(400), NO_ALLOWANCE).unwrap();
    assert!(c.advance(t + LIMIT - ms(1)).is_empty());
    assert_eq!(c.advance(t + LIMIT), [Event::Revealed { seq: 1 }]);
    let missing = c.revealed_answer(1, 1).unwrap();
    assert_eq!((missing.choice, missing.points), (None, 0));
    assert_eq!(
        c.answer(1, 1, &[1], t + LIMIT + ms(10), NO_ALLOWANCE),
        Err(ContestError::TooLate)
    );
}

#[test]
fn only_the_first_answer_counts() {
    let (mut c, t) = duel(2, Instant::now());
    c.answer(0, 1, &[2], t + ms(100), NO_ALLOWANCE).unwrap();
    assert_eq!(
        c.answer(0, 1, &[1], t + ms(200), NO_ALLOWANCE),
        Err(ContestError::AlreadyAnswered)
    );
    c.answer(1, 1, &[1], t + ms(300), NO_ALLOWANCE).unwrap();
    assert!(!c.revealed_answer(0, 1).unwrap().correct);
}

#[test]
fn answers_to_other_questions_and_bad_choices_are_refused() {
    let (mut c, t) = duel(3, Instant::now());
    assert_eq!(
        c.answer(0, 2, &[1], t, NO_ALLOWANCE),
        Err(ContestError::NotCurrent { got: 2 })
    );
    assert_eq!(
        c.answer(0, 0, &[1], t, NO_ALLOWANCE),
        Err(ContestError::NotCurrent { got: 0 })
    );
    assert!(matches!(
        c.answer(0, 1, &[9], t, NO_ALLOWANCE),
        Err(ContestError::InvalidChoice(_))
    ));
    assert!(matches!(
        c.answer(0, 1, &[0, 1], t, NO_ALLOWANCE),
        Err(ContestError::InvalidChoice(_))
    ));
    assert_eq!(
        c.answer(7, 1, &[1], t, NO_ALLOWANCE),
        Err(ContestError::NoSuchSeat)
    );
}

#[test]
fn the_next_question_follows_the_reveal_pause_and_the_match_completes() {
    let (mut c, mut t) = duel(2, Instant::now());
    for seq in 1..=2 {
        c.answer(0, seq, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
        c.answer(1, seq, &[1], t + ms(200), NO_ALLOWANCE).unwrap();
        t += ms(200) + rules().reveal_pause;
        let events = c.advance(t);
        if seq == 1 {
            assert_eq!(
                events,
                [Event::QuestionShown {
                    seq: 2,
                    waits_for_media: false
                }]
            );
        } else {
            assert_eq!(events, [Event::Over(Outcome::Completed)]);
        }
    }
    assert!(c.is_over());
    assert_eq!(c.next_wakeup(), None);
    assert_eq!(
        c.answer(0, 2, &[1], t, NO_ALLOWANCE),
        Err(ContestError::Over)
    );
}

#[test]
fn the_streak_bonus_applies_as_in_solo_play() {
    let (mut c, mut t) = duel(3, Instant::now());
    for seq in 1..=3 {
        c.answer(0, seq, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
        c.answer(1, seq, &[0], t + ms(100), NO_ALLOWANCE).unwrap();
        t += ms(100) + rules().reveal_pause;
        c.advance(t);
    }
    // 1000, 1000 + 100, 1000 + 200
    assert_eq!(c.points(0), 3300);
    assert_eq!(c.revealed_answer(0, 3).unwrap().streak, 3);
}

#[test]
fn the_winner_has_more_points_and_a_tie_goes_to_the_faster_player() {
    let (mut c, t) = duel(1, Instant::now());
    // Both right; seat 1 slower but both under 0.5 s: equal points.
    c.answer(0, 1, &[1], t + ms(300), NO_ALLOWANCE).unwrap();
    c.answer(1, 1, &[1], t + ms(450), NO_ALLOWANCE).unwrap();
    c.advance(t + ms(450) + rules().reveal_pause);
    assert_eq!(c.points(0), c.points(1));
    assert_eq!(c.winner(), Some(0));
    let s = c.standings();
    assert_eq!((s[0].seat, s[0].place, s[1].place), (0, 1, 2));

    let (mut c, t) = duel(1, Instant::now());
    c.answer(0, 1, &[0], t + ms(100), NO_ALLOWANCE).unwrap();
    c.answer(1, 1, &[1], t + ms(5000), NO_ALLOWANCE).unwrap();
    c.advance(t + ms(5000) + rules().reveal_pause);
    assert_eq!(c.winner(), Some(1));
}

#[test]
fn equal_points_and_time_is_a_draw() {
    let (mut c, t) = duel(1, Instant::now());
    c.advance(t + LIMIT);
    c.advance(t + LIMIT + rules().reveal_pause);
    assert!(c.is_over());
    let s = c.standings();
    assert_eq!((s[0].place, s[1].place), (1, 1));
    assert_eq!(c.winner(), None);
}

#[test]
fn leaving_before_any_answer_aborts_and_after_forfeits() {
    let (mut c, t) = duel(3, Instant::now());
    assert!(c.in_abort_window());
    assert_eq!(
        c.leave(1, t + ms(10)).unwrap(),
        [Event::Over(Outcome::Aborted)]
    );
    assert_eq!(c.winner(), None);

    let (mut c, t) = duel(3, Instant::now());
    c.answer(1, 1, &[0], t + ms(100), NO_ALLOWANCE).unwrap();
    assert!(!c.in_abort_window());
    assert_eq!(
        c.leave(1, t + ms(200)).unwrap(),
        [Event::Forfeited { seat: 1 }, Event::Over(Outcome::Forfeit)]
    );
    // The one who stayed wins, whatever the points.
    assert_eq!(c.winner(), Some(0));
    assert!(c.standings()[1].forfeited);
    assert_eq!(c.leave(1, t + ms(300)), Err(ContestError::Forfeited));
}

#[test]
fn a_player_back_within_the_grace_period_keeps_the_seat() {
    let (mut c, t) = duel(3, Instant::now());
    c.answer(0, 1, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
    assert_eq!(
        c.disconnect(1, t + ms(200)),
        [Event::PresenceChanged {
            seat: 1,
            connected: false
        }]
    );
    // The question goes on without them.
    assert_eq!(c.advance(t + LIMIT), [Event::Revealed { seq: 1 }]);
    let back = t + ms(200) + rules().grace - ms(1);
    c.advance(back);
    let events = c.reconnect(1);
    assert!(events.contains(&Event::PresenceChanged {
        seat: 1,
        connected: true
    }));
    assert!(!c.is_over());
    assert!(!c.is_forfeited(1));
}

#[test]
fn a_player_gone_past_the_grace_period_forfeits() {
    let (mut c, t) = duel(5, Instant::now());
    c.answer(0, 1, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
    c.disconnect(1, t + ms(200));
    let due = t + ms(200) + rules().grace;
    assert!(c.next_wakeup().unwrap() <= due);
    let events = c.advance(due);
    assert!(events.contains(&Event::Forfeited { seat: 1 }));
    assert_eq!(events.last(), Some(&Event::Over(Outcome::Forfeit)));
    assert_eq!(c.winner(), Some(0));
}

#[test]
fn a_player_gone_before_anyone_answered_aborts_the_match() {
    let (mut c, t) = duel(3, Instant::now());
    c.disconnect(1, t + ms(100));
    let events = c.advance(t + ms(100) + rules().grace);
    assert_eq!(events.last(), Some(&Event::Over(Outcome::Aborted)));
    assert_eq!(c.winner(), None);
}

#[test]
fn a_race_goes_on_when_one_player_leaves() {
    let t0 = Instant::now();
    let race_rules = ContestRules {
        min_players: 1,
        ..rules()
    };
    let qs = vec![question("a", false), question("b", false)];
    let mut c = Contest::new(qs, identity(4, 2), race_rules, t0).unwrap();
    let t = t0 + race_rules.countdown;
    c.advance(t);
    c.answer(0, 1, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
    c.answer(1, 1, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
    c.answer(2, 1, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
    // The last one leaves instead of answering: the reveal comes at once.
    let events = c.leave(3, t + ms(200)).unwrap();
    assert_eq!(
        events,
        [Event::Forfeited { seat: 3 }, Event::Revealed { seq: 1 }]
    );
    assert!(!c.is_over());
    let s = c.standings();
    assert_eq!((s[3].seat, s[3].place), (3, 4), "a leaver places last");
}

fn race_rules() -> ContestRules {
    ContestRules {
        min_players: 1,
        abortable: false,
        ..rules()
    }
}

#[test]
fn leaving_a_race_before_any_answer_is_a_forfeit_not_an_abort() {
    let t0 = Instant::now();
    let qs = vec![question("a", false), question("b", false)];
    let mut c = Contest::new(qs, identity(4, 2), race_rules(), t0).unwrap();
    assert!(!c.in_abort_window());
    let events = c.leave(2, t0 + ms(500)).unwrap();
    assert_eq!(events, [Event::Forfeited { seat: 2 }]);
    assert!(!c.is_over(), "the other three race on");
    // Gone past the grace before any answer: also a forfeit.
    c.disconnect(3, t0 + ms(600));
    let events = c.advance(t0 + ms(600) + race_rules().grace);
    assert!(events.contains(&Event::Forfeited { seat: 3 }));
    assert!(!c.is_over());
    let s = c.standings();
    assert!(s[2].forfeited && s[3].forfeited);
    assert!(
        s[2].place > 2 && s[3].place > 2,
        "leavers place behind those who stayed"
    );
}

#[test]
fn conclude_ends_a_race_with_the_standings_so_far() {
    let t0 = Instant::now();
    let qs = vec![question("a", false), question("b", false)];
    let mut c = Contest::new(qs, identity(4, 2), race_rules(), t0).unwrap();
    let t = t0 + race_rules().countdown;
    c.advance(t);
    for seat in 0..4 {
        let choice = if seat == 1 { [1] } else { [0] };
        c.answer(seat, 1, &choice, t + ms(100), NO_ALLOWANCE)
            .unwrap();
    }
    c.leave(1, t + ms(200)).unwrap();
    assert_eq!(c.conclude(), [Event::Over(Outcome::Forfeit)]);
    assert!(c.is_over());
    assert_eq!(c.conclude(), [], "only once");
    let s = c.standings();
    assert_eq!(
        s.last().map(|r| r.seat),
        Some(1),
        "the leaver is last despite points"
    );
    assert_eq!(
        c.points(1),
        u64::from(c.revealed_answer(1, 1).unwrap().points)
    );
}

#[test]
fn a_media_question_starts_its_clock_when_everyone_has_loaded() {
    let t0 = Instant::now();
    let mut c = Contest::new(vec![question("m", true)], identity(2, 1), rules(), t0).unwrap();
    let t = t0 + rules().countdown;
    assert_eq!(
        c.advance(t),
        [Event::QuestionShown {
            seq: 1,
            waits_for_media: true
        }]
    );
    assert_eq!(
        c.answer(0, 1, &[1], t + ms(10), NO_ALLOWANCE),
        Err(ContestError::NotCurrent { got: 1 })
    );
    assert!(c.media_ready(0, 1, t + ms(500)).unwrap().is_empty());
    assert_eq!(
        c.media_ready(1, 1, t + ms(900)).unwrap(),
        [Event::ClockStarted { seq: 1 }]
    );
    assert_eq!(c.deadline(), Some(t + ms(900) + LIMIT));
    // Answer time runs from the clock start.
    c.answer(0, 1, &[1], t + ms(900) + ms(400), NO_ALLOWANCE)
        .unwrap();
    c.answer(1, 1, &[1], t + ms(900) + ms(400), NO_ALLOWANCE)
        .unwrap();
    assert_eq!(c.revealed_answer(0, 1).unwrap().answer_time, ms(400));
}

#[test]
fn a_media_question_does_not_wait_forever_for_loading() {
    let t0 = Instant::now();
    let mut c = Contest::new(vec![question("m", true)], identity(2, 1), rules(), t0).unwrap();
    let t = t0 + rules().countdown;
    c.advance(t);
    c.media_ready(0, 1, t + ms(100)).unwrap();
    assert_eq!(
        c.advance(t + rules().media_preload_max),
        [Event::ClockStarted { seq: 1 }]
    );
}

#[test]
fn a_disconnected_player_is_not_waited_for_while_media_loads() {
    let t0 = Instant::now();
    let mut c = Contest::new(vec![question("m", true)], identity(2, 1), rules(), t0).unwrap();
    let t = t0 + rules().countdown;
    c.advance(t);
    c.media_ready(0, 1, t + ms(100)).unwrap();
    let events = c.disconnect(1, t + ms(200));
    assert_eq!(events.last(), Some(&Event::ClockStarted { seq: 1 }));
}

#[test]
fn the_network_allowance_shortens_the_measured_time() {
    let (mut c, t) = duel(1, Instant::now());
    c.answer(0, 1, &[1], t + ms(10_000), ms(150)).unwrap();
    c.answer(1, 1, &[1], t + ms(10_000), NO_ALLOWANCE).unwrap();
    assert_eq!(c.revealed_answer(0, 1).unwrap().answer_time, ms(9_850));
}

/// One step of a random match.
#[derive(Debug, Clone)]
enum Step {
    Answer {
        seat: usize,
        seq: u32,
        pos: u8,
        after_ms: u64,
    },
    Wait {
        ms: u64,
    },
    Drop {
        seat: usize,
    },
    Back {
        seat: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..2usize, 0..5u32, 0..4u8, 0..3000u64)
            .prop_map(|(seat, seq, pos, after_ms)| Step::Answer { seat, seq, pos, after_ms }),
        3 => (0..25_000u64).prop_map(|ms| Step::Wait { ms }),
        1 => (0..2usize).prop_map(|seat| Step::Drop { seat }),
        1 => (0..2usize).prop_map(|seat| Step::Back { seat }),
    ]
}

proptest! {
    /// Whatever happens: no answer is readable before its reveal, only the
    /// first answer to a question counts, and totals are the sum of the
    /// per-question points.
    #[test]
    fn sealed_answers_first_answers_and_totals_hold(steps in proptest::collection::vec(step(), 1..60)) {
        let n = 4;
        let t0 = Instant::now();
        let qs = (0..n).map(|i| question(&format!("q{i}"), false)).collect();
        let mut c = Contest::new(qs, identity(2, n), rules(), t0).unwrap();
        let mut now = t0;
        let mut first: Vec<Vec<Option<u8>>> = vec![vec![None; n]; 2];
        let mut revealed = 0u32;
        for s in steps {
            if let Step::Answer { after_ms, .. } = s {
                now += ms(after_ms);
            }
            let mut events = c.advance(now);
            events.extend(match s {
                Step::Answer { seat, seq, pos, .. } => {
                    let result = c.answer(seat, seq, &[pos], now, NO_ALLOWANCE);
                    if let Ok(events) = &result {
                        let i = seq as usize - 1;
                        prop_assert!(first[seat][i].is_none(), "a second answer was accepted");
                        first[seat][i] = Some(pos);
                        let answered = Event::Answered { seq, seat };
                        prop_assert!(events.contains(&answered));
                    }
                    result.unwrap_or_default()
                }
                Step::Wait { ms: w } => {
                    now += ms(w);
                    c.advance(now)
                }
                Step::Drop { seat } => c.disconnect(seat, now),
                Step::Back { seat } => c.reconnect(seat),
            });
            for e in &events {
                if let Event::Revealed { seq } = e {
                    prop_assert_eq!(*seq, revealed + 1);
                    revealed = *seq;
                }
            }
            for (seat, firsts) in first.iter().enumerate() {
                for seq in 1..=n as u32 {
                    let visible = c.revealed_answer(seat, seq);
                    prop_assert_eq!(visible.is_some(), seq <= revealed, "seat {} seq {}", seat, seq);
                    if let (Some(a), Some(pos)) = (visible, firsts[seq as usize - 1]) {
                        // The answer shown is the first one given.
                        prop_assert_eq!(a.choice, OptionSet::from_indices([pos as usize]));
                    }
                }
                let sum: u64 = (1..=revealed)
                    .filter_map(|seq| c.revealed_answer(seat, seq))
                    .map(|a| u64::from(a.points))
                    .sum();
                prop_assert_eq!(c.points(seat), sum);
            }
        }
    }
}

#[test]
fn a_match_seats_two_to_twenty() {
    let t0 = Instant::now();
    let qs = || vec![question("a", false)];
    assert_eq!(
        Contest::new(qs(), identity(1, 1), rules(), t0).err(),
        Some(ContestError::BadSetup)
    );
    assert_eq!(
        Contest::new(qs(), identity(MAX_SEATS + 1, 1), rules(), t0).err(),
        Some(ContestError::BadSetup)
    );
    // Two teams of ten: the reveal waits for all twenty.
    let mut c = Contest::new(qs(), identity(MAX_SEATS, 1), race_rules(), t0).unwrap();
    let t = t0 + race_rules().countdown;
    c.advance(t);
    for seat in 0..MAX_SEATS - 1 {
        let events = c.answer(seat, 1, &[1], t + ms(100), NO_ALLOWANCE).unwrap();
        assert!(!events.contains(&Event::Revealed { seq: 1 }));
    }
    let events = c
        .answer(MAX_SEATS - 1, 1, &[0], t + ms(200), NO_ALLOWANCE)
        .unwrap();
    assert!(events.contains(&Event::Revealed { seq: 1 }));
    assert_eq!(c.standings().len(), MAX_SEATS);
}
