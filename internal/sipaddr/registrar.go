package sipaddr

import (
	"dialtone/internal/loopback"
	"net"
	"strconv"
	"strings"
)

// Transports a registrar URI can select.
const (
	TransportUDP = "UDP"
	TransportTCP = "TCP"
	TransportTLS = "TLS"
)

// Registrar is a parsed, validated Config.Registrar.
type Registrar struct {
	Secure    bool   // the sips: scheme
	Host      string // lower case, without IPv6 brackets
	Port      int    // 0: the transport's default
	Transport string // TransportUDP, TransportTCP or TransportTLS
	Explicit  bool   // the URI named its transport
}

const registrarExample = `write it like "sips:pbx.example.com" or "sips:pbx.example.com:5061;transport=tls"`

// ParseRegistrar parses a registrar URI strictly (see Config.Registrar).
func ParseRegistrar(raw string) (Registrar, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Registrar{}, configErr(fieldRegistrar, raw, "is required: %s", registrarExample)
	}
	secure, rest, err := splitScheme(s, fieldRegistrar, registrarExample)
	if err != nil {
		return Registrar{}, err
	}
	if strings.ContainsAny(rest, "@?") {
		return Registrar{}, configErr(fieldRegistrar, raw, "must be the registrar's host without a user part or headers (no \"@\" or \"?\"); put the agent's address in \"aor\" and %s", registrarExample)
	}
	hostport, params, _ := strings.Cut(rest, ";")
	u := Registrar{Secure: secure}
	if u.Host, u.Port, err = splitHostPort(hostport, raw); err != nil {
		return Registrar{}, err
	}
	if err := u.applyParams(params, raw); err != nil {
		return Registrar{}, err
	}
	if u.Transport != TransportTLS && !loopback.IsHost(u.Host) {
		return Registrar{}, configErr(fieldRegistrar, raw, "must use TLS: write \"sips:%s\" (\"sip:\" without TLS is allowed only for 127.0.0.1, ::1 and localhost)", u.HostPort())
	}
	return u, nil
}

// splitScheme accepts "sip:" and "sips:" in any case.
func splitScheme(s, field, example string) (secure bool, rest string, err error) {
	scheme, rest, ok := strings.Cut(s, ":")
	switch {
	case ok && strings.EqualFold(scheme, "sips"):
		return true, rest, nil
	case ok && strings.EqualFold(scheme, "sip"):
		return false, rest, nil
	}
	return false, "", configErr(field, s, "must be a SIP URI starting with \"sips:\" or \"sip:\": %s", example)
}

// applyParams reads the URI parameters: only one "transport" is allowed.
func (u *Registrar) applyParams(params, raw string) error {
	u.Transport = TransportUDP
	if u.Secure {
		u.Transport = TransportTLS
	}
	if params == "" {
		return nil
	}
	name, value, _ := strings.Cut(params, "=")
	if !strings.EqualFold(name, "transport") || strings.Contains(value, ";") {
		return configErr(fieldRegistrar, raw, "may have only a \";transport=udp|tcp|tls\" parameter: remove \";%s\"", params)
	}
	u.Explicit = true
	switch t := strings.ToUpper(value); {
	case t == TransportTLS || (u.Secure && t == TransportTCP):
		u.Transport = TransportTLS
	case t == TransportTCP || t == TransportUDP:
		if u.Secure {
			return configErr(fieldRegistrar, raw, "uses \"sips:\", which needs TLS: remove \";transport=%s\"", value)
		}
		u.Transport = t
	default:
		return configErr(fieldRegistrar, raw, "has an unknown transport %q: write \";transport=udp\", \";transport=tcp\" or \";transport=tls\"", value)
	}
	return nil
}

// splitHostPort parses "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPort(hostport, raw string) (string, int, error) {
	host, portText, hasPort, err := cutHostPort(hostport, raw)
	if err != nil {
		return "", 0, err
	}
	if !validHost(host) {
		return "", 0, configErr(fieldRegistrar, raw, "has an invalid host %q: %s", host, registrarExample)
	}
	port, err := parsePort(portText)
	if err != nil || (hasPort && port == 0) {
		return "", 0, configErr(fieldRegistrar, raw, "has an invalid port %q: use a number from 1 to 65535, like \"sips:pbx.example.com:5061\"", portText)
	}
	return strings.ToLower(host), port, nil
}

// cutHostPort splits at the port's colon, unwrapping an IPv6 literal.
func cutHostPort(hostport, raw string) (host, port string, hasPort bool, err error) {
	if !strings.HasPrefix(hostport, "[") {
		host, port, hasPort = strings.Cut(hostport, ":")
		return host, port, hasPort, nil
	}
	end := strings.Index(hostport, "]")
	if end < 0 {
		return "", "", false, configErr(fieldRegistrar, raw, "has an unclosed \"[\": write an IPv6 address like \"sip:[::1]:5060\"")
	}
	host, after := hostport[1:end], hostport[end+1:]
	if ip := net.ParseIP(host); ip == nil || ip.To4() != nil || (after != "" && after[0] != ':') {
		return "", "", false, configErr(fieldRegistrar, raw, "has an invalid IPv6 address: write it like \"sip:[::1]:5060\"")
	}
	if after == "" {
		return host, "", false, nil
	}
	return host, after[1:], true, nil
}

func parsePort(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(s, "+") {
		return 0, strconv.ErrRange
	}
	return n, nil
}

// validHost accepts an IP address or a DNS name of letters, digits and
// hyphens.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	_, err := strconv.Atoi(labels[len(labels)-1])
	return err != nil // a numeric last label is a mistyped IP address
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// HostPort is the host, bracketed if IPv6, with ":port" when set.
func (u Registrar) HostPort() string {
	h := BracketHost(u.Host)
	if u.Port == 0 {
		return h
	}
	return h + ":" + strconv.Itoa(u.Port)
}

// String is the canonical form, used in messages and as Request-URI.
func (u Registrar) String() string {
	s := "sip:"
	if u.Secure {
		s = "sips:"
	}
	s += u.HostPort()
	if u.Explicit {
		s += ";transport=" + strings.ToLower(u.Transport)
	}
	return s
}

// BracketHost brackets an IPv6 address, as SIP URIs want it.
func BracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
