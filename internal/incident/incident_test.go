package incident_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/incident"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// world is a small organisation: 総務課 (A1) under 総務部 (A) with a staff
// member who reports and the 課's officer, another staff member in 事業部
// (B) with nothing to do with it, a CSIRT lead, a CISO and an ISSO.
type world struct {
	a                                      *app.App
	db                                     *store.DB
	unitA, unitA1, unitB                   org.Unit
	reporter, officer, other, csirt, cisoP org.Person
	isso                                   org.Person
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, a: app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	o := w.a.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit := func(code, name string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "部", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := unit("R", "本部", 0)
	w.unitA, w.unitB = unit("A", "総務部", root.ID), unit("B", "事業部", root.ID)
	w.unitA1 = unit("A1", "総務課", w.unitA.ID)
	person := func(no, name string, u org.Unit, role string) org.Person {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: name, Email: no + "@example.jp", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			a := org.Assignment{PersonID: p.ID, RoleKey: role, StartsOn: "2024-04-01"}
			switch role {
			case authz.RoleDivisionISO:
				a.UnitID = u.ID
			case authz.RoleISSO:
				a.UnitID, a.SystemRef = u.ID, "SYS-9"
			}
			if _, err := o.Appoint(ctx, authz.System, a); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	w.reporter = person("E1", "田中 太郎", w.unitA1, "")
	w.officer = person("E2", "高橋 直子", w.unitA1, authz.RoleDivisionISO)
	w.other = person("E3", "佐藤 花子", w.unitB, "")
	w.csirt = person("E4", "CSIRT 責任者", w.unitA, authz.RoleCSIRTChief)
	w.cisoP = person("E5", "最高 責任者", w.unitA, authz.RoleCISO)
	w.isso = person("E6", "システム 責任者", w.unitB, authz.RoleISSO)
	return w
}

func (w *world) principal(t *testing.T, p org.Person) *authz.Principal {
	t.Helper()
	path, grants, _, err := w.a.Org.Grants(context.Background(), p.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{PersonID: p.ID, Login: p.EmployeeNo, Name: p.Name, UnitPath: path, Grants: grants}
}

// lostUSB files the story: a USB stick with personal data lost.
func (w *world) lostUSB(t *testing.T, svc *incident.Service) incident.Incident {
	t.Helper()
	x, err := svc.File(context.Background(), w.principal(t, w.reporter), incident.Input{Title: "個人情報を含むUSBメモリの紛失",
		What: "帰宅途中にUSBメモリを紛失した。", Personal: incident.PersonalYes, PersonalCount: 120})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func inbox(t *testing.T, db *store.DB, person int64, kind string) []string {
	t.Helper()
	ns, err := db.Approvals().Notices(context.Background(), person, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		if n.Kind == kind {
			out = append(out, n.Message)
		}
	}
	return out
}

// TestJobsEscalateUnsentPromptReportOnce: a day after the 個人情報保護委員会
// 速報's deadline, the jobs escalate it once, however often they run and
// on however many replicas; before the deadline they do nothing.
func TestJobsEscalateUnsentPromptReportOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		svc := w.a.Incident
		start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.Local)
		svc.SetClock(func() time.Time { return start })
		x := w.lostUSB(t, svc)
		if _, err := svc.Triage(ctx, w.principal(t, w.csirt), x.ID, incident.TriageInput{Incident: true, Reason: "個人情報の漏えいのおそれ",
			Level: 2, Category: "leak", CheckSame: []int64{w.isso.ID}}); err != nil {
			t.Fatal(err)
		}
		d, err := svc.Get(ctx, authz.System, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		var prompt, final incident.AuthorityNotice
		for _, n := range d.Notices {
			switch {
			case n.Authority == "個人情報保護委員会" && n.Kind == "速報":
				prompt = n
			case n.Authority == "個人情報保護委員会" && n.Kind == "確報":
				final = n
			case n.RuleKey == "ministry":
				// The ministry's report goes out; only the 速報 is left unsent.
				if err := svc.MarkSent(ctx, w.principal(t, w.csirt), x.ID, n.ID, "第一報を送付", ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		if prompt.ID == 0 || final.ID == 0 {
			t.Fatalf("the 速報 and 確報 clocks did not start: %+v", d.Notices)
		}
		if want := start.Add(72 * time.Hour); !prompt.DueAt.Equal(want) {
			t.Errorf("速報 due %v, want %v", prompt.DueAt, want)
		}
		if want := start.AddDate(0, 0, 30); !final.DueAt.Equal(want) {
			t.Errorf("確報 due %v, want %v", final.DueAt, want)
		}
		// Before the deadline: nothing.
		svc.SetClock(func() time.Time { return prompt.DueAt.Add(-time.Hour) })
		if res, err := svc.RunJobs(ctx, "replica-1"); err != nil || res.Escalated != 0 {
			t.Fatalf("before the deadline: %+v %v", res, err)
		}
		// A day after the deadline: escalated once, by whichever replica runs first.
		svc.SetClock(func() time.Time { return prompt.DueAt.Add(24 * time.Hour) })
		res, err := svc.RunJobs(ctx, "replica-1")
		if err != nil || res.Escalated != 1 {
			t.Fatalf("a day after the deadline: %+v %v, want one escalation", res, err)
		}
		for _, owner := range []string{"replica-2", "replica-1"} {
			if res, err := svc.RunJobs(ctx, owner); err != nil || res.Escalated != 0 {
				t.Fatalf("run again by %s: %+v %v, want nothing", owner, res, err)
			}
		}
		for _, p := range []org.Person{w.csirt, w.cisoP} {
			msgs := inbox(t, db, p.ID, "incident.overdue")
			if len(msgs) != 1 || !strings.Contains(msgs[0], "速報") || !strings.Contains(msgs[0], "個人情報保護委員会") {
				t.Errorf("%s's inbox has %q, want one overdue 速報 notice", p.Name, msgs)
			}
		}
		if msgs := inbox(t, db, w.other.ID, "incident.overdue"); len(msgs) != 0 {
			t.Errorf("an unrelated person was alerted: %q", msgs)
		}
		d, _ = svc.Get(ctx, authz.System, x.ID)
		escalations := 0
		for _, e := range d.Timeline {
			if e.Kind == incident.EntryEscalation {
				escalations++
			}
		}
		if escalations != 1 {
			t.Errorf("timeline has %d escalation entries, want 1", escalations)
		}
		// The 確報 escalates in its own time, once too.
		svc.SetClock(func() time.Time { return final.DueAt.Add(24 * time.Hour) })
		if res, err := svc.RunJobs(ctx, "replica-2"); err != nil || res.Escalated != 1 {
			t.Fatalf("a day after the 確報 deadline: %+v %v", res, err)
		}
	})
}

// TestIncidentAccess: the CSIRT, the CISO and people with a task see the
// incident; its reporter sees the status only; anyone else is told it does
// not exist; every read is in the audit trail.
func TestIncidentAccess(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		svc := w.a.Incident
		x := w.lostUSB(t, svc)
		if _, err := svc.Triage(ctx, w.principal(t, w.csirt), x.ID, incident.TriageInput{Incident: true, Reason: "漏えいのおそれ", Level: 2, Category: "leak"}); err != nil {
			t.Fatal(err)
		}
		// The 課's officer got the containment task, so sees it.
		for _, p := range []org.Person{w.csirt, w.cisoP, w.officer} {
			d, err := svc.Get(ctx, w.principal(t, p), x.ID)
			if err != nil || d.StatusOnly || d.Incident.What == "" {
				t.Errorf("%s: %v status-only=%v", p.Name, err, d.StatusOnly)
			}
		}
		d, err := svc.Get(ctx, w.principal(t, w.reporter), x.ID)
		if err != nil || !d.StatusOnly || d.Incident.What != "" || d.View.Status != incident.Handling {
			t.Errorf("reporter: %v %+v", err, d)
		}
		if _, _, err := svc.Timeline(ctx, w.principal(t, w.reporter), x.ID, "timeline.xlsx"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("the reporter exported the timeline: %v", err)
		}
		if _, err := svc.Get(ctx, w.principal(t, w.other), x.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unrelated staff: %v, want not found", err)
		}
		if _, err := svc.AddEntry(ctx, w.principal(t, w.other), x.ID, incident.EntryNote, "x", 0); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unrelated staff wrote on the timeline: %v", err)
		}
		evs, err := db.Audit().List(ctx, audit.Filter{Action: "incident.read", ObjectType: "incident", ObjectID: fmt.Sprint(x.ID)})
		if err != nil {
			t.Fatal(err)
		}
		views := map[string]int{}
		for _, e := range evs {
			var det map[string]any
			json.Unmarshal([]byte(e.Detail), &det)
			views[fmt.Sprint(det["view"])]++
		}
		if views["detail"] != 3 || views["status"] != 1 {
			t.Errorf("audited reads %v, want 3 detail reads and 1 status read", views)
		}
		// Timeline entries cannot be edited or removed, even by SQL.
		if _, err := db.W.ExecContext(ctx, `UPDATE incident_timeline SET body = 'x' WHERE incident_id = $1`, x.ID); err == nil {
			t.Error("a timeline entry was edited")
		}
		if _, err := db.W.ExecContext(ctx, `DELETE FROM incident_timeline WHERE incident_id = $1`, x.ID); err == nil {
			t.Error("a timeline entry was deleted")
		}
	})
}

// server serves kitei's pages with the principal named by the
// X-Test-Person header (an employee number), as the matrix test does.
func (w *world) server(t *testing.T) *httptest.Server {
	t.Helper()
	srv, err := web.New(w.a.WebDeps(app.WebOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	people := map[string]org.Person{}
	for _, p := range []org.Person{w.reporter, w.officer, w.other, w.csirt, w.cisoP, w.isso} {
		people[p.EmployeeNo] = p
	}
	inner := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if p, ok := people[r.Header.Get("X-Test-Person")]; ok {
			pr := w.principal(t, p)
			ctx := authz.WithPrincipal(r.Context(), pr)
			r = r.WithContext(audit.WithActor(ctx, audit.Actor{ID: p.ID, Login: p.EmployeeNo}))
		}
		inner.ServeHTTP(rw, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, ts *httptest.Server, who, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	if who != "" {
		req.Header.Set("X-Test-Person", who)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestUnrelatedStaffGet404: pages, API and exports answer 404 to a staff
// member who is neither the reporter nor on a task.
func TestUnrelatedStaffGet404(t *testing.T) {
	w := setup(t, storetest.SQLite(t))
	x := w.lostUSB(t, w.a.Incident)
	ts := w.server(t)
	for _, path := range []string{"/incidents/%d", "/api/v1/incidents/%d", "/incidents/%d/timeline.xlsx", "/incidents/%d/print", "/api/v1/incidents/%d/timeline"} {
		p := fmt.Sprintf(path, x.ID)
		if code, body := get(t, ts, w.other.EmployeeNo, p); code != http.StatusNotFound || strings.Contains(body, "USBメモリ") {
			t.Errorf("unrelated staff: GET %s = %d", p, code)
		}
		if code, _ := get(t, ts, w.csirt.EmployeeNo, p); code != http.StatusOK {
			t.Errorf("CSIRT: GET %s = %d", p, code)
		}
	}
	code, body := get(t, ts, w.reporter.EmployeeNo, fmt.Sprintf("/incidents/%d", x.ID))
	if code != http.StatusOK || !strings.Contains(body, "受付済み") || strings.Contains(body, "帰宅途中") {
		t.Errorf("the reporter's page (%d) shows more than the status:\n%s", code, body)
	}
	if code, _ := get(t, ts, w.reporter.EmployeeNo, fmt.Sprintf("/incidents/%d/timeline.xlsx", x.ID)); code != http.StatusNotFound {
		t.Errorf("the reporter exported the timeline: %d", code)
	}
	if code, _ := get(t, ts, w.other.EmployeeNo, "/incidents/ledger.xlsx"); code != http.StatusForbidden {
		t.Errorf("staff exported the ledger: %d", code)
	}
}

// TestExternalReportWindow: the public form works without sign-in, refuses
// more than the hourly limit per address with a clear message, and what it
// was sent is escaped wherever it is shown.
func TestExternalReportWindow(t *testing.T) {
	w := setup(t, storetest.SQLite(t))
	ts := w.server(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	const payload = `<script>alert("x")</script>`
	post := func() *http.Response {
		form := url.Values{"title": {"不審なメール " + payload}, "what": {payload + " を含むメールが届いた"}, "contact": {payload + "@example.com"},
			"name": {payload}, "personal": {"unknown"}}
		resp, err := client.PostForm(ts.URL+"/incident-report", form)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if code, body := get(t, ts, "", "/incident-report"); code != http.StatusOK || !strings.Contains(body, `action="/incident-report"`) {
		t.Fatalf("the public form without sign-in: %d", code)
	}
	limit := incident.Defaults().ExternalPerHour
	var first string
	for i := 0; i < limit; i++ {
		resp := post()
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("report %d: status %d", i+1, resp.StatusCode)
		}
		if first == "" {
			first = resp.Header.Get("Location")
		}
	}
	resp := post()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), fmt.Sprintf("1時間あたりの上限（%d 件）", limit)) {
		t.Fatalf("report %d: status %d, want 429 with the limit explained:\n%s", limit+1, resp.StatusCode, b)
	}
	if strings.Contains(string(b), payload) {
		t.Error("the refused form echoes the payload unescaped")
	}
	if code, body := get(t, ts, "", first); code != http.StatusOK || !strings.Contains(body, "受付番号") {
		t.Errorf("thanks page %s: %d", first, code)
	}
	xs, err := w.a.Incident.List(context.Background(), authz.System, incident.Filter{Level: -2})
	if err != nil || len(xs) != limit || !xs[0].External {
		t.Fatalf("stored %d external reports (%v), want %d", len(xs), err, limit)
	}
	id := xs[0].ID
	for _, path := range []string{fmt.Sprintf("/incidents/%d", id), fmt.Sprintf("/incidents/%d/print", id), "/incidents/ledger", "/incidents"} {
		code, body := get(t, ts, w.csirt.EmployeeNo, path)
		if code != http.StatusOK {
			t.Errorf("%s: %d", path, code)
			continue
		}
		if strings.Contains(body, payload) || strings.Contains(body, "<script>alert") {
			t.Errorf("%s shows the payload unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s does not show the reported text (escaped)", path)
		}
	}
	// The CSIRT was told, and the inbox message is plain text.
	if msgs := inbox(t, w.db, w.csirt.ID, "incident.reported"); len(msgs) != limit {
		t.Errorf("CSIRT inbox has %d reports, want %d", len(msgs), limit)
	}
	code, body := get(t, ts, w.csirt.EmployeeNo, "/inbox")
	if code != http.StatusOK || strings.Contains(body, payload) {
		t.Errorf("the inbox shows the payload unescaped (%d)", code)
	}
}
