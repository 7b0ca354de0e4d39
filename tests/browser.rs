//! The web client in a real browser: Debian's chromium driven by
//! playwright-core (tests/browser/practice.mjs) against a server on port 0.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_and_plays_a_practice_set_in_chromium() {
    if let Some(why) = browser_missing() {
        let required = std::env::var("DATI_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "DATI_REQUIRE_BROWSER=1 but {why}");
        eprintln!("SKIPPED browser test: {why}");
        return;
    }
    let server = TestServer::start().await;
    let shots = repo_path("target/browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let base = server.url("");
    let script = repo_path("tests/browser/practice.mjs");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
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
        "browser test failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    eprintln!("{stdout}");
    // The browser's answers went through the real server into the database.
    server.settle().await;
    assert!(server.app().stores.answers.count_answers().await.unwrap() >= 5);
    assert!(repo_path("target/browser-screenshots/summary.png").exists());
}
