//! Organizers' spreadsheets into the bank: CSV, XLSX and ZIP bundles, the
//! row-by-row report, all-or-nothing, versions, retiring, the export round
//! trip, and the same import over the organizer API. Fixtures are built
//! here with the csv, rust_xlsxwriter and zip crates; every test that
//! writes works on a copy of the shipped bank.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use common::{TestServer, repo_path};
use dati::bank::import::{ImportError, ImportOptions, ImportReport, import};
use dati::bank::template::COLUMNS;
use dati::bank::{Bank, IMPORTED_FILE, export};
use dati::domain::question::Question;
use serde_json::Value;

// ---- fixtures ----

/// The shipped bank (question files and media) in a temp dir.
fn bank_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_path("question_bank"), dir.path());
    dir
}

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

type Row = BTreeMap<&'static str, String>;

/// A valid single-choice row.
fn row(id: &str) -> Row {
    [
        ("题号", id),
        ("类别", "党史"),
        ("难度", "2"),
        ("题型", "单选"),
        ("题干", "中国共产党第一次全国代表大会于哪一年召开？"),
        ("选项A", "1919年"),
        ("选项B", "1921年"),
        ("选项C", "1927年"),
        ("选项D", "1949年"),
        ("答案", "B"),
        ("解析", "1921年7月23日，中共一大在上海开幕。"),
        (
            "出处",
            "《中国共产党简史》，人民出版社、中共党史出版社，2021年",
        ),
        ("时限(秒)", "20"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

fn with(mut r: Row, changes: &[(&'static str, &str)]) -> Row {
    for (k, v) in changes {
        r.insert(k, (*v).to_owned());
    }
    r
}

fn headings() -> Vec<&'static str> {
    COLUMNS.iter().map(|f| f.heading()).collect()
}

fn cells(r: &Row) -> Vec<String> {
    headings()
        .iter()
        .map(|h| r.get(h).cloned().unwrap_or_default())
        .collect()
}

fn csv_file(rows: &[Row]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headings()).unwrap();
        for r in rows {
            w.write_record(cells(r)).unwrap();
        }
        w.flush().unwrap();
    }
    out
}

/// Numbers written as numbers, as a spreadsheet program would.
fn xlsx_file(rows: &[Row]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in headings().iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in cells(row).iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            if value.is_empty() {
                continue;
            }
            match value.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).unwrap(),
                Err(_) => sheet.write_string(r, c, value).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

fn zip_file(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn run(dir: &Path, bytes: &[u8], valid_only: bool, dry_run: bool) -> ImportReport {
    import(
        dir,
        bytes,
        &ImportOptions {
            valid_only,
            dry_run,
        },
        &mut |_, _| {},
    )
    .unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn imported_text(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(IMPORTED_FILE)).ok()
}

/// Every field of two questions, one by one, so a failure names the field.
fn assert_same_question(a: &Question, b: &Question) {
    let id = &a.id;
    assert_eq!(a.id, b.id);
    assert_eq!(a.version, b.version, "{id}: version");
    assert_eq!(a.history, b.history, "{id}: history");
    assert_eq!(a.difficulty, b.difficulty, "{id}: difficulty");
    assert_eq!(a.kind, b.kind, "{id}: kind");
    assert_eq!(a.prompt, b.prompt, "{id}: prompt");
    assert_eq!(a.options, b.options, "{id}: options");
    assert_eq!(a.answer, b.answer, "{id}: answer");
    assert_eq!(a.explanation, b.explanation, "{id}: explanation");
    assert_eq!(a.source, b.source, "{id}: source");
    assert_eq!(a.time_limit, b.time_limit, "{id}: time_limit");
    assert_eq!(a.media, b.media, "{id}: media");
    assert_eq!(a, b);
}

// ---- the file formats ----

#[test]
fn a_valid_csv_is_imported_into_imported_toml_and_the_bank_loads_it() {
    let dir = bank_copy();
    let before = Bank::load(dir.path()).unwrap().len();
    let file = csv_file(&[
        row("union-001"),
        with(
            row("union-002"),
            &[
                ("题型", "多选"),
                ("题干", "下列哪些事件发生在红军长征途中？"),
                ("选项A", "四渡赤水"),
                ("选项B", "百团大战"),
                ("选项C", "飞夺泸定桥"),
                ("选项D", "南昌起义"),
                ("答案", "c，a"),
            ],
        ),
        with(
            row("union-003"),
            &[
                ("题型", "判断"),
                ("题干", "遵义会议于1935年召开。"),
                ("选项A", ""),
                ("选项B", ""),
                ("选项C", ""),
                ("选项D", ""),
                ("答案", "正确"),
                ("类别", "新中国史"),
            ],
        ),
    ]);
    let report = run(dir.path(), &file, false, false);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(report.accepted, 3);
    assert!(report.written);
    assert_eq!(report.versions.new, 3);

    let bank = Bank::load(dir.path()).unwrap();
    assert_eq!(bank.len(), before + 3);
    assert_eq!(bank.file_of("union-001"), Some(IMPORTED_FILE));
    let single = bank.get("union-001").unwrap();
    assert_eq!(single.version, 1);
    assert_eq!(single.answer.letters(), "B");
    assert_eq!(single.options.len(), 4);
    let multiple = bank.get("union-002").unwrap();
    assert_eq!(multiple.answer.letters(), "AC", "answers are normalised");
    let tf = bank.get("union-003").unwrap();
    assert_eq!(tf.options, ["正确", "错误"]);
    assert_eq!(tf.answer.letters(), "A");
    assert_eq!(tf.history.as_str(), "prc");
    let text = imported_text(dir.path()).unwrap();
    assert!(text.contains("answer = \"AC\""), "{text}");
    assert!(text.contains("answer = \"true\""), "{text}");
}

#[test]
fn a_valid_xlsx_imports_to_the_same_questions_as_the_csv() {
    let rows = [
        with(
            row("union-001"),
            &[("类别", "party"), ("题型", "single"), ("时限(秒)", "25")],
        ),
        with(
            row("union-002"),
            &[
                ("题型", "true_false"),
                ("选项A", ""),
                ("选项B", ""),
                ("选项C", ""),
                ("选项D", ""),
                ("答案", "false"),
                ("状态", "启用"),
            ],
        ),
    ];
    let from_csv = bank_copy();
    let from_xlsx = bank_copy();
    run(from_csv.path(), &csv_file(&rows), false, false);
    let report = run(from_xlsx.path(), &xlsx_file(&rows), false, false);
    assert_eq!(report.accepted, 2, "{:?}", report.rejected);
    let a = Bank::load(from_csv.path()).unwrap();
    let b = Bank::load(from_xlsx.path()).unwrap();
    for id in ["union-001", "union-002"] {
        assert_same_question(a.get(id).unwrap(), b.get(id).unwrap());
    }
    assert_eq!(b.get("union-001").unwrap().time_limit.as_secs(), 25);
    assert_eq!(b.get("union-002").unwrap().answer.letters(), "B");
}

#[test]
fn every_kind_of_row_error_is_reported_with_its_row_column_and_reason() {
    let dir = bank_copy();
    let with_image = |id: &str, file: &str| {
        with(
            row(id),
            &[
                ("媒体类型", "图片"),
                ("媒体文件", file),
                ("媒体说明", "一幅示意图"),
            ],
        )
    };
    let rows = [
        row("union-ok"),                                              // 2
        with(row("union-history"), &[("类别", "古代史")]),            // 3
        with(row("union-difficulty"), &[("难度", "7")]),              // 4
        with(row("union-kind"), &[("题型", "填空")]),                 // 5
        with(row("union-prompt"), &[("题干", "")]),                   // 6
        with(row("union-letter"), &[("答案", "E")]),                  // 7
        with(row("union-single"), &[("答案", "AB")]),                 // 8
        with(row("union-tf"), &[("题型", "判断"), ("答案", "正确")]), // 9
        row("union-ok"),                                              // 10
        row("party-001"),                                             // 11
        with_image("union-missing", "missing.png"),                   // 12
        with_image("union-big", "big.png"),                           // 13
        with(row("union-time"), &[("时限(秒)", "500")]),              // 14
    ];
    let big = vec![0u8; 400 * 1024];
    let file = zip_file(&[("questions.csv", &csv_file(&rows)), ("big.png", &big)]);
    let report = run(dir.path(), &file, false, false);

    let expected: &[(usize, &str, &str)] = &[
        (
            3,
            "类别",
            "类别「古代史」不是 党史、新中国史、改革开放史、社会主义发展史 之一",
        ),
        (4, "难度", "难度 7 超出 1–5"),
        (5, "题型", "题型「填空」不是 单选、多选、判断 之一"),
        (6, "题干", "题干不能为空"),
        (7, "答案", "字母 E 没有对应的选项"),
        (8, "答案", "单选题只能有一个答案，这里有 2 个"),
        (9, "选项A", "判断题不填选项（玩家看到的是 正确 / 错误）"),
        (10, "题号", "题号 union-ok 与第 2 行重复"),
        (11, "题号", "题号已被题库文件 party.toml 使用"),
        (
            12,
            "媒体文件",
            "压缩包里没有媒体文件 missing.png，题库 media/ 中也没有",
        ),
        (
            13,
            "媒体文件",
            "媒体文件 big.png 有 400 KB，超过 300 KB 的上限",
        ),
        (14, "时限(秒)", "时限 500 秒超出 5–120 秒"),
    ];
    let got: Vec<(usize, &str, &str)> = report
        .rejected
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        report.rejected[4].to_string(),
        "第 7 行「答案」：字母 E 没有对应的选项"
    );
    assert_eq!(report.accepted, 1);
    assert!(!report.written);
    assert!(
        imported_text(dir.path()).is_none(),
        "nothing is half-imported"
    );
    assert!(!dir.path().join("media/big.png").exists());
}

#[test]
fn a_row_with_several_problems_lists_each_one() {
    let dir = bank_copy();
    let bad = with(
        row("Bad Id"),
        &[
            ("难度", "九"),
            ("解析", ""),
            ("选项C", ""),
            ("状态", "删除"),
        ],
    );
    let report = run(dir.path(), &csv_file(&[bad]), false, false);
    let columns: Vec<&str> = report.rejected.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(
        columns,
        ["题号", "难度", "选项C", "解析", "状态"],
        "{:?}",
        report.rejected
    );
    assert!(report.rejected[1].reason.contains("「九」"));
    assert!(report.rejected[2].reason.contains("选项C 为空"));
}

#[test]
fn all_or_nothing_by_default_and_only_the_valid_rows_with_valid_only() {
    let dir = bank_copy();
    let file = csv_file(&[
        row("union-001"),
        with(row("union-002"), &[("答案", "Z")]),
        row("union-003"),
    ]);
    let report = run(dir.path(), &file, false, false);
    assert_eq!((report.accepted, report.rejected.len()), (2, 1));
    assert!(!report.written);
    assert!(imported_text(dir.path()).is_none());

    let report = run(dir.path(), &file, true, false);
    assert!(report.written);
    assert_eq!(report.rejected[0].row, 3);
    let bank = Bank::load(dir.path()).unwrap();
    assert!(bank.get("union-001").is_some());
    assert!(bank.get("union-002").is_none());
    assert!(bank.get("union-003").is_some());
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let dir = bank_copy();
    let file = csv_file(&[row("union-001"), row("union-002")]);
    for valid_only in [false, true] {
        let report = run(dir.path(), &file, valid_only, true);
        assert_eq!(report.accepted, 2);
        assert_eq!(report.versions.new, 2);
        assert!(!report.written);
        assert!(imported_text(dir.path()).is_none());
    }
}

#[test]
fn a_zip_with_an_image_and_an_audio_file_brings_its_media() {
    let dir = bank_copy();
    let png = b"\x89PNG\r\n\x1a\n a small picture".to_vec();
    let mp3 = vec![7u8; 20 * 1024];
    let rows = [
        with(
            row("union-pic"),
            &[
                ("媒体类型", "图片"),
                ("媒体文件", "union-pic.png"),
                ("媒体说明", "一条时间轴"),
                ("媒体标题", "示意图"),
            ],
        ),
        with(
            row("union-talk"),
            &[
                ("媒体类型", "audio"),
                ("媒体文件", "union-talk.mp3"),
                ("媒体说明", "朗读文本"),
                ("媒体时长(秒)", "12"),
            ],
        ),
    ];
    // Any depth, any folder; the sheet is found by its extension.
    let file = zip_file(&[
        ("导入/questions.xlsx", &xlsx_file(&rows)),
        ("导入/media/union-pic.png", &png),
        ("导入/union-talk.mp3", &mp3),
        ("__MACOSX/导入/._union-pic.png", b"junk"),
    ]);
    let report = run(dir.path(), &file, false, false);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert!(report.written);
    assert_eq!(
        std::fs::read(dir.path().join("media/union-pic.png")).unwrap(),
        png
    );
    assert_eq!(
        std::fs::read(dir.path().join("media/union-talk.mp3")).unwrap(),
        mp3
    );
    let bank = Bank::load(dir.path()).unwrap();
    let pic = bank.get("union-pic").unwrap().media.clone().unwrap();
    assert_eq!(pic.kind.as_str(), "image");
    assert_eq!(pic.caption.as_deref(), Some("示意图"));
    let talk = bank.get("union-talk").unwrap().media.clone().unwrap();
    assert_eq!(talk.duration.unwrap().as_secs(), 12);

    // The same bundle again changes nothing; a different file under a
    // name already in media/ is refused.
    let again = run(dir.path(), &file, false, false);
    assert_eq!(again.versions.unchanged, 2);
    let clash = zip_file(&[
        ("questions.xlsx", &xlsx_file(&rows[..1])),
        ("union-pic.png", b"another picture"),
    ]);
    let report = run(dir.path(), &clash, false, false);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].column, "媒体文件");
    assert!(report.rejected[0].reason.contains("同名但内容不同"));
    assert_eq!(
        std::fs::read(dir.path().join("media/union-pic.png")).unwrap(),
        png
    );

    // A spreadsheet alone may name media already in media/.
    let report = run(dir.path(), &csv_file(&rows), false, false);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
}

