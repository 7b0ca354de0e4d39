//! Questions as the game sees them, after the bank has parsed and checked them.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The four histories (四史).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum History {
    /// 党史: history of the Communist Party of China.
    Party,
    /// 新中国史: history of the People's Republic of China.
    Prc,
    /// 改革开放史: history of reform and opening-up.
    Reform,
    /// 社会主义发展史: history of socialist development.
    Socialism,
}

impl History {
    pub const ALL: [History; 4] = [
        History::Party,
        History::Prc,
        History::Reform,
        History::Socialism,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            History::Party => "party",
            History::Prc => "prc",
            History::Reform => "reform",
            History::Socialism => "socialism",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            History::Party => "党史",
            History::Prc => "新中国史",
            History::Reform => "改革开放史",
            History::Socialism => "社会主义发展史",
        }
    }

    pub fn parse(s: &str) -> Option<History> {
        History::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true_false",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub kind: MediaKind,
    /// File name inside the bank's media folder; served under `/media/`.
    pub file: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub duration: Option<Duration>,
}

/// The most options a question may have; the answer is kept as a bit set.
pub const MAX_OPTIONS: usize = 6;

/// A set of option indices (canonical, unshuffled order) as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OptionSet(u8);

impl OptionSet {
    pub fn from_indices(indices: impl IntoIterator<Item = usize>) -> Option<OptionSet> {
        let mut mask = 0u8;
        for i in indices {
            if i >= MAX_OPTIONS {
                return None;
            }
            mask |= 1 << i;
        }
        Some(OptionSet(mask))
    }

    pub fn contains(self, index: usize) -> bool {
        index < MAX_OPTIONS && self.0 & (1 << index) != 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn indices(self) -> impl Iterator<Item = usize> {
        (0..MAX_OPTIONS).filter(move |&i| self.contains(i))
    }

    /// Letters in canonical order, as the bank writes them: "B", "ACD".
    pub fn letters(self) -> String {
        self.indices().map(|i| (b'A' + i as u8) as char).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub version: u32,
    pub history: History,
    pub difficulty: u8,
    pub kind: QuestionKind,
    pub prompt: String,
    /// For true/false questions these are 正确 and 错误, in that order.
    pub options: Vec<String>,
    pub answer: OptionSet,
    pub explanation: String,
    pub source: String,
    pub time_limit: Duration,
    pub media: Option<Media>,
}

pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["正确", "错误"];

impl Question {
    pub fn is_correct(&self, choice: OptionSet) -> bool {
        choice == self.answer
    }

    /// True/false questions keep 正确 before 错误; everything else is shuffled.
    pub fn shuffles_options(&self) -> bool {
        self.kind != QuestionKind::TrueFalse
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_set_round_trips_letters() {
        let set = OptionSet::from_indices([0, 2, 3]).unwrap();
        assert_eq!(set.letters(), "ACD");
        assert_eq!(set.len(), 3);
        assert!(set.contains(2));
        assert!(!set.contains(1));
    }

    #[test]
    fn option_set_rejects_out_of_range_indices() {
        assert!(OptionSet::from_indices([6]).is_none());
    }

    #[test]
    fn history_parses_its_own_names() {
        for h in History::ALL {
            assert_eq!(History::parse(h.as_str()), Some(h));
        }
        assert_eq!(History::parse("mixed"), None);
    }
}
