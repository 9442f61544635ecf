-- Junction schema v7 (PostgreSQL dialect): a per-user token epoch. Every user JWT carries the
-- epoch its user had when it was issued; bumping it (POST /users/{userId}/token/revoke) refuses
-- all tokens issued before. Existing tokens carry no epoch and count as epoch 0.
ALTER TABLE users ADD COLUMN token_epoch BIGINT NOT NULL DEFAULT 0;
