package sipregistrar

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// Binding is one registered contact of an address of record.
type Binding struct {
	Contact string    // the contact URI as registered
	Expires time.Time // when it lapses
	CallID  string
	CSeq    uint32
}

// table is the location table: bindings by address of record.
type table struct {
	mu   sync.Mutex
	aors map[string][]Binding
}

func newTable() *table { return &table{aors: map[string][]Binding{}} }

// aorKey normalises "sip:User@Host" to "user@host" for lookups.
func aorKey(aor string) string {
	_, rest, ok := strings.Cut(aor, ":")
	if !ok {
		rest = aor
	}
	return strings.ToLower(rest)
}

// bindings returns aor's bindings still valid at now.
func (t *table) bindings(aor string, now time.Time) []Binding {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(t.aors[aor]), func(b Binding) bool { return !b.Expires.After(now) })
}

// update applies one REGISTER's contacts: an expiry at or before now
// removes the contact. It refuses the whole request, returning false, when
// a contact's CSeq is not newer than the one stored for the same Call-ID
// (RFC 3261 §10.3 step 7).
func (t *table) update(aor string, changes []Binding, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := slices.DeleteFunc(slices.Clone(t.aors[aor]), func(b Binding) bool { return !b.Expires.After(now) })
	for _, c := range changes {
		i := slices.IndexFunc(list, func(b Binding) bool { return b.Contact == c.Contact })
		if i >= 0 && list[i].CallID == c.CallID && c.CSeq <= list[i].CSeq {
			return false
		}
	}
	for _, c := range changes {
		list = slices.DeleteFunc(list, func(b Binding) bool { return b.Contact == c.Contact })
		if c.Expires.After(now) {
			list = append(list, c)
		}
	}
	t.aors[aor] = list
	return true
}

// clear removes every binding of aor (Contact: *).
func (t *table) clear(aor string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.aors, aor)
}