#[test]
fn files_that_cannot_be_read_are_refused_as_a_whole() {
    let dir = bank_copy();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "空"),
        (b"\xff\xfe\x00garbage".to_vec(), "UTF-8"),
        ("题号,题干\nx,y\n".as_bytes().to_vec(), "缺少列"),
        (zip_file(&[("a.png", b"x")]), "没有 .csv 或 .xlsx"),
        (
            zip_file(&[("a.csv", &csv_file(&[row("x")])), ("b.csv", b"")]),
            "多个表格",
        ),
        (csv_file(&[]), "没有题目行"),
    ];
    for (bytes, expected) in cases {
        match import(
            dir.path(),
            &bytes,
            &ImportOptions::default(),
            &mut |_, _| {},
        ) {
            Err(ImportError::Unreadable(m)) => assert!(m.contains(expected), "{m}"),
            other => panic!("expected unreadable ({expected}), got {other:?}"),
        }
    }
}

// ---- versions and retiring ----

#[test]
fn an_edit_bumps_the_version_and_an_identical_reimport_changes_nothing() {
    let dir = bank_copy();
    let first = csv_file(&[row("union-001"), row("union-002")]);
    let report = run(dir.path(), &first, false, false);
    assert_eq!(report.versions.new, 2);
    let text = imported_text(dir.path()).unwrap();

    let report = run(dir.path(), &first, false, false);
    assert_eq!(report.versions.unchanged, 2);
    assert!(report.written);
    assert_eq!(imported_text(dir.path()).unwrap(), text, "byte for byte");

    // Any field counts: here only the explanation changes.
    let edited = csv_file(&[
        with(
            row("union-001"),
            &[("解析", "1921年7月，中共一大在上海召开。")],
        ),
        row("union-002"),
    ]);
    let report = run(dir.path(), &edited, false, false);
    assert_eq!((report.versions.changed, report.versions.unchanged), (1, 1));
    let bank = Bank::load(dir.path()).unwrap();
    assert_eq!(bank.get("union-001").unwrap().version, 2);
    assert_eq!(bank.get("union-002").unwrap().version, 1);
    let report = run(dir.path(), &edited, false, false);
    assert_eq!(report.versions.unchanged, 2);
    assert_eq!(
        Bank::load(dir.path())
            .unwrap()
            .get("union-001")
            .unwrap()
            .version,
        2
    );

    // The version column is read-only.
    let claimed = csv_file(&[with(row("union-002"), &[("版本", "9")])]);
    run(dir.path(), &claimed, false, false);
    assert_eq!(
        Bank::load(dir.path())
            .unwrap()
            .get("union-002")
            .unwrap()
            .version,
        1
    );
}

