package risk_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/risk"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/tabular"
)

func TestMethods(t *testing.T) {
	m := risk.DefaultMethod()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	// 重要度 is the highest of C/I/A; threat 3 × vulnerability 2 = 6 reads as likelihood 3.
	if got := m.ImportanceOf(3, 2, 1); got != 3 {
		t.Fatalf("importance %d", got)
	}
	for _, c := range []struct{ t, v, want int }{{1, 1, 1}, {1, 2, 1}, {2, 2, 2}, {1, 3, 2}, {2, 3, 3}, {3, 3, 3}, {0, 3, 0}} {
		if got := m.LikelihoodOf(c.t, c.v); got != c.want {
			t.Errorf("likelihood of %d×%d = %d, want %d", c.t, c.v, got, c.want)
		}
	}
	if !m.Over(6) || m.Over(5) {
		t.Fatal("threshold 6")
	}
	x := risk.MatrixMethod()
	if err := x.Validate(); err != nil || x.Value(4, 3) != 12 || !x.Over(10) {
		t.Fatalf("matrix: %v", err)
	}
	bad := risk.DefaultMethod()
	bad.Bands = []risk.Band{{4, 2}, {2, 1}}
	if bad.Validate() == nil {
		t.Fatal("bands out of order accepted")
	}
	ls, ok := risk.ParseScale("1=低, 2=中、3=高")
	if !ok || len(ls) != 3 || ls[2].Name != "高" || risk.FormatScale(ls) != "1=低, 2=中, 3=高" {
		t.Fatalf("scale %v", ls)
	}
}

