//! The 争上游 ladder's storage: seasons, each member's tier and stars per
//! season (past seasons kept), and the hidden rating across seasons. Race
//! results arrive with `WriteOp::MatchFinished` and are applied once, in
//! the batch's transaction (see `write_ladder_results!`).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use sqlx::{QueryBuilder, Row};

use super::sql::{ID_LIST_CHUNK, PgStore, SqliteStore, push_id_list};
use super::{DuelRating, LadderRank, LadderSeason, MatchEnd, MatchPlayerResult, StoreResult};

#[async_trait]
pub trait LadderStore: Send + Sync {
    async fn create_season(
        &self,
        starts_at_ms: i64,
        ends_at_ms: i64,
        now_ms: i64,
    ) -> StoreResult<LadderSeason>;
    /// Every season, the earliest first.
    async fn seasons(&self) -> StoreResult<Vec<LadderSeason>>;
    async fn ladder_rank(&self, season_id: i64, member_id: i64) -> StoreResult<Option<LadderRank>>;
    /// A member's standing in the latest season before `season_id` they
    /// raced in (for the soft reset).
    async fn previous_ladder_rank(
        &self,
        season_id: i64,
        member_id: i64,
    ) -> StoreResult<Option<LadderRank>>;
    /// Everyone ranked in a season, for the season boards.
    async fn ladder_ranks(&self, season_id: i64) -> StoreResult<Vec<LadderRank>>;
    /// The hidden rating (games counts races; wins, losses, draws are 0).
    async fn ladder_rating(&self, member_id: i64) -> StoreResult<Option<DuelRating>>;
    /// For each of `member_ids` who ever raced up to `season_id`: their
    /// standing in `season_id` if they have one, else in the latest season
    /// before it (what [`Self::ladder_rank`] and then
    /// [`Self::previous_ladder_rank`] give one member).
    async fn latest_ladder_ranks(
        &self,
        season_id: i64,
        member_ids: &[i64],
    ) -> StoreResult<HashMap<i64, LadderRank>>;
    /// [`Self::ladder_rating`] for each of `member_ids` who has one.
    async fn ladder_ratings_of(&self, member_ids: &[i64]) -> StoreResult<HashMap<i64, DuelRating>>;
}

fn ladder_rating_from_row<R: Row>(r: &R) -> StoreResult<DuelRating>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(DuelRating {
        rating: r.try_get("rating")?,
        deviation: r.try_get("deviation")?,
        volatility: r.try_get("volatility")?,
        games: r.try_get("races")?,
        wins: 0,
        losses: 0,
        draws: 0,
        updated_at_ms: r.try_get("updated_at")?,
    })
}

fn rank_from_row<R: Row>(r: &R) -> StoreResult<LadderRank>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LadderRank {
        season_id: r.try_get("season_id")?,
        member_id: r.try_get("member_id")?,
        tier: r.try_get("tier")?,
        stars: r.try_get("stars")?,
        races: r.try_get("races")?,
        firsts: r.try_get("firsts")?,
        updated_at_ms: r.try_get("updated_at")?,
    })
}

fn season_from_row<R: Row>(r: &R) -> StoreResult<LadderSeason>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LadderSeason {
        id: r.try_get("id")?,
        starts_at_ms: r.try_get("starts_at")?,
        ends_at_ms: r.try_get("ends_at")?,
        created_at_ms: r.try_get("created_at")?,
    })
}

const RANK_COLUMNS: &str = "season_id, member_id, tier, stars, races, firsts, updated_at";

