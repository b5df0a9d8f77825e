package main

import (
	"slices"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want stats
	}{
		{"one", []float64{3}, stats{3, 3, 3}},
		{"odd, unsorted", []float64{5, 1, 3}, stats{3, 1, 5}},
		{"even: mean of the middle two", []float64{4, 1, 2, 10}, stats{3, 1, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.xs); got != tt.want {
				t.Errorf("summarize(%v) = %+v, want %+v", tt.xs, got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	const status = "Name:\tdialtone\nVmPeak:\t 2000 kB\nVmRSS:\t  186000 kB\nRssAnon:\t  120000 kB\nRssFile:\t   66000 kB\nRssShmem:\t 0 kB\n"
	got, err := parseStatus(status)
	if want := (memory{rss: 186000, anon: 120000, file: 66000}); err != nil || got != want {
		t.Errorf("parseStatus = %+v, %v, want %+v", got, err, want)
	}
	if _, err := parseStatus("Name:\tx\nVmRSS:\t 1 kB\n"); err == nil {
		t.Error("parseStatus without RssAnon and RssFile: got no error")
	}
}

func TestParsePrograms(t *testing.T) {
	ps, err := parsePrograms([]string{"a", "x$", "/bin/a", "-v", "::", "b", "y", "/bin/b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].name != "a" || !slices.Equal(ps[0].argv, []string{"/bin/a", "-v"}) ||
		ps[1].name != "b" || !slices.Equal(ps[1].argv, []string{"/bin/b"}) {
		t.Errorf("parsePrograms = %+v, %+v, want a [/bin/a -v] and b [/bin/b]", *ps[0], *ps[1])
	}
	for _, args := range [][]string{nil, {"a", "x"}, {"a", "(", "/bin/a"}, {"a", "x", "/bin/a", "::"}} {
		if _, err := parsePrograms(args); err == nil {
			t.Errorf("parsePrograms(%q): got no error", args)
		}
	}
}
