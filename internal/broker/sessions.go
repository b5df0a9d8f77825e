package broker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// session is a signed-in agent at the broker: a family of rotating refresh
// tokens (broker_sessions and broker_refresh_tokens).
type session struct {
	id              string
	accountID       int64
	providerID      string
	clientID        string
	subject         string
	upstreamIssuer  string
	upstreamSubject string
	email, name     string
	scopes          []string
	authTime        time.Time
	upstreamSealed  string // the upstream refresh token, sealed; "" when none was issued
	checkedAt       time.Time
	endedAt         time.Time
	endedWhy        string
}

// Why a session ended, as stored and as the desktop's refresh is told.
const (
	endedSignOut         = "signed out"
	endedReuse           = "a spent refresh token was presented again"
	endedCodeReuse       = "the authorization code was presented again"
	endedDisabled        = "the provider was disabled or is no longer brokered"
	endedAccount         = "the email no longer belongs to the provider's account"
	endedUpstream        = "the identity provider ended the session"
	endedNoUpstreamGrant = "the identity provider issued no refresh token to re-check the session with"
)

// spentKept is how long a spent refresh token is kept to detect its reuse:
// a token replayed later is refused as unknown, without ending its family.
const spentKept = 7 * 24 * time.Hour

// ErrSessionEnded reports a refresh token whose session the broker ended
// (or that it does not know): the desktop must sign in again.
var ErrSessionEnded = errors.New("broker: the session has ended")

func upstreamContext(sessionID string) string { return "upstream-refresh " + sessionID }

const sessionColumns = `id, account_id, provider_id, client_id, subject, upstream_issuer, upstream_subject,
	email, name, scopes, auth_time, upstream_sealed, checked_at, ended_at, ended_why`

func scanSession(scan func(...any) error) (*session, error) {
	s := &session{}
	var scopes string
	var authTime, checked, ended int64
	err := scan(&s.id, &s.accountID, &s.providerID, &s.clientID, &s.subject, &s.upstreamIssuer, &s.upstreamSubject,
		&s.email, &s.name, &scopes, &authTime, &s.upstreamSealed, &checked, &ended, &s.endedWhy)
	if err != nil {
		return nil, err
	}
	s.scopes = strings.Fields(scopes)
	s.authTime, s.checkedAt = time.UnixMilli(authTime), time.UnixMilli(checked)
	if ended != 0 {
		s.endedAt = time.UnixMilli(ended)
	}
	return s, nil
}

// loadSession reads a session, ended or not.
func (b *Broker) loadSession(ctx context.Context, id string) (*session, error) {
	s, err := scanSession(b.db.Read().QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM broker_sessions WHERE id = $1", id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionEnded
	}
	return s, err
}

// createSession stores a new session, with the upstream refresh token
// sealed, and forgets expired sign-in state.
func (b *Broker) createSession(ctx context.Context, tx *sql.Tx, s *session, upstreamRefresh string) error {
	now := b.now()
	if upstreamRefresh != "" {
		s.upstreamSealed = b.opts.Key.Seal([]byte(upstreamRefresh), upstreamContext(s.id))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO broker_sessions(id, account_id, provider_id, client_id, subject, upstream_issuer,
		upstream_subject, email, name, scopes, auth_time, upstream_sealed, checked_at, created_at)
		VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		s.id, s.accountID, s.providerID, s.clientID, s.subject, s.upstreamIssuer, s.upstreamSubject, s.email, s.name,
		strings.Join(s.scopes, " "), s.authTime.UnixMilli(), s.upstreamSealed, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("broker: could not store the session: %w", err)
	}
	return forgetExpired(ctx, tx, now)
}

