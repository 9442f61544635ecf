-- Junction schema v6 (SQLite dialect): metadata of users' files (API.md §3.5). The bytes live
-- in the file store (JUNCTION_FILES_DIR); a row exists only for a completed upload. Deleting a
-- user deletes its rows (the service deletes the bytes).
CREATE TABLE files (
    s3_key TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    md5 TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX files_by_user_filename ON files (user_id, filename, s3_key);
