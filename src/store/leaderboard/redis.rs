//! The Redis leaderboard: one sorted set per board and period bucket.
//!
//! # Keys
//!
//! Under a prefix (default [`DEFAULT_PREFIX`], `dati:`):
//!
//! - `dati:lb:overall:all_time`, `dati:lb:overall:day:20413` (days since
//!   1970-01-01, Beijing time), `dati:lb:overall:week:2916` (weeks, Monday
//!   first): the sorted set of one bucket;
//! - `dati:lb:ladder:season:3`, `dati:lb:ladder_gold:season:3`: a ladder
//!   board's bucket of one 争上游 season (by the season's id);
//! - `dati:lb:competition_districts:competition:7` and
//!   `dati:lb:competition_members:competition:7:district:2`: a district
//!   competition's boards (by its id and the district's index in its list);
//! - the same key with `:ids` appended: a hash from member id to that
//!   member's entry in the sorted set, so that an update or "around me" can
//!   find it;
//! - `dati:lb:built`: set when the boards were last rebuilt from SQL. If it
//!   is missing, Redis has lost the boards (restarted without persistence,
//!   flushed): updates are refused with [`LeaderboardError::Lost`] rather
//!   than applied to empty boards, and the caller rebuilds.
//!
//! Day keys expire 8 days after their day ends, week keys 15 days after their
//! week ends (never sooner than an hour after their last write); all-time,
//! season and competition keys do not expire (past seasons and
//! competitions are kept).
//!
//! # Order
//!
//! A board ranks by score (descending), then by the time the score was
//! reached (earlier first), then by member id (lower first): the order of
//! [`super::MemoryLeaderboard`]. In Redis:
//!
//! - the sorted-set **score is the points, exactly**. Points are integers
//!   and an f64 holds every integer up to 2^53 (9·10^15) exactly, so
//!   ZINCRBY never rounds below that; no board comes near it.
//! - the **tie-break is in the member string**, which Redis compares
//!   byte-wise when scores are equal: `TTTTTTTTTTTTT:IIIIIIIIIIIIIIIIIIII`,
//!   13 digits of `9999999999999 − reached_at_ms` and 20 digits of
//!   `u64::MAX − (member_id as u64 ^ 2^63)` (an order-preserving map of i64
//!   onto u64, inverted). ZREVRANGE returns equal scores in descending byte
//!   order, so the earliest time, then the lowest id, comes first.
//!   Times are exact to the millisecond up to 9999999999999 ms (the year
//!   2286); earlier than 1970 or later than that is clamped.
//!
//! Packing the time into the score instead, as `points × 2^k + (2^k − 1 −
//! t)`, cannot be exact: millisecond times over a decade need 39 of the 53
//! bits, which would leave 14 (16,384 points) for the score.
//!
//! Updates run in a Lua script: adding points keeps a standing's time
//! unless the score changes, and then moves it to the later of the two,
//! exactly like the in-process board; a removal finds the member's entry
//! through the id hash and deletes it from both. A batch of up to
//! [`OPS_PER_SCRIPT`] operations is one script call, applied atomically; a
//! larger one is several, a few per round trip, so that reads (on a
//! connection of their own) are not held up behind one long script. Such
//! a batch is not atomic, so its failures are `MaybeApplied`, which makes
//! the boards rebuild from SQL.

use std::collections::HashMap;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, RedisError, Script, Value};
use async_trait::async_trait;

use super::{
    Board, Leaderboard, LeaderboardError, Period, PeriodKey, ScoreEvent, Standing, Update,
};

pub const DEFAULT_PREFIX: &str = "dati:";

