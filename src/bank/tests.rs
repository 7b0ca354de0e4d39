use std::path::Path;

use super::*;

fn bank_with(
    files: &[(&str, &str)],
    media: &[(&str, usize)],
) -> (tempfile::TempDir, Result<Bank, BankErrors>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(MEDIA_DIR)).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    for (name, size) in media {
        std::fs::write(dir.path().join(MEDIA_DIR).join(name), vec![0u8; *size]).unwrap();
    }
    let bank = Bank::load(dir.path());
    (dir, bank)
}

const GOOD: &str = r#"
[[question]]
id = "party-001"
history = "party"
difficulty = 2
kind = "single"
prompt = "中国共产党第一次全国代表大会于哪一年召开？"
options = ["1919年", "1921年", "1927年"]
answer = "B"
explanation = "1921年7月，中共一大在上海开幕。"
source = "《中国共产党简史》，人民出版社、中共党史出版社，2021年"
time_limit = 20

[[question]]
id = "party-002"
history = "party"
difficulty = 1
kind = "true_false"
prompt = "遵义会议于1935年召开。"
answer = "true"
explanation = "1935年1月，中共中央政治局在遵义召开扩大会议。"
source = "《中国共产党简史》，人民出版社、中共党史出版社，2021年"
time_limit = 15
"#;

fn problems(result: Result<Bank, BankErrors>) -> Vec<String> {
    result
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_good_file_loads_with_true_false_options_filled_in() {
    let (_dir, bank) = bank_with(&[("party.toml", GOOD)], &[]);
    let bank = bank.unwrap();
    assert_eq!(bank.len(), 2);
    let tf = bank.get("party-002").unwrap();
    assert_eq!(tf.options, ["正确", "错误"]);
    assert_eq!(tf.answer.letters(), "A");
    assert_eq!(bank.get("party-001").unwrap().answer.letters(), "B");
}

#[test]
fn every_problem_is_reported_with_its_file_and_id() {
    let bad = r#"
[[question]]
id = "Bad Id"
history = "ancient"
difficulty = 7
kind = "single"
prompt = ""
options = ["甲", "甲"]
answer = "AB"
explanation = "解析"
source = ""
time_limit = 500
"#;
    let (_dir, bank) = bank_with(&[("bad.toml", bad)], &[]);
    let p = problems(bank);
    let all = p.join("\n");
    for expected in [
        "id must be",
        "history \"ancient\"",
        "difficulty 7",
        "prompt is empty",
        "source is empty",
        "time_limit 500",
        "two options are the same",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in\n{all}");
    }
    assert!(p.iter().all(|line| line.starts_with("bad.toml [Bad Id]: ")));
}

#[test]
fn duplicate_ids_across_files_are_reported() {
    let (_dir, bank) = bank_with(&[("a.toml", GOOD), ("b.toml", GOOD)], &[]);
    let p = problems(bank);
    assert_eq!(p.len(), 2);
    assert!(p[0].contains("b.toml [party-001]: duplicate id, first used in a.toml"));
}

#[test]
fn answer_letters_must_fit_the_kind_and_the_options() {
    for (kind, answer, options, expected) in [
        (
            "single",
            "AB",
            "[\"甲\", \"乙\"]",
            "exactly one answer letter",
        ),
        ("multiple", "A", "[\"甲\", \"乙\"]", "at least two"),
        ("single", "C", "[\"甲\", \"乙\"]", "names no option"),
        ("single", "a", "[\"甲\", \"乙\"]", "names no option"),
        ("multiple", "AA", "[\"甲\", \"乙\"]", "repeats"),
        ("single", "A", "[\"甲\"]", "1 options"),
        ("true_false", "yes", "[\"甲\", \"乙\"]", "take no options"),
    ] {
        let text = format!(
            "[[question]]\nid = \"x\"\nhistory = \"prc\"\ndifficulty = 1\nkind = \"{kind}\"\nprompt = \"问\"\noptions = {options}\nanswer = \"{answer}\"\nexplanation = \"解\"\nsource = \"源\"\ntime_limit = 10\n"
        );
        let (_dir, bank) = bank_with(&[("x.toml", &text)], &[]);
        let p = problems(bank).join("\n");
        assert!(
            p.contains(expected),
            "{kind}/{answer}: expected {expected:?} in {p}"
        );
    }
}

fn media_question(kind: &str, file: &str, extra: &str) -> String {
    format!(
        "[[question]]\nid = \"m\"\nhistory = \"reform\"\ndifficulty = 3\nkind = \"single\"\nprompt = \"看图\"\noptions = [\"甲\", \"乙\"]\nanswer = \"A\"\nexplanation = \"解\"\nsource = \"源\"\ntime_limit = 30\n\n[question.media]\nkind = \"{kind}\"\nfile = \"{file}\"\n{extra}\n"
    )
}

#[test]
fn media_must_exist_fit_its_kind_and_stay_small() {
    let cases = [
        (
            media_question("image", "missing.svg", "alt = \"图\""),
            "is missing",
        ),
        (
            media_question("image", "map.mp3", "alt = \"图\""),
            "is not a image file",
        ),
        (
            media_question("image", "big.png", "alt = \"图\""),
            "over the 300 KB limit",
        ),
        (media_question("image", "map.svg", ""), "need alt text"),
        (media_question("audio", "talk.mp3", ""), "need a duration"),
        (
            media_question("audio", "talk.mp3", "duration = 30"),
            "leaves no time",
        ),
        (
            media_question("video", "../etc.mp4", "alt = \"a\"\nduration = 5"),
            "plain file name",
        ),
        (media_question("hologram", "map.svg", ""), "media kind"),
    ];
    for (text, expected) in cases {
        let (_dir, bank) = bank_with(
            &[("m.toml", &text)],
            &[
                ("map.svg", 100),
                ("big.png", 400 * 1024),
                ("talk.mp3", 1000),
            ],
        );
        let p = problems(bank).join("\n");
        assert!(p.contains(expected), "expected {expected:?} in {p}");
    }
}

#[test]
fn good_media_loads() {
    let text = media_question("audio", "talk.mp3", "duration = 12\nalt = \"朗读文本\"");
    let (_dir, bank) = bank_with(&[("m.toml", &text)], &[("talk.mp3", 1000)]);
    let bank = bank.unwrap();
    let media = bank.get("m").unwrap().media.clone().unwrap();
    assert_eq!(media.kind, MediaKind::Audio);
    assert_eq!(media.duration, Some(Duration::from_secs(12)));
}

#[test]
fn unknown_fields_and_broken_toml_are_reported_per_file() {
    let (_dir, bank) = bank_with(
        &[
            ("a.toml", "[[question]]\nid = \"x\"\nwrong_field = 1\n"),
            ("b.toml", "this is not toml"),
        ],
        &[],
    );
    let p = problems(bank);
    assert_eq!(p.len(), 2);
    assert!(p[0].starts_with("a.toml: "));
    assert!(p[1].starts_with("b.toml: "));
}

#[test]
fn an_empty_folder_is_a_problem() {
    let (_dir, bank) = bank_with(&[], &[]);
    assert!(problems(bank)[0].contains("no *.toml"));
}

/// The shipped bank must always load and meet the coverage targets.
#[test]
fn the_shipped_bank_is_valid_and_meets_the_coverage_targets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("question_bank");
    let bank = Bank::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let c = bank.coverage();
    let short = c.shortfalls(&CoverageTargets::default());
    assert!(short.is_empty(), "{c}\n{short:#?}");
}

