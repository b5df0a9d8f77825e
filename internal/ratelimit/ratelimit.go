// Package ratelimit limits how often one client may call the provider
// directory, with the count in the directory's database, so that every
// replica shares it: N replicas together allow what one would.
//
// Each bucket (a scope and a key, such as the lookup and a client address)
// is a token bucket kept as one number, its theoretical arrival time
// (GCRA, the generic cell rate algorithm): one UPSERT per request reads and
// advances it, on SQLite and PostgreSQL alike, in the table rate_limits
// (internal/dirstore's migration 5). Rows of buckets that are full again
// are swept once a minute, so the table holds only the buckets used in the
// last few minutes.
//
// A refused bucket is remembered in the replica's memory until it may
// pass again, so that a flood from one address costs the database nothing
// after its first refusal. That is exact, not an estimate: no request of
// the bucket passes anywhere before then, so nothing can make it pass
// sooner.
//
// A Limiter fails open: when the database cannot be written, requests go
// ahead and the failure is logged once, so that the limiter cannot take
// the directory down with it. It must never import a Dialtone package.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// SweepEvery is how often a Limiter deletes the rows of full buckets.
const SweepEvery = time.Minute

// DB is the directory's database, as internal/dirstore opens it.
type DB interface {
	// WriteUnchecked returns the pool that writes, without the checks of
	// a transaction: a bucket is one statement, on every request.
	WriteUnchecked() *sql.DB
	// Read returns the pool to read with.
	Read() *sql.DB
}

// Limiter keeps buckets in the database. It is safe for concurrent use;
// several Limiters (replicas) may share one database.
type Limiter struct {
	db  DB
	now func() time.Time
	log *slog.Logger

	lastSweep atomic.Int64 // Unix microseconds of the clock now
	failing   atomic.Bool

	mu      sync.Mutex
	refused map[string]int64 // bucket → Unix microseconds until which it refuses
}

// maxRefused bounds the memory of refused buckets; past it, the buckets
// that pass again are forgotten, and if that is not enough, all.
const maxRefused = 100_000

// New returns a Limiter on db. A nil now means time.Now, a nil log
// discards.
func New(db DB, now func() time.Time, log *slog.Logger) *Limiter {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Limiter{db: db, now: now, log: log, refused: map[string]int64{}}
}

// takeSQL advances a bucket when the request fits, in one statement: a
// new bucket, or one that is full again ($3 = now), starts at now + the
// interval ($2); another moves on by the interval ($4), unless its tat is
// past $5 (now + (burst-1) × interval), when nothing is written and no row
// returned: the request does not fit.
const takeSQL = `INSERT INTO rate_limits(bucket, tat) VALUES($1, $2)
	ON CONFLICT(bucket) DO UPDATE SET tat = CASE WHEN rate_limits.tat < $3 THEN $2 ELSE rate_limits.tat + $4 END
	WHERE rate_limits.tat <= $5
	RETURNING tat`

// Take counts one request against the bucket of scope and key under p. It
// returns 0 when the request may go ahead, else how long until one will
// (Retry-After). A nil Limiter, or a Policy without a limit, always
// returns 0; so does a database that cannot be written (it fails open).
func (l *Limiter) Take(ctx context.Context, scope, key string, p Policy) time.Duration {
	if l == nil || !p.Limited() {
		return 0
	}
	now := l.now()
	l.maybeSweep(ctx, now)
	interval := p.interval()
	at := now.UnixMicro()
	latest := at + int64(p.burst()-1)*interval
	b := bucket(scope, key)
	if until := l.refusedUntil(b); until > at {
		return time.Duration(until-at) * time.Microsecond
	}
	var tat int64
	err := l.db.WriteUnchecked().QueryRowContext(ctx, takeSQL, b, at+interval, at, interval, latest).Scan(&tat)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		wait := l.refusal(ctx, b, latest)
		l.remember(b, at+wait.Microseconds(), at)
		return wait
	case err != nil:
		l.fail(ctx, err)
		return 0
	}
	l.recover()
	return 0
}

// refusal reads how far the bucket is past latest: the wait until a
// request fits again.
func (l *Limiter) refusal(ctx context.Context, b string, latest int64) time.Duration {
	var tat int64
	if err := l.db.Read().QueryRowContext(ctx, "SELECT tat FROM rate_limits WHERE bucket = $1", b).Scan(&tat); err != nil {
		l.fail(ctx, err)
		return 0
	}
	return max(time.Duration(tat-latest)*time.Microsecond, time.Millisecond)
}

func (l *Limiter) refusedUntil(b string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused[b]
}

// remember notes that bucket b refuses until until (both Unix
// microseconds, like at, the clock now).
func (l *Limiter) remember(b string, until, at int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.refused) >= maxRefused {
		for k, u := range l.refused {
			if u <= at {
				delete(l.refused, k)
			}
		}
		if len(l.refused) >= maxRefused {
			clear(l.refused)
		}
	}
	l.refused[b] = until
}

// maybeSweep sweeps when the last sweep of this Limiter is SweepEvery ago
// (or the clock went back).
func (l *Limiter) maybeSweep(ctx context.Context, now time.Time) {
	last, at := l.lastSweep.Load(), now.UnixMicro()
	if at-last < SweepEvery.Microseconds() && at >= last {
		return
	}
	if !l.lastSweep.CompareAndSwap(last, at) {
		return // another request sweeps
	}
	if _, err := l.db.WriteUnchecked().ExecContext(ctx, "DELETE FROM rate_limits WHERE tat < $1", at); err != nil {
		l.fail(ctx, err)
	}
}

func (l *Limiter) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the client went away: not the database's fault
	}
	if !l.failing.Swap(true) {
		l.log.Error("ratelimit: could not count a request; requests go ahead without a limit until the database answers", "err", err)
	}
}

func (l *Limiter) recover() {
	if l.failing.Load() && l.failing.Swap(false) {
		l.log.Info("ratelimit: the database answers again; requests are limited")
	}
}

// bucket is a bucket's row key: scope and key, a long key hashed so that
// a header a proxy fills cannot make rows of any size.
func bucket(scope, key string) string {
	if len(key) > 64 {
		sum := sha256.Sum256([]byte(key))
		key = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return scope + " " + key
}

// RetryAfter is the value of a Retry-After header for wait: whole
// seconds, rounded up, at least 1.
func RetryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}
