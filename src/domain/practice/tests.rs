use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::domain::question::{History, Media, MediaKind, OptionSet, Question, QuestionKind};

fn question(id: &str, kind: QuestionKind, answer: &[usize], media: bool) -> Arc<Question> {
    Arc::new(Question {
        id: id.into(),
        version: 1,
        history: History::Party,
        difficulty: 2,
        kind,
        prompt: "问题".into(),
        options: vec!["甲".into(), "乙".into(), "丙".into(), "丁".into()],
        answer: OptionSet::from_indices(answer.iter().copied()).unwrap(),
        explanation: "解析".into(),
        source: "出处".into(),
        time_limit: Duration::from_secs(20),
        media: media.then(|| Media {
            kind: MediaKind::Audio,
            file: "a.mp3".into(),
            alt: None,
            caption: None,
            duration: Some(Duration::from_secs(5)),
        }),
    })
}

fn singles(n: usize) -> Vec<Arc<Question>> {
    (0..n)
        .map(|i| question(&format!("q{i}"), QuestionKind::Single, &[1], false))
        .collect()
}

const IDENTITY: [u8; 4] = [0, 1, 2, 3];
const NO_ALLOWANCE: Duration = Duration::ZERO;

fn set(kind: SetKind, n: usize, t0: Instant) -> PracticeSet {
    PracticeSet::new(kind, singles(n), Rules::default(), t0).unwrap()
}

#[test]
fn an_empty_set_cannot_start() {
    let err = PracticeSet::new(SetKind::Practice, vec![], Rules::default(), Instant::now());
    assert_eq!(err.unwrap_err(), RuleError::NotEnoughQuestions);
}

#[test]
fn a_fast_correct_answer_scores_full_points() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 3, t0);
    let p = s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(p.seq, 1);
    let r = s
        .answer(1, &[1], t0 + Duration::from_millis(300), NO_ALLOWANCE)
        .unwrap();
    assert!(r.correct);
    assert_eq!(r.points, 1000);
    assert_eq!(r.next, NextStep::Continue);
}

#[test]
fn answers_are_mapped_through_the_shuffled_order() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 1, t0);
    // Shown position 3 holds canonical option 1, the right one.
    s.next_question(vec![2, 0, 3, 1], t0).unwrap();
    let r = s.answer(1, &[3], t0, NO_ALLOWANCE).unwrap();
    assert!(r.correct);
    assert_eq!(r.choice.unwrap().letters(), "B");
}

#[test]
fn only_the_first_answer_counts() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 2, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    s.answer(1, &[0], t0, NO_ALLOWANCE).unwrap();
    assert_eq!(
        s.answer(1, &[1], t0, NO_ALLOWANCE).unwrap_err(),
        RuleError::AlreadyAnswered
    );
}

#[test]
fn an_answer_to_another_question_is_not_current() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 2, t0);
    assert_eq!(
        s.answer(1, &[0], t0, NO_ALLOWANCE).unwrap_err(),
        RuleError::NoOpenQuestion
    );
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(
        s.answer(2, &[0], t0, NO_ALLOWANCE).unwrap_err(),
        RuleError::NotCurrent { got: 2 }
    );
}

#[test]
fn the_deadline_closes_the_question_as_a_miss_and_later_answers_are_too_late() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 2, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(s.deadline(), Some(t0 + Duration::from_secs(20)));
    assert!(s.expire(t0 + Duration::from_secs(19)).is_none());
    let r = s.expire(t0 + Duration::from_secs(20)).unwrap();
    assert!(r.timed_out());
    assert!(!r.correct);
    assert_eq!(r.points, 0);
    assert_eq!(
        s.answer(1, &[1], t0 + Duration::from_secs(21), NO_ALLOWANCE)
            .unwrap_err(),
        RuleError::TooLate
    );
}

#[test]
fn an_answer_past_the_deadline_is_refused_even_before_expiry_runs() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 2, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    let late = t0 + Duration::from_secs(21);
    assert_eq!(
        s.answer(1, &[1], late, NO_ALLOWANCE).unwrap_err(),
        RuleError::TooLate
    );
}

#[test]
fn the_network_allowance_is_taken_off_the_answer_time() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 1, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    let r = s
        .answer(
            1,
            &[1],
            t0 + Duration::from_millis(10_080),
            Duration::from_millis(80),
        )
        .unwrap();
    assert_eq!(r.answer_time, Duration::from_secs(10));
    assert_eq!(r.base_points, 750);
}

