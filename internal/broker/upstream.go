package broker

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dialtone/auth"
	"dialtone/internal/idp"
)

// The upstream step: the broker signs the agent in at the account's
// identity provider as a confidential client, through the desktop's own
// sign-in engine (auth.Client.AuthCodeURL and Redeem): its state, nonce and
// PKCE verifier, its client authentication (client_secret_basic or
// client_secret_post, as the provider advertises), its ID token checks and
// provider profiles, userinfo with the admin's Method, and its email match
// with the typed email. The upstream's tokens stay here.

// Kinds of upstream flow.
const (
	flowAgent = "agent" // for a desktop's authorization request
	flowAdmin = "admin" // an admin's "Save and authorise"
)

// flow is an upstream sign-in in progress, as stored (sealed) in
// broker_flows under the hash of its state.
type flow struct {
	Kind          string        `json:"kind"`
	AuthRequestID string        `json:"auth_request_id,omitempty"`
	AccountID     int64         `json:"account_id"`
	ProviderID    string        `json:"provider_id"`
	Code          auth.CodeFlow `json:"code"`
}

func flowContext(stateHash string) string { return "upstream-flow " + stateHash }

// upstreamFor finds the provider ref names and checks that agents may use
// it and that email (the login_hint) belongs to its account. Errors are
// *idp.ConfigError and *oidc.Error values, for the desktop.
func (b *Broker) upstreamFor(ctx context.Context, ref, loginHint string) (upstream, string, error) {
	if ref == "" {
		return upstream{}, "", oidc.ErrInvalidRequest().WithDescription("identity_provider is required: the provider list entry carries it in auth_params")
	}
	email, err := idp.NormalizeEmail(loginHint)
	if err != nil {
		return upstream{}, "", oidc.ErrInvalidRequest().WithDescription("login_hint must be the agent's email")
	}
	up, err := b.upstreamByRef(ctx, ref)
	switch {
	case errors.Is(err, errNoUpstream):
		return up, "", &idp.ConfigError{Field: UpstreamParam, Problem: "no brokered provider has this reference; the provider list is out of date"}
	case err != nil:
		return up, "", err
	case !up.usable():
		return up, "", &idp.ConfigError{Field: UpstreamParam, Problem: "the provider is not enabled for brokered sign-in"}
	}
	account, err := b.accountOf(ctx, email)
	if err != nil {
		return up, "", err
	}
	if account != up.accountID {
		return up, "", &idp.ConfigError{Field: "login_hint", Problem: email + " does not belong to the account of this provider"}
	}
	return up, email, nil
}

// startAgentFlow stores the desktop's request and an upstream flow for it,
// and returns the upstream authorization URL.
func (b *Broker) startAgentFlow(ctx context.Context, up upstream, email string, req *oidc.AuthRequest) (string, error) {
	a := &authRequest{
		id: randomID(16), clientID: req.ClientID, accountID: up.accountID, providerID: up.p.ID,
		params: requestParams{
			RedirectURI: req.RedirectURI, Scopes: scopesOf(req.Scopes), State: req.State, Nonce: req.Nonce,
			Challenge: req.CodeChallenge, Method: string(req.CodeChallengeMethod), ResponseType: string(req.ResponseType),
			ResponseMode: string(req.ResponseMode), LoginHint: email, Prompt: req.Prompt,
		},
	}
	return b.startFlow(ctx, up, email, upstreamPrompt(req.Prompt), flow{Kind: flowAgent, AuthRequestID: a.id}, a)
}

// upstreamPrompt passes on the desktop's "Use another account".
func upstreamPrompt(p []string) string {
	for _, v := range p {
		if v == oidc.PromptSelectAccount || v == oidc.PromptLogin {
			return v
		}
	}
	return ""
}