/// The latest reached time the member encoding holds, in epoch ms.
const TIME_MAX: i64 = 9_999_999_999_999;
const TIME_DIGITS: usize = 13;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a day's and a week's keys outlive their period.
const KEEP_DAY: i64 = 8 * DAY_MS;
const KEEP_WEEK: i64 = 15 * DAY_MS;
/// A bucket written after its keep time (a late replay) lives this long.
const MIN_TTL_MS: i64 = 60 * 60 * 1000;
/// Operations per apply script: Redis runs a script to its end before it
/// serves anyone else, and a whole 500-answer batch (1,500 bucket
/// updates) held top-10 reads up for several milliseconds.
const OPS_PER_SCRIPT: usize = 40;
/// Scripts sent together in one round trip.
const SCRIPTS_PER_TRIP: usize = 4;
/// Members per ZADD/HSET in a rebuild.
const REPLACE_CHUNK: usize = 1000;

/// Applies a batch of adds, sets and removals. KEYS[1] is the "built"
/// marker, then a sorted set and its id hash per bucket. ARGV: the bucket
/// count, each bucket's expiry (unix seconds, 0 for none), then five per
/// operation: bucket (1-based), 'a' (add), 's' (set) or 'r' (remove),
/// member id, points, and the member string for the event's own time (a
/// removal ignores the last two). Returns 0, applying nothing, when the
/// marker is missing.
const APPLY_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local nb = tonumber(ARGV[1])
local i = nb + 2
while i <= #ARGV do
  local b = tonumber(ARGV[i])
  local z, h = KEYS[2 * b], KEYS[2 * b + 1]
  local op, id, pts, m = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local set = op == 's'
  i = i + 5
  local cur = redis.call('HGET', h, id)
  local old = cur and op ~= 'r' and redis.call('ZSCORE', z, cur)
  if op == 'r' then
    if cur then
      redis.call('ZREM', z, cur)
      redis.call('HDEL', h, id)
    end
  elseif not old then
    redis.call('ZADD', z, pts, m)
    redis.call('HSET', h, id, m)
  elseif (set and tonumber(pts) ~= tonumber(old)) or (not set and tonumber(pts) ~= 0) then
    -- The score changes, so the time moves to the later of the two: the
    -- member string with the smaller inverted time.
    local keep = cur
    if tonumber(string.sub(m, 1, 13)) < tonumber(string.sub(cur, 1, 13)) then keep = m end
    if keep ~= cur then
      redis.call('ZREM', z, cur)
      redis.call('HSET', h, id, keep)
    end
    if set then
      redis.call('ZADD', z, pts, keep)
    else
      redis.call('ZADD', z, old, keep)
      redis.call('ZINCRBY', z, pts, keep)
    end
  end
end
for b = 1, nb do
  local at = tonumber(ARGV[b + 1])
  if at > 0 then
    redis.call('EXPIREAT', KEYS[2 * b], at)
    redis.call('EXPIREAT', KEYS[2 * b + 1], at)
  end
end
return 1
";

/// A member's rank (0-based) and the standings `radius` either side, read
/// atomically. KEYS: the sorted set and its id hash; ARGV: member id,
/// radius. Returns {} when the member is not on the board.
const AROUND_LUA: &str = r"
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return {} end
local rank = redis.call('ZREVRANK', KEYS[1], cur)
if not rank then return {} end
local r = tonumber(ARGV[2])
local first = math.max(0, rank - r)
return {first, redis.call('ZREVRANGE', KEYS[1], first, rank + r, 'WITHSCORES')}
";

/// The sorted-set member for a standing: see the module docs.
pub(crate) fn encode_member(member_id: i64, reached_at_ms: i64) -> String {
    let time = TIME_MAX - reached_at_ms.clamp(0, TIME_MAX);
    let id = u64::MAX - ((member_id as u64) ^ (1 << 63));
    format!("{time:013}:{id:020}")
}

/// The member id and reached time back from [`encode_member`].
pub(crate) fn decode_member(s: &str) -> Option<(i64, i64)> {
    let (time, id) = s.split_once(':')?;
    if time.len() != TIME_DIGITS || id.len() != 20 {
        return None;
    }
    let time: i64 = time.parse().ok()?;
    let id: u64 = id.parse().ok()?;
    Some((((u64::MAX - id) ^ (1 << 63)) as i64, TIME_MAX - time))
}

