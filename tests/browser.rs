//! The web client in a real browser: Debian's chromium driven by
//! playwright-core (tests/browser/*.mjs) against a server on port 0.
//! Skips, saying so, when node, chromium or playwright-core are missing,
//! unless DATI_REQUIRE_BROWSER=1 (as in CI).

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestServer, repo_path};

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

/// Runs `tests/browser/{script}` against a fresh server, unless the browser
/// is missing (then skips, saying so, or fails under DATI_REQUIRE_BROWSER=1).
/// Returns the server (still running) for checks afterwards, or None when
/// skipped.
async fn run_browser_script(script: &str) -> Option<TestServer> {
    if let Some(why) = browser_missing() {
        let required = std::env::var("DATI_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "DATI_REQUIRE_BROWSER=1 but {why}");
        eprintln!("SKIPPED browser test {script}: {why}");
        return None;
    }
    let server = TestServer::start().await;
    let shots = repo_path("target/browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let base = server.url("");
    let script_path = repo_path(&format!("tests/browser/{script}"));
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script_path)
            .arg(base)
            .arg(&shots)
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
