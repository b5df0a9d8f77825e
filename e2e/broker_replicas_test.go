package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/sealed"
)

// directoryBin is the dialtone-directory binary, built once for the suite.
var directoryBin struct {
	once sync.Once
	path string
	err  error
}

func buildDirectory(t *testing.T) string {
	t.Helper()
	directoryBin.once.Do(func() {
		directoryBin.path = filepath.Join(suite.dir, "bin", "dialtone-directory")
		cmd := exec.Command("go", "build", "-o", directoryBin.path, "./cmd/dialtone-directory")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			directoryBin.err = fmt.Errorf("go build ./cmd/dialtone-directory: %v\n%s", err, out)
		}
	})
	if directoryBin.err != nil {
		t.Fatal(directoryBin.err)
	}
	return directoryBin.path
}

// replica is a dialtone-directory process.
type replica struct {
	name string
	url  string
	cmd  *exec.Cmd
	dead atomic.Bool
}

var listeningOn = regexp.MustCompile(`listening on (http://\S+) `)

// startReplica starts a replica on db behind front, with the key in
// keyFile, and waits until it listens. Its output goes to the suite's logs.
func startReplica(t *testing.T, bin, db, front, keyFile, name string) *replica {
	t.Helper()
	log, err := os.Create(filepath.Join(suite.logs, fmt.Sprintf("replica-%s-%d.log", name, time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	r := &replica{name: name, cmd: exec.Command(bin, "-db", db, "-listen", "127.0.0.1:0", "-origin", front,
		"-secret-key-file", keyFile, "-admin-token", brokertest.AdminToken, "-rate", "-1")}
	out, err := r.cmd.StderrPipe() // it writes its messages and log to stderr
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stdout = log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("could not start replica %s: %v", name, err)
	}
	t.Cleanup(r.kill)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(io.TeeReader(out, log))
		for sc.Scan() {
			if m := listeningOn.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
	}()
	select {
	case r.url = <-ready:
		return r
	case <-time.After(30 * time.Second):
		t.Fatalf("replica %s did not listen within 30 s", name)
	}
	return nil
}

// kill ends the replica with SIGKILL (kill -9) and waits for it.
func (r *replica) kill() {
	if r.dead.Swap(true) {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

// TestBrokerReplicas runs two dialtone-directory processes on one
// PostgreSQL database behind a load balancer that the test routes: a
// sign-in whose steps land on alternate replicas, a replica killed with
// kill -9 while a code is being redeemed (the agent's retry succeeds on
// the other), and one killed while the upstream's callback is on its way
// (the other finishes that sign-in). Nothing a sign-in needs is in a
// replica's memory.
func TestBrokerReplicas(t *testing.T) {
	requireSuite(t)
	bin := buildDirectory(t)
	db := dirstoretest.NewPostgres(t)
	front := brokertest.NewFront(t)
	issuer := front.URL + "/broker"
	keyFile := filepath.Join(t.TempDir(), "directory.key")
	if err := os.WriteFile(keyFile, []byte(sealed.NewKeyText()), 0o600); err != nil {
		t.Fatal(err)
	}
	up := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{agent}, ClientID: "dialtone-broker", ClientSecret: "the web app's secret",
		ClientAuthMethod: authtest.AuthClientSecretBasic, RedirectURIs: []string{issuer + "/idpresponse"}})
	a := startReplica(t, bin, db, front.URL, keyFile, "a")
	b := startReplica(t, bin, db, front.URL, keyFile, "b")
	front.SetBackends(a.url, b.url)
	secret := up.ClientSecret
	adminAPI(t, a.url, http.MethodPut, "/admin/v1/accounts/acme", dirserver.Account{Domains: []string{"acme.test"}})
	adminAPI(t, b.url, http.MethodPut, "/admin/v1/accounts/acme/providers/acme-sso", dirserver.ProviderInput{
		Mode: dirserver.ModeBrokered, Type: "oidc", Name: "Acme SSO", Issuer: up.Issuer, ClientID: up.ClientID, ClientSecret: &secret, Enabled: true})
	m := newMachine(t)
	m.env["DIALTONE_DIRECTORY"] = front.URL
	m.browseAs(agent)

	scenario(t, "a sign-in split over two replicas", func(t *testing.T) string {
		var tokens atomic.Int32
		front.Route = func(r *http.Request) string {
			switch r.URL.Path {
			case "/broker/authorize":
				return a.url
			case "/broker/token":
				if tokens.Add(1) == 1 {
					return a.url // the code
				}
			}
			return b.url // the upstream callback, keys, userinfo, the refresh
		}
		s := brokerSignedIn(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), issuer)
		brokerSignedIn(t, m.dialtone("status", "--json"), issuer)
		brokerToken(t, s)
		for replica, want := range map[*replica][]string{a: {"/broker/authorize", "/broker/token"}, b: {"/broker/idpresponse", "/broker/token"}} {
			if got := front.Served(replica.url); !containsAll(got, want) {
				t.Errorf("replica %s served %v, want %v among them", replica.name, got, want)
			}
		}
		return "authorize on A, the upstream's callback on B, the code on A, the refresh on B"
	})

	scenario(t, "kill -9 during the code exchange: the retry succeeds on the other", func(t *testing.T) string {
		front.Route = func(r *http.Request) string {
			if !a.dead.Load() && r.URL.Path == "/broker/token" {
				a.kill() // mid-login: the code is being redeemed
			}
			if a.dead.Load() && r.URL.Path != "/broker/token" {
				return b.url
			}
			return a.url // dead while the token request is on its way: 502
		}
		failed(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), exitUnreachable, "")
		front.Route = func(*http.Request) string { return b.url } // the load balancer noticed
		s := brokerSignedIn(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), issuer)
		brokerToken(t, s)
		brokerSignedIn(t, m.dialtone("status", "--json"), issuer)
		return "A killed with SIGKILL as the code reached it: exit 4; the agent's retry signed in through B"
	})

	scenario(t, "kill -9 while the upstream's callback is on its way: the other finishes the sign-in", func(t *testing.T) string {
		a2 := startReplica(t, bin, db, front.URL, keyFile, "a2")
		front.Route = func(r *http.Request) string {
			if r.URL.Path == "/broker/idpresponse" {
				a2.kill()
			}
			if a2.dead.Load() {
				return b.url
			}
			return a2.url
		}
		s := brokerSignedIn(t, m.dialtone("login", "--email", agent.Email, "--timeout", "1m"), issuer)
		brokerToken(t, s)
		if got := front.Served(a2.url); !slices.Contains(got, "/broker/authorize") {
			t.Errorf("the restarted A served %v, want the authorization request", got)
		}
		return "the sign-in started on a fresh A, which was killed when the upstream sent the browser back; B finished it from the database"
	})
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}
