package dirserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"dialtone/internal/idp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// adminAPIRoutes registers the JSON admin API under /admin/v1/. Every
// request needs "Authorization: Bearer TOKEN".
func (s *Server) adminAPIRoutes(mux *http.ServeMux) {
	api := func(pattern string, handlers map[string]http.HandlerFunc) {
		mux.Handle(pattern, s.requireToken(methods(handlers)))
	}
	api("/admin/v1/accounts", map[string]http.HandlerFunc{"GET": s.apiListAccounts})
	api("/admin/v1/accounts/{account}", map[string]http.HandlerFunc{"GET": s.apiGetAccount, "PUT": s.apiPutAccount, "DELETE": s.apiDeleteAccount})
	api("/admin/v1/accounts/{account}/providers", map[string]http.HandlerFunc{"GET": s.apiListProviders})
	api("/admin/v1/accounts/{account}/providers/{id}", map[string]http.HandlerFunc{
		"GET": s.apiGetProvider, "PUT": s.apiPutProvider, "PATCH": s.apiPatchProvider, "DELETE": s.apiDeleteProvider})
	api("/admin/v1/accounts/{account}/providers/{id}/test", map[string]http.HandlerFunc{"POST": s.apiTestProvider})
	api("/admin/v1/accounts/{account}/providers/{id}/authorise", map[string]http.HandlerFunc{"POST": s.apiAuthoriseProvider})
	mux.Handle("/admin/v1/", s.requireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint", "")
	})))
}

// methods dispatches on the request method, answering 405 in JSON.
func methods(handlers map[string]http.HandlerFunc) http.Handler {
	var allowed []string
	for m := range handlers {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := handlers[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+strings.Join(allowed, " or "), "")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	})
}

// requireToken lets a request through when it carries the admin token.
// Failed attempts make the client address wait longer and longer (see
// backoffPolicy); a waiting address gets 429 with Retry-After.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeUnauthorized(w)
			return
		}
		v, err := s.admitToken(r.Context(), s.opts.ClientAddr(r), token)
		switch {
		case err != nil:
			s.writeUnavailable(w, err)
		case v.OK:
			next.ServeHTTP(w, r)
		case v.Wait > 0:
			w.Header().Set("Retry-After", retryAfter(v.Wait))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "too many failed attempts from this address; retry after the time Retry-After says", "")
		default:
			writeUnauthorized(w)
		}
	})
}

