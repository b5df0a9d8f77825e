package line

import "strings"

// paramParser reads auth-params: token "=" ( token / quoted-string ),
// separated by commas and optional whitespace (RFC 3261 §25.1).
type paramParser struct {
	s string
	i int
}

func (p *paramParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *paramParser) done() bool {
	p.skipSpace()
	return p.i >= len(p.s)
}

// token reads an RFC 3261 token.
func (p *paramParser) token() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func isTokenChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		strings.IndexByte("-.!%*_+`'~", c) >= 0
}

func (p *paramParser) comma() bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ',' {
		p.i++
		return true
	}
	return false
}

// param reads name=value and returns the lower-cased name.
func (p *paramParser) param() (name, value string, ok bool) {
	name = p.token()
	p.skipSpace()
	if name == "" || p.i >= len(p.s) || p.s[p.i] != '=' {
		return "", "", false
	}
	p.i++
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		value, ok = p.quoted()
		return strings.ToLower(name), value, ok
	}
	value = p.token()
	return strings.ToLower(name), value, value != ""
}

// quoted reads a quoted-string with backslash escapes.
func (p *paramParser) quoted() (string, bool) {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return b.String(), true
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			b.WriteByte(p.s[p.i])
		case c < 0x20 || c == 0x7f:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
