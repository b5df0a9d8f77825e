package ratelimit_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/internal/dirstore"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/ratelimit"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func open(t *testing.T, dsn string) *dirstore.DB {
	t.Helper()
	db, err := dirstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func rows(t *testing.T, db *dirstore.DB) int {
	t.Helper()
	var n int
	if err := db.Read().QueryRow("SELECT count(*) FROM rate_limits").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTakeBurstThenRate takes a burst of 3, then one a second: the 4th
// request waits exactly a second, the wait shrinks as the clock moves, and
// a request fits again once it is over.
func TestTakeBurstThenRate(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		l := ratelimit.New(open(t, b.NewDSN(t)), clk.Now, nil)
		p := ratelimit.Policy{Burst: 3, Rate: 1}
		ctx := context.Background()
		steps := []struct {
			name    string
			advance time.Duration
			want    time.Duration
		}{
			{"1st", 0, 0},
			{"2nd", 0, 0},
			{"3rd", 0, 0},
			{"4th waits a second", 0, time.Second},
			{"still waiting", 400 * time.Millisecond, 600 * time.Millisecond},
			{"a refused request costs nothing", 599 * time.Millisecond, time.Millisecond},
			{"after the wait", time.Millisecond, 0},
			{"then one a second again", 0, time.Second},
			{"a quiet minute fills the bucket", time.Minute, 0},
			{"2 of the new burst", 0, 0},
			{"3 of the new burst", 0, 0},
			{"and no more", 0, time.Second},
		}
		for _, s := range steps {
			clk.Advance(s.advance)
			if got := l.Take(ctx, "test", "192.0.2.1", p); got != s.want {
				t.Errorf("%s: Take = %v, want %v", s.name, got, s.want)
			}
		}
	})
}

// TestTwoReplicasShareABudget alternates requests between two Limiters on
// one database, as two replicas behind a load balancer: together they
// allow the one burst, not two.
func TestTwoReplicasShareABudget(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		dsn := b.NewDSN(t)
		replicas := []*ratelimit.Limiter{ratelimit.New(open(t, dsn), clk.Now, nil), ratelimit.New(open(t, dsn), clk.Now, nil)}
		p := ratelimit.Policy{Burst: 10, Rate: 1}
		allowed := 0
		for i := range 30 {
			if replicas[i%2].Take(context.Background(), "lookup", "192.0.2.1", p) == 0 {
				allowed++
			}
		}
		if allowed != 10 {
			t.Errorf("30 requests alternating over two replicas: %d allowed, want 10", allowed)
		}
	})
}

// TestConcurrentTakesCountEachOnce sends 60 requests at once through two
// replicas with the clock stopped: exactly the burst goes through, so the
// UPSERT counts each request once however they interleave.
func TestConcurrentTakesCountEachOnce(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		dsn := b.NewDSN(t)
		replicas := []*ratelimit.Limiter{ratelimit.New(open(t, dsn), clk.Now, nil), ratelimit.New(open(t, dsn), clk.Now, nil)}
		p := ratelimit.Policy{Burst: 20, Rate: 1}
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := range 60 {
			wg.Go(func() {
				if replicas[i%2].Take(context.Background(), "broker-token", "203.0.113.9", p) == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 20 {
			t.Errorf("60 requests at once: %d allowed, want exactly the burst of 20", allowed.Load())
		}
	})
}

// TestBurstDoesNotStarveOthers empties one address's bucket: another
// address, and the same address in another scope, still get their own.
func TestBurstDoesNotStarveOthers(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		l := ratelimit.New(open(t, b.NewDSN(t)), clk.Now, nil)
		p := ratelimit.Policy{Burst: 5, Rate: 0.1}
		ctx := context.Background()
		for range 50 {
			l.Take(ctx, "lookup", "192.0.2.66", p)
		}
		if l.Take(ctx, "lookup", "192.0.2.66", p) == 0 {
			t.Fatal("the bursting address was not refused")
		}
		for _, other := range []struct{ scope, key string }{{"lookup", "192.0.2.67"}, {"broker-signin", "192.0.2.66"}} {
			for i := range 5 {
				if wait := l.Take(ctx, other.scope, other.key, p); wait != 0 {
					t.Errorf("%s %s, request %d: refused for %v while another bucket is empty", other.scope, other.key, i+1, wait)
				}
			}
		}
	})
}

// TestSweepKeepsTheTableSmall makes 500 buckets, one request each: once
// they are full again and a sweep is due, their rows are gone.
func TestSweepKeepsTheTableSmall(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		db := open(t, b.NewDSN(t))
		l := ratelimit.New(db, clk.Now, nil)
		p := ratelimit.Policy{Burst: 20, Rate: 5}
		ctx := context.Background()
		for i := range 500 {
			l.Take(ctx, "lookup", "198.51.100."+string(rune('a'+i%26))+strings.Repeat("x", i/26), p)
		}
		if n := rows(t, db); n != 500 {
			t.Fatalf("after 500 addresses: %d rows, want 500", n)
		}
		clk.Advance(p.Refill() + ratelimit.SweepEvery)
		l.Take(ctx, "lookup", "192.0.2.1", p)
		if n := rows(t, db); n != 1 {
			t.Errorf("after a sweep: %d rows, want only the bucket just used", n)
		}
	})
}

