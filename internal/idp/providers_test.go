package idp

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeIssuer(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"okta with trailing slash", "https://dev-123.okta.com/", "https://dev-123.okta.com"},
		{"discovery URL", "https://dev-123.okta.com/oauth2/default/.well-known/openid-configuration", "https://dev-123.okta.com/oauth2/default"},
		{"discovery URL with slash", "https://dev-123.okta.com/.well-known/openid-configuration/", "https://dev-123.okta.com"},
		{"bare host", "acme.onelogin.com/oidc/2", "https://acme.onelogin.com/oidc/2"},
		{"bare host name only", " Dev-123.OKTA.com ", "https://dev-123.okta.com"},
		{"azure v2.0", "https://login.microsoftonline.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0", "https://login.microsoftonline.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0"},
		{"keycloak realm", "https://sso.acme.test/realms/agents/", "https://sso.acme.test/realms/agents"},
		{"keycloak legacy", "https://sso.acme.test/auth/realms/agents", "https://sso.acme.test/auth/realms/agents"},
		{"salesforce org", "https://acme.my.salesforce.com", "https://acme.my.salesforce.com"},
		{"http on loopback", "http://127.0.0.1:9998/", "http://127.0.0.1:9998"},
		{"http on localhost", "http://localhost:9998", "http://localhost:9998"},
		{"http on ::1", "http://[::1]:9998", "http://[::1]:9998"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeIssuer(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("NormalizeIssuer(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeIssuerRejects(t *testing.T) {
	tests := []struct {
		name, in, wantInErr string
	}{
		{"empty", "  ", "empty"},
		{"http on a public host", "http://dev-123.okta.com", "must use https"},
		{"ftp", "ftp://dev-123.okta.com", "https://"},
		{"query", "https://dev-123.okta.com/?x=1", "query"},
		{"fragment", "https://dev-123.okta.com/#x", "fragment"},
		{"credentials", "https://user:pw@dev-123.okta.com", "user name"},
		{"no host", "https:///path", "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeIssuer(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("NormalizeIssuer(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.wantInErr)
			}
		})
	}
}

func TestParseProviderListDefaults(t *testing.T) {
	list, err := ParseProviderList(strings.NewReader(`{"account":"acme","email":"agent@acme.test","providers":[
		{"id":"okta","type":"okta","issuer":"https://dev-123.okta.com/","client_id":"0oa1"}]}`))
	if err != nil {
		t.Fatalf("ParseProviderList: %v", err)
	}
	p := list.Providers[0]
	if p.Name != "Okta" || p.Issuer != "https://dev-123.okta.com" || p.UserinfoMethod != "GET" || p.EmailClaim != "email" ||
		p.RedirectHost != "127.0.0.1" || p.RedirectPort != 0 || strings.Join(p.Scopes, " ") != "openid email profile offline_access" {
		t.Errorf("defaults not applied: %+v", p)
	}
}