// startFlow resolves the upstream, makes the flow's secrets, stores the
// flow (and a, the desktop's request, when given) and returns the upstream
// authorization URL.
func (b *Broker) startFlow(ctx context.Context, up upstream, email, prompt string, fl flow, a *authRequest) (string, error) {
	r, err := b.engine.Resolve(ctx, up.p)
	if err != nil {
		return "", err
	}
	code, err := auth.NewCodeFlow(b.RedirectURI(), email)
	if err != nil {
		return "", err
	}
	code.Prompt = prompt
	fl.AccountID, fl.ProviderID, fl.Code = up.accountID, up.p.ID, code
	raw, err := json.Marshal(fl)
	if err != nil {
		return "", err
	}
	stateHash := hash(code.State)
	err = b.db.Tx(ctx, func(tx *sql.Tx) error {
		if a != nil {
			if err := b.storeAuthRequest(ctx, tx, a); err != nil {
				return err
			}
		}
		now := b.now()
		_, err := tx.ExecContext(ctx, `INSERT INTO broker_flows(state_sha256, kind, auth_request_id, account_id, provider_id, flow_sealed, created_at, expires_at)
			VALUES($1, $2, $3, $4, $5, $6, $7, $8)`, stateHash, fl.Kind, fl.AuthRequestID, up.accountID, up.p.ID,
			b.opts.Key.Seal(raw, flowContext(stateHash)), now.UnixMilli(), now.Add(FlowLifetime).UnixMilli())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("broker: could not store the sign-in: %w", err)
	}
	return b.engine.AuthCodeURL(r, code), nil
}

// takeFlow finds the flow of a state and deletes it: each is used once.
func (b *Broker) takeFlow(ctx context.Context, state string) (*flow, error) {
	if state == "" {
		return nil, errors.New("broker: the redirect carries no state")
	}
	stateHash := hash(state)
	var sealedFlow string
	err := b.db.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "DELETE FROM broker_flows WHERE state_sha256 = $1 AND expires_at > $2 RETURNING flow_sealed",
			stateHash, b.now().UnixMilli()).Scan(&sealedFlow)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errors.New("broker: no sign-in has this state (expired, used, or not ours)")
	}
	if err != nil {
		return nil, err
	}
	raw, err := b.opts.Key.Open(sealedFlow, flowContext(stateHash))
	if err != nil {
		return nil, err
	}
	var fl flow
	if err := json.Unmarshal(raw, &fl); err != nil {
		return nil, fmt.Errorf("broker: a stored sign-in is damaged: %w", err)
	}
	return &fl, nil
}

// handleUpstreamCallback is the redirect URI admins register at their
// identity provider: it completes the flow its state names.
func (b *Broker) handleUpstreamCallback(w http.ResponseWriter, r *http.Request) {
	fl, err := b.takeFlow(r.Context(), r.URL.Query().Get("state"))
	if err != nil {
		renderMessage(w, http.StatusBadRequest, "This sign-in link is out of date", "Go back to Dialtone and start the sign-in again.")
		return
	}
	if fl.Kind == flowAdmin {
		b.finishAdmin(w, r, fl)
		return
	}
	b.finishAgent(w, r, fl)
}