func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="dialtone-directory"`)
	writeError(w, http.StatusUnauthorized, "unauthorized", "send the admin token as Authorization: Bearer TOKEN", "")
}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// checkToken compares token with the stored hash, read each time so that
// a token replaced by one replica is replaced on all of them. An error
// means the hash could not be read.
func (s *Server) checkToken(ctx context.Context, token string) (bool, error) {
	stored, err := s.store.setting(ctx, tokenSetting)
	if err != nil {
		return false, fmt.Errorf("dirserver: could not read the admin token hash: %w", err)
	}
	want, err := hex.DecodeString(stored)
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return err == nil && subtle.ConstantTimeCompare(sum[:], want) == 1, nil
}

// decodeBody decodes a JSON body strictly: at most 1 MiB, no unknown
// fields, no trailing data. It answers 400 naming the field and returns
// false on failure.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the body is larger than 1 MiB", "")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON object")
	}
	if err != nil {
		field, msg := describeJSONError(err)
		writeError(w, http.StatusBadRequest, "invalid_request", msg, field)
		return false
	}
	return true
}

func describeJSONError(err error) (field, msg string) {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Field, typeErr.Field + ": must be a JSON " + typeErr.Type.Kind().String() + ", not " + typeErr.Value
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return name, name + ": unknown field"
	}
	return "", "the body is not a valid JSON object: " + err.Error()
}

func (s *Server) apiListAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	accounts, total, err := s.store.accounts(r.Context(), strings.TrimSpace(q.Get("q")), limit, max(offset, 0))
	if err != nil {
		s.writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": accounts, "total": total})
}

func (s *Server) apiGetAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.account(r.Context(), r.PathValue("account"))
	if err != nil {
		s.writeStoreError(w, err)
		return
	}
	w.Header().Set("ETag", etag(a.Version))
	writeJSON(w, http.StatusOK, a)
}

// apiPutAccount creates or replaces an account. A "providers" or
// "version" field (as GET returns them) is ignored: providers have their
// own endpoints, and the version to replace comes in If-Match, which a
// replace must send (else 428).
func (s *Server) apiPutAccount(w http.ResponseWriter, r *http.Request) {
	var a Account
	if !decodeBody(w, r, &a) {
		return
	}
	name := r.PathValue("account")
	if a.Name != "" && a.Name != name {
		writeError(w, http.StatusUnprocessableEntity, "validation_failed", "name: must match the account in the path", "name")
		return
	}
	a.Name = name
	if err := s.saveAccount(r.Context(), &a, preconditionOf(r, true)); err != nil {
		s.writeStoreError(w, err)
		return
	}
	s.apiGetAccount(w, r)
}

func (s *Server) apiDeleteAccount(w http.ResponseWriter, r *http.Request) {
	if err := s.store.deleteAccount(r.Context(), r.PathValue("account"), preconditionOf(r, false)); err != nil {
		s.writeStoreError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiListProviders(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.account(r.Context(), r.PathValue("account"))
	if err != nil {
		s.writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": a.Providers})
}

func (s *Server) apiGetProvider(w http.ResponseWriter, r *http.Request) {
	row, err := s.store.provider(r.Context(), r.PathValue("account"), r.PathValue("id"))
	if err != nil {
		s.writeStoreError(w, err)
		return
	}
	w.Header().Set("ETag", etag(row.version))
	writeJSON(w, http.StatusOK, row.view(s.store.brokerRedirect))
}

func (s *Server) apiPutProvider(w http.ResponseWriter, r *http.Request) {
	var in ProviderInput
	if !decodeBody(w, r, &in) {
		return
	}
	if err := s.store.putProvider(r.Context(), r.PathValue("account"), r.PathValue("id"), &in, preconditionOf(r, true), s.opts.Now()); err != nil {
		s.writeStoreError(w, err)
		return
	}
	s.apiGetProvider(w, r)
}

func (s *Server) apiPatchProvider(w http.ResponseWriter, r *http.Request) {
	var f ProviderFlags
	if !decodeBody(w, r, &f) {
		return
	}
	if err := s.store.setFlags(r.Context(), r.PathValue("account"), r.PathValue("id"), f, preconditionOf(r, false), s.opts.Now()); err != nil {
		s.writeStoreError(w, err)
		return
	}
	s.apiGetProvider(w, r)
}

func (s *Server) apiDeleteProvider(w http.ResponseWriter, r *http.Request) {
	if err := s.store.deleteProvider(r.Context(), r.PathValue("account"), r.PathValue("id"), preconditionOf(r, false)); err != nil {
		s.writeStoreError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiTestProvider(w http.ResponseWriter, r *http.Request) {
	report, err := s.TestProvider(r.Context(), r.PathValue("account"), r.PathValue("id"))
	if err != nil {
		s.writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// apiAuthoriseProvider starts "Save and authorise" for a Brokered provider
// ({"email": "…"}) and answers {"url": "…"}: the address to open in the
// admin's browser. The result is stored with the provider
// (last_authorise).
func (s *Server) apiAuthoriseProvider(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email string `json:"email"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	to, err := s.StartAuthorise(r.Context(), r.PathValue("account"), r.PathValue("id"), body.Email)
	if err != nil {
		s.writeAuthoriseError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": to})
}

// writeAuthoriseError answers a failed start: the store's errors, or the
// upstream's (unreachable, misconfigured) as 422 naming the problem.
func (s *Server) writeAuthoriseError(w http.ResponseWriter, err error) {
	var ce *idp.ConfigError
	var ne *idp.NetworkError
	switch {
	case errors.As(err, &ce):
		writeError(w, http.StatusUnprocessableEntity, "validation_failed", strings.TrimPrefix(ce.Error(), "auth: "), ce.Field)
	case errors.As(err, &ne):
		writeError(w, http.StatusBadGateway, "upstream_unreachable", ne.Error(), "issuer")
	default:
		s.writeStoreError(w, err)
	}
}
