use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::domain::ladder::{DAY_MS, START_TOLERANCE_MS};
use crate::domain::member::DEFAULT_DISTRICTS;
use crate::domain::question::{History, OptionSet, Question, QuestionKind};

/// 2026-11-30 00:00 Beijing time.
const NOW: i64 = 1_795_968_000_000;

fn known() -> Vec<String> {
    DEFAULT_DISTRICTS.iter().map(|d| d.to_string()).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Rules that pass: a week starting tomorrow, the whole bank, defaults.
fn rules() -> CompetitionRules {
    CompetitionRules {
        title: "四史知识区域PK赛".into(),
        starts_at_ms: NOW + DAY_MS,
        ends_at_ms: NOW + 8 * DAY_MS,
        questions: QuestionSet::all(),
        team_size: DEFAULT_TEAM_SIZE,
        questions_per_battle: DEFAULT_QUESTIONS_PER_BATTLE,
        daily_battles: DEFAULT_DAILY_BATTLES,
        districts: strings(&["市南区", "市北区", "李沧区"]),
    }
}

fn plenty(_: &QuestionSet) -> usize {
    1000
}

fn check(rules: &CompetitionRules) -> Result<CompetitionRules, Vec<FieldError>> {
    validate(rules, NOW, &known(), plenty)
}

/// The fields `rules` are refused for, in report order.
fn refused(rules: &CompetitionRules) -> Vec<&'static str> {
    match check(rules) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.field).collect(),
    }
}

/// The reasons given for `field`.
fn reasons(rules: &CompetitionRules, field: &str) -> Vec<String> {
    check(rules)
        .err()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.field == field)
        .map(|e| e.reason)
        .collect()
}

fn question(id: &str, history: History, difficulty: u8) -> Question {
    Question {
        id: id.into(),
        version: 1,
        history,
        difficulty,
        kind: QuestionKind::Single,
        prompt: "？".into(),
        options: strings(&["甲", "乙"]),
        answer: OptionSet::from_indices([0]).unwrap(),
        explanation: String::new(),
        source: String::new(),
        time_limit: Duration::from_secs(20),
        media: None,
    }
}

// ---------------------------------------------------------------- rules

#[test]
fn valid_rules_pass_and_come_back_normalized() {
    let mut r = rules();
    r.title = "  四史知识区域PK赛 \n".into();
    r.districts = strings(&[" 市南区", "市北区", "市南区", "", "市北区 "]);
    r.questions = QuestionSet::Filter {
        histories: vec![History::Party, History::Prc, History::Party],
        min_difficulty: 2,
        max_difficulty: 4,
    };
    let ok = check(&r).unwrap();
    assert_eq!(ok.title, "四史知识区域PK赛");
    assert_eq!(ok.districts, strings(&["市南区", "市北区"]));
    assert_eq!(
        ok.questions,
        QuestionSet::Filter {
            histories: vec![History::Party, History::Prc],
            min_difficulty: 2,
            max_difficulty: 4,
        }
    );
    // Normalized rules pass again unchanged.
    assert_eq!(check(&ok).unwrap(), ok);
}

