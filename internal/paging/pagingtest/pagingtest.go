// Package pagingtest helps tests of paged lists: Walk reads a list page by
// page through its cursors and checks each page on the way.
package pagingtest

import (
	"testing"

	"kitei/internal/paging"
)

// maxPages stops a walk whose cursors go round in circles.
const maxPages = 1000

// Walk follows a list's cursors from its first page, limit rows a page,
// and returns every row's key in the order read. It fails t on an error, a
// page longer than limit, a short page with a next cursor, a next cursor
// that does not parse, or a last page whose total is not the number of rows
// read.
func Walk[T, K any](t testing.TB, limit int, read func(paging.Request) (paging.Page[T], error), key func(T) K) []K {
	t.Helper()
	var keys []K
	pr := paging.Request{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > maxPages {
			t.Fatal("the cursors go round in circles")
		}
		pg, err := read(pr)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(pg.Rows) > limit || pg.Next != "" && len(pg.Rows) != limit {
			t.Fatalf("page %d: %d rows (limit %d), next %q", pages, len(pg.Rows), limit, pg.Next)
		}
		for _, r := range pg.Rows {
			keys = append(keys, key(r))
		}
		if pg.Next == "" {
			if len(keys) != pg.Total {
				t.Fatalf("read %d rows, total %d", len(keys), pg.Total)
			}
			return keys
		}
		if pr.After, err = paging.Parse(pg.Next); err != nil {
			t.Fatal(err)
		}
	}
}
