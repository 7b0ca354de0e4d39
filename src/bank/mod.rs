//! The question bank: TOML files in a folder (format in
//! `question_bank/README.md`), parsed and checked into domain questions.
//!
//! Loading never stops at the first problem: every file is read and every
//! question checked, so `dati bank check` can report all problems at once.
//!
//! The same checks serve the spreadsheet import ([`import`]): a row is
//! turned into the raw TOML form and checked by [`check_question`], and the
//! broken [`Rule`]s are reported per column in Chinese.

pub mod export;
pub mod import;
pub mod template;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::question::{
    History, MAX_OPTIONS, Media, MediaKind, OptionSet, Question, QuestionKind, TRUE_FALSE_OPTIONS,
};

pub const MEDIA_DIR: &str = "media";
const MAX_IMAGE_OR_AUDIO_BYTES: u64 = 300 * 1024;
const MAX_VIDEO_BYTES: u64 = 2 * 1024 * 1024;
const TIME_LIMIT_SECS: std::ops::RangeInclusive<u64> = 5..=120;
const MAX_ID_LEN: usize = 40;
/// The file `dati bank import` writes; every other `*.toml` file is edited by hand.
pub const IMPORTED_FILE: &str = "imported.toml";

/// A checked, loaded bank.
///
/// Retired questions (`retired = true`) are loaded and found by [`Bank::get`]
/// (answers and statistics refer to them by id), but play draws only from
/// [`Bank::questions`], which leaves them out.
#[derive(Debug, Default)]
pub struct Bank {
    /// The active questions, in file order.
    questions: Vec<Arc<Question>>,
    /// Every question, retired ones included, in file order.
    all: Vec<Arc<Question>>,
    by_id: HashMap<String, Arc<Question>>,
    retired: HashSet<String>,
    /// The file each question comes from, by id.
    files: HashMap<String, String>,
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

/// A bank file as written: `[[question]]` tables.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    pub question: Vec<RawQuestion>,
}

/// One question as the TOML format spells it, before checking.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: u32,
    pub history: String,
    pub difficulty: i64,
    pub kind: String,
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    pub answer: String,
    pub explanation: String,
    pub source: String,
    pub time_limit: i64,
    /// Kept in the bank (its id stays known) but no longer played.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<RawMedia>,
}

fn default_version() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMedia {
    pub kind: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
}

/// Where a question's media file is looked for.
pub(crate) trait MediaFiles {
    /// The file's size in bytes, or `None` when it is not there.
    fn size(&self, file: &str) -> Option<u64>;
    /// Where files are looked for, as the English report names it.
    fn place(&self) -> String;
}

/// The bank's own `media/` folder.
pub(crate) struct MediaDir<'a>(pub &'a Path);

impl MediaFiles for MediaDir<'_> {
    fn size(&self, file: &str) -> Option<u64> {
        std::fs::metadata(self.0.join(file))
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }

    fn place(&self) -> String {
        self.0.display().to_string()
    }
}

impl Bank {
    /// Loads every `*.toml` file in `dir`, in name order.
    pub fn load(dir: &Path) -> Result<Bank, BankErrors> {
        Bank::load_replacing(dir, None)
    }

