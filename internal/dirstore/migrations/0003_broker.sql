-- Broker mode (issue 14): a provider is Direct (the desktop signs in at the
-- identity provider itself) or Brokered (the directory's broker signs in
-- there as a confidential client and is the desktop's OpenID provider).
-- Everything the broker's replicas must share is here, so any replica
-- answers any step of a sign-in. Times are Unix milliseconds; 0 is "not
-- yet". Secrets are sealed (AES-256-GCM, internal/sealed) under a key that
-- is not in the database; tokens and codes are stored as SHA-256 hashes.
-- Runs on SQLite and PostgreSQL alike.

ALTER TABLE providers ADD COLUMN mode TEXT NOT NULL DEFAULT 'direct';
-- The opaque name of a brokered provider in the desktop's authorization
-- request (identity_provider), so the provider list never names the account.
ALTER TABLE providers ADD COLUMN broker_ref TEXT NOT NULL DEFAULT '';
-- The upstream client secret of a brokered provider, sealed; never in config.
ALTER TABLE providers ADD COLUMN secret_sealed TEXT NOT NULL DEFAULT '';
-- The last "Save and authorise" report (JSON), like last_test.
ALTER TABLE providers ADD COLUMN last_authorise TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX providers_broker_ref ON providers(broker_ref) WHERE broker_ref <> '';

-- The audience of the access tokens the broker mints for the account's
-- agents: what the account's phone line (SIP registrar) expects in aud.
ALTER TABLE accounts ADD COLUMN line_audience TEXT NOT NULL DEFAULT '';

-- The broker's signing keys. A key is published from created_at and signs
-- from signs_from (later, so every replica publishes it before any signs
-- with it); it stays published a while after the next key takes over, so
-- tokens it signed keep verifying until they expire.
CREATE TABLE broker_keys (
	kid            TEXT PRIMARY KEY,
	alg            TEXT NOT NULL,
	private_sealed TEXT NOT NULL,
	public_jwk     TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	signs_from     BIGINT NOT NULL
);

-- The desktop's authorization requests, until their code is redeemed. The
-- request's parameters (redirect URI, state, nonce, PKCE challenge, scopes)
-- are JSON; the code is kept as its hash and can be redeemed once.
CREATE TABLE broker_auth_requests (
	id          TEXT PRIMARY KEY,
	client_id   TEXT NOT NULL,
	request     TEXT NOT NULL,
	account_id  BIGINT NOT NULL,
	provider_id TEXT NOT NULL,
	session_id  TEXT NOT NULL DEFAULT '',
	code_sha256 TEXT NOT NULL DEFAULT '',
	code_used   BIGINT NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	FOREIGN KEY (account_id, provider_id) REFERENCES providers(account_id, id) ON DELETE CASCADE
);
CREATE INDEX broker_auth_requests_code ON broker_auth_requests(code_sha256);
CREATE INDEX broker_auth_requests_expires ON broker_auth_requests(expires_at);

-- Sign-ins at an upstream identity provider in progress, found by the
-- hash of the state sent there: an agent's (for an authorization request)
-- or an admin's "Save and authorise". The flow's nonce and PKCE verifier
-- are sealed.
CREATE TABLE broker_flows (
	state_sha256    TEXT PRIMARY KEY,
	kind            TEXT NOT NULL,
	auth_request_id TEXT NOT NULL DEFAULT '',
	account_id      BIGINT NOT NULL,
	provider_id     TEXT NOT NULL,
	flow_sealed     TEXT NOT NULL,
	created_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	FOREIGN KEY (account_id, provider_id) REFERENCES providers(account_id, id) ON DELETE CASCADE
);
CREATE INDEX broker_flows_expires ON broker_flows(expires_at);

-- A signed-in agent at the broker: one family of rotating refresh tokens,
-- with the upstream refresh token the broker re-checks the upstream
-- session with (sealed). ended_at ends every token of the family.
CREATE TABLE broker_sessions (
	id                TEXT PRIMARY KEY,
	account_id        BIGINT NOT NULL,
	provider_id       TEXT NOT NULL,
	client_id         TEXT NOT NULL,
	subject           TEXT NOT NULL,
	upstream_issuer   TEXT NOT NULL,
	upstream_subject  TEXT NOT NULL,
	email             TEXT NOT NULL,
	name              TEXT NOT NULL DEFAULT '',
	scopes            TEXT NOT NULL,
	auth_time         BIGINT NOT NULL,
	upstream_sealed   TEXT NOT NULL DEFAULT '',
	checked_at        BIGINT NOT NULL,
	created_at        BIGINT NOT NULL,
	ended_at          BIGINT NOT NULL DEFAULT 0,
	ended_why         TEXT NOT NULL DEFAULT '',
	FOREIGN KEY (account_id, provider_id) REFERENCES providers(account_id, id) ON DELETE CASCADE
);
CREATE INDEX broker_sessions_provider ON broker_sessions(account_id, provider_id);
CREATE INDEX broker_sessions_subject ON broker_sessions(subject);

-- The refresh tokens of each family, as hashes. A token is spent once
-- (used_at); presenting a spent token again ends its family (RFC 9700
-- §4.14.2 reuse detection).
CREATE TABLE broker_refresh_tokens (
	token_sha256 TEXT PRIMARY KEY,
	session_id   TEXT NOT NULL REFERENCES broker_sessions(id) ON DELETE CASCADE,
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	used_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX broker_refresh_tokens_session ON broker_refresh_tokens(session_id);
CREATE INDEX broker_refresh_tokens_expires ON broker_refresh_tokens(expires_at);
