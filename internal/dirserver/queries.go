package dirserver

import (
	"context"
	"database/sql"
	"dialtone/internal/broker"
	"dialtone/internal/dirstore"
	"dialtone/internal/idp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func accountID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, name string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT id FROM accounts WHERE name = $1", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: account %q", ErrNotFound, name)
	}
	return id, err
}

// putAccount creates the account or replaces its title, domains and
// users, if pre holds.
func (s *store) putAccount(ctx context.Context, a *Account, pre precondition, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		id, err := saveAccountRow(ctx, tx, a, pre, now)
		if err != nil {
			return err
		}
		if err := replaceKeys(ctx, tx, id, "domains", "domain", a.Domains); err != nil {
			return err
		}
		return replaceKeys(ctx, tx, id, "user_overrides", "email", a.Users)
	})
}

// saveAccountRow writes the account's own row and raises its version. A
// conditional write updates only the version it expects, so that of two
// writers that read the same version one wins and the other gets
// ErrPreconditionFailed, on SQLite and on PostgreSQL alike.
func saveAccountRow(ctx context.Context, tx *sql.Tx, a *Account, pre precondition, now time.Time) (int64, error) {
	var id int64
	registrar, audience := lineColumns(a.Line)
	if pre.unconditional() {
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts(name, title, updated_at, line_registrar, line_audience) VALUES($1, $2, $3, $4, $5)
			ON CONFLICT(name) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at,
				line_registrar = excluded.line_registrar, line_audience = excluded.line_audience, version = accounts.version + 1
			RETURNING id`, a.Name, a.Title, stamp(now), registrar, audience).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("dirserver: could not save the account: %w", err)
		}
		return id, nil
	}
	var version int64
	err := tx.QueryRowContext(ctx, "SELECT id, version FROM accounts WHERE name = $1", a.Name).Scan(&id, &version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if err := pre.check(err == nil, version); err != nil {
		return 0, err
	}
	var n int64
	if err == nil {
		n, err = execN(ctx, tx, "UPDATE accounts SET title = $1, updated_at = $2, line_registrar = $5, line_audience = $6, version = version + 1 WHERE id = $3 AND version = $4", a.Title, stamp(now), id, version, registrar, audience)
	} else {
		err = tx.QueryRowContext(ctx, "INSERT INTO accounts(name, title, updated_at, line_registrar, line_audience) VALUES($1, $2, $3, $4, $5) ON CONFLICT(name) DO NOTHING RETURNING id", a.Name, a.Title, stamp(now), registrar, audience).Scan(&id)
		n = 1
		if errors.Is(err, sql.ErrNoRows) {
			n, err = 0, nil
		}
	}
	if err != nil {
		return 0, fmt.Errorf("dirserver: could not save the account: %w", err)
	}
	if n == 0 {
		return 0, ErrPreconditionFailed
	}
	return id, nil
}

// execN runs a statement and returns how many rows it changed.
func execN(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// touchAccount raises the version of the account a provider belongs to:
// the account's ETag covers its providers, as its GET shows them.
func touchAccount(ctx context.Context, tx *sql.Tx, accountID int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE accounts SET version = version + 1 WHERE id = $1", accountID)
	return err
}

// replaceKeys sets the domains or users of account id to keys, refusing
// one that another account has.
func replaceKeys(ctx context.Context, tx *sql.Tx, id int64, table, column string, keys []string) error {
	field := map[string]string{"domains": "domains", "user_overrides": "users"}[table]
	for _, k := range keys {
		var owner string
		err := tx.QueryRowContext(ctx, "SELECT a.name FROM "+table+" t JOIN accounts a ON a.id = t.account_id WHERE t."+column+" = $1 AND t.account_id <> $2", k, id).Scan(&owner)
		switch {
		case err == nil:
			return &ConflictError{Field: field, Value: k, Account: owner}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE account_id = $1", id); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+"(account_id, "+column+") VALUES($1, $2)", id, k); err != nil {
			if dirstore.IsUniqueViolation(err) {
				return &ConflictError{Field: field, Value: k}
			}
			return fmt.Errorf("dirserver: could not save %s %q: %w", field, k, err)
		}
	}
	return nil
}

// deleteAccount deletes an account when pre holds, with its providers and
// the broker's sessions made through them, whose upstream refresh tokens
// are revoked once it is committed.
func (s *store) deleteAccount(ctx context.Context, name string, pre precondition) error {
	var revs *broker.Revocations
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var id, version int64
		err := tx.QueryRowContext(ctx, "SELECT id, version FROM accounts WHERE name = $1", name).Scan(&id, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: account %q", ErrNotFound, name)
		}
		if err != nil {
			return err
		}
		if err := pre.check(true, version); err != nil {
			return err
		}
		if pre.version == 0 {
			version = 0 // any version will do
		}
		if revs, err = broker.CollectRevocations(ctx, tx, id, ""); err != nil {
			return err
		}
		n, err := execN(ctx, tx, "DELETE FROM accounts WHERE name = $1 AND (version = $2 OR $2 = 0)", name, version)
		if err == nil && n == 0 {
			err = ErrPreconditionFailed
		}
		return err
	})
	if err == nil {
		s.revokeUpstream(revs)
	}
	return err
}

// account reads an account with its domains, users and providers.
func (s *store) account(ctx context.Context, name string) (*Account, error) {
	id, err := accountID(ctx, s.db.Read(), name)
	if err != nil {
		return nil, err
	}
	a := &Account{Name: name}
	var registrar, audience string
	if err := s.db.Read().QueryRowContext(ctx, "SELECT title, version, line_registrar, line_audience FROM accounts WHERE id = $1", id).Scan(&a.Title, &a.Version, &registrar, &audience); err != nil {
		return nil, err
	}
	a.Line = lineOf(registrar, audience)
	if a.Domains, err = s.strings(ctx, "SELECT domain FROM domains WHERE account_id = $1 ORDER BY domain", id); err != nil {
		return nil, err
	}
	if a.Users, err = s.strings(ctx, "SELECT email FROM user_overrides WHERE account_id = $1 ORDER BY email", id); err != nil {
		return nil, err
	}
	a.Providers, err = s.providerViews(ctx, id)
	return a, err
}

func (s *store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.Read().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// accounts lists the accounts whose name, title or a domain contains
// query, by name, at most limit of them from offset, and how many match.
func (s *store) accounts(ctx context.Context, query string, limit, offset int) ([]AccountSummary, int, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(query)) + "%"
	const where = `WHERE $1 = '' OR a.name LIKE $2 ESCAPE '\' OR lower(a.title) LIKE $2 ESCAPE '\'
		OR EXISTS (SELECT 1 FROM domains d WHERE d.account_id = a.id AND d.domain LIKE $2 ESCAPE '\')`
	var total int
	if err := s.db.Read().QueryRowContext(ctx, "SELECT count(*) FROM accounts a "+where, query, like).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.Read().QueryContext(ctx, `SELECT a.name, a.title,
		COALESCE((SELECT string_agg(domain, ' ' ORDER BY domain) FROM domains WHERE account_id = a.id), ''),
		(SELECT count(*) FROM providers p WHERE p.account_id = a.id),
		(SELECT count(*) FROM providers p WHERE p.account_id = a.id AND p.enabled),
		(SELECT count(*) FROM providers p WHERE p.account_id = a.id AND p.enabled AND p.enforced)
		FROM accounts a `+where+` ORDER BY a.name LIMIT $3 OFFSET $4`, query, like, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []AccountSummary{}
	for rows.Next() {
		var a AccountSummary
		var domains string
		if err := rows.Scan(&a.Name, &a.Title, &domains, &a.Providers, &a.Enabled, &a.Enforced); err != nil {
			return nil, 0, err
		}
		a.Domains = strings.Fields(domains)
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// providerRow is a provider as stored.
type providerRow struct {
	p                 idp.Provider
	enabled, enforced bool
	lastTest          string
	updatedAt         string
	version           int64
	mode              string
	sealedSecret      bool // a Brokered provider's secret is stored (sealed)
	lastAuthorise     string
}

const providerColumns = "config, enabled, enforced, last_test, updated_at, version, mode, secret_sealed <> '', last_authorise"

func scanProvider(scan func(...any) error) (providerRow, error) {
	var r providerRow
	var config string
	if err := scan(&config, &r.enabled, &r.enforced, &r.lastTest, &r.updatedAt, &r.version, &r.mode, &r.sealedSecret, &r.lastAuthorise); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(config), &r.p); err != nil {
		return r, fmt.Errorf("dirserver: a stored provider is not valid JSON: %w", err)
	}
	return r, nil
}

// view is the row as the admin API shows it; brokerRedirect is the
// broker's redirect URI ("" when no broker runs).
func (r providerRow) view(brokerRedirect string) ProviderView {
	p := r.p
	v := ProviderView{
		ID: p.ID, Mode: r.mode, Type: p.Type, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID,
		ClientSecretSet: p.ClientSecret != "", ClientSecretHint: secretHint(p.ClientSecret),
		Scopes: p.Scopes, AuthParams: p.AuthParams, UserinfoMethod: p.UserinfoMethod, EmailClaim: p.EmailClaim,
		RedirectHost: p.RedirectHost, RedirectPort: p.RedirectPort, RedirectURI: redirectURI(p),
		Enabled: r.enabled, Enforced: r.enforced, Version: r.version,
	}
	v.UpdatedAt, _ = time.Parse(time.RFC3339Nano, r.updatedAt)
	if r.mode == ModeBrokered {
		v.ClientSecretSet, v.ClientSecretHint, v.RedirectURI = r.sealedSecret, "", brokerRedirect
		if r.lastAuthorise != "" {
			var a broker.AuthoriseReport
			if json.Unmarshal([]byte(r.lastAuthorise), &a) == nil {
				v.LastAuthorise = &a
			}
		}
	}
	if r.lastTest != "" {
		var t TestReport
		if json.Unmarshal([]byte(r.lastTest), &t) == nil {
			v.LastTest = &t
		}
	}
	return v
}

func (s *store) providerViews(ctx context.Context, accountID int64) ([]ProviderView, error) {
	rows, err := s.db.Read().QueryContext(ctx, "SELECT "+providerColumns+" FROM providers WHERE account_id = $1 ORDER BY position, id", accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	views := []ProviderView{}
	for rows.Next() {
		r, err := scanProvider(rows.Scan)
		if err != nil {
			return nil, err
		}
		views = append(views, r.view(s.brokerRedirect))
	}
	return views, rows.Err()
}

// provider reads one provider of an account.
func (s *store) provider(ctx context.Context, account, id string) (providerRow, error) {
	row := s.db.Read().QueryRowContext(ctx, "SELECT "+providerColumns+" FROM providers WHERE id = $1 AND account_id = (SELECT id FROM accounts WHERE name = $2)", id, account)
	r, err := scanProvider(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: provider %q of account %q", ErrNotFound, id, account)
	}
	return r, err
}

// putProvider validates in and creates or replaces the provider, if pre
// holds. A changed configuration forgets the last test result, which was
// about the old one. A save that ends the broker's sessions (endsSessions)
// revokes their upstream refresh tokens, once committed, as the client the
// old configuration names.
func (s *store) putProvider(ctx context.Context, account, id string, in *ProviderInput, pre precondition, now time.Time) error {
	var revs *broker.Revocations
	err := s.tx(ctx, func(tx *sql.Tx) error {
		revs = nil
		aid, err := accountID(ctx, tx, account)
		if err != nil {
			return err
		}
		old, err := readOldProvider(ctx, tx, aid, id)
		if err != nil {
			return err
		}
		if err := pre.check(old.exists, old.version); err != nil {
			return err
		}
		n, err := s.toStore(aid, id, in, old)
		if err != nil {
			return err
		}
		ends := endsSessions(old, n, in.Enabled)
		if ends {
			if revs, err = broker.CollectRevocations(ctx, tx, aid, id); err != nil {
				return err
			}
		}
		expect := old.version // update only the version pre accepted
		switch {
		case pre.unconditional():
			expect = 0 // any version
		case !old.exists:
			expect = -1 // create only: another writer's create in between is a conflict
		}
		changed, err := execN(ctx, tx, `INSERT INTO providers(account_id, id, position, config, enabled, enforced, updated_at, mode, secret_sealed, broker_ref)
			VALUES($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM providers WHERE account_id = $1), $3, $4, $5, $6, $8, $9, $10)
			ON CONFLICT(account_id, id) DO UPDATE SET config = excluded.config, enabled = excluded.enabled,
				enforced = excluded.enforced, updated_at = excluded.updated_at, version = providers.version + 1,
				mode = excluded.mode, secret_sealed = excluded.secret_sealed, broker_ref = excluded.broker_ref,
				last_test = CASE WHEN providers.config = excluded.config AND providers.mode = excluded.mode THEN providers.last_test ELSE '' END,
				last_authorise = CASE WHEN providers.config = excluded.config AND providers.mode = excluded.mode
					AND providers.secret_sealed = excluded.secret_sealed THEN providers.last_authorise ELSE '' END
			WHERE providers.version = $7 OR $7 = 0`,
			aid, id, n.config, in.Enabled, in.Enforced, stamp(now), expect, n.mode, n.secretSealed, n.ref)
		if err != nil {
			return err
		}
		if changed == 0 {
			return ErrPreconditionFailed
		}
		if ends {
			if err := broker.EndProviderSessions(ctx, tx, aid, id, now); err != nil {
				return err
			}
		}
		return touchAccount(ctx, tx, aid)
	})
	if err == nil {
		s.revokeUpstream(revs)
	}
	return err
}

// changeProvider runs a statement on one provider of account, with $1 the
// provider's ID, $2 the account's ID and $3 the version pre expects (0:
// any; the statement says "(version = $3 OR $3 = 0)"), and raises the
// account's version.
func (s *store) changeProvider(ctx context.Context, account, id string, pre precondition, query string, args ...any) error {
	return s.changeProviderThen(ctx, account, id, pre, nil, query, args...)
}

// endingSessions is the step of a change that ends the broker's sessions
// of a provider: it collects their upstream refresh tokens, with the
// provider's configuration, before the change (CollectRevocations), ends
// them after it (end, or nothing when they go with the provider), and
// revokes the tokens once the change is committed.
type endingSessions struct {
	end  bool      // end them after the change; false: they go with the provider
	now  time.Time // when they end
	revs *broker.Revocations
}

func (e *endingSessions) before(ctx context.Context, tx *sql.Tx, aid int64, id string) (err error) {
	e.revs, err = broker.CollectRevocations(ctx, tx, aid, id)
	return err
}

func (e *endingSessions) after(ctx context.Context, tx *sql.Tx, aid int64, id string) error {
	if !e.end {
		return nil
	}
	return broker.EndProviderSessions(ctx, tx, aid, id, e.now)
}

// changeProviderThen is changeProvider with, when ending is not nil, the
// broker's sessions of the provider ended (endingSessions).
func (s *store) changeProviderThen(ctx context.Context, account, id string, pre precondition, ending *endingSessions, query string, args ...any) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		aid, err := accountID(ctx, tx, account)
		if err != nil {
			return err
		}
		var version int64
		err = tx.QueryRowContext(ctx, "SELECT version FROM providers WHERE account_id = $1 AND id = $2", aid, id).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: provider %q of account %q", ErrNotFound, id, account)
		}
		if err != nil {
			return err
		}
		if err := pre.check(true, version); err != nil {
			return err
		}
		if pre.version == 0 {
			version = 0 // any version will do
		}
		if ending != nil {
			if err := ending.before(ctx, tx, aid, id); err != nil {
				return err
			}
		}
		n, err := execN(ctx, tx, query, append([]any{id, aid, version}, args...)...)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrPreconditionFailed
		}
		if ending != nil {
			if err := ending.after(ctx, tx, aid, id); err != nil {
				return err
			}
		}
		return touchAccount(ctx, tx, aid)
	})
	if err == nil && ending != nil {
		s.revokeUpstream(ending.revs)
	}
	return err
}

