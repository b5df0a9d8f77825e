package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Policy is a bucket's budget: Burst requests at once, then Rate requests
// a second. A Rate of zero or less means no limit (Off). Configuration
// structs treat the zero Policy as "the default" (see Or).
type Policy struct {
	Burst int
	Rate  float64
}

// Off never refuses.
var Off = Policy{Rate: -1}

// Limited reports whether p refuses anything.
func (p Policy) Limited() bool { return p.Rate > 0 }

// Or returns p, or def when p is the zero Policy.
func (p Policy) Or(def Policy) Policy {
	if p == (Policy{}) {
		return def
	}
	return p
}

func (p Policy) burst() int { return max(p.Burst, 1) }

// interval is the time one request takes from the bucket, in
// microseconds: 1/Rate, at least 1.
func (p Policy) interval() int64 {
	return max(1, int64(math.Round(1e6/p.Rate)))
}

// Refill is how long an empty bucket takes to be full again.
func (p Policy) Refill() time.Duration {
	if !p.Limited() {
		return 0
	}
	return time.Duration(int64(p.burst())*p.interval()) * time.Microsecond
}

// units are the rates' units in text, smallest first.
var units = []struct {
	name string
	per  float64 // seconds
}{{"s", 1}, {"min", 60}, {"h", 3600}}

// String writes p as ParsePolicy reads it: "1000,20/s", "10,2/min", "off".
// The rate is written in the smallest unit that makes it a whole number.
func (p Policy) String() string {
	if !p.Limited() {
		return "off"
	}
	u := units[0]
	for _, c := range units {
		if n := p.Rate * c.per; n >= 1 && math.Abs(n-math.Round(n)) < 1e-9 {
			u = c
			break
		}
	}
	rate := strconv.FormatFloat(math.Round(p.Rate*u.per*1e6)/1e6, 'f', -1, 64)
	return strconv.Itoa(p.burst()) + "," + rate + "/" + u.name
}

// ParsePolicy reads "BURST,RATE/UNIT" — such as "1000,20/s" (1000 at once,
// then 20 a second) or "10,2/min"; UNIT is s, min or h — or "off".
func ParsePolicy(text string) (Policy, error) {
	text = strings.TrimSpace(text)
	if text == "off" {
		return Off, nil
	}
	burst, rate, ok := strings.Cut(text, ",")
	n, unit, ok2 := strings.Cut(rate, "/")
	b, err := strconv.Atoi(strings.TrimSpace(burst))
	r, err2 := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if !ok || !ok2 || err != nil || err2 != nil || b < 1 || r <= 0 || math.IsInf(r, 0) {
		return Policy{}, fmt.Errorf("ratelimit: %q is not BURST,RATE/UNIT (such as 1000,20/s or 10,2/min) or off", text)
	}
	for _, u := range units {
		if strings.TrimSpace(unit) == u.name {
			return Policy{Burst: b, Rate: r / u.per}, nil
		}
	}
	return Policy{}, fmt.Errorf("ratelimit: the unit of %q is not s, min or h", text)
}

// Set implements flag.Value.
func (p *Policy) Set(text string) error {
	parsed, err := ParsePolicy(text)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}
