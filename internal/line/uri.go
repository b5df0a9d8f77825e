package line

import (
	"strings"

	"github.com/emiago/sipgo/sip"

	"dialtone/internal/sipaddr"
)

// registrarURI is the registrar as a sipgo URI, for the Request-URI: no
// user part (RFC 3261 §10.2).
func registrarURI(u sipaddr.Registrar) sip.Uri {
	scheme := "sip"
	if u.Secure {
		scheme = "sips"
	}
	uri := sip.Uri{Scheme: scheme, Host: sipaddr.BracketHost(u.Host), Port: u.Port}
	if u.Explicit {
		uri.UriParams = sip.HeaderParams{{K: "transport", V: strings.ToLower(u.Transport)}}
	}
	return uri
}

// aorURI is the address of record as a sipgo URI, for To and From.
func aorURI(a sipaddr.AOR) sip.Uri {
	scheme := "sip"
	if a.Secure {
		scheme = "sips"
	}
	return sip.Uri{Scheme: scheme, User: a.User, Host: a.Host}
}
