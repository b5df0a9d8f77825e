package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// launchConfig is what "dialtone-bench launch" measures.
type launchConfig struct {
	runs, warmup int
	marks        []namedRE // when each first matched, up to the program's until line
	counts       []namedRE // how many lines matched, up to the until line
	lasts        []namedRE // the number in the last line matched, up to the memory reading
	idle         time.Duration
	timeout      time.Duration
	programs     []*program
	log          io.Writer
}

// program is one of the programs launched in turn, and what its launches
// measured.
type program struct {
	name    string
	until   *regexp.Regexp
	argv    []string
	results []launchRun
}

// namedRE is a -mark, -count or -last flag: NAME=REGEXP.
type namedRE struct {
	name string
	re   *regexp.Regexp
}

// launchRun is what one launch measured.
type launchRun struct {
	reached time.Duration
	mem     memory
	marks   map[string]time.Duration
	counts  map[string]int
	lasts   map[string]float64
}

// groupSep separates the programs on the command line.
const groupSep = "::"

func parseLaunch(args []string, stderr io.Writer) (*launchConfig, error) {
	fs := flag.NewFlagSet("dialtone-bench launch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &launchConfig{log: io.Discard}
	fs.IntVar(&c.runs, "runs", 10, "how many measured launches of each program")
	fs.IntVar(&c.warmup, "warmup", 1, "how many launches of each program to make first and not count")
	fs.Func("mark", "`NAME=REGEXP`: also time the first line matching REGEXP (repeatable)", namedFlag(&c.marks))
	fs.Func("count", "`NAME=REGEXP`: count the lines matching REGEXP up to the end of the launch (repeatable)", namedFlag(&c.counts))
	fs.Func("last", "`NAME=REGEXP`: report the number that REGEXP's first group matches in the last line it matches, by the time the memory is read (repeatable)", namedFlag(&c.lasts))
	fs.DurationVar(&c.idle, "idle", 5*time.Second, "how long to leave the program idle before reading its VmRSS")
	fs.DurationVar(&c.timeout, "timeout", time.Minute, "the longest one launch may take")
	logPath := fs.String("log", "", "append the programs' output to this `file`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: dialtone-bench launch [flags] NAME UNTIL PROGRAM [ARG...] [%s NAME UNTIL PROGRAM [ARG...]]...\n", groupSep)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.runs < 1 || c.warmup < 0 {
		return nil, errors.New("launch: -runs must be at least 1 and -warmup at least 0")
	}
	var err error
	if c.programs, err = parsePrograms(fs.Args()); err != nil {
		return nil, err
	}
	if *logPath != "" {
		c.log, err = os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	}
	return c, err
}

// parsePrograms reads NAME UNTIL PROGRAM [ARG...] groups separated by ::.
func parsePrograms(args []string) ([]*program, error) {
	if len(args) == 0 {
		return nil, errors.New("launch: no program given")
	}
	var ps []*program
	for group := range splitOn(args, groupSep) {
		if len(group) < 3 {
			return nil, fmt.Errorf("launch: %q is not NAME UNTIL PROGRAM [ARG...]", strings.Join(group, " "))
		}
		until, err := regexp.Compile(group[1])
		if err != nil {
			return nil, fmt.Errorf("launch: %s's UNTIL: %w", group[0], err)
		}
		ps = append(ps, &program{name: group[0], until: until, argv: group[2:]})
	}
	return ps, nil
}

// splitOn yields the runs of args between the separators sep.
func splitOn(args []string, sep string) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		for {
			i := slices.Index(args, sep)
			if i < 0 {
				yield(args)
				return
			}
			if !yield(args[:i]) {
				return
			}
			args = args[i+1:]
		}
	}
}

// namedFlag parses NAME=REGEXP flags into list.
func namedFlag(list *[]namedRE) func(string) error {
	return func(s string) error {
		name, expr, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return fmt.Errorf("%q is not NAME=REGEXP", s)
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return err
		}
		*list = append(*list, namedRE{name, re})
		return nil
	}
}

