-- District competitions (区域PK赛) as organizers set them. The rules and the
-- state are JSON of domain::district's CompetitionRules and
-- CompetitionState; the window is copied out for queries. `version` grows
-- with every save, so two organizers editing at once cannot overwrite each
-- other unseen.
CREATE TABLE competitions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT    NOT NULL,
    rules      TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    starts_at  BIGINT  NOT NULL,
    ends_at    BIGINT  NOT NULL,
    version    BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX competitions_by_end ON competitions (ends_at);
