-- Rate limits kept in the database, so that replicas share them
-- (internal/ratelimit): one row per bucket ("lookup 192.0.2.1", "broker-token
-- 192.0.2.1", "broker-session <session id>"), holding the bucket's
-- theoretical arrival time (GCRA, a token bucket in one number), in Unix
-- microseconds. A row whose tat is past is a full bucket, the same as no
-- row, and is deleted by the next sweep. No index on tat: the sweep scans a
-- small table once a minute, and an unindexed tat keeps PostgreSQL's updates
-- of the row heap-only (HOT). Runs on SQLite and PostgreSQL alike.
CREATE TABLE rate_limits (
	bucket TEXT PRIMARY KEY,
	tat    BIGINT NOT NULL
);
