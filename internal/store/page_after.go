package store

import (
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/paging"
)

// keyset describes how a list is ordered for keyset paging (see
// internal/paging): by the expression col, then by the unique id column,
// both ascending or both descending. col is "" for lists ordered by id
// alone; numeric says col holds integers (the cursor's key is then parsed
// as one, so that both engines compare numbers, not text).
type keyset struct {
	col     string
	id      string
	desc    bool
	numeric bool
}

// after is the condition keeping the rows that follow cursor c ("" at the
// start of the list). It is written as "col >= k AND (col > k OR id > i)"
// rather than as a row-value comparison so that an index on col alone
// bounds the scan on both engines. A key that cannot be the list's key is
// a bad cursor (400).
func (k keyset) after(c paging.Cursor, args *argList) (string, error) {
	if c.IsZero() {
		return "", nil
	}
	op := ">"
	if k.desc {
		op = "<"
	}
	if k.col == "" {
		return k.id + " " + op + " " + args.add(c.ID), nil
	}
	var key any = c.Key
	if k.numeric {
		n, err := strconv.ParseInt(c.Key, 10, 64)
		if err != nil {
			return "", apperr.E(apperr.BadRequest, "paging.err.cursor")
		}
		key = n
	}
	kp, ip := args.add(key), args.add(c.ID)
	return "(" + k.col + " " + op + "= " + kp + " AND (" + k.col + " " + op + " " + kp + " OR " + k.id + " " + op + " " + ip + "))", nil
}

// order is the ORDER BY of the list, with LIMIT n when n > 0.
func (k keyset) order(n int) string {
	dir := ""
	if k.desc {
		dir = " DESC"
	}
	q := " ORDER BY "
	if k.col != "" {
		q += k.col + dir + ", "
	}
	q += k.id + dir
	if n > 0 {
		q += " LIMIT " + strconv.Itoa(n)
	}
	return q
}
