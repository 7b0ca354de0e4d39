-- Sign-in through the union's app (docs/app-integration.md), SQLite flavour.
-- Kept in step with migrations/postgres, like 0001.

-- The app names a member by its own id (the token's sub). Each app id is
-- linked to one dati member for good, so the member's history stays theirs
-- however often they sign in.
CREATE TABLE app_members (
    app_id    TEXT   PRIMARY KEY,
    member_id BIGINT NOT NULL UNIQUE REFERENCES members (id),
    linked_at BIGINT NOT NULL
);

-- The ids (jti) of app tokens already used, each kept until its token could
-- no longer be accepted anyway (exp plus the clock-skew leeway), so that no
-- token signs in twice, across restarts and across nodes. Rows past
-- expires_at are pruned as new tokens arrive.
CREATE TABLE app_token_uses (
    jti        TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX app_token_uses_expiry ON app_token_uses (expires_at);
