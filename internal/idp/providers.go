package idp

import (
	"dialtone/internal/sipaddr"

	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxBodySize bounds every response and file Dialtone reads: discovery
// documents, JWKS, token and userinfo responses, provider lists.
const MaxBodySize = 1 << 20

// ProviderList is which single sign-on providers an account may use. It is
// the body of the provider directory's answer and the format of the file
// given with --providers (docs/providers.md documents every field).
type ProviderList struct {
	Account   string     `json:"account,omitempty"`
	Email     string     `json:"email,omitempty"`
	Providers []Provider `json:"providers"`
	// Line is the account's phone line, when it has one: the SIP
	// registrar the sign-in's access token registers with (RFC 8898).
	Line *sipaddr.Config `json:"line,omitempty"`
}

// Provider is one identity provider an account has enabled. Only ID, Type,
// Issuer and ClientID are required; ApplyDefaults fills the rest.
//
// ClientSecret is delivered to every desktop client, so it must never be a
// confidential secret: it is either empty (a public client, the default) or
// an installed-app secret such as Google's Desktop-app clients use.
type Provider struct {
	ID             string            `json:"id"`
	Type           string            `json:"type"`
	Name           string            `json:"name,omitempty"`
	Issuer         string            `json:"issuer"`
	ClientID       string            `json:"client_id"`
	ClientSecret   string            `json:"client_secret,omitempty"`
	Scopes         []string          `json:"scopes,omitempty"`
	UserinfoMethod string            `json:"userinfo_method,omitempty"`
	EmailClaim     string            `json:"email_claim,omitempty"`
	AuthParams     map[string]string `json:"auth_params,omitempty"`
	RedirectHost   string            `json:"redirect_host,omitempty"`
	RedirectPort   int               `json:"redirect_port,omitempty"`
	RedirectPorts  []int             `json:"redirect_ports,omitempty"`
	Tenants        []string          `json:"tenants,omitempty"`
	Enforced       bool              `json:"enforced,omitempty"`
}

// Provider types: each names a profile of how that identity provider bends
// OpenID Connect. TypeOIDC is the strict standard behaviour.
const (
	TypeGoogle     = "google"
	TypeOkta       = "okta"
	TypeKeycloak   = "keycloak"
	TypeOneLogin   = "onelogin"
	TypeAzure      = "azure"
	TypeSalesforce = "salesforce"
	TypeOIDC       = "oidc"
)

var typeNames = map[string]string{
	TypeGoogle:     "Google",
	TypeOkta:       "Okta",
	TypeKeycloak:   "Keycloak",
	TypeOneLogin:   "OneLogin",
	TypeAzure:      "Microsoft Entra ID",
	TypeSalesforce: "Salesforce",
	TypeOIDC:       "Single sign-on",
}

// Types lists the provider types Dialtone knows, in display order.
func Types() []string {
	return []string{TypeGoogle, TypeOkta, TypeKeycloak, TypeOneLogin, TypeAzure, TypeSalesforce, TypeOIDC}
}

// DefaultScopes are requested when a provider names none (some types
// differ: see docs/providers.md).
var DefaultScopes = []string{"openid", "email", "profile", "offline_access"}

// ParseProviderList decodes and validates a provider list. Decoding is
// strict: unknown fields, wrong types, trailing data and invalid values are
// errors that name the field (a *ConfigError). At most MaxBodySize bytes are
// read. The returned list has defaults applied and issuers normalised.
func ParseProviderList(r io.Reader) (*ProviderList, error) {
	data, err := ReadBounded(r)
	if errors.Is(err, ErrTooLarge) {
		return nil, &ConfigError{Field: "(document)", Problem: fmt.Sprintf("larger than %d bytes", MaxBodySize)}
	}
	if err != nil {
		return nil, fmt.Errorf("idp: could not read the provider list: %w", err)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return nil, &ConfigError{Field: "(document)", Problem: "must be a JSON object {\"providers\": [...]}"}
	}
	var list ProviderList
	if err := decodeStrict(data, &list); err != nil {
		return nil, err
	}
	if err := list.Validate(); err != nil {
		return nil, err
	}
	return &list, nil
}

// decodeStrict decodes one JSON object, turning decoder errors into
// *ConfigError values that name the field or the line and column.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON object")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return &ConfigError{Field: typeErr.Field, Problem: "must be a JSON " + jsonKind(typeErr.Type.Kind().String()) + ", not " + typeErr.Value}
	case errors.As(err, &syntaxErr):
		line, col := position(data, syntaxErr.Offset)
		return &ConfigError{Field: "(document)", Problem: fmt.Sprintf("invalid JSON at line %d, column %d", line, col), Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return &ConfigError{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Problem: "unknown field"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ConfigError{Field: "(document)", Problem: "empty or truncated JSON"}
	default:
		return &ConfigError{Field: "(document)", Problem: "invalid JSON", Err: err}
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "map", "struct":
		return "object"
	default:
		return "number"
	}
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for _, b := range data[:min(int(offset), len(data))] {
		if b == '\n' {
			line, col = line+1, 1
			continue
		}
		col++
	}
	return line, col
}

// Validate checks every provider, applies defaults and normalises issuers.
// Provider IDs must be unique. An empty list is valid: the account exists
// but has no single sign-on provider enabled.
func (l *ProviderList) Validate() error {
	seen := map[string]bool{}
	for i := range l.Providers {
		p := &l.Providers[i]
		if err := p.Validate(); err != nil {
			var ce *ConfigError
			if errors.As(err, &ce) {
				ce.Field = fmt.Sprintf("providers[%d].%s", i, ce.Field)
			}
			return err
		}
		if seen[p.ID] {
			return &ConfigError{Field: fmt.Sprintf("providers[%d].id", i), Problem: fmt.Sprintf("%q is used twice", p.ID)}
		}
		seen[p.ID] = true
	}
	return l.validateLine()
}

// validateLine checks the line, as a *ConfigError naming its field.
func (l *ProviderList) validateLine() error {
	if l.Line == nil {
		return nil
	}
	err := l.Line.Validate()
	var se *sipaddr.ConfigError
	if errors.As(err, &se) {
		return &ConfigError{Field: se.Field, Problem: fmt.Sprintf("%q %s", se.Value, se.Problem)}
	}
	return err
}

// Offered returns the providers the agent may choose from: those marked
// enforced, or all when none is. When any provider is enforced no other
// sign-in may be offered.
func (l *ProviderList) Offered() []Provider {
	var enforced []Provider
	for _, p := range l.Providers {
		if p.Enforced {
			enforced = append(enforced, p)
		}
	}
	if len(enforced) == 0 {
		return l.Providers
	}
	return enforced
}

// Choose returns the provider to sign in with: the offered one with the
// given id, or with id "" the only one offered. It returns a
// *NoProviderError when no provider is offered, and a *ChoiceError when id
// is "" and several are offered (the agent must choose) or when id is not
// offered.
func (l *ProviderList) Choose(id string) (Provider, error) {
	offered := l.Offered()
	if len(offered) == 0 {
		return Provider{}, &NoProviderError{Email: l.Email}
	}
	for _, p := range offered {
		if p.ID == id || (id == "" && len(offered) == 1) {
			return p, nil
		}
	}
	return Provider{}, &ChoiceError{ID: id, Offered: offered}
}

// Find returns the provider with the given ID.
func (l *ProviderList) Find(id string) (Provider, bool) {
	i := slices.IndexFunc(l.Providers, func(p Provider) bool { return p.ID == id })
	if i < 0 {
		return Provider{}, false
	}
	return l.Providers[i], true
}

// Validate checks a provider's fields, applies defaults and normalises the
// issuer in place. Errors are *ConfigError values naming the field.
func (p *Provider) Validate() error {
	checks := []func() error{p.validateRequired, p.validateIssuer, p.validateUserinfo, p.validateRedirect, p.validateScopes, p.validateAuthParams, p.validateProfile}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	p.applyDefaults()
	return nil
}

func (p *Provider) validateRequired() error {
	p.ID = strings.TrimSpace(p.ID)
	p.ClientID = strings.TrimSpace(p.ClientID)
	switch {
	case p.ID == "":
		return &ConfigError{Field: "id", Problem: "is required"}
	case p.Type == "":
		return &ConfigError{Field: "type", Problem: "is required (one of " + strings.Join(Types(), ", ") + ")"}
	case typeNames[p.Type] == "":
		return &ConfigError{Field: "type", Problem: fmt.Sprintf("%q is not one of %s", p.Type, strings.Join(Types(), ", "))}
	case p.ClientID == "":
		return &ConfigError{Field: "client_id", Problem: "is required"}
	}
	return nil
}

func (p *Provider) validateIssuer() error {
	if strings.TrimSpace(p.Issuer) == "" {
		return &ConfigError{Field: "issuer", Problem: "is required"}
	}
	issuer, err := NormalizeIssuer(p.Issuer)
	if err != nil {
		return &ConfigError{Field: "issuer", Problem: err.Error()}
	}
	p.Issuer = issuer
	return nil
}

func (p *Provider) validateUserinfo() error {
	p.UserinfoMethod = strings.ToUpper(strings.TrimSpace(p.UserinfoMethod))
	if p.UserinfoMethod != "" && p.UserinfoMethod != "GET" && p.UserinfoMethod != "POST" {
		return &ConfigError{Field: "userinfo_method", Problem: fmt.Sprintf("%q must be GET or POST", p.UserinfoMethod)}
	}
	return nil
}

func (p *Provider) validateRedirect() error {
	switch p.RedirectHost {
	case "", "127.0.0.1", "::1", "[::1]", "localhost":
	default:
		return &ConfigError{Field: "redirect_host", Problem: fmt.Sprintf("%q must be 127.0.0.1, ::1 or localhost (RFC 8252 §7.3)", p.RedirectHost)}
	}
	if p.RedirectHost == "[::1]" {
		p.RedirectHost = "::1"
	}
	if p.RedirectPort < 0 || p.RedirectPort > 65535 {
		return &ConfigError{Field: "redirect_port", Problem: fmt.Sprintf("%d is not a port number (0 picks a free port)", p.RedirectPort)}
	}
	for i, port := range p.RedirectPorts {
		if port < 1 || port > 65535 {
			return &ConfigError{Field: fmt.Sprintf("redirect_ports[%d]", i), Problem: fmt.Sprintf("%d is not a port number", port)}
		}
	}
	if slices.Contains(ProfileOf(p.Type).BadHosts, p.RedirectHost) {
		return &ConfigError{Field: "redirect_host", Problem: fmt.Sprintf("%s does not accept %s as a redirect host; use localhost", typeNames[p.Type], p.RedirectHost)}
	}
	return nil
}

func (p *Provider) validateProfile() error {
	if ProfileOf(p.Type).NeedsSecret && p.ClientSecret == "" {
		return &ConfigError{Field: "client_secret", Problem: typeNames[p.Type] + " desktop-app clients need their client secret (it is not confidential); copy it from the client's page"}
	}
	if len(p.Tenants) > 0 && p.Type != TypeAzure {
		return &ConfigError{Field: "tenants", Problem: "applies only to type azure"}
	}
	return nil
}

func (p *Provider) validateScopes() error {
	for i, s := range p.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			return &ConfigError{Field: fmt.Sprintf("scopes[%d]", i), Problem: fmt.Sprintf("%q is not a valid scope", s)}
		}
	}
	if len(p.Scopes) > 0 && !slices.Contains(p.Scopes, "openid") {
		return &ConfigError{Field: "scopes", Problem: `must include "openid"`}
	}
	return nil
}

// reservedParams are set by Dialtone itself; letting a provider list
// override them would switch off a security check.
var reservedParams = []string{"state", "nonce", "code_challenge", "code_challenge_method", "redirect_uri", "client_id", "response_type", "scope", "response_mode", "request", "request_uri"}

func (p *Provider) validateAuthParams() error {
	for k := range p.AuthParams {
		if slices.Contains(reservedParams, k) {
			return &ConfigError{Field: "auth_params." + k, Problem: "is set by Dialtone and cannot be overridden"}
		}
	}
	return nil
}

func (p *Provider) applyDefaults() {
	if p.Name == "" {
		p.Name = typeNames[p.Type]
	}
	prof := ProfileOf(p.Type)
	if len(p.Scopes) == 0 {
		p.Scopes = slices.Clone(prof.Scopes)
	}
	p.Scopes = slices.DeleteFunc(p.Scopes, func(s string) bool { return slices.Contains(prof.DropScopes, s) })
	if p.UserinfoMethod == "" {
		p.UserinfoMethod = "GET"
	}
	if p.EmailClaim == "" {
		p.EmailClaim = "email"
	}
	if p.RedirectHost == "" {
		p.RedirectHost = cmp.Or(prof.RedirectHost, "127.0.0.1")
	}
}
