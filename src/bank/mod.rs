//! The question bank: TOML files in a folder (format in
//! `question_bank/README.md`), parsed and checked into domain questions.
//!
//! Loading never stops at the first problem: every file is read and every
//! question checked, so `dati bank check` can report all problems at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::question::{
    History, MAX_OPTIONS, Media, MediaKind, OptionSet, Question, QuestionKind, TRUE_FALSE_OPTIONS,
};

pub const MEDIA_DIR: &str = "media";
const MAX_IMAGE_OR_AUDIO_BYTES: u64 = 300 * 1024;
const MAX_VIDEO_BYTES: u64 = 2 * 1024 * 1024;
const TIME_LIMIT_SECS: std::ops::RangeInclusive<u64> = 5..=120;
const MAX_ID_LEN: usize = 40;

/// A checked, loaded bank.
#[derive(Debug, Default)]
pub struct Bank {
    questions: Vec<Arc<Question>>,
    by_id: HashMap<String, Arc<Question>>,
    media_dir: PathBuf,
}

/// One thing wrong in the bank, located by file and, where known, question id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub id: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} [{}]: {}", self.file, id, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found in a bank, printable as a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankErrors(pub Vec<Problem>);

impl fmt::Display for BankErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the question bank has {} problem(s):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BankErrors {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    question: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    #[serde(default = "default_version")]
    version: u32,
    history: String,
    difficulty: i64,
    kind: String,
    prompt: String,
    options: Option<Vec<String>>,
    answer: String,
    explanation: String,
    source: String,
    time_limit: i64,
    media: Option<RawMedia>,
}

fn default_version() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMedia {
    kind: String,
    file: String,
    alt: Option<String>,
    caption: Option<String>,
    duration: Option<i64>,
}

impl Bank {
    /// Loads every `*.toml` file in `dir`, in name order.
    pub fn load(dir: &Path) -> Result<Bank, BankErrors> {
        let mut problems = Vec::new();
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect(),
            Err(e) => {
                return Err(BankErrors(vec![Problem {
                    file: dir.display().to_string(),
                    id: None,
                    message: format!("cannot read the bank folder: {e}"),
                }]));
            }
        };
        files.sort();
        let media_dir = dir.join(MEDIA_DIR);
        let mut questions = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for path in &files {
            let file = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(Problem {
                        file,
                        id: None,
                        message: format!("cannot read: {e}"),
                    });
                    continue;
                }
            };
            let raw: RawFile = match toml::from_str(&text) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(Problem {
                        file,
                        id: None,
                        message: format!(
                            "not valid TOML for the bank format: {}",
                            e.to_string().trim()
                        ),
                    });
                    continue;
                }
            };
            for rq in raw.question {
                let id = rq.id.clone();
                let mut report = |message: String| {
                    problems.push(Problem {
                        file: file.clone(),
                        id: Some(id.clone()),
                        message,
                    })
                };
                if let Some(first) = seen.get(&rq.id) {
                    report(format!("duplicate id, first used in {first}"));
                    continue;
                }
                seen.insert(rq.id.clone(), file.clone());
                if let Some(q) = check_question(rq, &media_dir, &mut report) {
                    questions.push(Arc::new(q));
                }
            }
        }
        if files.is_empty() {
            problems.push(Problem {
                file: dir.display().to_string(),
                id: None,
                message: "no *.toml question files found".into(),
            });
        }
        if !problems.is_empty() {
            return Err(BankErrors(problems));
        }
        let by_id = questions
            .iter()
            .map(|q| (q.id.clone(), q.clone()))
            .collect();
        Ok(Bank {
            questions,
            by_id,
            media_dir,
        })
    }

    pub fn questions(&self) -> &[Arc<Question>] {
        &self.questions
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Question>> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    pub fn media_dir(&self) -> &Path {
        &self.media_dir
    }

    pub fn coverage(&self) -> Coverage {
        let mut c = Coverage::default();
        for q in &self.questions {
            *c.by_history.entry(q.history).or_default() += 1;
            *c.by_history_difficulty
                .entry((q.history, q.difficulty))
                .or_default() += 1;
            *c.by_difficulty.entry(q.difficulty).or_default() += 1;
            *c.by_kind.entry(q.kind.as_str()).or_default() += 1;
            let media = q.media.as_ref().map_or("text", |m| m.kind.as_str());
            *c.by_media.entry(media).or_default() += 1;
        }
        c.total = self.questions.len();
        c
    }
}