// TestLongKeysAreHashed: a key from a header of any length makes a row of
// bounded size, and still its own bucket.
func TestLongKeysAreHashed(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		db := open(t, b.NewDSN(t))
		l := ratelimit.New(db, newClock().Now, nil)
		p := ratelimit.Policy{Burst: 1, Rate: 0.01}
		long := strings.Repeat("a", 10_000)
		if l.Take(context.Background(), "lookup", long, p) != 0 || l.Take(context.Background(), "lookup", long, p) == 0 {
			t.Error("a long key is not its own bucket")
		}
		var longest int
		if err := db.Read().QueryRow("SELECT max(length(bucket)) FROM rate_limits").Scan(&longest); err != nil || longest > 100 {
			t.Errorf("the longest bucket key is %d bytes (%v), want it hashed", longest, err)
		}
	})
}

// TestFailsOpen: a database that cannot be written lets requests through
// and logs once.
func TestFailsOpen(t *testing.T) {
	db := open(t, dirstoretest.Backends(t)[0].NewDSN(t))
	var log bytes.Buffer
	l := ratelimit.New(db, newClock().Now, slog.New(slog.NewTextHandler(&log, nil)))
	db.Close()
	p := ratelimit.Policy{Burst: 1, Rate: 0.01}
	for range 3 {
		if wait := l.Take(context.Background(), "lookup", "192.0.2.1", p); wait != 0 {
			t.Errorf("Take on a closed database = %v, want 0 (fail open)", wait)
		}
	}
	if n := strings.Count(log.String(), "could not count a request"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, log.String())
	}
}

func TestNilLimiterAndOffAllowEverything(t *testing.T) {
	var l *ratelimit.Limiter
	if l.Take(context.Background(), "lookup", "x", ratelimit.Policy{Burst: 1, Rate: 1}) != 0 {
		t.Error("a nil Limiter refused")
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		text string
		want ratelimit.Policy
		back string
	}{
		{"1000,20/s", ratelimit.Policy{Burst: 1000, Rate: 20}, "1000,20/s"},
		{"10,2/min", ratelimit.Policy{Burst: 10, Rate: 2.0 / 60}, "10,2/min"},
		{" 300 , 5/s ", ratelimit.Policy{Burst: 300, Rate: 5}, "300,5/s"},
		{"20,90/h", ratelimit.Policy{Burst: 20, Rate: 90.0 / 3600}, "20,90/h"},
		{"20,0.5/s", ratelimit.Policy{Burst: 20, Rate: 0.5}, "20,30/min"},
		{"off", ratelimit.Off, "off"},
	}
	for _, tt := range tests {
		got, err := ratelimit.ParsePolicy(tt.text)
		if err != nil || got != tt.want || got.String() != tt.back {
			t.Errorf("ParsePolicy(%q) = %+v (%q), %v; want %+v (%q)", tt.text, got, got.String(), err, tt.want, tt.back)
		}
	}
	for _, bad := range []string{"", "20", "20/s", "0,5/s", "10,0/s", "10,-1/s", "10,5/day", "x,5/s", "10,5"} {
		if _, err := ratelimit.ParsePolicy(bad); err == nil {
			t.Errorf("ParsePolicy(%q) accepted", bad)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for wait, want := range map[time.Duration]string{time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 90 * time.Second: "90"} {
		if got := ratelimit.RetryAfter(wait); got != want {
			t.Errorf("RetryAfter(%v) = %q, want %q", wait, got, want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"[::1]:80", "::/64"},
	}
	for _, tt := range tests {
		r := &http.Request{RemoteAddr: tt.remote}
		if got := ratelimit.ClientAddr(r); got != tt.want {
			t.Errorf("ClientAddr(%s) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// TestRefusalsAreRememberedUntilTheyEnd: once a bucket refuses, the
// replica answers its requests from memory until the wait is over (the
// database is not asked: here it is closed, and would let them through),
// with the wait shrinking as the clock moves; another bucket still goes
// to the database.
func TestRefusalsAreRememberedUntilTheyEnd(t *testing.T) {
	db := open(t, dirstoretest.Backends(t)[0].NewDSN(t))
	clk := newClock()
	l := ratelimit.New(db, clk.Now, nil)
	p := ratelimit.Policy{Burst: 1, Rate: 0.1}
	ctx := context.Background()
	l.Take(ctx, "lookup", "192.0.2.66", p)
	if wait := l.Take(ctx, "lookup", "192.0.2.66", p); wait != 10*time.Second {
		t.Fatalf("the refusal: %v, want 10s", wait)
	}
	db.Close()
	clk.Advance(4 * time.Second)
	if wait := l.Take(ctx, "lookup", "192.0.2.66", p); wait != 6*time.Second {
		t.Errorf("4 s later, with the database gone: %v, want the remembered 6s", wait)
	}
	if wait := l.Take(ctx, "lookup", "192.0.2.67", p); wait != 0 {
		t.Errorf("another address with the database gone: %v, want 0 (it asks the database, which fails open)", wait)
	}
	clk.Advance(6 * time.Second)
	if wait := l.Take(ctx, "lookup", "192.0.2.66", p); wait != 0 {
		t.Errorf("once the wait is over: %v, want it to ask the database again (closed: fail open)", wait)
	}
}
