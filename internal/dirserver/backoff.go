package dirserver

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"sync"
	"time"
)

// backoffPolicy slows down guessing of the admin token. Each client
// address has a few free failures; after that each failure makes it wait
// twice as long as the one before, up to a limit, and while it waits its
// attempts are refused without the token being looked at (so a right guess
// during a wait tells nothing). Past a number of failures a minute from all
// addresses together, only addresses that have signed in with the token
// before (within Trusted) are still heard, so an attacker spread over many
// addresses cannot keep guessing, and cannot lock out the admin either:
// another address's failures never make an address wait, and a known
// address passes the global limit. The state is in the database, shared
// by every replica.
type backoffPolicy struct {
	Free    int           // failures an address may make before it waits
	First   time.Duration // the first wait; each further failure doubles it
	Max     time.Duration // the longest wait
	Forget  time.Duration // an address quiet this long starts afresh
	Global  int           // failures a minute from all addresses together
	Trusted time.Duration // how long a success keeps an address known
}

var defaultBackoff = backoffPolicy{
	Free: 5, First: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour,
	Global: 100, Trusted: 30 * 24 * time.Hour,
}

const globalClient = "*"

// wait is how long an address waits after its nth failure.
func (p backoffPolicy) wait(n int64) time.Duration {
	if n <= int64(p.Free) {
		return 0
	}
	shift := n - int64(p.Free) - 1
	if shift > 30 {
		return p.Max
	}
	return min(p.First<<shift, p.Max)
}

// tokenLocks serialise the token checks of one address in this process,
// so that a burst of guesses sent at once is counted one by one.
var tokenLocks [64]sync.Mutex

func lockFor(client string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(client))
	return &tokenLocks[h.Sum32()%uint32(len(tokenLocks))]
}

// tokenVerdict is what admitToken decided.
type tokenVerdict struct {
	OK   bool          // the token is right and the client may use it
	Wait time.Duration // > 0: refused; try again after this
}

// admitToken checks token for a request from client, applying the
// back-off: a waiting address, or an unknown one past the global limit,
// is refused before the token is compared.
func (s *Server) admitToken(ctx context.Context, client, token string) (tokenVerdict, error) {
	mu := lockFor(client)
	mu.Lock()
	defer mu.Unlock()
	now := s.opts.Now()
	if wait, err := s.refusal(ctx, client, now); err != nil || wait > 0 {
		return tokenVerdict{Wait: wait}, err
	}
	good, err := s.checkToken(ctx, token)
	if err != nil {
		return tokenVerdict{}, err
	}
	if good {
		return tokenVerdict{OK: true}, s.recordSuccess(ctx, client, now)
	}
	wait, err := s.recordFailure(ctx, client, now)
	return tokenVerdict{Wait: wait}, err
}

// backoffRow is an address's (or the service's) state.
type backoffRow struct {
	failures, firstFailure, blockedUntil, lastSuccess int64
}

func (s *Server) backoffRow(ctx context.Context, client string) (backoffRow, error) {
	var b backoffRow
	err := s.store.db.Read().QueryRowContext(ctx, "SELECT failures, first_failure, blocked_until, last_success FROM admin_backoff WHERE client = $1", client).
		Scan(&b.failures, &b.firstFailure, &b.blockedUntil, &b.lastSuccess)
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil
	}
	return b, err
}

// refusal says how long client must wait before its token is looked at:
// its own wait, or the rest of the minute when the service is past its
// global limit and client has not signed in lately.
func (s *Server) refusal(ctx context.Context, client string, now time.Time) (time.Duration, error) {
	ms := now.UnixMilli()
	mine, err := s.backoffRow(ctx, client)
	if err != nil {
		return 0, err
	}
	if mine.blockedUntil > ms {
		return time.Duration(mine.blockedUntil-ms) * time.Millisecond, nil
	}
	all, err := s.backoffRow(ctx, globalClient)
	if err != nil {
		return 0, err
	}
	windowEnd := all.firstFailure + time.Minute.Milliseconds()
	known := mine.lastSuccess > 0 && ms-mine.lastSuccess < s.backoff.Trusted.Milliseconds()
	if windowEnd > ms && all.failures >= int64(s.backoff.Global) && !known {
		return time.Duration(windowEnd-ms) * time.Millisecond, nil
	}
	return 0, nil
}

// recordFailure counts a failure of client and of the service, and
// returns how long client must now wait (0: it may try again at once).
func (s *Server) recordFailure(ctx context.Context, client string, now time.Time) (time.Duration, error) {
	ms := now.UnixMilli()
	var wait time.Duration
	err := s.store.tx(ctx, func(tx *sql.Tx) error {
		var n int64
		err := tx.QueryRowContext(ctx, `INSERT INTO admin_backoff(client, failures, first_failure, last_failure) VALUES($1, 1, $2, $2)
			ON CONFLICT(client) DO UPDATE SET
				failures = CASE WHEN admin_backoff.last_failure < $3 THEN 1 ELSE admin_backoff.failures + 1 END,
				first_failure = CASE WHEN admin_backoff.last_failure < $3 THEN $2 ELSE admin_backoff.first_failure END,
				last_failure = $2
			RETURNING failures`, client, ms, ms-s.backoff.Forget.Milliseconds()).Scan(&n)
		if err != nil {
			return err
		}
		if wait = s.backoff.wait(n); wait > 0 {
			if _, err := tx.ExecContext(ctx, "UPDATE admin_backoff SET blocked_until = $1 WHERE client = $2", ms+wait.Milliseconds(), client); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO admin_backoff(client, failures, first_failure, last_failure) VALUES($1, 1, $2, $2)
			ON CONFLICT(client) DO UPDATE SET
				failures = CASE WHEN admin_backoff.first_failure <= $3 THEN 1 ELSE admin_backoff.failures + 1 END,
				first_failure = CASE WHEN admin_backoff.first_failure <= $3 THEN $2 ELSE admin_backoff.first_failure END,
				last_failure = $2`, globalClient, ms, ms-time.Minute.Milliseconds())
		return err
	})
	return wait, err
}

// recordSuccess forgets client's failures and remembers that it knows the
// token. It writes only when there is something to change, so that a
// busy admin script costs a read.
func (s *Server) recordSuccess(ctx context.Context, client string, now time.Time) error {
	mine, err := s.backoffRow(ctx, client)
	if err != nil {
		return err
	}
	ms := now.UnixMilli()
	if mine.failures == 0 && ms-mine.lastSuccess < time.Hour.Milliseconds() {
		return nil
	}
	_, err = s.store.exec(ctx, `INSERT INTO admin_backoff(client, last_success) VALUES($1, $2)
		ON CONFLICT(client) DO UPDATE SET failures = 0, blocked_until = 0, last_success = $2`, client, ms)
	return err
}
