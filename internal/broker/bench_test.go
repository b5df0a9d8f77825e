package broker_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/internal/broker"
	"dialtone/internal/broker/brokertest"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/ratelimit"
)

// The benchmarks measure the broker over real HTTP on loopback: refresh
// grants (a rotation in the database, an RS256 ID token and an RS256 access
// token for the line) and directory lookups of a Brokered provider. One
// replica on SQLite, or two replicas on one PostgreSQL database with the
// requests alternating between them; each also with the rate limits on
// ("-limited": budgets never spent, so every refresh is counted per
// address and per session, and none refused). docs/benchmarks.md has the
// numbers.
//
//	.ci/with-postgres go test ./internal/broker/ -run '^$' -bench . -benchtime 5000x -count 3

// benchReplicas starts one replica on SQLite or two on PostgreSQL, with a
// Brokered provider for acme.test, and returns their URLs and the
// desktop's entry.
func benchReplicas(b *testing.B, postgres, limited bool) ([]string, *brokertest.Directory) {
	b.Helper()
	if postgres && os.Getenv(dirstoretest.EnvPostgres) == "" {
		b.Skipf("%s is not set; run inside .ci/with-postgres", dirstoretest.EnvPostgres)
	}
	_, up := fakeUpstream(b)
	opts := brokertest.Options(nil)
	if limited {
		never := ratelimit.Policy{Burst: 1e6, Rate: 1e6}
		opts.BrokerLimits = broker.Limits{SignIn: never, Token: never, Session: never}
	}
	if !postgres {
		d := brokertest.Start(b, dirstoretest.Backends(b)[0].NewDSN(b), opts)
		d.AddBrokered(b, "acme", "acme.test", "okta", up)
		return []string{d.URL}, d
	}
	dsn := dirstoretest.NewPostgres(b)
	front := brokertest.NewFront(b)
	opts.BrokerIssuer = front.URL + "/broker"
	a, c := brokertest.Start(b, dsn, opts), brokertest.Start(b, dsn, opts)
	front.SetBackends(a.URL, c.URL)
	var n atomic.Int64
	front.Route = func(*http.Request) string { return []string{a.URL, c.URL}[n.Add(1)%2] }
	a.AddBrokered(b, "acme", "acme.test", "okta", up)
	return []string{a.URL, c.URL}, a
}

// tokenChains signs in n times and returns the refresh tokens: each
// benchmark goroutine renews its own chain.
func tokenChains(b *testing.B, d *brokertest.Directory, n int) chan string {
	entry := d.Entry(b, "agent@acme.test", "okta")
	chains := make(chan string, n)
	for range n {
		s, err := desktopClient().Login(context.Background(), auth.LoginRequest{Provider: entry, Email: "agent@acme.test"})
		if err != nil {
			b.Fatalf("Login: %v", err)
		}
		chains <- s.RefreshToken()
	}
	return chains
}

// latencies collects per-request latencies and reports p50 and p99.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, unit string) {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return
	}
	b.ReportMetric(float64(l.d[len(l.d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(l.d[len(l.d)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(len(l.d))/b.Elapsed().Seconds(), unit+"/s")
}

func BenchmarkBrokerRefresh(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres", "sqlite-limited", "postgres-limited"} {
		b.Run(kind, func(b *testing.B) {
			urls, d := benchReplicas(b, strings.HasPrefix(kind, "postgres"), strings.HasSuffix(kind, "-limited"))
			b.SetParallelism(4)
			chains := tokenChains(b, d, 4*runtime.GOMAXPROCS(0)) // one per goroutine of RunParallel
			var lat latencies
			var next atomic.Int64
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rt := <-chains
				for pb.Next() {
					to := urls[int(next.Add(1))%len(urls)] + "/broker/token"
					start := time.Now()
					var err error
					if rt, err = refreshOnce(hc, to, rt); err != nil {
						b.Error(err)
						return
					}
					lat.add(time.Since(start))
				}
			})
			lat.report(b, "refreshes")
		})
	}
}

// refreshOnce spends rt and returns the next refresh token of its chain.
func refreshOnce(hc *http.Client, tokenURL, rt string) (string, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"dialtone"}}
	resp, err := hc.Post(tokenURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var answer struct {
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&answer); err != nil || answer.RefreshToken == "" {
		return "", &refreshError{status: resp.StatusCode, code: answer.Error}
	}
	return answer.RefreshToken, nil
}

type refreshError struct {
	status int
	code   string
}

func (e *refreshError) Error() string { return "refresh: " + http.StatusText(e.status) + " " + e.code }

func BenchmarkBrokerLookup(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			urls, _ := benchReplicas(b, kind == "postgres", false)
			b.SetParallelism(4)
			var lat latencies
			var next atomic.Int64
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					to := urls[int(next.Add(1))%len(urls)] + "/v1/sso/providers?email=agent@acme.test"
					start := time.Now()
					resp, err := hc.Get(to)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("lookup: %s", resp.Status)
						return
					}
					lat.add(time.Since(start))
				}
			})
			lat.report(b, "lookups")
		})
	}
}
