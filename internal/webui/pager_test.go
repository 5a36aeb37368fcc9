package webui

import (
	"net/http/httptest"
	"testing"
)

// TestParamPager: the second list's links change only its own cursor, drop
// the post's message and land on the list.
func TestParamPager(t *testing.T) {
	r := httptest.NewRequest("GET", "/incidents?after=A&tasks_after=B&done=1", nil)
	p := ParamPager(r.URL, "tasks_after", "C", "mytasks", 50, 120)
	if p.Next != "/incidents?after=A&tasks_after=C#mytasks" || p.First != "/incidents?after=A#mytasks" || p.Shown != 50 || p.Total != 120 {
		t.Fatalf("pager %+v", p)
	}
	r = httptest.NewRequest("GET", "/c/1?edit=5&items_after=B&units_after=U", nil)
	if p := ParamPager(r.URL, "items_after", "C", "items", 50, 60, "edit"); p.Next != "/c/1?items_after=C&units_after=U#items" || p.First != "/c/1?units_after=U#items" {
		t.Fatalf("dropping edit: %+v", p)
	}
	r = httptest.NewRequest("GET", "/incidents", nil)
	if p := ParamPager(r.URL, "tasks_after", "", "mytasks", 3, 3); p.Next != "" || p.First != "" {
		t.Fatalf("one page: %+v", p)
	}
}
