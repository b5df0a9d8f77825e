package dirserver

import (
	"context"
	"database/sql"
	"dialtone/internal/dirstore"
	"dialtone/internal/dirstore/dirstoretest"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks measure lookups over real HTTP on loopback against a
// directory of benchAccounts accounts: one server on SQLite, two servers
// (replicas) on one PostgreSQL database with the load spread over both,
// and the same load on a handler that writes one fixed JSON answer. Each
// runs without a rate limit and with one (a budget never spent, so every
// lookup is counted and none refused), from benchClients addresses or from
// one (a call centre's NAT: every lookup updates one row).
// docs/benchmarks.md has the numbers.
//
//	.ci/with-postgres go test ./internal/dirserver/ -run '^$' -bench . -benchtime 20000x
const (
	benchAccounts = 100_000
	benchClients  = 10_000
)

// benchDB is a filled database and the servers on it, made once per
// process: servers without a rate limit, limited with one.
type benchDB struct {
	once    sync.Once
	servers []*Server
	limited []*Server
	drop    func()
	err     error
}

var benchSQLite, benchPostgres benchDB

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range []*benchDB{&benchSQLite, &benchPostgres} {
		for _, s := range append(d.servers, d.limited...) {
			s.Close()
		}
		if d.drop != nil {
			d.drop()
		}
	}
	os.Exit(code)
}

// benchServers opens (once per process) a directory with benchAccounts
// accounts: each has one domain and two providers, the first enabled, and
// every third account enforces it. SQLite gets one server; PostgreSQL
// two, as two replicas.
func benchServers(b *testing.B, kind dirstore.Kind) []*Server {
	return benchDatabase(b, kind).servers
}

// benchLimitedServers are the same number of servers on the same
// database, with a rate limit of a million lookups at once and a million
// a second per client address (the header X-Bench-Client): every lookup
// is counted, none is refused.
func benchLimitedServers(b *testing.B, kind dirstore.Kind) []*Server {
	return benchDatabase(b, kind).limited
}

func benchDatabase(b *testing.B, kind dirstore.Kind) *benchDB {
	d, open := &benchSQLite, openBenchSQLite
	if kind == dirstore.Postgres {
		if os.Getenv(dirstoretest.EnvPostgres) == "" {
			b.Skipf("%s is not set; run inside .ci/with-postgres", dirstoretest.EnvPostgres)
		}
		d, open = &benchPostgres, openBenchPostgres
	}
	d.once.Do(func() { d.err = open(d) })
	if d.err != nil {
		b.Fatal(d.err)
	}
	return d
}

func openBenchSQLite(d *benchDB) error {
	dir, err := os.MkdirTemp("", "dialtone-directory-bench")
	if err != nil {
		return err
	}
	d.drop = func() { os.RemoveAll(dir) }
	return openBenchServers(d, filepath.Join(dir, "bench.db"), 1)
}

func openBenchPostgres(d *benchDB) error {
	base := os.Getenv(dirstoretest.EnvPostgres)
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	schema := fmt.Sprintf("bench_%d", rand.Uint32())
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return err
	}
	d.drop = func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return openBenchServers(d, u.String(), 2)
}

func openBenchServers(d *benchDB, dsn string, n int) error {
	limited := Options{AdminToken: testToken, RateLimit: 1e6, RateBurst: 1e6,
		ClientAddr: func(r *http.Request) string { return r.Header.Get("X-Bench-Client") }}
	for range n {
		s, err := Open(context.Background(), dsn, Options{AdminToken: testToken, RateLimit: -1})
		if err != nil {
			return err
		}
		d.servers = append(d.servers, s)
		if s, err = Open(context.Background(), dsn, limited); err != nil {
			return err
		}
		d.limited = append(d.limited, s)
	}
	return fillAccounts(d.servers[0], benchAccounts)
}

