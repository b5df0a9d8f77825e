package dirserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"dialtone/internal/idp"
	"dialtone/internal/ratelimit"
	"dialtone/internal/sipaddr"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// LookupCacheControl is the Cache-Control of a lookup answer: it is about
// one person, so only their client may keep it, and it must ask again
// (with the ETag) before using it, so that an admin's change is seen at
// once.
const LookupCacheControl = "private, no-cache"

// handleLookup serves GET /v1/sso/providers?email=…
//
// An email that no account claims runs the same query and gets the same
// status, headers and body shape as an account with no provider enabled
// (or the DefaultAccount's list): nothing in the answer says whether the
// address or domain is known.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use GET", "")
		return
	}
	if wait := s.limiter.Take(r.Context(), "lookup", s.opts.ClientAddr(r), s.lookupLim); wait > 0 {
		w.Header().Set("Retry-After", ratelimit.RetryAfter(wait))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many lookups from this address; retry later", "")
		return
	}
	addr, domain, err := idp.SplitEmail(r.URL.Query().Get("email"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_email", strings.TrimPrefix(err.Error(), "auth: "), "email")
		return
	}
	body, err := s.lookup(r.Context(), addr, domain)
	if err != nil {
		s.opts.Logger.Error("directory: lookup failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the directory could not read its database; retry later", "")
		return
	}
	writeCached(w, r, body)
}

// writeCached writes a 200 answer with an ETag, or 304 when the client
// has it already.
func writeCached(w http.ResponseWriter, r *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("Cache-Control", LookupCacheControl)
	h.Set("ETag", etag)
	h.Set("Content-Type", "application/json")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// lookup returns the answer for addr: the enabled providers of the account
// that claims it by user override, else by domain, else the default
// account; only the enforced ones when any is. A Direct provider's stored
// JSON is written as it is, a Brokered one's broker entry in its place,
// each with "enforced" added; and the account's phone line, if it has one.
func (s *Server) lookup(ctx context.Context, addr, domain string) ([]byte, error) {
	rows, err := s.store.lookup.QueryContext(ctx, addr, domain, s.opts.DefaultAccount)
	if err != nil {
		return nil, fmt.Errorf("dirserver: lookup: %w", err)
	}
	defer rows.Close()
	var all, enforced [][]byte
	var line *sipaddr.Config
	for rows.Next() {
		var config []byte
		var isEnforced bool
		var mode, ref, registrar, audience string
		if err := rows.Scan(&config, &isEnforced, &mode, &ref, &registrar, &audience); err != nil {
			return nil, fmt.Errorf("dirserver: lookup: %w", err)
		}
		if config, err = s.lookupEntry(config, mode, ref); err != nil {
			return nil, fmt.Errorf("dirserver: lookup: %w", err)
		}
		line = lineOf(registrar, audience) // the same on every row: the account's
		if config == nil {
			continue // Brokered, and no broker runs
		}
		if isEnforced {
			config = withEnforced(config)
			enforced = append(enforced, config)
		}
		all = append(all, config)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dirserver: lookup: %w", err)
	}
	if len(enforced) > 0 {
		all = enforced
	}
	if len(all) == 0 {
		line = nil // no sign-in, so no token for a line
	}
	return lookupBody(addr, all, line), nil
}

// withEnforced adds "enforced":true to a provider's JSON object.
func withEnforced(config []byte) []byte {
	i := bytes.LastIndexByte(config, '}')
	out := append(bytes.Clone(config[:i]), `,"enforced":true}`...)
	return out
}

// lookupBody writes {"email":…,"providers":[…]} in the provider-list
// format, with "line" when line is not nil.
func lookupBody(addr string, providers [][]byte, line *sipaddr.Config) []byte {
	email, _ := json.Marshal(addr) // a string always encodes
	var b bytes.Buffer
	b.WriteString(`{"email":`)
	b.Write(email)
	b.WriteString(`,"providers":[`)
	b.Write(bytes.Join(providers, []byte{','}))
	b.WriteString("]")
	if line != nil {
		l, _ := json.Marshal(line) // strings always encode
		b.WriteString(`,"line":`)
		b.Write(l)
	}
	b.WriteString("}\n")
	return b.Bytes()
}
