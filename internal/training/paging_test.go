package training_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/training"
)

// TestFollowPagesOverHTTP: 120 people still to do a course; the 統括's
// follow page shows 50 of them with a next link that keeps the course,
// following it shows each person once, and the API pages the same list
// with its cursor in the body and the headers.
func TestFollowPagesOverHTTP(t *testing.T) {
	w := newHTTPWorld(t)
	ctx := context.Background()
	for i := range 118 {
		if _, err := w.a.Org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: fmt.Sprintf("P%03d", i), Name: fmt.Sprintf("受講者%03d", i),
			UnitID: w.unitA1.ID, Status: "active"}); err != nil {
			t.Fatal(err)
		}
	}
	c := w.publish(training.Course{Title: "集合研修", Kind: training.KindClassroom, OpensOn: "2026-06-01", ClosesOn: "2026-06-30",
		Audience: training.Audience{All: true}})
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	row := regexp.MustCompile(`<tr><td>(職員S\d|受講者\d+) <span`)
	seen := map[string]bool{}
	path := fmt.Sprintf("/training/follow?course=%d", c.ID)
	for pages := 0; path != ""; pages++ {
		code, b, _ := w.do("chief", "GET", path, nil)
		body := string(b)
		if code != 200 || pages > 5 {
			t.Fatalf("%s: %d", path, code)
		}
		rows := row.FindAllStringSubmatch(body, -1)
		if len(rows) > training.PageSize {
			t.Fatalf("page %d: %d people", pages, len(rows))
		}
		for _, m := range rows {
			if seen[m[1]] {
				t.Fatalf("%s shown twice", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := next.FindStringSubmatch(body); m != nil {
			path, _, _ = strings.Cut(html.UnescapeString(m[1]), "#")
			if len(rows) != training.PageSize || !strings.Contains(path, fmt.Sprintf("course=%d", c.ID)) {
				t.Fatalf("next %s after %d rows", path, len(rows))
			}
		}
	}
	if len(seen) != 120 {
		t.Fatalf("the pages show %d people, want 120", len(seen))
	}
	if code, _, _ := w.do("chief", "GET", "/training/follow?after=%21", nil); code != http.StatusBadRequest {
		t.Fatalf("a bad cursor: %d", code)
	}

	n := 0
	for path := fmt.Sprintf("/api/v1/training/follow?course=%d&limit=40", c.ID); path != ""; {
		code, b, hdr := w.do("chief", "GET", path, nil)
		var f training.Following
		if err := json.Unmarshal(b, &f); code != 200 || err != nil || f.Next != hdr.Get("X-Next-Cursor") || f.PendingTotal != 120 || len(f.Rates) != 1 {
			t.Fatalf("%s: %d %v", path, code, err)
		}
		n += len(f.Pending)
		path = ""
		if f.Next != "" {
			path = fmt.Sprintf("/api/v1/training/follow?course=%d&limit=40&after=%s", c.ID, f.Next)
		}
	}
	if n != 120 {
		t.Fatalf("the API pages hold %d people", n)
	}
	if code, _, _ := w.do("chief", "GET", "/api/v1/training/follow?limit=1001", nil); code != http.StatusBadRequest {
		t.Fatalf("limit 1001: %d", code)
	}
}
