package auth

import (
	"dialtone/internal/idp"

	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// idClaims are the ID token claims Dialtone checks, plus all claims for
// the email lookup.
type idClaims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	Nonce    string
	All      map[string]any
}

// claimTimes are the time claims go-oidc leaves to the caller when expiry
// checks are skipped. Pointers tell "absent" from zero.
type claimTimes struct {
	Exp *json.Number `json:"exp"`
	Iat *json.Number `json:"iat"`
	Nbf *json.Number `json:"nbf"`
	Azp string       `json:"azp"`
}

// verifyIDToken checks an ID token. go-oidc checks the signature (against
// our cached key set) and the algorithm; Dialtone then checks what go-oidc
// leaves to the caller or does too loosely for us, each with its own name
// in the error: iss, aud, azp (OpenID Connect Core §3.1.3.7), exp and iat
// and nbf with Config.Leeway, and the nonce (skipped when wantNonce is
// empty, as on refresh).
func (c *Client) verifyIDToken(ctx context.Context, op *Resolved, raw, wantNonce string) (*idClaims, error) {
	v := oidc.NewVerifier(op.disc.Issuer, op.keys, &oidc.Config{
		ClientID:             op.provider.ClientID,
		SupportedSigningAlgs: op.disc.SigningAlgs(),
		SkipIssuerCheck:      true, // checked below, with a named error
		SkipClientIDCheck:    true, // checked below, with azp
		SkipExpiryCheck:      true, // checked below, with our leeway
	})
	if raw == "" {
		return nil, &VerificationError{Check: "id_token", Err: errors.New("the provider returned no ID token")}
	}
	if err := op.keys.ensure(ctx); err != nil {
		return nil, err
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, &VerificationError{Check: "signature", Err: err}
	}
	claims := &idClaims{Issuer: tok.Issuer, Subject: tok.Subject, Audience: tok.Audience, Expiry: tok.Expiry, Nonce: tok.Nonce}
	var times claimTimes
	if err := tok.Claims(&times); err != nil {
		return nil, &VerificationError{Check: "claims", Err: err}
	}
	if err := tok.Claims(&claims.All); err != nil {
		return nil, &VerificationError{Check: "claims", Err: err}
	}
	checks := []func() error{
		func() error { return checkIssuer(op, claims) },
		func() error { return checkTenant(op.provider, claims.All) },
		func() error { return checkHostedDomain(op.provider, claims.All) },
		func() error { return checkAudience(op.provider.ClientID, claims.Audience, times.Azp) },
		func() error { return c.checkTimes(times) },
		func() error { return checkNonce(wantNonce, claims.Nonce) },
		func() error { return checkSubject(claims.Subject) },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return nil, err
		}
	}
	return claims, nil
}

// checkIssuer compares the token's iss with the discovered issuer, as the
// provider's type spells it (Entra ID's template filled with tid; Google's
// issuer with or without the scheme).
func checkIssuer(op *Resolved, claims *idClaims) error {
	prof := idp.ProfileOf(op.provider.Type)
	want := op.disc.Issuer
	if prof.TokenIssuer != nil {
		w, err := prof.TokenIssuer(want, claims.All)
		if err != nil {
			return &VerificationError{Check: "iss", Err: err}
		}
		want = w
	}
	got := claims.Issuer
	if got == want || (prof.AltIssuer != nil && got == prof.AltIssuer(want)) {
		return nil
	}
	hint := ""
	if op.provider.Type != idp.TypeGoogle && got == idp.WithoutScheme(want) {
		hint = "; Google spells its issuer without https://: choose type google"
	}
	return &VerificationError{Check: "iss", Err: fmt.Errorf("the token was issued by %q, not %q%s", got, want, hint)}
}

// checkTenant applies the optional Entra ID tenant allow-list.
func checkTenant(p idp.Provider, claims map[string]any) error {
	if len(p.Tenants) == 0 {
		return nil
	}
	tid, _ := claims["tid"].(string)
	if !slices.Contains(p.Tenants, tid) {
		return &VerificationError{Check: "tid", Err: fmt.Errorf("the account's tenant %q is not one this account allows", tid)}
	}
	return nil
}

// checkHostedDomain enforces Google's hd when the provider asks for one
// with auth_params.hd: the parameter alone only filters the account
// chooser, the claim is the proof.
func checkHostedDomain(p idp.Provider, claims map[string]any) error {
	want := p.AuthParams["hd"]
	if want == "" || want == "*" {
		return nil
	}
	if got, _ := claims["hd"].(string); !strings.EqualFold(got, want) {
		return &VerificationError{Check: "hd", Err: fmt.Errorf("the account belongs to hosted domain %q, not %q", got, want)}
	}
	return nil
}

func checkAudience(clientID string, aud []string, azp string) error {
	switch {
	case !slices.Contains(aud, clientID):
		return &VerificationError{Check: "aud", Err: fmt.Errorf("the token is for %q, not this app (%q)", aud, clientID)}
	case len(aud) > 1 && azp == "":
		return &VerificationError{Check: "azp", Err: errors.New("the token has several audiences but no azp")}
	case azp != "" && azp != clientID:
		return &VerificationError{Check: "azp", Err: fmt.Errorf("the token was issued to %q, not this app (%q)", azp, clientID)}
	}
	return nil
}

func (c *Client) checkTimes(t claimTimes) error {
	now := c.now()
	exp, err := numericDate(t.Exp)
	switch {
	case err != nil || exp.IsZero():
		return &VerificationError{Check: "exp", Err: errors.New("the token has no valid expiry")}
	case now.After(exp.Add(c.leeway)):
		return &VerificationError{Check: "exp", Err: fmt.Errorf("the token expired at %s", exp.UTC().Format(time.RFC3339))}
	}
	if iat, err := numericDate(t.Iat); err != nil || iat.After(now.Add(c.leeway)) {
		return &VerificationError{Check: "iat", Err: errors.New("the token claims to be issued in the future; check this computer's clock")}
	}
	if nbf, err := numericDate(t.Nbf); err != nil || nbf.After(now.Add(c.leeway)) {
		return &VerificationError{Check: "nbf", Err: errors.New("the token is not valid yet; check this computer's clock")}
	}
	return nil
}

// numericDate reads a JWT NumericDate; absent is the zero time.
func numericDate(n *json.Number) (time.Time, error) {
	if n == nil {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, 0).Add(time.Duration(f * float64(time.Second))), nil
}

func checkNonce(want, got string) error {
	if want == "" {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return &VerificationError{Check: "nonce", Err: errors.New("the token's nonce is not the one this sign-in sent (a replayed or injected token)")}
	}
	return nil
}

func checkSubject(sub string) error {
	if sub == "" {
		return &VerificationError{Check: "sub", Err: errors.New("the token has no subject")}
	}
	return nil
}
