package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"dialtone/internal/idp"
)

// Path is the versioned path of the provider directory's lookup
// (docs/directory-api.md).
const Path = "/v1/sso/providers"

// DefaultTimeout bounds one directory lookup when Client's
// HTTPClient is nil. The agent waits for it on the email screen.
const DefaultTimeout = 10 * time.Second

// Client asks a provider directory which single sign-on providers an email
// may use (docs/directory-api.md). The zero value with URL set is ready to
// use; it is safe for concurrent use.
//
// A directory answers an email whose domain no account uses exactly as it
// answers an account with no provider enabled: with an empty list (or the
// directory's default list). That is what keeps the directory from telling
// strangers which addresses exist, so Lookup has no "unknown email" error:
// the UI shows an empty list as "No single sign-on is set up for this email".
type Client struct {
	// URL is the directory's base address, for example
	// "https://directory.example.com". Lookup requests URL + Path.
	// It must use https, or http on a loopback host. Empty means no
	// directory: only the WebFinger fallback is asked; with neither,
	// Lookup returns a *idp.ConfigError.
	URL string

	// HTTPClient sends the requests. Nil means idp.NewHTTPClient with a
	// DefaultTimeout per request, shared by every Client. Every body is read through
	// idp.MaxBodySize.
	HTTPClient *http.Client

	// Cache keeps the last good answer for each email, so that
	// LookupOrCached can answer while the directory is down. Nil means
	// nothing is kept.
	Cache Cache

	// WebFinger, when not nil, asks the email's domain for its OpenID
	// issuer (OpenID Connect Discovery 1.0 §2) when the directory has no
	// provider for the email or no directory is set. Nil (the default)
	// never asks.
	WebFinger *WebFinger

	// Now is the clock stamped on cached answers. Nil means time.Now.
	Now func() time.Time
}

// Cache stores the last good directory answer per email. Keys are
// normalised emails (see idp.SplitEmail). The session-metadata store persists
// it; MemoryCache keeps it in memory. Implementations must be safe
// for concurrent use and must not hand out a list a caller may change.
type Cache interface {
	Get(email string) (list *idp.ProviderList, fetchedAt time.Time, ok bool)
	Put(email string, list *idp.ProviderList, fetchedAt time.Time)
}

// Answer is a provider list with where it came from.
type Answer struct {
	List *idp.ProviderList
	// Cached reports that the directory could not be reached and List is
	// the last good answer, fetched at FetchedAt. The UI marks it so.
	Cached    bool
	FetchedAt time.Time
	// Err is why the directory was not used (a *idp.NetworkError) when Cached.
	Err error
}

// Lookup asks the directory which providers email may use. The email is
// checked first (an *idp.InvalidEmailError, before any request). The answer is
// decoded and validated as idp.ParseProviderList does; a good answer is stored
// in Cache.
//
// Errors: *idp.NetworkError when the directory cannot be reached, times out,
// rate-limits the client or answers 5xx (temporary: LookupOrCached falls
// back to the cache); *idp.ConfigError when its URL is wrong or its answer is
// not a valid provider list.
func (d *Client) Lookup(ctx context.Context, email string) (*idp.ProviderList, error) {
	addr, domain, err := idp.SplitEmail(email)
	if err != nil {
		return nil, err
	}
	if d.URL == "" && d.WebFinger == nil {
		return nil, &idp.ConfigError{Field: "directory_url", Problem: "is not set: give a provider directory or a provider list file"}
	}
	list := &idp.ProviderList{Email: addr, Providers: []idp.Provider{}}
	if d.URL != "" {
		if list, err = d.fetch(ctx, addr); err != nil {
			return nil, err
		}
	}
	if len(list.Providers) == 0 && d.WebFinger != nil {
		if list, err = d.webFingerFallback(ctx, addr, domain, list); err != nil {
			return nil, err
		}
	}
	if d.Cache != nil {
		d.Cache.Put(addr, cloneProviderList(list), d.now())
	}
	return list, nil
}

// LookupOrCached is Lookup that answers from Cache, marked Cached, when the
// directory cannot be reached (a *idp.NetworkError) and an earlier answer for
// the email is cached. Other errors, and a cancelled ctx, are returned as
// they are.
func (d *Client) LookupOrCached(ctx context.Context, email string) (*Answer, error) {
	list, err := d.Lookup(ctx, email)
	if err == nil {
		return &Answer{List: list, FetchedAt: d.now()}, nil
	}
	var netErr *idp.NetworkError
	if d.Cache == nil || ctx.Err() != nil || !errors.As(err, &netErr) {
		return nil, err
	}
	addr, _, _ := idp.SplitEmail(email) // Lookup checked it
	cached, at, ok := d.Cache.Get(addr)
	if !ok {
		return nil, err
	}
	return &Answer{List: cloneProviderList(cached), Cached: true, FetchedAt: at, Err: err}, nil
}

// webFingerFallback returns list unless WebFinger finds an issuer for the
// domain. Without a directory, WebFinger's errors are the lookup's errors;
// behind a directory that answered, they are ignored: the directory's
// (empty) answer stands.
func (d *Client) webFingerFallback(ctx context.Context, addr, domain string, list *idp.ProviderList) (*idp.ProviderList, error) {
	found, err := d.WebFinger.providers(ctx, d.client(), addr, domain)
	switch {
	case err != nil && d.URL == "":
		return nil, err
	case err != nil || found == nil:
		return list, nil
	}
	return found, nil
}

