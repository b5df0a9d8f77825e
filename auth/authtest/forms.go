package authtest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// page is what FormBrowser understands of an HTML page: its forms, its links
// and its text.
type page struct {
	forms []form
	links []link
	text  strings.Builder
}

// form is an HTML form and the fields it would submit.
type form struct {
	action, method string
	fields         []field
}

// field is an <input> or a <button> of a form.
type field struct {
	name, typ, value string
	checked          bool
}

// link is an <a href>.
type link struct {
	href, text string
}

// parsePage parses an HTML page.
func parsePage(r io.Reader) (*page, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	p := &page{}
	p.walk(doc, -1)
	return p, nil
}

// walk collects forms, fields, links and text below n; fi is the index of the
// enclosing form in p.forms, or -1.
func (p *page) walk(n *html.Node, fi int) {
	switch {
	case n.Type == html.TextNode:
		p.text.WriteString(n.Data)
		p.text.WriteByte(' ')
	case n.Type != html.ElementNode:
	case n.Data == "script" || n.Data == "style":
		return
	case n.Data == "form":
		p.forms = append(p.forms, form{action: attr(n, "action"), method: strings.ToUpper(attr(n, "method"))})
		fi = len(p.forms) - 1
	case (n.Data == "input" || n.Data == "button") && fi >= 0:
		p.forms[fi].fields = append(p.forms[fi].fields, newField(n))
	case n.Data == "a" && attr(n, "href") != "":
		p.links = append(p.links, link{href: attr(n, "href"), text: nodeText(n)})
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		p.walk(c, fi)
	}
}

// newField reads an <input> or a <button> element.
func newField(n *html.Node) field {
	typ := strings.ToLower(attr(n, "type"))
	if typ == "" && n.Data == "button" {
		typ = "submit"
	}
	if typ == "" {
		typ = "text"
	}
	_, checked := lookupAttr(n, "checked")
	return field{name: attr(n, "name"), typ: typ, value: attr(n, "value"), checked: checked}
}

// summary is the page's text with its whitespace collapsed, cut to a length
// that fits an error message.
func (p *page) summary() string {
	s := strings.Join(strings.Fields(p.text.String()), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// loginForm returns the first form with a password field.
func (p *page) loginForm() (form, bool) {
	for _, f := range p.forms {
		for _, fl := range f.fields {
			if fl.typ == "password" {
				return f, true
			}
		}
	}
	return form{}, false
}

// cancelLink returns a link that declines, such as oidc-provider's
// "[ Cancel ]" (…/abort).
func (p *page) cancelLink() (string, bool) {
	for _, l := range p.links {
		if strings.Contains(strings.ToLower(l.text), "cancel") || strings.HasSuffix(l.href, "/abort") {
			return l.href, true
		}
	}
	return "", false
}

// values fills the form as a person would: the first text field gets
// username, every password field gets password, hidden fields and checked
// boxes keep their values, and the first named submit button is pressed.
func (f form) values(username, password string) url.Values {
	v := url.Values{}
	typedName, pressed := false, false
	for _, fl := range f.fields {
		switch {
		case fl.name == "":
		case fl.typ == "password":
			v.Add(fl.name, password)
		case (fl.typ == "text" || fl.typ == "email") && !typedName:
			v.Add(fl.name, username)
			typedName = true
		case fl.typ == "submit" || fl.typ == "image":
			if !pressed {
				v.Add(fl.name, fl.value)
				pressed = true
			}
		case fl.typ == "checkbox" || fl.typ == "radio":
			if fl.checked {
				v.Add(fl.name, fl.value)
			}
		case fl.typ == "button" || fl.typ == "reset" || fl.typ == "file":
		default:
			v.Add(fl.name, fl.value)
		}
	}
	return v
}

// request makes the request that submitting f with v on a page at base sends.
func (f form) request(ctx context.Context, base *url.URL, v url.Values) (*http.Request, error) {
	action, err := base.Parse(f.action)
	if err != nil {
		return nil, err
	}
	if f.method != http.MethodPost {
		action.RawQuery = v.Encode()
		return http.NewRequestWithContext(ctx, http.MethodGet, action.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

func attr(n *html.Node, key string) string {
	v, _ := lookupAttr(n, key)
	return v
}

func lookupAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// nodeText is the text below n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
