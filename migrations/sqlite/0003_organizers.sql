-- Organizer accounts for the /admin console, created with `dati organizer add`.
-- The password is kept only as an argon2id PHC string.
CREATE TABLE organizers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
