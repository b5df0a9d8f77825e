// Package dirserver is Dialtone's provider directory: it answers "which
// single sign-on providers may this email use?" from accounts an admin keeps
// in a database (a SQLite file, or PostgreSQL for several replicas, opened
// by internal/dirstore), through an admin API and an admin page.
// docs/directory-api.md describes the HTTP contract.
//
// Each provider is Direct (the lookup hands the desktop the identity
// provider itself) or Brokered (the desktop gets the entry of the
// directory's broker, internal/broker, served under the broker's issuer
// path, which signs in upstream as a confidential client; the client
// secret is sealed with Options.SecretKey and never leaves the directory).
//
// cmd/dialtone-directory runs it as a service; Dialtone's demo mode runs it
// in-process on loopback with Seed. It never imports anything of the
// desktop: the keyring, the browser, Fyne, the session store.
package dirserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"dialtone/internal/broker"
	"dialtone/internal/dirstore"
	"dialtone/internal/idp"
	"dialtone/internal/ratelimit"
	"dialtone/internal/sealed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults of Options' zero fields.
const (
	DefaultRateLimit   = 5.0 // lookups per second per client address
	DefaultRateBurst   = 20  // lookups at once per client address
	DefaultTestTimeout = 10 * time.Second
)

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// AdminToken is the bearer token of the admin API and the password
	// of the admin page; its SHA-256 is stored. Empty means the stored
	// token, or on the first start a new random one that
	// GeneratedAdminToken returns.
	AdminToken string
	// ResetAdminToken replaces the stored token with a new random one.
	ResetAdminToken bool

	// DefaultAccount names the account whose enabled providers answer an
	// email that no account claims. Empty means such an email gets an
	// empty list, like an account with no provider enabled.
	DefaultAccount string

	// RateLimit is how many lookups per second one client address may
	// make after a burst of RateBurst. Zero means DefaultRateLimit and
	// DefaultRateBurst; a negative RateLimit turns limiting off. The
	// count is kept in the database (internal/ratelimit), so replicas
	// share it: together they allow what one would.
	RateLimit float64
	RateBurst int
	// BrokerLimits are the rate limits of the broker's endpoints; a zero
	// field means its default (see broker.Limits).
	BrokerLimits broker.Limits
	// ClientAddr returns the key of a request's client for the rate
	// limits and the admin token's back-off. Nil means its remote IP
	// address (the /64 of an IPv6 one, ratelimit.ClientAddr). Behind a
	// reverse proxy, read the address the proxy puts in a header you
	// trust.
	ClientAddr func(*http.Request) string

	// SecureCookies marks the admin page's cookies Secure. Set it when
	// the service is served over https.
	SecureCookies bool
	// Origin is the origin browsers reach the admin page at, such as
	// https://directory.example.com, when that is not how requests
	// arrive (a reverse proxy that ends TLS). Empty means the request's
	// own: https with TLS, else http, and its Host. A page POST from any
	// other scheme, host or port is refused.
	Origin string

	// HTTPClient fetches discovery documents and keys for "Test
	// configuration", and is the broker's client of upstream identity
	// providers. Nil means idp.NewHTTPClient with a DefaultTestTimeout.
	HTTPClient *http.Client

	// SecretKey seals what Brokered mode keeps secret in the database:
	// upstream client secrets, the broker's signing keys and the upstream
	// refresh tokens. Every replica needs the same key; it must never be
	// stored in the database or logged. Nil turns Brokered mode off: such
	// providers cannot be saved, and the lookup leaves existing ones out.
	SecretKey *sealed.Key
	// BrokerIssuer is the broker's issuer, such as
	// https://directory.example.com/broker: the directory's public URL
	// and a path the broker is served at. Empty means Origin + "/broker";
	// with neither (or without SecretKey) Brokered mode is off. It is in
	// every brokered sign-in, so it must not change.
	BrokerIssuer string
	// BrokerRecheck is how often the broker re-checks a session at the
	// upstream identity provider. Zero means broker.DefaultRecheck.
	BrokerRecheck time.Duration

	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives server errors. Nil discards them.
	Logger *slog.Logger
}

// Server is a provider directory on one database. Several Servers (in one
// process or many) may share a PostgreSQL database: everything they must
// agree on is in it. It is safe for concurrent use.
type Server struct {
	store     *store
	broker    *broker.Broker // nil when Brokered mode is off
	opts      Options
	limiter   *ratelimit.Limiter
	lookupLim ratelimit.Policy
	backoff   backoffPolicy
	generated string
	handler   http.Handler
	// down is set while the database is unavailable, so that it is
	// logged once.
	down atomic.Bool
}

const tokenSetting = "admin_token_sha256"

