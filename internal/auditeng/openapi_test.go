package auditeng_test

import (
	"encoding/json"
	"strings"
	"testing"

	"kitei/internal/app"
	"kitei/internal/store/storetest"
)

// TestOpenAPIHasAuditBodies: the API document describes the tracker's and
// the audits' routes with their bodies.
func TestOpenAPIHasAuditBodies(t *testing.T) {
	a := app.New(storetest.SQLite(t), nil)
	b, err := json.Marshal(a.API("").Document())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"TrackerAction", "AuditEngagement", "/api/v1/audits/engagements/{id}/papers", "/api/v1/actions/{id}/confirm"} {
		if !strings.Contains(string(b), k) {
			t.Errorf("OpenAPI lacks %s", k)
		}
	}
}