#[test]
fn rules_travel_as_snake_case_json_with_a_tagged_question_set() {
    let json = serde_json::to_value(rules()).unwrap();
    assert_eq!(json["questions"]["kind"], "filter");
    assert_eq!(json["team_size"], 5);
    let picked = serde_json::json!({
        "title": "党史专场",
        "starts_at_ms": NOW,
        "ends_at_ms": NOW + DAY_MS,
        "questions": { "kind": "picked", "ids": ["party-001", "party-002"] },
        "districts": ["市南区", "崂山区"]
    });
    let r: CompetitionRules = serde_json::from_value(picked).unwrap();
    assert_eq!(
        r.questions,
        QuestionSet::Picked {
            ids: strings(&["party-001", "party-002"])
        }
    );
    // Omitted numbers take their defaults.
    assert_eq!(
        (r.team_size, r.questions_per_battle, r.daily_battles),
        (5, 5, 5)
    );
    let filter: QuestionSet =
        serde_json::from_str(r#"{"kind":"filter","histories":["reform"]}"#).unwrap();
    assert_eq!(
        filter,
        QuestionSet::Filter {
            histories: vec![History::Reform],
            min_difficulty: 1,
            max_difficulty: 5,
        }
    );
    let back: CompetitionRules =
        serde_json::from_str(&serde_json::to_string(&rules()).unwrap()).unwrap();
    assert_eq!(back, rules());
}

#[test]
fn a_question_set_contains_what_its_filter_or_list_names() {
    let q = question("prc-007", History::Prc, 3);
    assert!(QuestionSet::all().contains(&q));
    let filter = |histories: Vec<History>, min, max| QuestionSet::Filter {
        histories,
        min_difficulty: min,
        max_difficulty: max,
    };
    assert!(filter(vec![History::Prc], 3, 3).contains(&q));
    assert!(!filter(vec![History::Party], 1, 5).contains(&q));
    assert!(!filter(vec![], 4, 5).contains(&q));
    let picked = |ids: &[&str]| QuestionSet::Picked { ids: strings(ids) };
    assert!(picked(&["prc-007"]).contains(&q));
    assert!(!picked(&["prc-008"]).contains(&q));
}

#[test]
fn the_title_holds_1_to_60_characters_after_trimming() {
    let with_title = |t: &str| CompetitionRules {
        title: t.into(),
        ..rules()
    };
    assert_eq!(reasons(&with_title(""), "title"), ["标题不能为空"]);
    assert_eq!(refused(&with_title(" \t ")), ["title"]);
    assert_eq!(refused(&with_title("赛")), Vec::<&str>::new());
    let sixty = "区".repeat(60);
    assert!(check(&with_title(&sixty)).is_ok());
    assert!(check(&with_title(&format!("  {sixty}  "))).is_ok());
    let long = reasons(&with_title(&"区".repeat(61)), "title");
    assert_eq!(long, ["标题最多 60 个字，现在有 61 个"]);
}

#[test]
fn a_title_with_a_line_break_inside_is_refused() {
    let r = CompetitionRules {
        title: "第一行\n第二行".into(),
        ..rules()
    };
    assert_eq!(refused(&r), ["title"]);
}

#[test]
fn the_window_must_run_forward() {
    let mut r = rules();
    r.ends_at_ms = r.starts_at_ms;
    assert_eq!(reasons(&r, "ends_at_ms"), ["结束时间必须晚于开始时间"]);
    r.ends_at_ms = r.starts_at_ms - 1;
    assert_eq!(refused(&r), ["ends_at_ms"]);
}

#[test]
fn the_window_lasts_at_most_90_days() {
    let mut r = rules();
    r.ends_at_ms = r.starts_at_ms + 90 * DAY_MS;
    assert!(check(&r).is_ok());
    r.ends_at_ms += 1;
    assert_eq!(reasons(&r, "ends_at_ms"), ["比赛最长 90 天"]);
    // Extreme values do not overflow.
    r.starts_at_ms = NOW;
    r.ends_at_ms = i64::MAX;
    assert_eq!(refused(&r), ["ends_at_ms"]);
}

#[test]
fn a_window_already_over_is_refused() {
    let mut r = rules();
    r.starts_at_ms = NOW - 2 * DAY_MS;
    r.ends_at_ms = NOW;
    assert_eq!(reasons(&r, "ends_at_ms"), ["比赛时间已经过去"]);
    assert_eq!(refused(&r), ["ends_at_ms", "starts_at_ms"]);
}

#[test]
fn a_start_a_minute_ago_is_tolerated_but_not_earlier() {
    let mut r = rules();
    r.starts_at_ms = NOW - START_TOLERANCE_MS;
    assert!(check(&r).is_ok());
    r.starts_at_ms = NOW;
    assert!(check(&r).is_ok());
    r.starts_at_ms = NOW - START_TOLERANCE_MS - 1;
    assert_eq!(refused(&r), ["starts_at_ms"]);
}

#[test]
fn team_size_is_1_to_10() {
    for (size, ok) in [(0, false), (1, true), (5, true), (10, true), (11, false)] {
        let r = CompetitionRules {
            team_size: size,
            ..rules()
        };
        assert_eq!(check(&r).is_ok(), ok, "team of {size}");
        if !ok {
            assert_eq!(reasons(&r, "team_size"), ["每队人数应为 1–10 人"]);
        }
    }
}

#[test]
fn questions_per_battle_is_1_to_20() {
    for (n, ok) in [(0, false), (1, true), (20, true), (21, false)] {
        let r = CompetitionRules {
            questions_per_battle: n,
            ..rules()
        };
        assert_eq!(check(&r).is_ok(), ok, "{n} questions");
        if !ok {
            assert_eq!(refused(&r), ["questions_per_battle"]);
        }
    }
}

#[test]
fn daily_battles_is_1_to_100() {
    for (n, ok) in [(0, false), (1, true), (100, true), (101, false)] {
        let r = CompetitionRules {
            daily_battles: n,
            ..rules()
        };
        assert_eq!(check(&r).is_ok(), ok, "{n} battles a day");
        if !ok {
            assert_eq!(refused(&r), ["daily_battles"]);
        }
    }
}

#[test]
fn the_difficulty_range_lies_within_1_to_5_lowest_first() {
    let with = |min, max| CompetitionRules {
        questions: QuestionSet::Filter {
            histories: vec![],
            min_difficulty: min,
            max_difficulty: max,
        },
        ..rules()
    };
    assert!(check(&with(3, 3)).is_ok());
    assert!(check(&with(1, 5)).is_ok());
    assert_eq!(reasons(&with(0, 5), "questions"), ["最低难度应为 1–5"]);
    assert_eq!(reasons(&with(1, 6), "questions"), ["最高难度应为 1–5"]);
    assert_eq!(
        reasons(&with(4, 2), "questions"),
        ["最低难度不能高于最高难度"]
    );
}

#[test]
fn a_picked_list_is_not_empty_and_names_each_question_once() {
    let with = |ids: &[&str]| CompetitionRules {
        questions: QuestionSet::Picked { ids: strings(ids) },
        questions_per_battle: 2,
        ..rules()
    };
    assert!(check(&with(&["a", "b"])).is_ok());
    assert_eq!(reasons(&with(&[]), "questions"), ["请至少选择一道题"]);
    assert_eq!(
        reasons(&with(&["a", "b", "a", "c", "b"]), "questions"),
        ["题目重复：a、b"]
    );
}

#[test]
fn the_set_must_offer_a_battles_worth_of_questions() {
    let r = rules();
    let few = validate(&r, NOW, &known(), |_| 4).unwrap_err();
    assert_eq!(few.len(), 1);
    assert_eq!(few[0].field, "questions");
    assert_eq!(few[0].reason, "可用题目只有 4 道，每场需要 5 道");
    assert!(validate(&r, NOW, &known(), |_| 5).is_ok());
    let none = validate(&r, NOW, &known(), |_| 0).unwrap_err();
    assert_eq!(none[0].reason, "可用题目只有 0 道，每场需要 5 道");
    // Out of range, the count is still checked against the nearest valid
    // number, so one round of fixes is enough.
    let r = CompetitionRules {
        questions_per_battle: 30,
        ..rules()
    };
    let errors = validate(&r, NOW, &known(), |_| 12).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["questions_per_battle", "questions"]);
}

