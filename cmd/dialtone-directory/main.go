// Command dialtone-directory runs Dialtone's provider directory: the
// service Dialtone asks which single sign-on providers an email may use,
// with an admin page at /admin, and the broker for Brokered providers at
// /broker. See docs/directory-api.md.
//
//	dialtone-directory -db directory.db -seed
//	dialtone-directory -db postgres://dialtone@db.internal/dialtone -listen :8443 -tls-cert … -tls-key … \
//	    -origin https://directory.example.com -secret-key-file /etc/dialtone/directory.key
//
// It must never import anything of the desktop: the keyring, the browser,
// Fyne, the session store.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"dialtone/internal/broker"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore"
	"dialtone/internal/idp"
	"dialtone/internal/ratelimit"
	"dialtone/internal/redact"
	"dialtone/internal/sealed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "dialtone-directory:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	db, listen, tlsCert, tlsKey string
	origin                      string
	adminToken                  string
	resetToken, seed            bool
	seedIssuer, seedClientID    string
	unknown                     string
	rate                        float64
	burst                       int
	brokerLimits                broker.Limits
	secretKeyFile               string
	newSecretKey, reseal        bool
	recheck                     time.Duration
}

// secretKeyEnv holds the secret key when -secret-key-file is not given.
const secretKeyEnv = "DIALTONE_DIRECTORY_SECRET_KEY"