    /// Loads `dir` as if the file `name` held `text` (whether or not it
    /// exists yet): how an import checks the bank it is about to write.
    pub(crate) fn load_replacing(
        dir: &Path,
        replace: Option<(&str, &str)>,
    ) -> Result<Bank, BankErrors> {
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
        if let Some((name, _)) = replace
            && !files
                .iter()
                .any(|p| p.file_name().is_some_and(|n| n == name))
        {
            files.push(dir.join(name));
        }
        files.sort();
        let media_dir = dir.join(MEDIA_DIR);
        let media = MediaDir(&media_dir);
        let mut questions = Vec::new();
        let mut retired = HashSet::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for path in &files {
            let file = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let text = match replace {
                Some((name, text)) if name == file => text.to_owned(),
                _ => match std::fs::read_to_string(path) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(Problem {
                            file,
                            id: None,
                            message: format!("cannot read: {e}"),
                        });
                        continue;
                    }
                },
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
                let is_retired = rq.retired;
                match check_question(rq, &media) {
                    Ok(q) => {
                        if is_retired {
                            retired.insert(q.id.clone());
                        }
                        questions.push(Arc::new(q));
                    }
                    Err(rules) => {
                        for rule in rules {
                            report(rule.to_string());
                        }
                    }
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
        let active = questions
            .iter()
            .filter(|q| !retired.contains(&q.id))
            .cloned()
            .collect();
        Ok(Bank {
            questions: active,
            all: questions,
            by_id,
            retired,
            files: seen,
            media_dir,
        })
    }

    /// The questions in play: every question that is not retired.
    pub fn questions(&self) -> &[Arc<Question>] {
        &self.questions
    }

    /// Every question, retired ones included.
    pub fn all_questions(&self) -> &[Arc<Question>] {
        &self.all
    }

    /// Any question by id, retired ones included.
    pub fn get(&self, id: &str) -> Option<&Arc<Question>> {
        self.by_id.get(id)
    }

    /// A question by id if it is still in play.
    pub fn get_active(&self, id: &str) -> Option<&Arc<Question>> {
        self.by_id.get(id).filter(|q| !self.retired.contains(&q.id))
    }

    pub fn is_retired(&self, id: &str) -> bool {
        self.retired.contains(id)
    }

    /// The bank file a question comes from (`party.toml`, `imported.toml` …).
    pub fn file_of(&self, id: &str) -> Option<&str> {
        self.files.get(id).map(String::as_str)
    }

    /// The number of questions in play (retired ones left out).
    pub fn len(&self) -> usize {
        self.questions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    pub fn media_dir(&self) -> &Path {
        &self.media_dir
    }

    /// Counts of the questions in play; retired ones do not count.
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

/// The part of a question a [`Rule`] is about, as a spreadsheet column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Id,
    Version,
    History,
    Difficulty,
    Kind,
    Prompt,
    /// The option at this index (0 = A).
    Option(usize),
    Answer,
    Explanation,
    Source,
    TimeLimit,
    MediaKind,
    MediaFile,
    MediaAlt,
    MediaCaption,
    MediaDuration,
    Status,
}

/// One rule of the bank format that a question breaks. `Display` gives the
/// English that `dati bank check` prints; the importer says it in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Id,
    Version,
    History(String),
    Difficulty(i64),
    Kind(String),
    /// Prompt, explanation or source is empty.
    Empty(Field),
    TimeLimit(i64),
    TrueFalseOptions,
    TrueFalseAnswer(String),
    NoOptions,
    OptionCount(usize),
    EmptyOption(usize),
    /// Options `.1` repeats option `.0`.
    SameOptions(usize, usize),
    AnswerLetter {
        letter: char,
        options: usize,
    },
    RepeatedLetter(char),
    EmptyAnswer,
    SingleLetters(usize),
    MultipleLetters,
    MediaKind(String),
    MediaFileName(String),
    MediaExtension {
        file: String,
        kind: MediaKind,
    },
    MediaTooBig {
        file: String,
        bytes: u64,
        max: u64,
    },
    MediaMissing {
        file: String,
        place: String,
    },
    MediaAlt,
    MediaDuration,
    DurationNotPositive(i64),
    DurationTooLong(i64),
}

impl Rule {
    pub fn field(&self) -> Field {
        match self {
            Rule::Id => Field::Id,
            Rule::Version => Field::Version,
            Rule::History(_) => Field::History,
            Rule::Difficulty(_) => Field::Difficulty,
            Rule::Kind(_) => Field::Kind,
            Rule::Empty(f) => *f,
            Rule::TimeLimit(_) => Field::TimeLimit,
            Rule::TrueFalseOptions | Rule::NoOptions => Field::Option(0),
            Rule::OptionCount(n) => Field::Option((*n).min(MAX_OPTIONS - 1)),
            Rule::EmptyOption(i) => Field::Option(*i),
            Rule::SameOptions(_, j) => Field::Option(*j),
            Rule::TrueFalseAnswer(_)
            | Rule::AnswerLetter { .. }
            | Rule::RepeatedLetter(_)
            | Rule::EmptyAnswer
            | Rule::SingleLetters(_)
            | Rule::MultipleLetters => Field::Answer,
            Rule::MediaKind(_) => Field::MediaKind,
            Rule::MediaFileName(_)
            | Rule::MediaExtension { .. }
            | Rule::MediaTooBig { .. }
            | Rule::MediaMissing { .. } => Field::MediaFile,
            Rule::MediaAlt => Field::MediaAlt,
            Rule::MediaDuration | Rule::DurationNotPositive(_) | Rule::DurationTooLong(_) => {
                Field::MediaDuration
            }
        }
    }
}

fn letter(index: usize) -> char {
    (b'A' + index as u8) as char
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Id => write!(
                f,
                "id must be 1–{MAX_ID_LEN} characters of a-z, 0-9 and '-'"
            ),
            Rule::Version => write!(f, "version starts at 1"),
            Rule::History(h) => write!(
                f,
                "history {h:?} is not one of party, prc, reform, socialism"
            ),
            Rule::Difficulty(d) => write!(f, "difficulty {d} is outside 1–5"),
            Rule::Kind(k) => write!(f, "kind {k:?} is not one of single, multiple, true_false"),
            Rule::Empty(field) => {
                let name = match field {
                    Field::Prompt => "prompt",
                    Field::Explanation => "explanation",
                    _ => "source",
                };
                write!(f, "{name} is empty")
            }
            Rule::TimeLimit(t) => write!(f, "time_limit {t} is outside 5–120 seconds"),
            Rule::TrueFalseOptions => write!(
                f,
                "true_false questions take no options (players see 正确 / 错误)"
            ),
            Rule::TrueFalseAnswer(a) => write!(
                f,
                "answer {a:?} of a true_false question must be \"true\" or \"false\""
            ),
            Rule::NoOptions => write!(f, "single and multiple questions need options"),
            Rule::OptionCount(n) => write!(f, "{n} options; a question takes 2–{MAX_OPTIONS}"),
            Rule::EmptyOption(_) => write!(f, "an option is empty"),
            Rule::SameOptions(..) => write!(f, "two options are the same"),
            Rule::AnswerLetter { letter: l, options } => write!(
                f,
                "answer letter {l:?} names no option (A–{})",
                letter(options.saturating_sub(1))
            ),
            Rule::RepeatedLetter(l) => write!(f, "answer letter {l:?} repeats"),
            Rule::EmptyAnswer => write!(f, "answer is empty"),
            Rule::SingleLetters(n) => write!(
                f,
                "a single question has exactly one answer letter, not {n}"
            ),
            Rule::MultipleLetters => {
                write!(f, "a multiple question has at least two answer letters")
            }
            Rule::MediaKind(k) => write!(f, "media kind {k:?} is not one of image, audio, video"),
            Rule::MediaFileName(file) => write!(
                f,
                "media file {file:?} must be a plain file name (a-z, 0-9, '-', '_', '.')"
            ),
            Rule::MediaExtension { file, kind } => write!(
                f,
                "media file {file:?} is not a {} file ({})",
                kind.as_str(),
                media_extensions(*kind).join(", ")
            ),
            Rule::MediaTooBig { file, bytes, max } => write!(
                f,
                "media file {file} is {} KB, over the {} KB limit",
                bytes / 1024,
                max / 1024
            ),
            Rule::MediaMissing { file, place } => {
                write!(f, "media file {file} is missing from {place}")
            }
            Rule::MediaAlt => write!(f, "images and video need alt text"),
            Rule::MediaDuration => write!(f, "audio and video need a duration in seconds"),
            Rule::DurationNotPositive(d) => write!(f, "duration {d} must be positive"),
            Rule::DurationTooLong(d) => write!(
                f,
                "duration {d} s leaves no time to answer within time_limit"
            ),
        }
    }
}