func (d *Client) fetch(ctx context.Context, addr string) (*idp.ProviderList, error) {
	endpoint, err := d.endpoint()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?email="+url.QueryEscape(addr), nil)
	if err != nil {
		return nil, &idp.ConfigError{Field: "directory_url", Problem: "cannot build the lookup URL", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.client().Do(req)
	if err != nil {
		return nil, &idp.NetworkError{Op: "ask the provider directory", URL: endpoint, Err: idp.WithoutURL(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, directoryStatusError(endpoint, resp)
	}
	body, err := idp.ReadBounded(resp.Body)
	if err != nil && !errors.Is(err, idp.ErrTooLarge) {
		// Headers came, then the answer stalled or broke off: the directory
		// is as unreachable as one that never answered.
		return nil, &idp.NetworkError{Op: "read the provider directory's answer", URL: endpoint, Err: err}
	}
	return decodeDirectoryAnswer(body, err, endpoint, addr)
}

// endpoint returns the lookup URL without query, checking URL's scheme.
func (d *Client) endpoint() (string, error) {
	u, err := url.Parse(strings.TrimSpace(d.URL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", &idp.ConfigError{Field: "directory_url", Problem: fmt.Sprintf("%q is not an https URL", d.URL)}
	}
	if u.Scheme == "http" && !idp.IsLoopbackHost(u.Hostname()) {
		return "", &idp.ConfigError{Field: "directory_url", Problem: fmt.Sprintf("%q must use https (http only on 127.0.0.1, ::1 or localhost)", d.URL)}
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return strings.TrimRight(u.String(), "/") + Path, nil
}

// client is HTTPClient, or one default client shared by every lookup (so
// lookups reuse connections).
func (d *Client) client() *http.Client {
	if d.HTTPClient != nil {
		return d.HTTPClient
	}
	return defaultClient()
}

var defaultClient = sync.OnceValue(func() *http.Client { return idp.NewHTTPClient(DefaultTimeout) })

func (d *Client) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// decodeDirectoryAnswer parses a 200 answer (readErr is ReadBounded's
// error, if it was too large) and checks that it is about the email that
// was asked for.
func decodeDirectoryAnswer(body []byte, readErr error, endpoint, addr string) (*idp.ProviderList, error) {
	list, err := idp.ParseProviderList(bytes.NewReader(body))
	if readErr != nil {
		list, err = nil, &idp.ConfigError{Field: "(document)", Problem: fmt.Sprintf("larger than %d bytes", idp.MaxBodySize)}
	}
	if err != nil {
		return nil, fmt.Errorf("directory: the provider directory at %s sent an unusable answer: %w", endpoint, err)
	}
	if list.Email != "" && !strings.EqualFold(list.Email, addr) {
		return nil, &idp.ConfigError{Field: "email", Problem: fmt.Sprintf("the provider directory answered for %q, not %q", list.Email, addr)}
	}
	list.Email = addr
	if list.Providers == nil {
		list.Providers = []idp.Provider{}
	}
	return list, nil
}

// directoryError is the JSON error body of the directory.
type directoryError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
}

// directoryStatusError turns a non-200 answer into a *idp.NetworkError when it is
// temporary (408, 429, 5xx) and a *idp.ConfigError otherwise.
func directoryStatusError(endpoint string, resp *http.Response) error {
	var e directoryError
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e) // the status alone is enough
	detail := resp.Status
	if e.Code != "" {
		detail += " (" + e.Code + ")"
	}
	if e.Message != "" {
		detail += ": " + e.Message
	}
	switch {
	case idp.TemporaryStatus(resp.StatusCode):
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			detail += "; retry after " + ra + " s"
		}
		return &idp.NetworkError{Op: "ask the provider directory", URL: endpoint, Err: errors.New(detail)}
	default:
		return &idp.ConfigError{Field: "directory_url", Problem: fmt.Sprintf("the provider directory at %s answered %s", endpoint, detail)}
	}
}

// MemoryCache is a Cache in memory, for tests and for
// programs that keep nothing on disk. Its zero value is ready to use.
type MemoryCache struct {
	mu      sync.Mutex
	entries map[string]memoryEntry
}

type memoryEntry struct {
	list *idp.ProviderList
	at   time.Time
}

// Get returns a copy of the list stored for email.
func (c *MemoryCache) Get(email string) (*idp.ProviderList, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[email]
	if !ok {
		return nil, time.Time{}, false
	}
	return cloneProviderList(e.list), e.at, true
}

// Put stores a copy of list for email.
func (c *MemoryCache) Put(email string, list *idp.ProviderList, fetchedAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]memoryEntry{}
	}
	c.entries[email] = memoryEntry{list: cloneProviderList(list), at: fetchedAt}
}

// cloneProviderList copies l deeply enough that no slice or map is shared.
func cloneProviderList(l *idp.ProviderList) *idp.ProviderList {
	c := *l
	c.Providers = make([]idp.Provider, len(l.Providers))
	for i, p := range l.Providers {
		p.Scopes = slices.Clone(p.Scopes)
		p.AuthParams = maps.Clone(p.AuthParams)
		c.Providers[i] = p
	}
	return &c
}
