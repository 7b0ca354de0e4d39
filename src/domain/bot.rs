//! Bots: openly labelled computer opponents that answer the way members
//! really answer each question, drawn from its recorded statistics.

use std::time::Duration;

use rand::Rng;

use super::question::{OptionSet, Question};

/// Every bot's name says 机器人.
pub const BOT_NAMES: [&str; 6] = [
    "机器人·小智",
    "机器人·阿答",
    "机器人·红星",
    "机器人·小新",
    "机器人·知史",
    "机器人·青青",
];

/// What a question's answers so far say about it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AnswerStats {
    pub attempts: i64,
    pub correct: i64,
    pub answer_ms_total: i64,
}

/// Statistics are blended with a prior worth this many answers, so a
/// question with few answers plays like its difficulty says.
const PRIOR_WEIGHT: f64 = 20.0;
/// Spread of answer times around the mean (log-normal sigma).
const TIME_SPREAD: f64 = 0.35;
/// Nobody reads and answers faster than this.
const FASTEST: Duration = Duration::from_millis(1200);

/// How often members get a question of this difficulty right, before any
/// statistics: difficulty 1 is nearly always known, 5 rarely.
fn prior_accuracy(difficulty: u8) -> f64 {
    match difficulty {
        0 | 1 => 0.85,
        2 => 0.75,
        3 => 0.62,
        4 => 0.5,
        _ => 0.4,
    }
}

/// The share of the time limit a member takes on average, before statistics.
fn prior_time_share(difficulty: u8) -> f64 {
    0.25 + 0.05 * f64::from(difficulty.min(5))
}

/// The chance a bot answers `q` right.
pub fn accuracy(q: &Question, stats: AnswerStats) -> f64 {
    let prior = prior_accuracy(q.difficulty);
    (stats.correct as f64 + prior * PRIOR_WEIGHT) / (stats.attempts.max(0) as f64 + PRIOR_WEIGHT)
}

/// The mean time members take on `q`.
pub fn mean_time(q: &Question, stats: AnswerStats) -> Duration {
    let limit_ms = q.time_limit.as_millis() as f64;
    let prior = prior_time_share(q.difficulty) * limit_ms;
    let mean = (stats.answer_ms_total.max(0) as f64 + prior * PRIOR_WEIGHT)
        / (stats.attempts.max(0) as f64 + PRIOR_WEIGHT);
    Duration::from_millis(mean as u64)
}

/// A bot's answer: the canonical options it picks and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotAnswer {
    pub choice: OptionSet,
    pub after: Duration,
}

pub fn answer(q: &Question, stats: AnswerStats, rng: &mut impl Rng) -> BotAnswer {
    let right = rng.random_bool(accuracy(q, stats).clamp(0.0, 1.0));
    let choice = if right {
        q.answer
    } else {
        let wrong: Vec<usize> = (0..q.options.len())
            .filter(|&i| OptionSet::from_indices([i]) != Some(q.answer))
            .collect();
        let pick = wrong[rng.random_range(0..wrong.len())];
        OptionSet::from_indices([pick]).expect("option index in range")
    };
    // Box–Muller: a standard normal from two uniforms.
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let mean = mean_time(q, stats).as_secs_f64();
    let latest = q.time_limit.mul_f64(0.95);
    let after = Duration::from_secs_f64(mean * (TIME_SPREAD * normal).exp())
        .clamp(FASTEST.min(latest), latest);
    BotAnswer { choice, after }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::domain::question::{History, QuestionKind};

    fn q(difficulty: u8) -> Arc<Question> {
        Arc::new(Question {
            id: "q".into(),
            version: 1,
            history: History::Prc,
            difficulty,
            kind: QuestionKind::Single,
            prompt: "问".into(),
            options: vec!["甲".into(), "乙".into(), "丙".into(), "丁".into()],
            answer: OptionSet::from_indices([2]).unwrap(),
            explanation: String::new(),
            source: String::new(),
            time_limit: Duration::from_secs(20),
            media: None,
        })
    }

    #[test]
    fn without_statistics_the_difficulty_decides() {
        assert!((accuracy(&q(1), AnswerStats::default()) - 0.85).abs() < 1e-9);
        assert!((accuracy(&q(5), AnswerStats::default()) - 0.4).abs() < 1e-9);
        assert_eq!(
            mean_time(&q(5), AnswerStats::default()),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn many_answers_outweigh_the_prior() {
        let stats = AnswerStats {
            attempts: 10_000,
            correct: 1_000,
            answer_ms_total: 10_000 * 4_000,
        };
        assert!((accuracy(&q(1), stats) - 0.1).abs() < 0.01);
        let mean = mean_time(&q(1), stats).as_millis() as i64;
        assert!((mean - 4_000).abs() < 50, "{mean}");
    }

    #[test]
    fn bots_answer_like_the_statistics_say() {
        let mut rng = StdRng::seed_from_u64(7);
        let stats = AnswerStats {
            attempts: 1_000,
            correct: 700,
            answer_ms_total: 1_000 * 6_000,
        };
        let question = q(3);
        let n = 4_000;
        let mut right = 0;
        let mut total = Duration::ZERO;
        for _ in 0..n {
            let a = answer(&question, stats, &mut rng);
            right += usize::from(question.is_correct(a.choice));
            assert!(a.after >= FASTEST && a.after <= question.time_limit);
            total += a.after;
        }
        let rate = right as f64 / n as f64;
        assert!((rate - accuracy(&question, stats)).abs() < 0.03, "{rate}");
        let mean_ms = total.as_millis() as f64 / n as f64;
        assert!((mean_ms - 6_000.0).abs() < 600.0, "{mean_ms}");
    }
}
