package broker

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dialtone/auth"
	"dialtone/internal/idp"
)

// server is zitadel/oidc's LegacyServer with the three steps the broker
// does itself: Authorize (straight to the upstream provider, no login
// page), CodeExchange and RefreshToken (the access token's audience is the
// account's phone line, the ID token's the desktop; a refresh is checked
// against the directory and the upstream first). Everything else —
// discovery, keys, userinfo, revocation, end session, request parsing and
// client checks — is the library's.
type server struct {
	*op.LegacyServer
	b *Broker
}

// Authorize handles the desktop's authorization request, whose
// redirect_uri op has validated: it requires PKCE S256 and a login_hint,
// finds the upstream provider named by identity_provider, checks that the
// email belongs to its account, stores the request and the upstream flow,
// and sends the browser to the upstream provider.
func (s *server) Authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*op.Redirect, error) {
	req := r.Data
	switch {
	case req.RequestParam != "":
		return nil, oidc.ErrRequestNotSupported()
	case req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method S256 is required")
	case slices.Contains(req.Prompt, oidc.PromptNone):
		return nil, oidc.ErrLoginRequired().WithDescription("the broker always signs in at the identity provider")
	case req.ResponseType != oidc.ResponseTypeCode:
		return nil, oidc.ErrUnauthorizedClient().WithDescription("only the authorization code flow is offered")
	}
	up, email, err := s.b.upstreamFor(ctx, r.Form.Get(UpstreamParam), req.LoginHint)
	if err != nil {
		return s.refuse(req, err)
	}
	to, err := s.b.startAgentFlow(ctx, up, email, req)
	if err != nil {
		return s.refuse(req, err)
	}
	return op.NewRedirect(to), nil
}

// refuse sends the browser back to the desktop with err as the
// authorization error (relayed, so the desktop shows the check's own
// message). An *oidc.Error goes back as it is.
func (s *server) refuse(req *oidc.AuthRequest, err error) (*op.Redirect, error) {
	var oe *oidc.Error
	if errors.As(err, &oe) {
		return nil, oe
	}
	var ce *idp.ConfigError
	var ee *auth.EmailError
	if !errors.As(err, &ce) && !errors.As(err, &ee) {
		s.b.opts.Logger.Error("broker: could not start a sign-in", "err", err)
	}
	params := auth.ErrorRedirectParams(err)
	params.Set("state", req.State)
	return op.NewRedirect(s.b.toDesktop(req.RedirectURI, params)), nil
}

// CodeExchange redeems a code: the request's PKCE verifier, client and
// redirect_uri are checked first, then the code's single use is claimed.
func (s *server) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	ar, err := s.Provider().Storage().AuthRequestByCode(ctx, r.Data.Code)
	if err != nil {
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid code").WithParent(err)
	}
	a := ar.(*authRequest)
	switch {
	case op.AuthorizeCodeChallenge(r.Data.CodeVerifier, a.GetCodeChallenge()) != nil:
		return nil, oidc.ErrInvalidGrant().WithDescription("PKCE verification failed")
	case r.Client.GetID() != a.clientID:
		return nil, oidc.ErrInvalidGrant()
	case r.Data.RedirectURI != a.params.RedirectURI:
		return nil, oidc.ErrInvalidGrant().WithDescription("redirect_uri does not correspond")
	}
	if err := s.b.claimCode(ctx, a); err != nil {
		return nil, err
	}
	aud, err := s.b.lineAudience(ctx, a.accountID)
	if err != nil {
		return nil, err
	}
	return s.tokens(ctx, a, lineAuthRequest{a, aud}, r.Client, r.Data.Code, "")
}

// RefreshToken renews a session: the token must be live and unspent, the
// session within its rate limit (Limits.Session) and not ended, the provider still enabled and brokered, the email
// still the account's, and, when a check is due, the upstream session
// alive. Then the token is rotated.
func (s *server) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	rr, err := s.Provider().Storage().TokenRequestByRefreshToken(ctx, r.Data.RefreshToken)
	if err != nil {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is no longer valid; sign in again").WithParent(err)
	}
	req := rr.(*refreshRequest)
	if r.Client.GetID() != req.s.clientID {
		return nil, oidc.ErrInvalidGrant()
	}
	if err := op.ValidateRefreshTokenScopes(r.Data.Scopes, req); err != nil {
		return nil, err
	}
	if err := s.b.limitSession(ctx, req.s.id); err != nil {
		return nil, err
	}
	if err := s.b.stillAllowed(ctx, req.s); err != nil {
		return nil, err
	}
	aud, err := s.b.lineAudience(ctx, req.s.accountID)
	if err != nil {
		return nil, err
	}
	return s.tokens(ctx, req, lineRefreshRequest{req, aud}, r.Client, "", r.Data.RefreshToken)
}

// tokens makes the token response as op.CreateTokenResponse does, with
// the access token made for the line's audience and the ID token for the
// desktop.
func (s *server) tokens(ctx context.Context, idReq op.IDTokenRequest, atReq op.TokenRequest, client op.Client, code, refresh string) (*op.Response, error) {
	at, rt, validity, err := op.CreateAccessToken(ctx, atReq, client.AccessTokenType(), s.Provider(), client, refresh)
	if err != nil {
		return nil, err
	}
	idt, err := op.CreateIDToken(ctx, op.IssuerFromContext(ctx), idReq, client.IDTokenLifetime(), at, code, s.Provider().Storage(), client)
	if err != nil {
		return nil, err
	}
	return op.NewResponse(&oidc.AccessTokenResponse{
		AccessToken: at, IDToken: idt, RefreshToken: rt, TokenType: oidc.BearerToken,
		ExpiresIn: uint64(validity.Seconds()), Scope: idReq.GetScopes(),
	}), nil
}

// unavailable is the answer when the upstream provider cannot be reached
// to re-check a session: 503, so the desktop keeps its session and retries
// (it is offline, not signed out).
func unavailable(desc string) error {
	return op.NewStatusError(oidc.ErrServerError().WithDescription("%s", desc), http.StatusServiceUnavailable)
}
