//! Organizer accounts: names and argon2 password hashes.

use async_trait::async_trait;
use serde::Serialize;
use sqlx::Row;

use super::StoreResult;
use super::sql::{PgStore, SqliteStore};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organizer {
    pub id: i64,
    pub name: String,
    pub created_at_ms: i64,
}

#[async_trait]
pub trait OrganizerStore: Send + Sync {
    /// Creates the organizer, or sets a new password for an existing one.
    /// Returns the account and whether it was new.
    async fn put_organizer(
        &self,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> StoreResult<(Organizer, bool)>;
    /// The account and its password hash, by name.
    async fn organizer_by_name(&self, name: &str) -> StoreResult<Option<(Organizer, String)>>;
    async fn organizer(&self, id: i64) -> StoreResult<Option<Organizer>>;
}

macro_rules! impl_organizer_store {
    ($store:ty) => {
        #[async_trait]
        impl OrganizerStore for $store {
            async fn put_organizer(&self, name: &str, password_hash: &str, now_ms: i64) -> StoreResult<(Organizer, bool)> {
                let existed = self.organizer_by_name(name).await?.is_some();
                let row = sqlx::query(
                    "INSERT INTO organizers (name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                     ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at \
                     RETURNING id, name, created_at",
                )
                .bind(name)
                .bind(password_hash)
                .bind(now_ms)
                .fetch_one(self.pool())
                .await?;
                Ok((
                    Organizer {
                        id: row.try_get("id")?,
                        name: row.try_get("name")?,
                        created_at_ms: row.try_get("created_at")?,
                    },
                    !existed,
                ))
            }

            async fn organizer_by_name(&self, name: &str) -> StoreResult<Option<(Organizer, String)>> {
                let row = sqlx::query("SELECT id, name, created_at, password_hash FROM organizers WHERE name = $1")
                    .bind(name)
                    .fetch_optional(self.pool())
                    .await?;
                row.map(|r| {
                    Ok((
                        Organizer {
                            id: r.try_get("id")?,
                            name: r.try_get("name")?,
                            created_at_ms: r.try_get("created_at")?,
                        },
                        r.try_get("password_hash")?,
                    ))
                })
                .transpose()
            }

            async fn organizer(&self, id: i64) -> StoreResult<Option<Organizer>> {
                let row = sqlx::query("SELECT id, name, created_at FROM organizers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.pool())
                    .await?;
                row.map(|r| {
                    Ok(Organizer {
                        id: r.try_get("id")?,
                        name: r.try_get("name")?,
                        created_at_ms: r.try_get("created_at")?,
                    })
                })
                .transpose()
            }
        }
    };
}

impl_organizer_store!(SqliteStore);
impl_organizer_store!(PgStore);
