//! What district battles left in SQL, read back: each member's counted
//! battles today (the daily cap survives a restart) and the tallies a
//! competition's standings are ranked from.

use async_trait::async_trait;
use sqlx::Row;

use super::StoreResult;
use super::sql::{ID_LIST_CHUNK, PgStore, SqliteStore};

/// One district's battles in a competition, summed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistrictBattles {
    pub district: String,
    pub battles: i64,
    pub wins: i64,
    pub draws: i64,
    pub losses: i64,
    pub competition_points: i64,
    /// Different members who played for it.
    pub participants: i64,
    /// Questions its players faced (timeouts included) and got right.
    pub answers: i64,
    pub correct: i64,
    /// Points its players scored.
    pub points_scored: i64,
    /// When its last battle ended.
    pub last_at_ms: i64,
}

/// One member's battles for their district in a competition.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberBattles {
    pub member_id: i64,
    pub district: String,
    pub battles: i64,
    /// Points from counted battles.
    pub points: i64,
    pub correct: i64,
    /// When their last battle ended.
    pub last_at_ms: i64,
}

#[async_trait]
pub trait BattleStore: Send + Sync {
    /// Counted battles the member finished in the competition since
    /// `since_ms`.
    async fn counted_battles_since(
        &self,
        competition_id: i64,
        member_id: i64,
        since_ms: i64,
    ) -> StoreResult<i64>;
    async fn district_battles(&self, competition_id: i64) -> StoreResult<Vec<DistrictBattles>>;
    async fn member_battles(&self, competition_id: i64) -> StoreResult<Vec<MemberBattles>>;
    /// [`BattleStore::member_battles`] of these members only.
    async fn member_battles_among(
        &self,
        competition_id: i64,
        member_ids: &[i64],
    ) -> StoreResult<Vec<MemberBattles>>;
}

/// Players of a competition's battles, each with their side's district.
const PLAYERS: &str = "FROM match_players p \
     JOIN battle_sides s ON s.match_id = p.match_id AND s.team = p.team \
     JOIN matches m ON m.id = p.match_id \
     WHERE s.competition_id = $1 AND p.member_id IS NOT NULL AND p.result IS NOT NULL";

/// Each member's battles per district they played for, `GROUP BY` to come.
const MEMBER_BATTLES: &str = "SELECT p.member_id AS member_id, s.district AS district, CAST(COUNT(*) AS BIGINT) AS battles, \
     CAST(SUM(CASE WHEN p.counted = 1 THEN p.points ELSE 0 END) AS BIGINT) AS points, \
     CAST(SUM(p.correct) AS BIGINT) AS correct, CAST(MAX(s.finished_at) AS BIGINT) AS last_at \
     FROM match_players p \
     JOIN battle_sides s ON s.match_id = p.match_id AND s.team = p.team \
     JOIN matches m ON m.id = p.match_id \
     WHERE s.competition_id = $1 AND p.member_id IS NOT NULL AND p.result IS NOT NULL";

fn member_battles_from_row<R: Row>(r: &R) -> StoreResult<MemberBattles>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(MemberBattles {
        member_id: r.try_get("member_id")?,
        district: r.try_get("district")?,
        battles: r.try_get("battles")?,
        points: r.try_get("points")?,
        correct: r.try_get("correct")?,
        last_at_ms: r.try_get("last_at")?,
    })
}

macro_rules! impl_battle_store {
    ($store:ty) => {
        #[async_trait]
        impl BattleStore for $store {
            async fn counted_battles_since(&self, competition_id: i64, member_id: i64, since_ms: i64) -> StoreResult<i64> {
                let row = sqlx::query(&format!(
                    "SELECT COUNT(*) AS n {PLAYERS} AND p.member_id = $2 AND p.counted = 1 AND s.finished_at >= $3"
                ))
                .bind(competition_id)
                .bind(member_id)
                .bind(since_ms)
                .fetch_one(self.pool())
                .await?;
                Ok(row.try_get("n")?)
            }

            async fn district_battles(&self, competition_id: i64) -> StoreResult<Vec<DistrictBattles>> {
                let sides = sqlx::query(
                    "SELECT district, CAST(COUNT(*) AS BIGINT) AS battles, \
                     CAST(SUM(CASE WHEN result = 'win' THEN 1 ELSE 0 END) AS BIGINT) AS wins, \
                     CAST(SUM(CASE WHEN result = 'draw' THEN 1 ELSE 0 END) AS BIGINT) AS draws, \
                     CAST(SUM(CASE WHEN result = 'loss' THEN 1 ELSE 0 END) AS BIGINT) AS losses, \
                     CAST(SUM(competition_points) AS BIGINT) AS competition_points, \
                     CAST(MAX(finished_at) AS BIGINT) AS last_at \
                     FROM battle_sides WHERE competition_id = $1 GROUP BY district ORDER BY district",
                )
                .bind(competition_id)
                .fetch_all(self.pool())
                .await?;
                let players = sqlx::query(&format!(
                    "SELECT s.district AS district, CAST(COUNT(DISTINCT p.member_id) AS BIGINT) AS participants, \
                     CAST(SUM(m.question_count) AS BIGINT) AS answers, CAST(SUM(p.correct) AS BIGINT) AS correct, \
                     CAST(SUM(p.points) AS BIGINT) AS points_scored {PLAYERS} GROUP BY s.district"
                ))
                .bind(competition_id)
                .fetch_all(self.pool())
                .await?;
                let mut out = Vec::new();
                for r in &sides {
                    let district: String = r.try_get("district")?;
                    let mut d = DistrictBattles {
                        battles: r.try_get("battles")?,
                        wins: r.try_get("wins")?,
                        draws: r.try_get("draws")?,
                        losses: r.try_get("losses")?,
                        competition_points: r.try_get("competition_points")?,
                        last_at_ms: r.try_get("last_at")?,
                        district: district.clone(),
                        ..DistrictBattles::default()
                    };
                    for p in &players {
                        if p.try_get::<String, _>("district")? == district {
                            d.participants = p.try_get("participants")?;
                            d.answers = p.try_get("answers")?;
                            d.correct = p.try_get("correct")?;
                            d.points_scored = p.try_get("points_scored")?;
                        }
                    }
                    out.push(d);
                }
                Ok(out)
            }

            async fn member_battles(&self, competition_id: i64) -> StoreResult<Vec<MemberBattles>> {
                let rows = sqlx::query(&format!("{MEMBER_BATTLES} GROUP BY p.member_id, s.district"))
                    .bind(competition_id)
                    .fetch_all(self.pool())
                    .await?;
                rows.iter().map(member_battles_from_row).collect()
            }

            async fn member_battles_among(&self, competition_id: i64, member_ids: &[i64]) -> StoreResult<Vec<MemberBattles>> {
                let mut out = Vec::new();
                for chunk in member_ids.chunks(ID_LIST_CHUNK) {
                    // The competition is `$1`; the members follow.
                    let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                    let sql = format!(
                        "{MEMBER_BATTLES} AND p.member_id IN ({}) GROUP BY p.member_id, s.district",
                        list.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(competition_id);
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    for r in query.fetch_all(self.pool()).await? {
                        out.push(member_battles_from_row(&r)?);
                    }
                }
                Ok(out)
            }
        }
    };
}

impl_battle_store!(SqliteStore);
impl_battle_store!(PgStore);
