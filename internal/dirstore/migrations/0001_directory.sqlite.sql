-- The directory: accounts, their email domains and per-user overrides, and
-- their identity providers. SQLite's first schema, as it shipped.
CREATE TABLE accounts (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	title      TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE TABLE domains (
	domain     TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX domains_account ON domains(account_id);
CREATE TABLE user_overrides (
	email      TEXT PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX user_overrides_account ON user_overrides(account_id);
CREATE TABLE providers (
	account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	position    INTEGER NOT NULL,
	config      TEXT NOT NULL, -- the provider-list JSON, without "enforced"; served as it is
	enabled     INTEGER NOT NULL DEFAULT 0,
	enforced    INTEGER NOT NULL DEFAULT 0,
	last_test   TEXT NOT NULL DEFAULT '',
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (account_id, id)
);
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
