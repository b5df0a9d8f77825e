package dirserver

import (
	"dialtone/internal/dirstore/dirstoretest"
	"net/http"
	"sync"
	"testing"
	"time"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)} }

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

// testClientAddr lets a test speak from many client addresses over one
// loopback connection.
func testClientAddr(r *http.Request) string { return r.Header.Get("X-Test-Client") }

const wrongToken = "wrong-token-wrong-token-0000"

// tryToken sends an admin API request from client with token and returns
// the status and Retry-After.
func (d *testDir) tryToken(t testing.TB, client, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", d.URL+"/admin/v1/accounts", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Test-Client", client)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func TestAdminTokenBackoffPerAddress(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		d := newTestDirOn(t, b, Options{Now: clk.Now, ClientAddr: testClientAddr})
		const attacker, admin = "192.0.2.1", "198.51.100.7"
		steps := []struct {
			name          string
			advance       time.Duration
			client, token string
			status        int
			retryAfter    string
		}{
			{"1st failure", 0, attacker, wrongToken, 401, ""},
			{"2nd failure", 0, attacker, wrongToken, 401, ""},
			{"3rd failure", 0, attacker, wrongToken, 401, ""},
			{"4th failure", 0, attacker, wrongToken, 401, ""},
			{"5th failure", 0, attacker, wrongToken, 401, ""},
			{"6th failure waits 1 s", 0, attacker, wrongToken, 429, "1"},
			{"the right token during the wait is not looked at", 0, attacker, testToken, 429, "1"},
			{"the admin from another address is not locked out", 0, admin, testToken, 200, ""},
			{"another address has its own free failures", 0, admin, wrongToken, 401, ""},
			{"7th failure waits 2 s", time.Second, attacker, wrongToken, 429, "2"},
			{"still waiting", time.Second, attacker, wrongToken, 429, "1"},
			{"8th failure waits 4 s", time.Second, attacker, wrongToken, 429, "4"},
			{"the right token after the wait", 4 * time.Second, attacker, testToken, 200, ""},
			{"a success forgets the failures", 0, attacker, wrongToken, 401, ""},
		}
		for _, s := range steps {
			clk.Advance(s.advance)
			status, retry := d.tryToken(t, s.client, s.token)
			if status != s.status || retry != s.retryAfter {
				t.Errorf("%s: %d Retry-After %q, want %d %q", s.name, status, retry, s.status, s.retryAfter)
			}
		}
	})
}

// TestAdminTokenGuessRate guesses ten times a second for a minute from
// one address: the back-off lets a handful of guesses be looked at, where
// a rate limit of 5 a second let 300.
func TestAdminTokenGuessRate(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		d := newTestDirOn(t, b, Options{Now: clk.Now, ClientAddr: testClientAddr})
		looked := 0
		for range 600 {
			status, retry := d.tryToken(t, "192.0.2.1", wrongToken)
			switch {
			case status == 401:
				looked++
			case status == 429 && retry != "":
			default:
				t.Fatalf("status %d Retry-After %q, want 401, or 429 with Retry-After", status, retry)
			}
			clk.Advance(100 * time.Millisecond)
		}
		if looked > 5 {
			t.Errorf("%d wrong tokens answered 401 in a minute, want at most the 5 free ones", looked)
		}
	})
}

// TestAdminTokenBurstIsCountedOneByOne sends 40 guesses at once from one
// address: only the free ones are looked at.
func TestAdminTokenBurstIsCountedOneByOne(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{ClientAddr: testClientAddr})
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				status, _ := d.tryToken(t, "192.0.2.1", wrongToken)
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if statuses[401] != 5 || statuses[429] != 35 {
			t.Errorf("40 guesses at once: %v, want 5 × 401 and 35 × 429", statuses)
		}
	})
}

// TestAdminTokenGlobalLimit spreads failures over many addresses: past the
// global limit an unknown address is refused even with the right token,
// while an address that signed in before still gets in.
func TestAdminTokenGlobalLimit(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		d := newTestDirOn(t, b, Options{Now: clk.Now, ClientAddr: testClientAddr})
		d.backoff.Global = 10
		const known, fresh = "198.51.100.7", "203.0.113.9"
		if status, _ := d.tryToken(t, known, testToken); status != 200 {
			t.Fatalf("the admin's first sign-in: %d", status)
		}
		for i := range 10 {
			if status, _ := d.tryToken(t, "192.0.2."+string(rune('a'+i)), wrongToken); status != 401 {
				t.Fatalf("failure %d from its own address: %d, want 401", i, status)
			}
		}
		if status, retry := d.tryToken(t, fresh, testToken); status != 429 || retry == "" {
			t.Errorf("an unknown address past the global limit: %d Retry-After %q, want 429 with Retry-After", status, retry)
		}
		if status, _ := d.tryToken(t, known, testToken); status != 200 {
			t.Errorf("the known admin address past the global limit: %d, want 200", status)
		}
		clk.Advance(time.Minute)
		if status, _ := d.tryToken(t, fresh, testToken); status != 200 {
			t.Errorf("an unknown address the next minute: %d, want 200", status)
		}
	})
}

// TestSignInForgetsOldBackoffRows: an address quiet for longer than the
// policy remembers is deleted at the next sign-in.
func TestSignInForgetsOldBackoffRows(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		clk := newClock()
		d := newTestDirOn(t, b, Options{Now: clk.Now, ClientAddr: testClientAddr})
		d.tryToken(t, "192.0.2.1", wrongToken)
		clk.Advance(25 * time.Hour)
		c := newPageClient(t, d)
		c.signIn()
		var n int
		if err := d.store.db.Read().QueryRow("SELECT count(*) FROM admin_backoff WHERE client = '192.0.2.1'").Scan(&n); err != nil || n != 0 {
			t.Errorf("192.0.2.1's back-off rows after a day and a sign-in: %d, %v; want 0", n, err)
		}
	})
}