// fillAccounts inserts n accounts with ids 1…n, 500 rows a statement.
func fillAccounts(s *Server, n int) error {
	const batch = 50
	now := stamp(time.Now())
	return s.store.tx(context.Background(), func(tx *sql.Tx) error {
		for from := 0; from < n; from += batch {
			var accounts, domains, providers rows
			for i := from; i < min(from+batch, n); i++ {
				accounts.add(i+1, fmt.Sprintf("a%06d", i), now)
				domains.add(fmt.Sprintf("a%06d.test", i), i+1)
				for j, enabled := range []bool{true, false} {
					in := ProviderInput{Type: "okta", Issuer: fmt.Sprintf("https://a%06d-%d.okta.test", i, j), ClientID: "0oa-desktop"}
					p, err := in.toProvider(fmt.Sprintf("p%d", j), "")
					if err != nil {
						return err
					}
					config, _ := json.Marshal(p)
					providers.add(i+1, p.ID, j, string(config), enabled, enabled && i%3 == 0, now)
				}
			}
			for _, st := range []struct {
				head string
				r    *rows
			}{
				{"INSERT INTO accounts(id, name, updated_at)", &accounts},
				{"INSERT INTO domains(domain, account_id)", &domains},
				{"INSERT INTO providers(account_id, id, position, config, enabled, enforced, updated_at)", &providers},
			} {
				if _, err := tx.Exec(st.head+" VALUES "+st.r.sql.String(), st.r.args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// rows builds a multi-row VALUES list with $n placeholders.
type rows struct {
	sql  strings.Builder
	args []any
}

func (r *rows) add(values ...any) {
	if r.sql.Len() > 0 {
		r.sql.WriteByte(',')
	}
	r.sql.WriteByte('(')
	for i, v := range values {
		r.args = append(r.args, v)
		if i > 0 {
			r.sql.WriteByte(',')
		}
		fmt.Fprintf(&r.sql, "$%d", len(r.args))
	}
	r.sql.WriteByte(')')
}

func lookupEmail(r *rand.Rand) string {
	if r.IntN(10) == 0 { // one lookup in ten is for an unknown domain
		return fmt.Sprintf("agent@u%06d.test", r.IntN(benchAccounts))
	}
	return fmt.Sprintf("agent@a%06d.test", r.IntN(benchAccounts))
}

// BenchmarkLookupHTTP: one server on SQLite, and two servers on one
// PostgreSQL database with the clients spread over both; without a rate
// limit, then limited with the lookups from benchClients addresses, then
// from one.
func BenchmarkLookupHTTP(b *testing.B) {
	variants := []struct {
		name    string
		servers func(*testing.B, dirstore.Kind) []*Server
		client  func(*rand.Rand) string
	}{
		{"", benchServers, nil},
		{"-limited", benchLimitedServers, func(r *rand.Rand) string { return fmt.Sprintf("10.%d.%d.1", r.IntN(100), r.IntN(benchClients/100)) }},
		{"-limited-one-address", benchLimitedServers, func(*rand.Rand) string { return "203.0.113.10" }},
	}
	for _, v := range variants {
		for _, kind := range []dirstore.Kind{dirstore.SQLite, dirstore.Postgres} {
			b.Run(string(kind)+v.name, func(b *testing.B) {
				var urls []string
				for _, s := range v.servers(b, kind) {
					srv := httptest.NewServer(s.Handler())
					defer srv.Close()
					urls = append(urls, srv.URL)
				}
				runLoad(b, urls, lookupEmail, v.client)
			})
		}
	}
}

// BenchmarkLimiterTake is the rate limit's UPSERT alone, without HTTP or
// the lookup (2 goroutines, benchClients addresses).
func BenchmarkLimiterTake(b *testing.B) {
	for _, kind := range []dirstore.Kind{dirstore.SQLite, dirstore.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			s := benchLimitedServers(b, kind)[0]
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 3))
				for pb.Next() {
					if wait := s.limiter.Take(context.Background(), "bench", fmt.Sprintf("10.0.%d.1", r.IntN(benchClients)), s.lookupLim); wait != 0 {
						b.Errorf("refused for %v", wait)
						return
					}
				}
			})
		})
	}
}

func BenchmarkStaticJSONHTTP(b *testing.B) {
	s := benchServers(b, dirstore.SQLite)[0]
	body, err := s.lookup(context.Background(), "agent@a000001.test", "a000001.test")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.URL.Query().Get("email")
		writeCached(w, r, body)
	}))
	defer srv.Close()
	runLoad(b, []string{srv.URL}, func(r *rand.Rand) string { return fmt.Sprintf("agent@a%06d.test", r.IntN(benchAccounts)) }, nil)
}

// BenchmarkLookupQuery is the database part alone, without HTTP.
func BenchmarkLookupQuery(b *testing.B) {
	for _, kind := range []dirstore.Kind{dirstore.SQLite, dirstore.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			s := benchServers(b, kind)[0]
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
		})
	}
}

// runLoad sends b.N lookups from 8 concurrent clients over keep-alive
// connections, each request to the next of bases in turn, and reports
// lookups/s and the 50th and 99th percentile latency. client, when not
// nil, names each request's client address in X-Bench-Client.
func runLoad(b *testing.B, bases []string, email func(*rand.Rand) string, client func(*rand.Rand) string) {
	var next atomic.Uint64
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
			base := bases[next.Add(1)%uint64(len(bases))]
			from := ""
			if client != nil {
				from = client(r)
			}
			if err := get(hc, base+"/v1/sso/providers?email="+email(r), from); err != nil {
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

func get(hc *http.Client, url, client string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if client != "" {
		req.Header.Set("X-Bench-Client", client)
	}
	resp, err := hc.Do(req)
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