func TestParseProviderListNamesTheField(t *testing.T) {
	tests := []struct {
		name, doc, wantField string
	}{
		{"unknown type", `{"providers":[{"id":"a","type":"ping","issuer":"https://a.test","client_id":"c"}]}`, "providers[0].type"},
		{"missing id", `{"providers":[{"type":"okta","issuer":"https://a.test","client_id":"c"}]}`, "providers[0].id"},
		{"missing client_id", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test"}]}`, "providers[0].client_id"},
		{"missing issuer", `{"providers":[{"id":"a","type":"okta","client_id":"c"}]}`, "providers[0].issuer"},
		{"http issuer", `{"providers":[{"id":"a","type":"okta","issuer":"http://a.test","client_id":"c"}]}`, "providers[0].issuer"},
		{"bad method", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c","userinfo_method":"PUT"}]}`, "providers[0].userinfo_method"},
		{"bad redirect host", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c","redirect_host":"0.0.0.0"}]}`, "providers[0].redirect_host"},
		{"bad port", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c","redirect_port":70000}]}`, "providers[0].redirect_port"},
		{"scopes without openid", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c","scopes":["email"]}]}`, "providers[0].scopes"},
		{"reserved auth param", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c","auth_params":{"state":"x"}}]}`, "providers[0].auth_params.state"},
		{"duplicate id", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c"},{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c"}]}`, "providers[1].id"},
		{"wrong JSON type", `{"providers":[{"id":"a","type":"okta","issuer":"https://a.test","client_id":"c","redirect_port":"80"}]}`, "providers.redirect_port"},
		{"unknown field", `{"providers":[],"extra":1}`, "extra"},
		{"syntax error", "{\"providers\":[\n{]}", "(document)"},
		{"trailing data", `{"providers":[]} {}`, "(document)"},
		{"empty", ``, "(document)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProviderList(strings.NewReader(tt.doc))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.wantField {
				t.Errorf("ParseProviderList error = %v; want a *ConfigError for field %q", err, tt.wantField)
			}
		})
	}
}

func TestParseProviderListTooLarge(t *testing.T) {
	doc := `{"providers":[],"account":"` + strings.Repeat("a", MaxBodySize) + `"}`
	_, err := ParseProviderList(strings.NewReader(doc))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ParseProviderList of a %d-byte document = %v, want a size error", len(doc), err)
	}
}

func TestEnforcedHidesOtherProviders(t *testing.T) {
	list := &ProviderList{Providers: []Provider{{ID: "a"}, {ID: "b", Enforced: true}, {ID: "c"}}}
	got := list.Offered()
	if len(got) != 1 || got[0].ID != "b" {
		t.Errorf("Enforced() = %v, want only b", got)
	}
	list.Providers[1].Enforced = false
	if got := list.Offered(); len(got) != 3 {
		t.Errorf("Enforced() with none enforced = %d providers, want all 3", len(got))
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true}, {"::1", true}, {"[::1]", true}, {"localhost", true}, {"LOCALHOST", true},
		{"127.0.0.2", false}, {"127.1", false}, {"::ffff:127.0.0.1", false}, {"[::ffff:127.0.0.1]", false},
		{"0:0:0:0:0:0:0:1", true}, {"::1%lo", false}, {"localhost.", false}, {"localhost.evil.test", false},
		{"127.0.0.1.nip.io", false}, {"2130706433", false}, {"0x7f000001", false}, {"", false},
	}
	for _, tt := range tests {
		if got := IsLoopbackHost(tt.host); got != tt.want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	for _, issuer := range []string{"http://127.0.0.2:9998", "http://[::ffff:127.0.0.1]:9998", "http://127.1"} {
		if got, err := NormalizeIssuer(issuer); err == nil {
			t.Errorf("NormalizeIssuer(%q) = %q, want it refused (http only on 127.0.0.1, ::1, localhost)", issuer, got)
		}
	}
}

func TestParseProviderListLine(t *testing.T) {
	ok := `{"providers":[],"line":{"registrar":"sips:pbx.acme.test","aor":"sip:agent@acme.test","resource":"https://pbx.acme.test"}}`
	list, err := ParseProviderList(strings.NewReader(ok))
	if err != nil || list.Line == nil || list.Line.Registrar != "sips:pbx.acme.test" || list.Line.Resource != "https://pbx.acme.test" {
		t.Fatalf("ParseProviderList(a list with a line) = %+v, %v", list, err)
	}
	tests := []struct{ name, doc, field string }{
		{"plain sip to a real host", `{"providers":[],"line":{"registrar":"sip:pbx.acme.test"}}`, "line.registrar"},
		{"no registrar", `{"providers":[],"line":{"aor":"sip:a@b.test"}}`, "line.registrar"},
		{"an unknown field", `{"providers":[],"line":{"registrar":"sips:pbx.acme.test","proxy":"x"}}`, "proxy"},
		{"a resource with a fragment", `{"providers":[],"line":{"registrar":"sips:pbx.acme.test","resource":"https://pbx.test/#x"}}`, "line.resource"},
		{"an http resource", `{"providers":[],"line":{"registrar":"sips:pbx.acme.test","resource":"http://pbx.test"}}`, "line.resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProviderList(strings.NewReader(tt.doc))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Errorf("ParseProviderList = %v, want a *ConfigError for %s", err, tt.field)
			}
		})
	}
}
