package broker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"dialtone/internal/sealed"
)

// Re-sealing: the pass of a rotation of the directory's secret key that
// moves every sealed value under the key that now seals (the first of the
// key file), so that the older keys can be retired. It runs beside live
// replicas: each value is replaced only if it is still the one read (a
// replica that changed it meanwhile sealed it itself), and a value that
// opens with none of the keys is reported and left alone.

// sealedColumn is a column of sealed values and how its rows are named.
type sealedColumn struct {
	what    string   // for the report
	table   string   // the table
	column  string   // the sealed column
	keys    []string // the row's primary key
	context func(key []any) string
}

// sealedColumns are every sealed value the directory keeps.
var sealedColumns = []sealedColumn{
	{"client secrets of Brokered providers", "providers", "secret_sealed", []string{"account_id", "id"},
		func(k []any) string { return SecretContext(asInt(k[0]), asString(k[1])) }},
	{"signing keys", "broker_keys", "private_sealed", []string{"kid"},
		func(k []any) string { return "signing-key " + asString(k[0]) }},
	{"upstream refresh tokens", "broker_sessions", "upstream_sealed", []string{"id"},
		func(k []any) string { return upstreamContext(asString(k[0])) }},
	{"sign-ins in progress", "broker_flows", "flow_sealed", []string{"state_sha256"},
		func(k []any) string { return flowContext(asString(k[0])) }},
}

// ResealReport is what a re-sealing pass found and did.
type ResealReport struct {
	// Key is the ID of the key values are now sealed under; Keys, every
	// key's, newest first.
	Key  string
	Keys []string
	// Columns has one count per kind of sealed value.
	Columns []ResealCount
}

// ResealCount counts the values of one kind.
type ResealCount struct {
	What string
	// Resealed were moved under the sealing key; Current already were.
	Resealed, Current int
	// Changed were changed by a replica between the pass's read and its
	// write, and left as the replica wrote them (under its sealing key).
	Changed int
	// Unopened name the rows whose value opens with none of the keys:
	// sealed under a key not in the key file. Their secrets are lost
	// unless that key comes back.
	Unopened []string
}

// Done reports whether every value is now sealed under Key: nothing
// changed meanwhile, nothing that does not open. Only then may the older
// keys be retired.
func (r *ResealReport) Done() bool {
	for _, c := range r.Columns {
		if c.Changed > 0 || len(c.Unopened) > 0 {
			return false
		}
	}
	return true
}

// resealPage is how many rows a pass reads, and re-seals in one
// transaction, at a time.
const resealPage = 200

// Reseal moves every sealed value of the directory's database under key's
// sealing key (its first), opening each with any of its keys. It may run
// while replicas serve.
func Reseal(ctx context.Context, db DB, key *sealed.Key) (*ResealReport, error) {
	r := &ResealReport{Key: key.ID(), Keys: key.IDs()}
	for _, col := range sealedColumns {
		count, err := col.reseal(ctx, db, key)
		if err != nil {
			return r, fmt.Errorf("broker: could not re-seal the %s: %w", col.what, err)
		}
		r.Columns = append(r.Columns, count)
	}
	return r, nil
}

// sealedRow is a row's key and sealed value as read.
type sealedRow struct {
	key   []any
	value string
}

func (col sealedColumn) reseal(ctx context.Context, db DB, key *sealed.Key) (ResealCount, error) {
	count := ResealCount{What: col.what}
	var after []any
	for {
		rows, err := col.page(ctx, db, after)
		if err != nil || len(rows) == 0 {
			return count, err
		}
		if err := col.resealRows(ctx, db, key, rows, &count); err != nil {
			return count, err
		}
		after = rows[len(rows)-1].key
	}
}

// page reads the next rows after the key after (nil: from the first), in
// key order.
func (col sealedColumn) page(ctx context.Context, db DB, after []any) ([]sealedRow, error) {
	keys := strings.Join(col.keys, ", ")
	q := "SELECT " + keys + ", " + col.column + " FROM " + col.table + " WHERE " + col.column + " <> ''"
	if after != nil {
		q += " AND (" + keys + ") > (" + placeholders(1, len(after)) + ")"
	}
	q += fmt.Sprintf(" ORDER BY %s LIMIT %d", keys, resealPage)
	rs, err := db.Read().QueryContext(ctx, q, after...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []sealedRow
	for rs.Next() {
		row := sealedRow{key: make([]any, len(col.keys))}
		dest := make([]any, len(col.keys)+1)
		for i := range row.key {
			dest[i] = &row.key[i]
		}
		dest[len(col.keys)] = &row.value
		if err := rs.Scan(dest...); err != nil {
			return nil, err
		}
		for i, k := range row.key {
			if b, ok := k.([]byte); ok {
				row.key[i] = string(b) // passed back as the text it is
			}
		}
		out = append(out, row)
	}
	return out, rs.Err()
}

// resealRows re-seals a page in one transaction; each row only if its
// value is still the one read.
func (col sealedColumn) resealRows(ctx context.Context, db DB, key *sealed.Key, rows []sealedRow, count *ResealCount) error {
	where := make([]string, len(col.keys))
	for i, k := range col.keys {
		where[i] = fmt.Sprintf("%s = $%d", k, i+2)
	}
	update := "UPDATE " + col.table + " SET " + col.column + " = $1 WHERE " + strings.Join(where, " AND ") +
		fmt.Sprintf(" AND %s = $%d", col.column, len(col.keys)+2)
	return db.Tx(ctx, func(tx *sql.Tx) error {
		for _, row := range rows {
			out, changed, err := key.Reseal(row.value, col.context(row.key))
			switch {
			case errors.Is(err, sealed.ErrOpen):
				count.Unopened = append(count.Unopened, col.name(row.key))
				continue
			case err != nil:
				return err
			case !changed:
				count.Current++
				continue
			}
			res, err := tx.ExecContext(ctx, update, append(append([]any{out}, row.key...), row.value)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				count.Resealed++
			} else {
				count.Changed++
			}
		}
		return nil
	})
}

// name names a row for the report: its table and key, nothing secret.
func (col sealedColumn) name(key []any) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = fmt.Sprintf("%s=%v", col.keys[i], k)
	}
	return col.table + " " + strings.Join(parts, " ")
}

func placeholders(from, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(p, ", ")
}

func asString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func asInt(v any) int64 {
	n, _ := v.(int64)
	return n
}
