package idp

import (
	"fmt"
	"strings"
)

// ConfigError reports a provider configuration that cannot work: a field of
// the provider list, or something the provider's discovery document lacks.
// Field names the provider-list field an admin should change.
type ConfigError struct {
	Field   string
	Problem string
	Err     error
}

// Error describes the problem; it never contains a secret.
func (e *ConfigError) Error() string {
	msg := "idp: provider configuration: " + e.Field + ": " + e.Problem
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// NetworkError reports that a server (the identity provider or the provider
// directory) could not be reached, stalled, or answered with a server error.
// It is temporary: a stored session is kept and the request may be retried.
type NetworkError struct {
	Op  string // what Dialtone was doing, e.g. "fetch the discovery document"
	URL string // the address without query
	Err error
}

// Error describes the problem; it never contains a secret.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("idp: could not %s at %s: %v", e.Op, e.URL, e.Err)
}

// Unwrap returns the underlying cause.
func (e *NetworkError) Unwrap() error { return e.Err }

// StatusError is an answer with a status that is neither 2xx nor 5xx. Do
// returns it for the caller to turn into its own error; Body is the answer,
// already read through MaxBodySize.
type StatusError struct {
	Op, URL, Status string
	Code            int
	Body            []byte
}

// Error describes the answer; it never contains the body.
func (e *StatusError) Error() string {
	return fmt.Sprintf("idp: could not %s: %s answered %s", e.Op, e.URL, e.Status)
}

// redirectError is a redirect SameHostRedirects refused.
type redirectError struct{ host string }

func (e *redirectError) Error() string { return "redirected to another host (" + e.host + ")" }

// NoProviderError reports that no single sign-on provider is set up for an
// email: the directory knows no such account (it does not say which), or
// the account has none enabled.
type NoProviderError struct {
	Email string
}

// Error describes the problem.
func (e *NoProviderError) Error() string {
	return "idp: no single sign-on is set up for " + e.Email
}

// ChoiceError reports that a provider must be chosen: several are offered
// and none was named (ID is ""), or the one named is not offered.
type ChoiceError struct {
	ID      string
	Offered []Provider
}

// Error names the providers to choose from.
func (e *ChoiceError) Error() string {
	ids := make([]string, len(e.Offered))
	for i, p := range e.Offered {
		ids[i] = p.ID
	}
	if e.ID == "" {
		return "idp: the account offers several providers; choose one of " + strings.Join(ids, ", ")
	}
	return fmt.Sprintf("idp: the account does not offer the provider %q; choose one of %s", e.ID, strings.Join(ids, ", "))
}