#[test]
fn the_bank_is_asked_only_about_a_well_formed_normalized_set() {
    let asked = Cell::new(0);
    let count = |set: &QuestionSet| {
        asked.set(asked.get() + 1);
        assert_eq!(
            set,
            &QuestionSet::Filter {
                histories: vec![History::Socialism],
                min_difficulty: 1,
                max_difficulty: 2,
            }
        );
        100
    };
    let mut r = rules();
    r.questions = QuestionSet::Filter {
        histories: vec![History::Socialism, History::Socialism],
        min_difficulty: 1,
        max_difficulty: 2,
    };
    assert!(validate(&r, NOW, &known(), count).is_ok());
    assert_eq!(asked.get(), 1);
    r.questions = QuestionSet::Picked { ids: vec![] };
    let errors = validate(&r, NOW, &known(), |_| panic!("not asked")).unwrap_err();
    assert_eq!(errors.len(), 1);
}

#[test]
fn at_least_two_different_districts_take_part() {
    let with = |ds: &[&str]| CompetitionRules {
        districts: strings(ds),
        ..rules()
    };
    assert!(check(&with(&["市南区", "莱西市"])).is_ok());
    assert_eq!(reasons(&with(&[]), "districts"), ["至少选择 2 个区域"]);
    assert_eq!(refused(&with(&["市南区"])), ["districts"]);
    // A repeat is one district.
    assert_eq!(refused(&with(&["市南区", " 市南区 "])), ["districts"]);
}

