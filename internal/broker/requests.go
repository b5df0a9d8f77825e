package broker

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// authRequest is the desktop's authorization request (op.AuthRequest), as
// stored in broker_auth_requests until its code is redeemed.
type authRequest struct {
	id         string
	clientID   string
	params     requestParams
	accountID  int64
	providerID string
	sessionID  string // set once the upstream sign-in succeeded
	subject    string
	authTime   time.Time
	codeUsed   bool
	expiresAt  time.Time
}

// requestParams are the parameters of the desktop's request the broker
// must answer with.
type requestParams struct {
	RedirectURI  string   `json:"redirect_uri"`
	Scopes       []string `json:"scopes"`
	State        string   `json:"state"`
	Nonce        string   `json:"nonce"`
	Challenge    string   `json:"code_challenge"`
	Method       string   `json:"code_challenge_method"`
	ResponseType string   `json:"response_type"`
	ResponseMode string   `json:"response_mode,omitempty"`
	LoginHint    string   `json:"login_hint"`
	Prompt       []string `json:"prompt,omitempty"`
}

func (a *authRequest) GetID() string         { return a.id }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAMR() []string      { return []string{"fed"} }
func (a *authRequest) GetAudience() []string { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time {
	return a.authTime
}
func (a *authRequest) GetClientID() string { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.params.Challenge, Method: oidc.CodeChallengeMethod(a.params.Method)}
}
func (a *authRequest) GetNonce() string       { return a.params.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.params.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.params.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.params.ResponseMode)
}
func (a *authRequest) GetScopes() []string { return a.params.Scopes }
func (a *authRequest) GetState() string    { return a.params.State }
func (a *authRequest) GetSubject() string  { return a.subject }
func (a *authRequest) Done() bool          { return a.sessionID != "" }

// LogValue keeps the request's state and nonce out of zitadel/oidc's
// logs: only the ID and client are logged.
func (a *authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.id), slog.String("client_id", a.clientID))
}

// refreshRequest is a refresh grant's view of a session
// (op.RefreshTokenRequest).
type refreshRequest struct {
	s      *session
	token  string
	scopes []string
}

func (r *refreshRequest) GetAMR() []string            { return []string{"fed"} }
func (r *refreshRequest) GetAudience() []string       { return []string{r.s.clientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.s.authTime }
func (r *refreshRequest) GetClientID() string         { return r.s.clientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.s.subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// lineRequest wraps a token request for its access token, whose audience
// is the account's phone line rather than the desktop (the ID token's).
type lineAuthRequest struct {
	*authRequest
	aud []string
}

func (l lineAuthRequest) GetAudience() []string { return l.aud }

type lineRefreshRequest struct {
	*refreshRequest
	aud []string
}

func (l lineRefreshRequest) GetAudience() []string { return l.aud }

// sessionOf returns the session ID of any of the broker's token requests.
func sessionOf(req op.TokenRequest) (string, bool) {
	switch r := req.(type) {
	case *authRequest:
		return r.sessionID, true
	case lineAuthRequest:
		return r.sessionID, true
	case *refreshRequest:
		return r.s.id, true
	case lineRefreshRequest:
		return r.s.id, true
	}
	return "", false
}

const authRequestColumns = `r.id, r.client_id, r.request, r.account_id, r.provider_id, r.session_id, r.code_used, r.expires_at,
	COALESCE(s.subject, ''), COALESCE(s.auth_time, 0)
	FROM broker_auth_requests r LEFT JOIN broker_sessions s ON s.id = r.session_id`

func scanAuthRequest(row *sql.Row) (*authRequest, error) {
	a := &authRequest{}
	var params string
	var used, expires, authTime int64
	err := row.Scan(&a.id, &a.clientID, &params, &a.accountID, &a.providerID, &a.sessionID, &used, &expires, &a.subject, &authTime)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errors.New("broker: no such authorization request (expired or used)")
	}
	if err != nil {
		return nil, err
	}
	a.codeUsed, a.expiresAt, a.authTime = used != 0, time.UnixMilli(expires), time.UnixMilli(authTime)
	if err := json.Unmarshal([]byte(params), &a.params); err != nil {
		return nil, fmt.Errorf("broker: a stored authorization request is damaged: %w", err)
	}
	return a, nil
}

// authRequestByID reads a live authorization request.
func (b *Broker) authRequestByID(ctx context.Context, id string) (*authRequest, error) {
	a, err := scanAuthRequest(b.db.Read().QueryRowContext(ctx, "SELECT "+authRequestColumns+" WHERE r.id = $1", id))
	if err != nil {
		return nil, err
	}
	if b.now().After(a.expiresAt) {
		return nil, errors.New("broker: the authorization request expired")
	}
	return a, nil
}

// storeAuthRequest stores the desktop's request for the provider.
func (b *Broker) storeAuthRequest(ctx context.Context, tx *sql.Tx, a *authRequest) error {
	params, err := json.Marshal(a.params)
	if err != nil {
		return err
	}
	now := b.now()
	a.expiresAt = now.Add(FlowLifetime)
	_, err = tx.ExecContext(ctx, `INSERT INTO broker_auth_requests(id, client_id, request, account_id, provider_id, created_at, expires_at)
		VALUES($1, $2, $3, $4, $5, $6, $7)`, a.id, a.clientID, string(params), a.accountID, a.providerID, now.UnixMilli(), a.expiresAt.UnixMilli())
	return err
}

// claimCode marks the request's code used. A code presented again after
// it was redeemed ends the session it made (RFC 6749 §4.1.2) and revokes
// its upstream refresh token.
func (b *Broker) claimCode(ctx context.Context, a *authRequest) error {
	var n int64
	err := b.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE broker_auth_requests SET code_used = $1 WHERE id = $2 AND code_used = 0", b.now().UnixMilli(), a.id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		s, err := b.loadSession(ctx, a.sessionID)
		if err == nil {
			err = b.endAndRevoke(ctx, s, endedCodeReuse)
		}
		if err != nil {
			return err
		}
		return oidc.ErrInvalidGrant().WithDescription("the authorization code was already used")
	}
	return nil
}

// scopesOf keeps the scopes the broker knows.
func scopesOf(requested []string) []string {
	known := []string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile, oidc.ScopeOfflineAccess}
	return slices.DeleteFunc(slices.Clone(requested), func(s string) bool { return !slices.Contains(known, s) })
}
