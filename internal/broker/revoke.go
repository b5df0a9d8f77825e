package broker

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"dialtone/auth"
	"dialtone/internal/idp"
)

// Revoking upstream refresh tokens when the broker ends sessions for an
// admin's reason (the provider disabled, switched to Direct, pointed at
// another upstream, deleted, or its account deleted) or because a replay
// was detected: the sealed token is forgotten at once (endSessionsSQL),
// and revoked at the identity provider (RFC 7009) in the background, with
// the provider's client authentication as it was before the change.

// Bounds of the background revocations.
const (
	// RevokeTimeout bounds each request to an identity provider:
	// discovery, and each token's revocation.
	RevokeTimeout = 5 * time.Second
	// RevokeDeadline bounds one batch (the sessions one change ended):
	// what is not revoked by then is logged, as a count, and left to
	// expire at the identity provider.
	RevokeDeadline = 2 * time.Minute
	// revokeWorkers is how many revocations a broker runs at once, over
	// every batch.
	revokeWorkers = 4
)

// Revocations are the upstream refresh tokens of sessions that a change
// is about to end, each with its provider's configuration as it was
// before the change; everything is sealed as stored. Collect them in the
// change's transaction before the change is written
// (CollectRevocations), and hand them to Broker.RevokeUpstream once it is
// committed. The zero value and nil hold nothing.
type Revocations struct {
	providers []revokeProvider
}

// revokeProvider is one provider's configuration, as stored, and the
// sessions to revoke there.
type revokeProvider struct {
	accountID    int64
	id           string
	config       string // the configuration JSON, without the secret
	secretSealed string
	sessions     []revokeSession
}

type revokeSession struct {
	id          string
	tokenSealed string // upstream_sealed
}

// Len is the number of upstream refresh tokens held.
func (r *Revocations) Len() int {
	if r == nil {
		return 0
	}
	n := 0
	for _, p := range r.providers {
		n += len(p.sessions)
	}
	return n
}

// querier is a *sql.Tx or a *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// CollectRevocations reads, in tx, the upstream refresh tokens of the live
// sessions made through provider id of account accountID — through every
// provider of the account when id is "" — and the Brokered providers'
// configurations and sealed client secrets. Call it before the change
// that ends the sessions (or deletes them with their provider) is
// written, so that the tokens are revoked as the client they were issued
// to.
func CollectRevocations(ctx context.Context, tx *sql.Tx, accountID int64, id string) (*Revocations, error) {
	const live = "SELECT id, provider_id, upstream_sealed FROM broker_sessions WHERE ended_at = 0 AND upstream_sealed <> '' AND account_id = $1"
	if id == "" {
		return collect(ctx, tx, accountID, live)
	}
	return collect(ctx, tx, accountID, live+" AND provider_id = $2", id)
}

