package dirserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The admin page signs in with the admin token once and then carries a
// session cookie: a random value whose SHA-256 the database keeps with an
// expiry, so every replica knows the session and signing out (or a new
// admin token) ends it everywhere. Forms carry a CSRF token derived from
// the cookie, and every POST must come from this server's origin.
const (
	sessionCookie   = "dialtone_admin"
	sessionLifetime = 8 * time.Hour
)

func sessionHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// newSession stores a new session and sets its cookie.
func (s *Server) newSession(ctx context.Context, w http.ResponseWriter) error {
	value := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	now := s.opts.Now()
	err := s.store.tx(ctx, func(tx *sql.Tx) error {
		if err := s.forgetOldAdminState(ctx, tx, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO admin_sessions(id_sha256, created_at, expires_at) VALUES($1, $2, $3)",
			sessionHash(value), now.Unix(), now.Add(sessionLifetime).Unix())
		return err
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/admin",
		MaxAge: int(sessionLifetime.Seconds()), HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// forgetOldAdminState deletes expired sessions, and the back-off rows of
// addresses that neither failed within backoffPolicy.Forget nor signed in
// within backoffPolicy.Trusted. It runs at each sign-in.
func (s *Server) forgetOldAdminState(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM admin_sessions WHERE expires_at < $1", now.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM admin_backoff WHERE client <> $1 AND last_failure < $2 AND last_success < $3",
		globalClient, now.Add(-s.backoff.Forget).UnixMilli(), now.Add(-s.backoff.Trusted).UnixMilli())
	return err
}

// endSession deletes the request's session and clears its cookie.
func (s *Server) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	_, err = s.store.exec(ctx, "DELETE FROM admin_sessions WHERE id_sha256 = $1", sessionHash(c.Value))
	return err
}

// session returns the value of the request's session cookie when the
// database has that session and it has not expired, else "".
func (s *Server) session(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	var expires int64
	err = s.store.db.Read().QueryRowContext(r.Context(), "SELECT expires_at FROM admin_sessions WHERE id_sha256 = $1", sessionHash(c.Value)).Scan(&expires)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.opts.Logger.Error("directory: could not read an admin session", "err", err)
		}
		return ""
	}
	if s.opts.Now().Unix() >= expires {
		return ""
	}
	return c.Value
}

// csrfToken is the CSRF token of a session's forms: an HMAC of a constant
// keyed with the session's secret value, the same on every replica.
func (s *Server) csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("dialtone-directory csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin rejects a POST whose Origin (or, without it, Referer) is not
// exactly this server's origin: the same scheme, host and port. Browsers
// send Origin on every POST; "null" and anything unparsable are refused.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	if origin == "" {
		return true // not a browser: the CSRF token still applies
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return canonicalOrigin(u.Scheme, u.Host) == s.ownOrigin(r)
}

// ownOrigin is the origin browsers reach this server at: Options.Origin,
// else https or http as the request came (with or without TLS) and its
// Host.
func (s *Server) ownOrigin(r *http.Request) string {
	if s.opts.Origin != "" {
		if u, err := url.Parse(s.opts.Origin); err == nil {
			return canonicalOrigin(u.Scheme, u.Host)
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return canonicalOrigin(scheme, r.Host)
}

// canonicalOrigin writes scheme://host:port in lower case with the
// scheme's default port made explicit, so that equal origins compare equal.
func canonicalOrigin(scheme, hostport string) string {
	scheme = strings.ToLower(scheme)
	u := url.URL{Host: hostport}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// checkForm verifies the session, origin and CSRF token of a page POST.
func (s *Server) checkForm(r *http.Request) bool {
	sess := s.session(r)
	if sess == "" || !s.sameOrigin(r) {
		return false
	}
	want := s.csrfToken(sess)
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(want))
}