/// The file extensions a media kind accepts.
pub fn media_extensions(kind: MediaKind) -> &'static [&'static str] {
    match kind {
        MediaKind::Image => &["svg", "png", "jpg", "jpeg", "webp"],
        MediaKind::Audio => &["mp3", "ogg", "m4a", "wav"],
        MediaKind::Video => &["mp4", "webm"],
    }
}

/// The largest media file of a kind, in bytes.
pub fn media_max_bytes(kind: MediaKind) -> u64 {
    if kind == MediaKind::Video {
        MAX_VIDEO_BYTES
    } else {
        MAX_IMAGE_OR_AUDIO_BYTES
    }
}

/// Checks one question on its own (every rule but id uniqueness, which
/// needs the whole bank), with its media looked up in `media`. Every broken
/// rule is returned, not just the first.
pub(crate) fn check_question(
    rq: RawQuestion,
    media: &dyn MediaFiles,
) -> Result<Question, Vec<Rule>> {
    let mut broken = Vec::new();
    if rq.id.is_empty()
        || rq.id.len() > MAX_ID_LEN
        || !rq
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        broken.push(Rule::Id);
    }
    if rq.version == 0 {
        broken.push(Rule::Version);
    }
    let history = History::parse(&rq.history);
    if history.is_none() {
        broken.push(Rule::History(rq.history.clone()));
    }
    if !(1..=5).contains(&rq.difficulty) {
        broken.push(Rule::Difficulty(rq.difficulty));
    }
    let kind = match rq.kind.as_str() {
        "single" => Some(QuestionKind::Single),
        "multiple" => Some(QuestionKind::Multiple),
        "true_false" => Some(QuestionKind::TrueFalse),
        other => {
            broken.push(Rule::Kind(other.to_owned()));
            None
        }
    };
    for (field, value) in [
        (Field::Prompt, &rq.prompt),
        (Field::Explanation, &rq.explanation),
        (Field::Source, &rq.source),
    ] {
        if value.trim().is_empty() {
            broken.push(Rule::Empty(field));
        }
    }
    let time_limit = u64::try_from(rq.time_limit)
        .ok()
        .filter(|s| TIME_LIMIT_SECS.contains(s));
    if time_limit.is_none() {
        broken.push(Rule::TimeLimit(rq.time_limit));
    }
    let (options, answer) = match kind {
        Some(kind) => match check_answer(kind, rq.options, &rq.answer) {
            Ok(pair) => pair,
            Err(rule) => {
                broken.push(rule);
                (Vec::new(), OptionSet::default())
            }
        },
        None => (Vec::new(), OptionSet::default()),
    };
    let media = match rq.media {
        Some(raw) => match check_media(raw, media, time_limit) {
            Ok(m) => Some(m),
            Err(rules) => {
                broken.extend(rules);
                None
            }
        },
        None => None,
    };
    let (Some(history), Some(kind), Some(time_limit), true) =
        (history, kind, time_limit, broken.is_empty())
    else {
        return Err(broken);
    };
    Ok(Question {
        id: rq.id,
        version: rq.version,
        history,
        difficulty: rq.difficulty as u8,
        kind,
        prompt: rq.prompt.trim().to_owned(),
        options,
        answer,
        explanation: rq.explanation.trim().to_owned(),
        source: rq.source.trim().to_owned(),
        time_limit: Duration::from_secs(time_limit),
        media,
    })
}

