package dirserver

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// The benchmarks measure lookups over real HTTP on loopback against a
// directory of benchAccounts accounts, beside the same load on a handler
// that writes one fixed JSON answer. docs/benchmarks.md has the numbers.
//
//	go test ./cmd/dialtone-directory/directory/ -run '^$' -bench . -benchtime 20000x
const benchAccounts = 100_000

var bench struct {
	once sync.Once
	dir  string
	srv  *Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.srv != nil {
		bench.srv.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// benchServer opens (once per process) a directory with benchAccounts
// accounts: each has one domain and two providers, the first enabled,
// and every third account enforces it.
func benchServer(b *testing.B) *Server {
	bench.once.Do(func() {
		if bench.dir, bench.err = os.MkdirTemp("", "dialtone-directory-bench"); bench.err != nil {
			return
		}
		bench.srv, bench.err = Open(context.Background(), filepath.Join(bench.dir, "bench.db"), Options{AdminToken: testToken, RateLimit: -1})
		if bench.err == nil {
			bench.err = fillAccounts(bench.srv, benchAccounts)
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.srv
}

func fillAccounts(s *Server, n int) error {
	return s.store.tx(context.Background(), func(tx *sql.Tx) error {
		now := stamp(time.Now())
		for i := range n {
			var id int64
			if err := tx.QueryRow("INSERT INTO accounts(name, updated_at) VALUES(?, ?) RETURNING id", fmt.Sprintf("a%06d", i), now).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.Exec("INSERT INTO domains(domain, account_id) VALUES(?, ?)", fmt.Sprintf("a%06d.test", i), id); err != nil {
				return err
			}
			for j, enabled := range []bool{true, false} {
				in := ProviderInput{Type: "okta", Issuer: fmt.Sprintf("https://a%06d-%d.okta.test", i, j), ClientID: "0oa-desktop"}
				p, err := in.toProvider(fmt.Sprintf("p%d", j), "")
				if err != nil {
					return err
				}
				config, _ := json.Marshal(p)
				if _, err := tx.Exec("INSERT INTO providers(account_id, id, position, config, enabled, enforced, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?)",
					id, p.ID, j, string(config), enabled, enabled && i%3 == 0, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func BenchmarkLookupHTTP(b *testing.B) {
	s := benchServer(b)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	runLoad(b, srv.URL, func(r *rand.Rand) string {
		if r.IntN(10) == 0 { // one lookup in ten is for an unknown domain
			return fmt.Sprintf("agent@u%06d.test", r.IntN(benchAccounts))
		}
		return fmt.Sprintf("agent@a%06d.test", r.IntN(benchAccounts))
	})
}

func BenchmarkStaticJSONHTTP(b *testing.B) {
	s := benchServer(b)
	body, err := s.lookup(context.Background(), "agent@a000001.test", "a000001.test")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.URL.Query().Get("email")
		writeCached(w, r, body)
	}))
	defer srv.Close()
	runLoad(b, srv.URL, func(r *rand.Rand) string { return fmt.Sprintf("agent@a%06d.test", r.IntN(benchAccounts)) })
}

// BenchmarkLookupQuery is the database part alone, without HTTP.
func BenchmarkLookupQuery(b *testing.B) {
	s := benchServer(b)
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			d := fmt.Sprintf("a%06d.test", r.IntN(benchAccounts))
			if _, err := s.lookup(context.Background(), "agent@"+d, d); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// runLoad sends b.N lookups from 8 concurrent clients over keep-alive
// connections and reports lookups/s and the 99th percentile latency.
func runLoad(b *testing.B, base string, email func(*rand.Rand) string) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(4) // 4 × GOMAXPROCS (2) = 8 clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 2))
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := get(hc, base+"/v1/sso/providers?email="+email(r)); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "lookups/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
}

func get(hc *http.Client, url string) error {
	resp, err := hc.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