#[test]
fn retiring_keeps_the_question_and_its_version_and_absent_rows_stay() {
    let dir = bank_copy();
    run(
        dir.path(),
        &csv_file(&[row("union-001"), row("union-002")]),
        false,
        false,
    );
    // Only union-002, now 停用: union-001 is left as it is.
    let retire = csv_file(&[with(row("union-002"), &[("状态", "停用")])]);
    let report = run(dir.path(), &retire, false, false);
    assert_eq!(report.versions.retired, 1);
    let bank = Bank::load(dir.path()).unwrap();
    assert!(bank.is_retired("union-002"));
    assert_eq!(bank.get("union-002").unwrap().version, 1);
    assert!(!bank.questions().iter().any(|q| q.id == "union-002"));
    assert!(bank.all_questions().iter().any(|q| q.id == "union-002"));
    assert!(bank.get("union-001").is_some());
    assert!(!bank.is_retired("union-001"));
    assert!(
        imported_text(dir.path())
            .unwrap()
            .contains("retired = true")
    );

    let restore = csv_file(&[with(row("union-002"), &[("状态", "启用")])]);
    let report = run(dir.path(), &restore, false, false);
    assert_eq!(report.versions.restored, 1);
    assert!(!Bank::load(dir.path()).unwrap().is_retired("union-002"));
}

