-- What every replica must share about the admin side, and versions for
-- conditional writes. Runs on SQLite and PostgreSQL alike.

-- A version per account and per provider, raised by every change: the
-- ETag of the admin API and the hidden field of the admin page's forms.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE providers ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Admin page sessions: the SHA-256 of the random cookie value, never the
-- value. Signing out deletes the row, so the cookie ends everywhere.
CREATE TABLE admin_sessions (
	id_sha256  TEXT PRIMARY KEY,
	created_at BIGINT NOT NULL, -- Unix seconds
	expires_at BIGINT NOT NULL  -- Unix seconds
);
CREATE INDEX admin_sessions_expires ON admin_sessions(expires_at);

-- Failed admin-token attempts per client address, and for the whole
-- service under the client '*'. Times are Unix milliseconds. For an
-- address, failures counts the failures since its last success (forgotten
-- after a quiet day) and blocked_until ends its current wait; for '*',
-- failures counts the failures of the minute that began at first_failure.
CREATE TABLE admin_backoff (
	client        TEXT PRIMARY KEY,
	failures      BIGINT NOT NULL DEFAULT 0,
	first_failure BIGINT NOT NULL DEFAULT 0,
	last_failure  BIGINT NOT NULL DEFAULT 0,
	blocked_until BIGINT NOT NULL DEFAULT 0,
	last_success  BIGINT NOT NULL DEFAULT 0
);
