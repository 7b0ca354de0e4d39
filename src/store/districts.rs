//! Districts as data: the list members pick from, kept by organizers, and
//! members' own district changes (rate-limited by the caller).

use async_trait::async_trait;
use serde::Serialize;
use sqlx::Row;

use super::StoreResult;
use super::sql::{PgStore, SqliteStore};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct District {
    pub name: String,
    /// Display order, ascending.
    pub position: i64,
    /// Kept for its members and history; no new sign-ins or competitions.
    pub retired: bool,
}

/// What an organizer's change to the list can run into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistrictEdit {
    Done(District),
    /// Another district already has the name.
    NameTaken,
    NotFound,
}

#[async_trait]
pub trait DistrictStore: Send + Sync {
    /// Every district, retired ones included, in display order.
    async fn districts(&self) -> StoreResult<Vec<District>>;
    /// Adds a district at the end of the list.
    async fn add_district(&self, name: &str, now_ms: i64) -> StoreResult<DistrictEdit>;
    /// Renames a district, and moves its members to the new name with it.
    async fn rename_district(&self, from: &str, to: &str, now_ms: i64)
    -> StoreResult<DistrictEdit>;
    async fn set_district_retired(
        &self,
        name: &str,
        retired: bool,
        now_ms: i64,
    ) -> StoreResult<DistrictEdit>;
    /// When the member last changed district themself, if ever.
    async fn last_district_change(&self, member_id: i64) -> StoreResult<Option<i64>>;
    /// Moves a member to another district and records the change.
    async fn change_member_district(
        &self,
        member_id: i64,
        from: &str,
        to: &str,
        now_ms: i64,
    ) -> StoreResult<()>;
}

fn district_from_row<R: Row>(r: &R) -> StoreResult<District>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(District {
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        retired: r.try_get::<i64, _>("retired")? != 0,
    })
}

macro_rules! impl_district_store {
    ($store:ty) => {
        #[async_trait]
        impl DistrictStore for $store {
            async fn districts(&self) -> StoreResult<Vec<District>> {
                let rows = sqlx::query("SELECT name, position, retired FROM districts ORDER BY position, name")
                    .fetch_all(self.pool())
                    .await?;
                rows.iter().map(district_from_row).collect()
            }

            async fn add_district(&self, name: &str, now_ms: i64) -> StoreResult<DistrictEdit> {
                // `WHERE 1 = 1`: SQLite reads `ON CONFLICT` after a bare
                // `SELECT … FROM` as a join constraint.
                let row = sqlx::query(
                    "INSERT INTO districts (name, position, retired, updated_at) \
                     SELECT $1, COALESCE(MAX(position), 0) + 1, 0, $2 FROM districts WHERE 1 = 1 \
                     ON CONFLICT (name) DO NOTHING RETURNING name, position, retired",
                )
                .bind(name)
                .bind(now_ms)
                .fetch_optional(self.pool())
                .await?;
                match row {
                    Some(r) => Ok(DistrictEdit::Done(district_from_row(&r)?)),
                    None => Ok(DistrictEdit::NameTaken),
                }
            }

            async fn rename_district(&self, from: &str, to: &str, now_ms: i64) -> StoreResult<DistrictEdit> {
                let mut tx = self.pool().begin().await?;
                let taken = sqlx::query("SELECT 1 AS one FROM districts WHERE name = $1")
                    .bind(to)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if taken {
                    return Ok(DistrictEdit::NameTaken);
                }
                let row = sqlx::query(
                    "UPDATE districts SET name = $2, updated_at = $3 WHERE name = $1 \
                     RETURNING name, position, retired",
                )
                .bind(from)
                .bind(to)
                .bind(now_ms)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Ok(DistrictEdit::NotFound);
                };
                sqlx::query("UPDATE members SET district = $2 WHERE district = $1")
                    .bind(from)
                    .bind(to)
                    .execute(&mut *tx)
                    .await?;
                let district = district_from_row(&row)?;
                tx.commit().await?;
                Ok(DistrictEdit::Done(district))
            }

            async fn set_district_retired(&self, name: &str, retired: bool, now_ms: i64) -> StoreResult<DistrictEdit> {
                let row = sqlx::query(
                    "UPDATE districts SET retired = $2, updated_at = $3 WHERE name = $1 \
                     RETURNING name, position, retired",
                )
                .bind(name)
                .bind(i64::from(retired))
                .bind(now_ms)
                .fetch_optional(self.pool())
                .await?;
                match row {
                    Some(r) => Ok(DistrictEdit::Done(district_from_row(&r)?)),
                    None => Ok(DistrictEdit::NotFound),
                }
            }

            async fn last_district_change(&self, member_id: i64) -> StoreResult<Option<i64>> {
                let row = sqlx::query(
                    "SELECT MAX(changed_at) AS at FROM district_changes WHERE member_id = $1",
                )
                .bind(member_id)
                .fetch_one(self.pool())
                .await?;
                Ok(row.try_get::<Option<i64>, _>("at")?)
            }

            async fn change_member_district(&self, member_id: i64, from: &str, to: &str, now_ms: i64) -> StoreResult<()> {
                let mut tx = self.pool().begin().await?;
                sqlx::query("UPDATE members SET district = $2 WHERE id = $1")
                    .bind(member_id)
                    .bind(to)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO district_changes (member_id, from_district, to_district, changed_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(member_id)
                .bind(from)
                .bind(to)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

impl_district_store!(SqliteStore);
impl_district_store!(PgStore);

/// The district list in memory, for sign-in checks and pickers; reloaded
/// after every organizer change. Until the first load it holds the ten
/// defaults, so a server whose database is slow at start still signs in.
pub struct DistrictList {
    store: std::sync::Arc<dyn DistrictStore>,
    current: arc_swap::ArcSwap<Vec<District>>,
}

impl DistrictList {
    pub fn new(store: std::sync::Arc<dyn DistrictStore>) -> DistrictList {
        let defaults = crate::domain::member::DEFAULT_DISTRICTS
            .iter()
            .enumerate()
            .map(|(i, name)| District {
                name: (*name).to_owned(),
                position: i as i64 + 1,
                retired: false,
            })
            .collect();
        DistrictList {
            store,
            current: arc_swap::ArcSwap::from_pointee(defaults),
        }
    }

    /// Reads the list from the database.
    pub async fn reload(&self) -> StoreResult<()> {
        let districts = self.store.districts().await?;
        self.current.store(std::sync::Arc::new(districts));
        Ok(())
    }

    /// Every district, retired ones included.
    pub fn all(&self) -> std::sync::Arc<Vec<District>> {
        self.current.load_full()
    }

    /// The districts members may join, in display order.
    pub fn active_names(&self) -> Vec<String> {
        self.current
            .load()
            .iter()
            .filter(|d| !d.retired)
            .map(|d| d.name.clone())
            .collect()
    }

    pub fn is_active(&self, name: &str) -> bool {
        self.current
            .load()
            .iter()
            .any(|d| !d.retired && d.name == name)
    }
}
