// Package demo runs Dialtone's local demo in-process, on loopback only: the
// reference provider directory with its seed accounts (acme.test,
// globex.test), an OpenID provider (zitadel/oidc's example provider)
// whose demo users have the seed accounts' emails, and a SIP registrar
// (internal/sipregistrar) for Acme's phone line, which takes the
// provider's JWT access tokens for LineResource (RFC 8898). Nothing leaves
// the computer and no cloud account is needed.
//
// The provider keeps its signing key and its refresh tokens in StateDir,
// so a Dialtone that signed in before a restart signs in silently after
// it. Refresh tokens are kept only as SHA-256 hashes.
//
// The demo is only servers: Dialtone talks to it as to any provider
// directory and identity provider, through the same code and the same
// checks.
//
// It must never import Fyne, the UI, the keyring, the session store or the
// browser package: the app reaches the demo only over loopback, from its
// own process (cmd/dialtone-demo, started by internal/demoproc).
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"dialtone/internal/broker"
	"dialtone/internal/dirserver"
	"dialtone/internal/sealed"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"

	"github.com/zitadel/oidc/v3/example/server/storage"
)

// Default addresses. The issuer's must stay the same from one start to
// the next: a stored session names its issuer.
const (
	DefaultIssuerAddr    = "127.0.0.1:9998"
	DefaultDirectoryAddr = "127.0.0.1:8470"
)

// DefaultStateDirName is the directory under os.UserCacheDir() that holds
// the demo's state when Options.StateDir is empty.
const DefaultStateDirName = "dialtone-demo"

// directoryDBName is the directory's SQLite file in StateDir, and
// directoryKeyName the key its broker seals secrets with (mode 0600).
const (
	directoryDBName  = "directory.db"
	directoryKeyName = "directory.key"
)

// Options configures Start. The zero value is the standard demo.
type Options struct {
	// StateDir holds what survives a restart: the identity provider's
	// signing key and the hashes of its live refresh tokens
	// (provider-state.json, mode 0600), and the directory's database
	// (dirserver.db). It is created with mode 0700. Empty means
	// os.UserCacheDir()/dialtone-demo. Run one demo per StateDir.
	StateDir string

	// IssuerAddr is the loopback host:port of the identity provider; the
	// issuer is http://IssuerAddr. Empty means DefaultIssuerAddr. Port 0
	// picks a free port (for tests; read Demo.Issuer, and pass that port
	// again on a restart).
	IssuerAddr string

	// DirectoryAddr is the loopback host:port of the provider directory.
	// Empty means DefaultDirectoryAddr; port 0 picks a free port.
	DirectoryAddr string

	// RegistrarAddr is the loopback host:port of the phone registrar,
	// which listens on TCP and UDP. Empty means DefaultRegistrarAddr; port
	// 0 picks a port free for both.
	RegistrarAddr string

	// Logger receives the demo's errors, the registrar's refusals (never a
	// token), and at debug level the method and path of every request.
	// Nil discards them. (zitadel/oidc logs its routes and refused
	// requests through slog's default logger.)
	Logger *slog.Logger
}

// Demo is a running demo. Its fields are set by Start and must not be
// changed.
type Demo struct {
	// Issuer is the identity provider's issuer URL, http://127.0.0.1:9998.
	Issuer string
	// ClientID is Dialtone's client ID at the provider (ClientID).
	ClientID string
	// DirectoryURL is the provider directory's base URL, for
	// directory.Client{URL: DirectoryURL} or --directory.
	DirectoryURL string
	// Registrar is the phone registrar's SIP URI over TCP,
	// sip:127.0.0.1:5070;transport=tcp, Acme's line in the directory. It
	// answers on UDP at the same port too, and registers an agent's
	// address of record, sip:<email>, with an access token of Issuer for
	// LineResource whose email claim is that email.
	Registrar string
	// AdminToken opens the directory's admin page (DirectoryURL + "/admin")
	// until Close. A new one is made at every start.
	AdminToken string
	// StateDir is where the demo keeps its state.
	StateDir string
	// Users are the people who can sign in, all with Password.
	Users []User

	dir     *dirserver.Server
	reg     *sipregistrar.Registrar
	servers []*http.Server

	closeOnce sync.Once
	closeErr  error
}

// Start starts the directory, the identity provider and the registrar on
// loopback and returns once all accept connections. ctx bounds the start
// only: the servers run until Close. An address that cannot be listened
// on, usually because another demo is running, is a *ListenError.
func Start(ctx context.Context, opts Options) (*Demo, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: could not create the state directory: %w", err)
	}
	ls, err := listenAll(opts)
	if err != nil {
		return nil, err
	}
	d, err := start(ctx, opts, ls)
	if err != nil {
		ls.close()
		return nil, err
	}
	return d, nil
}

