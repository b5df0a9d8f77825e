package broker

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is zitadel/oidc's op.Storage on the directory's database. Every
// method reads and writes the database, so any replica can serve any step.
// The steps the broker does itself (authorize, code exchange, refresh) are
// in server.go; the methods here that op calls for them are still honest.
type storage struct{ b *Broker }

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
)

// errNotSupported is answered for what the broker does not offer.
var errNotSupported = errors.New("broker: not supported")

// CreateAuthRequest implements op.Storage. The broker's Authorize stores
// requests itself, with the upstream provider they are for; op never calls
// this.
func (s *storage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errNotSupported
}

// AuthRequestByID implements op.Storage.
func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.b.authRequestByID(ctx, id)
}

// AuthRequestByCode implements op.Storage: the request whose code this is,
// done and not expired. The code's single use is claimed after the PKCE
// and client checks (server.CodeExchange).
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	a, err := scanAuthRequest(s.b.db.Read().QueryRowContext(ctx, "SELECT "+authRequestColumns+" WHERE r.code_sha256 = $1 AND r.code_sha256 <> ''", hash(code)))
	if err != nil {
		return nil, err
	}
	if s.b.now().After(a.expiresAt) || !a.Done() {
		return nil, errors.New("broker: the code expired")
	}
	return a, nil
}

// SaveAuthCode implements op.Storage: it keeps the code's hash.
func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.b.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE broker_auth_requests SET code_sha256 = $1 WHERE id = $2 AND code_sha256 = ''", hash(code), id)
		return err
	})
}

// DeleteAuthRequest implements op.Storage.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.b.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM broker_auth_requests WHERE id = $1", id)
		return err
	})
}

// CreateAccessToken implements op.Storage. The token ID (the access
// token's jti) names the session, so userinfo can find the agent and
// refuses once the session ended.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, ok := sessionOf(req)
	if !ok || id == "" {
		return "", time.Time{}, oidc.ErrInvalidRequest().WithDescription("the broker issues tokens only for its own sign-ins")
	}
	return id + "." + randomID(12), time.Now().Add(AccessTokenLifetime), nil
}

// CreateAccessAndRefreshTokens implements op.Storage: a new family's first
// refresh token after a code, or the next of the family after a refresh
// (rotation; a spent token ends the family).
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	accessID, exp, err := s.CreateAccessToken(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	var next string
	if current != "" {
		next, err = s.b.rotate(ctx, current)
	} else {
		sessionID, _ := sessionOf(req)
		err = s.b.db.Tx(ctx, func(tx *sql.Tx) error {
			next, err = s.b.issueRefresh(ctx, tx, sessionID)
			return err
		})
	}
	if errors.Is(err, ErrSessionEnded) {
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("the refresh token is no longer valid; sign in again")
	}
	return accessID, next, exp, err
}

// TokenRequestByRefreshToken implements op.Storage: the session of a live,
// unspent refresh token. A spent one ends its family (reuse detection).
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	row, err := s.b.refreshToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if row.used {
		s.b.endFamilyOf(ctx, token, endedReuse)
		return nil, ErrSessionEnded
	}
	if s.b.now().After(row.expiresAt) {
		return nil, ErrSessionEnded
	}
	sess, err := s.b.loadSession(ctx, row.sessionID)
	if err != nil {
		return nil, err
	}
	if !sess.endedAt.IsZero() {
		return nil, ErrSessionEnded
	}
	return &refreshRequest{s: sess, token: token, scopes: sess.scopes}, nil
}

// TerminateSession implements op.Storage (RP-initiated logout with an
// id_token_hint): it ends every session of the subject for the client.
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	if userID == "" {
		return nil // no hint: the broker keeps no browser session to end
	}
	return s.b.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, endSessionsSQL+" WHERE subject = $3 AND client_id = $4 AND ended_at = 0",
			s.b.now().UnixMilli(), endedSignOut, userID, clientID)
		return err
	})
}