/// The sorted set of a bucket under `prefix`: see the module docs.
fn bucket_key(prefix: &str, board: Board, key: PeriodKey) -> String {
    let board = board.as_str();
    match key {
        PeriodKey::AllTime => format!("{prefix}lb:{board}:all_time"),
        PeriodKey::Day(d) => format!("{prefix}lb:{board}:day:{d}"),
        PeriodKey::Week(w) => format!("{prefix}lb:{board}:week:{w}"),
        PeriodKey::Season(id) => format!("{prefix}lb:{board}:season:{id}"),
        PeriodKey::Competition(id) => format!("{prefix}lb:{board}:competition:{id}"),
        PeriodKey::CompetitionDistrict(id, district) => {
            format!("{prefix}lb:{board}:competition:{id}:district:{district}")
        }
    }
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// When a bucket's keys expire, in unix seconds; none for all time.
fn expire_at(key: PeriodKey, now_ms: i64) -> Option<i64> {
    let keep = match key {
        PeriodKey::AllTime
        | PeriodKey::Season(_)
        | PeriodKey::Competition(_)
        | PeriodKey::CompetitionDistrict(..) => return None,
        PeriodKey::Day(_) => KEEP_DAY,
        PeriodKey::Week(_) => KEEP_WEEK,
    };
    let at = (key.end_ms()? + keep).max(now_ms + MIN_TTL_MS);
    Some(at.div_euclid(1000) + 1)
}

/// Sorts a Redis failure into what a caller can do about it.
fn classify(e: RedisError) -> LeaderboardError {
    if e.is_connection_refusal() {
        // Nothing reached Redis.
        LeaderboardError::Unavailable(e.to_string())
    } else {
        LeaderboardError::MaybeApplied(e.to_string())
    }
}

fn bad_reply(what: &str) -> LeaderboardError {
    LeaderboardError::MaybeApplied(format!("unexpected reply from Redis: {what}"))
}

pub struct RedisLeaderboard {
    conn: ConnectionManager,
    /// Reads go on a connection of their own: replies on one connection
    /// come back in order, so a read sent behind a batch's scripts would
    /// wait for all of them.
    reads: ConnectionManager,
    prefix: String,
    apply_script: Script,
    around_script: Script,
}

impl RedisLeaderboard {
    /// Connects to `url` (`redis://host:port/db`), keeping keys under
    /// `prefix`. Fails if Redis cannot be reached now; afterwards the
    /// connection is re-established by itself after an outage.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisLeaderboard, LeaderboardError> {
        let client = Client::open(url).map_err(|e| LeaderboardError::Unavailable(e.to_string()))?;
        // Fail fast while Redis is away: the caller keeps the update and a
        // background task retries, so there is no point waiting here.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client.clone(), config.clone())
            .await
            .map_err(|e| LeaderboardError::Unavailable(e.to_string()))?;
        let reads = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| LeaderboardError::Unavailable(e.to_string()))?;
        let board = RedisLeaderboard {
            conn,
            reads,
            prefix: prefix.to_owned(),
            apply_script: Script::new(APPLY_LUA),
            around_script: Script::new(AROUND_LUA),
        };
        board.load_scripts().await?;
        Ok(board)
    }

    /// Loads the apply script into Redis's script cache, so that batches
    /// can be pipelined as EVALSHA calls.
    async fn load_scripts(&self) -> Result<(), LeaderboardError> {
        let _: String = self
            .apply_script
            .prepare_invoke()
            .load_async(&mut self.conn.clone())
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// The keys and arguments of one call of the apply script over the
    /// buckets `used` (1-based indexes into `order`, ascending); `ops` name
    /// their bucket by its place in `used`.
    fn apply_call(
        &self,
        order: &[(Board, PeriodKey)],
        used: &[usize],
        ops: &[(usize, &'static str, i64, i64, String)],
        now: i64,
    ) -> (Vec<String>, Vec<String>) {
        let mut keys = Vec::with_capacity(1 + 2 * used.len());
        keys.push(self.built_key());
        for &b in used {
            let (board, key) = order[b - 1];
            keys.push(self.bucket_key(board, key));
            keys.push(self.ids_key(board, key));
        }
        let mut args = Vec::with_capacity(1 + used.len() + 5 * ops.len());
        args.push(used.len().to_string());
        for &b in used {
            args.push(expire_at(order[b - 1].1, now).unwrap_or(0).to_string());
        }
        for (b, mode, id, points, member) in ops {
            args.extend([
                b.to_string(),
                (*mode).to_owned(),
                id.to_string(),
                points.to_string(),
                member.clone(),
            ]);
        }
        (keys, args)
    }

    /// The sorted set of a bucket.
    pub fn bucket_key(&self, board: Board, key: PeriodKey) -> String {
        bucket_key(&self.prefix, board, key)
    }

    fn ids_key(&self, board: Board, key: PeriodKey) -> String {
        self.bucket_key(board, key) + ":ids"
    }

    fn built_key(&self) -> String {
        format!("{}lb:built", self.prefix)
    }

    /// Deletes every key under the prefix (tests; a clean slate). Returns
    /// how many there were.
    pub async fn delete_all(&self) -> Result<u64, LeaderboardError> {
        let pattern: String = self
            .prefix
            .chars()
            .flat_map(|c| {
                let escape = matches!(c, '*' | '?' | '[' | ']' | '\\');
                escape.then_some('\\').into_iter().chain([c])
            })
            .chain(['*'])
            .collect();
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(classify)?;
            if !keys.is_empty() {
                let n: u64 = ::redis::cmd("DEL")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(classify)?;
                deleted += n;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    fn standings(
        first: u64,
        entries: Vec<(String, f64)>,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        entries
            .into_iter()
            .enumerate()
            .map(|(i, (member, score))| {
                let (member_id, reached_at_ms) =
                    decode_member(&member).ok_or_else(|| bad_reply("a malformed board entry"))?;
                Ok(Standing {
                    rank: first + i as u64 + 1,
                    member_id,
                    score: score as i64,
                    reached_at_ms,
                })
            })
            .collect()
    }
}

#[async_trait]
impl Leaderboard for RedisLeaderboard {
    async fn apply(&self, updates: &[Update]) -> Result<(), LeaderboardError> {
        let now = wall_ms();
        let mut buckets: HashMap<(Board, PeriodKey), usize> = HashMap::new();
        let mut order: Vec<(Board, PeriodKey)> = Vec::new();
        let mut ops: Vec<(usize, &'static str, i64, i64, String)> = Vec::new();
        let mut bucket = |board: Board, key: PeriodKey| {
            *buckets.entry((board, key)).or_insert_with(|| {
                order.push((board, key));
                order.len()
            })
        };
        for update in updates {
            match update {
                Update::Add(board, events) => {
                    for e in events {
                        for period in Period::ALL {
                            let b = bucket(*board, period.key(e.at_ms));
                            ops.push((
                                b,
                                "a",
                                e.member_id,
                                e.points,
                                encode_member(e.member_id, e.at_ms),
                            ));
                        }
                    }
                }
                Update::Set(board, key, events) => {
                    for e in events {
                        let b = bucket(*board, *key);
                        ops.push((
                            b,
                            "s",
                            e.member_id,
                            e.points,
                            encode_member(e.member_id, e.at_ms),
                        ));
                    }
                }
                Update::Remove(board, key, member_ids) => {
                    for id in member_ids {
                        let b = bucket(*board, *key);
                        ops.push((b, "r", *id, 0, String::new()));
                    }
                }
                Update::Credit(board, key, events) => {
                    for e in events {
                        let b = bucket(*board, *key);
                        ops.push((
                            b,
                            "a",
                            e.member_id,
                            e.points,
                            encode_member(e.member_id, e.at_ms),
                        ));
                    }
                }
            }
        }
        if ops.is_empty() {
            return Ok(());
        }
        if ops.len() <= OPS_PER_SCRIPT {
            let all: Vec<usize> = (1..=order.len()).collect();
            let (keys, args) = self.apply_call(&order, &all, &ops, now);
            let mut call = self.apply_script.prepare_invoke();
            call.key(keys).arg(args);
            let applied: i64 = call
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(classify)?;
            return match applied {
                1 => Ok(()),
                _ => Err(LeaderboardError::Lost),
            };
        }
        // A large batch goes as several short scripts, a few per round
        // trip: Redis reads a client's pipeline some 16 KiB at a time and
        // runs all of it before it serves anyone else, so a whole batch in
        // one pipeline kept top-10 reads waiting for milliseconds. The
        // batch is no longer applied all or nothing, so a failure after the
        // first round trip is `MaybeApplied`, which rebuilds.
        for (trip, group) in ops.chunks(OPS_PER_SCRIPT * SCRIPTS_PER_TRIP).enumerate() {
            let mut pipe = ::redis::pipe();
            for chunk in group.chunks(OPS_PER_SCRIPT) {
                let mut used: Vec<usize> = chunk.iter().map(|op| op.0).collect();
                used.sort_unstable();
                used.dedup();
                let local: Vec<_> = chunk
                    .iter()
                    .map(|(b, mode, id, points, member)| {
                        let at = used.binary_search(b).expect("a used bucket") + 1;
                        (at, *mode, *id, *points, member.clone())
                    })
                    .collect();
                let (keys, args) = self.apply_call(&order, &used, &local, now);
                pipe.cmd("EVALSHA")
                    .arg(self.apply_script.get_hash())
                    .arg(keys.len())
                    .arg(keys)
                    .arg(args);
            }
            let applied: Vec<i64> = match pipe.query_async(&mut self.conn.clone()).await {
                Ok(applied) => applied,
                Err(e)
                    if e.kind()
                        == ::redis::ErrorKind::Server(::redis::ServerErrorKind::NoScript) =>
                {
                    // Redis lost its script cache, so it restarted or was
                    // flushed: load the script again and rebuild the boards.
                    self.load_scripts().await?;
                    return Err(LeaderboardError::MaybeApplied(e.to_string()));
                }
                Err(e) if trip == 0 => return Err(classify(e)),
                Err(e) => return Err(LeaderboardError::MaybeApplied(e.to_string())),
            };
            if applied.iter().any(|a| *a != 1) {
                return Err(LeaderboardError::Lost);
            }
        }
        Ok(())
    }

    async fn add(&self, board: Board, events: &[ScoreEvent]) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Add(board, events.to_vec())]).await
    }

    async fn set(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Set(board, key, events.to_vec())])
            .await
    }

    async fn remove(
        &self,
        board: Board,
        key: PeriodKey,
        member_ids: &[i64],
    ) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Remove(board, key, member_ids.to_vec())])
            .await
    }

    async fn credit(
        &self,
        board: Board,
        key: PeriodKey,
        events: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        self.apply(&[Update::Credit(board, key, events.to_vec())])
            .await
    }

    async fn replace(
        &self,
        board: Board,
        key: PeriodKey,
        rows: &[ScoreEvent],
    ) -> Result<(), LeaderboardError> {
        // Fold the rows as the in-process board does (one row per member is
        // what a rebuild gives, but the semantics are those of `add`).
        let mut standings: HashMap<i64, (i64, i64)> = HashMap::with_capacity(rows.len());
        for r in rows {
            let (score, reached) = standings.entry(r.member_id).or_insert((0, r.at_ms));
            if r.points != 0 {
                *score += r.points;
                *reached = r.at_ms.max(*reached);
            }
        }
        let (zset, ids) = (self.bucket_key(board, key), self.ids_key(board, key));
        let entries: Vec<(i64, i64, String)> = standings
            .into_iter()
            .map(|(id, (score, reached))| (id, score, encode_member(id, reached)))
            .collect();
        // One transaction: readers see the old bucket or the new one.
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        pipe.del(&[&zset, &ids]).ignore();
        for chunk in entries.chunks(REPLACE_CHUNK) {
            let zadd = pipe.cmd("ZADD").arg(&zset);
            for (_, score, member) in chunk {
                zadd.arg(score).arg(member);
            }
            zadd.ignore();
            let hset = pipe.cmd("HSET").arg(&ids);
            for (id, _, member) in chunk {
                hset.arg(id).arg(member);
            }
            hset.ignore();
        }
        if let Some(at) = expire_at(key, wall_ms())
            && !entries.is_empty()
        {
            pipe.cmd("EXPIREAT").arg(&zset).arg(at).ignore();
            pipe.cmd("EXPIREAT").arg(&ids).arg(at).ignore();
        }
        pipe.exec_async(&mut self.conn.clone())
            .await
            .map_err(classify)
    }

    async fn top(
        &self,
        board: Board,
        key: PeriodKey,
        limit: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let entries: Vec<(String, f64)> = ::redis::cmd("ZREVRANGE")
            .arg(self.bucket_key(board, key))
            .arg(0)
            .arg(limit - 1)
            .arg("WITHSCORES")
            .query_async(&mut self.reads.clone())
            .await
            .map_err(classify)?;
        Self::standings(0, entries)
    }

    async fn around(
        &self,
        board: Board,
        key: PeriodKey,
        member_id: i64,
        radius: usize,
    ) -> Result<Vec<Standing>, LeaderboardError> {
        let reply: Value = self
            .around_script
            .key(self.bucket_key(board, key))
            .key(self.ids_key(board, key))
            .arg(member_id)
            .arg(radius)
            .invoke_async(&mut self.reads.clone())
            .await
            .map_err(classify)?;
        let Value::Array(mut parts) = reply else {
            return Err(bad_reply("around is not an array"));
        };
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        if parts.len() != 2 {
            return Err(bad_reply("around has the wrong length"));
        }
        let range = parts.pop().expect("two parts");
        let first = parts.pop().expect("two parts");
        let first: u64 = ::redis::from_redis_value(first).map_err(|e| bad_reply(&e.to_string()))?;
        let entries: Vec<(String, f64)> =
            ::redis::from_redis_value(range).map_err(|e| bad_reply(&e.to_string()))?;
        Self::standings(first, entries)
    }

    async fn len(&self, board: Board, key: PeriodKey) -> Result<u64, LeaderboardError> {
        ::redis::cmd("ZCARD")
            .arg(self.bucket_key(board, key))
            .query_async(&mut self.reads.clone())
            .await
            .map_err(classify)
    }

    async fn ping(&self) -> Result<(), LeaderboardError> {
        ::redis::cmd("PING")
            .exec_async(&mut self.conn.clone())
            .await
            .map_err(classify)
    }

    async fn mark_rebuilt(&self) -> Result<(), LeaderboardError> {
        ::redis::cmd("SET")
            .arg(self.built_key())
            .arg(wall_ms())
            .exec_async(&mut self.conn.clone())
            .await
            .map_err(classify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn members_round_trip() {
        for id in [0, 1, 42, -7, i64::MIN, i64::MAX, 1 << 53] {
            for at in [0, 1, 1_795_968_000_020, TIME_MAX] {
                let s = encode_member(id, at);
                assert_eq!(s.len(), 34, "{s}");
                assert_eq!(decode_member(&s), Some((id, at)));
            }
        }
        // Out of range times are clamped, not wrapped.
        assert_eq!(decode_member(&encode_member(5, -10)), Some((5, 0)));
        assert_eq!(
            decode_member(&encode_member(5, i64::MAX)),
            Some((5, TIME_MAX))
        );
        assert_eq!(decode_member("garbage"), None);
        assert_eq!(decode_member("1:2"), None);
    }

    #[test]
    fn the_inverted_time_leads_the_member_string() {
        // The Lua script compares the first 13 characters as a number.
        let s = encode_member(3, 1_795_968_000_000);
        assert_eq!(&s[..13], (TIME_MAX - 1_795_968_000_000).to_string());
    }

    #[test]
    fn expiry_follows_the_period() {
        let monday = 1_795_968_000_000;
        let day = Period::Day.key(monday);
        let week = Period::Week.key(monday);
        assert_eq!(expire_at(PeriodKey::AllTime, monday), None);
        assert_eq!(
            expire_at(day, monday),
            Some((monday + DAY_MS + KEEP_DAY) / 1000 + 1)
        );
        assert_eq!(
            expire_at(week, monday),
            Some((monday + 7 * DAY_MS + KEEP_WEEK) / 1000 + 1)
        );
        // A day long gone still lives an hour after a late write.
        let later = monday + 100 * DAY_MS;
        assert_eq!(expire_at(day, later), Some((later + MIN_TTL_MS) / 1000 + 1));
        // Seasons are kept for good, however old.
        assert_eq!(expire_at(PeriodKey::Season(1), monday), None);
        assert_eq!(expire_at(PeriodKey::Season(1), later), None);
    }

    #[test]
    fn a_season_bucket_has_its_own_key() {
        use crate::domain::ladder::Tier;
        assert_eq!(
            bucket_key("p:", Board::Ladder, PeriodKey::Season(3)),
            "p:lb:ladder:season:3"
        );
        assert_eq!(
            bucket_key(
                "p:",
                Board::LadderTier(Tier::Diamond),
                PeriodKey::Season(12)
            ),
            "p:lb:ladder_diamond:season:12"
        );
        // Other boards and periods keep their keys.
        assert_eq!(
            bucket_key("dati:", Board::Overall, PeriodKey::AllTime),
            "dati:lb:overall:all_time"
        );
        assert_eq!(
            bucket_key("dati:", Board::DuelRating, PeriodKey::Day(20413)),
            "dati:lb:duel_rating:day:20413"
        );
        assert_eq!(
            bucket_key("dati:", Board::Solo, PeriodKey::Week(2916)),
            "dati:lb:solo:week:2916"
        );
    }

    proptest! {
        /// Redis's order (score descending, then member bytes descending) is
        /// the in-process board's (score descending, earliest, lowest id).
        #[test]
        fn redis_order_is_the_board_order(
            a in (-1000i64..1000, 0i64..3_000_000_000_000, -50i64..50),
            b in (-1000i64..1000, 0i64..3_000_000_000_000, -50i64..50),
            same_score in any::<bool>(),
            same_time in any::<bool>(),
        ) {
            let (sa, ta, ia) = a;
            let (mut sb, mut tb, ib) = b;
            if same_score { sb = sa; }
            if same_time { tb = ta; }
            let board = |s: i64, t: i64, i: i64| (std::cmp::Reverse(s), t, i);
            let redis = |s: i64, t: i64, i: i64| {
                (std::cmp::Reverse(s as f64 as i64), std::cmp::Reverse(encode_member(i, t)))
            };
            prop_assert_eq!(
                board(sa, ta, ia).cmp(&board(sb, tb, ib)),
                redis(sa, ta, ia).cmp(&redis(sb, tb, ib))
            );
        }

        #[test]
        fn any_member_round_trips(id in any::<i64>(), at in 0..=TIME_MAX) {
            prop_assert_eq!(decode_member(&encode_member(id, at)), Some((id, at)));
        }

        /// Scores are exact in an f64 up to 2^53.
        #[test]
        fn scores_are_exact(points in -(1i64 << 53)..=(1i64 << 53)) {
            prop_assert_eq!(points as f64 as i64, points);
        }
    }
}
