//! `dati bank export`: the whole bank in the template's columns, as XLSX,
//! CSV, or a ZIP bundle (the XLSX plus every media file it names) that
//! `dati bank import` takes back as it is.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use super::Bank;
use super::template::{question_row, write_csv, write_xlsx};

/// The file an export writes, chosen by the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
    /// `questions.xlsx` and `media/…` in one archive.
    Zip,
}

impl ExportFormat {
    pub fn from_path(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            "zip" => Some(ExportFormat::Zip),
            _ => None,
        }
    }
}

/// The name of the spreadsheet inside an exported bundle.
pub const BUNDLE_SHEET: &str = "questions.xlsx";

/// Every question of the bank in file order; retired ones (状态 停用) only
/// with `include_retired`.
pub fn export(bank: &Bank, include_retired: bool, format: ExportFormat) -> anyhow::Result<Vec<u8>> {
    let questions: Vec<_> = bank
        .all_questions()
        .iter()
        .filter(|q| include_retired || !bank.is_retired(&q.id))
        .collect();
    let rows: Vec<_> = questions
        .iter()
        .map(|q| question_row(q, bank.is_retired(&q.id)))
        .collect();
    match format {
        ExportFormat::Csv => Ok(write_csv(&rows)),
        ExportFormat::Xlsx => Ok(write_xlsx(&rows)?),
        ExportFormat::Zip => {
            let sheet = write_xlsx(&rows)?;
            let media: BTreeSet<&str> = questions
                .iter()
                .filter_map(|q| q.media.as_ref().map(|m| m.file.as_str()))
                .collect();
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            // XLSX and media are compressed already.
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            zip.start_file(BUNDLE_SHEET, stored)?;
            zip.write_all(&sheet)?;
            for file in media {
                let bytes = std::fs::read(bank.media_dir().join(file))
                    .map_err(|e| anyhow::anyhow!("cannot read media file {file}: {e}"))?;
                zip.start_file(format!("media/{file}"), stored)?;
                zip.write_all(&bytes)?;
            }
            Ok(zip.finish()?.into_inner())
        }
    }
}
