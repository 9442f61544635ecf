-- Junction schema v2: named server settings (values opaque; secrets sealed by the caller).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
