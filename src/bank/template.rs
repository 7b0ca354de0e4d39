//! The spreadsheet form of the bank: the columns organizers fill (Chinese
//! headings, one question per row), the notes sheet that explains them, and
//! writing rows as XLSX or CSV. `dati bank template`, `dati bank export` and
//! the organizer API all write through here; [`super::import`] reads it.

use std::sync::Arc;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, FormatAlign, Workbook, XlsxError,
};

use super::{Field, MediaDir, RawFile, check_question};
use crate::domain::question::{History, MediaKind, Question, QuestionKind};

/// The columns, in the order the template has them.
pub const COLUMNS: [Field; 22] = [
    Field::Id,
    Field::Version,
    Field::History,
    Field::Difficulty,
    Field::Kind,
    Field::Prompt,
    Field::Option(0),
    Field::Option(1),
    Field::Option(2),
    Field::Option(3),
    Field::Option(4),
    Field::Option(5),
    Field::Answer,
    Field::Explanation,
    Field::Source,
    Field::TimeLimit,
    Field::MediaKind,
    Field::MediaFile,
    Field::MediaAlt,
    Field::MediaCaption,
    Field::MediaDuration,
    Field::Status,
];

/// Columns a file must have; the others may be left out.
pub const REQUIRED: [Field; 10] = [
    Field::Id,
    Field::History,
    Field::Difficulty,
    Field::Kind,
    Field::Prompt,
    Field::Option(0),
    Field::Answer,
    Field::Explanation,
    Field::Source,
    Field::TimeLimit,
];

/// The name of the questions sheet; an import reads it, or else the first sheet.
pub const SHEET: &str = "题目";
pub const NOTES_SHEET: &str = "说明";

