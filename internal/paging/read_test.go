package paging

import (
	"errors"
	"testing"

	"kitei/internal/apperr"
)

func TestReadCountsReadsAndCuts(t *testing.T) {
	list := []int{1, 2, 3, 4, 5}
	count := func() (int, error) { return len(list), nil }
	var asked []int
	read := func(after Cursor, n int) ([]int, error) {
		asked = append(asked, int(after.ID), n)
		var out []int
		for _, v := range list {
			if int64(v) > after.ID && len(out) < n {
				out = append(out, v)
			}
		}
		return out, nil
	}
	key := func(v int) Cursor { return Cursor{ID: int64(v)} }

	p, err := Read(Request{Limit: 2}, count, read, key)
	if err != nil || len(p.Rows) != 2 || p.Rows[1] != 2 || p.Total != 5 || p.Next != (Cursor{ID: 2}).String() {
		t.Fatalf("first page %+v, %v", p, err)
	}
	if asked[0] != 0 || asked[1] != 3 {
		t.Fatalf("read asked for %v, want after 0, 3 rows", asked)
	}
	p, err = Read(Request{After: Cursor{ID: 4}, Limit: 2}, count, read, key)
	if err != nil || len(p.Rows) != 1 || p.Rows[0] != 5 || p.Next != "" || p.Total != 5 {
		t.Fatalf("last page %+v, %v", p, err)
	}
}

func TestReadSkipsAnEmptyListAndPassesErrors(t *testing.T) {
	read := func(Cursor, int) ([]int, error) { t.Fatal("an empty list is read"); return nil, nil }
	key := func(v int) Cursor { return Cursor{ID: int64(v)} }
	p, err := Read(Request{}, func() (int, error) { return 0, nil }, read, key)
	if err != nil || p.Rows != nil || p.Next != "" || p.Total != 0 {
		t.Fatalf("empty page %+v, %v", p, err)
	}
	boom := errors.New("boom")
	if _, err := Read(Request{}, func() (int, error) { return 0, boom }, read, key); err != boom {
		t.Fatalf("count error %v", err)
	}
	_, err = Read(Request{}, func() (int, error) { return 1, nil }, func(Cursor, int) ([]int, error) { return nil, boom }, key)
	if err != boom {
		t.Fatalf("read error %v", err)
	}
	// With a cursor an empty list is still read, so that a cursor the
	// list cannot use is refused there.
	bad := func(Cursor, int) ([]int, error) { return nil, boom }
	if _, err := Read(Request{After: Cursor{Key: "x", ID: 3}}, func() (int, error) { return 0, nil }, bad, key); err != boom {
		t.Fatalf("a cursor on an empty list: %v", err)
	}
}

func TestIDOnlyRefusesAKeyedCursor(t *testing.T) {
	if err := IDOnly(Request{After: Cursor{ID: 7}}); err != nil {
		t.Fatalf("id cursor refused: %v", err)
	}
	var e *apperr.Error
	if err := IDOnly(Request{After: Cursor{Key: "2025-04-01", ID: 7}}); !errors.As(err, &e) || e.Code != apperr.BadRequest {
		t.Fatalf("keyed cursor: err = %v, want a BadRequest", err)
	}
}

func TestSeekFindsThePageAfterTheCursor(t *testing.T) {
	rows := []int{2, 4, 4, 6, 8, 10}
	follows := func(v int, c Cursor) bool { return int64(v) > c.ID }
	key := func(v int) Cursor { return Cursor{ID: int64(v)} }
	page, next := Seek(rows, Request{Limit: 2}, follows, key)
	if len(page) != 2 || page[0] != 2 || page[1] != 4 || next == "" {
		t.Fatalf("first page %v, next %q", page, next)
	}
	page, next = Seek(rows, Request{After: Cursor{ID: 6}, Limit: 2}, follows, key)
	if len(page) != 2 || page[0] != 8 || page[1] != 10 || next != "" {
		t.Fatalf("last page %v, next %q", page, next)
	}
	if page, next := Seek(rows, Request{After: Cursor{ID: 10}, Limit: 2}, follows, key); len(page) != 0 || next != "" {
		t.Fatalf("past the end %v, next %q", page, next)
	}
}
