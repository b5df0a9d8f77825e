package dirserver

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ErrPreconditionFailed reports a write whose expected version is no
// longer the stored one: someone else changed the account or provider
// since it was read (HTTP 412).
var ErrPreconditionFailed = errors.New("dirserver: changed by someone else since it was read")

// ErrPreconditionRequired reports a replace through the admin API without
// If-Match (HTTP 428, RFC 6585 §3).
var ErrPreconditionRequired = errors.New("dirserver: a replace needs If-Match")

// precondition is what a write expects of the stored version (RFC 9110
// §13.1). The zero value is an unconditional write, as the Go API makes
// with Version 0.
type precondition struct {
	version  int64 // != 0: must be this version (-1 never matches)
	exists   bool  // If-Match: *
	absent   bool  // If-None-Match: *
	required bool  // replacing without a version or * is refused
}

func (p precondition) unconditional() bool { return p == precondition{} }

// check compares p with what is stored.
func (p precondition) check(exists bool, version int64) error {
	switch {
	case p.absent && exists,
		p.exists && !exists,
		p.version != 0 && (!exists || version != p.version):
		return ErrPreconditionFailed
	case p.required && exists && p.version == 0 && !p.exists:
		return ErrPreconditionRequired
	}
	return nil
}

// preconditionOf reads If-Match and If-None-Match. required says that
// replacing an existing resource without If-Match is refused.
func preconditionOf(r *http.Request, required bool) precondition {
	p := precondition{required: required}
	if m := strings.TrimSpace(r.Header.Get("If-Match")); m == "*" {
		p.exists = true
	} else if m != "" {
		p.version = -1
		for tag := range strings.SplitSeq(m, ",") {
			if v, ok := parseETag(strings.TrimSpace(tag)); ok {
				p.version = v
				break
			}
		}
	}
	p.absent = strings.TrimSpace(r.Header.Get("If-None-Match")) == "*"
	return p
}

// etag is the strong ETag of a stored version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// parseETag reads a strong ETag that etag wrote; weak ones never match
// If-Match (RFC 9110 §13.1.1).
func parseETag(tag string) (int64, bool) {
	inner, ok := strings.CutPrefix(tag, `"`)
	if !ok {
		return 0, false
	}
	inner, ok = strings.CutSuffix(inner, `"`)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(inner, 10, 64)
	return v, err == nil && v > 0
}
