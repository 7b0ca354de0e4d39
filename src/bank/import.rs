//! `dati bank import` and the console's import: organizers' spreadsheets
//! (CSV, XLSX, or a ZIP bundle of one spreadsheet and its media files) into
//! `<bank_dir>/imported.toml`, in the bank's own TOML format.
//!
//! Each row becomes a [`RawQuestion`] and is checked by the loader's own
//! [`check_question`]; every broken rule is reported with the row number as
//! the spreadsheet shows it, the column heading and a reason in Chinese.
//! Nothing is written while any row is rejected, unless the caller asks for
//! the valid rows only. Versions: a new id starts at 1, a changed question
//! gets its version + 1, an identical one keeps it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use super::template::{COLUMNS, REQUIRED, SHEET};
use super::{
    Bank, BankErrors, Field, IMPORTED_FILE, MEDIA_DIR, MediaFiles, RawFile, RawMedia, RawQuestion,
    Rule, check_question, media_extensions,
};
use crate::domain::question::{MAX_OPTIONS, MediaKind, Question};

/// The largest file an import takes (a ZIP bundle with its media).
pub const MAX_IMPORT_BYTES: usize = 50 * 1024 * 1024;
/// The largest spreadsheet unpacked from a bundle.
const MAX_SHEET_BYTES: u64 = 100 * 1024 * 1024;
/// The largest media file of any kind; kinds have their own, lower, limits.
const MAX_MEDIA_BYTES: u64 = super::MAX_VIDEO_BYTES;
const _: () = assert!(super::MAX_IMAGE_OR_AUDIO_BYTES <= MAX_MEDIA_BYTES);

const HEADER: &str = "\
# Questions imported from organizers' spreadsheets by `dati bank import` or
# the organizer console (docs/protocol.md §7). Every import rewrites this
# file: change the spreadsheet and import it again rather than editing here.
# The format is the bank's own (README.md in this folder).

";

/// One import at a time per process: an import reads, merges and rewrites
/// imported.toml.
static IMPORT_LOCK: Mutex<()> = Mutex::new(());

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Write the valid rows even when some are rejected.
    pub valid_only: bool,
    /// Check and report, write nothing.
    pub dry_run: bool,
}

/// A rejected row: its number as the spreadsheet shows it (headings are
/// row 1), the column heading and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第 {} 行「{}」：{}", self.row, self.column, self.reason)
    }
}

/// What the accepted rows do to imported.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VersionCounts {
    /// Ids not in imported.toml before: version 1.
    pub new: usize,
    /// Some field differs: version + 1.
    pub changed: usize,
    /// Identical, and retired as before: nothing changes.
    pub unchanged: usize,
    /// Identical but now 停用: retired, version kept.
    pub retired: usize,
    /// Identical but 启用 again after being retired, version kept.
    pub restored: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub accepted: usize,
    pub rejected: Vec<RowError>,
    /// The accepted rows are now in the bank (false for a dry run, or when
    /// rows were rejected and not `valid_only`).
    pub written: bool,
    pub versions: VersionCounts,
    /// Question rows read (blank rows not counted).
    #[serde(skip)]
    pub rows: usize,
    /// imported.toml or media/ changed on disk: the bank needs reloading.
    #[serde(skip)]
    pub changed_files: bool,
    /// Rows rejected (a row may have several problems).
    #[serde(skip)]
    pub rejected_rows: usize,
}

/// An import that could not look at the rows at all.
#[derive(Debug)]
pub enum ImportError {
    /// Not a CSV, XLSX or bundle the importer can read, or no headings:
    /// the message says why, in Chinese.
    Unreadable(String),
    /// The bank folder itself does not load.
    Bank(BankErrors),
    /// Writing the bank failed.
    Write(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Unreadable(m) => write!(f, "无法读取导入文件：{m}"),
            ImportError::Bank(e) => write!(f, "{e}"),
            ImportError::Write(m) => write!(f, "cannot write the bank: {m}"),
        }
    }
}

impl std::error::Error for ImportError {}

fn unreadable(message: impl Into<String>) -> ImportError {
    ImportError::Unreadable(message.into())
}

