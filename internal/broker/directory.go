package broker

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"dialtone/internal/idp"
	"dialtone/internal/sealed"
)

// What the broker reads of the directory: providers in Brokered mode with
// their sealed client secret, and which account an email belongs to. The
// tables are internal/dirserver's; the broker only reads them.

// Provider modes (providers.mode).
const (
	ModeDirect   = "direct"
	ModeBrokered = "brokered"
)

// upstream is a brokered provider, ready for the sign-in engine: its
// configuration with the client secret opened.
type upstream struct {
	accountID    int64
	account      string
	lineAudience string
	p            idp.Provider
	enabled      bool
	brokered     bool
}

// errNoUpstream reports a reference or provider that does not exist.
var errNoUpstream = errors.New("broker: no such brokered provider")

const upstreamColumns = `p.account_id, a.name, a.line_audience, p.config, p.enabled, p.mode, p.secret_sealed
	FROM providers p JOIN accounts a ON a.id = p.account_id`

// upstreamByRef reads the provider a desktop's identity_provider names.
func (b *Broker) upstreamByRef(ctx context.Context, ref string) (upstream, error) {
	return b.scanUpstream(b.db.Read().QueryRowContext(ctx, "SELECT "+upstreamColumns+" WHERE p.broker_ref = $1 AND p.broker_ref <> ''", ref))
}

// upstreamByID reads provider id of the account.
func (b *Broker) upstreamByID(ctx context.Context, accountID int64, id string) (upstream, error) {
	return b.scanUpstream(b.db.Read().QueryRowContext(ctx, "SELECT "+upstreamColumns+" WHERE p.account_id = $1 AND p.id = $2", accountID, id))
}

// upstreamByName reads provider id of the account named account.
func (b *Broker) upstreamByName(ctx context.Context, account, id string) (upstream, error) {
	return b.scanUpstream(b.db.Read().QueryRowContext(ctx, "SELECT "+upstreamColumns+" WHERE a.name = $1 AND p.id = $2", account, id))
}

func (b *Broker) scanUpstream(row *sql.Row) (upstream, error) {
	var u upstream
	var config, mode, secret string
	err := row.Scan(&u.accountID, &u.account, &u.lineAudience, &config, &u.enabled, &mode, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errNoUpstream
	}
	if err != nil {
		return u, fmt.Errorf("broker: could not read the provider: %w", err)
	}
	if err := json.Unmarshal([]byte(config), &u.p); err != nil {
		return u, fmt.Errorf("broker: a stored provider is not valid JSON: %w", err)
	}
	u.brokered = mode == ModeBrokered
	if secret != "" {
		plain, err := b.opts.Key.Open(secret, SecretContext(u.accountID, u.p.ID))
		if err != nil {
			return u, fmt.Errorf("broker: the client secret of %s/%s: %w", u.account, u.p.ID, err)
		}
		u.p.ClientSecret = string(plain)
	}
	return u, nil
}

// usable reports whether agents may sign in through u now.
func (u upstream) usable() bool { return u.enabled && u.brokered }

// SecretContext is the context an upstream client secret is sealed with:
// the row it belongs to, so a sealed secret copied to another provider
// does not open there.
func SecretContext(accountID int64, providerID string) string {
	return fmt.Sprintf("client-secret %d/%s", accountID, providerID)
}

// SealSecret seals an upstream client secret for the provider's row.
func SealSecret(key *sealed.Key, accountID int64, providerID, secret string) string {
	return key.Seal([]byte(secret), SecretContext(accountID, providerID))
}

// NewRef returns a new opaque reference for a brokered provider: 128
// random bits.
func NewRef() string { return randomID(16) }

// accountOf returns the ID of the account email belongs to, as the
// directory's lookup finds it (a user override, else the domain, else the
// default account), or 0.
func (b *Broker) accountOf(ctx context.Context, email string) (int64, error) {
	addr, domain, err := idp.SplitEmail(email)
	if err != nil {
		return 0, nil
	}
	var id sql.NullInt64
	err = b.db.Read().QueryRowContext(ctx, `SELECT COALESCE(
		(SELECT account_id FROM user_overrides WHERE email = $1),
		(SELECT account_id FROM domains WHERE domain = $2),
		(SELECT id FROM accounts WHERE name = $3 AND $3 <> ''))`, addr, domain, b.opts.DefaultAccount).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("broker: could not look up the email's account: %w", err)
	}
	return id.Int64, nil
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash is how tokens, codes and states are stored: SHA-256, base64url.
func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// subjectOf is the broker's stable subject for an upstream issuer and
// subject: the same person at the same identity provider is always the
// same sub, and nothing in it is the upstream's identifier.
func subjectOf(issuer, subject string) string {
	sum := sha256.Sum256([]byte("dialtone-broker-sub\x00" + issuer + "\x00" + subject))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
