//! Member identity values, parsed at the edge.

use thiserror::Error;

pub const NICKNAME_MAX_CHARS: usize = 16;

/// The ten districts of Qingdao, the default district list (design.md §1).
pub const DEFAULT_DISTRICTS: [&str; 10] = [
    "市南区",
    "市北区",
    "李沧区",
    "崂山区",
    "城阳区",
    "黄岛区",
    "即墨区",
    "胶州市",
    "平度市",
    "莱西市",
];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NicknameError {
    #[error("昵称不能为空")]
    Empty,
    #[error("昵称最多 {NICKNAME_MAX_CHARS} 个字符")]
    TooLong,
    #[error("昵称不能包含控制字符")]
    ControlCharacter,
    #[error("昵称包含不允许使用的词语")]
    Banned,
}

impl NicknameError {
    pub fn code(&self) -> &'static str {
        match self {
            NicknameError::Empty => "nickname_empty",
            NicknameError::TooLong => "nickname_too_long",
            NicknameError::ControlCharacter => "nickname_invalid",
            NicknameError::Banned => "nickname_banned",
        }
    }
}

/// Words a nickname may not contain. Matching ignores case and spaces so that
/// "A d m i n" is caught as well as "admin".
#[derive(Debug, Clone, Default)]
pub struct WordList {
    words: Vec<String>,
}

impl WordList {
    pub fn new(words: impl IntoIterator<Item = impl AsRef<str>>) -> WordList {
        let words = words
            .into_iter()
            .map(|w| normalize(w.as_ref()))
            .filter(|w| !w.is_empty())
            .collect();
        WordList { words }
    }

    /// One word per line; blank lines and lines starting with `#` are ignored.
    pub fn from_lines(text: &str) -> WordList {
        WordList::new(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#')),
        )
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `text` contains a listed word (ignoring case and spaces).
    pub fn blocks(&self, text: &str) -> bool {
        let normalized = normalize(text);
        self.words.iter().any(|w| normalized.contains(w.as_str()))
    }
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    pub fn parse(raw: &str, banned: &WordList) -> Result<Nickname, NicknameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(NicknameError::Empty);
        }
        if trimmed.chars().count() > NICKNAME_MAX_CHARS {
            return Err(NicknameError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NicknameError::ControlCharacter);
        }
        if banned.blocks(trimmed) {
            return Err(NicknameError::Banned);
        }
        Ok(Nickname(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member may change district once per 30 days: a district's standings
/// should not be swelled by members hopping to whichever side is winning.
pub const DISTRICT_CHANGE_INTERVAL_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// When a member whose last own district change was at `last_change_ms`
/// may change again, if that is still ahead of `now_ms`; `None` when they
/// may change now (signing up does not count as a change).
pub fn district_change_blocked_until(last_change_ms: Option<i64>, now_ms: i64) -> Option<i64> {
    let next = last_change_ms? + DISTRICT_CHANGE_INTERVAL_MS;
    (now_ms < next).then_some(next)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_district_change_waits_thirty_days_after_the_last() {
        let day = 24 * 60 * 60 * 1000;
        assert_eq!(super::district_change_blocked_until(None, 0), None);
        assert_eq!(
            super::district_change_blocked_until(Some(0), 29 * day),
            Some(30 * day)
        );
        assert_eq!(
            super::district_change_blocked_until(Some(0), 30 * day),
            None
        );
    }

    use super::*;

    fn words() -> WordList {
        WordList::from_lines("# comment\n管理员\nadmin\n\n")
    }

    #[test]
    fn a_nickname_is_trimmed() {
        let n = Nickname::parse("  小王  ", &words()).unwrap();
        assert_eq!(n.as_str(), "小王");
    }

    #[test]
    fn an_empty_or_blank_nickname_is_rejected() {
        assert_eq!(Nickname::parse("", &words()), Err(NicknameError::Empty));
        assert_eq!(Nickname::parse(" \t ", &words()), Err(NicknameError::Empty));
    }

    #[test]
    fn sixteen_characters_are_allowed_and_seventeen_are_not() {
        let sixteen = "工".repeat(16);
        assert!(Nickname::parse(&sixteen, &words()).is_ok());
        let seventeen = "工".repeat(17);
        assert_eq!(
            Nickname::parse(&seventeen, &words()),
            Err(NicknameError::TooLong)
        );
    }

    #[test]
    fn banned_words_are_caught_inside_names_ignoring_case_and_spaces() {
        assert_eq!(
            Nickname::parse("超级管理员", &words()),
            Err(NicknameError::Banned)
        );
        assert_eq!(
            Nickname::parse("A d M i n", &words()),
            Err(NicknameError::Banned)
        );
    }

    #[test]
    fn control_characters_are_rejected() {
        assert_eq!(
            Nickname::parse("a\u{7}b", &words()),
            Err(NicknameError::ControlCharacter)
        );
    }

    #[test]
    fn the_comment_lines_of_a_word_list_are_not_words() {
        assert_eq!(words().len(), 2);
    }
}
