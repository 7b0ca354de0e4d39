-- The 争上游 ladder (SQLite flavour; kept in step with the other folder):
-- seasons set by organizers, each member's tier and stars per season (past
-- seasons are kept), and the hidden rating that pairs races, across seasons.

CREATE TABLE ladder_seasons (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ladder_seasons_time ON ladder_seasons (starts_at);

-- A member's standing in one season. Written with each race's end, once
-- (see match_players.result), the latest race's rank winning.
CREATE TABLE ladder_ranks (
    season_id  BIGINT NOT NULL,
    member_id  BIGINT NOT NULL,
    tier       TEXT   NOT NULL,   -- bronze | silver | gold | platinum | diamond | king
    stars      BIGINT NOT NULL,
    races      BIGINT NOT NULL,
    firsts     BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (season_id, member_id)
);
CREATE INDEX ladder_ranks_member ON ladder_ranks (member_id, season_id);

-- The hidden Glicko-2 rating that pairs ladder races.
CREATE TABLE ladder_ratings (
    member_id  BIGINT PRIMARY KEY,
    rating     REAL NOT NULL,
    deviation  REAL NOT NULL,
    volatility REAL NOT NULL,
    races      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A race's rank change per player, kept with the race.
ALTER TABLE match_players ADD COLUMN season_id    BIGINT;
ALTER TABLE match_players ADD COLUMN tier_before  TEXT;
ALTER TABLE match_players ADD COLUMN stars_before BIGINT;
ALTER TABLE match_players ADD COLUMN tier_after   TEXT;
ALTER TABLE match_players ADD COLUMN stars_after  BIGINT;