#[test]
fn a_small_bank_falls_short_of_every_target_and_says_which() {
    let (_dir, bank) = bank_with(&[("party.toml", GOOD)], &[]);
    let short = bank
        .unwrap()
        .coverage()
        .shortfalls(&CoverageTargets::default());
    let has = |needle: &str| short.iter().any(|s| s.contains(needle));
    assert!(
        has("party (党史) has 2 questions; at least 100 are needed"),
        "{short:#?}"
    );
    assert!(has("prc (新中国史) has 0 questions"));
    // Difficulty 1 and 2 each hold half of party's two questions; 3–5 none.
    assert!(has("party (党史) has 0 of 2 questions at difficulty 3"));
    assert!(!has("party (党史) has 1 of 2 questions at difficulty 1"));
    assert!(has("0 media questions; at least 40 are needed"));
    assert!(has("0 video questions; at least 10 are needed"));
    let relaxed = CoverageTargets {
        per_history: 0,
        difficulty_share: 0.0,
        media: 0,
        image: 0,
        audio: 0,
        video: 0,
    };
    assert!(
        bank_with(&[("party.toml", GOOD)], &[])
            .1
            .unwrap()
            .coverage()
            .shortfalls(&relaxed)
            .is_empty()
    );
}

#[test]
fn retired_questions_load_and_are_found_by_id_but_not_played_or_counted() {
    let retired = GOOD.replacen("time_limit = 15\n", "time_limit = 15\nretired = true\n", 1);
    let (_dir, bank) = bank_with(&[("party.toml", &retired)], &[]);
    let bank = bank.unwrap();
    assert_eq!(bank.len(), 1);
    let played: Vec<&str> = bank.questions().iter().map(|q| q.id.as_str()).collect();
    assert_eq!(played, ["party-001"]);
    let all: Vec<&str> = bank.all_questions().iter().map(|q| q.id.as_str()).collect();
    assert_eq!(all, ["party-001", "party-002"]);
    assert!(bank.is_retired("party-002"));
    assert!(!bank.is_retired("party-001"));
    assert_eq!(
        bank.get("party-002").unwrap().prompt,
        "遵义会议于1935年召开。"
    );
    assert!(bank.get_active("party-002").is_none());
    assert!(bank.get_active("party-001").is_some());
    assert_eq!(bank.file_of("party-002"), Some("party.toml"));
    let c = bank.coverage();
    assert_eq!(c.total, 1);
    assert_eq!(c.by_kind.get("true_false"), None);
}

