package dirserver

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"dialtone/internal/broker"
	"dialtone/internal/idp"
	"dialtone/internal/sealed"
)

// Saving a provider in one of the two modes. Direct: the configuration
// JSON is the provider-list entry every desktop gets, secret included (it
// is not confidential). Brokered: the configuration is the upstream's, its
// client secret is sealed in its own column and never in the JSON, and
// desktops get the broker's entry instead (lookupEntry).

// oldProvider is a provider's row before a save.
type oldProvider struct {
	exists                  bool
	config                  string
	p                       idp.Provider
	mode, secretSealed, ref string
	enabled                 bool
	version                 int64
}

func readOldProvider(ctx context.Context, tx *sql.Tx, aid int64, id string) (oldProvider, error) {
	var o oldProvider
	err := tx.QueryRowContext(ctx, "SELECT config, version, mode, secret_sealed, broker_ref, enabled FROM providers WHERE account_id = $1 AND id = $2", aid, id).
		Scan(&o.config, &o.version, &o.mode, &o.secretSealed, &o.ref, &o.enabled)
	if errors.Is(err, sql.ErrNoRows) {
		return o, nil
	}
	if err != nil {
		return o, err
	}
	o.exists = true
	return o, json.Unmarshal([]byte(o.config), &o.p)
}

// newProvider is what a save writes.
type newProvider struct {
	config, mode, secretSealed, ref string
	p                               idp.Provider
}

// modeOf reads an input's mode.
func modeOf(mode string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "", ModeDirect:
		return ModeDirect, nil
	case ModeBrokered:
		return ModeBrokered, nil
	}
	return "", &ValidationError{Field: "mode", Problem: fmt.Sprintf("%q must be direct or brokered", mode)}
}

// errNoBroker is the validation error of a Brokered save on a directory
// that runs no broker.
var errNoBroker = &ValidationError{Field: "mode", Problem: "Brokered mode needs the directory's secret key (-secret-key-file or $DIALTONE_DIRECTORY_SECRET_KEY) and its public origin (-origin)"}

// toStore validates in as the save of provider id of account aid whose
// row was old.
func (s *store) toStore(aid int64, id string, in *ProviderInput, old oldProvider) (newProvider, error) {
	mode, err := modeOf(in.Mode)
	if err != nil {
		return newProvider{}, err
	}
	if mode == ModeDirect {
		return directProvider(id, in, old)
	}
	if s.key == nil {
		return newProvider{}, errNoBroker
	}
	return s.brokeredProvider(aid, id, in, old)
}

// directProvider keeps the old secret only if it was a Direct one: a
// Brokered secret never goes into a provider list.
func directProvider(id string, in *ProviderInput, old oldProvider) (newProvider, error) {
	oldSecret := ""
	if old.mode == ModeDirect {
		oldSecret = old.p.ClientSecret
	}
	p, err := in.toProvider(id, oldSecret)
	if err != nil {
		return newProvider{}, err
	}
	config, err := json.Marshal(p)
	return newProvider{config: string(config), mode: ModeDirect, ref: old.ref, p: p}, err
}

// keptSecret stands for a sealed secret during validation.
const keptSecret = "(sealed)"

// brokeredProvider seals a new secret, keeps the sealed one when in has
// none (and the provider was Brokered), and stores the configuration
// without any secret.
func (s *store) brokeredProvider(aid int64, id string, in *ProviderInput, old oldProvider) (newProvider, error) {
	sealedSecret := ""
	if old.mode == ModeBrokered {
		sealedSecret = old.secretSealed
	}
	placeholder := ""
	if sealedSecret != "" {
		placeholder = keptSecret
	}
	p, err := in.toProvider(id, placeholder)
	if err != nil {
		return newProvider{}, err
	}
	if in.ClientSecret != nil {
		sealedSecret = ""
		if p.ClientSecret != "" {
			sealedSecret = broker.SealSecret(s.key, aid, id, p.ClientSecret)
		}
	}
	p.ClientSecret = ""
	ref := old.ref
	if ref == "" {
		ref = broker.NewRef()
	}
	config, err := json.Marshal(p)
	return newProvider{config: string(config), mode: ModeBrokered, secretSealed: sealedSecret, ref: ref, p: p}, err
}

