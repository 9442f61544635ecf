-- Junction schema v4 (PostgreSQL dialect): operators' OAuth clients (auth configs), pending browser flows, leases
-- for work one node at a time does (token refresh), and the OAuth columns of credentials.
-- Secrets arrive sealed by the service; one-time tokens and states only as SHA-256 hashes.
CREATE TABLE auth_configs (
    id TEXT PRIMARY KEY,
    connector_id TEXT NOT NULL,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    key_id BIGINT NOT NULL,
    scopes TEXT NOT NULL,
    extra_authorization_params TEXT NOT NULL,
    is_default BIGINT NOT NULL CHECK (is_default IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (connector_id, name)
);
CREATE UNIQUE INDEX auth_configs_one_default ON auth_configs (connector_id) WHERE is_default = 1;
CREATE INDEX auth_configs_by_created_at ON auth_configs (created_at, id);

CREATE TABLE oauth_flows (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    state_hash TEXT UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_id TEXT NOT NULL,
    auth_config_id TEXT NOT NULL REFERENCES auth_configs (id) ON DELETE CASCADE,
    redirect_uri TEXT,
    name TEXT,
    secret TEXT NOT NULL,
    key_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    authorized_at BIGINT,
    state_expires_at BIGINT,
    completed_at BIGINT
);
CREATE INDEX oauth_flows_by_expiry ON oauth_flows (expires_at);
CREATE INDEX oauth_flows_by_auth_config ON oauth_flows (auth_config_id);

ALTER TABLE credentials ADD COLUMN auth_config_id TEXT REFERENCES auth_configs (id);
ALTER TABLE credentials ADD COLUMN token_expires_at BIGINT;
ALTER TABLE credentials ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX credentials_by_auth_config ON credentials (auth_config_id);

CREATE TABLE leases (
    key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
