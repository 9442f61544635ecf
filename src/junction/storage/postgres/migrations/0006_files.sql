-- Junction schema v6 (PostgreSQL dialect): metadata of users' files (API.md §3.5). The bytes
-- live in the file store (JUNCTION_FILES_DIR); a row exists only for a completed upload.
-- Deleting a user deletes its rows (the service deletes the bytes). `filename` sorts bytewise
-- (COLLATE "C"), as SQLite's default does, so both backends list files in the same order.
CREATE TABLE files (
    s3_key TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename TEXT COLLATE "C" NOT NULL,
    mime_type TEXT NOT NULL,
    md5 TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX files_by_user_filename ON files (user_id, filename, s3_key);
