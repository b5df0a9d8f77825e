package broker

import (
	"context"
	"database/sql"
)

// SignedInForTest stores a session for email at provider id of account,
// as a sign-in through the upstream leaves it (without an upstream refresh
// token), and returns its first refresh token: tests that need hundreds of
// signed-in agents make them without signing in hundreds of times.
func (b *Broker) SignedInForTest(ctx context.Context, account, id, email string) (string, error) {
	up, err := b.upstreamByName(ctx, account, id)
	if err != nil {
		return "", err
	}
	s := &session{
		id: randomID(16), accountID: up.accountID, providerID: id, clientID: b.opts.ClientID,
		subject: subjectOf(up.p.Issuer, email), upstreamIssuer: up.p.Issuer, upstreamSubject: email,
		email: email, scopes: []string{"openid", "email", "profile", "offline_access"}, authTime: b.now(),
	}
	var rt string
	err = b.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := b.createSession(ctx, tx, s, ""); err != nil {
			return err
		}
		rt, err = b.issueRefresh(ctx, tx, s.id)
		return err
	})
	return rt, err
}

// UpstreamTokensForTest returns the upstream refresh tokens the live
// sessions hold, opened, by provider ID (the last session's when a
// provider has several).
func (b *Broker) UpstreamTokensForTest(ctx context.Context) (map[string]string, error) {
	rows, err := b.db.Read().QueryContext(ctx, "SELECT id, provider_id, upstream_sealed FROM broker_sessions WHERE ended_at = 0 AND upstream_sealed <> '' ORDER BY created_at")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tokens := map[string]string{}
	for rows.Next() {
		var id, provider, sealedRT string
		if err := rows.Scan(&id, &provider, &sealedRT); err != nil {
			return nil, err
		}
		rt, err := b.opts.Key.Open(sealedRT, upstreamContext(id))
		if err != nil {
			return nil, err
		}
		tokens[provider] = string(rt)
	}
	return tokens, rows.Err()
}
