package paging

import (
	"net/url"
	"strconv"

	"kitei/internal/apperr"
)

// Limits of a page: Default rows when the caller names none, Max at most.
const (
	Default = 50
	Max     = 1000
)

// Request is one page asked for: the rows after After, at most Limit.
type Request struct {
	After Cursor
	Limit int
}

// Fetch is how many rows a store reads for r: one more than the page, so
// that Cut can tell whether another page follows.
func (r Request) Fetch() int { return r.limit() + 1 }

func (r Request) limit() int {
	if r.Limit <= 0 {
		return Default
	}
	return min(r.Limit, Max)
}

// FromQuery reads ?after= and ?limit= with def rows by default (0: Default).
// A limit outside 1…Max or a cursor that is not one is refused with a 400.
func FromQuery(q url.Values, def int) (Request, error) {
	if def <= 0 {
		def = Default
	}
	r := Request{Limit: def}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > Max {
			return Request{}, apperr.E(apperr.BadRequest, "paging.err.limit", Max)
		}
		r.Limit = n
	}
	c, err := Parse(q.Get("after"))
	if err != nil {
		return Request{}, err
	}
	r.After = c
	return r, nil
}

// Cut trims rows read with r.Fetch() to the page and returns the cursor of
// the next page ("" when this is the last one); key names a row.
func Cut[T any](rows []T, r Request, key func(T) Cursor) ([]T, string) {
	n := r.limit()
	if len(rows) <= n {
		return rows, ""
	}
	rows = rows[:n]
	return rows, key(rows[n-1]).String()
}

// Page is one page of a list as a service returns it: its rows, the cursor
// of the page after it ("" on the last) and how many rows the whole list
// holds (-1 when the list does not count them).
type Page[T any] struct {
	Rows  []T
	Next  string
	Total int
}
