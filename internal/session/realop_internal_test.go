package session

import (
	"os"
	"testing"
	"time"

	"dialtone/internal/idp"
	"dialtone/internal/keyring"

	"dialtone/auth"
	"dialtone/auth/authtest"
)

// TestRealTwoProcessesOneRefresh: two Dialtone processes started at once
// against each real provider end signed in after exactly one refresh
// grant. (Internal so that twoProcessesResume can order the two without
// depending on the scheduler; the processes are two Store over the
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
			op := st.start(t, authtest.Options{Users: []authtest.User{user}})
			if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
				keyring.MockInit()
			}
			k := &keyring.Store{Service: "dialtone-test-two-processes"}
			dir := t.TempDir()
			newProcess := func(b auth.Browser) *Store {
				s := NewStore(auth.NewClient(auth.Config{Browser: b, Timeout: time.Minute}), k, &Folder{Dir: dir})
				s.born = time.Now()
				return s
			}
			p := idp.Provider{ID: st.name, Type: idp.TypeOIDC, Issuer: op.Issuer, ClientID: op.ClientID, AuthParams: st.params}
			if _, err := newProcess(&authtest.FormBrowser{Username: user.Email, Password: user.Password}).Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: p, Email: user.Email}}); err != nil {
				t.Fatalf("Login: %v", err)
			}
			op.ResetRequests()
			twoProcessesResume(t, newProcess(nil), newProcess(nil))
			if got := op.Requests(op.TokenEndpointPath()); got != 1 {
				t.Errorf("refresh grants = %d, want exactly 1", got)
			}
		})
	}
}