type world struct {
	a                   *app.App
	unitA, unitB        org.Unit
	ciso, isso, officer org.Person
	sys                 register.System
	asset               register.Asset
	chief               org.Person
	day                 time.Time
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w := &world{a: a, day: time.Now()}
	clock := func() time.Time { return w.day }
	a.Risk.SetClock(clock)
	o := a.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Approval.EnsureBuiltinTypes(ctx); err != nil {
		t.Fatal(err)
	}
	mk := func(code, name string) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "課"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.unitA, w.unitB = mk("A", "総務課"), mk("B", "事業課")
	person := func(no string, u org.Unit) org.Person {
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, Email: no + "@example.jp", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w.ciso, w.chief, w.isso, w.officer = person("C1", w.unitA), person("C2", w.unitA), person("S1", w.unitA), person("O1", w.unitB)
	for _, ap := range []org.Assignment{
		{PersonID: w.ciso.ID, RoleKey: authz.RoleCISO, StartsOn: "2024-04-01"},
		{PersonID: w.chief.ID, RoleKey: authz.RoleChiefISO, StartsOn: "2024-04-01"},
		{PersonID: w.officer.ID, RoleKey: authz.RoleDivisionISO, UnitID: w.unitB.ID, StartsOn: "2024-04-01"},
	} {
		if _, err := o.Appoint(ctx, authz.System, ap); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.sys, err = a.Register.CreateSystem(ctx, authz.System, register.System{Code: "SYS-001", Name: "文書管理システム", UnitID: w.unitA.ID,
		ISSOID: w.isso.ID, Stage: register.StageOperation, C: 2, I: 2, A: 1})
	if err != nil {
		t.Fatal(err)
	}
	w.asset, err = a.Register.CreateAsset(ctx, authz.System, register.Asset{Code: "A-001", Name: "人事記録", Kind: "データベース", UnitID: w.unitA.ID,
		DeciderID: w.ciso.ID, DecidedOn: "2024-04-01", C: 3, I: 2, A: 2, Named: []int64{w.ciso.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) principal(t *testing.T, p org.Person) *authz.Principal {
	t.Helper()
	path, grants, _, err := w.a.Org.Grants(context.Background(), p.ID, w.day)
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{PersonID: p.ID, Login: p.EmployeeNo, UnitPath: path, Grants: grants}
}

// The ISSO rates an asset of their system's unit in a campaign; the
// residual risk above the threshold goes to the CISO, who accepts it, and
// the risk records the decision. The heat map shows both units.
func TestAssessmentAcceptedByCISO(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		ctx := context.Background()
		s := w.a.Risk
		chief := w.principal(t, w.chief)
		c, err := s.StartCampaign(ctx, chief, risk.CampaignInput{Name: "2026年度リスク評価", DueOn: w.day.AddDate(0, 0, 30).Format("2006-01-02"), RemindDays: 3, Units: []int64{w.unitA.ID, w.unitB.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []org.Person{w.isso, w.officer} {
			ns, _ := w.a.Approval.Inbox(ctx, p.ID)
			if len(ns) != 1 || ns[0].Kind != "risk.campaign" {
				t.Fatalf("%s was not asked to assess: %+v", p.Name, ns)
			}
		}
		isso := w.principal(t, w.isso)
		// The ISSO may not read the 機密性3 asset in the register, but may
		// rate it: it belongs to their system's unit.
		x, err := s.Create(ctx, isso, risk.Input{Title: "人事記録の漏えい", SubjectKind: risk.OnAsset, Subject: "A-001", CampaignID: c.ID,
			ThreatText: "標的型攻撃", VulnText: "多要素認証なし", Threat: 3, Vulnerability: 2, RThreat: 3, RVuln: 2, Treatment: risk.Accept})
		if err != nil {
			t.Fatal(err)
		}
		if x.Impact != 3 || x.Likelihood != 3 || x.Value != 9 || x.RValue != 9 || x.SystemCode != "SYS-001" || x.UnitID != w.unitA.ID {
			t.Fatalf("rated %+v", x)
		}
		if _, err := s.Create(ctx, isso, risk.Input{Title: "他部署", SubjectKind: risk.OnOrg, UnitID: w.unitB.ID, Threat: 1, Vulnerability: 1}); err == nil {
			t.Fatal("the ISSO rated a risk of a foreign unit")
		}
		officer := w.principal(t, w.officer)
		if _, err := s.Create(ctx, officer, risk.Input{Title: "窓口の混雑", SubjectKind: risk.OnOrg, UnitID: w.unitB.ID, CampaignID: c.ID, Impact: 1,
			Threat: 2, Vulnerability: 1, Treatment: risk.Reduce}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, officer, x.ID); err == nil {
			t.Fatal("the officer of B reads A's risk")
		}
		x, err = s.RequestAcceptance(ctx, isso, x.ID, "代替策として監視を強化するため")
		if err != nil {
			t.Fatal(err)
		}
		if x.Acceptance != risk.AcceptRequested || x.RequestID == 0 {
			t.Fatalf("after the request: %+v", x)
		}
		ciso := w.principal(t, w.ciso)
		waiting, _ := w.a.Approval.Waiting(ctx, ciso)
		if len(waiting) != 1 || waiting[0].TypeKey != approval.TypeRiskAcceptance || waiting[0].TargetRef != "risk:"+strconv.FormatInt(x.ID, 10) {
			t.Fatalf("the CISO waits for %+v", waiting)
		}
		if _, err := w.a.Approval.Decide(ctx, ciso, x.RequestID, approval.Decision{Action: approval.ActApprove}); err != nil {
			t.Fatal(err)
		}
		x, hist, err := s.Get(ctx, isso, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.Acceptance != risk.AcceptAccepted || x.AcceptedBy != w.ciso.Name {
			t.Fatalf("after the CISO's approval: %+v", x)
		}
		if hist[0].Action != "acceptance_in_effect" && hist[0].Action != "acceptance_approved" {
			t.Fatalf("history %+v", hist)
		}
		if _, err := s.RequestAcceptance(ctx, isso, x.ID, "again"); err == nil {
			t.Fatal("an accepted risk was filed again")
		}
		v, err := s.Campaign(ctx, chief, c.ID, i18n.Ja)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Units) != 2 {
			t.Fatalf("the chief sees %d units", len(v.Units))
		}
		for _, u := range v.Units {
			if len(u.Risks) != 1 || !strings.Contains(string(u.HeatMap), "<svg") || !strings.Contains(string(u.HeatMap), ">1</text>") {
				t.Fatalf("unit %s: %d risks, heat map %s", u.UnitName, len(u.Risks), u.HeatMap)
			}
		}
		vo, err := s.Campaign(ctx, officer, c.ID, i18n.Ja)
		if err != nil || len(vo.Units) != 1 || vo.Units[0].UnitID != w.unitB.ID {
			t.Fatalf("the officer of B sees %+v, %v", vo.Units, err)
		}
	})
}

// Units that have not reported get a reminder from RemindDays before the
// due date, once a day, and none once they report.
func TestCampaignReminders(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		ctx := context.Background()
		s := w.a.Risk
		c, err := s.StartCampaign(ctx, authz.System, risk.CampaignInput{Name: "評価", DueOn: w.day.AddDate(0, 0, 9).Format("2006-01-02"), RemindDays: 2, Units: []int64{w.unitA.ID, w.unitB.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Remind(ctx, "r1", time.Minute); n != 0 {
			t.Fatalf("%d reminders a week early", n)
		}
		if err := s.SubmitUnit(ctx, w.principal(t, w.officer), c.ID, w.unitB.ID); err != nil {
			t.Fatal(err)
		}
		w.day = w.day.AddDate(0, 0, 7)
		if n, err := s.Remind(ctx, "r1", time.Minute); n != 1 || err != nil { // the ISSO of A's system
			t.Fatalf("%d reminders, %v", n, err)
		}
		if n, _ := s.Remind(ctx, "r2", time.Minute); n != 0 {
			t.Fatalf("second replica sent %d", n)
		}
		ns, _ := w.a.Approval.Inbox(ctx, w.isso.ID)
		if len(ns) != 2 || ns[0].Kind != "risk.remind" {
			t.Fatalf("the ISSO's inbox %+v", ns)
		}
	})
}

// The security office switches to the likelihood × impact matrix; new
// ratings follow it, and only the office may change the method.
func TestMatrixMethodSelectable(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	s := w.a.Risk
	if err := s.SaveMethod(ctx, w.principal(t, w.officer), risk.MatrixMethod()); err == nil {
		t.Fatal("a unit officer changed the risk method")
	}
	if err := s.SaveMethod(ctx, w.principal(t, w.chief), risk.MatrixMethod()); err != nil {
		t.Fatal(err)
	}
	x, err := s.Create(ctx, w.principal(t, w.officer), risk.Input{Title: "委託先からの漏えい", SubjectKind: risk.OnOrg, UnitID: w.unitB.ID,
		Impact: 4, Likelihood: 3, RLikelihood: 2, Treatment: risk.Transfer})
	if err != nil {
		t.Fatal(err)
	}
	if x.Method != risk.MethodMatrix || x.Value != 12 || x.RValue != 8 || x.Threat != 0 {
		t.Fatalf("matrix rating %+v", x)
	}
	if _, err := s.Create(ctx, w.principal(t, w.officer), risk.Input{Title: "x", SubjectKind: risk.OnOrg, UnitID: w.unitB.ID, Impact: 6, Likelihood: 1}); err == nil {
		t.Fatal("an impact off the scale was accepted")
	}
	m, _ := s.Method(ctx)
	m.Threshold = 8
	if err := s.SaveMethod(ctx, w.principal(t, w.chief), m); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Method(ctx); !m.Over(8) || m.Over(7) {
		t.Fatal("the edited threshold was not stored")
	}
}

// The job records a decision made while nobody reads the risk.
func TestSyncAllRecordsDecision(t *testing.T) {
	db := storetest.SQLite(t)
	w := setup(t, db)
	ctx := context.Background()
	s := w.a.Risk
	officer := w.principal(t, w.officer)
	x, err := s.Create(ctx, officer, risk.Input{Title: "委託先の事故", SubjectKind: risk.OnOrg, UnitID: w.unitB.ID, Impact: 3, Threat: 3, Vulnerability: 3, Treatment: risk.Accept})
	if err != nil {
		t.Fatal(err)
	}
	if x, err = s.RequestAcceptance(ctx, officer, x.ID, "費用対効果"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.Approval.Decide(ctx, w.principal(t, w.ciso), x.RequestID, approval.Decision{Action: approval.ActReject, Note: "対策を講じること"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SyncAll(ctx); err != nil || n != 1 {
		t.Fatalf("sync: %d %v", n, err)
	}
	if n, _ := s.SyncAll(ctx); n != 0 {
		t.Fatalf("second sync changed %d", n)
	}
	rs, _ := s.List(ctx, authz.System, risk.Filter{})
	if len(rs) != 1 || rs[0].Acceptance != risk.AcceptRejected || rs[0].AcceptedBy != w.ciso.Name {
		t.Fatalf("after the job: %+v", rs)
	}
}

// The risk register goes xlsx → a fresh store → xlsx unchanged.
func TestRiskRegisterRoundTripXLSX(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		ctx := context.Background()
		s := w.a.Risk
		officer := w.principal(t, w.officer)
		if _, err := s.Create(ctx, authz.System, risk.Input{Title: "人事記録の漏えい", SubjectKind: risk.OnAsset, Subject: "A-001", ThreatText: "標的型攻撃",
			VulnText: "多要素認証なし", Threat: 3, Vulnerability: 2, RThreat: 2, RVuln: 1, Treatment: risk.Reduce, Owner: "S1", ReviewOn: "2027-03-31", Note: "次期更改で対応"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(ctx, authz.System, risk.Input{Title: "文書管理システムの停止", SubjectKind: risk.OnSystem, Subject: "SYS-001", Threat: 2, Vulnerability: 2, Treatment: risk.Transfer}); err != nil {
			t.Fatal(err)
		}
		x, err := s.Create(ctx, officer, risk.Input{Title: "窓口の混雑による誤交付", SubjectKind: risk.OnOrg, UnitID: w.unitB.ID, Impact: 3, Threat: 3, Vulnerability: 3, Treatment: risk.Accept})
		if err != nil {
			t.Fatal(err)
		}
		if x, err = s.RequestAcceptance(ctx, officer, x.ID, "人員増は困難"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Approval.Decide(ctx, w.principal(t, w.ciso), x.RequestID, approval.Decision{Action: approval.ActApprove}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SyncAll(ctx); err != nil {
			t.Fatal(err)
		}
		retired, err := s.Create(ctx, authz.System, risk.Input{Title: "旧システム", SubjectKind: risk.OnOrg, UnitID: w.unitA.ID, Impact: 1, Threat: 1, Vulnerability: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Retire(ctx, authz.System, retired.ID, true, "廃止済み"); err != nil {
			t.Fatal(err)
		}
		export := func(s *risk.Service) []byte {
			tb, err := s.ExportTable(ctx, authz.System)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := tabular.WriteXLSX(&buf, tb); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		first := export(s)
		var other *store.DB
		if db.Dialect == store.Postgres {
			other = storetest.Postgres(t, os.Getenv(storetest.EnvPostgres))
		} else {
			other = storetest.SQLite(t)
		}
		fresh := setup(t, other)
		res, err := fresh.a.Risk.Import(ctx, authz.System, "risks.xlsx", first)
		if err != nil || !res.OK() || res.Added != 4 {
			t.Fatalf("import: %v %+v", err, res)
		}
		second := export(fresh.a.Risk)
		a, _ := tabular.ReadXLSX(first)
		b, _ := tabular.ReadXLSX(second)
		if len(a[0].Rows) != 4 || !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the register:\n%v\n%v", a, b)
		}
		text := fmt.Sprint(a[0].Rows)
		for _, want := range []string{"受容（CISO 承認済み）", "職員C1", "A-001", "SYS-001", "S1", "廃止"} {
			if !strings.Contains(text, want) {
				t.Errorf("the export lacks %q: %s", want, text)
			}
		}
		// A wrong row is reported and nothing is stored.
		var buf bytes.Buffer
		if err := tabular.WriteCSV(&buf, tabular.Table{Header: []string{"リスク", "対象の種類", "対象（台帳ID）", "重要度", "脅威の起こりやすさ", "脆弱性の程度"},
			Rows: [][]any{{"ok", "情報資産", "A-001", 2, 1, 1}, {"bad", "情報資産", "A-999", 2, 1, 1}}}, tabular.UTF8BOM); err != nil {
			t.Fatal(err)
		}
		res, err = fresh.a.Risk.Import(ctx, authz.System, "r.csv", buf.Bytes())
		if err != nil || res.OK() || res.Errors[0].Row != 3 {
			t.Fatalf("bad file: %v %+v", err, res.Errors)
		}
		if rs, _ := fresh.a.Risk.List(ctx, authz.System, risk.Filter{}); len(rs) != 3 {
			t.Fatalf("%d risks after a refused file", len(rs))
		}
	})
}