// endsSessions reports whether saving n over old ends the broker's
// sessions of the provider: it leaves Brokered mode, is disabled, or now
// names another upstream (issuer, client or type).
func endsSessions(old oldProvider, n newProvider, enabled bool) bool {
	if !old.exists || old.mode != ModeBrokered {
		return false
	}
	return n.mode != ModeBrokered || !enabled || old.p.Issuer != n.p.Issuer || old.p.ClientID != n.p.ClientID || old.p.Type != n.p.Type
}

// lookupEntry is the provider-list entry of a stored provider for the
// lookup: the stored JSON for Direct, the broker's entry for Brokered (nil
// when no broker runs, so agents are not offered what cannot work).
func (s *Server) lookupEntry(config []byte, mode, ref string) ([]byte, error) {
	if mode != ModeBrokered {
		return config, nil
	}
	if s.broker == nil {
		return nil, nil
	}
	var p idp.Provider
	if err := json.Unmarshal(config, &p); err != nil {
		return nil, err
	}
	return json.Marshal(s.broker.Entry(p.ID, p.Name, ref))
}

// openBroker starts the broker when Brokered mode is on.
func (s *Server) openBroker() error {
	issuer := s.opts.BrokerIssuer
	if issuer == "" && s.opts.Origin != "" {
		issuer = strings.TrimRight(s.opts.Origin, "/") + "/broker"
	}
	if s.opts.SecretKey == nil || issuer == "" {
		return nil
	}
	if p := brokerPath(issuer); p == "" || p == "/admin" || p == "/v1" || p == "/healthz" {
		return fmt.Errorf("dirserver: the broker's issuer %q needs a path of its own, such as /broker", issuer)
	}
	b, err := broker.New(s.store.db, broker.Options{
		Issuer: issuer, Key: s.opts.SecretKey, DefaultAccount: s.opts.DefaultAccount, Recheck: s.opts.BrokerRecheck,
		HTTPClient: s.opts.HTTPClient, Now: s.opts.Now, Logger: s.opts.Logger,
		Limiter: s.limiter, Limits: s.opts.BrokerLimits, ClientAddr: s.opts.ClientAddr,
		AdminReturn: func(account, id string) string { return accountURL(account) + "?done=authorised#p-" + id },
	})
	if err != nil {
		return fmt.Errorf("dirserver: %w", err)
	}
	s.broker, s.store.key, s.store.brokerRedirect, s.store.revoke = b, s.opts.SecretKey, b.RedirectURI(), b.RevokeUpstream
	return nil
}

// brokerPath is the path of an issuer URL, without a trailing slash.
func brokerPath(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// Broker returns the directory's broker, or nil when Brokered mode is off.
func (s *Server) Broker() *broker.Broker { return s.broker }

// StartAuthorise starts "Save and authorise" for a Brokered provider: the
// admin signs in as email through the upstream provider; the result is
// stored with the provider (ProviderView.LastAuthorise). It returns the
// address to send the admin's browser to.
func (s *Server) StartAuthorise(ctx context.Context, account, id, email string) (string, error) {
	if s.broker == nil {
		return "", errNoBroker
	}
	if _, err := idp.NormalizeEmail(email); err != nil {
		return "", &ValidationError{Field: "email", Problem: "type the email address to sign in as"}
	}
	row, err := s.store.provider(ctx, account, id)
	if err != nil {
		return "", err
	}
	if row.mode != ModeBrokered {
		return "", &ValidationError{Field: "mode", Problem: "only a Brokered provider can be authorised; Test configuration checks a Direct one"}
	}
	return s.broker.StartAuthorise(ctx, account, id, email)
}

// ResealSecrets moves every sealed value in the database dsn names — the
// client secrets of Brokered providers, the broker's signing keys, the
// upstream refresh tokens and the sign-ins in progress — under key's
// sealing key (its first), opening each with any of its keys: the pass of
// a rotation of the directory's secret key (docs/directory-api.md). It may
// run while replicas serve. The older keys may be retired once a pass
// reports Done.
func ResealSecrets(ctx context.Context, dsn string, key *sealed.Key) (*broker.ResealReport, error) {
	if key == nil {
		return nil, errors.New("dirserver: re-sealing needs the secret key (-secret-key-file or $DIALTONE_DIRECTORY_SECRET_KEY)")
	}
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.close()
	return broker.Reseal(ctx, st.db, key)
}
