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
    assert!(stdout.contains("coverage targets met"), "{stdout}");
}

#[test]
fn bank_check_fails_a_valid_bank_below_the_coverage_targets_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("small.toml"),
        r#"
[[question]]
id = "small-1"
history = "party"
difficulty = 1
kind = "true_false"
prompt = "遵义会议于1935年召开。"
answer = "true"
explanation = "1935年1月，中共中央政治局在遵义召开扩大会议。"
source = "《中国共产党简史》，人民出版社、中共党史出版社，2021年"
time_limit = 15
"#,
    )
    .unwrap();
    let check = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dati"))
            .args(["bank", "check", "--bank-dir"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let out = check(&[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("coverage: party (党史) has 1 questions; at least 100 are needed"),
        "{stderr}"
    );
    assert!(check(&["--no-coverage-targets"]).status.success());
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