/// Rows as read: the headings and every data row with its number.
struct Table {
    headings: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// Media files in a ZIP bundle, by base name.
struct Bundle<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Entry indices per base name; more than one is ambiguous.
    media: HashMap<String, Vec<usize>>,
}

/// A bundled media file as read for the checks.
struct BundledFile {
    /// The larger of the declared and the read size.
    size: u64,
    /// Read up to just over the largest allowed size.
    bytes: Vec<u8>,
    ambiguous: bool,
}

/// Media looked up first in the bundle, then in the bank's media/.
struct ImportMedia<'a> {
    bundled: &'a HashMap<String, BundledFile>,
    dir: &'a Path,
}

impl MediaFiles for ImportMedia<'_> {
    fn size(&self, file: &str) -> Option<u64> {
        match self.bundled.get(file) {
            Some(f) => Some(f.size),
            None => std::fs::metadata(self.dir.join(file))
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
        }
    }

    fn place(&self) -> String {
        self.dir.display().to_string()
    }
}

/// Imports `bytes` (CSV, XLSX or ZIP, recognised by content) into
/// `bank_dir`. `progress(done, total)` is called as rows are checked.
pub fn import(
    bank_dir: &Path,
    bytes: &[u8],
    options: &ImportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport, ImportError> {
    let _one_at_a_time = IMPORT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (table, mut bundle) = read_input(bytes)?;
    let columns = map_headings(&table.headings)?;
    if table.rows.is_empty() {
        return Err(unreadable(
            "表格里没有题目行（第 1 行是列名，题目从第 2 行起）",
        ));
    }
    let bank = existing_bank(bank_dir)?;
    let media_dir = bank_dir.join(MEDIA_DIR);

    let total = table.rows.len();
    progress(0, total);
    let converted: Vec<Converted> = table
        .rows
        .iter()
        .map(|(row, cells)| {
            convert(*row, &|field| {
                columns
                    .get(&field)
                    .and_then(|&c| cells.get(c))
                    .map_or("", |s| s.trim())
            })
        })
        .collect();

    // Read only the bundled files that rows name.
    let mut bundled: HashMap<String, BundledFile> = HashMap::new();
    if let Some(bundle) = bundle.as_mut() {
        for c in &converted {
            let Some(media) = &c.raw.media else { continue };
            if bundled.contains_key(&media.file) {
                continue;
            }
            if let Some(indices) = bundle.media.get(&media.file) {
                let file = read_bundled(&mut bundle.archive, indices)?;
                bundled.insert(media.file.clone(), file);
            }
        }
    }
    let lookup = ImportMedia {
        bundled: &bundled,
        dir: &media_dir,
    };

    let mut rejected = Vec::new();
    let mut rejected_rows = 0;
    let mut accepted: Vec<Accepted> = Vec::new();
    let mut first_row_of: HashMap<String, usize> = HashMap::new();
    for (done, c) in converted.into_iter().enumerate() {
        if done % 64 == 0 {
            progress(done, total);
        }
        let mut errors = c.errors;
        let converted_fields: HashSet<Field> = errors.iter().map(|(f, _)| *f).collect();
        let checked = check_question(c.raw.clone(), &lookup);
        if let Err(rules) = &checked {
            for rule in rules {
                let field = match rule {
                    Rule::TrueFalseOptions => c.first_option,
                    _ => rule.field(),
                };
                if !converted_fields.contains(&field) {
                    errors.push((field, reason_zh(rule, &c.raw, bundle.is_some())));
                }
            }
        }
        let id = c.raw.id.clone();
        if !id.is_empty() {
            match first_row_of.get(&id) {
                Some(first) => errors.push((Field::Id, format!("题号 {id} 与第 {first} 行重复"))),
                None => {
                    first_row_of.insert(id.clone(), c.row);
                }
            }
            if let Some(file) = bank.file_of(&id).filter(|f| *f != IMPORTED_FILE) {
                errors.push((Field::Id, format!("题号已被题库文件 {file} 使用")));
            }
        }
        let mut copy = None;
        if let Some(media) = &c.raw.media
            && let Some(file) = bundled.get(&media.file)
        {
            if file.ambiguous {
                errors.push((
                    Field::MediaFile,
                    format!("压缩包里有多个名为 {} 的文件", media.file),
                ));
            } else if checked.is_ok() {
                match std::fs::read(media_dir.join(&media.file)) {
                    Ok(existing) if existing != file.bytes => errors.push((
                        Field::MediaFile,
                        format!(
                            "题库 media/ 中已有同名但内容不同的文件 {}；请换一个文件名",
                            media.file
                        ),
                    )),
                    Ok(_) => {}
                    Err(_) => copy = Some(media.file.clone()),
                }
            }
        }
        match checked {
            Ok(question) if errors.is_empty() => accepted.push(Accepted {
                raw: c.raw,
                question,
                copy,
            }),
            _ => {
                rejected_rows += 1;
                let order = |f: &Field| COLUMNS.iter().position(|c| c == f).unwrap_or(usize::MAX);
                errors.sort_by_key(|(f, _)| order(f));
                errors.dedup();
                rejected.extend(errors.into_iter().map(|(field, reason)| RowError {
                    row: c.row,
                    column: field.heading().to_owned(),
                    reason,
                }));
            }
        }
    }
    progress(total, total);

    // Versions against what imported.toml holds now.
    let mut versions = VersionCounts::default();
    let mut statuses = Vec::with_capacity(accepted.len());
    for a in &mut accepted {
        let old = bank
            .get(&a.raw.id)
            .filter(|_| bank.file_of(&a.raw.id) == Some(IMPORTED_FILE));
        let status = match old {
            None => {
                versions.new += 1;
                Status::New
            }
            Some(old) if !same_content(old, &a.question) => {
                versions.changed += 1;
                a.raw.version = old.version + 1;
                Status::Changed
            }
            Some(old) => {
                a.raw.version = old.version;
                match (bank.is_retired(&old.id), a.raw.retired) {
                    (false, true) => versions.retired += 1,
                    (true, false) => versions.restored += 1,
                    _ => versions.unchanged += 1,
                }
                Status::Same
            }
        };
        statuses.push(status);
    }

    let mut report = ImportReport {
        accepted: accepted.len(),
        rejected,
        written: false,
        versions,
        rows: total,
        changed_files: false,
        rejected_rows,
    };
    let apply = !options.dry_run
        && !accepted.is_empty()
        && (report.rejected.is_empty() || options.valid_only);
    if !apply {
        return Ok(report);
    }

    let imported_path = bank_dir.join(IMPORTED_FILE);
    let current_text = std::fs::read_to_string(&imported_path).ok();
    let mut file: RawFile = match &current_text {
        // The bank loaded, so the file parses.
        Some(text) => toml::from_str(text).map_err(|e| ImportError::Write(e.to_string()))?,
        None => RawFile::default(),
    };
    let mut position: HashMap<String, usize> = file
        .question
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.clone(), i))
        .collect();
    let mut copies = Vec::new();
    for (a, status) in accepted.into_iter().zip(statuses) {
        if let Some(name) = a.copy
            && !copies.contains(&name)
        {
            copies.push(name);
        }
        match (position.get(&a.raw.id), status) {
            (Some(&i), Status::Same) => file.question[i].retired = a.raw.retired,
            (Some(&i), _) => file.question[i] = a.raw,
            (None, _) => {
                position.insert(a.raw.id.clone(), file.question.len());
                file.question.push(a.raw);
            }
        }
    }
    let text = format!(
        "{HEADER}{}",
        toml::to_string(&file).map_err(|e| ImportError::Write(e.to_string()))?
    );
    report.written = true;
    if current_text.as_deref() == Some(text.as_str()) && copies.is_empty() {
        return Ok(report);
    }

    std::fs::create_dir_all(&media_dir)
        .map_err(|e| ImportError::Write(format!("{}: {e}", media_dir.display())))?;
    let mut copied: Vec<PathBuf> = Vec::new();
    let undo = |copied: &[PathBuf]| {
        for path in copied {
            let _ = std::fs::remove_file(path);
        }
    };
    for name in &copies {
        let path = media_dir.join(name);
        if let Err(e) = write_atomically(&path, &bundled[name].bytes) {
            undo(&copied);
            return Err(ImportError::Write(format!("{}: {e}", path.display())));
        }
        copied.push(path);
    }
    // The whole bank must still load with the new file before it replaces
    // the old one.
    if let Err(e) = Bank::load_replacing(bank_dir, Some((IMPORTED_FILE, &text))) {
        undo(&copied);
        return Err(ImportError::Bank(e));
    }
    if let Err(e) = write_atomically(&imported_path, text.as_bytes()) {
        undo(&copied);
        return Err(ImportError::Write(format!(
            "{}: {e}",
            imported_path.display()
        )));
    }
    report.changed_files = true;
    Ok(report)
}