func withDefaults(o Options) (Options, error) {
	if o.StateDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("demo: no state directory given and no user cache directory: %w", err)
		}
		o.StateDir = filepath.Join(cache, DefaultStateDirName)
	}
	if o.IssuerAddr == "" {
		o.IssuerAddr = DefaultIssuerAddr
	}
	if o.DirectoryAddr == "" {
		o.DirectoryAddr = DefaultDirectoryAddr
	}
	if o.RegistrarAddr == "" {
		o.RegistrarAddr = DefaultRegistrarAddr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// start builds and serves the demo on ls.
func start(ctx context.Context, opts Options, ls *listeners) (*Demo, error) {
	d := &Demo{
		Issuer: "http://" + ls.issuer.Addr().String(), ClientID: ClientID,
		DirectoryURL: "http://" + ls.dir.Addr().String(), Registrar: registrarURI(ls.sipTCP),
		AdminToken: newAdminToken(), StateDir: opts.StateDir, Users: Users(),
	}
	brokerSecret := newAdminToken() // a new confidential client secret at each start
	brokerClient := storage.WebClient(BrokerClientID, brokerSecret, d.DirectoryURL+"/broker"+broker.RedirectPath)
	st, err := newOPStorage(opts.StateDir, opts.Logger, brokerClient)
	if err != nil {
		return nil, err
	}
	idp, err := newProviderHandler(d.Issuer, st, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("demo: could not build the identity provider: %w", err)
	}
	if d.dir, err = openDirectory(ctx, opts, d, brokerSecret); err != nil {
		return nil, err
	}
	if d.reg, err = startRegistrar(ctx, d.Issuer, st.key, ls, opts.Logger); err != nil {
		d.dir.Close()
		return nil, err
	}
	d.serve(ls.issuer, idp)
	d.serve(ls.dir, d.dir.Handler())
	return d, nil
}

// openDirectory opens the directory in StateDir, with its broker, and
// seeds the demo accounts with this issuer, and Acme's with the line at
// d.Registrar; Globex's contractors sign in through the broker, as the
// provider's confidential client with brokerSecret. Seeding overwrites
// only the seed accounts, so it runs at every start and follows changed
// ports.
func openDirectory(ctx context.Context, opts Options, d *Demo, brokerSecret string) (*dirserver.Server, error) {
	key, err := loadDirectoryKey(opts.StateDir)
	if err != nil {
		return nil, err
	}
	srv, err := dirserver.Open(ctx, filepath.Join(opts.StateDir, directoryDBName), dirserver.Options{
		AdminToken: d.AdminToken, Logger: opts.Logger, SecretKey: key, BrokerIssuer: d.DirectoryURL + "/broker"})
	if err != nil {
		return nil, err
	}
	seed := dirserver.SeedOptions{Issuer: d.Issuer, ClientID: ClientID, BrokerClientID: BrokerClientID, BrokerClientSecret: brokerSecret}
	if err := srv.Seed(ctx, seed); err != nil {
		srv.Close()
		return nil, err
	}
	if err := seedLine(ctx, srv, d.Registrar); err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

// seedLine gives Acme, which Seed saves without a line, the demo's phone
// line: the registrar and the resource its tokens must be for. Acme's is
// the demo's only line. Globex has none: its Brokered provider signs in
// at the directory's broker, whose tokens (issuer DirectoryURL/broker) a
// registrar that trusts the demo provider refuses, and a line is the
// whole account's. Initech has no account.
func seedLine(ctx context.Context, srv *dirserver.Server, registrar string) error {
	acme, err := srv.Account(ctx, acmeAccount)
	if err != nil {
		return fmt.Errorf("demo: could not read the seeded account %s: %w", acmeAccount, err)
	}
	acme.Line = &sipaddr.Config{Registrar: registrar, Resource: LineResource}
	if err := srv.SaveAccount(ctx, acme); err != nil {
		return fmt.Errorf("demo: could not give %s its phone line: %w", acmeAccount, err)
	}
	return nil
}

// acmeAccount is the name of Acme's account in the directory's seed.
const acmeAccount = "acme"

func (d *Demo) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
	}
	d.servers = append(d.servers, srv)
	go srv.Serve(ln) // returns http.ErrServerClosed after Shutdown
}

// Close stops the registrar, forgetting its registrations, and the two
// HTTP servers, waiting briefly for requests in flight, and closes the
// directory's database. The state stays in StateDir for the next start.
// Close may be called more than once.
func (d *Demo) Close() error {
	d.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errs := []error{d.reg.Close()}
		for _, srv := range d.servers {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, err, srv.Close())
			}
		}
		errs = append(errs, d.dir.Close())
		d.closeErr = errors.Join(errs...)
	})
	return d.closeErr
}

// Instructions returns what to print for the person trying the demo: the
// addresses, the demo emails and the password.
func (d *Demo) Instructions() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Dialtone demo — everything runs on this computer only.\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  identity provider\t%s\n", d.Issuer)
	fmt.Fprintf(tw, "  provider directory\t%s\t(admin page %s/admin, token %s)\n", d.DirectoryURL, d.DirectoryURL, d.AdminToken)
	fmt.Fprintf(tw, "  broker\t%s/broker\t(Globex contractors sign in through it)\n", d.DirectoryURL)
	fmt.Fprintf(tw, "  phone registrar\t%s\t(Acme's line, TCP and UDP; takes the identity provider's tokens for %s)\n", d.Registrar, LineResource)
	tw.Flush()
	fmt.Fprintf(&b, "\nSign in with one of these emails; the password is %s\n", Password)
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, u := range d.Users {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Email, u.Name, u.About)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nState (signing key, hashed refresh tokens, directory): %s\n", d.StateDir)
	return b.String()
}

// loadDirectoryKey reads the directory's sealing key from StateDir, making
// it on the first start.
func loadDirectoryKey(dir string) (*sealed.Key, error) {
	path := filepath.Join(dir, directoryKeyName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(path, []byte(sealed.NewKeyText()+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("demo: could not make the directory's key: %w", err)
		}
	}
	key, err := sealed.LoadKey(path, "")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return key, nil
}

func newAdminToken() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
