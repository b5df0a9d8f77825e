package line

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TokenSource gives the line the OAuth 2.0 access token of the agent's
// sign-in. The sign-in package implements it; tests use small fakes.
//
// Security duties of an implementation: return tokens issued by the issuer
// given to New, for the audience and scope the registrar expects (RFC 8707
// "resource" where the provider supports it); never log a token, not even
// in an error. The line itself sends a token only to a registrar whose
// challenge names that issuer as authz_server, and never logs it.
//
// An error that only a new sign-in can cure must wrap ErrSignInRequired;
// the line is then refused with ReasonSignInRequired. Any other error is
// taken as temporary (the identity provider unreachable) and retried.
type TokenSource interface {
	// AccessToken returns an access token that stays valid for at least
	// minValid, refreshing it first when it would expire sooner.
	AccessToken(ctx context.Context, minValid time.Duration) (string, error)
	// Refresh returns a new access token even though the current one looks
	// valid: the registrar has just rejected it.
	Refresh(ctx context.Context) (string, error)
}

// ErrSignInRequired is wrapped by TokenSource errors that only a new
// sign-in can cure (the session ended, the refresh token was revoked).
var ErrSignInRequired = errors.New("line: sign-in required")

// tokenMinValid is how long a token must stay valid when the line asks for
// it: long enough to cross the network and be checked.
const tokenMinValid = time.Minute

// token asks the token source for the attempt's access token: none before
// the challenge, a refreshed one after the registrar rejected one.
func (l *Line) token(ctx context.Context, a *attempt) (string, error) {
	if !a.bearer {
		return "", nil
	}
	var tok string
	var err error
	if a.refresh {
		a.refresh = false
		tok, err = l.tokens.Refresh(ctx)
	} else {
		tok, err = l.tokens.AccessToken(ctx, tokenMinValid)
	}
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("line: registration at %s stopped: %w", l.target, context.Cause(ctx))
	case errors.Is(err, ErrSignInRequired):
		re := l.refused(ReasonSignInRequired, nil)
		re.Err = err
		return "", re
	case err != nil:
		return "", &UnreachableError{Op: "get an access token from " + l.issuer, Err: err}
	case tok == "":
		return "", &UnreachableError{Op: "get an access token from " + l.issuer, Err: errors.New("the token source returned an empty token")}
	}
	return tok, nil
}