impl ImportReport {
    /// One line for the command line: rows accepted and rejected and what
    /// they did to the versions.
    pub fn summary(&self) -> String {
        let v = &self.versions;
        format!(
            "{} 行通过检查，{} 行被拒绝（新题 {}，修改 {}，未变 {}，停用 {}，恢复 {}）",
            self.accepted, self.rejected_rows, v.new, v.changed, v.unchanged, v.retired, v.restored
        )
    }
}

enum Status {
    New,
    Changed,
    Same,
}

struct Accepted {
    raw: RawQuestion,
    question: Question,
    /// A bundled media file to copy into media/.
    copy: Option<String>,
}

/// Equal in every field but the version.
fn same_content(old: &Question, new: &Question) -> bool {
    let mut new = new.clone();
    new.version = old.version;
    *old == new
}

/// The bank as it is, or an empty one for a folder without question files.
fn existing_bank(dir: &Path) -> Result<Bank, ImportError> {
    let has_files = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "toml"))
    });
    if has_files {
        Bank::load(dir).map_err(ImportError::Bank)
    } else {
        Ok(Bank::default())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

// ---- reading the file ----

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn read_input(bytes: &[u8]) -> Result<(Table, Option<Bundle<'_>>), ImportError> {
    if bytes.is_empty() {
        return Err(unreadable("文件是空的"));
    }
    if !is_zip(bytes) {
        return Ok((read_sheet(bytes)?, None));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("不是有效的 xlsx 或 zip 文件（{e}）")))?;
    if archive.index_for_name("xl/workbook.xml").is_some() {
        return Ok((read_xlsx(bytes)?, None));
    }
    let mut sheets = Vec::new();
    let mut media: HashMap<String, Vec<usize>> = HashMap::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| unreadable(format!("zip 文件已损坏（{e}）")))?;
        let path = entry.name().replace('\\', "/");
        if entry.is_dir() || path.split('/').any(|p| p == "__MACOSX") {
            continue;
        }
        let base = path.rsplit('/').next().unwrap_or_default().to_owned();
        if base.starts_with('.') || base.starts_with("~$") || base.is_empty() {
            continue;
        }
        let lower = base.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".xlsx") {
            sheets.push((i, path));
        } else {
            media.entry(base).or_default().push(i);
        }
    }
    let (index, _) = match sheets.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(unreadable(
                "zip 压缩包里没有 .csv 或 .xlsx 表格；请把导入模板和媒体文件一起打包",
            ));
        }
        many => {
            let names: Vec<&str> = many.iter().map(|(_, n)| n.as_str()).collect();
            return Err(unreadable(format!(
                "zip 压缩包里有多个表格（{}），只能有一个",
                names.join("、")
            )));
        }
    };
    let mut sheet = Vec::new();
    archive
        .by_index(index)
        .map_err(|e| unreadable(format!("zip 文件已损坏（{e}）")))?
        .take(MAX_SHEET_BYTES + 1)
        .read_to_end(&mut sheet)
        .map_err(|e| unreadable(format!("无法解压表格（{e}）")))?;
    if sheet.len() as u64 > MAX_SHEET_BYTES {
        return Err(unreadable("压缩包里的表格太大"));
    }
    let table = if is_zip(&sheet) {
        read_xlsx(&sheet)?
    } else {
        read_sheet(&sheet)?
    };
    Ok((table, Some(Bundle { archive, media })))
}

