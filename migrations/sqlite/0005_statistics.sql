-- Statistics for the organizer console (SQLite flavour; kept in step with
-- the other folder). The writer keeps these running totals with every batch
-- of new answers, so that a statistics page reads a few hundred or thousand
-- rows instead of scanning every answer. Each is backfilled here from the
-- answers already recorded.

-- Per member: what the per-member and per-district tables show.
CREATE TABLE member_totals (
    member_id       BIGINT PRIMARY KEY,
    answers         BIGINT NOT NULL,
    correct         BIGINT NOT NULL,
    points          BIGINT NOT NULL,
    answer_ms_total BIGINT NOT NULL,
    last_at         BIGINT NOT NULL
);
INSERT INTO member_totals (member_id, answers, correct, points, answer_ms_total, last_at)
SELECT member_id, COUNT(*), SUM(correct), SUM(points), SUM(answer_ms), MAX(answered_at)
FROM answers GROUP BY member_id;

-- Per Beijing day (days since 1970-01-01 in UTC+8) and history.
CREATE TABLE daily_totals (
    day             BIGINT NOT NULL,
    history         TEXT   NOT NULL,
    answers         BIGINT NOT NULL,
    correct         BIGINT NOT NULL,
    points          BIGINT NOT NULL,
    answer_ms_total BIGINT NOT NULL,
    PRIMARY KEY (day, history)
);
INSERT INTO daily_totals (day, history, answers, correct, points, answer_ms_total)
SELECT (answered_at + 28800000) / 86400000, history, COUNT(*), SUM(correct), SUM(points), SUM(answer_ms)
FROM answers GROUP BY (answered_at + 28800000) / 86400000, history;

-- Who played on which day: participants per day.
CREATE TABLE daily_members (
    day       BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    PRIMARY KEY (day, member_id)
);
INSERT INTO daily_members (day, member_id)
SELECT DISTINCT (answered_at + 28800000) / 86400000, member_id FROM answers;

-- How often each option set was chosen per question; '-' is a timeout.
CREATE TABLE question_choices (
    question_id TEXT   NOT NULL,
    choice      TEXT   NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (question_id, choice)
);
INSERT INTO question_choices (question_id, choice, n)
SELECT question_id, COALESCE(choice, '-'), COUNT(*) FROM answers GROUP BY question_id, COALESCE(choice, '-');

-- The discrimination index (upper 27 % of members by accuracy against the
-- lower 27 %) is computed from all answers now and then, not per batch:
-- members move between groups as they play.
ALTER TABLE question_stats ADD COLUMN upper_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE question_stats ADD COLUMN upper_correct  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE question_stats ADD COLUMN lower_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE question_stats ADD COLUMN lower_correct  BIGINT NOT NULL DEFAULT 0;
ALTER TABLE question_stats ADD COLUMN groups_at      BIGINT NOT NULL DEFAULT 0;

-- Medians read answer times in order within one question.
DROP INDEX answers_question;
CREATE INDEX answers_question_time ON answers (question_id, answer_ms);