fn check_answer(
    kind: QuestionKind,
    options: Option<Vec<String>>,
    answer: &str,
) -> Result<(Vec<String>, OptionSet), Rule> {
    if kind == QuestionKind::TrueFalse {
        if options.is_some() {
            return Err(Rule::TrueFalseOptions);
        }
        let index = match answer {
            "true" => 0,
            "false" => 1,
            _ => return Err(Rule::TrueFalseAnswer(answer.to_owned())),
        };
        let options = TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect();
        return Ok((
            options,
            OptionSet::from_indices([index]).expect("index in range"),
        ));
    }
    let options: Vec<String> = options
        .ok_or(Rule::NoOptions)?
        .into_iter()
        .map(|o| o.trim().to_owned())
        .collect();
    if !(2..=MAX_OPTIONS).contains(&options.len()) {
        return Err(Rule::OptionCount(options.len()));
    }
    if let Some(i) = options.iter().position(String::is_empty) {
        return Err(Rule::EmptyOption(i));
    }
    for (j, o) in options.iter().enumerate() {
        if let Some(i) = options[..j].iter().position(|p| p == o) {
            return Err(Rule::SameOptions(i, j));
        }
    }
    let mut indices = Vec::new();
    for l in answer.chars() {
        let index = (l as u32).wrapping_sub('A' as u32) as usize;
        if !l.is_ascii_uppercase() || index >= options.len() {
            return Err(Rule::AnswerLetter {
                letter: l,
                options: options.len(),
            });
        }
        if indices.contains(&index) {
            return Err(Rule::RepeatedLetter(l));
        }
        indices.push(index);
    }
    match (kind, indices.len()) {
        (_, 0) => return Err(Rule::EmptyAnswer),
        (QuestionKind::Single, n) if n != 1 => return Err(Rule::SingleLetters(n)),
        (QuestionKind::Multiple, 1) => return Err(Rule::MultipleLetters),
        _ => {}
    }
    let set = OptionSet::from_indices(indices).expect("indices below MAX_OPTIONS");
    Ok((options, set))
}