fn read_bundled(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    indices: &[usize],
) -> Result<BundledFile, ImportError> {
    let mut entry = archive
        .by_index(indices[0])
        .map_err(|e| unreadable(format!("zip 文件已损坏（{e}）")))?;
    let declared = entry.size();
    let mut bytes = Vec::new();
    (&mut entry)
        .take(MAX_MEDIA_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(format!("无法解压 {}（{e}）", entry.name())))?;
    Ok(BundledFile {
        size: declared.max(bytes.len() as u64),
        bytes,
        ambiguous: indices.len() > 1,
    })
}

/// A CSV file (not a ZIP): UTF-8, with or without a byte-order mark.
fn read_sheet(bytes: &[u8]) -> Result<Table, ImportError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(unreadable(
            "不支持旧版 Excel（.xls）文件；请另存为 .xlsx 或 CSV UTF-8 后再导入",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        unreadable("CSV 文件不是 UTF-8 编码；请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，或直接导入 xlsx 文件")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(format!("CSV 格式不正确（{e}）")))?;
        records.push((i + 1, record.iter().map(clean_text).collect::<Vec<_>>()));
    }
    table(records)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ImportError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("无法读取 xlsx 文件（{e}）")))?;
    let names = book.sheet_names();
    let name = names
        .iter()
        .find(|n| n.trim() == SHEET)
        .or(names.first())
        .cloned()
        .ok_or_else(|| unreadable("xlsx 文件里没有工作表"))?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| unreadable(format!("无法读取工作表「{name}」（{e}）")))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let text = |cell: &Data| match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => clean_text(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(e) => format!("#{e}"),
    };
    let records = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i + 1, cells.iter().map(text).collect()))
        .collect();
    table(records)
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        (f as i64).to_string()
    } else {
        f.to_string()
    }
}