impl Field {
    /// The column heading in the template.
    pub fn heading(self) -> &'static str {
        const OPTIONS: [&str; 6] = ["选项A", "选项B", "选项C", "选项D", "选项E", "选项F"];
        match self {
            Field::Id => "题号",
            Field::Version => "版本",
            Field::History => "类别",
            Field::Difficulty => "难度",
            Field::Kind => "题型",
            Field::Prompt => "题干",
            Field::Option(i) => OPTIONS[i.min(5)],
            Field::Answer => "答案",
            Field::Explanation => "解析",
            Field::Source => "出处",
            Field::TimeLimit => "时限(秒)",
            Field::MediaKind => "媒体类型",
            Field::MediaFile => "媒体文件",
            Field::MediaAlt => "媒体说明",
            Field::MediaCaption => "媒体标题",
            Field::MediaDuration => "媒体时长(秒)",
            Field::Status => "状态",
        }
    }

    /// What the notes sheet says about the column.
    fn note(self) -> &'static str {
        match self {
            Field::Id => {
                "必填。题目的固定编号：1–40 个小写英文字母、数字或连字符，如 union-2024-001。同一编号再次导入即修改该题；编号一经使用不要改动，统计按编号归档。不能使用题库自带文件（party.toml 等）里已有的编号。"
            }
            Field::Version => {
                "只读，导入时忽略。系统自动维护：新题为 1，内容有任何改动时加 1，内容不变则保持不变。作答记录带有版本，统计始终对应玩家当时看到的题目。"
            }
            Field::History => {
                "必填。党史、新中国史、改革开放史、社会主义发展史 之一（也可写 party、prc、reform、socialism）。"
            }
            Field::Difficulty => "必填。1（容易）到 5（难）的整数。",
            Field::Kind => "必填。单选、多选 或 判断（也可写 single、multiple、true_false）。",
            Field::Prompt => "必填。题目正文。",
            Field::Option(0) => {
                "单选题和多选题填 2–6 个选项，从选项A 起连续填写，中间不要空。判断题不填选项，玩家看到的是“正确 / 错误”。选项会随机打乱顺序，不要写“以上都对”或按字母指代选项。"
            }
            Field::Option(_) => "同上，可空。",
            Field::Answer => {
                "必填。正确选项的字母：单选如 B，多选如 ACD（至少两个）。判断题填 正确 或 错误（也可写 true / false）。"
            }
            Field::Explanation => "必填。为什么这个答案是对的，再补充一点背景。答题后展示给玩家。",
            Field::Source => "必填。可查证的出处：书名、出版社、年份，或官方文件、权威百科条目。",
            Field::TimeLimit => "必填。作答时限，5–120 秒的整数。",
            Field::MediaKind => {
                "可空。图片、音频 或 视频（也可写 image、audio、video）；纯文字题留空。"
            }
            Field::MediaFile => {
                "有媒体时必填。文件名（只含英文字母、数字、-、_、.），如 union-001-map.png。把表格和媒体文件一起打包成 zip 导入；题库 media/ 中已有的文件也可直接引用。图片：svg、png、jpg、webp，不超过 300 KB；音频：mp3、ogg、m4a、wav，不超过 300 KB；视频：mp4、webm，不超过 2 MB。"
            }
            Field::MediaAlt => {
                "图片和视频必填：用文字描述媒体内容，供读屏软件朗读；音频可填朗读原文。"
            }
            Field::MediaCaption => "可空。显示在媒体下方的标题。",
            Field::MediaDuration => "音频和视频必填。媒体长度（秒，整数），须短于作答时限。",
            Field::Status => {
                "可空。启用（默认）或 停用。停用的题目不再出题，但保留编号和统计；改回 启用 即恢复。"
            }
        }
    }
}

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(i64),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    fn as_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A question as a template row, labels in Chinese.
pub(crate) fn question_row(q: &Question, retired: bool) -> Vec<Cell> {
    COLUMNS
        .iter()
        .map(|field| match field {
            Field::Id => Cell::text(&q.id),
            Field::Version => Cell::Number(i64::from(q.version)),
            Field::History => Cell::text(q.history.name_zh()),
            Field::Difficulty => Cell::Number(i64::from(q.difficulty)),
            Field::Kind => Cell::text(kind_zh(q.kind)),
            Field::Prompt => Cell::text(&q.prompt),
            Field::Option(i) => match q.kind {
                QuestionKind::TrueFalse => Cell::Empty,
                _ => q.options.get(*i).map_or(Cell::Empty, Cell::text),
            },
            Field::Answer => match q.kind {
                QuestionKind::TrueFalse if q.answer.contains(0) => Cell::text("正确"),
                QuestionKind::TrueFalse => Cell::text("错误"),
                _ => Cell::text(q.answer.letters()),
            },
            Field::Explanation => Cell::text(&q.explanation),
            Field::Source => Cell::text(&q.source),
            Field::TimeLimit => Cell::Number(q.time_limit.as_secs() as i64),
            Field::MediaKind => q
                .media
                .as_ref()
                .map_or(Cell::Empty, |m| Cell::text(media_kind_zh(m.kind))),
            Field::MediaFile => q
                .media
                .as_ref()
                .map_or(Cell::Empty, |m| Cell::text(&m.file)),
            Field::MediaAlt => q
                .media
                .as_ref()
                .and_then(|m| m.alt.as_ref())
                .map_or(Cell::Empty, Cell::text),
            Field::MediaCaption => q
                .media
                .as_ref()
                .and_then(|m| m.caption.as_ref())
                .map_or(Cell::Empty, Cell::text),
            Field::MediaDuration => q
                .media
                .as_ref()
                .and_then(|m| m.duration)
                .map_or(Cell::Empty, |d| Cell::Number(d.as_secs() as i64)),
            Field::Status => Cell::text(if retired { "停用" } else { "启用" }),
        })
        .collect()
}

pub fn kind_zh(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "单选",
        QuestionKind::Multiple => "多选",
        QuestionKind::TrueFalse => "判断",
    }
}

pub fn media_kind_zh(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "图片",
        MediaKind::Audio => "音频",
        MediaKind::Video => "视频",
    }
}

/// The example row: the first multiple-choice question of the shipped
/// `party.toml`, so the template shows a real question with several answers.
pub fn example_question() -> Arc<Question> {
    const PARTY: &str = include_str!("../../question_bank/party.toml");
    let file: RawFile = toml::from_str(PARTY).expect("the shipped party.toml parses");
    let raw = file
        .question
        .iter()
        .find(|q| q.kind == "multiple")
        .or(file.question.first())
        .expect("party.toml has questions")
        .clone();
    let nowhere = std::path::Path::new("");
    Arc::new(
        check_question(raw, &MediaDir(nowhere)).expect("the shipped example question is valid"),
    )
}

