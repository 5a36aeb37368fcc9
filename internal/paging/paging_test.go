package paging

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"

	"kitei/internal/apperr"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []Cursor{{ID: 1}, {Key: "2025-04-01", ID: 42}, {Key: "情報:セキュリティ", ID: 7}} {
		got, err := Parse(c.String())
		if err != nil || got != c {
			t.Fatalf("Parse(%q) = %+v, %v; want %+v", c.String(), got, err, c)
		}
	}
	if (Cursor{}).String() != "" {
		t.Fatal("the start of a list has no cursor")
	}
}

func TestBadCursorAndLimitRefused(t *testing.T) {
	for _, q := range []string{"after=!!!", "after=bm90LWFuLWlk", "limit=0", "limit=1001", "limit=x"} {
		v, _ := url.ParseQuery(q)
		_, err := FromQuery(v, 0)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.BadRequest {
			t.Errorf("%s: err = %v, want a BadRequest", q, err)
		}
	}
}

func TestCutKeepsPageAndNamesTheLastRow(t *testing.T) {
	r := Request{Limit: 3}
	rows := []int{1, 2, 3, 4}
	page, next := Cut(rows, r, func(n int) Cursor { return Cursor{ID: int64(n)} })
	if len(page) != 3 || next != (Cursor{ID: 3}).String() {
		t.Fatalf("page %v next %q", page, next)
	}
	page, next = Cut(rows[:3], r, func(n int) Cursor { return Cursor{ID: int64(n)} })
	if len(page) != 3 || next != "" {
		t.Fatalf("last page %v next %q", page, next)
	}
	if r.Fetch() != 4 {
		t.Fatalf("Fetch = %d", r.Fetch())
	}
}

func TestLinksKeepFilters(t *testing.T) {
	u, _ := url.Parse("/org/people?q=%E5%B1%B1&after=abc&done=saved")
	if got := NextURL(u, "def"); got != "/org/people?after=def&q=%E5%B1%B1" {
		t.Fatalf("NextURL = %q", got)
	}
	if got := Filters(url.Values{"type": {"x"}, "after": {"abc"}, "limit": {"5"}}); got != "type=x" {
		t.Fatalf("Filters = %q", got)
	}
	if got := FirstURL(u); got != "/org/people?q=%E5%B1%B1" {
		t.Fatalf("FirstURL = %q", got)
	}
	w := httptest.NewRecorder()
	SetHeaders(w, httptest.NewRequest("GET", "/api/v1/people?limit=2", nil), "xyz")
	if w.Header().Get("X-Next-Cursor") != "xyz" || w.Header().Get("Link") != `</api/v1/people?after=xyz&limit=2>; rel="next"` {
		t.Fatalf("headers %v", w.Header())
	}
}