macro_rules! impl_ladder_store {
    ($store:ty) => {
        #[async_trait]
        impl LadderStore for $store {
            async fn create_season(&self, starts_at_ms: i64, ends_at_ms: i64, now_ms: i64) -> StoreResult<LadderSeason> {
                let r = sqlx::query(
                    "INSERT INTO ladder_seasons (starts_at, ends_at, created_at) VALUES ($1, $2, $3) \
                     RETURNING id, starts_at, ends_at, created_at",
                )
                .bind(starts_at_ms)
                .bind(ends_at_ms)
                .bind(now_ms)
                .fetch_one(self.pool())
                .await?;
                season_from_row(&r)
            }

            async fn seasons(&self) -> StoreResult<Vec<LadderSeason>> {
                let rows = sqlx::query("SELECT id, starts_at, ends_at, created_at FROM ladder_seasons ORDER BY starts_at, id")
                    .fetch_all(self.pool())
                    .await?;
                rows.iter().map(season_from_row).collect()
            }

            async fn ladder_rank(&self, season_id: i64, member_id: i64) -> StoreResult<Option<LadderRank>> {
                let row = sqlx::query(&format!(
                    "SELECT {RANK_COLUMNS} FROM ladder_ranks WHERE season_id = $1 AND member_id = $2"
                ))
                .bind(season_id)
                .bind(member_id)
                .fetch_optional(self.pool())
                .await?;
                row.map(|r| rank_from_row(&r)).transpose()
            }

            async fn previous_ladder_rank(&self, season_id: i64, member_id: i64) -> StoreResult<Option<LadderRank>> {
                let row = sqlx::query(&format!(
                    "SELECT {RANK_COLUMNS} FROM ladder_ranks WHERE member_id = $2 AND season_id < $1 \
                     ORDER BY season_id DESC LIMIT 1"
                ))
                .bind(season_id)
                .bind(member_id)
                .fetch_optional(self.pool())
                .await?;
                row.map(|r| rank_from_row(&r)).transpose()
            }

            async fn ladder_ranks(&self, season_id: i64) -> StoreResult<Vec<LadderRank>> {
                let rows = sqlx::query(&format!(
                    "SELECT {RANK_COLUMNS} FROM ladder_ranks WHERE season_id = $1 ORDER BY member_id"
                ))
                .bind(season_id)
                .fetch_all(self.pool())
                .await?;
                rows.iter().map(rank_from_row).collect()
            }

            async fn ladder_rating(&self, member_id: i64) -> StoreResult<Option<DuelRating>> {
                let row = sqlx::query(
                    "SELECT rating, deviation, volatility, races, updated_at FROM ladder_ratings WHERE member_id = $1",
                )
                .bind(member_id)
                .fetch_optional(self.pool())
                .await?;
                row.map(|r| ladder_rating_from_row(&r)).transpose()
            }

            async fn latest_ladder_ranks(&self, season_id: i64, member_ids: &[i64]) -> StoreResult<HashMap<i64, LadderRank>> {
                let mut latest: HashMap<i64, LadderRank> = HashMap::with_capacity(member_ids.len());
                for chunk in member_ids.chunks(ID_LIST_CHUNK) {
                    // Every season a member raced in up to this one: a few
                    // rows each; the newest wins.
                    let mut q = QueryBuilder::new(format!("SELECT {RANK_COLUMNS} FROM ladder_ranks WHERE season_id <= "));
                    q.push_bind(season_id);
                    q.push(" AND member_id IN ");
                    push_id_list(&mut q, chunk);
                    for r in q.build().fetch_all(self.pool()).await? {
                        let rank = rank_from_row(&r)?;
                        match latest.get(&rank.member_id) {
                            Some(newer) if newer.season_id >= rank.season_id => {}
                            _ => {
                                latest.insert(rank.member_id, rank);
                            }
                        }
                    }
                }
                Ok(latest)
            }

            async fn ladder_ratings_of(&self, member_ids: &[i64]) -> StoreResult<HashMap<i64, DuelRating>> {
                let mut found = HashMap::with_capacity(member_ids.len());
                for chunk in member_ids.chunks(ID_LIST_CHUNK) {
                    let mut q = QueryBuilder::new(
                        "SELECT member_id, rating, deviation, volatility, races, updated_at FROM ladder_ratings WHERE member_id IN ",
                    );
                    push_id_list(&mut q, chunk);
                    for r in q.build().fetch_all(self.pool()).await? {
                        found.insert(r.try_get("member_id")?, ladder_rating_from_row(&r)?);
                    }
                }
                Ok(found)
            }
        }
    };
}

impl_ladder_store!(SqliteStore);
impl_ladder_store!(PgStore);

/// One member's season rank after a batch: the latest race's tier and
/// stars, the batch's races and first places added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RankUpdate {
    pub season_id: i64,
    pub member_id: i64,
    pub tier: String,
    pub stars: i64,
    pub races: i64,
    pub firsts: i64,
    pub updated_at: i64,
}

/// One member's hidden rating after a batch: the latest race's.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RatingUpdate {
    pub member_id: i64,
    pub rating: f64,
    pub deviation: f64,
    pub volatility: f64,
    pub races: i64,
    pub updated_at: i64,
}

