//! Protocol views of domain values: what a player is shown of a question,
//! a result and a summary. Shuffled positions are mapped here, so the
//! answer never leaves the server before the result.

use crate::domain::practice::{NextStep, Presented, Reveal, Summary};
use crate::domain::question::{Media, OptionSet, Question};
use crate::ws::protocol::{
    MediaView, NextView, QuestionView, ResultView, ServerMsg, SetMode, SummaryView,
};

pub fn question_message(p: &Presented, total: u32) -> ServerMsg {
    ServerMsg::Question {
        seq: p.seq,
        total,
        question: question_view(&p.question, &p.order),
        waits_for_media: p.waits_for_media,
        time_limit_ms: p.question.time_limit.as_millis() as u64,
    }
}

/// A question as one player sees it: options in that player's `order`.
pub fn question_view(q: &Question, order: &[u8]) -> QuestionView {
    QuestionView {
        id: q.id.clone(),
        history: q.history.as_str().into(),
        difficulty: q.difficulty,
        kind: q.kind.as_str().into(),
        prompt: q.prompt.clone(),
        options: order
            .iter()
            .map(|&i| q.options[i as usize].clone())
            .collect(),
        media: q.media.as_ref().map(media_view),
    }
}

/// Canonical options as positions in a player's shown `order`.
pub fn shown_positions(set: OptionSet, order: &[u8]) -> Vec<u8> {
    (0..order.len() as u8)
        .filter(|&p| set.contains(order[p as usize] as usize))
        .collect()
}

pub fn media_view(m: &Media) -> MediaView {
    MediaView {
        kind: m.kind.as_str().into(),
        url: format!("/media/{}", m.file),
        alt: m.alt.clone(),
        caption: m.caption.clone(),
        duration_ms: m.duration.map(|d| d.as_millis() as u64),
    }
}

pub fn result_view(r: &Reveal) -> ResultView {
    let shown = |set: OptionSet| shown_positions(set, &r.order);
    ResultView {
        seq: r.seq,
        correct: r.correct,
        timed_out: r.timed_out(),
        your_choice: r.choice.map(shown).unwrap_or_default(),
        correct_choice: shown(r.question.answer),
        explanation: r.question.explanation.clone(),
        source: r.question.source.clone(),
        answer_ms: r.answer_time.as_millis() as u64,
        base_points: r.base_points,
        streak_bonus: r.streak_bonus,
        points: r.points,
        streak: r.streak,
        total_points: r.total_points,
        next: match r.next {
            NextStep::Continue => NextView::Next,
            NextStep::ReviveOffered => NextView::ReviveOffered,
            NextStep::Finished => NextView::Finished,
        },
    }
}

/// The summary of set `set_id`, played in `mode`.
pub struct SummaryContext<'a> {
    pub set_id: i64,
    pub mode: SetMode,
    pub rating_before: f64,
    pub rating_after: f64,
    pub missed: &'a [String],
}

pub fn summary_message(ctx: SummaryContext<'_>, s: &Summary) -> ServerMsg {
    ServerMsg::Summary(SummaryView {
        set_id: ctx.set_id.to_string(),
        mode: ctx.mode,
        answered: s.answered,
        correct: s.correct,
        points: s.points,
        best_streak: s.best_streak,
        revive_used: s.revive_used,
        completed: s.completed,
        duration_ms: s.duration.as_millis() as u64,
        rating_before: ctx.rating_before.round() as i64,
        rating_after: ctx.rating_after.round() as i64,
        missed: ctx.missed.to_vec(),
    })
}