// forgetExpired deletes expired sign-ins in progress and refresh tokens,
// spent tokens older than spentKept, and sessions a day old without any
// token or request left.
func forgetExpired(ctx context.Context, tx *sql.Tx, now time.Time) error {
	ms := now.UnixMilli()
	for _, q := range []string{
		"DELETE FROM broker_auth_requests WHERE expires_at < $1",
		"DELETE FROM broker_flows WHERE expires_at < $1",
		"DELETE FROM broker_refresh_tokens WHERE expires_at < $1",
	} {
		if _, err := tx.ExecContext(ctx, q, ms); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM broker_refresh_tokens WHERE used_at <> 0 AND used_at < $1", now.Add(-spentKept).UnixMilli()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM broker_sessions WHERE created_at < $1 AND NOT EXISTS
		(SELECT 1 FROM broker_refresh_tokens t WHERE t.session_id = broker_sessions.id)
		AND NOT EXISTS (SELECT 1 FROM broker_auth_requests r WHERE r.session_id = broker_sessions.id)`, now.Add(-24*time.Hour).UnixMilli())
	return err
}

// endSession ends a session and so every refresh token of its family, and
// forgets its upstream refresh token at once (see endSessionsSQL).
func (b *Broker) endSession(ctx context.Context, id, why string) error {
	return b.db.Tx(ctx, func(tx *sql.Tx) error {
		return endSessionTx(ctx, tx, id, why, b.now())
	})
}

func endSessionTx(ctx context.Context, tx *sql.Tx, id, why string, now time.Time) error {
	_, err := tx.ExecContext(ctx, endSessionsSQL+" WHERE id = $3 AND ended_at = 0", now.UnixMilli(), why, id)
	return err
}

// EndProviderSessions ends, in the directory's transaction tx, every
// session made through provider id of account accountID: an admin
// disabled it or changed its upstream. Each agent's next silent sign-in is
// refused. Their upstream refresh tokens are forgotten: collect them
// first (CollectRevocations) to revoke them once tx is committed.
func EndProviderSessions(ctx context.Context, tx *sql.Tx, accountID int64, id string, now time.Time) error {
	_, err := tx.ExecContext(ctx, endSessionsSQL+" WHERE account_id = $3 AND provider_id = $4 AND ended_at = 0",
		now.UnixMilli(), "the provider was disabled or changed by an admin", accountID, id)
	return err
}

// endSessionsSQL ends sessions: $1 the time (Unix milliseconds), $2 why;
// the caller adds the WHERE clause from $3 on. An ended session's upstream
// refresh token is forgotten at once rather than at cleanup: nothing will
// use it again (it is revoked upstream from what was read before: by
// sign-out at once, else in the background — RevokeUpstream, with
// CollectRevocations for an admin's change), and a secret not kept cannot
// leak.
const endSessionsSQL = "UPDATE broker_sessions SET ended_at = $1, ended_why = $2, upstream_sealed = ''"

// issueRefresh stores a new refresh token of session id and returns it.
func (b *Broker) issueRefresh(ctx context.Context, tx *sql.Tx, sessionID string) (string, error) {
	token := randomID(32)
	now := b.now()
	_, err := tx.ExecContext(ctx, "INSERT INTO broker_refresh_tokens(token_sha256, session_id, created_at, expires_at) VALUES($1, $2, $3, $4)",
		hash(token), sessionID, now.UnixMilli(), now.Add(RefreshTokenLifetime).UnixMilli())
	if err != nil {
		return "", fmt.Errorf("broker: could not store the refresh token: %w", err)
	}
	return token, nil
}

// refreshRow is a refresh token as stored.
type refreshRow struct {
	sessionID string
	expiresAt time.Time
	used      bool
}

// refreshToken reads the row of a presented refresh token.
func (b *Broker) refreshToken(ctx context.Context, token string) (refreshRow, error) {
	var r refreshRow
	var expires, used int64
	err := b.db.Read().QueryRowContext(ctx, "SELECT session_id, expires_at, used_at FROM broker_refresh_tokens WHERE token_sha256 = $1", hash(token)).Scan(&r.sessionID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrSessionEnded
	}
	r.expiresAt, r.used = time.UnixMilli(expires), used != 0
	return r, err
}

// rotate spends token and issues the next of its family, in one
// transaction. A token already spent (two requests raced with it) ends the
// family: RFC 9700 §4.14.2.
func (b *Broker) rotate(ctx context.Context, token string) (string, error) {
	var next string
	var reused string
	err := b.db.Tx(ctx, func(tx *sql.Tx) error {
		now := b.now()
		var sessionID string
		err := tx.QueryRowContext(ctx, "UPDATE broker_refresh_tokens SET used_at = $1 WHERE token_sha256 = $2 AND used_at = 0 AND expires_at > $1 RETURNING session_id",
			now.UnixMilli(), hash(token)).Scan(&sessionID)
		if errors.Is(err, sql.ErrNoRows) {
			reused = token
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM broker_refresh_tokens WHERE session_id = $1 AND used_at <> 0 AND used_at < $2",
			sessionID, now.Add(-spentKept).UnixMilli()); err != nil {
			return err
		}
		next, err = b.issueRefresh(ctx, tx, sessionID)
		return err
	})
	if err != nil {
		return "", err
	}
	if reused != "" {
		b.endFamilyOf(ctx, reused, endedReuse)
		return "", ErrSessionEnded
	}
	return next, nil
}

// endFamilyOf ends the session a (spent) refresh token belongs to, and
// revokes its upstream refresh token (endAndRevoke): a replayed token may
// be a stolen one.
func (b *Broker) endFamilyOf(ctx context.Context, token, why string) {
	row, err := b.refreshToken(ctx, token)
	if err != nil {
		return
	}
	s, err := b.loadSession(ctx, row.sessionID)
	if err == nil {
		err = b.endAndRevoke(ctx, s, why)
	}
	if err != nil {
		b.opts.Logger.Error("broker: could not end a session", "why", why, "err", err)
		return
	}
	b.opts.Logger.Warn("broker: ended a session", "why", why)
}
