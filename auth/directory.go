package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// DirectoryPath is the versioned path of the provider directory's lookup
// (docs/directory-api.md).
const DirectoryPath = "/v1/sso/providers"

// DefaultDirectoryTimeout bounds one directory lookup when Directory's
// HTTPClient is nil. The agent waits for it on the email screen.
const DefaultDirectoryTimeout = 10 * time.Second

// Directory asks a provider directory which single sign-on providers an email
// may use (docs/directory-api.md). The zero value with URL set is ready to
// use; it is safe for concurrent use.
//
// A directory answers an email whose domain no account uses exactly as it
// answers an account with no provider enabled: with an empty list (or the
// directory's default list). That is what keeps the directory from telling
// strangers which addresses exist, so Lookup has no "unknown email" error:
// the UI shows an empty list as "No single sign-on is set up for this email".
type Directory struct {
	// URL is the directory's base address, for example
	// "https://directory.example.com". Lookup requests URL + DirectoryPath.
	// It must use https, or http on a loopback host. Empty means no
	// directory: only the WebFinger fallback is asked; with neither,
	// Lookup returns a *ConfigError.
	URL string

	// HTTPClient sends the requests. Nil means DefaultHTTPClient with a
	// DefaultDirectoryTimeout per request. Every body is read through
	// MaxBodySize.
	HTTPClient *http.Client

	// Cache keeps the last good answer for each email, so that
	// LookupOrCached can answer while the directory is down. Nil means
	// nothing is kept.
	Cache DirectoryCache

	// WebFinger, when not nil, asks the email's domain for its OpenID
	// issuer (OpenID Connect Discovery 1.0 §2) when the directory has no
	// provider for the email or no directory is set. Nil (the default)
	// never asks.
	WebFinger *WebFinger

	// Now is the clock stamped on cached answers. Nil means time.Now.
	Now func() time.Time
}

// DirectoryCache stores the last good directory answer per email. Keys are
// normalised emails (see SplitEmail). The session-metadata store persists
// it; MemoryDirectoryCache keeps it in memory. Implementations must be safe
// for concurrent use and must not hand out a list a caller may change.
type DirectoryCache interface {
	Get(email string) (list *ProviderList, fetchedAt time.Time, ok bool)
	Put(email string, list *ProviderList, fetchedAt time.Time)
}

// DirectoryAnswer is a provider list with where it came from.
type DirectoryAnswer struct {
	List *ProviderList
	// Cached reports that the directory could not be reached and List is
	// the last good answer, fetched at FetchedAt. The UI marks it so.
	Cached    bool
	FetchedAt time.Time
	// Err is why the directory was not used (a *NetworkError) when Cached.
	Err error
}