// ---- the export round trip ----

#[test]
fn exporting_the_shipped_bank_and_importing_it_into_an_empty_bank_gives_the_same_questions() {
    let shipped = Bank::load(&repo_path("question_bank")).unwrap();
    let check = |bank: &Bank| {
        assert_eq!(bank.all_questions().len(), shipped.all_questions().len());
        for q in shipped.all_questions() {
            let back = bank
                .get(&q.id)
                .unwrap_or_else(|| panic!("{} missing", q.id));
            assert_same_question(q, back);
        }
    };

    // A bundle: the spreadsheet with every media file.
    let bundle = export::export(&shipped, true, export::ExportFormat::Zip).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let report = run(empty.path(), &bundle, false, false);
    assert!(report.rejected.is_empty(), "{:?}", &report.rejected[..3]);
    assert_eq!(report.versions.new, shipped.all_questions().len());
    check(&Bank::load(empty.path()).unwrap());

    // A CSV into an empty bank that already has the media.
    let csv = export::export(&shipped, true, export::ExportFormat::Csv).unwrap();
    let empty = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_path("question_bank/media"),
        &empty.path().join("media"),
    );
    run(empty.path(), &csv, false, false);
    check(&Bank::load(empty.path()).unwrap());
}

#[test]
fn an_export_leaves_retired_questions_out_unless_asked() {
    let dir = bank_copy();
    run(
        dir.path(),
        &csv_file(&[
            row("union-001"),
            with(row("union-002"), &[("状态", "停用")]),
        ]),
        false,
        false,
    );
    let bank = Bank::load(dir.path()).unwrap();
    let text = |include| {
        String::from_utf8(export::export(&bank, include, export::ExportFormat::Csv).unwrap())
            .unwrap()
    };
    assert!(!text(false).contains("union-002"));
    let all = text(true);
    let line = all.lines().find(|l| l.starts_with("union-002")).unwrap();
    assert!(line.ends_with(",停用"), "{line}");
}

