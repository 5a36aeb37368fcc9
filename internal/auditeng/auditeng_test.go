package auditeng_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	catoscal "kitei/internal/catalog/oscal"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
	"kitei/internal/tracker"
)

func oscalSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(testshared.Dir(t, "oscal"), "oscal_complete_schema-1.1.3.json"))
	if err != nil {
		t.Skipf("OSCAL schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("oscal.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("oscal.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, what string, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000]
		}
		t.Fatalf("%s does not validate against OSCAL 1.1.3: %s", what, msg)
	}
}

// World is the organisation of the audit story.
type World struct {
	App                                                 *app.App
	Now                                                 time.Time
	Audited, Auditors, Outside                          org.Unit
	Chief, CISO, AuditorB, AuditorA1, Officer, Owner, X org.Person
	CatalogID                                           int64
}

func (w *World) P(t testing.TB, p org.Person) *authz.Principal {
	t.Helper()
	path, grants, _, err := w.App.Org.Grants(context.Background(), p.ID, w.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{PersonID: p.ID, Name: p.Name, UnitPath: path, Grants: grants}
}

func newWorld(t *testing.T, db *store.DB) *World {
	t.Helper()
	ctx := context.Background()
	a := app.New(db, nil)
	w := &World{App: a, Now: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.Now }
	a.Audits.Now, a.Tracker.Now = clock, clock
	o := a.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit := func(code, name, kind string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: kind, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := unit("R", "研究所", "本部", 0)
	dept := unit("A", "総務部", "部", root.ID)
	w.Audited = unit("A1", "総務課", "課", dept.ID)
	w.Auditors = unit("B", "監査室", "室", root.ID)
	w.Outside = unit("X", "外部監査人", "外部", root.ID)
	person := func(no, name string, u org.Unit, roles ...string) org.Person {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: name, Email: no + "@example.jp", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: r, UnitID: u.ID, StartsOn: "2024-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	w.CISO = person("C1", "最高 責任", root, authz.RoleCISO)
	w.Chief = person("M1", "監査 責任", w.Auditors, authz.RoleAuditChief)
	w.AuditorB = person("M2", "監査 実施", w.Auditors, authz.RoleAuditor)
	w.AuditorA1 = person("S1", "総務 監査", w.Audited, authz.RoleAuditor)
	w.Officer = person("S2", "総務 課長", w.Audited, authz.RoleDivisionISO)
	w.Owner = person("S3", "総務 担当", w.Audited)
	w.X = person("X1", "外部 監査", w.Outside, authz.RoleAuditor)
	data, err := os.ReadFile(filepath.Join(testshared.Dir(t, "seeds"), "000_666dad1990f509b5.txt"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Catalogs.Import(ctx, catalog.ImportRequest{Name: "情報セキュリティポリシー", SourceName: "000.txt", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	w.CatalogID = res.Catalog.ID
	return w
}

// TestAuditStory is must-show 1 to 4 at the service level: plan, CISO
// approval, independence refusal with the reason, outside auditor limits,
// working papers with a 不適合 and evidence, finding, report, instruction,
// remediation on the tracker, confirmation by someone else, the finding
// closes; the OSCAL assessment results and POA&M validate and name the
// catalog's requirement ids.
func TestAuditStory(t *testing.T) {
	schema := oscalSchema(t)
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.App.Audits
		chief, ciso, aud, officer, owner := w.P(t, w.Chief), w.P(t, w.CISO), w.P(t, w.AuditorB), w.P(t, w.Officer), w.P(t, w.Owner)

		if _, err := s.CreatePlan(ctx, aud, 2026, "", ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("auditor creates a plan: %v", err)
		}
		plan, err := s.CreatePlan(ctx, chief, 2026, "", "")
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.AddEngagement(ctx, chief, plan.ID, auditeng.Engagement{Title: "総務課 情報セキュリティ監査", UnitID: w.Audited.ID,
			CatalogID: w.CatalogID, Scope: []string{"2.1.2", "2.5.1"}, StartsOn: "2026-06-01", EndsOn: "2026-06-30", Objective: "資産管理と独法の対策"})
		if err != nil {
			t.Fatal(err)
		}
		// Independence: the auditor from the audited unit is refused, with the reason.
		err = s.AssignAuditor(ctx, chief, e.ID, w.AuditorA1.ID, false, "")
		if !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("auditor from the audited unit: %v", err)
		}
		if msg := apperr.Message(err, "ja"); !strings.Contains(msg, "総務 監査") || !strings.Contains(msg, "総務課") {
			t.Errorf("refusal gives no reason: %q", msg)
		}
		if err := s.AssignAuditor(ctx, chief, e.ID, w.AuditorB.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.AssignAuditor(ctx, chief, e.ID, w.X.ID, true, ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("outside auditor without an end date: %v", err)
		}
		if err := s.AssignAuditor(ctx, chief, e.ID, w.X.ID, true, "2026-06-20"); err != nil {
			t.Fatal(err)
		}
		items, err := s.Checklist(ctx, e)
		if err != nil || len(items) < 2 {
			t.Fatalf("checklist: %d items, %v", len(items), err)
		}
		if _, err := s.SavePaper(ctx, aud, e.ID, items[0].Ref, auditeng.Conform, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("working paper before approval: %v", err)
		}
		if _, err := s.SubmitPlan(ctx, chief, plan.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApprovePlan(ctx, chief, plan.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("chief approves own plan: %v", err)
		}
		if _, err := s.ApprovePlan(ctx, ciso, plan.ID); err != nil {
			t.Fatal(err)
		}
		// Another audit the outside auditor is not on.
		other, err := s.OrderAdHoc(ctx, ciso, auditeng.Engagement{Title: "監査室 臨時監査", UnitID: w.Auditors.ID, CatalogID: w.CatalogID,
			Scope: []string{"2.1.2"}, StartsOn: "2026-06-01", EndsOn: "2026-06-10"})
		if err != nil {
			t.Fatal(err)
		}
		x := w.P(t, w.X)
		checkOutside := func(x *authz.Principal, want int) {
			t.Helper()
			es, err := s.Engagements(ctx, x)
			if err != nil || len(es) != want || (want == 1 && es[0].ID != e.ID) {
				t.Errorf("outside auditor sees %d engagements (%v), want %d", len(es), err, want)
			}
			if _, err := s.Engagement(ctx, x, other.ID); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("outside auditor opens another engagement: %v", err)
			}
		}
		checkOutside(x, 1)
		unitless := *x
		unitless.UnitPath = "" // a person without a unit: the same limits
		checkOutside(&unitless, 1)
		if _, err := s.Plans(ctx, &unitless); err != nil {
			t.Fatal(err)
		}

		// Working papers: one 不適合 with evidence, the rest 適合.
		if _, err := s.SavePaper(ctx, aud, e.ID, items[0].Ref, auditeng.Nonconform, ""); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("不適合 without observation: %v", err)
		}
		if _, err := s.SavePaper(ctx, aud, e.ID, items[0].Ref, auditeng.Nonconform, "情報システム台帳が未整備"); err != nil {
			t.Fatal(err)
		}
		for _, it := range items[1:] {
			if _, err := s.SavePaper(ctx, aud, e.ID, it.Ref, auditeng.Conform, "確認済み"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AttachEvidence(ctx, aud, e.ID, items[0].Ref, tracker.Upload{Name: "台帳.pdf", Declared: "application/pdf", Data: []byte("%PDF-1.7\n")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AttachEvidence(ctx, aud, e.ID, items[0].Ref, tracker.Upload{Name: "x.html", Declared: "text/html", Data: []byte("<html>")}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("HTML evidence: %v", err)
		}
		f, err := s.AddFinding(ctx, aud, e.ID, auditeng.Finding{Ref: items[0].Ref, Severity: auditeng.Major, Description: "情報システム台帳が整備されていない",
			Recommendation: "台帳を整備し定期的に更新すること"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Remediate(ctx, officer, e.ID, f.ID, tracker.Action{Title: "x", OwnerID: w.Owner.ID, DueOn: "2026-09-30"}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("officer files a remediation before the report: %v", err)
		}
		if _, err := s.SubmitReport(ctx, aud, e.ID, "概ね適合。台帳に重大な指摘あり。"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SavePaper(ctx, aud, e.ID, items[0].Ref, auditeng.Conform, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("paper after the report: %v", err)
		}
		if _, err := s.Instruct(ctx, ciso, e.ID, "台帳を9月末までに整備すること", nil); err != nil {
			t.Fatal(err)
		}
		act, err := s.Remediate(ctx, officer, e.ID, f.ID, tracker.Action{Title: "情報システム台帳の整備", OwnerID: w.Owner.ID, DueOn: "2026-09-30"})
		if err != nil {
			t.Fatal(err)
		}
		if act.Source.Kind != tracker.FromAuditFinding || act.Source.Item != f.ID || len(act.Requirements) != 1 || act.Requirements[0].Ref != items[0].Ref {
			t.Errorf("remediation action = %+v", act)
		}

		// OSCAL: assessment results of the engagement, POA&M of the open actions.
		v, err := s.Engagement(ctx, chief, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Findings[0].State() != "planned" {
			t.Errorf("finding state = %s", v.Findings[0].State())
		}
		var ar bytes.Buffer
		if err := auditeng.WriteEngagementAR(&ar, v, w.Now); err != nil {
			t.Fatal(err)
		}
		validate(t, schema, "assessment-results", ar.Bytes())
		open, err := w.App.Tracker.Followed(ctx, officer, tracker.Filter{OpenOnly: true})
		if err != nil || len(open) != 1 {
			t.Fatalf("open actions = %d, %v", len(open), err)
		}
		var poam bytes.Buffer
		if err := tracker.WritePOAM(&poam, "POA&M", open, w.Now); err != nil {
			t.Fatal(err)
		}
		validate(t, schema, "plan-of-action-and-milestones", poam.Bytes())
		id := catoscal.ControlID(items[0].Ref)
		for what, doc := range map[string]string{"AR": ar.String(), "POA&M": poam.String()} {
			if !strings.Contains(doc, `"`+id+`"`) || !strings.Contains(doc, `"`+items[0].Ref+`"`) {
				t.Errorf("%s does not name %s / %s", what, items[0].Ref, id)
			}
		}

		// Done by the owner, confirmed by the officer: the finding closes.
		if _, err := w.App.Tracker.MarkDone(ctx, owner, act.ID, "台帳を整備した"); err != nil {
			t.Fatal(err)
		}
		if v, _ := s.Engagement(ctx, chief, e.ID); v.Findings[0].Closed {
			t.Errorf("finding closed before confirmation")
		}
		if pv, _ := s.EngagementPage(ctx, chief, e.ID, paging.Request{}); pv.Closed || pv.Findings[0].Closed || pv.Findings[0].State() != "planned" {
			t.Errorf("the engagement page: closed before confirmation")
		}
		if _, err := w.App.Tracker.Confirm(ctx, officer, act.ID, "確認した"); err != nil {
			t.Fatal(err)
		}
		v, err = s.Engagement(ctx, chief, e.ID)
		if err != nil || !v.Findings[0].Closed || !v.Closed {
			t.Errorf("finding not closed after confirmation: %+v %v", v.Findings, err)
		}
		if pv, err := s.EngagementPage(ctx, chief, e.ID, paging.Request{}); err != nil || len(pv.Findings) != 1 || !pv.Findings[0].Closed || !pv.Closed || pv.FindingsTotal != 1 {
			t.Errorf("the engagement page: %+v %v", pv, err)
		}
		// The outside auditor's access ends.
		w.Now = time.Date(2026, 6, 25, 1, 0, 0, 0, time.UTC)
		checkOutside(x, 0)
		if _, err := s.Engagement(ctx, x, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("outside auditor after the end date: %v", err)
		}
	})
}