#[test]
fn invalid_choices_are_refused_without_closing_the_question() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 1, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    for bad in [&[][..], &[9], &[0, 1], &[1, 1]] {
        assert!(matches!(
            s.answer(1, bad, t0, NO_ALLOWANCE),
            Err(RuleError::InvalidChoice(_))
        ));
    }
    assert!(s.answer(1, &[1], t0, NO_ALLOWANCE).unwrap().correct);
}

#[test]
fn a_multiple_choice_answer_must_match_exactly() {
    let t0 = Instant::now();
    let qs = vec![
        question("m1", QuestionKind::Multiple, &[0, 2], false),
        question("m2", QuestionKind::Multiple, &[0, 2], false),
    ];
    let mut s = PracticeSet::new(SetKind::Practice, qs, Rules::default(), t0).unwrap();
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert!(!s.answer(1, &[0], t0, NO_ALLOWANCE).unwrap().correct);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert!(s.answer(2, &[2, 0], t0, NO_ALLOWANCE).unwrap().correct);
}

#[test]
fn streaks_add_a_bonus_and_reset_on_a_miss() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 4, t0);
    let mut bonuses = Vec::new();
    for (seq, choice) in [(1, 1), (2, 1), (3, 0), (4, 1)] {
        s.next_question(IDENTITY.to_vec(), t0).unwrap();
        bonuses.push(
            s.answer(seq, &[choice], t0, NO_ALLOWANCE)
                .unwrap()
                .streak_bonus,
        );
    }
    assert_eq!(bonuses, [0, 100, 0, 0]);
}

#[test]
fn a_practice_set_finishes_after_its_last_question() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 2, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    s.answer(1, &[1], t0, NO_ALLOWANCE).unwrap();
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    let r = s.answer(2, &[0], t0, NO_ALLOWANCE).unwrap();
    assert_eq!(r.next, NextStep::Finished);
    assert!(s.is_finished());
    assert_eq!(
        s.next_question(IDENTITY.to_vec(), t0).unwrap_err(),
        RuleError::SetFinished
    );
    let summary = s.finish(t0 + Duration::from_secs(30));
    assert_eq!(
        (summary.answered, summary.correct, summary.points),
        (2, 1, 1000)
    );
    assert!(summary.completed);
    assert_eq!(summary.duration, Duration::from_secs(30));
}

#[test]
fn the_next_question_waits_for_the_current_one_to_be_answered() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 2, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(
        s.next_question(IDENTITY.to_vec(), t0).unwrap_err(),
        RuleError::QuestionOpen
    );
}

#[test]
fn a_challenge_offers_one_revive_then_ends_at_the_next_miss() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Challenge, 10, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(
        s.answer(1, &[1], t0, NO_ALLOWANCE).unwrap().next,
        NextStep::Continue
    );
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(
        s.answer(2, &[0], t0, NO_ALLOWANCE).unwrap().next,
        NextStep::ReviveOffered
    );
    assert_eq!(
        s.next_question(IDENTITY.to_vec(), t0).unwrap_err(),
        RuleError::QuestionOpen
    );
    s.revive().unwrap();
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(
        s.answer(3, &[0], t0, NO_ALLOWANCE).unwrap().next,
        NextStep::Finished
    );
    assert_eq!(s.revive().unwrap_err(), RuleError::SetFinished);
    let summary = s.finish(t0);
    assert!(summary.revive_used);
    assert!(!summary.completed);
    assert_eq!(summary.answered, 3);
}

#[test]
fn a_revive_can_only_be_taken_when_offered() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Challenge, 3, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert_eq!(s.revive().unwrap_err(), RuleError::NoReviveOffered);
    s.answer(1, &[1], t0, NO_ALLOWANCE).unwrap();
    assert_eq!(s.revive().unwrap_err(), RuleError::NoReviveOffered);
}

#[test]
fn a_timeout_in_a_challenge_counts_as_a_miss() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Challenge, 3, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    let r = s.expire(t0 + Duration::from_secs(25)).unwrap();
    assert_eq!(r.next, NextStep::ReviveOffered);
}

