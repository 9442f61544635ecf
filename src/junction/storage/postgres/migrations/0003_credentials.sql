-- Junction schema v3: end users' connector credentials. `secret` is the AES-256-GCM blob
-- (base64) of the credential data, sealed by the service; the store never sees plaintext.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_id TEXT NOT NULL,
    authentication_type TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'expired')),
    secret TEXT NOT NULL,
    key_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX credentials_by_user ON credentials (user_id, updated_at, id);
