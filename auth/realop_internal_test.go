package auth

import (
	"os"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"dialtone/auth/authtest"
)

// TestRealTwoProcessesOneRefresh: two Dialtone processes started at once
// against each real provider end signed in after exactly one refresh
// grant. (Internal so that twoProcessesResume can order the two without
// depending on the scheduler; the processes are two Sessions over the
// same keyring and config folder, as two instances would be.)
func TestRealTwoProcessesOneRefresh(t *testing.T) {
	user := authtest.User{Subject: "agent-1", Email: "agent@acme.test", Password: "demo-password-1", Name: "Ada Agent", EmailVerified: true}
	starts := []struct {
		name   string
		start  func(testing.TB, authtest.Options) *authtest.Provider
		params map[string]string
	}{
		{"zitadel", authtest.StartZitadel, nil},
		{"node-oidc-provider", authtest.StartNode, map[string]string{"prompt": "consent"}},
	}
	for _, st := range starts {
		t.Run(st.name, func(t *testing.T) {
			idp := st.start(t, authtest.Options{Users: []authtest.User{user}})
			if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
				keyring.MockInit()
			}
			k := &Keyring{Service: "dialtone-test-two-processes"}
			dir := t.TempDir()
			newProcess := func(b Browser) *Sessions {
				return NewSessions(NewClient(Config{Browser: b, Timeout: time.Minute}), k, &MetadataStore{Dir: dir})
			}
			p := Provider{ID: st.name, Type: TypeOIDC, Issuer: idp.Issuer, ClientID: idp.ClientID, AuthParams: st.params}
			if _, err := newProcess(&authtest.FormBrowser{Username: user.Email, Password: user.Password}).Login(t.Context(), LoginRequest{Provider: p, Email: user.Email}); err != nil {
				t.Fatalf("Login: %v", err)
			}
			idp.ResetRequests()
			twoProcessesResume(t, newProcess(nil), newProcess(nil))
			if got := idp.Requests(idp.TokenEndpointPath()); got != 1 {
				t.Errorf("refresh grants = %d, want exactly 1", got)
			}
		})
	}
}