// ---- the organizer API ----

async fn organizer(server: &TestServer) -> reqwest::Client {
    server
        .organizer_client("题库管理员", "题库管理员的密码")
        .await
}

async fn post_import(
    http: &reqwest::Client,
    server: &TestServer,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = http
        .post(server.url(&format!("/api/admin/bank/import{query}")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn the_api_imports_reports_and_serves_the_new_bank_at_once() {
    let dir = bank_copy();
    let bank_dir = dir.path().to_path_buf();
    let server = TestServer::start_with(|c| c.bank_dir = bank_dir).await;
    let http = organizer(&server).await;
    let member = server.member("答题会员").await;
    const CSV: &str = "text/csv";

    // Organizers only.
    for path in [
        "/api/admin/bank/template.xlsx",
        "/api/admin/bank/template.csv",
    ] {
        let res = member.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
    }
    let res = member
        .http
        .post(server.url("/api/admin/bank/import"))
        .body(csv_file(&[row("union-001")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "organizer_only");

    // The template.
    let res = http
        .get(server.url("/api/admin/bank/template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let csv = http
        .get(server.url("/api/admin/bank/template.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}题号,版本,类别,难度,题型,题干,选项A"));

    // A file with a bad row: the report, nothing written.
    let bad = csv_file(&[row("union-001"), with(row("union-002"), &[("答案", "E")])]);
    let (status, report) = post_import(&http, &server, "", CSV, bad.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 1);
    assert_eq!(report["written"], false);
    assert_eq!(
        report["rejected"],
        serde_json::json!([{"row": 3, "column": "答案", "reason": "字母 E 没有对应的选项"}])
    );
    assert_eq!(report["versions"]["new"], 1);
    assert!(server.app().bank.current().get("union-001").is_none());

    // A dry run with valid_only: still nothing.
    let (_, report) = post_import(
        &http,
        &server,
        "?mode=valid_only&dry_run=true",
        CSV,
        bad.clone(),
    )
    .await;
    assert_eq!(report["written"], false);
    assert!(server.app().bank.current().get("union-001").is_none());

    // valid_only writes the good row and the server plays from it at once.
    let (status, report) = post_import(&http, &server, "?mode=valid_only", CSV, bad).await;
    assert_eq!(status, 200);
    assert_eq!(report["written"], true);
    let bank = server.app().bank.current();
    assert!(bank.questions().iter().any(|q| q.id == "union-001"));

    // More than the 16 KiB other endpoints take, in XLSX.
    let many: Vec<Row> = (0..300)
        .map(|i| {
            with(
                row(&format!("union-{i:03}")),
                &[(
                    "题干",
                    &format!("第 {i} 题：中国共产党第一次全国代表大会于哪一年召开？"),
                )],
            )
        })
        .collect();
    let xlsx = xlsx_file(&many);
    let (status, report) = post_import(
        &http,
        &server,
        "",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 300);
    assert_eq!(
        report["versions"]["changed"], 1,
        "union-001's prompt changed"
    );
    assert_eq!(report["versions"]["new"], 299);

    // Answers to union-007, then it is retired: no longer played, still in
    // the statistics.
    let ops = vec![dati::store::WriteOp::Answer(dati::store::AnswerRecord {
        session_id: 1,
        question_id: "union-007".into(),
        question_version: 1,
        member_id: member.id,
        history: "party".into(),
        mode: "practice".into(),
        choice: Some("B".into()),
        correct: true,
        answer_ms: 3000,
        points: 900,
        answered_at_ms: 1_795_968_000_000,
        member_rating: None,
        question_rating: 1500.0,
    })];
    server.app().stores.answers.write_batch(&ops).await.unwrap();
    let retire = csv_file(&[with(
        row("union-007"),
        &[
            (
                "题干",
                "第 7 题：中国共产党第一次全国代表大会于哪一年召开？",
            ),
            ("状态", "停用"),
        ],
    )]);
    let (status, report) =
        post_import(&http, &server, "?mode=all&dry_run=false", CSV, retire).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["versions"]["retired"], 1);
    let bank = server.app().bank.current();
    assert!(bank.is_retired("union-007"));
    assert!(!bank.questions().iter().any(|q| q.id == "union-007"));
    assert!(bank.get("union-007").is_some());
    // The bank browser still lists it, marked; "active" leaves it out.
    let browser: Value = http
        .get(server.url("/api/admin/questions?q=union-007"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(browser["total"], 1, "{browser}");
    assert_eq!(browser["rows"][0]["retired"], true);
    let active: Value = http
        .get(server.url("/api/admin/questions?q=union-007&status=active"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(active["total"], 0, "{active}");
    let stats: Value = http
        .get(server.url("/api/admin/stats/questions?q=union-007"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"], 1, "{stats}");
    assert_eq!(stats["rows"][0]["question_id"], "union-007");

    // Unreadable and oversize files.
    let (status, body) =
        post_import(&http, &server, "", CSV, b"\xff\xfe\x00not a sheet".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "unreadable_file");
    let (status, _) = post_import(&http, &server, "?mode=some", CSV, csv_file(&[row("x")])).await;
    assert_eq!(status, 400);
    let (status, body) = post_import(
        &http,
        &server,
        "",
        "application/zip",
        vec![b'P'; 51 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "file_too_large");

    // The bank on disk still passes the loader with everything imported.
    let bank = Bank::load(dir.path()).unwrap();
    assert_eq!(
        bank.all_questions().len(),
        server.app().bank.current().all_questions().len()
    );
}

#[tokio::test]
async fn a_question_retired_through_the_api_is_no_longer_drawn_for_practice() {
    // A bank of six imported questions: a practice set of five must take
    // the five still in play.
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Row> = (1..=6).map(|i| row(&format!("union-{i:03}"))).collect();
    run(dir.path(), &csv_file(&rows), false, false);
    let bank_dir = dir.path().to_path_buf();
    let server = TestServer::start_with(|c| c.bank_dir = bank_dir).await;
    let http = organizer(&server).await;
    let retire = csv_file(&[with(row("union-004"), &[("状态", "停用")])]);
    let (status, report) = post_import(&http, &server, "", "text/csv", retire).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["versions"]["retired"], 1);

    let member = server.member("练习会员").await;
    let mut socket = member.connect().await;
    let bank = server.app().bank.current();
    assert_eq!(bank.questions().len(), 5);
    for _ in 0..3 {
        let (_, total) = socket.start_practice(Some("party"), 5).await;
        assert_eq!(total, 5);
        let mut seen = Vec::new();
        for seq in 1..=total {
            let (got, q) = socket.expect_question().await;
            assert_eq!(got, seq);
            seen.push(q.id.clone());
            let choice = common::right_choice(&bank, &q);
            socket.answer(seq, choice).await;
            socket.expect_result().await;
            if seq < total {
                socket.send(&dati::ws::protocol::ClientMsg::Next).await;
            }
        }
        socket.expect_summary().await;
        seen.sort();
        assert_eq!(
            seen,
            [
                "union-001",
                "union-002",
                "union-003",
                "union-005",
                "union-006"
            ]
        );
    }
}
