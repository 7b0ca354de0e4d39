-- dati schema, SQLite flavour. Kept in step with migrations/postgres: the same
-- tables, columns and keys, so the store runs the same SQL text on both.
-- Times are epoch milliseconds (BIGINT) and flags are 0/1 integers because
-- neither timestamps nor booleans read back the same way on both backends.

-- A member is a guest (nickname + district) or, later, a member linked from
-- the union's app. Nicknames are not unique: two 小王 may well play.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    nickname    TEXT    NOT NULL,
    district    TEXT    NOT NULL,
    -- Practice rating (lichess-puzzle style); questions carry one too.
    rating      REAL    NOT NULL DEFAULT 1500,
    created_at  BIGINT  NOT NULL
);

-- One practice, challenge or review set. The id is minted by the server (time
-- ordered) so that a set can start while the database is slow or away.
CREATE TABLE practice_sessions (
    id          BIGINT  PRIMARY KEY,
    member_id   BIGINT  NOT NULL REFERENCES members (id),
    mode        TEXT    NOT NULL,
    history     TEXT,               -- NULL: mixed histories
    difficulty  BIGINT,             -- NULL: any difficulty
    relaxed     BIGINT  NOT NULL,
    planned     BIGINT  NOT NULL,   -- questions in the set (challenge: the most it can last)
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT,
    answered    BIGINT,
    correct     BIGINT,
    points      BIGINT,
    best_streak BIGINT,
    revive_used BIGINT,
    completed   BIGINT
);
CREATE INDEX practice_sessions_member ON practice_sessions (member_id, started_at);

-- Every answer, of every mode. The key makes the write-behind queue's batch
-- inserts idempotent: a retried batch cannot count an answer twice.
-- session_id names a practice session here and a match in the PK modes.
CREATE TABLE answers (
    session_id       BIGINT NOT NULL,
    question_id      TEXT   NOT NULL,
    member_id        BIGINT NOT NULL REFERENCES members (id),
    question_version BIGINT NOT NULL,
    history          TEXT   NOT NULL,
    mode             TEXT   NOT NULL,
    choice           TEXT,            -- canonical option letters; NULL when time ran out
    correct          BIGINT NOT NULL,
    answer_ms        BIGINT NOT NULL, -- server-measured
    points           BIGINT NOT NULL,
    answered_at      BIGINT NOT NULL,
    PRIMARY KEY (session_id, question_id, member_id)
);
CREATE INDEX answers_member_time ON answers (member_id, answered_at);
CREATE INDEX answers_time ON answers (answered_at);
CREATE INDEX answers_question ON answers (question_id);

-- The wrong-answer notebook (错题本), one row per member and missed question,
-- on a Leitner schedule (see src/domain/notebook.rs).
CREATE TABLE notebook (
    member_id     BIGINT NOT NULL REFERENCES members (id),
    question_id   TEXT   NOT NULL,
    wrong_count   BIGINT NOT NULL,
    box_level     BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    last_wrong_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, question_id)
);

-- Each question's practice rating, learned from the answers it gets.
CREATE TABLE question_stats (
    question_id TEXT   PRIMARY KEY,
    rating      REAL   NOT NULL,
    attempts    BIGINT NOT NULL,
    correct     BIGINT NOT NULL
);
