-- How long each question's answers took, counted in 100 ms steps and kept
-- with the other running totals: the statistics' medians read this
-- instead of an index over every answer, which cost the answer writer a
-- random index page per answer (issue 8, docs/performance.md).
CREATE TABLE question_times (
    question_id TEXT   NOT NULL,
    step        BIGINT NOT NULL,   -- answer_ms / 100
    n           BIGINT NOT NULL,
    PRIMARY KEY (question_id, step)
);
INSERT INTO question_times (question_id, step, n)
SELECT question_id, answer_ms / 100, COUNT(*) FROM answers GROUP BY question_id, answer_ms / 100;
DROP INDEX answers_question_time;