/// Line ends as `\n`, outer white space gone.
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// The first non-blank record holds the headings; blank rows are skipped.
fn table(records: Vec<(usize, Vec<String>)>) -> Result<Table, ImportError> {
    let mut rows = records
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let (_, headings) = rows.next().ok_or_else(|| unreadable("文件里没有内容"))?;
    Ok(Table {
        headings,
        rows: rows.collect(),
    })
}

fn normalize_heading(s: &str) -> String {
    s.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            'ａ'..='ｚ' | 'Ａ'..='Ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect::<String>()
        .to_uppercase()
}

/// Which cell each known column is in. Unknown headings are ignored.
fn map_headings(headings: &[String]) -> Result<HashMap<Field, usize>, ImportError> {
    let mut columns = HashMap::new();
    for (i, h) in headings.iter().enumerate() {
        let h = normalize_heading(h);
        if let Some(field) = COLUMNS.iter().find(|f| normalize_heading(f.heading()) == h)
            && columns.insert(*field, i).is_some()
        {
            return Err(unreadable(format!(
                "列「{}」出现了不止一次",
                field.heading()
            )));
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|f| !columns.contains_key(f))
        .map(|f| f.heading())
        .collect();
    if !missing.is_empty() {
        return Err(unreadable(format!(
            "缺少列：{}。第 1 行须是导入模板的列名（可用 dati bank template 或管理后台下载模板）",
            missing.join("、")
        )));
    }
    Ok(columns)
}

// ---- one row ----

struct Converted {
    row: usize,
    raw: RawQuestion,
    /// Problems found while reading the cells, before the bank's checks.
    errors: Vec<(Field, String)>,
    /// The first filled option column, where a true/false question's
    /// options are reported.
    first_option: Field,
}

/// A row in the bank's raw form, codes normalised: Chinese labels and
/// English codes both become the codes, answer letters upper case in order.
fn convert<'a>(row: usize, cell: &dyn Fn(Field) -> &'a str) -> Converted {
    let mut errors = Vec::new();
    let mut int = |field: Field, what: &str, range: &str| -> i64 {
        let text = cell(field);
        if text.is_empty() {
            errors.push((field, format!("{what}不能为空")));
            return 0;
        }
        match parse_int(text) {
            Some(n) => n,
            None => {
                errors.push((field, format!("{what}须为{range}的整数，不是「{text}」")));
                0
            }
        }
    };
    let difficulty = int(Field::Difficulty, "难度", " 1–5 ");
    let time_limit = int(Field::TimeLimit, "时限", " 5–120 秒");
    let kind = code(
        cell(Field::Kind),
        &[
            ("单选", "single"),
            ("单选题", "single"),
            ("多选", "multiple"),
            ("多选题", "multiple"),
            ("判断", "true_false"),
            ("判断题", "true_false"),
            ("true_false", "true_false"),
            ("truefalse", "true_false"),
            ("true-false", "true_false"),
        ],
    );
    let history = code(
        cell(Field::History),
        &[
            ("党史", "party"),
            ("新中国史", "prc"),
            ("改革开放史", "reform"),
            ("社会主义发展史", "socialism"),
        ],
    );
    if history.is_empty() {
        errors.push((Field::History, "类别不能为空".to_owned()));
    }
    if kind.is_empty() {
        errors.push((Field::Kind, "题型不能为空".to_owned()));
    }

    let cells: Vec<&str> = (0..MAX_OPTIONS).map(|i| cell(Field::Option(i))).collect();
    let filled = cells.iter().rposition(|c| !c.is_empty());
    let first_option = Field::Option(cells.iter().position(|c| !c.is_empty()).unwrap_or(0));
    let options = filled.map(|last| cells[..=last].iter().map(|c| c.to_string()).collect());

    let answer = cell(Field::Answer);
    let answer = if kind == "true_false" {
        match answer.to_lowercase().as_str() {
            "正确" | "对" | "是" | "true" | "t" | "√" | "✓" => "true".to_owned(),
            "错误" | "错" | "否" | "false" | "f" | "×" | "✗" => "false".to_owned(),
            _ => answer.to_owned(),
        }
    } else {
        let mut letters: Vec<char> = answer
            .chars()
            .filter(|c| !c.is_whitespace() && !",，、;；/".contains(*c))
            .map(|c| match c {
                'ａ'..='ｚ' | 'Ａ'..='Ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .map(|c| c.to_ascii_uppercase())
            .collect();
        letters.sort_unstable();
        letters.into_iter().collect()
    };

    let retired = match cell(Field::Status).to_lowercase().as_str() {
        "" | "启用" | "active" => false,
        "停用" | "retired" => true,
        other => {
            errors.push((
                Field::Status,
                format!("状态须为 启用 或 停用，不是「{other}」"),
            ));
            false
        }
    };

    let media_kind = code(
        cell(Field::MediaKind),
        &[("图片", "image"), ("音频", "audio"), ("视频", "video")],
    );
    let media_file = cell(Field::MediaFile);
    let optional = |field: Field| Some(cell(field).to_owned()).filter(|s| !s.is_empty());
    let media = if media_kind.is_empty() {
        let stray = [
            Field::MediaFile,
            Field::MediaAlt,
            Field::MediaCaption,
            Field::MediaDuration,
        ]
        .into_iter()
        .find(|f| !cell(*f).is_empty());
        if let Some(field) = stray {
            errors.push((
                Field::MediaKind,
                format!(
                    "填写了「{}」，但没有填媒体类型（图片、音频、视频）",
                    field.heading()
                ),
            ));
        }
        None
    } else {
        let duration = match cell(Field::MediaDuration) {
            "" => None,
            text => match parse_int(text) {
                Some(d) => Some(d),
                None => {
                    errors.push((
                        Field::MediaDuration,
                        format!("媒体时长须为整数秒，不是「{text}」"),
                    ));
                    None
                }
            },
        };
        Some(RawMedia {
            kind: media_kind,
            file: media_file.to_owned(),
            alt: optional(Field::MediaAlt),
            caption: optional(Field::MediaCaption),
            duration,
        })
    };
    Converted {
        row,
        raw: RawQuestion {
            id: cell(Field::Id).to_owned(),
            version: 1,
            history,
            difficulty,
            kind,
            prompt: cell(Field::Prompt).to_owned(),
            options,
            answer,
            explanation: cell(Field::Explanation).to_owned(),
            source: cell(Field::Source).to_owned(),
            time_limit,
            retired,
            media,
        },
        errors,
        first_option,
    }
}

/// A label or code as the bank's code: Chinese labels by the table,
/// English codes in any case. Anything else is kept for the check to report.
fn code(text: &str, labels: &[(&str, &str)]) -> String {
    labels
        .iter()
        .find(|(label, _)| *label == text)
        .map_or_else(|| text.to_lowercase(), |(_, c)| (*c).to_owned())
}

fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse::<i64>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e12)
            .map(|f| f as i64)
    })
}

