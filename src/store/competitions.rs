//! District competitions as organizers keep them: rules and state stored as
//! JSON (the domain's types), saved with a version check.

use async_trait::async_trait;
use sqlx::Row;

use super::sql::{PgStore, SqliteStore};
use super::{StoreError, StoreResult};
use crate::domain::district::{Competition, CompetitionRules, CompetitionState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCompetition {
    pub id: i64,
    pub competition: Competition,
    /// Grows by one with every save.
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[async_trait]
pub trait CompetitionStore: Send + Sync {
    async fn create_competition(
        &self,
        competition: &Competition,
        now_ms: i64,
    ) -> StoreResult<StoredCompetition>;
    /// Replaces the competition if it is still at `version`; `None` if it
    /// was saved by someone else meanwhile (or does not exist).
    async fn save_competition(
        &self,
        id: i64,
        competition: &Competition,
        version: i64,
        now_ms: i64,
    ) -> StoreResult<Option<StoredCompetition>>;
    async fn competition(&self, id: i64) -> StoreResult<Option<StoredCompetition>>;
    /// Every competition, the latest start first.
    async fn competitions(&self) -> StoreResult<Vec<StoredCompetition>>;
}

fn encode(c: &Competition) -> (String, String) {
    (
        serde_json::to_string(&c.rules).expect("rules serialize"),
        serde_json::to_string(&c.state).expect("state serializes"),
    )
}

fn decode_err(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("stored competition {what}: {e}").into(),
    ))
}

fn competition_from_row<R: Row>(r: &R) -> StoreResult<StoredCompetition>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let rules: String = r.try_get("rules")?;
    let state: String = r.try_get("state")?;
    let rules: CompetitionRules =
        serde_json::from_str(&rules).map_err(|e| decode_err("rules", e))?;
    let state: CompetitionState =
        serde_json::from_str(&state).map_err(|e| decode_err("state", e))?;
    Ok(StoredCompetition {
        id: r.try_get("id")?,
        competition: Competition { rules, state },
        version: r.try_get("version")?,
        created_at_ms: r.try_get("created_at")?,
        updated_at_ms: r.try_get("updated_at")?,
    })
}

const COLUMNS: &str = "id, rules, state, version, created_at, updated_at";

macro_rules! impl_competition_store {
    ($store:ty) => {
        #[async_trait]
        impl CompetitionStore for $store {
            async fn create_competition(&self, competition: &Competition, now_ms: i64) -> StoreResult<StoredCompetition> {
                let (rules, state) = encode(competition);
                let row = sqlx::query(&format!(
                    "INSERT INTO competitions (title, rules, state, starts_at, ends_at, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING {COLUMNS}"
                ))
                .bind(&competition.rules.title)
                .bind(rules)
                .bind(state)
                .bind(competition.rules.starts_at_ms)
                .bind(competition.rules.ends_at_ms)
                .bind(now_ms)
                .fetch_one(self.pool())
                .await?;
                competition_from_row(&row)
            }

            async fn save_competition(&self, id: i64, competition: &Competition, version: i64, now_ms: i64) -> StoreResult<Option<StoredCompetition>> {
                let (rules, state) = encode(competition);
                let row = sqlx::query(&format!(
                    "UPDATE competitions SET title = $3, rules = $4, state = $5, starts_at = $6, ends_at = $7, \
                     version = version + 1, updated_at = $8 WHERE id = $1 AND version = $2 RETURNING {COLUMNS}"
                ))
                .bind(id)
                .bind(version)
                .bind(&competition.rules.title)
                .bind(rules)
                .bind(state)
                .bind(competition.rules.starts_at_ms)
                .bind(competition.rules.ends_at_ms)
                .bind(now_ms)
                .fetch_optional(self.pool())
                .await?;
                row.map(|r| competition_from_row(&r)).transpose()
            }

            async fn competition(&self, id: i64) -> StoreResult<Option<StoredCompetition>> {
                let row = sqlx::query(&format!("SELECT {COLUMNS} FROM competitions WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(self.pool())
                    .await?;
                row.map(|r| competition_from_row(&r)).transpose()
            }

            async fn competitions(&self) -> StoreResult<Vec<StoredCompetition>> {
                let rows = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM competitions ORDER BY starts_at DESC, id DESC"
                ))
                .fetch_all(self.pool())
                .await?;
                rows.iter().map(competition_from_row).collect()
            }
        }
    };
}

impl_competition_store!(SqliteStore);
impl_competition_store!(PgStore);
