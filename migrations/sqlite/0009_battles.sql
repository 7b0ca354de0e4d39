-- District battles (区域PK赛): which side each player was on, and each
-- side's result, for the competition's standings. Written with the match's
-- end, once.
ALTER TABLE match_players ADD COLUMN team BIGINT;

CREATE TABLE battle_sides (
    match_id           BIGINT NOT NULL,
    team               BIGINT NOT NULL,   -- 0 or 1, as match_players.team
    competition_id     BIGINT NOT NULL,
    district           TEXT   NOT NULL,
    members            BIGINT NOT NULL,   -- who started, leavers included
    average            REAL   NOT NULL,   -- points per member who started
    result             TEXT   NOT NULL,   -- 'win' | 'loss' | 'draw'
    competition_points BIGINT NOT NULL,   -- 2, 1 or 0
    finished_at        BIGINT NOT NULL,
    PRIMARY KEY (match_id, team)
);
CREATE INDEX battle_sides_by_competition ON battle_sides (competition_id, district);