// launchCommand launches the programs in turn, one at a time, c.warmup +
// c.runs times each, and prints the medians. Taking turns puts every
// program under the same drift of the machine's load.
func launchCommand(args []string, stdout, stderr io.Writer) error {
	c, err := parseLaunch(args, stderr)
	if err != nil {
		return err
	}
	for i := range c.warmup + c.runs {
		for _, p := range c.programs {
			if err := c.launch(p, i, stderr); err != nil {
				return err
			}
		}
	}
	for _, p := range c.programs {
		c.printSummary(stdout, p)
	}
	return nil
}

// launch makes launch number i of p and keeps its result unless it is a
// warm-up.
func (c *launchConfig) launch(p *program, i int, stderr io.Writer) error {
	label := fmt.Sprintf("%s launch %d of %d", p.name, i+1-c.warmup, c.runs)
	if i < c.warmup {
		label = fmt.Sprintf("%s warm-up launch %d of %d", p.name, i+1, c.warmup)
	}
	fmt.Fprintf(c.log, "== %s: %s\n", label, strings.Join(p.argv, " "))
	r, err := c.launchOnce(p, i >= c.warmup)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	if i < c.warmup {
		fmt.Fprintf(stderr, "  %-34s %7.1f ms%s\n", label+":", ms(r.reached), r.describeCounts())
		return nil
	}
	fmt.Fprintf(stderr, "  %-34s %7.1f ms, VmRSS %6.1f MiB%s\n", label+":", ms(r.reached), mib(r.mem.rss), r.describeCounts())
	p.results = append(p.results, r)
	return nil
}

// launchOnce starts p, waits for its until line, and stops it; if measured,
// it first leaves p idle for c.idle and reads its memory.
func (c *launchConfig) launchOnce(p *program, measured bool) (launchRun, error) {
	pr, err := startProc(p.argv, os.Environ(), c.log)
	if err != nil {
		return launchRun{}, err
	}
	defer pr.stop()
	last, err := pr.waitFor(p.until, 0, c.timeout)
	if err != nil {
		return launchRun{}, err
	}
	lines := pr.linesUpTo(last)
	r := launchRun{reached: lines[last].at.Sub(pr.start), marks: map[string]time.Duration{}, counts: map[string]int{}, lasts: map[string]float64{}}
	c.scan(pr.start, lines, &r)
	if !measured {
		return r, nil
	}
	select {
	case <-pr.done:
		return r, fmt.Errorf("%s exited while idle", pr.name)
	case <-time.After(c.idle): // a measurement, not a test: a fixed idle period is the point
	}
	r.mem, err = pr.memory()
	c.scanLasts(pr.linesUpTo(-1), &r)
	return r, err
}

// scan notes the -mark and -count lines among lines.
func (c *launchConfig) scan(start time.Time, lines []line, r *launchRun) {
	for _, l := range lines {
		for _, m := range c.marks {
			if _, seen := r.marks[m.name]; !seen && m.re.MatchString(l.text) {
				r.marks[m.name] = l.at.Sub(start)
			}
		}
		for _, n := range c.counts {
			if n.re.MatchString(l.text) {
				r.counts[n.name]++
			}
		}
	}
}

// scanLasts notes the -last numbers among lines.
func (c *launchConfig) scanLasts(lines []line, r *launchRun) {
	for _, l := range lines {
		for _, n := range c.lasts {
			m := n.re.FindStringSubmatch(l.text)
			if len(m) < 2 {
				continue
			}
			if x, err := strconv.ParseFloat(m[1], 64); err == nil {
				r.lasts[n.name] = x
			}
		}
	}
}

func (r launchRun) describeCounts() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(r.counts)) {
		fmt.Fprintf(&b, ", %d %s", r.counts[name], name)
	}
	return b.String()
}
