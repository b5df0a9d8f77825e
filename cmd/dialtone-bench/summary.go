package main

import (
	"fmt"
	"io"
	"slices"
)

// stats are the median and range of a set of measurements.
type stats struct {
	median, min, max float64
}

// summarize returns the median, minimum and maximum of xs, which must not
// be empty. The median of an even number of values is the mean of the
// middle two.
func summarize(xs []float64) stats {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return stats{median: med, min: s[0], max: s[n-1]}
}

// printSummary prints p's medians, minima and maxima as NAME.KEY=VALUE
// lines. A mark or a last number is printed only if every launch of p saw
// it, a count only if some launch did.
func (c *launchConfig) printSummary(w io.Writer, p *program) {
	fmt.Fprintf(w, "%s.runs=%d\n", p.name, len(p.results))
	printStat(w, p.name+".launch_ms", collect(p.results, func(r launchRun) (float64, bool) { return ms(r.reached), true }))
	printStat(w, p.name+".rss_mib", collect(p.results, func(r launchRun) (float64, bool) { return mib(r.mem.rss), true }))
	printStat(w, p.name+".anon_mib", collect(p.results, func(r launchRun) (float64, bool) { return mib(r.mem.anon), true }))
	printStat(w, p.name+".file_mib", collect(p.results, func(r launchRun) (float64, bool) { return mib(r.mem.file), true }))
	for _, m := range c.marks {
		printStat(w, p.name+".mark_"+m.name+"_ms", collect(p.results, func(r launchRun) (float64, bool) {
			d, ok := r.marks[m.name]
			return ms(d), ok
		}))
	}
	for _, n := range c.lasts {
		printStat(w, p.name+".last_"+n.name, collect(p.results, func(r launchRun) (float64, bool) {
			x, ok := r.lasts[n.name]
			return x, ok
		}))
	}
	for _, n := range c.counts {
		xs := collect(p.results, func(r launchRun) (float64, bool) { return float64(r.counts[n.name]), true })
		if summarize(xs).max > 0 {
			printStat(w, p.name+".count_"+n.name, xs)
		}
	}
}

func printStat(w io.Writer, key string, xs []float64) {
	if xs == nil {
		return
	}
	s := summarize(xs)
	fmt.Fprintf(w, "%s=%.1f\n%s_min=%.1f\n%s_max=%.1f\n", key, s.median, key, s.min, key, s.max)
}

// collect returns f of every run, or nil if f has no value for one of them.
func collect(runs []launchRun, f func(launchRun) (float64, bool)) []float64 {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		x, ok := f(r)
		if !ok {
			return nil
		}
		xs[i] = x
	}
	return xs
}

// mib is kib in MiB.
func mib(kib int) float64 { return float64(kib) / 1024 }
