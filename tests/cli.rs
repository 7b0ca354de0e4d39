//! The `dati` command line: `bank check` and refusing to serve a bad bank.

mod common;

use std::process::Command;

use common::repo_path;

fn broken_bank() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        r#"
[[question]]
id = "broken-1"
history = "party"
difficulty = 9
kind = "single"
prompt = "问题"
options = ["甲", "乙"]
answer = "C"
explanation = "解析"
source = "出处"
time_limit = 20
"#,
    )
    .unwrap();
    dir
}

#[test]
fn bank_check_passes_on_the_shipped_bank_and_prints_coverage() {
    let out = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["bank", "check", "--bank-dir"])
        .arg(repo_path("question_bank"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("no problems found"));
    assert!(stdout.contains("by history:"));
    assert!(stdout.contains("by media:"));
}

#[test]
fn bank_check_reports_every_problem_with_file_and_id_and_fails() {
    let bank = broken_bank();
    let out = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["bank", "check", "--bank-dir"])
        .arg(bank.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml [broken-1]: difficulty 9 is outside 1–5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml [broken-1]: answer letter 'C' names no option"),
        "{stderr}"
    );
}

#[test]
fn serve_refuses_to_start_on_an_invalid_bank_with_the_same_report() {
    let bank = broken_bank();
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .arg("--bank-dir")
        .arg(bank.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refuses to start"), "{stderr}");
    assert!(
        stderr.contains("bad.toml [broken-1]: difficulty 9 is outside 1–5"),
        "{stderr}"
    );
}