// finishAgent redeems the upstream code, makes the broker's session, and
// answers the desktop's request: with a code, or with the refusal relayed.
func (b *Broker) finishAgent(w http.ResponseWriter, r *http.Request, fl *flow) {
	ctx := r.Context()
	a, err := b.authRequestByID(ctx, fl.AuthRequestID)
	if err != nil {
		renderMessage(w, http.StatusBadRequest, "This sign-in took too long", "Go back to Dialtone and start the sign-in again.")
		return
	}
	sess, err := b.redeemUpstream(ctx, fl, r.URL.Query())
	if err == nil {
		err = b.completeRequest(ctx, a, sess)
	}
	if err != nil {
		b.relayToDesktop(w, r, a, err)
		return
	}
	to, err := b.codeResponse(ctx, a)
	if err != nil {
		b.relayToDesktop(w, r, a, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// relayToDesktop sends the browser back to the desktop with err.
func (b *Broker) relayToDesktop(w http.ResponseWriter, r *http.Request, a *authRequest, err error) {
	var ce *idp.ConfigError
	var ne *idp.NetworkError
	if errors.As(err, &ce) || errors.As(err, &ne) || !isRefusal(err) {
		b.opts.Logger.Warn("broker: an upstream sign-in failed", "provider", a.providerID, "err", err)
	}
	params := auth.ErrorRedirectParams(err)
	params.Set("state", a.params.State)
	http.Redirect(w, r, b.toDesktop(a.params.RedirectURI, params), http.StatusFound)
}

// codeResponse makes a's code and returns the desktop's redirect URI with
// it, its state and iss, as op.BuildAuthResponseCallbackURL does.
func (b *Broker) codeResponse(ctx context.Context, a *authRequest) (string, error) {
	resp, err := op.BuildAuthResponseCodeResponsePayload(ctx, a, b.provider)
	if err != nil {
		return "", err
	}
	return op.AuthResponseURL(a.GetRedirectURI(), a.GetResponseType(), a.GetResponseMode(), resp, b.responses)
}

// isRefusal reports an error that is the agent's or the provider's
// answer, not the broker's fault.
func isRefusal(err error) bool {
	var pe *auth.ProviderError
	var ve *auth.VerificationError
	var ee *auth.EmailError
	return errors.As(err, &pe) || errors.As(err, &ve) || errors.As(err, &ee)
}

// redeemUpstream completes the upstream sign-in of fl with the redirect's
// query and checks, server side, that the upstream email is the typed one
// (the engine's match) and belongs to the provider's account.
func (b *Broker) redeemUpstream(ctx context.Context, fl *flow, q map[string][]string) (*auth.Session, error) {
	up, err := b.upstreamByID(ctx, fl.AccountID, fl.ProviderID)
	if err != nil {
		return nil, err
	}
	if !up.usable() {
		return nil, &idp.ConfigError{Field: UpstreamParam, Problem: "the provider was disabled during the sign-in"}
	}
	r, err := b.engine.Resolve(ctx, up.p)
	if err != nil {
		return nil, err
	}
	s, err := b.engine.Redeem(ctx, r, fl.Code, q)
	if err != nil {
		return nil, err
	}
	if account, err := b.accountOf(ctx, s.Email); err != nil || account != up.accountID {
		return nil, errors.Join(err, &idp.ConfigError{Field: "login_hint", Problem: s.Email + " no longer belongs to the account of this provider"})
	}
	return s, nil
}

// completeRequest makes the broker's session for the upstream sign-in and
// marks the desktop's request done.
func (b *Broker) completeRequest(ctx context.Context, a *authRequest, up *auth.Session) error {
	sess := &session{
		id: randomID(16), accountID: a.accountID, providerID: a.providerID, clientID: a.clientID,
		subject: subjectOf(up.Issuer, up.Subject), upstreamIssuer: up.Issuer, upstreamSubject: up.Subject,
		email: up.Email, name: up.Name, scopes: a.params.Scopes, authTime: b.now(),
	}
	err := b.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := b.createSession(ctx, tx, sess, up.RefreshToken()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE broker_auth_requests SET session_id = $1 WHERE id = $2 AND session_id = ''", sess.id, a.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errors.New("broker: the authorization request was completed already")
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.sessionID, a.subject, a.authTime = sess.id, sess.subject, sess.authTime
	return nil
}

// stillAllowed checks a session before a refresh: the provider enabled and
// brokered, the email still the account's, and the upstream session alive
// when a check is due. A failed check ends the session and revokes its
// upstream refresh token in the background (unless the upstream ended it);
// an unreachable upstream does not (the answer is 503).
func (b *Broker) stillAllowed(ctx context.Context, s *session) error {
	up, err := b.upstreamByID(ctx, s.accountID, s.providerID)
	if err != nil && !errors.Is(err, errNoUpstream) {
		return oidc.ErrServerError().WithParent(err)
	}
	why := ""
	switch {
	case err != nil || !up.usable():
		why = endedDisabled
	default:
		if account, err := b.accountOf(ctx, s.email); err != nil {
			return oidc.ErrServerError().WithParent(err)
		} else if account != s.accountID {
			why = endedAccount
		}
	}
	if why == "" && b.now().Sub(s.checkedAt) >= b.opts.Recheck {
		var err error
		if why, err = b.recheck(ctx, up, s); err != nil {
			return err
		}
	}
	if why == "" {
		return nil
	}
	end := b.endAndRevoke
	if why == endedUpstream {
		end = func(ctx context.Context, s *session, why string) error { return b.endSession(ctx, s.id, why) } // nothing left to revoke
	}
	if err := end(ctx, s, why); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return oidc.ErrInvalidGrant().WithDescription("the session has ended: %s", why)
}

// recheck renews the upstream session with its refresh token. It returns
// why the session must end, or an error when the upstream cannot answer.
func (b *Broker) recheck(ctx context.Context, up upstream, s *session) (string, error) {
	if s.upstreamSealed == "" {
		return endedNoUpstreamGrant, nil
	}
	rt, err := b.opts.Key.Open(s.upstreamSealed, upstreamContext(s.id))
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	r, err := b.engine.Resolve(ctx, up.p)
	if err == nil {
		var renewed *auth.Session
		renewed, err = b.engine.Refresh(ctx, r, &auth.Session{Subject: s.upstreamSubject, Email: s.email}, string(rt))
		if err == nil {
			return "", b.storeRecheck(ctx, s, renewed.RefreshToken())
		}
	}
	var ne *idp.NetworkError
	var pe *auth.ProviderError
	if errors.As(err, &ne) || (errors.As(err, &pe) && (pe.Code == "temporarily_unavailable" || pe.Code == "server_error")) {
		b.opts.Logger.Warn("broker: could not re-check a session at the identity provider", "provider", s.providerID, "err", err)
		return "", unavailable("the identity provider could not be reached to re-check the session; retry later")
	}
	b.opts.Logger.Info("broker: the identity provider ended a session", "provider", s.providerID, "err", err)
	return endedUpstream, nil
}

// storeRecheck keeps the (maybe rotated) upstream refresh token and the
// time of the check, unless the session ended meanwhile.
func (b *Broker) storeRecheck(ctx context.Context, s *session, rt string) error {
	sealedRT := b.opts.Key.Seal([]byte(rt), upstreamContext(s.id))
	return b.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE broker_sessions SET upstream_sealed = $1, checked_at = $2 WHERE id = $3 AND ended_at = 0", sealedRT, b.now().UnixMilli(), s.id)
		return err
	})
}

// revokeUpstream revokes the session's upstream refresh token at the
// provider, when it has a revocation endpoint, while the agent's sign-out
// waits, within RevokeTimeout; failures are only logged (the broker's
// session has ended either way).
func (b *Broker) revokeUpstream(ctx context.Context, s *session) {
	if s.upstreamSealed == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, RevokeTimeout)
	defer cancel()
	rt, err := b.opts.Key.Open(s.upstreamSealed, upstreamContext(s.id))
	if err != nil {
		return
	}
	up, err := b.upstreamByID(ctx, s.accountID, s.providerID)
	if err != nil {
		return
	}
	r, err := b.engine.Resolve(ctx, up.p)
	if err == nil {
		_, err = b.engine.Revoke(ctx, r, string(rt))
	}
	if err != nil {
		b.opts.Logger.Warn("broker: could not revoke the upstream session", "provider", s.providerID, "err", err)
	}
}

// lineAudience is the audience of the access tokens of the account's
// agents: the account's line audience, else the desktop's client ID.
func (b *Broker) lineAudience(ctx context.Context, accountID int64) ([]string, error) {
	var aud string
	err := b.db.Read().QueryRowContext(ctx, "SELECT line_audience FROM accounts WHERE id = $1", accountID).Scan(&aud)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if aud = strings.TrimSpace(aud); aud == "" {
		return []string{b.opts.ClientID}, nil
	}
	return []string{aud}, nil
}

var messagePage = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} – Dialtone</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;margin:4rem auto;max-width:32rem;padding:0 1rem;color:#1c2733}h1{font-size:1.4rem}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

// renderMessage answers with a small page and no link or form.
func renderMessage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = messagePage.Execute(w, struct{ Title, Message string }{title, message})
}