#[test]
fn a_media_question_starts_its_clock_when_the_media_is_ready() {
    let t0 = Instant::now();
    let qs = vec![question("m", QuestionKind::Single, &[1], true)];
    let mut s = PracticeSet::new(SetKind::Practice, qs, Rules::default(), t0).unwrap();
    let p = s.next_question(IDENTITY.to_vec(), t0).unwrap();
    assert!(p.waits_for_media);
    // Until the player is ready the deadline allows for the longest preload.
    assert_eq!(s.deadline(), Some(t0 + Duration::from_secs(30)));
    let left = s.media_ready(1, t0 + Duration::from_secs(2)).unwrap();
    assert_eq!(left, Duration::from_secs(20));
    assert_eq!(s.deadline(), Some(t0 + Duration::from_secs(22)));
    // A repeated ready does not restart the clock.
    let left = s.media_ready(1, t0 + Duration::from_secs(4)).unwrap();
    assert_eq!(left, Duration::from_secs(18));
    let r = s
        .answer(1, &[1], t0 + Duration::from_secs(12), NO_ALLOWANCE)
        .unwrap();
    assert_eq!(r.answer_time, Duration::from_secs(10));
}

#[test]
fn skipping_the_media_does_not_buy_speed() {
    let t0 = Instant::now();
    let qs = vec![question("m", QuestionKind::Single, &[1], true)];
    let mut s = PracticeSet::new(SetKind::Practice, qs, Rules::default(), t0).unwrap();
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    let r = s
        .answer(1, &[1], t0 + Duration::from_secs(6), NO_ALLOWANCE)
        .unwrap();
    assert_eq!(r.answer_time, Duration::from_secs(6));
}

#[test]
fn finishing_early_abandons_the_open_question() {
    let t0 = Instant::now();
    let mut s = set(SetKind::Practice, 5, t0);
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    s.answer(1, &[1], t0, NO_ALLOWANCE).unwrap();
    s.next_question(IDENTITY.to_vec(), t0).unwrap();
    let summary = s.finish(t0);
    assert_eq!(summary.answered, 1);
    assert!(!summary.completed);
    assert!(s.is_finished());
}

#[derive(Debug, Clone)]
enum Step {
    Next,
    Answer { seq: u32, choice: u8, after_ms: u64 },
    Wait { ms: u64 },
    Revive,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::Next),
        (1u32..8, 0u8..4, 0u64..25_000).prop_map(|(seq, choice, after_ms)| Step::Answer {
            seq,
            choice,
            after_ms
        }),
        (0u64..30_000).prop_map(|ms| Step::Wait { ms }),
        Just(Step::Revive),
    ]
}

proptest! {
    /// Whatever the player does, each question is scored at most once and
    /// the running total is the sum of the per-question points.
    #[test]
    fn totals_equal_the_sum_of_per_question_points(
        challenge in any::<bool>(),
        steps in proptest::collection::vec(step(), 0..60),
    ) {
        let t0 = Instant::now();
        let kind = if challenge { SetKind::Challenge } else { SetKind::Practice };
        let mut s = set(kind, 6, t0);
        let mut now = t0;
        let mut scored = HashSet::new();
        let mut sum = 0u64;
        let record = |r: Reveal, scored: &mut HashSet<u32>, sum: &mut u64| {
            prop_assert!(scored.insert(r.seq), "question {} scored twice", r.seq);
            *sum += u64::from(r.points);
            prop_assert_eq!(r.total_points, *sum);
            prop_assert!(r.points <= 1500);
            Ok(())
        };
        for step in steps {
            match step {
                Step::Next => { let _ = s.next_question(IDENTITY.to_vec(), now); }
                Step::Answer { seq, choice, after_ms } => {
                    now += Duration::from_millis(after_ms);
                    if let Some(r) = s.expire(now) { record(r, &mut scored, &mut sum)?; }
                    if let Ok(r) = s.answer(seq, &[choice], now, NO_ALLOWANCE) {
                        record(r, &mut scored, &mut sum)?;
                    }
                }
                Step::Wait { ms } => {
                    now += Duration::from_millis(ms);
                    if let Some(r) = s.expire(now) { record(r, &mut scored, &mut sum)?; }
                }
                Step::Revive => { let _ = s.revive(); }
            }
        }
        let summary = s.finish(now);
        prop_assert_eq!(summary.points, sum);
        prop_assert_eq!(summary.answered as usize, scored.len());
        prop_assert!(summary.correct <= summary.answered);
    }
}
