package dirstore

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWALStaysBounded writes as fast as it can while readers read without
// a pause, the load under which SQLite's own checkpoints never start the
// WAL afresh: the WAL file still stays near its limit, and no write waits
// long for the checkpoints (a RESTART that waited for the readers as long
// as the busy timeout held writes off for 10 s).
func TestWALStaysBounded(t *testing.T) {
	limit, poll := walSizeLimit, walPoll
	walSizeLimit, walPoll = 1<<20, 20*time.Millisecond
	t.Cleanup(func() { walSizeLimit, walPoll = limit, poll })
	path := filepath.Join(t.TempDir(), "directory.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				// One statement of a few hundred microseconds, as a
				// lookup is; eight of them overlap all the time.
				db.Read().QueryRowContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
					SELECT count(*) FROM n, rate_limits`).Scan(new(int))
			}
		})
	}
	var largest int64
	var slowest time.Duration
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		start := time.Now()
		if _, err := db.WriteUnchecked().ExecContext(ctx, "INSERT INTO rate_limits(bucket, tat) VALUES($1, $2) ON CONFLICT(bucket) DO UPDATE SET tat = excluded.tat", "b", i); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		if info, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, info.Size())
		}
	}
	stop.Store(true)
	wg.Wait()
	if largest > 8<<20 {
		t.Errorf("the WAL grew to %d MiB under steady writes and reads; want it near its limit of 1 MiB", largest>>20)
	}
	if slowest > 3*time.Second {
		t.Errorf("a write waited %v for the checkpoints", slowest)
	}
	t.Logf("the largest WAL: %d KiB; the slowest write: %v", largest>>10, slowest)
}
