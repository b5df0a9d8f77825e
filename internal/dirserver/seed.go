package dirserver

import (
	"context"
	"dialtone/internal/idp"
	"fmt"
)

// Defaults of SeedOptions' zero fields.
const (
	DefaultSeedIssuer   = "http://127.0.0.1:9998"
	DefaultSeedClientID = "dialtone-demo"
)

// SeedOptions says which identity provider the demo accounts use. Demo
// mode points them at a local OpenID provider.
type SeedOptions struct {
	// Issuer of every seeded provider. Empty means DefaultSeedIssuer.
	Issuer string
	// ClientID registered at Issuer. Empty means DefaultSeedClientID.
	ClientID string
	// ClientSecret of that client; empty for a public client.
	ClientSecret string
	// BrokerClientID and BrokerClientSecret, when set and Brokered mode
	// is on, make globex-contractors Brokered: the broker signs in at
	// Issuer as this confidential client.
	BrokerClientID, BrokerClientSecret string
}

// Seed creates or overwrites the demo accounts:
//
//   - acme (acme.test): one provider, acme-sso, enabled and enforced;
//   - globex (globex.test): two enabled providers, globex-sso and
//     globex-contractors, neither enforced; globex-contractors is
//     Brokered when o.BrokerClientID is set and the broker runs.
//
// Other accounts are left alone, so Seed may run at every start.
func (s *Server) Seed(ctx context.Context, o SeedOptions) error {
	if o.Issuer == "" {
		o.Issuer = DefaultSeedIssuer
	}
	if o.ClientID == "" {
		o.ClientID = DefaultSeedClientID
	}
	type seeded struct {
		id string
		in ProviderInput
	}
	accounts := []struct {
		account   Account
		providers []seeded
	}{
		{
			account:   Account{Name: "acme", Title: "Acme Corporation", Domains: []string{"acme.test"}},
			providers: []seeded{{"acme-sso", o.provider("Acme SSO", true)}},
		},
		{
			account: Account{Name: "globex", Title: "Globex", Domains: []string{"globex.test"}},
			providers: []seeded{
				{"globex-sso", o.provider("Globex staff", false)},
				{"globex-contractors", o.contractors(s.broker != nil)},
			},
		},
	}
	for _, a := range accounts {
		if err := s.SaveAccount(ctx, &a.account); err != nil {
			return fmt.Errorf("dirserver: could not seed %s: %w", a.account.Name, err)
		}
		for _, p := range a.providers {
			if err := s.SaveProvider(ctx, a.account.Name, p.id, &p.in); err != nil {
				return fmt.Errorf("dirserver: could not seed %s/%s: %w", a.account.Name, p.id, err)
			}
		}
	}
	return nil
}

// contractors is Globex's second provider: Brokered when it can be.
func (o SeedOptions) contractors(brokerOn bool) ProviderInput {
	in := o.provider("Globex contractors", false)
	if brokerOn && o.BrokerClientID != "" {
		secret := o.BrokerClientSecret
		in.Mode, in.ClientID, in.ClientSecret = ModeBrokered, o.BrokerClientID, &secret
	}
	return in
}

func (o SeedOptions) provider(name string, enforced bool) ProviderInput {
	secret := o.ClientSecret
	return ProviderInput{
		Type: idp.TypeOIDC, Name: name, Issuer: o.Issuer, ClientID: o.ClientID,
		ClientSecret: &secret, Enabled: true, Enforced: enforced,
	}
}