// GetRefreshTokenInfo implements op.Storage, for revocation.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	row, err := s.b.refreshToken(ctx, token)
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	sess, err := s.b.loadSession(ctx, row.sessionID)
	if err != nil || sess.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return sess.subject, refreshTokenID(token), nil
}

// refreshTokenID is how a refresh token is named to RevokeToken: its hash,
// marked, so it cannot be taken for an access token's ID.
func refreshTokenID(token string) string { return "rt:" + hash(token) }

// RevokeToken implements op.Storage (RFC 7009): revoking a refresh token
// ends its session (the whole family), and the broker revokes the upstream
// refresh token too. An access token (a JWT for at most
// AccessTokenLifetime) cannot be recalled; its session stays. Unknown
// tokens are not an error (RFC 7009 §2.2).
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	hashed, ok := strings.CutPrefix(tokenOrID, "rt:")
	if !ok {
		return nil
	}
	var sessionID string
	err := s.b.db.Read().QueryRowContext(ctx, "SELECT session_id FROM broker_refresh_tokens WHERE token_sha256 = $1", hashed).Scan(&sessionID)
	if err != nil {
		return nil
	}
	sess, err := s.b.loadSession(ctx, sessionID)
	if err != nil || sess.clientID != clientID || !sess.endedAt.IsZero() {
		return nil
	}
	if err := s.b.endSession(ctx, sessionID, endedSignOut); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	s.b.revokeUpstream(ctx, sess)
	return nil
}

// SetUserinfoFromScopes implements op.Storage; the broker fills claims in
// SetUserinfoFromRequest.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the ID
// token's claims.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	id, ok := sessionOf(req)
	if !ok {
		return errNotSupported
	}
	sess, err := s.b.loadSession(ctx, id)
	if err != nil {
		return err
	}
	fillUserinfo(info, sess, scopes)
	return nil
}

// SetUserinfoFromToken implements op.Storage: the userinfo endpoint, for
// an access token of a live session.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	sessionID, _, _ := strings.Cut(tokenID, ".")
	sess, err := s.b.loadSession(ctx, sessionID)
	if err != nil || !sess.endedAt.IsZero() || sess.subject != subject {
		return oidc.ErrAccessDenied().WithDescription("the session has ended")
	}
	fillUserinfo(info, sess, sess.scopes)
	return nil
}

func fillUserinfo(info *oidc.UserInfo, sess *session, scopes []string) {
	info.Subject = sess.subject
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = sess.email, true
		case oidc.ScopeProfile:
			info.Name = sess.name
		}
	}
	info.AppendClaims(IDPClaim, sess.providerID)
}

// GetPrivateClaimsFromRequest implements op.CanGetPrivateClaimsFromRequest:
// the access token carries the agent's email and the provider, for the
// phone line.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	id, ok := sessionOf(req)
	if !ok {
		return nil, errNotSupported
	}
	sess, err := s.b.loadSession(ctx, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"email": sess.email, IDPClaim: sess.providerID}, nil
}

// GetPrivateClaimsFromScopes implements op.Storage.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// SetIntrospectionFromToken implements op.Storage; the broker has no
// introspection endpoint.
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotSupported
}

// GetKeyByIDAndClientID implements op.Storage; no client authenticates
// with a key.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotSupported
}

// ValidateJWTProfileScopes implements op.Storage; the JWT profile grant is
// not offered.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotSupported
}

// GetClientByClientID implements op.Storage: the desktop is the one client.
func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if clientID != s.b.opts.ClientID {
		return nil, errors.New("broker: unknown client")
	}
	return desktopClient{id: clientID}, nil
}

// AuthorizeClientIDSecret implements op.Storage; the desktop has no
// secret, and no other client exists.
func (s *storage) AuthorizeClientIDSecret(context.Context, string, string) error {
	return errors.New("broker: no confidential client")
}

// Health implements op.Storage.
func (s *storage) Health(ctx context.Context) error {
	return s.b.db.Read().PingContext(ctx)
}
