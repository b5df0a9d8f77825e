package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// jwtClient is Dialtone's client with JWT access tokens (RFC 9068 style:
// iss, sub, aud, exp, iat, jti, client_id, and the user's email), signed
// with the provider's key from its JWKS, so that a resource server such
// as the demo registrar checks them on its own. The example's clients
// have opaque tokens only the provider can read.
type jwtClient struct{ *storage.Client }

// AccessTokenType implements op.Client.
func (jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// GetClientByClientID implements op.Storage: Dialtone's client issues JWT
// access tokens; the broker's keeps the example's opaque ones.
func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if id == ClientID {
		return jwtClient{s.dialtone}, nil
	}
	return s.Storage.GetClientByClientID(ctx, id)
}

// GetPrivateClaimsFromRequest implements op.CanGetPrivateClaimsFromRequest
// (the claims of a JWT access token beyond the registered ones): the
// user's email when the sign-in was granted the email scope. The demo
// registrar registers only the address of record sip:<email>.
func (s *opStorage) GetPrivateClaimsFromRequest(_ context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	claims := map[string]any{}
	if !slices.Contains(req.GetScopes(), oidc.ScopeEmail) {
		return claims, nil
	}
	u := userStore{}.GetUserByID(req.GetSubject())
	if u == nil {
		return nil, fmt.Errorf("demo: no user %q", req.GetSubject())
	}
	claims["email"], claims["email_verified"] = u.Email, u.EmailVerified
	return claims, nil
}

// CreateAccessToken implements op.Storage, for sign-ins without
// offline_access.
func (s *opStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	return s.Storage.CreateAccessToken(ctx, plainRequest(req))
}
