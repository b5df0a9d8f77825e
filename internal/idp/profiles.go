package idp

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Profile is how one kind of identity provider bends OpenID Connect. Every
// rule is chosen by the provider list's type, never by the issuer's host
// name, so each profile is testable with a provider on loopback. TypeOIDC
// is the strict standard with no exceptions. docs/providers.md explains
// each rule and the app registration it goes with.
type Profile struct {
	// Scopes are the default scopes; DropScopes are removed even when
	// configured, because the provider refuses them.
	Scopes     []string
	DropScopes []string
	// AuthParams are added to the authorization request unless the
	// provider list sets them.
	AuthParams map[string]string
	// RedirectHost is the default loopback redirect host; BadHosts are
	// refused.
	RedirectHost string
	BadHosts     []string
	// NeedsSecret: the token endpoint refuses the client without its
	// (non-confidential) installed-app secret.
	NeedsSecret bool
	// EmailClaims are tried in order when email_claim is the default.
	EmailClaims []string
	// AcceptIssuer, when set, accepts a discovery document whose issuer is
	// not the configured one (TokenIssuer then says what tokens must
	// carry).
	AcceptIssuer func(configured, discovered string) bool
	// TokenIssuer, when set, returns the issuer a token's iss must equal,
	// given the discovered issuer and the token's claims.
	TokenIssuer func(discovered string, claims map[string]any) (string, error)
	// AltIssuer, when set, is another spelling of the issuer that tokens
	// may carry.
	AltIssuer func(discovered string) string
}

var profiles = map[string]Profile{
	TypeOIDC:     {Scopes: DefaultScopes},
	TypeOkta:     {Scopes: DefaultScopes},
	TypeKeycloak: {Scopes: DefaultScopes},
	TypeOneLogin: {Scopes: DefaultScopes},
	TypeGoogle: {
		Scopes:      []string{"openid", "email", "profile"},
		DropScopes:  []string{"offline_access"},
		AuthParams:  map[string]string{"access_type": "offline", "prompt": "consent"},
		NeedsSecret: true,
		AltIssuer:   WithoutScheme,
	},
	TypeAzure: {
		Scopes:       DefaultScopes,
		RedirectHost: "localhost",
		BadHosts:     []string{"::1"},
		EmailClaims:  []string{"email", "preferred_username", "upn"},
		AcceptIssuer: azureTemplateMatches,
		TokenIssuer:  azureTokenIssuer,
	},
	TypeSalesforce: {
		Scopes:       []string{"openid", "email", "profile", "refresh_token"},
		DropScopes:   []string{"offline_access"},
		AcceptIssuer: salesforceLoginHost,
	},
}

// ProfileOf returns the profile of a provider type; an unknown type gets
// TypeOIDC's strict one.
func ProfileOf(typ string) Profile {
	if p, ok := profiles[typ]; ok {
		return p
	}
	return profiles[TypeOIDC]
}

// WithoutScheme is Google's other spelling of its issuer:
// "accounts.google.com" for "https://accounts.google.com".
func WithoutScheme(issuer string) string {
	_, rest, ok := strings.Cut(issuer, "://")
	if !ok {
		return issuer
	}
	return rest
}

const azureTenantPlaceholder = "{tenantid}"

// azureTemplateMatches accepts Entra ID's multi-tenant discovery document
// (for "common", "organizations" or "consumers"), whose issuer is the
// literal template ".../{tenantid}/v2.0": it must be the configured issuer
// with the tenant segment replaced by the placeholder.
func azureTemplateMatches(configured, discovered string) bool {
	if !strings.Contains(discovered, azureTenantPlaceholder) {
		return false
	}
	prefix, suffix, _ := strings.Cut(discovered, azureTenantPlaceholder)
	tenant, ok := strings.CutPrefix(configured, prefix)
	if !ok {
		return false
	}
	tenant, ok = strings.CutSuffix(tenant, suffix)
	return ok && tenant != "" && !strings.Contains(tenant, "/")
}

// azureTokenIssuer fills Entra ID's issuer template with the token's tid.
func azureTokenIssuer(discovered string, claims map[string]any) (string, error) {
	if !strings.Contains(discovered, azureTenantPlaceholder) {
		return discovered, nil
	}
	tid, _ := claims["tid"].(string)
	if tid == "" || strings.ContainsAny(tid, "/?#") {
		return "", fmt.Errorf("the token has no valid tid claim to fill the issuer template %q", discovered)
	}
	return strings.Replace(discovered, azureTenantPlaceholder, tid, 1), nil
}

// salesforceLoginHosts are where Salesforce's discovery documents point
// whatever My Domain URL they are fetched from.
var salesforceLoginHosts = []string{"login.salesforce.com", "test.salesforce.com"}

// salesforceLoginHost accepts a Salesforce org whose discovery document
// names the Salesforce login host as its issuer. A loopback issuer is
// accepted only from a loopback discovery URL, so the profile can be
// tested on loopback and nothing else changes.
func salesforceLoginHost(configured, discovered string) bool {
	d, err := url.Parse(discovered)
	if err != nil {
		return false
	}
	if d.Scheme == "https" && slices.Contains(salesforceLoginHosts, strings.ToLower(d.Hostname())) {
		return true
	}
	c, err := url.Parse(configured)
	return err == nil && IsLoopbackHost(c.Hostname()) && IsLoopbackHost(d.Hostname())
}

// issuerHint suggests the type an admin should choose when a document or
// token breaks the strict rules in a way one profile expects.
func issuerHint(typ, configured, discovered string) string {
	if typ != TypeAzure && azureTemplateMatches(configured, discovered) {
		return "; this is Microsoft Entra ID's multi-tenant issuer: choose type azure"
	}
	if typ != TypeSalesforce && salesforceLoginHost(configured, discovered) {
		return "; if this is a Salesforce org, choose type salesforce (its discovery document names the Salesforce login host)"
	}
	return ""
}
