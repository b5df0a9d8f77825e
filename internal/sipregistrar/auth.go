package sipregistrar

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/emiago/sipgo/sip"
)

// authProblem is why a request is challenged.
type authProblem int

const (
	authOK      authProblem = iota
	authMissing             // no Bearer credentials: challenge without error
	authInvalid             // a token that failed verification: error="invalid_token"
)

// verifyTimeout bounds a token check, which may fetch the issuer's keys.
const verifyTimeout = 5 * time.Second

// authenticate verifies the request's bearer token (RFC 8898 §2.4).
func (r *Registrar) authenticate(req *sip.Request) (*oidc.IDToken, authProblem) {
	hs := req.GetHeaders("Authorization")
	if len(hs) == 0 {
		return nil, authMissing
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(hs[0].Value()), " ")
	if len(hs) > 1 || !strings.EqualFold(scheme, "bearer") {
		return nil, authMissing
	}
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer cancel()
	tok, err := r.verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		r.cfg.Logger.Info("sipregistrar: token refused", "error", err)
		return nil, authInvalid
	}
	return tok, authOK
}

// challenge answers 401 with the Bearer challenge naming the issuer.
func (r *Registrar) challenge(req *sip.Request, p authProblem) *sip.Response {
	v := fmt.Sprintf("Bearer realm=%q, authz_server=%q", r.cfg.Realm, r.cfg.Issuer)
	if p == authInvalid {
		v += `, error="invalid_token"`
	}
	res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", v))
	return res
}

// emailMatchesAOR is the default Config.Authorize: the token's verified
// email must be the AOR's user@host.
func emailMatchesAOR(aor string, tok *oidc.IDToken) error {
	var claims struct {
		Email string `json:"email"`
	}
	if err := tok.Claims(&claims); err != nil {
		return err
	}
	if claims.Email == "" || !strings.EqualFold("sip:"+claims.Email, aor) {
		return errors.New("the token's email is not the address of record")
	}
	return nil
}
