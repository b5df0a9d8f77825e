package dirserver

import (
	"context"
)

// SaveAccount validates a and creates it or replaces its title, domains
// and users (a.Providers is ignored); with a.Version set, only if the
// stored account is still at that version. Errors are *ValidationError
// and *ConflictError values (a domain or user another account has), and
// ErrPreconditionFailed.
func (s *Server) SaveAccount(ctx context.Context, a *Account) error {
	return s.saveAccount(ctx, a, precondition{version: a.Version})
}

func (s *Server) saveAccount(ctx context.Context, a *Account, pre precondition) error {
	if err := normalizeAccount(a); err != nil {
		return err
	}
	return s.store.putAccount(ctx, a, pre, s.opts.Now())
}

// Account returns an account with its providers (never their secrets).
// It returns an error wrapping ErrNotFound when there is none.
func (s *Server) Account(ctx context.Context, name string) (*Account, error) {
	return s.store.account(ctx, name)
}

// DeleteAccount deletes an account with its domains, users and providers.
func (s *Server) DeleteAccount(ctx context.Context, name string) error {
	return s.store.deleteAccount(ctx, name, precondition{})
}

// SaveProvider validates in as the client validates a provider list, and
// creates or replaces the provider id of account. The Discovery URL
// (in.Issuer) is stored normalised with idp.NormalizeIssuer, as the
// client does. With in.Version set, it saves only if the stored provider
// is still at that version. Errors are *ValidationError values naming the
// field, ErrPreconditionFailed, or wrap ErrNotFound when the account does
// not exist.
func (s *Server) SaveProvider(ctx context.Context, account, id string, in *ProviderInput) error {
	return s.store.putProvider(ctx, account, id, in, precondition{version: in.Version}, s.opts.Now())
}

// SetProviderFlags turns Enable and Enforce of a provider on or off; a nil
// field is left as it is.
func (s *Server) SetProviderFlags(ctx context.Context, account, id string, f ProviderFlags) error {
	return s.store.setFlags(ctx, account, id, f, precondition{}, s.opts.Now())
}

// DeleteProvider deletes a provider of an account.
func (s *Server) DeleteProvider(ctx context.Context, account, id string) error {
	return s.store.deleteProvider(ctx, account, id, precondition{})
}

// TestProvider fetches the provider's discovery document and signing keys
// from this server, as Dialtone will, stores the report with the provider
// and returns it. Problems with the provider are failed checks in the
// report, not errors.
func (s *Server) TestProvider(ctx context.Context, account, id string) (*TestReport, error) {
	row, err := s.store.provider(ctx, account, id)
	if err != nil {
		return nil, err
	}
	tested := row.p
	if row.mode == ModeBrokered && row.sealedSecret {
		tested.ClientSecret = keptSecret // the check needs to know one is set, not what it is
	}
	report := testProvider(ctx, s.opts.HTTPClient, tested, s.opts.Now())
	if err := s.store.setLastTest(ctx, account, id, row.p, report); err != nil {
		return nil, err
	}
	return report, nil
}
