-- Junction schema v5 (SQLite dialect): MCP servers and their sessions (API.md §3.8, §4.1).
-- Access tokens and session ids arrive only as SHA-256 hashes. Deleting a user deletes its
-- servers, and deleting a server (or a user) deletes its sessions.
CREATE TABLE mcp_servers (
    id TEXT PRIMARY KEY,
    owner_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL,
    custom_instructions TEXT NOT NULL,
    mode TEXT NOT NULL,
    is_public INTEGER NOT NULL CHECK (is_public IN (0, 1)),
    restrictions TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    token_expires_in_days INTEGER,
    token_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (owner_user_id, name_key)
);
CREATE INDEX mcp_servers_by_owner_created_at ON mcp_servers (owner_user_id, created_at, id);

CREATE TABLE mcp_sessions (
    id_hash TEXT PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    principal TEXT NOT NULL,
    protocol_version TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX mcp_sessions_by_last_used_at ON mcp_sessions (last_used_at, id_hash);
CREATE INDEX mcp_sessions_by_server ON mcp_sessions (server_id);
CREATE INDEX mcp_sessions_by_user ON mcp_sessions (user_id);
