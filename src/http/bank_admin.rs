//! The question-bank import under `/api/admin/bank` (docs/protocol.md §7,
//! "Importing questions"): the template and the bank as spreadsheets, and
//! the import of an organizer's CSV, XLSX or ZIP bundle. The import itself
//! lives in `bank::import`; this file moves bytes and swaps the new bank in.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::admin::CurrentOrganizer;
use super::error::ApiError;
use crate::bank::Bank;
use crate::bank::export::{self, ExportFormat};
use crate::bank::import::{self, ImportError, ImportOptions, ImportReport, MAX_IMPORT_BYTES};
use crate::bank::template;
use crate::server::App;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/bank/template.xlsx", get(template_xlsx))
        .route("/bank/template.csv", get(template_csv))
        .route("/bank/export.xlsx", get(export_xlsx))
        .route("/bank/export.csv", get(export_csv))
        .route(
            "/bank/import",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

fn download(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

fn failed(e: impl std::fmt::Display) -> ApiError {
    tracing::error!("bank spreadsheet failed: {e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "export_failed",
        "生成表格失败",
    )
}

async fn template_xlsx(_: CurrentOrganizer) -> Result<Response, ApiError> {
    let bytes = template::template_xlsx().map_err(failed)?;
    Ok(download(XLSX, "dati-import-template.xlsx", bytes))
}

async fn template_csv(_: CurrentOrganizer) -> Response {
    download(CSV, "dati-import-template.csv", template::template_csv())
}

#[derive(Debug, Deserialize, Default)]
struct ExportQuery {
    #[serde(default)]
    include_retired: bool,
}

async fn export_as(
    app: &App,
    q: Result<Query<ExportQuery>, QueryRejection>,
    format: ExportFormat,
) -> Result<Vec<u8>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("查询参数不正确：{e}")))?;
    let bank = app.bank.current();
    tokio::task::spawn_blocking(move || export::export(&bank, q.include_retired, format))
        .await
        .map_err(failed)?
        .map_err(failed)
}

async fn export_xlsx(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bytes = export_as(&app, q, ExportFormat::Xlsx).await?;
    Ok(download(XLSX, "dati-bank.xlsx", bytes))
}

async fn export_csv(
    _: CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bytes = export_as(&app, q, ExportFormat::Csv).await?;
    Ok(download(CSV, "dati-bank.csv", bytes))
}

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Mode {
    /// Nothing is written while any row is rejected.
    #[default]
    All,
    /// The valid rows are written; the rejected ones are reported.
    ValidOnly,
}

#[derive(Debug, Deserialize, Default)]
struct ImportQuery {
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/admin/bank/import`: the file is the raw body (CSV, XLSX or
/// ZIP, recognised by its content). Answers the row-by-row report; after a
/// write the bank is reloaded and swapped in, so play uses it at once.
async fn import(
    CurrentOrganizer(organizer): CurrentOrganizer,
    State(app): State<Arc<App>>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    let Query(q) = q.map_err(|_| {
        ApiError::bad_request("查询参数不正确：mode 可选 all、valid_only，dry_run 可选 true、false")
    })?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                format!("文件超过 {} MB；请分批导入", MAX_IMPORT_BYTES / 1024 / 1024),
            )
        } else {
            ApiError::bad_request(format!("无法读取上传的文件：{e}"))
        }
    })?;
    let options = ImportOptions {
        valid_only: q.mode == Mode::ValidOnly,
        dry_run: q.dry_run,
    };
    let dir = app.config.bank_dir.clone();
    let result = tokio::task::spawn_blocking(move || {
        let report = import::import(&dir, &body, &options, &mut |_, _| {})?;
        // Reload in the same blocking task: the files just written must
        // load, and play should not wait for them.
        let bank = if report.changed_files {
            Some(Bank::load(&dir).map_err(ImportError::Bank)?)
        } else {
            None
        };
        Ok::<_, ImportError>((report, bank))
    })
    .await
    .map_err(|e| {
        tracing::error!("bank import task failed: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "import_failed",
            "导入失败",
        )
    })?;
    let (report, bank) = match result {
        Ok(pair) => pair,
        Err(ImportError::Unreadable(message)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_file",
                message,
            ));
        }
        Err(ImportError::Bank(errors)) => {
            tracing::error!("bank import: the bank does not load: {errors}");
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "bank_invalid",
                "服务器上的题库文件有问题，无法导入；请管理员运行 dati bank check",
            ));
        }
        Err(ImportError::Write(message)) => {
            tracing::error!("bank import: cannot write the bank: {message}");
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "import_failed",
                "写入题库失败",
            ));
        }
    };
    if let Some(bank) = bank {
        tracing::info!(
            organizer = organizer.id,
            accepted = report.accepted,
            questions = bank.len(),
            "bank import written; serving the new bank"
        );
        app.bank.replace(bank);
    } else {
        tracing::info!(
            organizer = organizer.id,
            accepted = report.accepted,
            rejected = report.rejected.len(),
            written = report.written,
            dry_run = options.dry_run,
            "bank import checked"
        );
    }
    Ok(Json(report))
}
