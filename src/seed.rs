//! `dati seed`: fills a database with members and plausible answers, for
//! benchmarks of the statistics pages and for trying the console on
//! realistic volumes. It writes through the same batched path as the
//! server, so the running totals are kept exactly as in production.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bank::Bank;
use crate::domain::member::DEFAULT_DISTRICTS;
use crate::domain::question::{OptionSet, Question};
use crate::store::writer::MAX_BATCH;
use crate::store::{AnswerRecord, Stores, WriteOp};

pub struct SeedConfig {
    pub members: usize,
    pub answers: usize,
    /// Answers are spread over this many days before `now_ms`.
    pub days: i64,
    pub now_ms: i64,
    /// The same seed gives the same data.
    pub seed: u64,
}

#[derive(Debug)]
pub struct SeedReport {
    pub members: usize,
    pub answers: usize,
    pub elapsed: Duration,
}

/// The chance that a member of `ability` gets a question of `difficulty`
/// (1–5) right: a two-parameter logistic, centred on difficulty 3.
fn p_correct(ability: f64, difficulty: u8) -> f64 {
    let b = (f64::from(difficulty) - 3.0) * 0.8;
    1.0 / (1.0 + (-(1.3 * (ability - b))).exp())
}

fn normal(rng: &mut impl Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn wrong_choice(q: &Question, rng: &mut impl Rng) -> OptionSet {
    let wrong: Vec<usize> = (0..q.options.len())
        .filter(|&i| OptionSet::from_indices([i]) != Some(q.answer))
        .collect();
    OptionSet::from_indices([wrong[rng.random_range(0..wrong.len())]]).expect("in range")
}

pub async fn run(
    stores: &Stores,
    bank: &Bank,
    config: &SeedConfig,
    progress: impl Fn(usize),
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut members: Vec<(i64, f64)> = Vec::with_capacity(config.members);
    for i in 0..config.members {
        let district = DEFAULT_DISTRICTS[rng.random_range(0..DEFAULT_DISTRICTS.len())];
        let m = stores
            .members
            .create_member(&format!("会员{i:06}"), district, config.now_ms)
            .await?;
        members.push((m.id, normal(&mut rng)));
    }
    anyhow::ensure!(!members.is_empty(), "seed needs at least one member");
    let questions: Vec<Arc<Question>> = bank.questions().to_vec();
    let span_ms = config.days.max(1) * 24 * 60 * 60 * 1000;
    let mut written = 0;
    let mut session = 1_000_000_000_i64;
    while written < config.answers {
        let n = (config.answers - written).min(MAX_BATCH);
        let mut ops = Vec::with_capacity(n);
        // A batch is a run of ten-question sets by random members.
        while ops.len() < n {
            let (member_id, ability) = members[rng.random_range(0..members.len())];
            session += 1;
            let at0 = config.now_ms - rng.random_range(0..span_ms);
            let mode = if rng.random_bool(0.7) {
                "practice"
            } else {
                "duel"
            };
            let take = 10.min(n - ops.len()).min(questions.len());
            let picked = rand::seq::index::sample(&mut rng, questions.len(), take);
            for (k, index) in picked.into_iter().enumerate() {
                let q = &questions[index];
                let right = rng.random_bool(p_correct(ability, q.difficulty));
                let timed_out = !right && rng.random_bool(0.05);
                let limit = q.time_limit.as_millis() as f64;
                let answer_ms = if timed_out {
                    limit as i64
                } else {
                    (limit * 0.35 * (0.4 * normal(&mut rng)).exp()).clamp(600.0, limit) as i64
                };
                let choice = if timed_out {
                    None
                } else if right {
                    Some(q.answer)
                } else {
                    Some(wrong_choice(q, &mut rng))
                };
                ops.push(WriteOp::Answer(AnswerRecord {
                    session_id: session,
                    question_id: q.id.clone(),
                    question_version: i64::from(q.version),
                    member_id,
                    history: q.history.as_str().into(),
                    mode: mode.into(),
                    choice: choice.map(|c| c.letters()),
                    correct: right,
                    answer_ms,
                    points: if right {
                        i64::from(crate::domain::scoring::base_points(
                            true,
                            Duration::from_millis(answer_ms as u64),
                            q.time_limit,
                            false,
                        ))
                    } else {
                        0
                    },
                    answered_at_ms: at0 + k as i64 * 15_000,
                    member_rating: None,
                    question_rating: 1500.0,
                }));
            }
        }
        stores.answers.write_batch(&ops).await?;
        written += ops.len();
        progress(written);
    }
    stores.stats.refresh_groups(config.now_ms).await?;
    Ok(SeedReport {
        members: members.len(),
        answers: written,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stronger_members_and_easier_questions_mean_more_right_answers() {
        assert!(p_correct(1.0, 3) > p_correct(0.0, 3));
        assert!(p_correct(0.0, 1) > p_correct(0.0, 5));
        assert!((p_correct(0.0, 3) - 0.5).abs() < 1e-9);
    }
}
