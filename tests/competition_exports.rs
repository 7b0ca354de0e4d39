//! A district competition's exports (docs/protocol.md §7): the standings
//! and the members who battled, as CSV and XLSX, before and after a
//! battle, checked against SQL and the members' standings API; drafts and
//! unknown ids are not found, bad parameters refused, and only organizers
//! get the files. On both backends.

mod common;

use std::io::Cursor;

use common::TestServer;
use common::battles::{battle, queue};
use common::matches::{Backend, Play, server};
use reqwest::StatusCode;
use serde_json::{Value, json};

const HOUR_MS: i64 = 60 * 60 * 1000;

const STANDINGS_HEADINGS: [&str; 13] = [
    "名次",
    "区市",
    "积分",
    "场次",
    "胜",
    "平",
    "负",
    "参赛人数",
    "注册人数",
    "参与率",
    "正确率",
    "队员得分合计",
    "贡献榜",
];

const MEMBER_HEADINGS: [&str; 8] = [
    "名次",
    "会员编号",
    "昵称",
    "区市",
    "对战场次",
    "计分积分",
    "答对题数",
    "最近对战(北京时间)",
];

/// A competition drafted between 市南区 and 崂山区 (1 a side, 3
/// questions), running from a second ago; published unless `draft`.
async fn competition(console: &reqwest::Client, server: &TestServer, draft: bool) -> i64 {
    let now = dati::rooms::wall_ms();
    let rules = json!({
        "title": "导出测试·区域PK赛",
        "starts_at_ms": now - 1000,
        "ends_at_ms": now + HOUR_MS,
        "questions": {"kind": "filter"},
        "team_size": 1,
        "questions_per_battle": 3,
        "daily_battles": 3,
        "districts": ["市南区", "崂山区"],
    });
    let res = console
        .post(server.url("/api/admin/competitions"))
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    if !draft {
        let published = console
            .post(server.url(&format!("/api/admin/competitions/{id}/publish")))
            .json(&json!({"version": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), StatusCode::OK);
    }
    id
}

/// A downloaded file: its content type, disposition and bytes.
struct File {
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn download(http: &reqwest::Client, server: &TestServer, id: i64, query: &str) -> File {
    let res = http
        .get(server.url(&format!("/api/admin/competitions/{id}/export?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "export {id}?{query}");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
    };
    File {
        content_type: header("content-type"),
        disposition: header("content-disposition"),
        bytes: res.bytes().await.unwrap().to_vec(),
    }
}

async fn status_of(http: &reqwest::Client, url: String) -> StatusCode {
    http.get(url).send().await.unwrap().status()
}

/// The CSV's records (the byte-order mark checked and dropped).
fn csv_rows(file: &File) -> Vec<Vec<String>> {
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    assert!(file.bytes.starts_with("\u{feff}".as_bytes()), "a BOM first");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&file.bytes[3..]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The XLSX's first sheet, each cell as text.
fn xlsx_rows(file: &File) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    assert_eq!(
        file.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(file.bytes.starts_with(b"PK"), "a zip file");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(file.bytes.clone())).expect("the XLSX opens");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The same table in both files: equal text, or equal numbers (1.0 in the
/// CSV is 1 in the sheet).
fn assert_same_table(csv: &[Vec<String>], xlsx: &[Vec<String>]) {
    assert_eq!(csv.len(), xlsx.len(), "{csv:?} vs {xlsx:?}");
    for (a, b) in csv.iter().zip(xlsx) {
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        for (x, y) in a.iter().zip(b) {
            let same = x == y
                || matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if (p - q).abs() < 1e-9);
            assert!(same, "csv {x:?} vs xlsx {y:?} in {a:?}");
        }
    }
}

/// `YYYY-MM-DD HH:MM` in Beijing time (Hinnant's civil_from_days).
fn beijing(at_ms: i64) -> String {
    let minutes = (at_ms + 8 * HOUR_MS).div_euclid(60_000);
    let z = minutes.div_euclid(24 * 60) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let of_day = minutes.rem_euclid(24 * 60);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", of_day / 60, of_day % 60)
}

async fn an_organizer_exports_standings_and_members(backend: Backend) {
    let Some(env) = server(
        backend,
        "an_organizer_exports_standings_and_members",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let console = server
        .organizer_client("赛事组", "correct horse battery")
        .await;
    let id = competition(&console, server, false).await;

    // Before any battle: every district with nothing yet, and no members.
    let file = download(&console, server, id, "table=standings&format=csv").await;
    assert!(
        file.disposition.starts_with(&format!(
            "attachment; filename=\"competition-{id}-standings.csv\"; filename*=UTF-8''"
        )),
        "{}",
        file.disposition
    );
    assert!(
        file.disposition
            .ends_with(&format!("%E5%8C%BA%E5%9F%9FPK%E8%B5%9B-{id}-standings.csv")),
        "区域PK赛-{id}-standings.csv: {}",
        file.disposition
    );
    let rows = csv_rows(&file);
    assert_eq!(rows[0], STANDINGS_HEADINGS);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows[1..] {
        assert_eq!(row[0], "1", "equal districts share first place: {row:?}");
        assert_eq!(&row[2..7], ["0", "0", "0", "0", "0"]);
        assert_eq!(row[12], "");
    }
    let members = csv_rows(&download(&console, server, id, "table=members&format=csv").await);
    assert_eq!(members, [MEMBER_HEADINGS]);
    let sheet = xlsx_rows(&download(&console, server, id, "table=members&format=xlsx").await);
    assert_eq!(sheet, [MEMBER_HEADINGS]);

    // One battle: 市南区's member answers right, 崂山区's wrong.
    let south = server.member_of("南区小王", "市南区").await;
    let laoshan = server.member_of("崂山老李", "崂山区").await;
    let (mut a, mut b) = (south.connect().await, laoshan.connect().await);
    assert!(queue(&mut a, id).await, "counted");
    assert!(queue(&mut b, id).await, "counted");
    tokio::join!(
        battle(&mut a, &server.bank, Play::Right),
        battle(&mut b, &server.bank, Play::Wrong)
    );
    server.settle().await;

    // The standings file says what SQL and the members' API say.
    let app = server.app();
    let sql = app.stores.battles.district_battles(id).await.unwrap();
    let api = south
        .get(&format!("/api/competitions/{id}/standings"))
        .await;
    let csv_file = download(&console, server, id, "table=standings&format=csv").await;
    let rows = csv_rows(&csv_file);
    assert_eq!(rows[0], STANDINGS_HEADINGS);
    assert_eq!(rows.len(), 3);
    let listed = api["districts"].as_array().unwrap();
    for (row, d) in rows[1..].iter().zip(listed) {
        let name = d["district"].as_str().unwrap();
        let s = sql.iter().find(|s| s.district == name).unwrap();
        assert_eq!(row[0], d["place"].to_string());
        assert_eq!(row[1], name);
        assert_eq!(row[2], s.competition_points.to_string());
        assert_eq!(row[3], s.battles.to_string());
        assert_eq!(
            row[4..7],
            [
                s.wins.to_string(),
                s.draws.to_string(),
                s.losses.to_string()
            ]
        );
        assert_eq!(row[7], s.participants.to_string());
        assert_eq!(row[8], d["registered"].to_string());
        let ratio = |x: &str| x.parse::<f64>().unwrap();
        assert!((ratio(&row[9]) - d["participation_rate"].as_f64().unwrap()).abs() < 1e-4);
        let accuracy = s.correct as f64 / s.answers as f64;
        assert!((ratio(&row[10]) - accuracy).abs() < 1e-4, "{row:?}");
        assert_eq!(row[11], s.points_scored.to_string());
        let top = &d["top_contributors"][0];
        assert_eq!(
            row[12],
            format!("{}({})", top["nickname"].as_str().unwrap(), top["points"])
        );
    }
    assert_eq!(rows[1][1], "市南区");
    assert_eq!(&rows[1][..5], ["1", "市南区", "2", "1", "1"]);
    assert_eq!(&rows[2][..7], ["2", "崂山区", "0", "1", "0", "0", "1"]);
    assert!(rows[1][12].starts_with("南区小王("), "{:?}", rows[1]);
    let xlsx_file = download(&console, server, id, "table=standings&format=xlsx").await;
    assert!(
        xlsx_file
            .disposition
            .ends_with(&format!("-{id}-standings.xlsx")),
        "{}",
        xlsx_file.disposition
    );
    assert_same_table(&rows, &xlsx_rows(&xlsx_file));

    // The members file: both players, by counted points.
    let battled = app.stores.battles.member_battles(id).await.unwrap();
    assert_eq!(battled.len(), 2);
    let rows = csv_rows(&download(&console, server, id, "table=members&format=csv").await);
    assert_eq!(rows[0], MEMBER_HEADINGS);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][1], south.id.to_string(), "the winner first");
    for (row, (nickname, district)) in rows[1..]
        .iter()
        .zip([("南区小王", "市南区"), ("崂山老李", "崂山区")])
    {
        let id: i64 = row[1].parse().unwrap();
        let m = battled.iter().find(|m| m.member_id == id).unwrap();
        assert_eq!(row[2], nickname);
        assert_eq!(row[3], district);
        assert_eq!(row[4], m.battles.to_string());
        assert_eq!(row[5], m.points.to_string());
        assert_eq!(row[6], m.correct.to_string());
        assert_eq!(row[7], beijing(m.last_at_ms));
    }
    assert_eq!((rows[1][4].as_str(), rows[1][6].as_str()), ("1", "3"));
    assert!(rows[1][5].parse::<i64>().unwrap() > 0);
    assert_eq!(&rows[2][4..7], ["1", "0", "0"]);
    assert_eq!(
        rows[1][5],
        api["districts"][0]["top_contributors"][0]["points"].to_string()
    );
    let xlsx_file = download(&console, server, id, "table=members&format=xlsx").await;
    assert_same_table(&rows, &xlsx_rows(&xlsx_file));
}

async fn exports_are_for_organizers_and_published_competitions(backend: Backend) {
    let Some(env) = server(
        backend,
        "exports_are_for_organizers_and_published_competitions",
        |_| {},
    )
    .await
    else {
        return;
    };
    let server = &env.server;
    let console = server
        .organizer_client("赛事组", "correct horse battery")
        .await;
    let published = competition(&console, server, false).await;
    let draft = competition(&console, server, true).await;
    let url = |id: i64, q: &str| server.url(&format!("/api/admin/competitions/{id}/export?{q}"));

    assert_eq!(
        status_of(&console, url(draft, "table=standings&format=csv")).await,
        StatusCode::NOT_FOUND,
        "a draft has nothing to export"
    );
    assert_eq!(
        status_of(&console, url(999_999, "table=members&format=xlsx")).await,
        StatusCode::NOT_FOUND
    );
    for q in [
        "format=csv",
        "table=standings",
        "table=everything&format=csv",
        "table=members&format=pdf",
        "table=members&format=json",
    ] {
        let res = console.get(url(published, q)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{q}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{q}: {body}");
    }

    // A member's session is no organizer's; nor is none at all.
    let member = server.member("队员").await;
    let anonymous = reqwest::Client::new();
    for table in ["standings", "members"] {
        for format in ["csv", "xlsx"] {
            let q = format!("table={table}&format={format}");
            for (who, http) in [("member", &member.http), ("anonymous", &anonymous)] {
                let status = status_of(http, url(published, &q)).await;
                assert!(
                    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
                    "{who} {q}: {status}"
                );
            }
        }
    }
}

common::on_both_backends!(
    an_organizer_exports_standings_and_members,
    exports_are_for_organizers_and_published_competitions,
);
