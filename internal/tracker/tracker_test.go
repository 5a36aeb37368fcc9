package tracker_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tracker"
)

type world struct {
	db               *store.DB
	svc              *tracker.Service
	unit, other      org.Unit
	owner, officer   org.Person
	officerP, ownerP *authz.Principal
	now              time.Time
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	o := org.NewService(db.Org())
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, now: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	mk := func(code string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: code + "課", Kind: "課", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := mk("R", 0)
	w.unit, w.other = mk("A", root.ID), mk("B", root.ID)
	person := func(no string, unit int64) org.Person {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, Email: no + "@example.jp", UnitID: unit, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w.owner, w.officer = person("E1", w.unit.ID), person("E2", w.unit.ID)
	w.ownerP = &authz.Principal{PersonID: w.owner.ID, UnitPath: w.unit.Path, Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: w.unit.Path}}}
	w.officerP = &authz.Principal{PersonID: w.officer.ID, UnitPath: w.unit.Path, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: w.unit.Path},
		{Role: authz.RoleStaff, UnitPath: w.unit.Path}}}
	w.svc = tracker.NewService(db.Tracker(), o)
	w.svc.Now = func() time.Time { return w.now }
	return w
}

func TestActionLifecycle(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		a, err := w.svc.Create(ctx, w.officerP, tracker.Action{Source: tracker.Source{Kind: tracker.FromIncident, ID: 7, Label: "INC-7"},
			UnitID: w.unit.ID, Title: "パッチ適用手順の整備", OwnerID: w.owner.ID, DueOn: "2026-06-30",
			Requirements: []tracker.Requirement{{CatalogID: 1, Ref: "2.3.2"}}})
		if err != nil {
			t.Fatal(err)
		}
		var ref string
		db.R.QueryRowContext(ctx, `SELECT ref FROM notices WHERE person_id = $1 AND kind = 'tracker.assigned'`, w.owner.ID).Scan(&ref)
		if ref != fmt.Sprintf("tracker:%d", a.ID) {
			t.Errorf("the owner's notice refers to %q", ref)
		}
		// The owner cannot file actions; a unit officer elsewhere cannot see it.
		if _, err := w.svc.Create(ctx, w.ownerP, tracker.Action{Source: tracker.Source{Kind: tracker.FromReview}, UnitID: w.unit.ID, Title: "x", OwnerID: w.owner.ID, DueOn: "2026-06-30"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("owner files an action: %v", err)
		}
		stranger := &authz.Principal{PersonID: 999, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: w.other.Path}, {Role: authz.RoleStaff, UnitPath: w.other.Path}}}
		if _, err := w.svc.Get(ctx, stranger, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("officer of another unit reads it: %v", err)
		}
		mine, err := w.svc.Mine(ctx, w.ownerP, true)
		if err != nil || len(mine) != 1 || mine[0].ID != a.ID {
			t.Fatalf("owner's list = %v, %v", mine, err)
		}
		if _, err := w.svc.Report(ctx, w.ownerP, a.ID, "2026-06-05", "手順書の草案を作成"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Attach(ctx, w.ownerP, a.ID, tracker.Upload{Name: "手順書.pdf", Declared: "application/pdf", Data: []byte("%PDF-1.7\n1 0 obj\n")}); err != nil {
			t.Fatal(err)
		}
		// Overdue: chased once per day however many runs.
		w.now = time.Date(2026, 7, 3, 1, 0, 0, 0, time.UTC)
		for range 2 {
			if _, err := w.svc.RunJobs(ctx, "r1"); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE person_id = $1 AND kind = 'tracker.overdue'`, w.owner.ID).Scan(&n)
		if n != 1 {
			t.Errorf("overdue notices = %d, want 1", n)
		}
		if _, err := w.svc.MarkDone(ctx, w.ownerP, a.ID, "手順書を施行"); err != nil {
			t.Fatal(err)
		}
		// The owner cannot confirm (even holding the follow right) and the officer can.
		ownerOfficer := &authz.Principal{PersonID: w.owner.ID, Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: w.unit.Path}}}
		if _, err := w.svc.Confirm(ctx, ownerOfficer, a.ID, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("owner confirms own action: %v", err)
		}
		got, err := w.svc.Confirm(ctx, w.officerP, a.ID, "証跡を確認")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tracker.Closed || got.ClosedBy != w.officer.ID || len(got.Progress) != 3 || len(got.Evidence) != 1 || len(got.Requirements) != 1 {
			t.Errorf("closed action = %+v", got)
		}
		var buf bytes.Buffer
		if err := tracker.WritePOAM(&buf, "POA&M", []tracker.Action{got}, w.now); err != nil || !strings.Contains(buf.String(), "k-2.3.2") {
			t.Errorf("POA&M: %v %s", err, buf.String())
		}
	})
}

// TestUploadsRefused: HTML, oversize and mismatched files are refused and
// nothing is stored; an accepted file is served as an attachment.
func TestUploadsRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		w.svc.MaxFile = 1 << 20
		a, err := w.svc.Create(ctx, w.officerP, tracker.Action{Source: tracker.Source{Kind: tracker.FromReview}, UnitID: w.unit.ID,
			Title: "見直し", OwnerID: w.owner.ID, DueOn: "2026-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
		for _, c := range []struct {
			name string
			up   tracker.Upload
			code apperr.Code
		}{
			{"html by name", tracker.Upload{Name: "report.html", Declared: "text/html", Data: []byte("<html><body>x</body></html>")}, apperr.Invalid},
			{"html declared as text", tracker.Upload{Name: "report.txt", Declared: "text/plain", Data: []byte("<!DOCTYPE html><script>alert(1)</script>")}, apperr.Invalid},
			{"svg as image", tracker.Upload{Name: "x.svg", Declared: "image/svg+xml", Data: []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")}, apperr.Invalid},
			{"oversize", tracker.Upload{Name: "big.pdf", Declared: "application/pdf", Data: append([]byte("%PDF-1.7\n"), make([]byte, 1<<20)...)}, apperr.TooLarge},
			{"png declared as pdf", tracker.Upload{Name: "scan.pdf", Declared: "application/pdf", Data: png}, apperr.Invalid},
			{"pdf named .png", tracker.Upload{Name: "scan.png", Declared: "image/png", Data: []byte("%PDF-1.7\n")}, apperr.Invalid},
			{"executable", tracker.Upload{Name: "tool.exe", Declared: "application/x-msdownload", Data: []byte("MZ\x90\x00")}, apperr.Invalid},
			{"empty", tracker.Upload{Name: "e.txt", Declared: "text/plain"}, apperr.Invalid},
		} {
			if _, err := w.svc.Attach(ctx, w.ownerP, a.ID, c.up); !apperr.Is(err, c.code) {
				t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
			}
		}
		if n, err := db.EvidenceCount(ctx); err != nil || n != 0 {
			t.Fatalf("refused uploads stored %d files (%v)", n, err)
		}
		f, err := w.svc.Attach(ctx, w.ownerP, a.ID, tracker.Upload{Name: "scan.png", Declared: "image/png", Data: png})
		if err != nil {
			t.Fatal(err)
		}
		if f.SHA256 == "" || f.Size != int64(len(png)) || f.MediaType != "image/png" {
			t.Errorf("file = %+v", f)
		}
		got, data, err := w.svc.Evidence(ctx, w.officerP, a.ID, f.ID)
		if err != nil || !bytes.Equal(data, png) {
			t.Fatalf("evidence = %v, %v", got, err)
		}
		rec := httptest.NewRecorder()
		tracker.ServeFile(rec, got, data)
		if h := rec.Header(); h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("served with %v", h)
		}
	})
}
