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

fn dati(args: &[&str], dirs: &[&std::path::Path]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dati"));
    cmd.args(args).env_remove("DATI_BANK_DIR");
    for d in dirs {
        cmd.arg(d);
    }
    cmd.output().unwrap()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
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

#[test]
fn bank_template_writes_the_columns_an_example_and_the_notes() {
    use calamine::{Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("模板.xlsx");
    let csv = dir.path().join("template.csv");
    for out in [&xlsx, &csv] {
        let res = dati(&["bank", "template", "--out"], &[out]);
        assert!(res.status.success(), "{res:?}");
    }
    let headings: Vec<&str> = dati::bank::template::COLUMNS
        .iter()
        .map(|f| f.heading())
        .collect();
    assert_eq!(headings.len(), 22);
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["题目", "说明"]);
    let sheet = book.worksheet_range("题目").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], headings);
    assert_eq!(rows.len(), 2, "the headings and one example");
    let example = dati::bank::template::example_question();
    assert_eq!(
        rows[1][0], example.id,
        "a real question from the shipped bank"
    );
    assert!(example.id.starts_with("party-"));
    assert_eq!(rows[1][4], "多选");
    assert_eq!(rows[1][12], example.answer.letters());
    let notes = book.worksheet_range("说明").unwrap();
    assert!(notes.rows().count() > 22);

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("\u{feff}{}", headings.join(","))
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("{},1,党史,", example.id))
    );

    let res = dati(&["bank", "template", "--out"], &[&dir.path().join("t.pdf")]);
    assert!(!res.status.success());
}

#[test]
fn bank_import_reports_every_rejected_row_and_writes_all_or_nothing() {
    let bank = tempfile::tempdir().unwrap();
    copy_dir(&repo_path("question_bank"), bank.path());
    let file = bank.path().join("upload.csv");
    let head = "题号,类别,难度,题型,题干,选项A,选项B,选项C,选项D,答案,解析,出处,时限(秒)";
    let good = "union-001,党史,2,单选,中共一大于哪一年召开？,1919年,1921年,1927年,1949年,B,1921年7月中共一大在上海开幕。,《中国共产党简史》,20";
    let bad = "union-002,党史,9,单选,中共一大于哪一年召开？,1919年,1921年,1927年,1949年,E,1921年7月中共一大在上海开幕。,《中国共产党简史》,20";
    std::fs::write(&file, format!("{head}\n{good}\n{bad}\n")).unwrap();
    let import = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dati"))
            .args(["bank", "import"])
            .arg(&file)
            .arg("--bank-dir")
            .arg(bank.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let imported = bank.path().join("imported.toml");

    let out = import(&[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("第 3 行「难度」：难度 9 超出 1–5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("第 3 行「答案」：字母 E 没有对应的选项"),
        "{stderr}"
    );
    assert!(stdout.contains("1 行通过检查，1 行被拒绝"), "{stdout}");
    assert!(stdout.contains("--valid-only"), "{stdout}");
    assert!(!imported.exists());

    let out = import(&["--valid-only", "--dry-run"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("dry run"));
    assert!(!imported.exists());

    let out = import(&["--valid-only"]);
    assert!(out.status.success(), "{out:?}");
    assert!(imported.exists());
    let text = std::fs::read_to_string(&imported).unwrap();
    assert!(text.contains("id = \"union-001\"") && !text.contains("union-002"));

    // The bank with the imported file passes `bank check`, targets and all.
    let check = dati(&["bank", "check", "--bank-dir"], &[bank.path()]);
    assert!(check.status.success(), "{check:?}");
    let stdout = String::from_utf8_lossy(&check.stdout);
    let shipped = dati::bank::Bank::load(&repo_path("question_bank"))
        .unwrap()
        .len();
    assert!(
        stdout.contains(&format!("{} questions", shipped + 1)),
        "{stdout}"
    );
}

#[test]
fn bank_export_and_import_round_trip_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bank.zip");
    let out = dati(
        &["bank", "export", "--bank-dir"],
        &[&repo_path("question_bank")],
    );
    assert!(!out.status.success(), "--out is required");
    let out = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["bank", "export", "--bank-dir"])
        .arg(repo_path("question_bank"))
        .arg("--out")
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shipped = dati::bank::Bank::load(&repo_path("question_bank"))
        .unwrap()
        .len();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("exported {shipped} questions"))
    );
    let empty = dir.path().join("empty");
    let out = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["bank", "import"])
        .arg(&bundle)
        .arg("--bank-dir")
        .arg(&empty)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{shipped} 行通过检查")),
        "{stdout}"
    );
    let check = dati(&["bank", "check", "--bank-dir"], &[&empty]);
    assert!(check.status.success(), "{check:?}");
    // Importing it again changes nothing.
    let out = Command::new(env!("CARGO_BIN_EXE_dati"))
        .args(["bank", "import"])
        .arg(&bundle)
        .arg("--bank-dir")
        .arg(&empty)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("未变 {shipped}")));
}
