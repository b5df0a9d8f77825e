package session

import (
	"context"
	"dialtone/auth"
	"dialtone/auth/authtest"
	"testing"

	"dialtone/internal/keyring"
	"dialtone/internal/keyring/keyringtest"
)

// BenchmarkSilentReLogin is a whole silent sign-in at launch with a warm
// cache, through the file lock, the keyring (in memory here) and the
// metadata file; it reports the provider requests each one makes.
func BenchmarkSilentReLogin(b *testing.B) {
	f := &sessionsFixture{op: authtest.NewFakeOP(b), dir: b.TempDir(), keyring: &keyring.Store{Service: "dialtone-bench", Backend: &keyringtest.Memory{}}}
	f.sessions = f.newSessions()
	if _, err := f.sessions.Login(context.Background(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}}); err != nil {
		b.Fatal(err)
	}
	before := f.op.TotalHits()
	for b.Loop() {
		if _, err := f.newSessions().Resume(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.op.TotalHits()-before)/float64(b.N), "idp-requests/op")
}