/// The bank a running server plays from. Readers take the current bank for
/// the moment they need it; an import swaps in a new one without stopping
/// play (a question already put to a player keeps its own `Arc`).
pub struct SharedBank {
    current: arc_swap::ArcSwap<Bank>,
}

impl SharedBank {
    pub fn new(bank: Bank) -> SharedBank {
        SharedBank {
            current: arc_swap::ArcSwap::from_pointee(bank),
        }
    }

    pub fn current(&self) -> Arc<Bank> {
        self.current.load_full()
    }

    pub fn replace(&self, bank: Bank) {
        self.current.store(Arc::new(bank));
    }
}

/// Counts of the bank's questions, for `dati bank check` and the logs.
#[derive(Debug, Default, Clone)]
pub struct Coverage {
    pub total: usize,
    pub by_history: BTreeMap<History, usize>,
    pub by_history_difficulty: BTreeMap<(History, u8), usize>,
    pub by_difficulty: BTreeMap<u8, usize>,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub by_media: BTreeMap<&'static str, usize>,
}

/// What a playable bank must hold: enough questions per history that a
/// regular player rarely meets a repeat in a week, every difficulty level
/// present in every history, and media questions of each kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageTargets {
    pub per_history: usize,
    /// The smallest share of a history's questions at any one difficulty.
    pub difficulty_share: f64,
    pub media: usize,
    pub image: usize,
    pub audio: usize,
    pub video: usize,
}

impl Default for CoverageTargets {
    fn default() -> Self {
        CoverageTargets {
            per_history: 100,
            difficulty_share: 0.10,
            media: 40,
            image: 15,
            audio: 10,
            video: 10,
        }
    }
}

impl Coverage {
    /// Each way the bank falls short of `targets`, in words.
    pub fn shortfalls(&self, targets: &CoverageTargets) -> Vec<String> {
        let mut out = Vec::new();
        for h in History::ALL {
            let n = self.by_history.get(&h).copied().unwrap_or(0);
            if n < targets.per_history {
                out.push(format!(
                    "{h} ({}) has {n} questions; at least {} are needed",
                    h.name_zh(),
                    targets.per_history
                ));
            }
            for d in 1..=5u8 {
                let k = self
                    .by_history_difficulty
                    .get(&(h, d))
                    .copied()
                    .unwrap_or(0);
                // An empty history is reported once, above.
                if n > 0 && (k as f64) < targets.difficulty_share * n as f64 {
                    out.push(format!(
                        "{h} ({}) has {k} of {n} questions at difficulty {d}; at least {:.0} % are needed",
                        h.name_zh(),
                        targets.difficulty_share * 100.0
                    ));
                }
            }
        }
        let count = |kind: &str| self.by_media.get(kind).copied().unwrap_or(0);
        let media = count("image") + count("audio") + count("video");
        if media < targets.media {
            out.push(format!(
                "{media} media questions; at least {} are needed",
                targets.media
            ));
        }
        for (kind, need) in [
            ("image", targets.image),
            ("audio", targets.audio),
            ("video", targets.video),
        ] {
            if count(kind) < need {
                out.push(format!(
                    "{} {kind} questions; at least {need} are needed",
                    count(kind)
                ));
            }
        }
        out
    }