// collect reads the sessions of account accountID that query (with
// accountID as $1, then args) selects — id, provider_id, upstream_sealed
// — and their providers.
func collect(ctx context.Context, q querier, accountID int64, query string, args ...any) (*Revocations, error) {
	rows, err := q.QueryContext(ctx, query, append([]any{accountID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("broker: could not read the sessions to revoke: %w", err)
	}
	byProvider := map[string][]revokeSession{}
	var order []string
	for rows.Next() {
		var s revokeSession
		var provider string
		if err := rows.Scan(&s.id, &provider, &s.tokenSealed); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := byProvider[provider]; !ok {
			order = append(order, provider)
		}
		byProvider[provider] = append(byProvider[provider], s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	revs := &Revocations{}
	for _, id := range order {
		p, err := providerAsStored(ctx, q, accountID, id)
		if err != nil {
			return nil, err
		}
		if p != nil {
			p.sessions = byProvider[id]
			revs.providers = append(revs.providers, *p)
		}
	}
	return revs, nil
}

// providerAsStored reads a Brokered provider's configuration and sealed
// secret; nil when it is not (or no longer) Brokered.
func providerAsStored(ctx context.Context, q querier, accountID int64, id string) (*revokeProvider, error) {
	rows, err := q.QueryContext(ctx, "SELECT config, secret_sealed FROM providers WHERE account_id = $1 AND id = $2 AND mode = $3", accountID, id, ModeBrokered)
	if err != nil {
		return nil, fmt.Errorf("broker: could not read the provider to revoke at: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	p := &revokeProvider{accountID: accountID, id: id}
	if err := rows.Scan(&p.config, &p.secretSealed); err != nil {
		return nil, err
	}
	return p, rows.Err()
}

// sessionRevocation is the revocation of one session's upstream refresh
// token, with its provider as stored now (no admin changed it: a replay,
// or an email that left the account).
func (b *Broker) sessionRevocation(ctx context.Context, s *session) (*Revocations, error) {
	if s.upstreamSealed == "" {
		return nil, nil
	}
	p, err := providerAsStored(ctx, b.db.Read(), s.accountID, s.providerID)
	if err != nil || p == nil {
		return nil, err
	}
	p.sessions = []revokeSession{{id: s.id, tokenSealed: s.upstreamSealed}}
	return &Revocations{providers: []revokeProvider{*p}}, nil
}

// endAndRevoke ends session s (as loaded before) for why, and revokes its
// upstream refresh token in the background.
func (b *Broker) endAndRevoke(ctx context.Context, s *session, why string) error {
	revs, err := b.sessionRevocation(ctx, s)
	if err != nil {
		b.opts.Logger.Warn("broker: could not read what to revoke upstream", "provider", s.providerID, "err", err)
	}
	if err := b.endSession(ctx, s.id, why); err != nil {
		return err
	}
	b.RevokeUpstream(revs)
	return nil
}

// RevokeUpstream revokes the upstream refresh tokens revs holds at their
// identity providers (RFC 7009), authenticating as each provider's
// configuration in revs says. It returns at once: the work runs in the
// background, so that an admin's request never waits for identity
// providers, and it is bounded — at most revokeWorkers revocations at a
// time over the whole broker, each request within RevokeTimeout, each
// batch within RevokeDeadline; what is left then is logged as a count. A
// token that cannot be revoked (no revocation endpoint, an error) is
// logged, never the token itself. The tokens are already forgotten in the
// database; a process that stops drops what is pending.
func (b *Broker) RevokeUpstream(revs *Revocations) {
	if revs.Len() == 0 {
		return
	}
	b.revoking.Add(1)
	go func() {
		defer b.revoking.Done()
		ctx, cancel := context.WithTimeout(context.Background(), RevokeDeadline)
		defer cancel()
		for _, p := range revs.providers {
			b.revokeAt(ctx, p)
		}
	}()
}

// WaitRevocations waits until the revocations handed to RevokeUpstream
// are done, or ctx ends: for a graceful shutdown, and for tests.
func (b *Broker) WaitRevocations(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		b.revoking.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// revokeAt revokes p's sessions' tokens at p.
func (b *Broker) revokeAt(ctx context.Context, p revokeProvider) {
	res, err := b.resolveStored(ctx, p)
	if err != nil {
		b.opts.Logger.Warn("broker: could not revoke upstream sessions", "provider", p.id, "sessions", len(p.sessions), "err", err)
		return
	}
	var wg sync.WaitGroup
	var failed, unsupported atomic.Int64
	left := 0
	for i, s := range p.sessions {
		select {
		case b.revokeSlots <- struct{}{}:
		case <-ctx.Done():
			left = len(p.sessions) - i
		}
		if left > 0 {
			break
		}
		wg.Go(func() {
			defer func() { <-b.revokeSlots }()
			switch ok, err := b.revokeOne(ctx, res, s); {
			case err != nil:
				failed.Add(1)
				b.opts.Logger.Warn("broker: could not revoke an upstream session", "provider", p.id, "err", err)
			case !ok:
				unsupported.Add(1)
			}
		})
	}
	wg.Wait()
	if n := unsupported.Load(); n > 0 {
		b.opts.Logger.Info("broker: the identity provider has no revocation endpoint; its sessions end when their refresh tokens expire", "provider", p.id, "sessions", n)
	}
	if left > 0 {
		b.opts.Logger.Warn("broker: upstream sessions left unrevoked at the deadline", "provider", p.id, "sessions", left, "failed", failed.Load())
	}
}

// resolveStored opens p's secret and resolves its configuration (its
// discovery, within RevokeTimeout).
func (b *Broker) resolveStored(ctx context.Context, p revokeProvider) (*auth.Resolved, error) {
	var conf idp.Provider
	if err := json.Unmarshal([]byte(p.config), &conf); err != nil {
		return nil, fmt.Errorf("broker: a stored provider is not valid JSON: %w", err)
	}
	if p.secretSealed != "" {
		plain, err := b.opts.Key.Open(p.secretSealed, SecretContext(p.accountID, p.id))
		if err != nil {
			return nil, fmt.Errorf("broker: the client secret: %w", err)
		}
		conf.ClientSecret = string(plain)
	}
	ctx, cancel := context.WithTimeout(ctx, RevokeTimeout)
	defer cancel()
	return b.engine.Resolve(ctx, conf)
}

// revokeOne revokes one session's token within RevokeTimeout; ok is
// false when the provider has no revocation endpoint.
func (b *Broker) revokeOne(ctx context.Context, res *auth.Resolved, s revokeSession) (bool, error) {
	rt, err := b.opts.Key.Open(s.tokenSealed, upstreamContext(s.id))
	if err != nil {
		return false, fmt.Errorf("broker: the upstream refresh token: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, RevokeTimeout)
	defer cancel()
	return b.engine.Revoke(ctx, res, string(rt))
}
