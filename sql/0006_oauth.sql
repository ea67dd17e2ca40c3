-- leadledger schema, migration 6: OAuth 2.0 run by the host
-- (core/provider/oauth.c).
--
-- The access token of an OAuth integration, shared by every thread and
-- every leadledgerd on this database: a vault ciphertext, with its expiry.
CREATE TABLE oauth_tokens (
    integration_id  bigint PRIMARY KEY REFERENCES site_integrations(id),
    access_token    text NOT NULL,
    expires_at      timestamptz NOT NULL,
    refreshed_at    timestamptz NOT NULL DEFAULT now(),
    refreshes       bigint NOT NULL DEFAULT 0
);

-- Authorizations in progress (leadledger connect, the dashboard's
-- Connect): the BLAKE2b digest of a single-use state, never the state.
CREATE TABLE oauth_states (
    digest          bytea PRIMARY KEY,
    integration_id  bigint NOT NULL REFERENCES site_integrations(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

-- The CRM refused the refresh token (or there is none): only a person can
-- reconnect the account; syncs wait for it instead of retrying.
ALTER TABLE site_integrations ADD COLUMN needs_reconnect boolean NOT NULL DEFAULT false;