    /// Per history, the share of questions at each difficulty, for the report.
    pub fn difficulty_shares(&self) -> String {
        History::ALL
            .iter()
            .map(|h| {
                let n = self.by_history.get(h).copied().unwrap_or(0).max(1);
                let shares: Vec<String> = (1..=5u8)
                    .map(|d| {
                        let k = self
                            .by_history_difficulty
                            .get(&(*h, d))
                            .copied()
                            .unwrap_or(0);
                        format!("{d}:{:.0}%", k as f64 * 100.0 / n as f64)
                    })
                    .collect();
                format!("  {:<10} {}", h.as_str(), shares.join(" "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} questions", self.total)?;
        let join = |items: Vec<String>| items.join(", ");
        writeln!(
            f,
            "  by history:    {}",
            join(
                self.by_history
                    .iter()
                    .map(|(h, n)| format!("{} ({}) {n}", h, h.name_zh()))
                    .collect()
            )
        )?;
        writeln!(
            f,
            "  by difficulty: {}",
            join(
                self.by_difficulty
                    .iter()
                    .map(|(d, n)| format!("{d}: {n}"))
                    .collect()
            )
        )?;
        writeln!(
            f,
            "  by kind:       {}",
            join(
                self.by_kind
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect()
            )
        )?;
        write!(
            f,
            "  by media:      {}",
            join(
                self.by_media
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect()
            )
        )
    }
}

fn check_question(
    rq: RawQuestion,
    media_dir: &Path,
    report: &mut impl FnMut(String),
) -> Option<Question> {
    let mut ok = true;
    let mut fail = |msg: String| {
        ok = false;
        report(msg);
    };
    if rq.id.is_empty()
        || rq.id.len() > MAX_ID_LEN
        || !rq
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        fail(format!(
            "id must be 1–{MAX_ID_LEN} characters of a-z, 0-9 and '-'"
        ));
    }
    if rq.version == 0 {
        fail("version starts at 1".into());
    }
    let history = History::parse(&rq.history);
    if history.is_none() {
        fail(format!(
            "history {:?} is not one of party, prc, reform, socialism",
            rq.history
        ));
    }
    if !(1..=5).contains(&rq.difficulty) {
        fail(format!("difficulty {} is outside 1–5", rq.difficulty));
    }
    let kind = match rq.kind.as_str() {
        "single" => Some(QuestionKind::Single),
        "multiple" => Some(QuestionKind::Multiple),
        "true_false" => Some(QuestionKind::TrueFalse),
        other => {
            fail(format!(
                "kind {other:?} is not one of single, multiple, true_false"
            ));
            None
        }
    };
    for (field, value) in [
        ("prompt", &rq.prompt),
        ("explanation", &rq.explanation),
        ("source", &rq.source),
    ] {
        if value.trim().is_empty() {
            fail(format!("{field} is empty"));
        }
    }
    let time_limit = u64::try_from(rq.time_limit)
        .ok()
        .filter(|s| TIME_LIMIT_SECS.contains(s));
    if time_limit.is_none() {
        fail(format!(
            "time_limit {} is outside 5–120 seconds",
            rq.time_limit
        ));
    }
    let (options, answer) = match kind {
        Some(kind) => match check_answer(kind, rq.options, &rq.answer) {
            Ok(pair) => pair,
            Err(msg) => {
                fail(msg);
                (Vec::new(), OptionSet::default())
            }
        },
        None => (Vec::new(), OptionSet::default()),
    };
    let media = match rq.media {
        Some(raw) => match check_media(raw, media_dir, time_limit) {
            Ok(m) => Some(m),
            Err(msgs) => {
                for m in msgs {
                    fail(m);
                }
                None
            }
        },
        None => None,
    };
    if !ok {
        return None;
    }
    Some(Question {
        id: rq.id,
        version: rq.version,
        history: history?,
        difficulty: rq.difficulty as u8,
        kind: kind?,
        prompt: rq.prompt.trim().to_owned(),
        options,
        answer,
        explanation: rq.explanation.trim().to_owned(),
        source: rq.source.trim().to_owned(),
        time_limit: Duration::from_secs(time_limit?),
        media,
    })
}

fn check_answer(
    kind: QuestionKind,
    options: Option<Vec<String>>,
    answer: &str,
) -> Result<(Vec<String>, OptionSet), String> {
    if kind == QuestionKind::TrueFalse {
        if options.is_some() {
            return Err("true_false questions take no options (players see 正确 / 错误)".into());
        }
        let index = match answer {
            "true" => 0,
            "false" => 1,
            _ => {
                return Err(format!(
                    "answer {answer:?} of a true_false question must be \"true\" or \"false\""
                ));
            }
        };
        let options = TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect();
        return Ok((
            options,
            OptionSet::from_indices([index]).expect("index in range"),
        ));
    }
    let options: Vec<String> = options
        .ok_or("single and multiple questions need options")?
        .into_iter()
        .map(|o| o.trim().to_owned())
        .collect();
    if !(2..=MAX_OPTIONS).contains(&options.len()) {
        return Err(format!(
            "{} options; a question takes 2–{MAX_OPTIONS}",
            options.len()
        ));
    }
    if options.iter().any(String::is_empty) {
        return Err("an option is empty".into());
    }
    if options.iter().collect::<HashSet<_>>().len() != options.len() {
        return Err("two options are the same".into());
    }
    let mut indices = Vec::new();
    for letter in answer.chars() {
        let index = (letter as u32).wrapping_sub('A' as u32) as usize;
        if !letter.is_ascii_uppercase() || index >= options.len() {
            return Err(format!(
                "answer letter {letter:?} names no option (A–{})",
                (b'A' + options.len() as u8 - 1) as char
            ));
        }
        if indices.contains(&index) {
            return Err(format!("answer letter {letter:?} repeats"));
        }
        indices.push(index);
    }
    match (kind, indices.len()) {
        (_, 0) => return Err("answer is empty".into()),
        (QuestionKind::Single, n) if n != 1 => {
            return Err(format!(
                "a single question has exactly one answer letter, not {n}"
            ));
        }
        (QuestionKind::Multiple, 1) => {
            return Err("a multiple question has at least two answer letters".into());
        }
        _ => {}
    }
    let set = OptionSet::from_indices(indices).ok_or("answer out of range")?;
    Ok((options, set))
}

fn check_media(
    raw: RawMedia,
    media_dir: &Path,
    time_limit: Option<u64>,
) -> Result<Media, Vec<String>> {
    let mut errors = Vec::new();
    let kind = match raw.kind.as_str() {
        "image" => Some(MediaKind::Image),
        "audio" => Some(MediaKind::Audio),
        "video" => Some(MediaKind::Video),
        other => {
            errors.push(format!(
                "media kind {other:?} is not one of image, audio, video"
            ));
            None
        }
    };
    let file_ok = !raw.file.is_empty()
        && !raw.file.starts_with('.')
        && raw
            .file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !file_ok {
        errors.push(format!(
            "media file {:?} must be a plain file name (a-z, 0-9, '-', '_', '.')",
            raw.file
        ));
    }
    let extension = raw
        .file
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(kind) = kind {
        let allowed: &[&str] = match kind {
            MediaKind::Image => &["svg", "png", "jpg", "jpeg", "webp"],
            MediaKind::Audio => &["mp3", "ogg", "m4a", "wav"],
            MediaKind::Video => &["mp4", "webm"],
        };
        if !allowed.contains(&extension.as_str()) {
            errors.push(format!(
                "media file {:?} is not a {} file ({})",
                raw.file,
                kind.as_str(),
                allowed.join(", ")
            ));
        }
        if file_ok {
            match std::fs::metadata(media_dir.join(&raw.file)) {
                Ok(meta) => {
                    let max = if kind == MediaKind::Video {
                        MAX_VIDEO_BYTES
                    } else {
                        MAX_IMAGE_OR_AUDIO_BYTES
                    };
                    if meta.len() > max {
                        errors.push(format!(
                            "media file {} is {} KB, over the {} KB limit",
                            raw.file,
                            meta.len() / 1024,
                            max / 1024
                        ));
                    }
                }
                Err(_) => errors.push(format!(
                    "media file {} is missing from {}",
                    raw.file,
                    media_dir.display()
                )),
            }
        }
        if matches!(kind, MediaKind::Image | MediaKind::Video)
            && raw.alt.as_deref().is_none_or(|a| a.trim().is_empty())
        {
            errors.push("images and video need alt text".into());
        }
        if matches!(kind, MediaKind::Audio | MediaKind::Video) {
            match raw.duration {
                None => errors.push("audio and video need a duration in seconds".into()),
                Some(d) if d <= 0 => errors.push(format!("duration {d} must be positive")),
                Some(d) if time_limit.is_some_and(|t| d as u64 >= t) => errors.push(format!(
                    "duration {d} s leaves no time to answer within time_limit"
                )),
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Media {
        kind: kind.expect("checked above"),
        file: raw.file,
        alt: raw
            .alt
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        caption: raw
            .caption
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        duration: raw.duration.map(|d| Duration::from_secs(d as u64)),
    })
}

#[cfg(test)]
mod tests;