// Open opens the directory in the database dsn names — a SQLite file name
// or a postgres:// URL (see dirstore.Open) — creating a SQLite file if
// needed and bringing the schema up to date.
func Open(ctx context.Context, dsn string, opts Options) (*Server, error) {
	opts = withDefaults(opts)
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &Server{store: st, opts: opts, backoff: defaultBackoff,
		limiter:   ratelimit.New(st.db, opts.Now, opts.Logger),
		lookupLim: ratelimit.Policy{Burst: opts.RateBurst, Rate: opts.RateLimit}}
	if err := s.openBroker(); err != nil {
		st.close()
		return nil, err
	}
	if err := s.loadAdminToken(ctx); err != nil {
		st.close()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

func withDefaults(o Options) Options {
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.ClientAddr == nil {
		o.ClientAddr = ratelimit.ClientAddr
	}
	if o.HTTPClient == nil {
		o.HTTPClient = idp.NewHTTPClient(0)
		o.HTTPClient.Timeout = DefaultTestTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// loadAdminToken stores the given token's hash, or keeps the stored one,
// or makes a new token.
func (s *Server) loadAdminToken(ctx context.Context) error {
	token := s.opts.AdminToken
	stored, err := s.store.setting(ctx, tokenSetting)
	if err != nil {
		return fmt.Errorf("dirserver: could not read the admin token: %w", err)
	}
	if token == "" && stored != "" && !s.opts.ResetAdminToken {
		raw, err := hex.DecodeString(stored)
		if err != nil || len(raw) != sha256.Size {
			return errors.New("dirserver: the stored admin token hash is damaged; start with -reset-admin-token")
		}
		return nil
	}
	if token == "" && stored == "" {
		return s.generateAdminToken(ctx)
	}
	if token == "" {
		token = base64.RawURLEncoding.EncodeToString(randomBytes(32))
		s.generated = token
	}
	if len(token) < 16 {
		return errors.New("dirserver: the admin token must be at least 16 characters")
	}
	sum := sha256.Sum256([]byte(token))
	if hex.EncodeToString(sum[:]) == stored {
		return nil
	}
	// A new token ends every admin session made with the old one.
	return s.store.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM admin_sessions"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			tokenSetting, hex.EncodeToString(sum[:]))
		return err
	})
}

// generateAdminToken makes the first admin token, unless another replica
// starting at the same moment made it first (then that one printed it).
func (s *Server) generateAdminToken(ctx context.Context) error {
	token := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(token))
	n, err := s.store.exec(ctx, "INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT(key) DO NOTHING", tokenSetting, hex.EncodeToString(sum[:]))
	if err != nil {
		return fmt.Errorf("dirserver: could not store the admin token: %w", err)
	}
	if n == 1 {
		s.generated = token
	}
	return nil
}

// GeneratedAdminToken returns the admin token Open made, or "" when it
// made none (the token was given or already stored). Show it once: only
// its hash is kept.
func (s *Server) GeneratedAdminToken() string { return s.generated }

// Handler returns the HTTP handler of the lookup, the admin API and the
// admin page.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the database.
func (s *Server) Close() error { return s.store.close() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/sso/providers", s.handleLookup)
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint", "")
	})
	mux.HandleFunc("GET /healthz", s.handleHealth)
	if s.broker != nil {
		prefix := brokerPath(s.broker.Issuer())
		mux.Handle(prefix+"/", http.StripPrefix(prefix, s.broker.Handler()))
	}
	s.adminAPIRoutes(mux)
	s.adminPageRoutes(mux)
	return securityHeaders(mux)
}

// handleHealth answers 200 "ok" while the database is the one opened and
// answers, else 503 with the reason, so a load balancer or supervisor takes
// the server out of service.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.checkDatabase(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "unavailable:", strings.TrimPrefix(err.Error(), "dirstore: "))
		return
	}
	fmt.Fprintln(w, "ok")
}

// checkDatabase checks the database and logs when it becomes unavailable
// or comes back.
func (s *Server) checkDatabase(ctx context.Context) error {
	err := s.store.db.Check(ctx)
	s.noteHealth(err)
	return err
}

// noteHealth logs the first error that says the database is unavailable,
// and the first success after one.
func (s *Server) noteHealth(err error) {
	down := errors.Is(err, dirstore.ErrUnavailable)
	if s.down.Swap(down) == down {
		return
	}
	if down {
		s.opts.Logger.Error("directory: the database is unavailable; writes are refused and /healthz fails until it is restored and the server restarted", "err", err)
	} else {
		s.opts.Logger.Info("directory: the database answers again")
	}
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin") // no-referrer would make browsers send "Origin: null" on form posts
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// apiError is the JSON body of every error of the lookup and admin API.
type apiError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, message, field string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, apiError{Code: code, Message: message, Field: field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal","message":"could not encode the answer"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// writeUnavailable answers 503 for a database that could not be read.
func (s *Server) writeUnavailable(w http.ResponseWriter, err error) {
	s.opts.Logger.Error("directory: could not read the database", "err", err)
	writeError(w, http.StatusServiceUnavailable, "unavailable", "the directory could not read its database; retry later", "")
}

// writeStoreError maps the store's errors to API errors.
func (s *Server) writeStoreError(w http.ResponseWriter, err error) {
	var ve *ValidationError
	var ce *ConflictError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusUnprocessableEntity, "validation_failed", ve.Field+": "+ve.Problem, ve.Field)
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, "conflict", ce.sentence(), ce.Field)
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", strings.TrimPrefix(err.Error(), "dirserver: "), "")
	case errors.Is(err, ErrPreconditionFailed):
		writeError(w, http.StatusPreconditionFailed, "precondition_failed", "it was changed since you read it: GET it again, make your change again and send the new ETag in If-Match", "")
	case errors.Is(err, ErrPreconditionRequired):
		writeError(w, http.StatusPreconditionRequired, "precondition_required", "send If-Match with the ETag from your GET, so that nobody's change is lost (If-Match: * replaces whatever is there)", "")
	case errors.Is(err, dirstore.ErrUnavailable):
		s.noteHealth(err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the directory's database is unavailable, so nothing was saved; see its log", "")
	default:
		s.opts.Logger.Error("directory: request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "the directory could not do that; see its log", "")
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}