#[test]
fn a_retired_question_is_still_checked_and_keeps_its_id_unique() {
    let bad = "[[question]]\nid = \"x\"\nhistory = \"prc\"\ndifficulty = 9\nkind = \"true_false\"\nprompt = \"问\"\nanswer = \"true\"\nexplanation = \"解\"\nsource = \"源\"\ntime_limit = 10\nretired = true\n";
    let (_dir, bank) = bank_with(&[("x.toml", bad)], &[]);
    assert!(problems(bank)[0].contains("difficulty 9"));
    let retired = GOOD.replace("time_limit = 20\n", "time_limit = 20\nretired = true\n");
    let (_dir, bank) = bank_with(&[("a.toml", &retired), ("b.toml", GOOD)], &[]);
    assert!(problems(bank)[0].contains("duplicate id"));
}

#[test]
fn raw_questions_written_as_toml_read_back_the_same() {
    let file: RawFile = toml::from_str(GOOD).unwrap();
    let mut file = file;
    file.question[1].retired = true;
    file.question[0].media = Some(RawMedia {
        kind: "image".into(),
        file: "map.svg".into(),
        alt: Some("一幅地图，标出 \"南湖\"\n第二行".into()),
        caption: None,
        duration: None,
    });
    let text = toml::to_string(&file).unwrap();
    assert!(text.contains("retired = true"), "{text}");
    assert_eq!(text.matches("retired").count(), 1, "{text}");
    assert!(!text.contains("caption"), "{text}");
    let back: RawFile = toml::from_str(&text).unwrap();
    assert_eq!(back.question, file.question);
    let (_dir, bank) = bank_with(&[("party.toml", &text)], &[("map.svg", 10)]);
    let bank = bank.unwrap();
    assert!(bank.is_retired("party-002"));
    assert_eq!(
        bank.get("party-001").unwrap().media.as_ref().unwrap().file,
        "map.svg"
    );
}

#[test]
fn load_replacing_checks_a_file_before_it_is_written() {
    let (dir, bank) = bank_with(&[("party.toml", GOOD)], &[]);
    assert!(bank.is_ok());
    let other = GOOD.replace("party-00", "other-00");
    let bank = Bank::load_replacing(dir.path(), Some((IMPORTED_FILE, &other))).unwrap();
    assert_eq!(bank.len(), 4);
    assert_eq!(bank.file_of("other-001"), Some(IMPORTED_FILE));
    assert!(!dir.path().join(IMPORTED_FILE).exists());
    let clash = Bank::load_replacing(dir.path(), Some((IMPORTED_FILE, GOOD)));
    assert!(problems(clash)[0].contains("duplicate id, first used in imported.toml"));
}

#[test]
fn every_rule_names_the_field_it_is_about() {
    assert_eq!(Rule::Difficulty(7).field(), Field::Difficulty);
    assert_eq!(Rule::SameOptions(0, 3).field(), Field::Option(3));
    assert_eq!(Rule::EmptyOption(2).field(), Field::Option(2));
    assert_eq!(
        Rule::AnswerLetter {
            letter: 'E',
            options: 4
        }
        .field(),
        Field::Answer
    );
    assert_eq!(Rule::MediaAlt.field(), Field::MediaAlt);
    assert_eq!(Rule::DurationTooLong(30).field(), Field::MediaDuration);
    assert_eq!(
        Rule::AnswerLetter {
            letter: 'E',
            options: 4
        }
        .to_string(),
        "answer letter 'E' names no option (A–D)"
    );
}