// setFlags changes Enable and Enforce of a provider.
// Turning a provider off ends the broker's sessions made through it.
func (s *store) setFlags(ctx context.Context, account, id string, f ProviderFlags, pre precondition, now time.Time) error {
	var ending *endingSessions
	if f.Enabled != nil && !*f.Enabled {
		ending = &endingSessions{end: true, now: now}
	}
	return s.changeProviderThen(ctx, account, id, pre, ending, `UPDATE providers SET enabled = COALESCE($4, enabled), enforced = COALESCE($5, enforced),
		updated_at = $6, version = version + 1 WHERE id = $1 AND account_id = $2 AND (version = $3 OR $3 = 0)`, f.Enabled, f.Enforced, stamp(now))
}

// deleteProvider deletes a provider with the broker's sessions made
// through it, whose upstream refresh tokens are revoked once it is
// committed.
func (s *store) deleteProvider(ctx context.Context, account, id string, pre precondition) error {
	return s.changeProviderThen(ctx, account, id, pre, &endingSessions{}, "DELETE FROM providers WHERE id = $1 AND account_id = $2 AND (version = $3 OR $3 = 0)")
}

// setLastTest stores a test report, unless the configuration it tested
// was changed meanwhile.
func (s *store) setLastTest(ctx context.Context, account, id string, tested idp.Provider, report *TestReport) error {
	config, err := json.Marshal(tested)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(report)
	if err != nil {
		return err
	}
	err = s.changeProvider(ctx, account, id, precondition{}, "UPDATE providers SET last_test = $4, version = version + 1 WHERE id = $1 AND account_id = $2 AND (version = $3 OR $3 = 0) AND config = $5", string(raw), string(config))
	if errors.Is(err, ErrPreconditionFailed) {
		return nil // changed meanwhile: the report was about the old configuration
	}
	return err
}
