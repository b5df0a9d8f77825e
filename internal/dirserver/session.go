package dirserver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The admin page signs in with the admin token once and then carries a
// session cookie: an expiry signed with a key that lives only in this
// process, so a restart or a new token signs everyone out. Forms carry a
// CSRF token derived from the cookie, and every POST must come from this
// origin.
const (
	sessionCookie   = "dialtone_admin"
	sessionLifetime = 8 * time.Hour
)

func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.sessionKey)
	m.Write([]byte(strings.Join(parts, "|")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) newSession(w http.ResponseWriter) {
	expiry := strconv.FormatInt(s.opts.Now().Add(sessionLifetime).Unix(), 10)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: expiry + "." + s.sign("session", expiry), Path: "/admin",
		MaxAge: int(sessionLifetime.Seconds()), HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) endSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// session returns the valid session cookie's value, or "".
func (s *Server) session(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	expiry, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.sign("session", expiry))) {
		return ""
	}
	if t, err := strconv.ParseInt(expiry, 10, 64); err != nil || s.opts.Now().Unix() > t {
		return ""
	}
	return c.Value
}

func (s *Server) csrfToken(session string) string { return s.sign("csrf", session) }

// sameOrigin rejects a POST whose Origin (or, without it, Referer) names
// another site. Browsers send Origin on every POST.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	if origin == "" {
		return true // not a browser: the CSRF token still applies
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// checkForm verifies the session, origin and CSRF token of a page POST.
func (s *Server) checkForm(r *http.Request) bool {
	sess := s.session(r)
	if sess == "" || !sameOrigin(r) {
		return false
	}
	want := s.csrfToken(sess)
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(want))
}
