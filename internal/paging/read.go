package paging

import (
	"sort"

	"kitei/internal/apperr"
)

// Read is one page of a list as services build it: count says how many rows
// the whole list holds; when there are any, read is asked for the limit rows
// after after (limit is r.Fetch(), one more than the page) and Cut trims
// them to the page, key naming a row. An empty list is not read unless a
// cursor was given: read is where a cursor that does not fit the list is
// refused, and a bad cursor is a 400 whether or not the list has rows.
func Read[T any](r Request, count func() (int, error), read func(after Cursor, limit int) ([]T, error), key func(T) Cursor) (Page[T], error) {
	var p Page[T]
	var err error
	if p.Total, err = count(); err != nil || p.Total == 0 && r.After.IsZero() {
		return p, err
	}
	rows, err := read(r.After, r.Fetch())
	if err != nil {
		return p, err
	}
	p.Rows, p.Next = Cut(rows, r, key)
	return p, nil
}

// IDOnly refuses, with a 400 naming the cursor, a cursor that names a sort
// key in a list ordered by id alone (it was made for another list).
func IDOnly(r Request) error {
	if r.After.Key != "" {
		return apperr.E(apperr.BadRequest, "paging.err.cursor")
	}
	return nil
}

// Seek is the page req asks for of rows held in memory, already in the
// list's order: the rows after the cursor (follows says whether a row
// comes after it), cut to the page as Cut does.
func Seek[T any](rows []T, req Request, follows func(row T, after Cursor) bool, key func(T) Cursor) ([]T, string) {
	start := 0
	if !req.After.IsZero() {
		start = sort.Search(len(rows), func(i int) bool { return follows(rows[i], req.After) })
	}
	return Cut(rows[start:min(len(rows), start+req.Fetch())], req, key)
}
