package webui

import (
	"net/http/httptest"
	"testing"
)

func TestSeeOtherKeepsTheFragmentLast(t *testing.T) {
	for target, want := range map[string]string{
		"/yearly/2026/report#decisions": "/yearly/2026/report?done=decision#decisions",
		"/a?x=1":                        "/a?x=1&done=decision",
		"/a":                            "/a?done=decision",
	} {
		rec := httptest.NewRecorder()
		SeeOther(rec, httptest.NewRequest("POST", "/", nil), target, "decision")
		if got := rec.Header().Get("Location"); got != want {
			t.Errorf("SeeOther(%q) = %q, want %q", target, got, want)
		}
	}
}
