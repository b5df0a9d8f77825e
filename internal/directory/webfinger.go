package directory

import (
	"dialtone/internal/idp"

	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// IssuerRel is the WebFinger link relation of an OpenID issuer (OpenID
// Connect Discovery 1.0 §2).
const IssuerRel = "http://openid.net/specs/connect/1.0/issuer"

// WebFinger finds an organisation's OpenID issuer by asking the email's
// domain, as OpenID Connect Discovery 1.0 §2 describes: a GET of
// https://DOMAIN/.well-known/webfinger?resource=acct:EMAIL&rel=IssuerRel.
// It is a fallback for organisations that publish it and have no entry in
// a provider directory; Client uses it only when asked to.
//
// The domain owner chooses the issuer this way, so it only ever serves
// that domain's addresses, and the login still checks that the provider
// signs in the typed email. The request is always https.
type WebFinger struct {
	// ClientID is Dialtone's client at issuers found this way (for
	// example one registered with each such organisation, or a public
	// client the issuer accepts). Required.
	ClientID string
	// ClientSecret is an installed-app secret, if the issuer needs one.
	// Empty for a public client.
	ClientSecret string
	// Type is the provider profile to use. Empty means idp.TypeOIDC.
	Type string
}

// jrd is the part of a JSON Resource Descriptor (RFC 7033 §4.4) read here.
type jrd struct {
	Links []struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"links"`
}

// Issuer asks domain for the OpenID issuer of addr. It returns "" and no
// error when the domain publishes none (404, or no issuer link).
func (w *WebFinger) Issuer(ctx context.Context, hc *http.Client, addr, domain string) (string, error) {
	endpoint := "https://" + domain + "/.well-known/webfinger"
	q := url.Values{"resource": {"acct:" + addr}, "rel": {IssuerRel}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return "", &idp.ConfigError{Field: "email", Problem: "cannot build the WebFinger URL", Err: err}
	}
	req.Header.Set("Accept", "application/jrd+json, application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", &idp.NetworkError{Op: "ask for the OpenID issuer by WebFinger", URL: endpoint, Err: idp.WithoutURL(err)}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return "", nil
	case resp.StatusCode >= 500:
		return "", &idp.NetworkError{Op: "ask for the OpenID issuer by WebFinger", URL: endpoint, Err: fmt.Errorf("server error %s", resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return "", nil // publishes nothing usable: not an error of ours
	}
	return issuerFromJRD(resp, endpoint)
}

func issuerFromJRD(resp *http.Response, endpoint string) (string, error) {
	var doc jrd
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, idp.MaxBodySize))
	if err := dec.Decode(&doc); err != nil {
		return "", &idp.ConfigError{Field: "webfinger", Problem: "the answer of " + endpoint + " is not a JSON resource descriptor", Err: err}
	}
	for _, l := range doc.Links {
		if l.Rel != IssuerRel {
			continue
		}
		issuer, err := idp.NormalizeIssuer(l.Href)
		if err != nil {
			return "", &idp.ConfigError{Field: "webfinger", Problem: "the issuer link of " + endpoint + " " + err.Error()}
		}
		return issuer, nil
	}
	return "", nil
}

// providers returns a one-provider list for the issuer domain publishes,
// or nil when it publishes none.
func (w *WebFinger) providers(ctx context.Context, hc *http.Client, addr, domain string) (*idp.ProviderList, error) {
	if w.ClientID == "" {
		return nil, &idp.ConfigError{Field: "webfinger.client_id", Problem: "is required to use issuers found by WebFinger"}
	}
	issuer, err := w.Issuer(ctx, hc, addr, domain)
	if err != nil || issuer == "" {
		return nil, err
	}
	typ := w.Type
	if typ == "" {
		typ = idp.TypeOIDC
	}
	p := idp.Provider{ID: "webfinger", Type: typ, Issuer: issuer, ClientID: w.ClientID, ClientSecret: w.ClientSecret}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &idp.ProviderList{Email: addr, Providers: []idp.Provider{p}}, nil
}
