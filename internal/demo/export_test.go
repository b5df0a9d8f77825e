package demo

import "dialtone/internal/sipregistrar"

// Bindings returns the demo registrar's live bindings of aor.
func (d *Demo) Bindings(aor string) []sipregistrar.Binding { return d.reg.Bindings(aor) }
