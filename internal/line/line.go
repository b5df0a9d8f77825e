package line

import (
	"cmp"
	"crypto/tls"
	"dialtone/internal/sipaddr"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Options tunes a Line. The zero value is right for the application.
type Options struct {
	// Expires is the registration time asked for, in whole seconds. Zero
	// or less means one hour.
	Expires time.Duration
	// Timeout bounds one SIP transaction: connecting, sending and waiting
	// for the final response. Zero or less means 10 seconds. One Register
	// is at most a few transactions (challenge, 423, redirects), and the
	// caller's context bounds it all.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the delay between retries after a
	// network failure. Zero or less means 1 second and 2 minutes.
	MinBackoff, MaxBackoff time.Duration
	// Clock drives re-registration and retry timers. Nil means real time.
	Clock Clock
	// OnState, when set, is called with every new State, from the
	// goroutine calling Register, Run or Unregister. It must return
	// quickly: a UI hands the work on (fyne.Do).
	OnState func(State)
	// TLSConfig is used for sips: registrars. Nil means the system's roots.
	// Its ServerName, when empty, becomes the registrar's host: the
	// certificate must name the registrar's domain, even when DNS SRV
	// records send the request to another host (RFC 5922 §4).
	TLSConfig *tls.Config
	// NetworkCheck is how often Run looks at the route to the registrar's
	// server for a change of network (a new address, or a route back after
	// none), to re-register at once. Zero means 3 seconds; negative means
	// never: Run then waits out its timers.
	NetworkCheck time.Duration
	// Resolver looks up the registrar's SRV records and addresses (see
	// locate). Nil means net.DefaultResolver.
	Resolver *net.Resolver
	// UserAgent is the User-Agent header. Empty means "Dialtone".
	UserAgent string
	// Logger receives sipgo's logs; nil discards them. Never turn on
	// sip.SIPDebug: it logs whole messages, Authorization headers included.
	Logger *slog.Logger
}

// Line keeps one agent's SIP line registered with one registrar. Register,
// Run and Unregister must not run at the same time: stop Run (cancel its
// context and wait for it) before calling Unregister. State may be called
// at any time.
type Line struct {
	registrar sipaddr.Registrar
	aor       sipaddr.AOR
	issuer    string
	tokens    TokenSource
	opts      Options
	clock     Clock
	ua        *sipgo.UserAgent
	client    *sipgo.Client
	tlsName   string // the TLS server name ua checks certificates against
	watch     netWatch

	mu    sync.Mutex // guards state
	state State

	// The registration dialogue, owned by the caller of Register, Run and
	// Unregister.
	last       *sip.Request      // the previous REGISTER: Call-ID, tag and CSeq go on from it
	target     sipaddr.Registrar // the registrar, or where it redirected us
	transport  string            // the target's transport; TCP once UDP was too small
	hops       []hop             // where the target's requests go (locate); nil: look up again
	hop        int               // the hop in use: the next one after a failure or 503
	localIP    string            // our address toward the target; found again after a failure
	expires    int               // seconds to ask for; raised by 423
	authorized bool              // the target's challenge named our issuer: send the token at once
	contacts   []sip.Uri         // contacts registered and not yet removed
}

// New returns a line for cfg, authorised by tokens from issuer: the issuer
// the agent signed in with, which every registrar challenge must name as
// its authz_server. cfg.AOR must be set (see Config.ForAgent). New does no
// network I/O; Close releases the line's sockets.
func New(cfg sipaddr.Config, issuer string, tokens TokenSource, opts Options) (*Line, error) {
	reg, err := sipaddr.ParseRegistrar(cfg.Registrar)
	if err != nil {
		return nil, err
	}
	aor, err := sipaddr.ParseAOR(cfg.AOR, "line.aor")
	if err != nil {
		return nil, err
	}
	if _, ok := normalIssuer(issuer); !ok || tokens == nil {
		return nil, fmt.Errorf("line: New needs the issuer URL and a token source, got issuer %q", issuer)
	}
	l := &Line{registrar: reg, aor: aor, issuer: issuer, tokens: tokens, opts: withDefaults(opts),
		target: reg, transport: reg.Transport}
	l.clock, l.expires = l.opts.Clock, int(l.opts.Expires/time.Second)
	l.watch.route = findLocalIP
	if err := l.useTLSName(reg.Host); err != nil {
		return nil, err
	}
	return l, nil
}

// useTLSName makes sure the SIP user agent checks TLS certificates against
// host (the registrar's, or the host a redirect named), starting a new user
// agent when the name changes: a tls.Config must not change once in use.
func (l *Line) useTLSName(host string) error {
	if l.ua != nil && l.tlsName == host {
		return nil
	}
	ua, client, err := newClient(l.opts, host)
	if err != nil {
		return fmt.Errorf("line: could not start SIP: %w", err)
	}
	if l.ua != nil {
		_ = l.ua.Close()
	}
	l.ua, l.client, l.tlsName = ua, client, host
	return nil
}

func withDefaults(o Options) Options {
	o.Expires = positiveOr(o.Expires.Truncate(time.Second), time.Hour)
	o.Timeout = positiveOr(o.Timeout, 10*time.Second)
	o.MinBackoff = positiveOr(o.MinBackoff, time.Second)
	o.MaxBackoff = max(positiveOr(o.MaxBackoff, 2*time.Minute), o.MinBackoff)
	o.UserAgent = cmp.Or(o.UserAgent, "Dialtone")
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.NetworkCheck == 0 {
		o.NetworkCheck = 3 * time.Second
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	return o
}

func positiveOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// newClient starts sipgo's user agent, checking TLS certificates against
// tlsName unless Options.TLSConfig names a server. Pending transactions end
// as soon as their TCP or TLS connection drops, instead of waiting for
// timer F.
func newClient(o Options, tlsName string) (*sipgo.UserAgent, *sipgo.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.TLSConfig != nil {
		tc = o.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = tlsName
	}
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(o.UserAgent),
		sipgo.WithUserAgenTLSConfig(tc),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerTerminateOnConnClose(),
			sip.WithTransactionLayerLogger(o.Logger),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(o.Logger)),
	)
	if err != nil {
		return nil, nil, err
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(o.Logger), sipgo.WithClientNAT())
	if err != nil {
		_ = ua.Close()
		return nil, nil, err
	}
	return ua, client, nil
}

// Close releases the line's sockets. It does not unregister: call
// Unregister first.
func (l *Line) Close() error {
	return l.ua.Close()
}

// State returns the line's current state.
func (l *Line) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// report records a new state and tells Options.OnState.
func (l *Line) report(s State) {
	l.mu.Lock()
	l.state = s
	l.mu.Unlock()
	if l.opts.OnState != nil {
		l.opts.OnState(s)
	}
}

// AOR returns the line's address of record in canonical form.
func (l *Line) AOR() string { return l.aor.String() }

// Registrar returns the registrar's URI in canonical form.
func (l *Line) Registrar() string { return l.registrar.String() }