fn history_list() -> &'static str {
    "党史、新中国史、改革开放史、社会主义发展史"
}

fn media_kind_zh(kind: MediaKind) -> &'static str {
    super::template::media_kind_zh(kind)
}

/// A broken rule as the row report says it.
fn reason_zh(rule: &Rule, raw: &RawQuestion, bundle: bool) -> String {
    let letter = |i: usize| (b'A' + i as u8) as char;
    match rule {
        Rule::Id if raw.id.is_empty() => "题号不能为空".to_owned(),
        Rule::Id => format!(
            "题号「{}」不合格式：须为 1–40 个小写英文字母、数字或连字符（-）",
            raw.id
        ),
        Rule::Version => "版本须从 1 开始".to_owned(),
        Rule::History(h) => format!("类别「{h}」不是 {} 之一", history_list()),
        Rule::Difficulty(d) => format!("难度 {d} 超出 1–5"),
        Rule::Kind(k) => format!("题型「{k}」不是 单选、多选、判断 之一"),
        Rule::Empty(Field::Prompt) => "题干不能为空".to_owned(),
        Rule::Empty(Field::Explanation) => "解析不能为空".to_owned(),
        Rule::Empty(_) => "出处不能为空".to_owned(),
        Rule::TimeLimit(t) => format!("时限 {t} 秒超出 5–120 秒"),
        Rule::TrueFalseOptions => "判断题不填选项（玩家看到的是 正确 / 错误）".to_owned(),
        Rule::TrueFalseAnswer(a) if a.is_empty() => "答案不能为空".to_owned(),
        Rule::TrueFalseAnswer(a) => format!("判断题的答案须为 正确 或 错误，不是「{a}」"),
        Rule::NoOptions => "单选题和多选题须填 2–6 个选项".to_owned(),
        Rule::OptionCount(n) => format!("只有 {n} 个选项；单选题和多选题须填 2–6 个"),
        Rule::EmptyOption(i) => format!("选项{} 为空，但后面还有选项", letter(*i)),
        Rule::SameOptions(i, j) => format!("选项{} 与选项{} 相同", letter(*j), letter(*i)),
        Rule::AnswerLetter { letter: l, options } if l.is_ascii_uppercase() => {
            let _ = options;
            format!("字母 {l} 没有对应的选项")
        }
        Rule::AnswerLetter { letter: l, options } => format!(
            "「{l}」不是选项字母（可用 A–{}）",
            letter(options.saturating_sub(1))
        ),
        Rule::RepeatedLetter(l) => format!("字母 {l} 重复"),
        Rule::EmptyAnswer => "答案不能为空".to_owned(),
        Rule::SingleLetters(n) => format!("单选题只能有一个答案，这里有 {n} 个"),
        Rule::MultipleLetters => "多选题至少要有两个答案".to_owned(),
        Rule::MediaKind(k) => format!("媒体类型「{k}」不是 图片、音频、视频 之一"),
        Rule::MediaFileName(f) if f.is_empty() => "媒体文件不能为空".to_owned(),
        Rule::MediaFileName(f) => {
            format!("媒体文件名「{f}」只能含英文字母、数字、-、_ 和 .，且不能以 . 开头")
        }
        Rule::MediaExtension { file, kind } => format!(
            "{file} 不是{}文件（可用 {}）",
            media_kind_zh(*kind),
            media_extensions(*kind).join("、")
        ),
        Rule::MediaTooBig { file, bytes, max } => format!(
            "媒体文件 {file} 有 {} KB，超过 {} KB 的上限",
            bytes.div_ceil(1024),
            max / 1024
        ),
        Rule::MediaMissing { file, .. } if bundle => {
            format!("压缩包里没有媒体文件 {file}，题库 media/ 中也没有")
        }
        Rule::MediaMissing { file, .. } => {
            format!("题库 media/ 中没有媒体文件 {file}；请把表格和媒体文件一起打包成 zip 导入")
        }
        Rule::MediaAlt => "图片和视频须填写媒体说明（供读屏软件朗读）".to_owned(),
        Rule::MediaDuration => "音频和视频须填写媒体时长（秒）".to_owned(),
        Rule::DurationNotPositive(d) => format!("媒体时长须为正数，不是 {d}"),
        Rule::DurationTooLong(d) => format!(
            "媒体时长 {d} 秒不短于时限 {} 秒，玩家没有作答时间",
            raw.time_limit
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(cells: &[(Field, &str)]) -> Converted {
        let map: HashMap<Field, String> = cells.iter().map(|(f, v)| (*f, v.to_string())).collect();
        convert(2, &|f| map.get(&f).map_or("", String::as_str))
    }

    #[test]
    fn headings_match_with_full_width_brackets_and_spaces() {
        let headings: Vec<String> = [
            "\u{feff}题号",
            "类别",
            "难度",
            "题型",
            "题干",
            "选项Ａ",
            "选项 B",
            "答案",
            "解析",
            "出处",
            "时限（秒）",
            "备注",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let columns = map_headings(&headings).unwrap();
        assert_eq!(columns[&Field::Id], 0);
        assert_eq!(columns[&Field::Option(0)], 5);
        assert_eq!(columns[&Field::Option(1)], 6);
        assert_eq!(columns[&Field::TimeLimit], 10);
        assert_eq!(columns.len(), 11, "the unknown 备注 is ignored");
        let mut twice = headings.clone();
        twice.push("答案".into());
        assert!(
            matches!(map_headings(&twice), Err(ImportError::Unreadable(m)) if m.contains("答案"))
        );
    }

    #[test]
    fn codes_and_answers_are_normalised() {
        let c = converted(&[
            (Field::History, "Reform"),
            (Field::Kind, "多选题"),
            (Field::Answer, "ｄ、b ,A"),
            (Field::Difficulty, "3.0"),
            (Field::TimeLimit, "30"),
            (Field::Status, "停用"),
        ]);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.raw.history, "reform");
        assert_eq!(c.raw.kind, "multiple");
        assert_eq!(c.raw.answer, "ABD");
        assert_eq!(c.raw.difficulty, 3);
        assert!(c.raw.retired);
        let tf = converted(&[(Field::Kind, "判断"), (Field::Answer, "错")]);
        assert_eq!(tf.raw.answer, "false");
    }

    #[test]
    fn options_stop_at_the_last_filled_column_and_keep_gaps_for_the_check() {
        let c = converted(&[
            (Field::Option(0), "甲"),
            (Field::Option(2), "丙"),
            (Field::Kind, "单选"),
        ]);
        assert_eq!(c.raw.options.as_deref().unwrap(), ["甲", "", "丙"]);
        let none = converted(&[(Field::Kind, "判断")]);
        assert_eq!(none.raw.options, None);
    }

    #[test]
    fn media_columns_without_a_kind_are_a_problem() {
        let c = converted(&[(Field::MediaFile, "map.png")]);
        assert_eq!(c.errors.last().unwrap().0, Field::MediaKind);
        assert!(c.raw.media.is_none());
        let c = converted(&[
            (Field::MediaKind, "视频"),
            (Field::MediaFile, "a.mp4"),
            (Field::MediaDuration, "十秒"),
        ]);
        let media = c.raw.media.unwrap();
        assert_eq!(media.kind, "video");
        assert_eq!(c.errors.last().unwrap().0, Field::MediaDuration);
    }

    #[test]
    fn spreadsheet_numbers_read_as_whole_numbers() {
        assert_eq!(number_text(20.0), "20");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(parse_int("20"), Some(20));
        assert_eq!(parse_int("20.0"), Some(20));
        assert_eq!(parse_int("2.5"), None);
        assert_eq!(parse_int("二十"), None);
    }
}
