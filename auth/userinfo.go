package auth

import (
	"dialtone/internal/idp"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// userinfo calls the provider's UserInfo endpoint (OpenID Connect Core
// §5.3) with the provider's method, GET or POST, and the access token in
// the Authorization header. Its sub must equal the ID token's (§5.3.2),
// or the response is refused. A provider without a userinfo endpoint
// yields nil.
func (c *Client) userinfo(ctx context.Context, op *Resolved, accessToken, subject string) (map[string]any, error) {
	if op.disc.UserinfoEndpoint == "" {
		return nil, nil
	}
	req, err := http.NewRequestWithContext(ctx, op.provider.UserinfoMethod, op.disc.UserinfoEndpoint, nil)
	if err != nil {
		return nil, &idp.ConfigError{Field: "userinfo_method", Problem: "cannot build the userinfo request", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	if req.Method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	body, ctype, err := doUserinfo(c, req)
	if err != nil {
		return nil, err
	}
	return parseUserinfo(body, ctype, subject)
}

func doUserinfo(c *Client, req *http.Request) ([]byte, string, error) {
	body, resp, err := idp.DoResponse(c.hc, req, "read your profile")
	var se *idp.StatusError
	switch {
	case errors.As(err, &se) && se.Code == http.StatusMethodNotAllowed:
		return nil, "", &idp.ConfigError{Field: "userinfo_method", Problem: fmt.Sprintf("the provider's userinfo endpoint does not accept %s; try the other method", req.Method)}
	case errors.As(err, &se):
		return nil, "", &ProviderError{Code: "invalid_token", Description: "the userinfo endpoint answered " + se.Status}
	case err != nil:
		return nil, "", err
	case resp.StatusCode != http.StatusOK:
		return nil, "", &ProviderError{Code: "invalid_token", Description: "the userinfo endpoint answered " + resp.Status}
	}
	return body, resp.Header.Get("Content-Type"), nil
}

func parseUserinfo(body []byte, ctype, subject string) (map[string]any, error) {
	if mt, _, _ := mime.ParseMediaType(ctype); mt == "application/jwt" {
		return nil, &idp.ConfigError{Field: "issuer", Problem: "the provider signs its userinfo responses (application/jwt), which Dialtone does not support; configure plain JSON userinfo"}
	}
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, &VerificationError{Check: "userinfo", Err: fmt.Errorf("the userinfo response is not a JSON object: %w", err)}
	}
	sub, _ := info["sub"].(string)
	if sub != subject {
		return nil, &VerificationError{Check: "userinfo sub", Err: errors.New("the userinfo response is about another user than the ID token")}
	}
	return info, nil
}

// matchEmail finds the agent's email in the first of claims present — in
// the ID token, else in userinfo — and checks it against the typed address, case-insensitively
// after trimming. An email_verified of false (a boolean or the string
// "false") from the same source is refused; an absent one is not.
func matchEmail(typed string, claims []string, idToken, info map[string]any) (string, error) {
	for _, src := range []map[string]any{idToken, info} {
		got, claim := firstClaim(src, claims)
		if got == "" {
			continue
		}
		got = strings.ToLower(strings.TrimSpace(got))
		if got != typed {
			return "", &EmailError{Problem: EmailMismatch, Typed: typed, Got: got, Claim: claim}
		}
		if isFalse(src["email_verified"]) {
			return "", &EmailError{Problem: EmailUnverified, Typed: typed, Got: got, Claim: claim}
		}
		return got, nil
	}
	return "", &EmailError{Problem: EmailMissing, Typed: typed, Claim: strings.Join(claims, " or ")}
}

// firstClaim returns the first non-empty string claim of names in src.
func firstClaim(src map[string]any, names []string) (value, name string) {
	for _, n := range names {
		if v, ok := src[n].(string); ok && strings.TrimSpace(v) != "" {
			return v, n
		}
	}
	return "", ""
}

func isFalse(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case string:
		return strings.EqualFold(v, "false")
	}
	return false
}