func parseFlags(args []string, out io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("dialtone-directory", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.db, "db", envOr("DIALTONE_DIRECTORY_DB", "dialtone-directory.db"), "the database: a SQLite `file` (created on first start) or a postgres:// URL for several replicas (default $DIALTONE_DIRECTORY_DB, else dialtone-directory.db)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8470", "`address` to listen on")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate `file` (PEM); without it, only a loopback address is allowed")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.StringVar(&c.origin, "origin", "", "the `origin` browsers reach the admin page at (https://host[:port]) behind a proxy that ends TLS; default: as requests arrive")
	fs.StringVar(&c.adminToken, "admin-token", os.Getenv("DIALTONE_DIRECTORY_ADMIN_TOKEN"), "admin `token` (default $DIALTONE_DIRECTORY_ADMIN_TOKEN, else the stored one, else a new one printed once)")
	fs.BoolVar(&c.resetToken, "reset-admin-token", false, "replace the stored admin token with a new one, printed once")
	fs.BoolVar(&c.seed, "seed", false, "create or overwrite the demo accounts acme and globex")
	fs.StringVar(&c.seedIssuer, "seed-issuer", dirserver.DefaultSeedIssuer, "issuer of the demo accounts' providers")
	fs.StringVar(&c.seedClientID, "seed-client-id", dirserver.DefaultSeedClientID, "client ID of the demo accounts' providers")
	fs.StringVar(&c.unknown, "unknown", "empty", "answer for an email no account claims: empty, or default (the providers of the account named \"default\")")
	fs.Float64Var(&c.rate, "rate", dirserver.DefaultRateLimit, "lookups per second per client address (negative: no limit)")
	fs.IntVar(&c.burst, "burst", dirserver.DefaultRateBurst, "lookups at once per client address")
	c.brokerLimits = broker.Limits{SignIn: broker.DefaultSignInLimit, Token: broker.DefaultTokenLimit, Session: broker.DefaultSessionLimit,
		Metadata: broker.DefaultMetadataLimit, Userinfo: broker.DefaultUserinfoLimit, EndSession: broker.DefaultEndSessionLimit}
	fs.Var(&c.brokerLimits.SignIn, "broker-signin-limit", "the broker's interactive sign-ins per client address (authorize and the IdP's redirect back, two requests a sign-in): `BURST,RATE/UNIT` (UNIT s, min or h) or off")
	fs.Var(&c.brokerLimits.Token, "broker-token-limit", "the broker's token and revocation requests per client address: `BURST,RATE/UNIT` or off")
	fs.Var(&c.brokerLimits.Session, "broker-session-limit", "refresh grants per broker session (one agent's refresh tokens): `BURST,RATE/UNIT` or off")
	fs.Var(&c.brokerLimits.Metadata, "broker-metadata-limit", "the broker's discovery and key set requests per client address: `BURST,RATE/UNIT` or off")
	fs.Var(&c.brokerLimits.Userinfo, "broker-userinfo-limit", "the broker's userinfo requests per client address: `BURST,RATE/UNIT` or off")
	fs.Var(&c.brokerLimits.EndSession, "broker-endsession-limit", "the broker's end_session (sign-out page) requests per client address: `BURST,RATE/UNIT` or off")
	fs.StringVar(&c.secretKeyFile, "secret-key-file", "", "`file` with the key that seals Brokered providers' secrets, the broker's signing keys and upstream refresh tokens (mode 600; default $"+secretKeyEnv+"); during a rotation, several keys, one a line, newest first: the first seals, all open; without a key, Brokered mode is off")
	fs.BoolVar(&c.newSecretKey, "new-secret-key", false, "print a new secret key and exit")
	fs.BoolVar(&c.reseal, "reseal-secrets", false, "re-seal every secret in the database under the first key of -secret-key-file (the pass of a key rotation; replicas may keep serving), report, and exit")
	fs.DurationVar(&c.recheck, "broker-recheck", broker.DefaultRecheck, "how often the broker re-checks an agent's session at the identity provider")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.check()
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func (c *config) check() error {
	switch {
	case c.origin != "" && !validOrigin(c.origin):
		return fmt.Errorf("-origin %q must be scheme://host[:port], such as https://directory.example.com", c.origin)
	case c.unknown != "empty" && c.unknown != "default":
		return fmt.Errorf("-unknown must be empty or default, not %q", c.unknown)
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return errors.New("give both -tls-cert and -tls-key, or neither")
	}
	if c.tlsCert == "" {
		host, _, err := net.SplitHostPort(c.listen)
		if err != nil {
			return fmt.Errorf("-listen %q: %w", c.listen, err)
		}
		if !idp.IsLoopbackHost(host) {
			return fmt.Errorf("-listen %s without TLS: plain HTTP is allowed only on 127.0.0.1, ::1 or localhost; give -tls-cert and -tls-key", c.listen)
		}
	}
	return nil
}

// validOrigin accepts an http(s) origin: a scheme and a host, no path.
func validOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.User == nil
}

func (c *config) options(log *slog.Logger) dirserver.Options {
	o := dirserver.Options{
		AdminToken: c.adminToken, ResetAdminToken: c.resetToken, RateLimit: c.rate, RateBurst: c.burst,
		SecureCookies: c.tlsCert != "" || strings.HasPrefix(c.origin, "https://"), Origin: c.origin, Logger: log,
		BrokerRecheck: c.recheck, BrokerLimits: c.brokerLimits,
	}
	if c.unknown == "default" {
		o.DefaultAccount = "default"
	}
	return o
}

// run starts the directory and serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	if c.newSecretKey {
		fmt.Fprintln(out, sealed.NewKeyText())
		return nil
	}
	// Every log line, this program's and zitadel/oidc's (through slog's
	// default logger), goes through the redacting handler.
	log := slog.New(redact.NewHandler(slog.NewTextHandler(out, nil)))
	slog.SetDefault(slog.New(redact.NewHandler(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	opts := c.options(log)
	if opts.SecretKey, err = sealed.LoadKey(c.secretKeyFile, secretKeyEnv); err != nil {
		return err
	}
	if c.reseal {
		return reseal(ctx, out, c.db, opts.SecretKey)
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("could not listen: %w", err)
	}
	defer ln.Close()
	base := c.baseURL(ln.Addr())
	opts.BrokerIssuer = c.brokerIssuer(base)
	srv, err := dirserver.Open(ctx, c.db, opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	if c.seed {
		if err := srv.Seed(ctx, dirserver.SeedOptions{Issuer: c.seedIssuer, ClientID: c.seedClientID}); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "dialtone-directory: listening on %s (admin page %s/admin, database %s)\n", base, base, dirstore.Redact(c.db))
	printBroker(out, srv, opts)
	printLimits(out, srv, c)
	if token := srv.GeneratedAdminToken(); token != "" {
		fmt.Fprintf(out, "dialtone-directory: admin token (shown once, only its hash is stored): %s\n", token)
	}
	err = serve(ctx, ln, srv.Handler(), c)
	finishRevocations(srv, log)
	return err
}

// finishRevocations gives the upstream revocations still queued (sessions
// an admin ended just before the stop) up to revocationGrace to finish, so
// a restart or a deploy does not leave refresh tokens alive at customers'
// identity providers; what is left is logged as a count by the broker.
func finishRevocations(srv *dirserver.Server, log *slog.Logger) {
	b := srv.Broker()
	if b == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), revocationGrace)
	defer cancel()
	if err := b.WaitRevocations(ctx); err != nil {
		log.Warn("dialtone-directory: stopped before every upstream revocation was done", "err", err)
	}
}

// revocationGrace bounds finishRevocations.
const revocationGrace = 10 * time.Second

// brokerIssuer is the broker's issuer: -origin's, else this listener's
// when browsers can reach it as it is (plain HTTP on loopback, or TLS on a
// named host), else "" (Brokered mode off until -origin is given).
func (c *config) brokerIssuer(base string) string {
	if c.origin != "" {
		return strings.TrimRight(c.origin, "/") + "/broker"
	}
	host, _, err := net.SplitHostPort(c.listen)
	if err != nil || host == "" || (c.tlsCert != "" && net.ParseIP(host) != nil) {
		return ""
	}
	return base + "/broker"
}

// reseal runs the re-sealing pass of a key rotation and says what it did,
// and whether the older keys may now be retired.
func reseal(ctx context.Context, out io.Writer, db string, key *sealed.Key) error {
	r, err := dirserver.ResealSecrets(ctx, db, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dialtone-directory: re-sealing %s under key %s:\n", dirstore.Redact(db), r.Key)
	for _, c := range r.Columns {
		fmt.Fprintf(out, "  %s: %d re-sealed, %d already under it", c.What, c.Resealed, c.Current)
		if c.Changed > 0 {
			fmt.Fprintf(out, ", %d changed by a replica meanwhile", c.Changed)
		}
		if len(c.Unopened) > 0 {
			fmt.Fprintf(out, ", %d open with none of the keys (%s)", len(c.Unopened), strings.Join(c.Unopened, "; "))
		}
		fmt.Fprintln(out)
	}
	switch {
	case !r.Done():
		return fmt.Errorf("not every secret is under key %s yet: keep every key in the file; run -reseal-secrets again once replicas have settled, and look for the key of values that open with none", r.Key)
	case len(r.Keys) > 1:
		fmt.Fprintf(out, "dialtone-directory: every secret is sealed under key %s; keys %s can be retired from the key file once every replica seals with %s\n", r.Key, strings.Join(r.Keys[1:], ", "), r.Key)
	default:
		fmt.Fprintf(out, "dialtone-directory: every secret is sealed under key %s\n", r.Key)
	}
	return nil
}

// printBroker says whether Brokered mode is on, and why not, and which
// keys seal and open.
func printBroker(out io.Writer, srv *dirserver.Server, o dirserver.Options) {
	switch b := srv.Broker(); {
	case b != nil:
		fmt.Fprintf(out, "dialtone-directory: broker %s (redirect URI to register for Brokered providers: %s)\n", b.Issuer(), b.RedirectURI())
		if ids := o.SecretKey.IDs(); len(ids) > 1 {
			fmt.Fprintf(out, "dialtone-directory: secret key %s seals; keys %s only open (a rotation is under way)\n", ids[0], strings.Join(ids[1:], ", "))
		} else {
			fmt.Fprintf(out, "dialtone-directory: secret key %s seals\n", ids[0])
		}
	case o.SecretKey == nil:
		fmt.Fprintf(out, "dialtone-directory: Brokered mode is off: give -secret-key-file or $%s (make a key with -new-secret-key)\n", secretKeyEnv)
	default:
		fmt.Fprintln(out, "dialtone-directory: Brokered mode is off: give -origin, the address browsers reach this service at")
	}
}

// printLimits says what the rate limits are, in the flags' own form.
func printLimits(out io.Writer, srv *dirserver.Server, c *config) {
	lookup := ratelimit.Policy{Burst: c.burst, Rate: c.rate}
	fmt.Fprintf(out, "dialtone-directory: rate limits, shared by every replica: lookups %s per address", lookup)
	if srv.Broker() != nil {
		l := c.brokerLimits
		fmt.Fprintf(out, "; broker sign-ins %s, tokens %s, discovery and keys %s, userinfo %s and sign-outs %s per address, refreshes %s per session",
			l.SignIn, l.Token, l.Metadata, l.Userinfo, l.EndSession, l.Session)
	}
	fmt.Fprintln(out)
}

func (c *config) baseURL(addr net.Addr) string {
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	return scheme + "://" + addr.String()
}

func serve(ctx context.Context, ln net.Listener, h http.Handler, c *config) error {
	hs := &http.Server{
		Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- hs.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}
