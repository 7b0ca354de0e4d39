//! The web client in a real browser: Debian's chromium driven by
//! playwright-core (tests/browser/*.mjs) against a server on port 0.
//! Skips, saying so, when node, chromium or playwright-core are missing,
//! unless DATI_REQUIRE_BROWSER=1 (as in CI).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{TestServer, repo_path};
use dati::domain::question::{Question, QuestionKind};
use dati::store::{AnswerRecord, WriteOp};

fn browser_missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is not installed"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !repo_path("tests/browser/node_modules/playwright-core").exists() {
        return Some("playwright-core is not installed (cd tests/browser && npm ci)".into());
    }
    None
}

/// Whether to skip a browser test: says so and returns true when the browser
/// is missing (fails instead under DATI_REQUIRE_BROWSER=1).
fn skip_browser(script: &str) -> bool {
    let Some(why) = browser_missing() else {
        return false;
    };
    let required = std::env::var("DATI_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(!required, "DATI_REQUIRE_BROWSER=1 but {why}");
    eprintln!("SKIPPED browser test {script}: {why}");
    true
}

/// Runs `node tests/browser/{script} BASE_URL SCREENSHOT_DIR [extra…]`
/// against `server`, asserts that it passed and returns what it printed.
async fn run_script(server: &TestServer, script: &str, extra: &[&str]) -> String {
    let shots = repo_path("target/browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let base = server.url("");
    let script_path = repo_path(&format!("tests/browser/{script}"));
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script_path)
            .arg(base)
            .arg(&shots)
            .args(&extra)
            .current_dir(repo_path("tests/browser"))
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test {script} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    eprintln!("{stdout}");
    stdout.into_owned()
}

/// Runs `tests/browser/{script}` against a fresh server, unless the browser
/// is missing (then skips, saying so, or fails under DATI_REQUIRE_BROWSER=1).
/// Returns the server (still running) for checks afterwards, or None when
/// skipped.
async fn run_browser_script(script: &str) -> Option<TestServer> {
    if skip_browser(script) {
        return None;
    }
    let server = TestServer::start().await;
    run_script(&server, script, &[]).await;
    Some(server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_and_plays_a_practice_set_in_chromium() {
    let Some(server) = run_browser_script("practice.mjs").await else {
        return;
    };
    // The browser's answers went through the real server into the database.
    server.settle().await;
    assert!(server.app().stores.answers.count_answers().await.unwrap() >= 5);
    assert!(repo_path("target/browser-screenshots/summary.png").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_play_a_duel_from_a_room_link_to_a_rematch_in_chromium() {
    let Some(server) = run_browser_script("duel.mjs").await else {
        return;
    };
    // Both players answered every question of the duel (5 each, by default).
    server.settle().await;
    assert!(server.app().stores.answers.count_answers().await.unwrap() >= 10);
    assert!(repo_path("target/browser-screenshots/duel-versus.png").exists());
    assert!(repo_path("target/browser-screenshots/duel-result.png").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_members_race_on_the_ladder_in_chromium() {
    if skip_browser("ladder.mjs") {
        return;
    }
    // Quick timers, and bots far away: the race must form with the four
    // members alone.
    let server = TestServer::start_with(|c| {
        c.duel.countdown = Duration::from_millis(1500);
        c.duel.reveal_pause = Duration::from_millis(1500);
        c.ladder.questions = 5;
        c.ladder.bot_fill_after = Duration::from_secs(120);
    })
    .await;
    let stdout = run_script(&server, "ladder.mjs", &[]).await;
    let race: i64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RACE_ID "))
        .expect("the script names the race")
        .trim()
        .parse()
        .expect("a numeric race id");
    server.settle().await;
    let app = server.app();
    // Every click went through the real server: four members, five questions.
    let answers = app.stores.answers.session_answers(race).await.unwrap();
    assert_eq!(answers.len(), 20, "answers of race {race}");
    let stored = app
        .stores
        .matches
        .stored_match(race)
        .await
        .unwrap()
        .expect("the race is stored");
    assert_eq!(stored.mode, "ladder");
    assert_eq!(stored.outcome.as_deref(), Some("completed"));
    let mut places: Vec<_> = stored.players.iter().map(|p| p.place).collect();
    places.sort();
    assert_eq!(places, [Some(1), Some(2), Some(3), Some(4)]);
    assert!(stored.players.iter().all(|p| p.member_id.is_some()));
    // Each member's season rank moved (or held at the floor) once.
    let season = app
        .duels
        .ladder
        .current_season(dati::rooms::wall_ms())
        .await
        .unwrap();
    let ranks = app.stores.ladder.ladder_ranks(season.id).await.unwrap();
    assert_eq!(ranks.len(), 4);
    assert!(ranks.iter().all(|r| r.races == 1));
    assert_eq!(ranks.iter().map(|r| r.firsts).sum::<i64>(), 1);
    for shot in [
        "ladder-queue",
        "ladder-race",
        "ladder-result",
        "ladder-board",
    ] {
        let shot = repo_path(&format!("target/browser-screenshots/{shot}.png"));
        assert!(shot.exists(), "{} is missing", shot.display());
    }
}

/// A small xorshift generator: the same seeded data on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
}

/// Members in seven of the districts (and a few who never answered) with
/// answers over the last 30 days, in three clear tiers of strength so that
/// the upper and lower groups are the strong and the weak tier. Four
/// questions are answered so as to be flagged: too easy (all right), too hard
/// (a few middle members right), negative discrimination (only the strong
/// miss it) and likely mis-keyed (most pick one wrong option; only middle
/// members are right, so the groups do equally badly).
async fn seed_statistics(server: &TestServer) {
    const DAY_MS: i64 = 86_400_000;
    let app = server.app();
    let now = dati::rooms::wall_ms();
    let districts = app.districts.active_names();
    let questions: Vec<_> = server
        .bank
        .questions()
        .iter()
        .filter(|q| q.kind != QuestionKind::Multiple)
        .cloned()
        .collect();
    let flagged: Vec<_> = questions
        .iter()
        .filter(|q| q.media.is_none())
        .take(4)
        .cloned()
        .collect();
    let pool: Vec<_> = questions
        .iter()
        .filter(|q| !flagged.iter().any(|f| f.id == q.id))
        .step_by(5)
        .cloned()
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let members = 48;
    let mut ops = Vec::new();
    for i in 0..members {
        let district = &districts[i % 7];
        let member = app
            .stores
            .members
            .create_member(&format!("会员{i:02}"), district, now - 40 * DAY_MS)
            .await
            .unwrap();
        let (ability, strong, middle) = match i {
            0..16 => (0.35, false, false),
            16..32 => (0.65, false, true),
            _ => (0.92, true, false),
        };
        // `how`: Some(right or not), or None for a timeout.
        let mut answer = |q: &Question, k: usize, how: Option<bool>| {
            // Members joined over the month: more answers on recent days.
            let days_ago = ((i * 7 + k * 3) % (14 + i % 17)) as i64;
            let at = now - days_ago * DAY_MS - (k as i64 + 1) * 60_000;
            let right = q.answer.letters();
            let wrong = (0..q.options.len())
                .find(|&x| !q.answer.contains(x))
                .map(|x| ((b'A' + x as u8) as char).to_string())
                .unwrap();
            let correct = how == Some(true);
            let choice = how.map(|ok| if ok { right } else { wrong });
            ops.push(WriteOp::Answer(AnswerRecord {
                session_id: (member.id * 100) + days_ago,
                question_id: q.id.clone(),
                question_version: i64::from(q.version),
                member_id: member.id,
                history: q.history.as_str().into(),
                mode: "practice".into(),
                choice,
                correct,
                answer_ms: 3_000 + (i as i64 * 137 + k as i64 * 911) % 9_000,
                points: if correct {
                    100 * i64::from(q.difficulty) + 200
                } else {
                    0
                },
                answered_at_ms: at,
                member_rating: Some(1500.0),
                question_rating: 1500.0,
            }));
        };
        // Too easy: everyone right.
        answer(&flagged[0], 0, Some(true));
        // Too hard: four middle members right.
        answer(&flagged[1], 1, Some([20, 24, 28, 30].contains(&i)));
        // Negative discrimination: the strong miss it, the weak get it.
        answer(&flagged[2], 2, Some(!strong));
        // Likely mis-keyed: most pick the same wrong option, strong or weak.
        answer(&flagged[3], 3, Some(middle && i % 8 < 5));
        for (k, q) in pool.iter().enumerate().filter(|(k, _)| (k + i) % 3 != 0) {
            let p = ability - 0.03 * f64::from(q.difficulty - 1);
            let how = if rng.chance(0.04) {
                None
            } else {
                Some(rng.chance(p))
            };
            answer(q, k + 4, how);
        }
    }
    // Members who joined but never answered lower the participation rate.
    for i in 0..12 {
        app.stores
            .members
            .create_member(&format!("新会员{i:02}"), &districts[i % 9], now - DAY_MS)
            .await
            .unwrap();
    }
    for chunk in ops.chunks(500) {
        app.stores.answers.write_batch(chunk).await.unwrap();
    }
    app.stores.stats.refresh_groups(now).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_signs_in_and_reads_every_console_page_in_chromium() {
    const NAME: &str = "组织者";
    const PASSWORD: &str = "正确的密码 horse battery";
    if skip_browser("admin.mjs") {
        return;
    }
    let server = TestServer::start().await;
    server.add_organizer(NAME, PASSWORD).await;
    seed_statistics(&server).await;
    run_script(&server, "admin.mjs", &[NAME, PASSWORD]).await;
    for page in [
        "signin",
        "overview",
        "bank",
        "questions",
        "members",
        "districts",
        "histories",
        "days",
        "ladder",
        "district-admin",
        "competitions",
    ] {
        let shot = repo_path(&format!("target/browser-screenshots/admin-{page}.png"));
        assert!(shot.exists(), "{} is missing", shot.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_runs_a_district_battle_that_the_big_screen_follows_in_chromium() {
    const NAME: &str = "组织者";
    const PASSWORD: &str = "正确的密码 horse battery";
    if skip_browser("district.mjs") {
        return;
    }
    // Quick timers; a full 2 v 2 forms as soon as the four are in, so
    // uneven battles keep their default wait.
    let server = TestServer::start_with(|c| {
        c.duel.countdown = Duration::from_millis(1500);
        c.duel.reveal_pause = Duration::from_millis(1500);
    })
    .await;
    server.add_organizer(NAME, PASSWORD).await;
    // The answer key, for the members who answer right (or wrong) on purpose:
    // each question's prompt, options and right options as shown.
    let key: Vec<_> = server
        .bank
        .questions()
        .iter()
        .map(|q| {
            serde_json::json!({
                "prompt": q.prompt,
                "options": q.options,
                "answer": q.answer.indices().map(|i| &q.options[i]).collect::<Vec<_>>(),
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("answer-key.json");
    std::fs::write(&key_file, serde_json::to_vec(&key).unwrap()).unwrap();
    let stdout = run_script(
        &server,
        "district.mjs",
        &[NAME, PASSWORD, key_file.to_str().unwrap()],
    )
    .await;
    let id_after = |prefix: &str| -> i64 {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("the script prints {prefix}"))
            .trim()
            .parse()
            .expect("a numeric id")
    };
    let battle = id_after("BATTLE_ID ");
    id_after("COMPETITION_ID ");
    server.settle().await;
    let app = server.app();
    // Every click went through the real server: four members, three questions.
    let answers = app.stores.answers.session_answers(battle).await.unwrap();
    assert_eq!(answers.len(), 12, "answers of battle {battle}");
    assert_eq!(answers.iter().filter(|a| a.correct).count(), 6);
    let stored = app
        .stores
        .matches
        .stored_match(battle)
        .await
        .unwrap()
        .expect("the battle is stored");
    assert_eq!(stored.mode, "district");
    let mut correct: Vec<_> = stored.players.iter().map(|p| p.correct).collect();
    correct.sort();
    assert_eq!(correct, [Some(0), Some(0), Some(3), Some(3)]);
    for shot in [
        "district-console",
        "district-screen-before",
        "district-home",
        "district-battle",
        "district-result-win",
        "district-result-lose",
        "district-screen-after",
        "district-standings",
    ] {
        let shot = repo_path(&format!("target/browser-screenshots/{shot}.png"));
        assert!(shot.exists(), "{} is missing", shot.display());
    }
}

/// `from` copied into `to`, folders and all.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_checks_and_imports_a_spreadsheet_in_chromium() {
    const NAME: &str = "组织者";
    const PASSWORD: &str = "正确的密码 horse battery";
    const NEW_ID: &str = "browser-import-001";
    if skip_browser("admin_import.mjs") {
        return;
    }
    // The import writes to the bank folder: use a copy, never question_bank/.
    let bank = tempfile::tempdir().unwrap();
    copy_dir(&repo_path("question_bank"), bank.path());
    let bank_dir = bank.path().to_path_buf();
    let server = TestServer::start_with(|c| c.bank_dir = bank_dir).await;
    assert!(server.bank.get(NEW_ID).is_none());
    server.add_organizer(NAME, PASSWORD).await;
    run_script(&server, "admin_import.mjs", &[NAME, PASSWORD]).await;
    for shot in ["admin-import-report", "admin-import-done"] {
        let shot = repo_path(&format!("target/browser-screenshots/{shot}.png"));
        assert!(shot.exists(), "{} is missing", shot.display());
    }
    // The valid row is in the bank the server plays from, as a new question;
    // the rows with errors are not.
    let now = server.app().bank.current();
    let q = now
        .get(NEW_ID)
        .expect("the imported question is in the bank");
    assert_eq!(q.version, 1);
    assert_eq!(q.answer.letters(), "B");
    assert_eq!(now.len(), server.bank.len() + 1);
    for rejected in ["browser-import-002", "browser-import-003"] {
        assert!(now.get(rejected).is_none(), "{rejected} was imported");
    }
    assert!(bank.path().join(dati::bank::IMPORTED_FILE).exists());
}