fn check_media(
    raw: RawMedia,
    files: &dyn MediaFiles,
    time_limit: Option<u64>,
) -> Result<Media, Vec<Rule>> {
    let mut errors = Vec::new();
    let kind = match raw.kind.as_str() {
        "image" => Some(MediaKind::Image),
        "audio" => Some(MediaKind::Audio),
        "video" => Some(MediaKind::Video),
        other => {
            errors.push(Rule::MediaKind(other.to_owned()));
            None
        }
    };
    let file_ok = is_plain_file_name(&raw.file);
    if !file_ok {
        errors.push(Rule::MediaFileName(raw.file.clone()));
    }
    let extension = raw
        .file
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(kind) = kind {
        if !media_extensions(kind).contains(&extension.as_str()) {
            errors.push(Rule::MediaExtension {
                file: raw.file.clone(),
                kind,
            });
        }
        if file_ok {
            match files.size(&raw.file) {
                Some(bytes) => {
                    let max = media_max_bytes(kind);
                    if bytes > max {
                        errors.push(Rule::MediaTooBig {
                            file: raw.file.clone(),
                            bytes,
                            max,
                        });
                    }
                }
                None => errors.push(Rule::MediaMissing {
                    file: raw.file.clone(),
                    place: files.place(),
                }),
            }
        }
        if matches!(kind, MediaKind::Image | MediaKind::Video)
            && raw.alt.as_deref().is_none_or(|a| a.trim().is_empty())
        {
            errors.push(Rule::MediaAlt);
        }
        if matches!(kind, MediaKind::Audio | MediaKind::Video) {
            match raw.duration {
                None => errors.push(Rule::MediaDuration),
                Some(d) if d <= 0 => errors.push(Rule::DurationNotPositive(d)),
                Some(d) if time_limit.is_some_and(|t| d as u64 >= t) => {
                    errors.push(Rule::DurationTooLong(d))
                }
                Some(_) => {}
            }
        }
    }
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Media {
        kind,
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

/// A media file name the bank accepts: no folders, no dot files.
pub(crate) fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests;