/// The template as XLSX: headings, the example row and the notes sheet.
pub fn template_xlsx() -> Result<Vec<u8>, XlsxError> {
    write_xlsx(&[question_row(&example_question(), false)])
}

/// The template as CSV (UTF-8 with a byte-order mark): headings and the example row.
pub fn template_csv() -> Vec<u8> {
    write_csv(&[question_row(&example_question(), false)])
}

/// Rows under the headings as a workbook: the questions sheet, with
/// drop-down lists for the coded columns, and the notes sheet.
pub(crate) fn write_xlsx(rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET)?;
    let heading = Format::new()
        .set_bold()
        .set_background_color("#FDE9D9")
        .set_align(FormatAlign::Center);
    // Ids, answers and options stay text even when they look like numbers.
    let text = Format::new().set_num_format("@");
    for (c, field) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        let width = match field {
            Field::Prompt | Field::Explanation | Field::MediaAlt => 40.0,
            Field::Source | Field::MediaCaption => 28.0,
            Field::Option(_) | Field::Id | Field::MediaFile => 16.0,
            _ => 10.0,
        };
        sheet.set_column_width(c, width)?;
        if matches!(field, Field::Id | Field::Answer | Field::Option(_)) {
            sheet.set_column_format(c, &text)?;
        }
        sheet.write_string_with_format(0, c, field.heading(), &heading)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Empty => {}
            }
        }
    }
    let last_row = (rows.len() as u32 + 5000).min(1_048_575);
    let histories: Vec<&str> = History::ALL.iter().map(|h| h.name_zh()).collect();
    for (field, choices) in [
        (Field::History, histories),
        (Field::Kind, vec!["单选", "多选", "判断"]),
        (Field::MediaKind, vec!["图片", "音频", "视频"]),
        (Field::Status, vec!["启用", "停用"]),
    ] {
        let c = COLUMNS.iter().position(|f| *f == field).expect("listed") as u16;
        // A warning, not a stop: the English codes are accepted too.
        let list = DataValidation::new()
            .allow_list_strings(&choices)?
            .set_error_style(DataValidationErrorStyle::Warning);
        sheet.add_data_validation(1, c, last_row, c, &list)?;
    }

    let notes = book.add_worksheet();
    notes.set_name(NOTES_SHEET)?;
    let wrap = Format::new().set_text_wrap();
    notes.set_column_width(0, 16.0)?;
    notes.set_column_width(1, 100.0)?;
    notes.write_string_with_format(0, 0, "列", &heading)?;
    notes.write_string_with_format(0, 1, "填写说明", &heading)?;
    for (r, field) in COLUMNS.iter().enumerate() {
        let r = r as u32 + 1;
        notes.write_string(r, 0, field.heading())?;
        notes.write_string_with_format(r, 1, field.note(), &wrap)?;
    }
    let after = COLUMNS.len() as u32 + 2;
    for (i, line) in [
        "每行一道题，第 1 行是列名，不要改动列名。示例行是题库里的真实题目，导入前请删除或改成自己的题目（它的题号已被题库使用，原样导入会被拒绝）。",
        "导入时逐行检查，任何一行有问题都会列出行号、列名和原因；默认只要有一行有问题就什么都不导入，也可以选择只导入检查通过的行。",
        "带图片、音频或视频的题目：把这个表格和媒体文件放进同一个 zip 压缩包后导入。",
        "再次导入同一题号即修改该题（版本自动加 1）；文件里没有的题目保持不变。要让题目不再出现，把状态改为 停用 后导入。",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string_with_format(after + i as u32, 1, *line, &wrap)?;
    }
    book.save_to_buffer()
}

/// Rows under the headings as CSV: UTF-8 with a byte-order mark (so that
/// spreadsheet programs read the Chinese), CRLF line ends.
pub(crate) fn write_csv(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let headings: Vec<&str> = COLUMNS.iter().map(|f| f.heading()).collect();
        writer.write_record(&headings).expect("writing to memory");
        for row in rows {
            writer
                .write_record(row.iter().map(Cell::as_text))
                .expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    }
    out
}
