package pagingtest

import (
	"slices"
	"testing"

	"kitei/internal/paging"
)

func TestWalkReadsEveryPage(t *testing.T) {
	list := []int{1, 2, 3, 4, 5, 6, 7}
	read := func(pr paging.Request) (paging.Page[int], error) {
		return paging.Read(pr, func() (int, error) { return len(list), nil }, func(after paging.Cursor, n int) ([]int, error) {
			var out []int
			for _, v := range list {
				if int64(v) > after.ID && len(out) < n {
					out = append(out, v)
				}
			}
			return out, nil
		}, func(v int) paging.Cursor { return paging.Cursor{ID: int64(v)} })
	}
	for _, limit := range []int{1, 3, 7, 100} {
		if got := Walk(t, limit, read, func(v int) int { return v }); !slices.Equal(got, list) {
			t.Fatalf("limit %d: %v", limit, got)
		}
	}
}

// failing is a testing.TB whose Fatal stops the walk with a panic.
type failing struct{ testing.TB }

func (failing) Helper()               {}
func (failing) Fatal(...any)          { panic("failed") }
func (failing) Fatalf(string, ...any) { panic("failed") }

func TestWalkFailsABadList(t *testing.T) {
	one := func(v int) paging.Cursor { return paging.Cursor{ID: int64(v)} }
	for name, pg := range map[string]paging.Page[int]{
		"too long":        {Rows: []int{1, 2, 3}, Total: 3},
		"short with next": {Rows: []int{1}, Next: one(1).String(), Total: 3},
		"wrong total":     {Rows: []int{1, 2}, Total: 5},
		"endless":         {Rows: []int{1, 2}, Next: one(2).String(), Total: 2},
	} {
		failed := func() (failed bool) {
			defer func() { failed = recover() != nil }()
			Walk(failing{t}, 2, func(paging.Request) (paging.Page[int], error) { return pg, nil }, func(v int) int { return v })
			return false
		}()
		if !failed {
			t.Errorf("%s: the walk passed", name)
		}
	}
}
