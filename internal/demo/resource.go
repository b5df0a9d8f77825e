package demo

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// clientResources says which resources each client may ask for. The demo
// has no consent screen: the line's resource is granted to Dialtone's
// client in advance, as an admin grants a client an API at a real
// provider. The broker's client may ask for none.
var clientResources = map[string][]string{ClientID: {LineResource}}

// resourceServer is the demo provider as zitadel/oidc's LegacyServer,
// which does not read RFC 8707 resource indicators, taught to read them.
// At the authorization request, the code exchange and the refresh grant,
// every "resource" must be one the (authenticated) client may ask for, or
// the request is refused with invalid_target (RFC 8707 §2); an unknown
// resource is never ignored, so a client never mistakes a token for one
// the resource server takes. The resources reach the storage in the
// request's context (withResources), which puts them in the audience:
//
//   - the authorization request's resources are kept with the sign-in and
//     become the audience of the code exchange's tokens, unless the token
//     request names its own;
//   - a refresh grant's tokens have the resources that grant names, and
//     none when it names none.
//
// zitadel/oidc puts one audience in the access token and the ID token of a
// response, so the ID token names the resource too (with azp the client,
// OpenID Connect Core §2). It carries no email claim, so a registrar that
// requires the email, as the demo's does, refuses an ID token presented
// as an access token.
type resourceServer struct {
	*op.LegacyServer
}

// Authorize implements op.Server.
func (s resourceServer) Authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*op.Redirect, error) {
	ctx, err := withResources(ctx, r.Client, r.Form)
	if err != nil {
		return nil, err
	}
	return s.LegacyServer.Authorize(ctx, r)
}

// CodeExchange implements op.Server.
func (s resourceServer) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	ctx, err := withResources(ctx, r.Client, r.Form)
	if err != nil {
		return nil, err
	}
	return s.LegacyServer.CodeExchange(ctx, r)
}

// RefreshToken implements op.Server.
func (s resourceServer) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	ctx, err := withResources(ctx, r.Client, r.Form)
	if err != nil {
		return nil, err
	}
	return s.LegacyServer.RefreshToken(ctx, r)
}

type resourcesKey struct{}

// withResources returns ctx carrying the request's resource indicators,
// without duplicates, when client may ask for each of them; the context
// is unchanged when the request names none.
func withResources(ctx context.Context, client op.Client, form url.Values) (context.Context, error) {
	var res []string
	for _, r := range form["resource"] {
		if !slices.Contains(clientResources[client.GetID()], r) {
			return ctx, oidc.ErrInvalidTarget().WithDescription("the demo provider has no resource %.100q for this client", r)
		}
		if !slices.Contains(res, r) {
			res = append(res, r)
		}
	}
	if len(res) == 0 {
		return ctx, nil
	}
	return context.WithValue(ctx, resourcesKey{}, res), nil
}

// requestedResources returns the resources the request being served
// named, checked by resourceServer, and whether it named any.
func requestedResources(ctx context.Context) ([]string, bool) {
	res, ok := ctx.Value(resourcesKey{}).([]string)
	return res, ok
}

// audienceOf is a sign-in whose tokens are for its client and resources.
type audienceOf struct {
	*storage.AuthRequest
	resources []string
}

// GetAudience implements op.TokenRequest.
func (a audienceOf) GetAudience() []string {
	return append(a.AuthRequest.GetAudience(), a.resources...)
}

// plainRequest returns the example storage's own request behind req, for
// the storage's methods that read its fields by type.
func plainRequest(req op.TokenRequest) op.TokenRequest {
	if a, ok := req.(audienceOf); ok {
		return a.AuthRequest
	}
	return req
}

// grants are the resources of sign-ins in progress, by sign-in request ID:
// what their authorization requests named.
type grants struct {
	mu sync.Mutex
	m  map[string][]string
}

func (g *grants) put(id string, res []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[string][]string{}
	}
	g.m[id] = res
}

func (g *grants) get(id string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.m[id]
}

func (g *grants) delete(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, id)
}

// CreateAuthRequest implements op.Storage: the embedded storage's sign-in
// request, and the resources it named kept beside it.
func (s *opStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	ar, err := s.Storage.CreateAuthRequest(ctx, req, userID)
	if err != nil {
		return nil, err
	}
	if res, ok := requestedResources(ctx); ok {
		s.grants.put(ar.GetID(), res)
	}
	return ar, nil
}

// AuthRequestByCode implements op.Storage: the sign-in, with the audience
// of the tokens the code is exchanged for.
func (s *opStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	ar, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	plain, ok := ar.(*storage.AuthRequest)
	if !ok {
		return nil, fmt.Errorf("demo: unexpected sign-in request type %T", ar)
	}
	res, named := requestedResources(ctx)
	if !named {
		res = s.grants.get(ar.GetID())
	}
	return audienceOf{plain, res}, nil
}

// DeleteAuthRequest implements op.Storage.
func (s *opStorage) DeleteAuthRequest(ctx context.Context, id string) error {
	s.grants.delete(id)
	return s.Storage.DeleteAuthRequest(ctx, id)
}
