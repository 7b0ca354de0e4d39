-- The answer writer's hot path (issue 8, docs/performance.md).
--
-- Members are never deleted, and every member id the writer records came
-- from a sign-in, so the foreign keys from answers and notebook rows to
-- members guard nothing here. On PostgreSQL each checked row also takes a
-- share lock on its member's row, which writes to that row: about a third
-- of the time to insert an answer. (SQLite checks them with a plain read,
-- so its schema keeps them.)
ALTER TABLE answers DROP CONSTRAINT IF EXISTS answers_member_id_fkey;
ALTER TABLE notebook DROP CONSTRAINT IF EXISTS notebook_member_id_fkey;

-- Free room on each page for the rows every batch updates, so that an
-- update can stay on its page (a HOT update) and need no new index entry.
ALTER TABLE member_totals SET (fillfactor = 80);
ALTER TABLE notebook SET (fillfactor = 80);
ALTER TABLE practice_sessions SET (fillfactor = 80);
ALTER TABLE members SET (fillfactor = 80);
