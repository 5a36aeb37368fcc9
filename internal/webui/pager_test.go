package webui

import (
	"net/http/httptest"
	"testing"
)

// TestParamPager: the second list's links change only its own cursor, drop
// the post's message and land on the list.
func TestParamPager(t *testing.T) {
	r := httptest.NewRequest("GET", "/incidents?after=A&tasks_after=B&done=1", nil)
	p := ParamPager(r, "tasks_after", "C", "mytasks", 50, 120)
	if p.Next != "/incidents?after=A&tasks_after=C#mytasks" || p.First != "/incidents?after=A#mytasks" || p.Shown != 50 || p.Total != 120 {
		t.Fatalf("pager %+v", p)
	}
	r = httptest.NewRequest("GET", "/incidents", nil)
	if p := ParamPager(r, "tasks_after", "", "mytasks", 3, 3); p.Next != "" || p.First != "" {
		t.Fatalf("one page: %+v", p)
	}
}
