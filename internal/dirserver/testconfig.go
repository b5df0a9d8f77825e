package dirserver

import (
	"context"
	"dialtone/internal/idp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// TestReport is the result of "Test configuration" (ipSCAPE's "Save and
// authorise"): what the directory found when it fetched the provider's
// discovery document and signing keys, as Dialtone will.
type TestReport struct {
	OK     bool      `json:"ok"` // no check failed (warnings allowed)
	At     time.Time `json:"at"`
	Issuer string    `json:"issuer"`
	Checks []Check   `json:"checks"`
}

// Check is one line of a TestReport.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // CheckOK, CheckWarn, CheckFail or CheckSkipped
	Detail string `json:"detail,omitempty"`
}

// Check statuses.
const (
	CheckOK      = "ok"
	CheckWarn    = "warn"
	CheckFail    = "fail"
	CheckSkipped = "skipped"
)

// The checks, in the order they run.
const (
	checkReach    = "Provider reachable"
	checkIssuer   = "Issuer matches"
	checkEndpoint = "Endpoints present"
	checkPKCE     = "PKCE S256 supported"
	checkKeys     = "Signing keys (JWKS)"
	checkScopes   = "Scopes supported"
	checkClient   = "Client authentication"
)

// testProvider runs the checks against p's issuer. It never returns an
// error: every failure is a failed check.
func testProvider(ctx context.Context, hc *http.Client, p idp.Provider, now time.Time) *TestReport {
	r := &TestReport{At: now, Issuer: p.Issuer}
	d, err := idp.FetchDiscovery(ctx, hc, p.Issuer)
	if err != nil {
		r.discoveryFailed(err)
		return r
	}
	r.add(checkReach, CheckOK, "fetched "+p.Issuer+"/.well-known/openid-configuration")
	r.add(checkIssuer, CheckOK, d.Issuer)
	r.add(checkEndpoint, CheckOK, "authorization, token and jwks_uri")
	if len(d.CodeChallengeMethodsSupported) == 0 {
		r.add(checkPKCE, CheckWarn, "the provider does not list code_challenge_methods_supported; Dialtone sends S256 and the provider must accept it")
	} else {
		r.add(checkPKCE, CheckOK, strings.Join(d.CodeChallengeMethodsSupported, ", "))
	}
	status, detail := fetchKeys(ctx, hc, d.JWKSURI)
	r.add(checkKeys, status, detail)
	status, detail = scopesCheck(p, d)
	r.add(checkScopes, status, detail)
	status, detail = clientAuthCheck(p, d)
	r.add(checkClient, status, detail)
	r.OK = !slices.ContainsFunc(r.Checks, func(c Check) bool { return c.Status == CheckFail })
	return r
}

func (r *TestReport) add(name, status, detail string) {
	r.Checks = append(r.Checks, Check{Name: name, Status: status, Detail: detail})
}

// discoveryFailed reports which of FetchDiscovery's checks failed and
// marks the rest skipped.
func (r *TestReport) discoveryFailed(err error) {
	failed, detail := classifyDiscoveryError(err)
	order := []string{checkReach, checkIssuer, checkEndpoint, checkPKCE, checkKeys, checkScopes, checkClient}
	at := slices.Index(order, failed)
	for i, name := range order {
		switch {
		case i < at:
			r.add(name, CheckOK, "")
		case i == at:
			r.add(name, CheckFail, detail)
		default:
			r.add(name, CheckSkipped, "")
		}
	}
}

func classifyDiscoveryError(err error) (check, detail string) {
	var netErr *idp.NetworkError
	var cfgErr *idp.ConfigError
	switch {
	case errors.As(err, &netErr):
		return checkReach, "unreachable host: " + strings.TrimPrefix(netErr.Error(), "auth: ")
	case !errors.As(err, &cfgErr):
		return checkReach, err.Error()
	case strings.Contains(cfgErr.Problem, "PKCE"):
		return checkPKCE, cfgErr.Problem
	case strings.Contains(cfgErr.Problem, "says its issuer is"):
		return checkIssuer, cfgErr.Problem
	case strings.Contains(cfgErr.Problem, "discovery document's"), strings.Contains(cfgErr.Problem, "has no "):
		return checkEndpoint, cfgErr.Problem
	default:
		return checkReach, strings.TrimPrefix(cfgErr.Error(), "auth: provider configuration: issuer: ")
	}
}

// fetchKeys fetches the JWKS through idp.MaxBodySize and checks that it
// holds at least one signing key.
func fetchKeys(ctx context.Context, hc *http.Client, uri string) (status, detail string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return CheckFail, fmt.Sprintf("jwks_uri %q is not a URL", uri)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return CheckFail, "unreachable: " + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, idp.MaxBodySize+1))
	switch {
	case err != nil:
		return CheckFail, "could not read " + uri + ": " + err.Error()
	case resp.StatusCode != http.StatusOK:
		return CheckFail, uri + " answered " + resp.Status
	case len(body) > idp.MaxBodySize:
		return CheckFail, uri + " is larger than 1 MiB"
	}
	return checkJWKS(body, uri)
}

func checkJWKS(body []byte, uri string) (status, detail string) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
			Kid string `json:"kid"`
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return CheckFail, uri + " is not a JSON Web Key Set: " + err.Error()
	}
	var signing []string
	for _, k := range set.Keys {
		if k.Kty != "" && (k.Use == "" || k.Use == "sig") && k.Kty != "oct" {
			signing = append(signing, strings.TrimSpace(k.Kty+" "+k.Alg+" "+k.Kid))
		}
	}
	if len(signing) == 0 {
		return CheckFail, uri + " has no public signing key"
	}
	return CheckOK, fmt.Sprintf("%d signing key(s): %s", len(signing), strings.Join(signing, "; "))
}

func scopesCheck(p idp.Provider, d *idp.Discovery) (status, detail string) {
	if len(d.ScopesSupported) == 0 {
		return CheckOK, "the provider lists no scopes_supported"
	}
	var missing []string
	for _, s := range p.Scopes {
		if !slices.Contains(d.ScopesSupported, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return CheckWarn, "the provider does not list " + strings.Join(missing, ", ") + " in scopes_supported"
	}
	return CheckOK, strings.Join(p.Scopes, " ")
}

// clientAuthCheck warns when the token endpoint may refuse how Dialtone
// authenticates: "none" for a public client, a secret otherwise. An absent
// list means client_secret_basic only (Discovery 1.0 §3).
func clientAuthCheck(p idp.Provider, d *idp.Discovery) (status, detail string) {
	methods := d.TokenEndpointAuthMethodsSupported
	if len(methods) == 0 {
		methods = []string{"client_secret_basic"}
	}
	switch {
	case p.ClientSecret == "" && !slices.Contains(methods, "none"):
		return CheckWarn, "no Client Secret is set, but the provider lists only " + strings.Join(methods, ", ") + "; register a public (native) client or enter its installed-app secret"
	case p.ClientSecret != "" && !slices.Contains(methods, "client_secret_basic") && !slices.Contains(methods, "client_secret_post"):
		return CheckWarn, "a Client Secret is set, but the provider accepts only " + strings.Join(methods, ", ")
	case p.ClientSecret == "":
		return CheckOK, "public client (no secret)"
	case p.ClientSecret == keptSecret:
		return CheckOK, "confidential client (Brokered; the secret is sealed in the directory)"
	}
	return CheckOK, "installed-app secret"
}
