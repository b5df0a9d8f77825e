package sipaddr

import (
	"dialtone/internal/loopback"
	"fmt"
	"net/url"
	"strings"
)

// Config is an account's phone line, as the provider list and the provider
// directory deliver it in their optional "line" object:
//
//	"line": {"registrar": "sips:pbx.acme.test", "aor": "sip:agent@acme.test"}
//
// The zero value is no line.
type Config struct {
	// Registrar is the SIP registrar's URI: "sips:host[:port]" or
	// "sip:host[:port]", with an optional ";transport=udp|tcp|tls". Without
	// TLS ("sip:" and no ";transport=tls") the host must be a loopback
	// address, as http issuers must. Without a transport parameter, "sips:"
	// means TLS and "sip:" means UDP, moving to TCP when a request is too
	// large for UDP (RFC 3261 §18.1.1).
	Registrar string `json:"registrar"`

	// AOR is the agent's SIP address of record, for example
	// "sip:agent@acme.test". Empty means "sip:" followed by the agent's
	// email; see ForAgent.
	AOR string `json:"aor,omitempty"`

	// Resource is the resource indicator (RFC 8707) of the registrar: the
	// audience the access token presented to it must carry, for example
	// "https://pbx.acme.test". Dialtone asks the identity provider for
	// tokens for it. Empty asks for none; the registrar then accepts the
	// provider's ordinary access tokens.
	Resource string `json:"resource,omitempty"`
}

// Validate checks both fields strictly. An empty AOR is valid: ForAgent
// fills it in. Errors are *ConfigError values that name the field and say
// what to write instead.
func (c Config) Validate() error {
	if _, err := ParseRegistrar(c.Registrar); err != nil {
		return err
	}
	if err := validResource(c.Resource); err != nil {
		return err
	}
	if c.AOR == "" {
		return nil
	}
	_, err := ParseAOR(c.AOR, fieldAOR)
	return err
}

// ForAgent returns the configuration with AOR filled in as "sip:" + email
// when it is empty, and validated.
func (c Config) ForAgent(email string) (Config, error) {
	if c.AOR == "" {
		c.AOR = DefaultAOR(email)
		if _, err := ParseAOR(c.AOR, fieldAOR); err != nil {
			return Config{}, &ConfigError{Field: fieldAOR, Value: c.AOR,
				Problem: "the agent's email does not make a SIP address; set \"aor\" to the agent's SIP address, for example \"sip:agent@example.com\""}
		}
	}
	return c, c.Validate()
}

// DefaultAOR is the address of record of an agent whose line names none:
// "sip:" followed by the email, with the domain in lower case.
func DefaultAOR(email string) string {
	local, domain, ok := strings.Cut(strings.TrimSpace(email), "@")
	if !ok {
		return "sip:" + email
	}
	return "sip:" + local + "@" + strings.ToLower(domain)
}

// Field names in ConfigError, as an admin finds them in the provider list.
const (
	fieldRegistrar = "line.registrar"
	fieldAOR       = "line.aor"
	fieldResource  = "line.resource"
)

func configErr(field, value, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Value: value, Problem: fmt.Sprintf(format, args...)}
}

// ConfigError reports an invalid Config field. Field is the provider-list
// field ("line.registrar", "line.aor"); Problem says what to write instead.
type ConfigError struct {
	Field   string
	Value   string
	Problem string
}

// Error describes the problem; it never contains a secret.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("sipaddr: provider configuration: %s: %q %s", e.Field, e.Value, e.Problem)
}

// validResource accepts "" or an absolute URI without a fragment (RFC 8707
// §2): https, or http on a loopback host.
func validResource(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "" || u.Fragment != "" || strings.Contains(raw, "#"):
		return configErr(fieldResource, raw, `must be an absolute URI without a fragment, like "https://pbx.example.com"`)
	case u.Scheme != "https" && !(u.Scheme == "http" && loopback.IsHost(u.Hostname())):
		return configErr(fieldResource, raw, `must use https (http only for 127.0.0.1, ::1 and localhost)`)
	}
	return nil
}
