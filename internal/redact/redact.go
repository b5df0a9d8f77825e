// Package redact keeps secrets out of Dialtone's logs: a log/slog handler that
// removes tokens, codes, states, nonces, verifiers and secrets from every
// record. It must never import a Dialtone package; every logger Dialtone
// makes goes through it.
package redact

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces a secret in a log line.
const redacted = "[redacted]"

// secretKeys are attribute keys (or parts of keys) whose values are never
// logged.
var secretKeys = []string{"token", "code", "secret", "verifier", "password", "cookie", "state", "nonce", "authorization", "assertion", "credential"}

// safeQueryParams are URL query parameters that carry no secret and help a
// reader of the log; every other parameter's value is redacted.
var safeQueryParams = []string{"client_id", "response_type", "scope", "redirect_uri", "code_challenge_method", "prompt", "error", "error_description", "access_type", "token_type_hint"}

var (
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	urlPattern = regexp.MustCompile(`https?://[^\s"'<>]+`)
)

// NewHandler wraps h so that no secret reaches a log line, whatever
// a caller passes: attributes whose key names a secret (token, code, state,
// nonce, verifier, secret, password, cookie, authorization …) are replaced,
// URLs in any value or message keep only the query parameters known to be
// harmless, and anything shaped like a JWT is replaced. Dialtone's loggers
// all go through it; it is the backstop, not a licence to log secrets.
func NewHandler(h slog.Handler) slog.Handler {
	return &redactingHandler{h: h}
}

type redactingHandler struct{ h slog.Handler }

func (r *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return r.h.Enabled(ctx, l)
}

func (r *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return &redactingHandler{h: r.h.WithAttrs(clean)}
}

func (r *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{h: r.h.WithGroup(name)}
}

// redactAttr redacts one attribute, recursing into groups.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = redactAttr(g)
		}
		return slog.Group(a.Key, clean...)
	}
	if isSecretKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	switch v.Kind() {
	case slog.KindString, slog.KindAny:
		return slog.String(a.Key, scrub(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	return slices.ContainsFunc(secretKeys, func(s string) bool { return strings.Contains(k, s) })
}

// scrub removes JWTs and secret query values from free text.
func scrub(s string) string {
	s = jwtPattern.ReplaceAllString(s, redacted)
	return urlPattern.ReplaceAllStringFunc(s, scrubURL)
}

func scrubURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if !slices.Contains(safeQueryParams, k) {
				q.Set(k, "x")
			}
		}
		u.RawQuery = strings.ReplaceAll(q.Encode(), "=x", "="+redacted)
	}
	u.Fragment = ""
	return u.String()
}
