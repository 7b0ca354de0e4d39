-- PK matches (双人PK first; later the ladder and the district contest), PostgreSQL
-- flavour. Kept in step with migrations/sqlite, like 0001.
-- No foreign keys from the match tables: a bot has no member row, and the
-- write-behind queue may deliver a match's end before its start.

-- One match. The id is minted by the server, like a practice set's. The
-- result columns stay NULL until the match ends.
CREATE TABLE matches (
    id             BIGINT PRIMARY KEY,
    mode           TEXT   NOT NULL,   -- 'duel' (later 'ladder', 'district')
    relaxed        BIGINT NOT NULL,
    question_count BIGINT NOT NULL,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    outcome        TEXT,              -- 'completed' | 'forfeit' | 'aborted'
    winner_seat    BIGINT             -- NULL: a draw, or no winner
);
CREATE INDEX matches_mode_time ON matches (mode, started_at);

-- The questions a match was played with, in order, at the version played.
CREATE TABLE match_questions (
    match_id         BIGINT NOT NULL,
    seq              BIGINT NOT NULL,
    question_id      TEXT   NOT NULL,
    question_version BIGINT NOT NULL,
    PRIMARY KEY (match_id, seq)
);

-- Who sat where, and, once the match ends, how they did. Exactly one of
-- member_id and bot_name is set. A non-NULL result marks a row whose result
-- (and rating change) has been applied: a replayed end is not applied twice.
CREATE TABLE match_players (
    match_id        BIGINT NOT NULL,
    seat            BIGINT NOT NULL,
    member_id       BIGINT,
    bot_name        TEXT,
    counted         BIGINT NOT NULL,  -- within the daily cap: counts on boards and ratings
    rated           BIGINT NOT NULL,  -- the rating moves (a counted match against a human)
    rating_before   DOUBLE PRECISION   NOT NULL,
    place           BIGINT,
    points          BIGINT,
    correct         BIGINT,
    answer_ms_total BIGINT,
    forfeited       BIGINT,
    result          TEXT,             -- 'win' | 'loss' | 'draw' | 'aborted'
    rating_after    DOUBLE PRECISION,
    PRIMARY KEY (match_id, seat)
);
CREATE INDEX match_players_member ON match_players (member_id, match_id);

-- Each member's duel rating (Glicko-2), one row once they have played a
-- rated duel.
CREATE TABLE duel_ratings (
    member_id  BIGINT PRIMARY KEY,
    rating     DOUBLE PRECISION NOT NULL,
    deviation  DOUBLE PRECISION NOT NULL,
    volatility DOUBLE PRECISION NOT NULL,
    games      BIGINT NOT NULL,
    wins       BIGINT NOT NULL,
    losses     BIGINT NOT NULL,
    draws      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL   -- finished_at of the last rated match
);

-- Bots answer in times drawn from what members take on each question.
ALTER TABLE question_stats ADD COLUMN answer_ms_total BIGINT NOT NULL DEFAULT 0;