// Lookup asks the directory which providers email may use. The email is
// checked first (an *InvalidEmailError, before any request). The answer is
// decoded and validated as ParseProviderList does; a good answer is stored
// in Cache.
//
// Errors: *NetworkError when the directory cannot be reached, times out,
// rate-limits the client or answers 5xx (temporary: LookupOrCached falls
// back to the cache); *ConfigError when its URL is wrong or its answer is
// not a valid provider list.
func (d *Directory) Lookup(ctx context.Context, email string) (*ProviderList, error) {
	addr, domain, err := SplitEmail(email)
	if err != nil {
		return nil, err
	}
	if d.URL == "" && d.WebFinger == nil {
		return nil, &ConfigError{Field: "directory_url", Problem: "is not set: give a provider directory or a provider list file"}
	}
	list := &ProviderList{Email: addr, Providers: []Provider{}}
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
// directory cannot be reached (a *NetworkError) and an earlier answer for
// the email is cached. Other errors, and a cancelled ctx, are returned as
// they are.
func (d *Directory) LookupOrCached(ctx context.Context, email string) (*DirectoryAnswer, error) {
	list, err := d.Lookup(ctx, email)
	if err == nil {
		return &DirectoryAnswer{List: list, FetchedAt: d.now()}, nil
	}
	var netErr *NetworkError
	if d.Cache == nil || ctx.Err() != nil || !errors.As(err, &netErr) {
		return nil, err
	}
	addr, _, _ := SplitEmail(email) // Lookup checked it
	cached, at, ok := d.Cache.Get(addr)
	if !ok {
		return nil, err
	}
	return &DirectoryAnswer{List: cloneProviderList(cached), Cached: true, FetchedAt: at, Err: err}, nil
}

// webFingerFallback returns list unless WebFinger finds an issuer for the
// domain. Without a directory, WebFinger's errors are the lookup's errors;
// behind a directory that answered, they are ignored: the directory's
// (empty) answer stands.
func (d *Directory) webFingerFallback(ctx context.Context, addr, domain string, list *ProviderList) (*ProviderList, error) {
	found, err := d.WebFinger.providers(ctx, d.client(), addr, domain)
	switch {
	case err != nil && d.URL == "":
		return nil, err
	case err != nil || found == nil:
		return list, nil
	}
	return found, nil
}

func (d *Directory) fetch(ctx context.Context, addr string) (*ProviderList, error) {
	endpoint, err := d.endpoint()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?email="+url.QueryEscape(addr), nil)
	if err != nil {
		return nil, &ConfigError{Field: "directory_url", Problem: "cannot build the lookup URL", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.client().Do(req)
	if err != nil {
		return nil, &NetworkError{Op: "ask the provider directory", URL: endpoint, Err: withoutURL(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, directoryStatusError(endpoint, resp)
	}
	return decodeDirectoryAnswer(resp.Body, endpoint, addr)
}

// endpoint returns the lookup URL without query, checking URL's scheme.
func (d *Directory) endpoint() (string, error) {
	u, err := url.Parse(strings.TrimSpace(d.URL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", &ConfigError{Field: "directory_url", Problem: fmt.Sprintf("%q is not an https URL", d.URL)}
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return "", &ConfigError{Field: "directory_url", Problem: fmt.Sprintf("%q must use https (http only on 127.0.0.1, ::1 or localhost)", d.URL)}
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return strings.TrimRight(u.String(), "/") + DirectoryPath, nil
}

func (d *Directory) client() *http.Client {
	if d.HTTPClient != nil {
		return d.HTTPClient
	}
	hc := DefaultHTTPClient()
	hc.Timeout = DefaultDirectoryTimeout
	return hc
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// decodeDirectoryAnswer parses a 200 answer and checks that it is about
// the email that was asked for.
func decodeDirectoryAnswer(body io.Reader, endpoint, addr string) (*ProviderList, error) {
	list, err := ParseProviderList(body)
	if err != nil {
		return nil, fmt.Errorf("auth: the provider directory at %s sent an unusable answer: %w", endpoint, err)
	}
	if list.Email != "" && !strings.EqualFold(list.Email, addr) {
		return nil, &ConfigError{Field: "email", Problem: fmt.Sprintf("the provider directory answered for %q, not %q", list.Email, addr)}
	}
	list.Email = addr
	if list.Providers == nil {
		list.Providers = []Provider{}
	}
	return list, nil
}

// directoryError is the JSON error body of the directory.
type directoryError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
}

// directoryStatusError turns a non-200 answer into a *NetworkError when it is
// temporary (408, 429, 5xx) and a *ConfigError otherwise.
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
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			detail += "; retry after " + ra + " s"
		}
		return &NetworkError{Op: "ask the provider directory", URL: endpoint, Err: errors.New(detail)}
	default:
		return &ConfigError{Field: "directory_url", Problem: fmt.Sprintf("the provider directory at %s answered %s", endpoint, detail)}
	}
}

// withoutURL drops *url.Error's wrapper, whose text repeats the query.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// InvalidEmailError reports that what the agent typed is not a usable email
// address. Nothing was sent anywhere.
type InvalidEmailError struct {
	Email   string
	Problem string
}

// Error describes the problem; it never contains a secret.
func (e *InvalidEmailError) Error() string {
	return fmt.Sprintf("auth: %q is not a valid email address: %s", e.Email, e.Problem)
}

// SplitEmail checks that email is a plausible address (one local part, an
// @, a domain name with at least two labels, no display name or comments;
// at most 254 bytes) and returns it trimmed and lower-cased, with its
// domain. The directory service applies the same rule. Errors are
// *InvalidEmailError values.
func SplitEmail(email string) (addr, domain string, err error) {
	addr = strings.ToLower(strings.TrimSpace(email))
	fail := func(problem string) (string, string, error) {
		return "", "", &InvalidEmailError{Email: email, Problem: problem}
	}
	at := strings.LastIndexByte(addr, '@')
	switch {
	case addr == "":
		return fail("it is empty")
	case len(addr) > 254:
		return fail("it is longer than 254 characters")
	case at < 0:
		return fail("it has no @")
	case at == 0 || at > 64:
		return fail("the part before the @ must be 1 to 64 characters")
	}
	parsed, perr := mail.ParseAddress(addr)
	if perr != nil || parsed.Name != "" || parsed.Address != addr {
		return fail("the part before the @ has characters an address cannot have")
	}
	domain = addr[at+1:]
	if problem := domainProblem(domain); problem != "" {
		return fail(problem)
	}
	return addr, domain, nil
}

// domainProblem checks a host name as RFC 1123 §2.1 allows it, with at least
// two labels. Internationalised domains must be given in their xn-- form.
func domainProblem(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(domain) > 253 {
		return "the part after the @ must be a domain name such as example.com"
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("%q is not a valid domain name", domain)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("%q is not a valid domain name (write an international name in its xn-- form)", domain)
			}
		}
	}
	return ""
}

// MemoryDirectoryCache is a DirectoryCache in memory, for tests and for
// programs that keep nothing on disk. Its zero value is ready to use.
type MemoryDirectoryCache struct {
	mu      sync.Mutex
	entries map[string]memoryDirectoryEntry
}

type memoryDirectoryEntry struct {
	list *ProviderList
	at   time.Time
}

// Get returns a copy of the list stored for email.
func (c *MemoryDirectoryCache) Get(email string) (*ProviderList, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[email]
	if !ok {
		return nil, time.Time{}, false
	}
	return cloneProviderList(e.list), e.at, true
}

// Put stores a copy of list for email.
func (c *MemoryDirectoryCache) Put(email string, list *ProviderList, fetchedAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]memoryDirectoryEntry{}
	}
	c.entries[email] = memoryDirectoryEntry{list: cloneProviderList(list), at: fetchedAt}
}

// cloneProviderList copies l deeply enough that no slice or map is shared.
func cloneProviderList(l *ProviderList) *ProviderList {
	c := *l
	c.Providers = make([]Provider, len(l.Providers))
	for i, p := range l.Providers {
		p.Scopes = slices.Clone(p.Scopes)
		p.AuthParams = maps.Clone(p.AuthParams)
		c.Providers[i] = p
	}
	return &c
}
