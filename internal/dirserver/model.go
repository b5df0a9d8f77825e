package dirserver

import (
	"dialtone/internal/broker"
	"dialtone/internal/idp"
	"dialtone/internal/sipaddr"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ErrNotFound reports that the account or provider named does not exist.
var ErrNotFound = errors.New("dirserver: not found")

// ValidationError reports a field an admin must change before a save can
// succeed. Field uses the admin API's JSON names.
type ValidationError struct {
	Field   string
	Problem string
}

// Error describes the problem; it never contains a secret.
func (e *ValidationError) Error() string {
	return "dirserver: " + e.Field + ": " + e.Problem
}

// ConflictError reports a domain or user that another account already has.
type ConflictError struct {
	Field string
	Value string
	// Account is the other account, or "" when it was saved at the same
	// moment by another writer.
	Account string
}

// Error describes the problem; it never contains a secret.
func (e *ConflictError) Error() string {
	return "dirserver: " + e.sentence()
}

func (e *ConflictError) sentence() string {
	if e.Account == "" {
		return fmt.Sprintf("%s: %q already belongs to another account", e.Field, e.Value)
	}
	return fmt.Sprintf("%s: %q already belongs to the account %q", e.Field, e.Value, e.Account)
}

// Account is a customer of the directory: the email domains whose agents
// it signs in, and per-user overrides for addresses outside those domains.
type Account struct {
	Name    string   `json:"name"`
	Title   string   `json:"title,omitempty"`
	Domains []string `json:"domains"`
	// Users are email addresses that belong to this account whatever
	// their domain (a contractor's own address, for example).
	Users []string `json:"users"`
	// Line is the account's phone line (nil: none): the SIP registrar its
	// agents register at with their sign-in's access token (RFC 8898), and
	// the resource (RFC 8707) that token must be for, which is also the
	// audience (aud) of the access tokens the broker mints for the
	// account's agents (the desktop's client ID when empty). The lookup
	// answers it as the provider list's "line"; each agent's address of
	// record is "sip:" and their email, so AOR must be empty here.
	Line *sipaddr.Config `json:"line,omitempty"`
	// Providers is filled when reading; PUT of an account ignores it.
	Providers []ProviderView `json:"providers,omitempty"`
	// Version is raised by every change to the account or its
	// providers; the admin API sends it as the ETag. When saving
	// through the Go API, non-zero means "only if the stored version is
	// still this one" (else ErrPreconditionFailed); the admin API reads
	// If-Match instead and ignores this field.
	Version int64 `json:"version,omitempty"`
}

// AccountSummary is one row of the account list.
type AccountSummary struct {
	Name      string   `json:"name"`
	Title     string   `json:"title,omitempty"`
	Domains   []string `json:"domains"`
	Providers int      `json:"providers"`
	Enabled   int      `json:"enabled"`
	Enforced  int      `json:"enforced"`
}

// ProviderInput is the body of a provider save. Its fields are the
// provider-list fields (docs/providers.md), plus Enabled.
type ProviderInput struct {
	// Mode is ModeDirect (the default: the desktop signs in at the
	// identity provider as a public client) or ModeBrokered (the
	// directory's broker signs in there as a confidential client, and the
	// desktop signs in at the broker).
	Mode     string `json:"mode,omitempty"`
	Type     string `json:"type"`
	Name     string `json:"name,omitempty"`
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecret nil keeps the stored secret; "" removes it. In Direct
	// mode it is delivered to every desktop (never confidential); in
	// Brokered mode it is write-only: sealed at rest, never returned,
	// never logged, and never kept when the provider goes back to Direct.
	ClientSecret   *string           `json:"client_secret,omitempty"`
	Scopes         []string          `json:"scopes,omitempty"`
	AuthParams     map[string]string `json:"auth_params,omitempty"`
	UserinfoMethod string            `json:"userinfo_method,omitempty"`
	EmailClaim     string            `json:"email_claim,omitempty"`
	RedirectHost   string            `json:"redirect_host,omitempty"`
	RedirectPort   int               `json:"redirect_port,omitempty"`
	Enabled        bool              `json:"enabled"`
	Enforced       bool              `json:"enforced"`
	// Version, when not zero, saves only if the stored provider is still
	// at this version (else ErrPreconditionFailed). The admin API reads
	// If-Match instead.
	Version int64 `json:"-"`
}

// ProviderFlags is the body of a toggle: nil leaves a flag as it is.
type ProviderFlags struct {
	Enabled  *bool `json:"enabled,omitempty"`
	Enforced *bool `json:"enforced,omitempty"`
}

// ProviderView is a provider as the admin API and page show it. It never
// carries the client secret, only whether one is stored and its last
// characters.
type ProviderView struct {
	ID               string            `json:"id"`
	Mode             string            `json:"mode"`
	Type             string            `json:"type"`
	Name             string            `json:"name"`
	Issuer           string            `json:"issuer"`
	ClientID         string            `json:"client_id"`
	ClientSecretSet  bool              `json:"client_secret_set"`
	ClientSecretHint string            `json:"client_secret_hint,omitempty"`
	Scopes           []string          `json:"scopes"`
	AuthParams       map[string]string `json:"auth_params,omitempty"`
	UserinfoMethod   string            `json:"userinfo_method"`
	EmailClaim       string            `json:"email_claim"`
	RedirectHost     string            `json:"redirect_host"`
	RedirectPort     int               `json:"redirect_port,omitempty"`
	// RedirectURI is the redirect URI to register at the identity
	// provider: the desktop's loopback one in Direct mode, the broker's
	// https one in Brokered mode.
	RedirectURI string      `json:"redirect_uri"`
	Enabled     bool        `json:"enabled"`
	Enforced    bool        `json:"enforced"`
	LastTest    *TestReport `json:"last_test,omitempty"`
	// LastAuthorise is the last "Save and authorise" of a Brokered
	// provider: what an admin's sign-in through it showed.
	LastAuthorise *broker.AuthoriseReport `json:"last_authorise,omitempty"`
	UpdatedAt     time.Time               `json:"updated_at"`
	// Version is raised by every change; the admin API's ETag.
	Version int64 `json:"version"`
}

// Provider modes.
const (
	ModeDirect   = broker.ModeDirect
	ModeBrokered = broker.ModeBrokered
)

// RedirectPath is the path of Dialtone's loopback redirect URI.
const RedirectPath = "/callback"

var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func checkName(field, name string) error {
	if !namePattern.MatchString(name) {
		return &ValidationError{Field: field, Problem: fmt.Sprintf("%q must be 1 to 63 lower-case letters, digits and inner hyphens", name)}
	}
	return nil
}

// normalizeAccount checks an account and lower-cases, sorts and
// de-duplicates its domains and users.
func normalizeAccount(a *Account) error {
	a.Name = strings.TrimSpace(a.Name)
	a.Title = strings.TrimSpace(a.Title)
	if err := checkName("name", a.Name); err != nil {
		return err
	}
	if len(a.Title) > 200 {
		return &ValidationError{Field: "title", Problem: "must be at most 200 characters"}
	}
	for i, d := range a.Domains {
		_, domain, err := idp.SplitEmail("x@" + strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if err != nil {
			return &ValidationError{Field: fmt.Sprintf("domains[%d]", i), Problem: fmt.Sprintf("%q is not a domain name such as acme.com", d)}
		}
		a.Domains[i] = domain
	}
	for i, u := range a.Users {
		addr, _, err := idp.SplitEmail(u)
		if err != nil {
			return &ValidationError{Field: fmt.Sprintf("users[%d]", i), Problem: fmt.Sprintf("%q is not an email address", u)}
		}
		a.Users[i] = addr
	}
	if err := a.normalizeLine(); err != nil {
		return err
	}
	a.Domains = sortedUnique(a.Domains)
	a.Users = sortedUnique(a.Users)
	return nil
}

// normalizeLine trims the line's fields, drops a line with nothing in it,
// and checks the rest as the desktop will (internal/sipaddr).
func (a *Account) normalizeLine() error {
	if a.Line == nil {
		return nil
	}
	l := sipaddr.Config{Registrar: strings.TrimSpace(a.Line.Registrar), AOR: strings.TrimSpace(a.Line.AOR), Resource: strings.TrimSpace(a.Line.Resource)}
	switch {
	case l == sipaddr.Config{}:
		a.Line = nil
		return nil
	case l.AOR != "":
		return &ValidationError{Field: "line.aor", Problem: "is each agent's own (sip: and their email); leave it out"}
	case l.Registrar == "":
		return &ValidationError{Field: "line.registrar", Problem: "is needed for a phone line, such as sips:pbx.acme.com"}
	case len(l.Registrar) > 500 || len(l.Resource) > 500:
		return &ValidationError{Field: "line", Problem: "the registrar and the resource must each be at most 500 characters"}
	}
	if err := l.Validate(); err != nil {
		var ce *sipaddr.ConfigError
		if errors.As(err, &ce) {
			return &ValidationError{Field: ce.Field, Problem: fmt.Sprintf("%q %s", ce.Value, ce.Problem)}
		}
		return &ValidationError{Field: "line", Problem: err.Error()}
	}
	a.Line = &l
	return nil
}

// lineColumns are the account's line as stored: line_registrar and
// line_audience (the resource, which the broker reads as its audience).
func lineColumns(l *sipaddr.Config) (registrar, audience string) {
	if l == nil {
		return "", ""
	}
	return l.Registrar, l.Resource
}

// lineOf is the line stored as registrar and audience; nil when none.
func lineOf(registrar, audience string) *sipaddr.Config {
	if registrar == "" {
		return nil
	}
	return &sipaddr.Config{Registrar: registrar, Resource: audience}
}

func sortedUnique(s []string) []string {
	if s == nil {
		return []string{}
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// toProvider checks in as idp.Provider.Validate does for the client (so
// the directory never stores what a client would refuse) and returns the
// provider with defaults applied and the issuer normalised.
func (in *ProviderInput) toProvider(id, oldSecret string) (idp.Provider, error) {
	if err := checkName("id", id); err != nil {
		return idp.Provider{}, err
	}
	p := idp.Provider{
		ID: id, Type: strings.TrimSpace(in.Type), Name: strings.TrimSpace(in.Name),
		Issuer: in.Issuer, ClientID: in.ClientID, ClientSecret: oldSecret,
		Scopes: in.Scopes, AuthParams: in.AuthParams, UserinfoMethod: in.UserinfoMethod,
		EmailClaim: strings.TrimSpace(in.EmailClaim), RedirectHost: in.RedirectHost, RedirectPort: in.RedirectPort,
	}
	if in.ClientSecret != nil {
		p.ClientSecret = strings.TrimSpace(*in.ClientSecret)
	}
	if err := p.Validate(); err != nil {
		var ce *idp.ConfigError
		if errors.As(err, &ce) {
			return idp.Provider{}, &ValidationError{Field: ce.Field, Problem: ce.Problem}
		}
		return idp.Provider{}, err
	}
	return p, nil
}

// secretHint shows the last four characters of a long secret, so an admin
// can tell which one is stored without the page ever showing it.
func secretHint(secret string) string {
	if len(secret) < 16 {
		return ""
	}
	return "…" + secret[len(secret)-4:]
}

// redirectURI is the redirect URI an admin registers at the identity
// provider for p: RFC 8252 §7.3 loopback, any port unless p fixes one.
func redirectURI(p idp.Provider) string {
	host := p.RedirectHost
	if host == "" {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p.RedirectPort != 0 {
		host = fmt.Sprintf("%s:%d", host, p.RedirectPort)
	}
	return "http://" + host + RedirectPath
}