#[test]
fn unknown_and_retired_districts_are_named() {
    let r = CompetitionRules {
        districts: strings(&["市南区", "四方区", "市北区", "火星区", "四方区"]),
        ..rules()
    };
    assert_eq!(
        reasons(&r, "districts"),
        ["未知或已停用的区域：四方区、火星区"]
    );
    // 四方区 was merged into 市北区 in 2012: a list without it retires it.
    let without: Vec<String> = known().into_iter().filter(|d| d != "市北区").collect();
    let r = CompetitionRules {
        districts: strings(&["市南区", "市北区"]),
        ..rules()
    };
    let errors = validate(&r, NOW, &without, plenty).unwrap_err();
    let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
    // Only one usable district is left, which is a problem of its own.
    assert_eq!(reasons, ["未知或已停用的区域：市北区", "至少选择 2 个区域"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let r = CompetitionRules {
        title: String::new(),
        starts_at_ms: NOW - DAY_MS,
        ends_at_ms: NOW - 2 * DAY_MS,
        questions: QuestionSet::Filter {
            histories: vec![],
            min_difficulty: 5,
            max_difficulty: 1,
        },
        team_size: 0,
        questions_per_battle: 0,
        daily_battles: 0,
        districts: strings(&["火星区"]),
    };
    assert_eq!(
        refused(&r),
        [
            "title",
            "ends_at_ms",
            "ends_at_ms",
            "starts_at_ms",
            "team_size",
            "questions_per_battle",
            "daily_battles",
            "questions",
            "districts",
            "districts",
        ]
    );
    let shown = check(&r).unwrap_err()[0].to_string();
    assert_eq!(shown, "title: 标题不能为空");
}

// ---------------------------------------------------------------- lifecycle

fn published() -> Competition {
    Competition::draft(rules())
        .publish(NOW, &known(), plenty)
        .unwrap()
}

fn start() -> i64 {
    rules().starts_at_ms
}

fn end() -> i64 {
    rules().ends_at_ms
}

#[test]
fn status_follows_the_state_and_the_window() {
    let draft = Competition::draft(rules());
    assert_eq!(draft.status(start() + 1), Status::Draft);
    let p = published();
    assert_eq!(p.state, CompetitionState::Published { at_ms: NOW });
    assert_eq!(p.status(NOW), Status::Published);
    assert_eq!(p.status(start() - 1), Status::Published);
    assert_eq!(p.status(start()), Status::Running);
    assert_eq!(p.status(end() - 1), Status::Running);
    assert_eq!(p.status(end()), Status::Finished);
    let closed = p.close(start() + 5).unwrap();
    assert_eq!(closed.status(start() + 5), Status::Finished);
    assert_eq!(Status::Running.as_str(), "running");
}

#[test]
fn battles_start_only_while_running() {
    let p = published();
    assert!(!Competition::draft(rules()).battles_open(start()));
    assert!(!p.battles_open(start() - 1));
    assert!(p.battles_open(start()));
    assert!(p.battles_open(end() - 1));
    assert!(!p.battles_open(end()));
    assert!(!p.close(start() + 10).unwrap().battles_open(start() + 10));
}

#[test]
fn publishing_checks_the_rules_at_that_moment_and_stores_them_normalized() {
    let mut r = rules();
    r.title = " 区域PK ".into();
    let p = Competition::draft(r)
        .publish(NOW, &known(), plenty)
        .unwrap();
    assert_eq!(p.rules.title, "区域PK");
    // A draft whose start has since passed must be moved first.
    let late =
        Competition::draft(rules()).publish(start() + START_TOLERANCE_MS + 1, &known(), plenty);
    let Err(LifecycleError::Invalid(errors)) = late else {
        panic!("a stale start was published: {late:?}");
    };
    assert_eq!(errors[0].field, "starts_at_ms");
    let empty = Competition::draft(CompetitionRules {
        districts: vec![],
        ..rules()
    });
    let err = empty.publish(NOW, &known(), plenty).unwrap_err();
    assert_eq!(err.code(), "invalid_rules");
    assert_eq!(err.to_string(), "比赛设置有 1 处问题");
}

#[test]
fn only_a_draft_is_published() {
    let p = published();
    assert_eq!(
        p.publish(NOW, &known(), plenty),
        Err(LifecycleError::AlreadyPublished)
    );
    assert_eq!(
        p.publish(start(), &known(), plenty),
        Err(LifecycleError::AlreadyPublished)
    );
    assert_eq!(
        p.publish(end(), &known(), plenty),
        Err(LifecycleError::Finished)
    );
    let closed = p.close(NOW).unwrap();
    assert_eq!(
        closed.publish(NOW, &known(), plenty),
        Err(LifecycleError::Finished)
    );
}

#[test]
fn a_draft_takes_any_edit_and_is_checked_when_published() {
    let half_done = CompetitionRules {
        title: String::new(),
        districts: vec![],
        ..rules()
    };
    let d = Competition::draft(rules())
        .edit(half_done.clone(), NOW, &known(), plenty)
        .unwrap();
    assert_eq!(d.rules, half_done);
    assert_eq!(d.state, CompetitionState::Draft);
}

#[test]
fn a_published_competition_takes_valid_edits_until_it_starts() {
    let p = published();
    let later = CompetitionRules {
        title: "  改期后的比赛 ".into(),
        starts_at_ms: start() + DAY_MS,
        ends_at_ms: end() + DAY_MS,
        ..rules()
    };
    let edited = p.edit(later, start() - 1, &known(), plenty).unwrap();
    assert_eq!(edited.rules.title, "改期后的比赛");
    assert_eq!(edited.state, p.state);
    let bad = CompetitionRules {
        team_size: 0,
        ..rules()
    };
    let err = p.edit(bad, NOW, &known(), plenty).unwrap_err();
    assert!(matches!(err, LifecycleError::Invalid(ref e) if e[0].field == "team_size"));
}

#[test]
fn no_edits_to_rules_once_it_is_running() {
    let p = published();
    let err = p.edit(rules(), start(), &known(), plenty).unwrap_err();
    assert_eq!(err, LifecycleError::Started);
    assert_eq!(err.to_string(), "比赛已经开始，不能再修改规则");
    assert_eq!(err.code(), "started");
    assert_eq!(
        p.edit(rules(), end(), &known(), plenty),
        Err(LifecycleError::Finished)
    );
    let closed = p.close(NOW).unwrap();
    assert_eq!(
        closed.edit(rules(), NOW, &known(), plenty),
        Err(LifecycleError::Finished)
    );
}

#[test]
fn closing_early_ends_the_competition_now() {
    let p = published();
    let at = start() + 3 * DAY_MS;
    let closed = p.close(at).unwrap();
    assert_eq!(closed.state, CompetitionState::Closed { at_ms: at });
    assert_eq!(closed.rules, p.rules);
    assert_eq!(closed.effective_end_ms(), at);
    assert_eq!(p.effective_end_ms(), end());
    assert_eq!(closed.status(at), Status::Finished);
    // Before the start it is called off: finished without running.
    let called_off = p.close(NOW).unwrap();
    assert_eq!(called_off.status(start() + 1), Status::Finished);
}

#[test]
fn only_a_published_competition_can_be_closed() {
    assert_eq!(
        Competition::draft(rules()).close(NOW),
        Err(LifecycleError::NotPublished)
    );
    let p = published();
    assert_eq!(p.close(end()), Err(LifecycleError::Finished));
    let closed = p.close(start()).unwrap();
    assert_eq!(closed.close(start() + 1), Err(LifecycleError::Finished));
}

#[test]
fn a_copy_is_a_draft_of_the_same_rules_with_a_marked_title() {
    let p = published();
    for c in [
        Competition::draft(rules()),
        p.clone(),
        p.close(start()).unwrap(),
    ] {
        let copy = c.duplicate();
        assert_eq!(copy.title, "四史知识区域PK赛（副本）");
        assert_eq!(
            CompetitionRules {
                title: rules().title,
                ..copy.clone()
            },
            rules()
        );
        let draft = Competition::draft(copy);
        assert_eq!(draft.status(start()), Status::Draft);
    }
}

#[test]
fn a_copy_of_a_long_title_still_fits() {
    let r = CompetitionRules {
        title: "长".repeat(60),
        ..rules()
    };
    let copy = r.duplicate();
    assert_eq!(copy.title.chars().count(), TITLE_MAX_CHARS);
    assert!(copy.title.ends_with(COPY_SUFFIX));
    assert!(check(&copy).is_ok());
}

// ---------------------------------------------------------------- battle result

fn scored(points: u64) -> MemberScore {
    MemberScore {
        points,
        correct: (points / 100) as u32,
        answered: 5,
        answer_ms_total: 20_000,
        left: false,
    }
}

#[test]
fn the_higher_team_average_wins_two_points() {
    let r = battle_result(&[scored(900), scored(700)], &[scored(500), scored(600)]);
    assert_eq!(r.outcome, Outcome::AWins);
    assert_eq!(r.decided_by, DecidedBy::Average);
    assert_eq!((r.points_a, r.points_b), (WIN_POINTS, LOSS_POINTS));
    assert_eq!((r.average_a, r.average_b), (800.0, 550.0));
    let r = battle_result(&[scored(100)], &[scored(200)]);
    assert_eq!((r.outcome, r.points_a, r.points_b), (Outcome::BWins, 0, 2));
}

#[test]
fn uneven_teams_compare_by_average_and_equal_averages_tie_exactly() {
    // Two members averaging 150 against three averaging 150.
    let a = [scored(100), scored(200)];
    let b = [scored(150), scored(150), scored(150)];
    let r = battle_result(&a, &b);
    assert_eq!(r.average_a, r.average_b);
    assert_eq!(r.outcome, Outcome::Draw);
    assert_eq!(r.decided_by, DecidedBy::Tie);
    assert_eq!((r.points_a, r.points_b), (DRAW_POINTS, DRAW_POINTS));
    // A third is not rounded: 1000/3 against 333 is a win, not a tie.
    let r = battle_result(&[scored(1000), scored(0), scored(0)], &[scored(333)]);
    assert_eq!(r.outcome, Outcome::AWins);
    // One member's 400 against three members' 1200: the same average.
    let r = battle_result(&[scored(400)], &[scored(600), scored(600), scored(0)]);
    assert_eq!(r.outcome, Outcome::Draw);
}

#[test]
fn a_leaver_keeps_their_points_and_still_counts_in_the_average() {
    let leaver = MemberScore {
        points: 100,
        correct: 1,
        answered: 1,
        answer_ms_total: 2_000,
        left: true,
    };
    // 200 + 100 over the two who started is 150: less than 200, although
    // the one who stayed scored as much as the other side.
    let r = battle_result(&[scored(200), leaver], &[scored(200)]);
    assert_eq!(r.average_a, 150.0);
    assert_eq!(r.outcome, Outcome::BWins);
    // Without the leaver's 100 the average would be 100.
    let r = battle_result(
        &[scored(200), leaver],
        &[scored(200), MemberScore::default()],
    );
    assert_eq!((r.average_a, r.average_b), (150.0, 100.0));
    assert_eq!(r.outcome, Outcome::AWins);
}

#[test]
fn equal_averages_go_to_the_lower_mean_time_per_answered_question() {
    // A: 6 answers in 10 s (1.67 s each), although one member was slow.
    let a = [
        MemberScore {
            points: 500,
            answered: 5,
            answer_ms_total: 5_000,
            ..MemberScore::default()
        },
        MemberScore {
            points: 500,
            answered: 1,
            answer_ms_total: 5_000,
            ..MemberScore::default()
        },
    ];
    // B: 6 answers in 12 s (2 s each). A mean of the members' means would
    // have said B (2 s against 3 s); per answered question A is faster.
    let b = [
        MemberScore {
            points: 500,
            answered: 3,
            answer_ms_total: 6_000,
            ..MemberScore::default()
        },
        MemberScore {
            points: 500,
            answered: 3,
            answer_ms_total: 6_000,
            ..MemberScore::default()
        },
    ];
    let r = battle_result(&a, &b);
    assert_eq!(r.outcome, Outcome::AWins);
    assert_eq!(r.decided_by, DecidedBy::AnswerTime);
    assert_eq!((r.points_a, r.points_b), (2, 0));
    // The same time per answer is a draw even with different counts.
    let c = [MemberScore {
        points: 500,
        answered: 4,
        answer_ms_total: 8_000,
        ..MemberScore::default()
    }];
    let r = battle_result(&b, &c);
    assert_eq!(r.outcome, Outcome::Draw);
}

#[test]
fn a_side_that_answered_nothing_is_the_slower() {
    let silent = [MemberScore::default()];
    let wrong = [MemberScore {
        answered: 5,
        answer_ms_total: 40_000,
        ..MemberScore::default()
    }];
    let r = battle_result(&silent, &wrong);
    assert_eq!(
        (r.outcome, r.decided_by),
        (Outcome::BWins, DecidedBy::AnswerTime)
    );
    let r = battle_result(&silent, &silent);
    assert_eq!((r.outcome, r.decided_by), (Outcome::Draw, DecidedBy::Tie));
}

#[test]
fn an_empty_side_averages_zero_and_huge_scores_do_not_overflow() {
    assert_eq!(team_average(&[]), 0.0);
    let r = battle_result(&[], &[scored(1)]);
    assert_eq!(r.outcome, Outcome::BWins);
    let huge = MemberScore {
        points: u64::MAX,
        answered: u32::MAX,
        answer_ms_total: u64::MAX,
        ..MemberScore::default()
    };
    let r = battle_result(&[huge, huge], &[huge]);
    assert_eq!(r.outcome, Outcome::Draw);
}

#[test]
fn the_daily_cap_stops_counting_not_playing() {
    assert!(counts(5, 0));
    assert!(counts(5, 4));
    assert!(!counts(5, 5));
    assert!(!counts(5, 9));
    assert!(counts(1, 0));
    assert!(!counts(0, 0));
}

// ---------------------------------------------------------------- standings

fn tally(district: &str, points: u32, wins: u32) -> DistrictTally {
    DistrictTally {
        district: district.into(),
        battles: wins,
        wins,
        points,
        participants: 10,
        registered: 100,
        answers: 100,
        correct: 50,
        ..DistrictTally::default()
    }
}

fn places(ranked: &[RankedDistrict]) -> Vec<(usize, &str)> {
    ranked
        .iter()
        .map(|r| (r.place, r.tally.district.as_str()))
        .collect()
}

#[test]
fn districts_rank_by_points_then_wins_then_accuracy_then_participation() {
    let more_accurate = DistrictTally {
        correct: 60,
        ..tally("李沧区", 6, 2)
    };
    let more_involved = DistrictTally {
        participants: 20,
        ..tally("崂山区", 6, 2)
    };
    let ranked = rank_districts(&[
        tally("平度市", 6, 2),
        tally("市南区", 6, 3),
        more_involved,
        tally("莱西市", 8, 0),
        more_accurate,
    ]);
    assert_eq!(
        places(&ranked),
        [
            (1, "莱西市"),
            (2, "市南区"),
            (3, "李沧区"),
            (4, "崂山区"),
            (5, "平度市"),
        ]
    );
}

#[test]
fn districts_equal_on_everything_share_a_place_listed_by_name() {
    let ranked = rank_districts(&[
        tally("黄岛区", 2, 1),
        tally("城阳区", 4, 2),
        tally("即墨区", 4, 2),
        tally("胶州市", 4, 2),
    ]);
    let mut names = ["城阳区", "即墨区", "胶州市"];
    names.sort();
    assert_eq!(
        places(&ranked),
        [(1, names[0]), (1, names[1]), (1, names[2]), (4, "黄岛区")]
    );
    // Input order does not matter.
    let reversed = rank_districts(&[
        tally("胶州市", 4, 2),
        tally("即墨区", 4, 2),
        tally("黄岛区", 2, 1),
        tally("城阳区", 4, 2),
    ]);
    assert_eq!(reversed, ranked);
}

#[test]
fn ratios_compare_exactly() {
    // 1/3 and 2/6 are the same accuracy and participation.
    let a = DistrictTally {
        answers: 3,
        correct: 1,
        registered: 3,
        participants: 1,
        ..tally("市南区", 2, 1)
    };
    let b = DistrictTally {
        answers: 6,
        correct: 2,
        registered: 6,
        participants: 2,
        ..tally("市北区", 2, 1)
    };
    assert_eq!(a.accuracy(), b.accuracy());
    let ranked = rank_districts(&[a, b]);
    assert_eq!(ranked[0].place, ranked[1].place);
}

#[test]
fn rates_are_zero_without_members_or_answers_and_at_most_one() {
    let empty = DistrictTally::default();
    assert_eq!(empty.participation_rate(), 0.0);
    assert_eq!(empty.accuracy(), 0.0);
    let t = tally("市南区", 0, 0);
    assert_eq!(t.participation_rate(), 0.1);
    assert_eq!(t.accuracy(), 0.5);
    let moved = DistrictTally {
        participants: 12,
        registered: 10,
        ..t
    };
    assert_eq!(moved.participation_rate(), 1.0);
}

#[test]
fn contributors_rank_by_points_then_who_got_there_first() {
    let c = |member_id, points, reached_at_ms| Contribution {
        member_id,
        points,
        battles: 3,
        reached_at_ms,
    };
    let ranked = rank_contributors(&[
        c(4, 900, 50),
        c(1, 1200, 70),
        c(3, 900, 40),
        c(9, 500, 10),
        c(2, 900, 50),
    ]);
    let got: Vec<(usize, i64)> = ranked
        .iter()
        .map(|r| (r.place, r.contribution.member_id))
        .collect();
    // Members 2 and 4 reached 900 at the same moment: one place, by id.
    assert_eq!(got, [(1, 1), (2, 3), (3, 2), (3, 4), (5, 9)]);
    assert!(rank_contributors(&[]).is_empty());
}

// ---------------------------------------------------------------- formation

/// A battle side as (district, member ids), longest waiting first.
type Side = (String, Vec<i64>);

struct Queue {
    start: Instant,
    seekers: Vec<TeamSeeker>,
}

impl Queue {
    fn new() -> Queue {
        Queue {
            start: Instant::now(),
            seekers: Vec::new(),
        }
    }

    /// Member `member_id` of `district` joined `waited` seconds before now.
    fn add(&mut self, member_id: i64, district: &str, waited: u64) -> &mut Queue {
        let ticket = self.seekers.len() as u64 + 1;
        self.seekers.push(TeamSeeker {
            ticket,
            member_id,
            district: district.into(),
            // `now` is start + 1000 s, so every wait fits.
            since: self.start + Duration::from_secs(1000 - waited),
        });
        self
    }

    /// `n` members of `district` (ids from `first_id`), all waited `waited`.
    fn team(&mut self, first_id: i64, district: &str, n: i64, waited: u64) -> &mut Queue {
        for id in first_id..first_id + n {
            self.add(id, district, waited);
        }
        self
    }

    fn form(&self, team_size: usize) -> Vec<Battle> {
        let now = self.start + Duration::from_secs(1000);
        form_battles(&self.seekers, now, team_size, UNEVEN_AFTER)
    }

    fn sides(&self, battles: &[Battle]) -> Vec<(Side, Side)> {
        let side = |ix: &[usize]| -> Side {
            (
                self.seekers[ix[0]].district.clone(),
                ix.iter().map(|&i| self.seekers[i].member_id).collect(),
            )
        };
        battles.iter().map(|b| (side(&b.a), side(&b.b))).collect()
    }
}

fn side(district: &str, ids: &[i64]) -> Side {
    (district.into(), ids.to_vec())
}

#[test]
fn full_teams_of_two_districts_battle_at_once() {
    let mut q = Queue::new();
    q.team(1, "市南区", 5, 2).team(11, "市北区", 5, 1);
    let battles = q.form(5);
    assert_eq!(
        q.sides(&battles),
        [(
            side("市南区", &[1, 2, 3, 4, 5]),
            side("市北区", &[11, 12, 13, 14, 15])
        )]
    );
}

#[test]
fn the_longest_waiting_districts_meet_first() {
    let mut q = Queue::new();
    q.team(1, "市南区", 3, 1)
        .team(11, "市北区", 3, 9)
        .team(21, "李沧区", 3, 5);
    let battles = q.form(3);
    assert_eq!(
        q.sides(&battles),
        [(side("市北区", &[11, 12, 13]), side("李沧区", &[21, 22, 23]))]
    );
    // A district's wait is its longest waiter's, not its average.
    let mut q = Queue::new();
    q.team(1, "市南区", 2, 1)
        .add(3, "市南区", 15)
        .team(11, "市北区", 3, 9)
        .team(21, "李沧区", 3, 5);
    let sides = q.sides(&q.form(3));
    assert_eq!(sides[0].0, side("市南区", &[3, 1, 2]));
    assert_eq!(sides[0].1.0, "市北区");
}

#[test]
fn within_a_district_the_longest_waiting_play_first() {
    let mut q = Queue::new();
    q.add(1, "市南区", 1)
        .add(2, "市南区", 8)
        .add(3, "市南区", 4)
        .team(11, "市北区", 2, 3);
    let battles = q.form(2);
    assert_eq!(
        q.sides(&battles),
        [(side("市南区", &[2, 3]), side("市北区", &[11, 12]))]
    );
    // Member 1 is left waiting.
    assert_eq!(battles.len(), 1);
}

#[test]
fn a_district_never_battles_itself() {
    let mut q = Queue::new();
    q.team(1, "市南区", 20, 300);
    assert!(q.form(5).is_empty());
    // Two full teams of one district and one of another: one battle, and
    // the second team waits for another district even after the wait.
    let mut q = Queue::new();
    q.team(1, "市南区", 10, 300).team(21, "市北区", 5, 300);
    let battles = q.form(5);
    assert_eq!(battles.len(), 1);
    assert_eq!(q.sides(&battles)[0].1.0, "市北区");
}

#[test]
fn several_full_battles_form_in_one_pass() {
    let mut q = Queue::new();
    q.team(1, "市南区", 4, 10)
        .team(11, "市北区", 4, 9)
        .team(21, "李沧区", 2, 8)
        .team(31, "崂山区", 2, 7);
    let sides = q.sides(&q.form(2));
    let districts: Vec<(&str, &str)> = sides
        .iter()
        .map(|(a, b)| (a.0.as_str(), b.0.as_str()))
        .collect();
    assert_eq!(
        districts,
        [
            ("市南区", "市北区"),
            ("市南区", "市北区"),
            ("李沧区", "崂山区"),
        ]
    );
}

#[test]
fn short_teams_wait_until_uneven_after() {
    let mut q = Queue::new();
    q.team(1, "市南区", 3, 19).team(11, "市北区", 2, 5);
    assert!(q.form(5).is_empty());
    let mut q = Queue::new();
    q.team(1, "市南区", 3, 20).team(11, "市北区", 2, 5);
    assert_eq!(
        q.sides(&q.form(5)),
        [(side("市南区", &[1, 2, 3]), side("市北区", &[11, 12]))]
    );
    // The district that waited need not be the bigger one: 1 against 2.
    let mut q = Queue::new();
    q.add(1, "市南区", 25).team(11, "市北区", 2, 0);
    assert_eq!(
        q.sides(&q.form(5)),
        [(side("市南区", &[1]), side("市北区", &[11, 12]))]
    );
}

#[test]
fn one_against_one_after_the_wait() {
    let mut q = Queue::new();
    q.add(1, "市南区", 21).add(2, "市北区", 0);
    assert_eq!(
        q.sides(&q.form(5)),
        [(side("市南区", &[1]), side("市北区", &[2]))]
    );
}

#[test]
fn an_uneven_opponent_is_the_district_with_the_most_waiting() {
    let mut q = Queue::new();
    q.add(1, "市南区", 30)
        .team(11, "市北区", 2, 10)
        .team(21, "李沧区", 4, 1);
    let sides = q.sides(&q.form(5));
    assert_eq!(
        sides[0],
        (side("市南区", &[1]), side("李沧区", &[21, 22, 23, 24]))
    );
    // 市北区 has only waited 10 s: it keeps waiting.
    assert_eq!(sides.len(), 1);
    // Equal numbers waiting: the longer wait.
    let mut q = Queue::new();
    q.add(1, "市南区", 30)
        .team(11, "市北区", 2, 3)
        .team(21, "李沧区", 2, 4);
    assert_eq!(q.sides(&q.form(5))[0].1, side("李沧区", &[21, 22]));
}

#[test]
fn uneven_sides_take_at_most_a_team_and_the_rest_wait() {
    let mut q = Queue::new();
    // 7 of 市南区 waited; 3 of 市北区 just came. Full battles need two
    // full districts, so this is uneven: 5 against 3, two left over.
    q.team(1, "市南区", 7, 40).team(11, "市北区", 3, 0);
    let battles = q.form(5);
    assert_eq!(
        q.sides(&battles),
        [(
            side("市南区", &[1, 2, 3, 4, 5]),
            side("市北区", &[11, 12, 13])
        )]
    );
}

#[test]
fn after_full_battles_a_veteran_takes_the_leftovers() {
    let mut q = Queue::new();
    q.team(1, "市南区", 2, 60)
        .team(11, "市北区", 7, 5)
        .team(21, "李沧区", 5, 4);
    let sides = q.sides(&q.form(5));
    assert_eq!(
        sides,
        [
            (
                side("市北区", &[11, 12, 13, 14, 15]),
                side("李沧区", &[21, 22, 23, 24, 25])
            ),
            (side("市南区", &[1, 2]), side("市北区", &[16, 17])),
        ]
    );
}

#[test]
fn a_member_listed_twice_plays_once_at_the_first_entry() {
    let mut q = Queue::new();
    q.add(1, "市南区", 30)
        .add(2, "市北区", 30)
        .add(1, "市北区", 50)
        .add(1, "市南区", 50);
    let battles = q.form(2);
    assert_eq!(
        battles,
        [Battle {
            a: vec![0],
            b: vec![1]
        }]
    );
    // Never against oneself, even listed for two districts.
    let mut q = Queue::new();
    q.add(7, "市南区", 30).add(7, "市北区", 30);
    assert!(q.form(5).is_empty());
}

#[test]
fn a_team_size_of_zero_is_read_as_one() {
    let mut q = Queue::new();
    q.add(1, "市南区", 0).add(2, "市北区", 0);
    assert_eq!(q.form(0).len(), 1);
}

proptest! {
    #[test]
    fn formed_battles_keep_every_rule(
        people in proptest::collection::vec((0..30i64, 0..4usize, 0..40u64), 0..60),
        team_size in 1..6usize,
        uneven_after_s in 0..30u64,
    ) {
        let start = Instant::now();
        let now = start + Duration::from_secs(100);
        let names = ["市南区", "市北区", "李沧区", "崂山区"];
        let seekers: Vec<TeamSeeker> = people
            .iter()
            .enumerate()
            .map(|(i, &(member_id, d, waited))| TeamSeeker {
                ticket: i as u64,
                member_id,
                district: names[d].into(),
                since: now - Duration::from_secs(waited),
            })
            .collect();
        let uneven_after = Duration::from_secs(uneven_after_s);
        let battles = form_battles(&seekers, now, team_size, uneven_after);
        let waited = |i: usize| now - seekers[i].since;
        let first_entry: HashMap<i64, usize> = seekers
            .iter()
            .enumerate()
            .rev()
            .map(|(i, s)| (s.member_id, i))
            .collect();
        let mut used = HashSet::new();
        for b in &battles {
            for side in [&b.a, &b.b] {
                prop_assert!((1..=team_size).contains(&side.len()));
                let d = &seekers[side[0]].district;
                prop_assert!(side.iter().all(|&i| &seekers[i].district == d));
                let order = |i: usize| (seekers[i].since, seekers[i].ticket);
                let longest_first = side.windows(2).all(|w| order(w[0]) <= order(w[1]));
                prop_assert!(longest_first);
                for &i in side {
                    prop_assert!(used.insert(i), "seeker {} twice", i);
                    prop_assert_eq!(first_entry[&seekers[i].member_id], i);
                }
            }
            prop_assert_ne!(&seekers[b.a[0]].district, &seekers[b.b[0]].district);
            let full = b.a.len() == team_size && b.b.len() == team_size;
            prop_assert!(full || waited(b.a[0]) >= uneven_after);
        }
        if seekers.iter().all(|s| now - s.since < uneven_after) {
            prop_assert!(battles.iter().all(|b| b.a.len() == team_size && b.b.len() == team_size));
        }
        // Nothing more could form from what is left.
        let mut left: HashMap<&str, Vec<usize>> = HashMap::new();
        for &i in first_entry.values() {
            if !used.contains(&i) {
                left.entry(seekers[i].district.as_str()).or_default().push(i);
            }
        }
        prop_assert!(left.values().filter(|q| q.len() >= team_size).count() < 2);
        let veteran = left
            .iter()
            .any(|(_, q)| q.iter().any(|&i| waited(i) >= uneven_after));
        prop_assert!(!veteran || left.len() < 2);
    }

    #[test]
    fn swapping_sides_swaps_the_result(
        a in proptest::collection::vec((0..4u64, 0..3u32, 0..3u64, any::<bool>()), 0..6),
        b in proptest::collection::vec((0..4u64, 0..3u32, 0..3u64, any::<bool>()), 0..6),
    ) {
        let team = |t: &[(u64, u32, u64, bool)]| -> Vec<MemberScore> {
            t.iter()
                .map(|&(p, answered, ms, left)| MemberScore {
                    points: p * 100,
                    correct: answered,
                    answered,
                    answer_ms_total: ms * 1000 * u64::from(answered),
                    left,
                })
                .collect()
        };
        let (a, b) = (team(&a), team(&b));
        let ab = battle_result(&a, &b);
        let ba = battle_result(&b, &a);
        prop_assert_eq!(ab.outcome, ba.outcome.swapped());
        prop_assert_eq!(ab.decided_by, ba.decided_by);
        prop_assert_eq!((ab.points_a, ab.points_b), (ba.points_b, ba.points_a));
        prop_assert_eq!((ab.average_a, ab.average_b), (ba.average_b, ba.average_a));
        prop_assert_eq!(ab.points_a + ab.points_b, 2);
        // The higher average always wins.
        if ab.average_a > ab.average_b {
            prop_assert_eq!(ab.outcome, Outcome::AWins);
        }
        let itself = battle_result(&a, &a);
        prop_assert_eq!(itself.outcome, Outcome::Draw);
    }

    #[test]
    fn standings_never_put_fewer_points_ahead(
        rows in proptest::collection::vec((0..6u32, 0..3u32, 0..4u64, 0..4u64, 0..3u32, 0..3u32), 0..12),
    ) {
        let tallies: Vec<DistrictTally> = rows
            .iter()
            .enumerate()
            .map(|(i, &(points, wins, correct, answers, participants, registered))| DistrictTally {
                district: format!("区{i:02}"),
                points,
                wins,
                correct,
                answers,
                participants,
                registered,
                ..DistrictTally::default()
            })
            .collect();
        let ranked = rank_districts(&tallies);
        prop_assert_eq!(ranked.len(), tallies.len());
        if let Some(first) = ranked.first() {
            prop_assert_eq!(first.place, 1);
        }
        let key = |t: &DistrictTally| (t.points, t.wins, t.accuracy(), t.participation_rate());
        for (i, w) in ranked.windows(2).enumerate() {
            let (x, y) = (&w[0], &w[1]);
            prop_assert!(x.place <= y.place);
            if key(&x.tally) == key(&y.tally) {
                prop_assert_eq!(x.place, y.place);
                prop_assert!(x.tally.district < y.tally.district);
            } else {
                prop_assert_eq!(y.place, i + 2);
            }
        }
        for x in &ranked {
            for y in &ranked {
                if x.tally.points > y.tally.points {
                    prop_assert!(x.place < y.place);
                }
            }
        }
        let mut names: Vec<&str> = ranked.iter().map(|r| r.tally.district.as_str()).collect();
        names.sort();
        let mut expected: Vec<&str> = tallies.iter().map(|t| t.district.as_str()).collect();
        expected.sort();
        prop_assert_eq!(names, expected);
    }

    #[test]
    fn rules_that_pass_pass_again_unchanged(
        title in "[ 区赛a-z]{0,70}",
        start_min in -3i64..3,
        length_days in -1i64..100,
        team_size in 0..12u32,
        picks in proptest::collection::vec(0..10usize, 0..4),
    ) {
        let districts: Vec<String> = picks.iter().map(|&i| DEFAULT_DISTRICTS[i].to_string()).collect();
        let r = CompetitionRules {
            title,
            starts_at_ms: NOW + start_min * 60_000,
            ends_at_ms: NOW + start_min * 60_000 + length_days * DAY_MS,
            team_size,
            districts,
            ..rules()
        };
        if let Ok(ok) = check(&r) {
            prop_assert_eq!(check(&ok), Ok(ok.clone()));
            prop_assert!(ok.districts.len() >= MIN_DISTRICTS);
            prop_assert!(TEAM_SIZE.contains(&ok.team_size));
        }
    }
}

#[test]
fn a_side_entirely_past_the_cap_wins_its_district_nothing() {
    assert_eq!(awarded_points(WIN_POINTS, true), WIN_POINTS);
    assert_eq!(awarded_points(DRAW_POINTS, true), DRAW_POINTS);
    assert_eq!(awarded_points(WIN_POINTS, false), 0);
    assert_eq!(awarded_points(DRAW_POINTS, false), 0);
}
