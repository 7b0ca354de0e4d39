-- Districts are data: organizers add, rename and retire them. A retired
-- district keeps its members and history but takes no new sign-ins and no
-- new competitions. Seeded with the ten districts of Qingdao.
CREATE TABLE districts (
    name       TEXT   NOT NULL PRIMARY KEY,
    position   BIGINT NOT NULL,
    retired    BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

INSERT INTO districts (name, position, retired, updated_at) VALUES
    ('市南区', 1, 0, 0),
    ('市北区', 2, 0, 0),
    ('李沧区', 3, 0, 0),
    ('崂山区', 4, 0, 0),
    ('城阳区', 5, 0, 0),
    ('黄岛区', 6, 0, 0),
    ('即墨区', 7, 0, 0),
    ('胶州市', 8, 0, 0),
    ('平度市', 9, 0, 0),
    ('莱西市', 10, 0, 0);

-- Members' own district changes, for the rate limit and for the record.
CREATE TABLE district_changes (
    member_id     BIGINT NOT NULL,
    from_district TEXT   NOT NULL,
    to_district   TEXT   NOT NULL,
    changed_at    BIGINT NOT NULL
);
CREATE INDEX district_changes_by_member ON district_changes (member_id, changed_at);