/// Folds a batch's newly finished ladder results into one row per member
/// (PostgreSQL refuses to upsert a row twice in one statement).
pub(super) fn fold_ladder(
    newly: &[(&MatchEnd, &MatchPlayerResult)],
) -> (Vec<RankUpdate>, Vec<RatingUpdate>) {
    let mut ranks: BTreeMap<(i64, i64), RankUpdate> = BTreeMap::new();
    let mut ratings: BTreeMap<i64, RatingUpdate> = BTreeMap::new();
    for (m, p) in newly.iter().filter(|(m, _)| m.mode == "ladder") {
        let Some(member_id) = p.member_id else {
            continue;
        };
        let at = m.finished_at_ms;
        if let Some(change) = &p.ladder {
            let r = ranks
                .entry((change.season_id, member_id))
                .or_insert_with(|| RankUpdate {
                    season_id: change.season_id,
                    member_id,
                    tier: change.tier_after.clone(),
                    stars: change.stars_after,
                    races: 0,
                    firsts: 0,
                    updated_at: i64::MIN,
                });
            r.races += 1;
            r.firsts += i64::from(p.place == 1);
            if at >= r.updated_at {
                r.tier = change.tier_after.clone();
                r.stars = change.stars_after;
                r.updated_at = at;
            }
        }
        if p.rated {
            let r = ratings.entry(member_id).or_insert(RatingUpdate {
                member_id,
                rating: p.rating_after,
                deviation: p.deviation_after,
                volatility: p.volatility_after,
                races: 0,
                updated_at: i64::MIN,
            });
            r.races += 1;
            if at >= r.updated_at {
                r.rating = p.rating_after;
                r.deviation = p.deviation_after;
                r.volatility = p.volatility_after;
                r.updated_at = at;
            }
        }
    }
    (
        ranks.into_values().collect(),
        ratings.into_values().collect(),
    )
}

/// Applies newly finished ladder results (`$newly`: `&[(&MatchEnd,
/// &MatchPlayerResult)]` whose rows were not finished before) inside
/// transaction `$tx`: each member's season rank (the latest race's wins,
/// counts add up, also against rows already stored) and hidden rating.
macro_rules! write_ladder_results {
    ($tx:expr, $db:ty, $newly:expr, $rows:expr) => {{
        let (ranks, ratings) = $crate::store::ladder::fold_ladder($newly);
        for chunk in ranks.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO ladder_ranks (season_id, member_id, tier, stars, races, firsts, updated_at) ",
            );
            q.push_values(chunk, |mut row, r| {
                row.push_bind(r.season_id)
                    .push_bind(r.member_id)
                    .push_bind(r.tier.as_str())
                    .push_bind(r.stars)
                    .push_bind(r.races)
                    .push_bind(r.firsts)
                    .push_bind(r.updated_at);
            });
            q.push(
                " ON CONFLICT (season_id, member_id) DO UPDATE SET \
                 tier = CASE WHEN excluded.updated_at >= ladder_ranks.updated_at THEN excluded.tier ELSE ladder_ranks.tier END, \
                 stars = CASE WHEN excluded.updated_at >= ladder_ranks.updated_at THEN excluded.stars ELSE ladder_ranks.stars END, \
                 updated_at = CASE WHEN excluded.updated_at >= ladder_ranks.updated_at THEN excluded.updated_at ELSE ladder_ranks.updated_at END, \
                 races = ladder_ranks.races + excluded.races, firsts = ladder_ranks.firsts + excluded.firsts",
            );
            q.build().execute(&mut *$tx).await?;
        }
        for chunk in ratings.chunks($rows) {
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO ladder_ratings (member_id, rating, deviation, volatility, races, updated_at) ",
            );
            q.push_values(chunk, |mut row, r| {
                row.push_bind(r.member_id)
                    .push_bind(r.rating)
                    .push_bind(r.deviation)
                    .push_bind(r.volatility)
                    .push_bind(r.races)
                    .push_bind(r.updated_at);
            });
            q.push(
                " ON CONFLICT (member_id) DO UPDATE SET \
                 rating = CASE WHEN excluded.updated_at >= ladder_ratings.updated_at THEN excluded.rating ELSE ladder_ratings.rating END, \
                 deviation = CASE WHEN excluded.updated_at >= ladder_ratings.updated_at THEN excluded.deviation ELSE ladder_ratings.deviation END, \
                 volatility = CASE WHEN excluded.updated_at >= ladder_ratings.updated_at THEN excluded.volatility ELSE ladder_ratings.volatility END, \
                 updated_at = CASE WHEN excluded.updated_at >= ladder_ratings.updated_at THEN excluded.updated_at ELSE ladder_ratings.updated_at END, \
                 races = ladder_ratings.races + excluded.races",
            );
            q.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(super) use write_ladder_results;
