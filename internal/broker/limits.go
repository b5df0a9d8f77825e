package broker

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dialtone/internal/ratelimit"
)

// Limits are the broker's rate limits, counted in the directory's database
// (internal/ratelimit), so that replicas share them. A zero Policy means
// its default; ratelimit.Off turns one off.
//
// An address is limited generously, because a call centre puts hundreds
// of agents behind one public address, and all of them start Dialtone at
// the start of a shift: the defaults let 1,000 silent sign-ins through at
// once. What one agent can do is limited by what identifies the agent:
// the refresh grants of one session (one family of refresh tokens). There
// is no limit per client ID: every desktop is the client "dialtone", so it
// would be one budget for every agent of every customer, which one
// attacker could spend for all.
type Limits struct {
	// SignIn limits, per client address, the requests of interactive
	// sign-ins: the authorization request and the identity provider's
	// redirect back (idpresponse). A sign-in is two requests.
	SignIn ratelimit.Policy
	// Token limits, per client address, the token endpoint (code
	// exchanges and refresh grants) and revocation.
	Token ratelimit.Policy
	// Session limits the refresh grants of one session, from any address.
	Session ratelimit.Policy
	// Metadata limits, per client address, the discovery document and the
	// key set (keys): a desktop fetches both when it has no fresh copy.
	Metadata ratelimit.Policy
	// Userinfo limits, per client address, the userinfo endpoint: a
	// desktop asks it once at each interactive sign-in.
	Userinfo ratelimit.Policy
	// EndSession limits, per client address, RP-initiated logout
	// (end_session), which a browser opens when an agent signs out.
	EndSession ratelimit.Policy
}

// The default Limits.
var (
	// DefaultSignInLimit: 150 agents behind one address signing in at the
	// same moment, then 2.5 sign-ins a second.
	DefaultSignInLimit = ratelimit.Policy{Burst: 300, Rate: 5}
	// DefaultTokenLimit: 1,000 agents behind one address starting
	// Dialtone at the same moment (one refresh each), then 20 refreshes a
	// second, enough for 18,000 agents renewing their 15-minute access
	// tokens.
	DefaultTokenLimit = ratelimit.Policy{Burst: 1000, Rate: 20}
	// DefaultSessionLimit: 10 refreshes of one session at once, then 2 a
	// minute; a desktop makes one at each start and about four an hour.
	DefaultSessionLimit = ratelimit.Policy{Burst: 10, Rate: 2.0 / 60}
	// DefaultMetadataLimit: the token limit's 1,000 agents starting at
	// once, each fetching discovery and the keys (a desktop without a
	// fresh copy), then 40 requests a second.
	DefaultMetadataLimit = ratelimit.Policy{Burst: 2000, Rate: 40}
	// DefaultUserinfoLimit: as the token limit; each interactive sign-in
	// asks it once, and the sign-in limit lets far fewer through.
	DefaultUserinfoLimit = ratelimit.Policy{Burst: 1000, Rate: 20}
	// DefaultEndSessionLimit: as the sign-in limit, for the end of a
	// shift: 300 agents signing out at the same moment, then 5 a second.
	DefaultEndSessionLimit = ratelimit.Policy{Burst: 300, Rate: 5}
)

// The scopes of the broker's buckets.
const (
	scopeSignIn     = "broker-signin"
	scopeToken      = "broker-token"
	scopeSession    = "broker-session"
	scopeMetadata   = "broker-metadata"
	scopeUserinfo   = "broker-userinfo"
	scopeEndSession = "broker-endsession"
)

func (l Limits) withDefaults() Limits {
	return Limits{
		SignIn:     l.SignIn.Or(DefaultSignInLimit),
		Token:      l.Token.Or(DefaultTokenLimit),
		Session:    l.Session.Or(DefaultSessionLimit),
		Metadata:   l.Metadata.Or(DefaultMetadataLimit),
		Userinfo:   l.Userinfo.Or(DefaultUserinfoLimit),
		EndSession: l.EndSession.Or(DefaultEndSessionLimit),
	}
}

// limited puts the address limits in front of op's endpoints: authorize
// counts towards SignIn, token and revoke towards Token, discovery and
// keys towards Metadata, userinfo towards Userinfo and end_session
// towards EndSession. Only op's unknown paths (404) are not counted.
func (b *Broker) limited(protocol http.Handler) http.Handler {
	l := b.opts.Limits
	signIn := b.limitAddress(scopeSignIn, l.SignIn, b.refuseAuthorize, protocol)
	token := b.limitAddress(scopeToken, l.Token, refuseJSON, protocol)
	metadata := b.limitAddress(scopeMetadata, l.Metadata, refuseJSON, protocol)
	userinfo := b.limitAddress(scopeUserinfo, l.Userinfo, refuseJSON, protocol)
	endSession := b.limitAddress(scopeEndSession, l.EndSession, refuseEndSession, protocol)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case endpoints.Authorization.Relative():
			signIn.ServeHTTP(w, r)
		case endpoints.Token.Relative(), endpoints.Revocation.Relative():
			token.ServeHTTP(w, r.WithContext(withHeader(r.Context(), w.Header())))
		case oidc.DiscoveryEndpoint, endpoints.JwksURI.Relative():
			metadata.ServeHTTP(w, r)
		case endpoints.Userinfo.Relative():
			userinfo.ServeHTTP(w, r)
		case endpoints.EndSession.Relative():
			endSession.ServeHTTP(w, r)
		default:
			protocol.ServeHTTP(w, r)
		}
	})
}

// limitAddress serves next unless the request's client address has used
// its budget of scope; then it sets Retry-After and calls refuse.
func (b *Broker) limitAddress(scope string, p ratelimit.Policy, refuse func(http.ResponseWriter, *http.Request, time.Duration), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait := b.opts.Limiter.Take(r.Context(), scope, b.opts.ClientAddr(r), p); wait > 0 {
			w.Header().Set("Retry-After", ratelimit.RetryAfter(wait))
			w.Header().Set("Cache-Control", "no-store")
			refuse(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitSession counts a refresh grant of session id. When the session has
// used its budget, it answers 429 temporarily_unavailable with
// Retry-After: the desktop keeps its session and tries again later.
func (b *Broker) limitSession(ctx context.Context, id string) error {
	wait := b.opts.Limiter.Take(ctx, scopeSession, id, b.opts.Limits.Session)
	if wait == 0 {
		return nil
	}
	if h := headerOf(ctx); h != nil {
		h.Set("Retry-After", ratelimit.RetryAfter(wait))
	}
	return op.NewStatusError(tooMany("too many renewals of this session; retry in "+ratelimit.RetryAfter(wait)+" s"), http.StatusTooManyRequests)
}

// tooMany is the OAuth error of a refusal for a rate limit:
// temporarily_unavailable (RFC 6749 §4.1.2.1), which Dialtone reads as
// "offline, try again" and never as "sign in again".
func tooMany(description string) *oidc.Error {
	return &oidc.Error{ErrorType: "temporarily_unavailable", Description: description}
}

// refuseJSON answers a request over the address's budget as the token
// endpoint answers its errors (RFC 6749 §5.2): 429 with
// {"error":"temporarily_unavailable"}. It is the answer of every endpoint
// a program calls: token, revoke, userinfo, discovery and keys.
func refuseJSON(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	op.WriteError(w, r, op.NewStatusError(tooMany("too many requests from this network address; retry in "+ratelimit.RetryAfter(wait)+" s"), http.StatusTooManyRequests), nil)
}

// refuseEndSession answers a sign-out in the browser (end_session) over
// the address's budget with a page: the session at the broker is not
// ended yet, reloading after the wait ends it. (The desktop has revoked
// its refresh token already.)
func refuseEndSession(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	renderMessage(w, http.StatusTooManyRequests, "Too many sign-outs from your network",
		"Wait "+ratelimit.RetryAfter(wait)+" seconds, then reload this page to finish signing out.")
}

// refuseAuthorize answers an authorization request over the address's
// budget. When it names the desktop and one of its loopback redirect URIs,
// the answer goes there, as an authorization error, so that Dialtone shows
// it at once instead of waiting for a sign-in that will not come;
// otherwise the browser gets a page.
func (b *Broker) refuseAuthorize(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	if err := r.ParseForm(); err == nil && r.Form.Get("client_id") == b.opts.ClientID {
		uri := r.Form.Get("redirect_uri")
		if op.ValidateAuthReqRedirectURI(desktopClient{id: b.opts.ClientID}, uri, oidc.ResponseTypeCode) == nil {
			q := url.Values{"error": {"temporarily_unavailable"},
				"error_description": {"too many sign-ins from this network at once; try again in " + ratelimit.RetryAfter(wait) + " seconds"}}
			if state := r.Form.Get("state"); state != "" {
				q.Set("state", state)
			}
			http.Redirect(w, r, b.toDesktop(uri, q), http.StatusFound)
			return
		}
	}
	renderMessage(w, http.StatusTooManyRequests, "Too many sign-ins from your network",
		"Wait "+ratelimit.RetryAfter(wait)+" seconds, then start the sign-in again from Dialtone.")
}

// refuseCallback answers the identity provider's redirect back when the
// address is over its budget. The sign-in is kept: reloading the page
// after the wait finishes it.
func refuseCallback(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	renderMessage(w, http.StatusTooManyRequests, "Too many sign-ins from your network",
		"Wait "+ratelimit.RetryAfter(wait)+" seconds, then reload this page to finish signing in.")
}

type headerKey struct{}

// withHeader lets the token endpoint's code set headers of its answer
// (Retry-After), which op's errors cannot carry.
func withHeader(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headerKey{}, h)
}

func headerOf(ctx context.Context) http.Header {
	h, _ := ctx.Value(headerKey{}).(http.Header)
	return h
}
