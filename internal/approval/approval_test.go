package approval_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// world is a small organisation: 本部 > 総務部 (A) > 総務課 (A1), and
// 事業部 (B). staff and officer work in A1 (officer is its 課室情報セキュリティ
// 責任者), head is the 情報セキュリティ責任者 of A, chief is 統括, office the
// security office; foreign works in B, whose officer is officerB.
type world struct {
	db                                           *store.DB
	org                                          *org.Service
	cat                                          *catalog.Service
	svc                                          *approval.Service
	clock                                        *clock
	unitA, unitA1, unitB                         org.Unit
	staff, officer, head, chief, office, foreign org.Person
	officerB                                     org.Person
	mailer                                       *countMailer
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(day string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" 09:00", time.Local)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type countMailer struct {
	mu   sync.Mutex
	sent []string // "to|subject"
}

func (m *countMailer) Send(_ context.Context, to, subject, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject)
	return nil
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, org: org.NewService(db.Org()), clock: &clock{}}
	w.clock.set("2025-03-25")
	w.cat = catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": jptext.Parse})
	if err := w.org.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit := func(code, name string, parent int64) org.Unit {
		u, err := w.org.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "部", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := unit("R", "本部", 0)
	w.unitA = unit("A", "総務部", root.ID)
	w.unitA1 = unit("A1", "総務課", w.unitA.ID)
	w.unitB = unit("B", "事業部", root.ID)
	person := func(no string, u org.Unit, role string, roleUnit int64) org.Person {
		p, err := w.org.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "職員" + no, Email: strings.ToLower(no) + "@example.jp",
			UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			if _, err := w.org.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: role, UnitID: roleUnit, StartsOn: "2024-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	w.staff = person("S1", w.unitA1, "", 0)
	w.officer = person("O1", w.unitA1, authz.RoleDivisionISO, w.unitA1.ID)
	w.head = person("H1", w.unitA, authz.RoleISO, w.unitA.ID)
	w.chief = person("C1", root, authz.RoleChiefISO, 0)
	w.office = person("X1", root, authz.RoleSecOffice, 0)
	w.foreign = person("F1", w.unitB, "", 0)
	w.officerB = person("OB", w.unitB, authz.RoleDivisionISO, w.unitB.ID)
	w.svc = w.service(db)
	return w
}

// service is one replica of the engine over db.
func (w *world) service(db *store.DB) *approval.Service {
	s := approval.NewService(db.Approvals(), org.NewService(db.Org()), w.cat)
	s.SetClock(w.clock.now)
	if w.mailer == nil {
		w.mailer = &countMailer{}
	}
	s.Mailer = w.mailer
	if err := s.EnsureBuiltinTypes(context.Background()); err != nil {
		panic(err)
	}
	return s
}

// as is the principal of a person today.
func (w *world) as(t *testing.T, p org.Person) *authz.Principal {
	t.Helper()
	path, grants, _, err := w.org.Grants(context.Background(), p.ID, w.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{PersonID: p.ID, Login: p.EmployeeNo, Name: p.Name, UnitPath: path, Grants: grants}
}

func (w *world) notices(t *testing.T, p org.Person, kind string) []approval.Notice {
	t.Helper()
	ns, err := w.svc.Inbox(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []approval.Notice
	for _, n := range ns {
		if kind == "" || n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// seedDir finds shared/seeds beside the repository.
func seedDir() string {
	dir, _ := os.Getwd()
	for dir != "" {
		cand := filepath.Join(dir, "shared", "seeds")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

func importSeed(t *testing.T, w *world, id string) catalog.Catalog {
	t.Helper()
	dir := seedDir()
	if dir == "" {
		t.Skip("seed documents not found (expected shared/seeds beside the repository)")
	}
	m, _ := filepath.Glob(filepath.Join(dir, id+"_*.txt"))
	if len(m) != 1 {
		t.Skipf("seed %s not found", id)
	}
	data, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.cat.Import(context.Background(), catalog.ImportRequest{Name: "国立環境研究所情報セキュリティポリシー", SourceName: filepath.Base(m[0]), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return res.Catalog
}

func exceptionInput(catalogID int64, ref string) approval.Input {
	return approval.Input{TypeKey: approval.TypeException, Values: map[string]string{
		"title": "研究データ解析用サーバの暫定運用", "contact": "内線 1234",
		"catalog_id": fmt.Sprint(catalogID), "node_ref": ref,
		"starts_on": "2025-04-01", "ends_on": "2025-04-30",
		"measure": "解析専用の隔離ネットワークに置き、作業記録を毎日残す", "reason": "調達中の正式環境が納入されるまでの間",
		"end_method": "終了時に課室情報セキュリティ責任者へ書面で報告する"}}
}

func TestBuiltinTypes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		ts, err := w.svc.Types(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != len(approval.Builtin()) || ts[0].Key != approval.TypeException || ts[0].Name != "例外措置" {
			t.Fatalf("types = %+v", ts)
		}
		// The security office edits a type; seeding again keeps the edit.
		ex := ts[0]
		ex.Name = "例外措置の適用"
		if err := w.svc.SaveType(ctx, w.as(t, w.staff), ex); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("staff edited a type: %v", err)
		}
		if err := w.svc.SaveType(ctx, w.as(t, w.office), ex); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.EnsureBuiltinTypes(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := w.svc.Type(ctx, approval.TypeException)
		if got.Name != "例外措置の適用" {
			t.Errorf("seeding overwrote the edited type: %q", got.Name)
		}
		bad := ex
		bad.Levels = []approval.LevelRule{{Level: "機密性3", Outcome: "maybe"}}
		if err := w.svc.SaveType(ctx, w.as(t, w.office), bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("bad type saved: %v", err)
		}
	})
}

// A staff member files a 例外措置 against a rule of seed 000; their 課室
// officer approves it with a condition; the ledger shows it; after the
// period the end report is chased until it is filed.
func TestExceptionLifecycle(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cat := importSeed(t, w, "000")
		staff, officer := w.as(t, w.staff), w.as(t, w.officer)

		// A clause the catalog does not have is refused and stores nothing.
		if _, err := w.svc.File(ctx, staff, exceptionInput(cat.ID, "9.9.9(9)(z)"), true); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("unknown clause: %v", err)
		}
		if mine, _ := w.svc.Mine(ctx, staff); len(mine) != 0 {
			t.Fatalf("a refused filing left %d requests", len(mine))
		}
		// Missing a required field: the draft is kept, submission refused.
		in := exceptionInput(cat.ID, "2.2.2(2)(a)")
		delete(in.Values, "measure")
		d, err := w.svc.File(ctx, staff, in, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Submit(ctx, staff, d.ID); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("incomplete submit: %v", err)
		}
		r, err := w.svc.Update(ctx, staff, d.ID, exceptionInput(cat.ID, "2.2.2(2)(a)"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.RuleText, "例外措置") || r.NodeRef != "2.2.2(2)(a)" || r.CatalogID != cat.ID {
			t.Fatalf("rule = %d %q %q", r.CatalogID, r.NodeRef, r.RuleText)
		}
		r, err = w.svc.Submit(ctx, staff, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != approval.Submitted || r.DeciderID != w.officer.ID || r.Escalated || r.Outcome != approval.OutcomePermit {
			t.Fatalf("submitted = %+v", r)
		}
		if ns := w.notices(t, w.officer, "request.submitted"); len(ns) != 1 {
			t.Fatalf("officer notices = %+v", ns)
		}
		if q, _ := w.svc.Waiting(ctx, officer); len(q) != 1 || q[0].ID != r.ID {
			t.Fatalf("waiting = %+v", q)
		}
		r, err = w.svc.Decide(ctx, officer, r.ID, approval.Decision{Action: approval.ActApprove, Conditions: "作業記録を週次で提出すること"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != approval.Approved || r.Conditions != "作業記録を週次で提出すること" {
			t.Fatalf("approved = %+v", r)
		}
		if ns := w.notices(t, w.staff, "request.approve"); len(ns) != 1 || !strings.Contains(ns[0].Message, "作業記録を週次") {
			t.Fatalf("staff notices = %+v", ns)
		}
		// The ledger of 例外措置: the officer sees it, B's officer does not.
		led, err := w.svc.Ledger(ctx, officer, approval.Filter{TypeKey: approval.TypeException})
		if err != nil || len(led) != 1 || led[0].Conditions == "" || led[0].DeciderName != w.officer.Name {
			t.Fatalf("ledger = %+v %v", led, err)
		}
		if led, _ := w.svc.Ledger(ctx, w.as(t, w.officerB), approval.Filter{}); len(led) != 0 {
			t.Fatalf("foreign officer's ledger shows %d", len(led))
		}
		if _, err := w.svc.Ledger(ctx, staff, approval.Filter{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff ledger: %v", err)
		}
		if all, _ := w.svc.Ledger(ctx, w.as(t, w.office), approval.Filter{TypeKey: approval.TypeException, Statuses: []approval.Status{approval.Approved}}); len(all) != 1 {
			t.Fatalf("office ledger = %d", len(all))
		}

		// The period starts, ends, and the end report is chased.
		w.clock.set("2025-04-01")
		if res, err := w.svc.RunJobs(ctx, "a"); err != nil || res.Activated != 1 {
			t.Fatalf("activate: %+v %v", res, err)
		}
		w.clock.set("2025-04-30")
		if res, _ := w.svc.RunJobs(ctx, "a"); res.Expired != 0 || res.Chased != 0 {
			t.Fatalf("last day: %+v", res)
		}
		w.clock.set("2025-05-01")
		res, err := w.svc.RunJobs(ctx, "a")
		if err != nil || res.Expired != 1 || res.Chased != 1 || res.Reported != 1 {
			t.Fatalf("after the period: %+v %v", res, err)
		}
		if res, _ := w.svc.RunJobs(ctx, "b"); res.Chased != 0 || res.Reported != 0 {
			t.Fatalf("same day again: %+v", res)
		}
		if n := len(w.notices(t, w.staff, "request.chase")); n != 1 {
			t.Fatalf("staff chased %d times", n)
		}
		if n := len(w.notices(t, w.officer, "request.chase")); n != 1 {
			t.Fatalf("officer told %d times", n)
		}
		if n := len(w.notices(t, w.office, "request.overdue")); n != 1 {
			t.Fatalf("office overdue notices %d", n)
		}
		ov, err := w.svc.Overdue(ctx, w.as(t, w.office))
		if err != nil || len(ov) != 1 || ov[0].Reason != "end_report" {
			t.Fatalf("overdue = %+v %v", ov, err)
		}
		w.clock.set("2025-05-02")
		if res, _ := w.svc.RunJobs(ctx, "a"); res.Chased != 1 {
			t.Fatalf("next day: %+v", res)
		}
		r, err = w.svc.ReportEnd(ctx, staff, r.ID, "2025-04-30 に運用を終了し、正式環境へ移行した")
		if err != nil || r.Status != approval.Ended {
			t.Fatalf("end report: %+v %v", r, err)
		}
		if ov, _ := w.svc.Overdue(ctx, w.as(t, w.office)); len(ov) != 0 {
			t.Fatalf("still overdue: %+v", ov)
		}
		_, hist, err := w.svc.Get(ctx, officer, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range hist {
			acts = append(acts, e.Action)
		}
		if got := strings.Join(acts, ","); got != "create,edit,submit,approve,activate,expire,end" {
			t.Fatalf("history = %s", got)
		}
		evs, err := db.Audit().List(ctx, audit.Filter{ObjectType: "request", ObjectID: fmt.Sprint(r.ID)})
		if err != nil || len(evs) != 7 {
			t.Fatalf("audit = %d %v", len(evs), err)
		}
		var acted []string
		for _, e := range evs {
			acted = append(acted, e.Action)
		}
		if !strings.Contains(strings.Join(acted, ","), "request.approve") {
			t.Fatalf("audit actions = %v", acted)
		}
	})
}

// An emergency 例外措置 filed after the fact starts in the past.
func TestEmergencyAfterTheFact(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cat := importSeed(t, w, "000")
		in := exceptionInput(cat.ID, "2.2.2(2)(a)")
		in.Values["starts_on"] = "2025-03-20"
		if _, err := w.svc.File(ctx, w.as(t, w.staff), in, true); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("past start without emergency: %v", err)
		}
		in.Emergency = true
		r, err := w.svc.File(ctx, w.as(t, w.staff), in, true)
		if err != nil || !r.Emergency || r.Status != approval.Submitted {
			t.Fatalf("emergency: %+v %v", r, err)
		}
		if ns := w.notices(t, w.officer, "request.submitted"); len(ns) != 1 || !strings.Contains(ns[0].Message, "事後") {
			t.Fatalf("notices = %+v", ns)
		}
		r, err = w.svc.Decide(ctx, w.as(t, w.officer), r.ID, approval.Decision{Action: approval.ActApprove})
		if err != nil || r.Status != approval.InEffect {
			t.Fatalf("approve emergency: %+v %v", r, err)
		}
	})
}

func takeOut(level string) approval.Input {
	return approval.Input{TypeKey: approval.TypeTakeOut, Values: map[string]string{
		"title": "学会発表資料", "level": level, "information": "発表用の解析結果", "destination": "国際会議場",
		"starts_on": "2025-04-10", "ends_on": "2025-04-12", "method": "暗号化した USB メモリで携行"}}
}

// The officer's own request goes to their superior.
func TestOfficerRequestEscalates(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		officer := w.as(t, w.officer)
		r, err := w.svc.File(ctx, officer, takeOut("機密性3"), true)
		if err != nil {
			t.Fatal(err)
		}
		if r.DeciderID != w.head.ID || !r.Escalated {
			t.Fatalf("decider %d escalated %v, want head %d", r.DeciderID, r.Escalated, w.head.ID)
		}
		if _, err := w.svc.Decide(ctx, officer, r.ID, approval.Decision{Action: approval.ActApprove}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("self-approval: %v", err)
		}
		if _, err := w.svc.Decide(ctx, w.as(t, w.head), r.ID, approval.Decision{Action: approval.ActApprove}); err != nil {
			t.Fatal(err)
		}
		// The head's own request goes to 統括.
		r2, err := w.svc.File(ctx, w.as(t, w.head), takeOut("機密性3"), true)
		if err != nil || r2.DeciderID != w.chief.ID || !r2.Escalated {
			t.Fatalf("head's request: decider %d (%v)", r2.DeciderID, err)
		}
	})
}

// Taking out 機密性3 needs a permit; 機密性2 is a notice; 機密性1 needs nothing.
func TestLevelRule(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		staff := w.as(t, w.staff)
		r3, err := w.svc.File(ctx, staff, takeOut("機密性3"), true)
		if err != nil || r3.Status != approval.Submitted || r3.Outcome != approval.OutcomePermit {
			t.Fatalf("機密性3: %+v %v", r3, err)
		}
		r2, err := w.svc.File(ctx, staff, takeOut("機密性2"), true)
		if err != nil || r2.Outcome != approval.OutcomeNotice || r2.Status != approval.Approved || r2.DeciderID != w.officer.ID {
			t.Fatalf("機密性2: %+v %v", r2, err)
		}
		if ns := w.notices(t, w.officer, "request.notice"); len(ns) != 1 {
			t.Fatalf("notice to officer: %+v", ns)
		}
		if _, err := w.svc.Decide(ctx, w.as(t, w.officer), r2.ID, approval.Decision{Action: approval.ActApprove}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("deciding a notice: %v", err)
		}
		d1, err := w.svc.File(ctx, staff, takeOut("機密性1"), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Submit(ctx, staff, d1.ID); !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.Message(err, i18n.Ja), "対象外") {
			t.Fatalf("機密性1: %v", err)
		}
		if _, err := w.svc.File(ctx, staff, takeOut("極秘"), true); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("unknown level: %v", err)
		}
		// Media holding 要保全 information need a permit too; cloud use with
		// 要機密 information goes to 統括.
		m, err := w.svc.File(ctx, staff, approval.Input{TypeKey: approval.TypeMediaTakeOut, Values: map[string]string{
			"title": "バックアップ媒体", "level": "要保全情報", "media": "USB-0042", "destination": "委託先",
			"starts_on": "2025-04-01", "ends_on": "2025-04-02", "protection": "暗号化"}}, true)
		if err != nil || m.Outcome != approval.OutcomePermit {
			t.Fatalf("media: %+v %v", m, err)
		}
		c, err := w.svc.File(ctx, staff, approval.Input{TypeKey: approval.TypeCloud, Values: map[string]string{
			"title": "ファイル共有サービス", "level": "要機密情報", "provider": "某社", "purpose": "共同研究先との共有", "ismap": "登録あり"}}, true)
		if err != nil || c.DeciderID != w.chief.ID {
			t.Fatalf("cloud: %+v %v", c, err)
		}
	})
}

// A decision by someone other than the decider, a second decision and an
// out-of-order transition are refused and change nothing.
func TestRefusalsChangeNothing(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		r, err := w.svc.File(ctx, w.as(t, w.staff), takeOut("機密性3"), true)
		if err != nil {
			t.Fatal(err)
		}
		snapshot := func() string {
			cur, hist, err := w.svc.Get(ctx, w.as(t, w.office), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := db.Audit().Count(ctx, audit.Filter{ObjectType: "request"})
			return fmt.Sprintf("%s v%d h%d a%d c%q", cur.Status, cur.Version, len(hist), n, cur.Conditions)
		}
		approve := approval.Decision{Action: approval.ActApprove, Conditions: "x"}
		before := snapshot()
		cases := []struct {
			name string
			err  error
			code apperr.Code
		}{
			{"chief (not the assigned decider)", second(w.svc.Decide(ctx, w.as(t, w.chief), r.ID, approve)), apperr.Forbidden},
			{"B's officer (cannot see it)", second(w.svc.Decide(ctx, w.as(t, w.officerB), r.ID, approve)), apperr.NotFound},
			{"the applicant", second(w.svc.Decide(ctx, w.as(t, w.staff), r.ID, approve)), apperr.Forbidden},
			{"security office", second(w.svc.Decide(ctx, w.as(t, w.office), r.ID, approve)), apperr.Forbidden},
			{"end report before the decision", second(w.svc.ReportEnd(ctx, w.as(t, w.staff), r.ID, "終了")), apperr.Conflict},
			{"reject without a reason", second(w.svc.Decide(ctx, w.as(t, w.officer), r.ID, approval.Decision{Action: approval.ActReject})), apperr.Invalid},
			{"unknown decision", second(w.svc.Decide(ctx, w.as(t, w.officer), r.ID, approval.Decision{Action: "maybe"})), apperr.Invalid},
			{"resubmit while submitted", second(w.svc.Submit(ctx, w.as(t, w.staff), r.ID)), apperr.Conflict},
		}
		for _, c := range cases {
			if !apperr.Is(c.err, c.code) {
				t.Errorf("%s: got %v, want %s", c.name, c.err, c.code)
			}
		}
		if after := snapshot(); after != before {
			t.Fatalf("refusals changed the request: %s → %s", before, after)
		}
		// A chief without the request in their queue who no longer holds
		// the role: covered by Forbidden above. Now decide, then refuse a
		// second decision and a withdrawal.
		if _, err := w.svc.Decide(ctx, w.as(t, w.officer), r.ID, approval.Decision{Action: approval.ActReject, Note: "持出しの必要性が不明"}); err != nil {
			t.Fatal(err)
		}
		before = snapshot()
		if _, err := w.svc.Decide(ctx, w.as(t, w.officer), r.ID, approve); !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "already decided") {
			t.Errorf("second decision: %v", err)
		}
		if _, err := w.svc.Withdraw(ctx, w.as(t, w.staff), r.ID, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("withdraw after rejection: %v", err)
		}
		if after := snapshot(); after != before {
			t.Fatalf("refusals changed the decided request: %s → %s", before, after)
		}
		// Return for changes, resubmit, withdraw.
		r2, _ := w.svc.File(ctx, w.as(t, w.staff), takeOut("機密性3"), true)
		if r2, err = w.svc.Decide(ctx, w.as(t, w.officer), r2.ID, approval.Decision{Action: approval.ActReturn, Note: "持出し先を具体的に"}); err != nil || r2.Status != approval.Returned {
			t.Fatalf("return: %v", err)
		}
		in := takeOut("機密性3")
		in.Values["destination"] = "国立国際会議場 会議室 3"
		if _, err := w.svc.Update(ctx, w.as(t, w.staff), r2.ID, in); err != nil {
			t.Fatal(err)
		}
		if r2, err = w.svc.Submit(ctx, w.as(t, w.staff), r2.ID); err != nil || r2.Status != approval.Submitted {
			t.Fatalf("resubmit: %v", err)
		}
		if r2, err = w.svc.Withdraw(ctx, w.as(t, w.staff), r2.ID, "不要になった"); err != nil || r2.Status != approval.Withdrawn {
			t.Fatalf("withdraw: %v", err)
		}
	})
}

// Two decisions racing on one request: exactly one is stored.
func TestConcurrentDecisions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		r, err := w.svc.File(ctx, w.as(t, w.staff), takeOut("機密性3"), true)
		if err != nil {
			t.Fatal(err)
		}
		officer := w.as(t, w.officer)
		var ok, conflict atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				d := approval.Decision{Action: approval.ActApprove}
				if i%2 == 1 {
					d = approval.Decision{Action: approval.ActReject, Note: "不可"}
				}
				_, err := w.svc.Decide(ctx, officer, r.ID, d)
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.Is(err, apperr.Conflict):
					conflict.Add(1)
				default:
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if ok.Load() != 1 || conflict.Load() != 5 {
			t.Fatalf("%d decisions stored, %d refused", ok.Load(), conflict.Load())
		}
		_, hist, _ := w.svc.Get(ctx, officer, r.ID)
		if len(hist) != 3 {
			t.Fatalf("history has %d lines", len(hist))
		}
	})
}

func second[T any](_ T, err error) error { return err }

// Two replicas of the engine over one store run the jobs at the same time:
// each reminder is stored, and mailed, once.
func TestRemindersOnceAcrossReplicas(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db1, err := store.Open(ctx, dsn, store.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db1.Close()
			db2, err := store.Open(ctx, dsn, store.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			w := newWorld(t, db1)
			replicas := []*approval.Service{w.svc, w.service(db2)}
			const n = 4
			for i := 0; i < n; i++ {
				if _, err := w.svc.File(ctx, w.as(t, w.staff), takeOut("機密性3"), true); err != nil {
					t.Fatal(err)
				}
			}
			w.clock.set("2025-03-29") // four days later: every request is overdue
			var reminded atomic.Int64
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					res, err := replicas[i%2].RunJobs(ctx, fmt.Sprintf("replica-%d-%d", i%2, i))
					if err != nil {
						t.Error(err)
					}
					reminded.Add(int64(res.Reminded))
				}(i)
			}
			wg.Wait()
			if got := len(w.notices(t, w.officer, "request.remind")); got != n || reminded.Load() != n {
				t.Fatalf("reminders stored %d, reported %d; want %d", got, reminded.Load(), n)
			}
			mails := 0
			w.mailer.mu.Lock()
			for _, s := range w.mailer.sent {
				if strings.HasPrefix(s, "o1@example.jp|") && strings.Contains(s, "決裁を待って") {
					mails++
				}
			}
			w.mailer.mu.Unlock()
			if mails != n {
				t.Fatalf("%d reminder mails, want %d", mails, n)
			}
			// A restart on the same day sends nothing again; the next day does.
			if res, _ := w.service(db2).RunJobs(ctx, "restarted"); res.Reminded != 0 {
				t.Fatalf("restart resent: %+v", res)
			}
			w.clock.set("2025-03-30")
			if res, _ := replicas[1].RunJobs(ctx, "replica-1"); res.Reminded != n {
				t.Fatalf("next day: %+v", res)
			}
		})
	}
}

// E-mail copies go through SMTP when configured.
func TestNoticesByMail(t *testing.T) {
	sink := startSink(t)
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	w.svc.Mailer = &notify.SMTPMailer{Addr: sink.addr, From: "kitei@example.jp"}
	if _, err := w.svc.File(context.Background(), w.as(t, w.staff), takeOut("機密性3"), true); err != nil {
		t.Fatal(err)
	}
	msgs := sink.wait(t, 1)
	if !strings.Contains(msgs[0], "RCPT TO:<o1@example.jp>") || !strings.Contains(msgs[0], "Subject: =?UTF-8?b?") {
		t.Fatalf("mail = %q", msgs[0])
	}
}

type smtpSink struct {
	addr string
	mu   sync.Mutex
	msgs []string
}

// startSink runs a minimal SMTP server that accepts every message.
func startSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpSink{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 sink ESMTP\r\n")
	var msg strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				s.mu.Lock()
				s.msgs = append(s.msgs, msg.String())
				s.mu.Unlock()
				msg.Reset()
				fmt.Fprintf(c, "250 ok\r\n")
				continue
			}
			msg.WriteString(line)
			continue
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			fmt.Fprintf(c, "250 sink\r\n")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
			msg.WriteString(strings.TrimSpace(line) + "\n")
			fmt.Fprintf(c, "250 ok\r\n")
		case cmd == "DATA":
			inData = true
			fmt.Fprintf(c, "354 go on\r\n")
		case cmd == "QUIT":
			fmt.Fprintf(c, "221 bye\r\n")
			return
		default:
			fmt.Fprintf(c, "250 ok\r\n")
		}
	}
}

func (s *smtpSink) wait(t *testing.T, n int) []string {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		if len(s.msgs) >= n {
			out := append([]string(nil), s.msgs...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the SMTP sink got no message")
	return nil
}

// The ledger's period filter selects requests whose period overlaps the
// days asked for (one without a period counts on the day it was filed);
// marking a notice read works only on one's own notices.
func TestLedgerPeriodAndMarkRead(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cat := importSeed(t, w, "000")
		staff, officer := w.as(t, w.staff), w.as(t, w.officer)
		if _, err := w.svc.File(ctx, staff, exceptionInput(cat.ID, "2.2.2(2)(a)"), true); err != nil { // 2025-04-01 – 2025-04-30
			t.Fatal(err)
		}
		if _, err := w.svc.File(ctx, staff, approval.Input{TypeKey: approval.TypeC3Provision, Values: map[string]string{
			"title": "共同研究の計測データ", "recipient": "共同研究先", "purpose": "解析", "method": "暗号化して送付",
			"handling": "再提供禁止", "on": "2025-03-26"}}, true); err != nil { // filed 2025-03-25, no period
			t.Fatal(err)
		}
		for _, c := range []struct {
			from, to string
			want     int
		}{
			{"", "", 2},
			{"2025-04-15", "2025-05-10", 1},
			{"2025-04-30", "2025-04-30", 1},
			{"2025-05-01", "", 0},
			{"", "2025-03-31", 1},
			{"2025-03-25", "2025-03-25", 1},
			{"2025-03-20", "2025-04-01", 2},
		} {
			led, err := w.svc.Ledger(ctx, officer, approval.Filter{PeriodFrom: c.from, PeriodTo: c.to})
			if err != nil || len(led) != c.want {
				t.Errorf("ledger %s – %s: %d rows, want %d (%v)", c.from, c.to, len(led), c.want, err)
			}
		}
		if _, err := w.svc.Ledger(ctx, officer, approval.Filter{PeriodFrom: "2025/04/01"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a malformed day: %v", err)
		}

		led, _ := w.svc.Ledger(ctx, officer, approval.Filter{TypeKey: approval.TypeC3Provision})
		if _, err := w.svc.Decide(ctx, officer, led[0].ID, approval.Decision{Action: approval.ActApprove}); err != nil {
			t.Fatal(err)
		}
		mine, others := w.notices(t, w.staff, ""), w.notices(t, w.officer, "")
		if len(mine) == 0 || len(others) == 0 {
			t.Fatalf("notices: staff %d, officer %d", len(mine), len(others))
		}
		if err := w.svc.MarkRead(ctx, w.staff.ID, others[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("marking somebody else's notice: %v", err)
		}
		if w.notices(t, w.officer, "")[0].ReadAt.IsZero() == false {
			t.Fatal("somebody else's notice was marked read")
		}
		for range 2 { // marking again keeps the first time
			if err := w.svc.MarkRead(ctx, w.officer.ID, others[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		if n := w.notices(t, w.officer, ""); n[0].ReadAt.IsZero() {
			t.Fatal("the notice was not marked read")
		}
		if err := w.svc.MarkRead(ctx, w.officer.ID, 0); err != nil {
			t.Fatal(err)
		}
		for _, n := range w.notices(t, w.officer, "") {
			if n.ReadAt.IsZero() {
				t.Fatalf("notice %d unread after marking all", n.ID)
			}
		}
		if n := w.notices(t, w.staff, ""); !n[0].ReadAt.IsZero() {
			t.Fatal("marking all read touched another person's notices")
		}
	})
}

// Filing with submit is one transaction: a submission refused after the
// draft checks (here: the period has already started) stores no draft, no
// history, no notice and no audit entry, and one that succeeds stores the
// request, both history lines and the decider's notice together.
func TestFileAndSubmitIsOneTransaction(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		staff := w.as(t, w.staff)
		takeOut := func(starts string) approval.Input {
			return approval.Input{TypeKey: approval.TypeTakeOut, Values: map[string]string{"title": "会議資料", "level": "機密性3",
				"information": "会議資料", "destination": "会場", "starts_on": starts, "ends_on": "2025-04-30", "method": "暗号化"}}
		}
		all := func() []approval.Request {
			rs, err := db.Approvals().Requests(ctx, approval.Filter{Scope: approval.Scope{All: true}})
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		auditCount := func() int {
			var n int
			if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action LIKE 'request.%'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		mailsBefore := len(w.mailer.sent)

		// The draft alone would be fine; its submission is refused.
		if _, err := w.svc.File(ctx, staff, takeOut("2025-03-01"), false); err != nil {
			t.Fatalf("the draft itself is refused: %v", err)
		}
		drafts, audits := len(all()), auditCount()
		r, err := w.svc.File(ctx, staff, takeOut("2025-03-01"), true)
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("filing with a past start: %v", err)
		}
		if r.ID != 0 {
			t.Errorf("the refused filing reports request %d", r.ID)
		}
		if n := len(all()); n != drafts {
			t.Errorf("the refused filing left %d requests (want %d)", n, drafts)
		}
		if n := auditCount(); n != audits {
			t.Errorf("the refused filing audited %d entries", n-audits)
		}
		if ns := w.notices(t, w.officer, ""); len(ns) != 0 {
			t.Errorf("the refused filing sent notices: %+v", ns)
		}

		// Accepted: stored, submitted, the decider told, all at once.
		r, err = w.svc.File(ctx, staff, takeOut("2025-04-01"), true)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Status != approval.Submitted || r.DeciderID != w.officer.ID || r.Version != 2 || r.ApplicantName != w.staff.Name {
			t.Fatalf("filed = %+v", r)
		}
		_, hist, err := w.svc.Get(ctx, staff, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range hist {
			acts = append(acts, e.Action)
		}
		if got := strings.Join(acts, ","); got != "create,submit" {
			t.Errorf("history = %s", got)
		}
		if ns := w.notices(t, w.officer, "request.submitted"); len(ns) != 1 || ns[0].Ref != fmt.Sprintf("request:%d", r.ID) {
			t.Errorf("decider's notices = %+v", ns)
		}
		if n := auditCount() - audits; n != 2 {
			t.Errorf("%d audit entries for a filing with submit, want 2 (create, submit)", n)
		}
		if n := len(w.mailer.sent) - mailsBefore; n != 1 {
			t.Errorf("%d mails, want 1", n)
		}

		// A failure inside the store's transaction (a notice for nobody)
		// rolls the new draft back too.
		before := len(all())
		next := r
		next.Status, next.ID = approval.Submitted, 0
		_, err = db.Approvals().CreateRequest(ctx, approval.Request{TypeKey: approval.TypeTakeOut, ApplicantID: w.staff.ID, UnitID: w.unitA1.ID,
			Title: "巻き戻し", Status: approval.Draft, CreatedAt: w.clock.now(), UpdatedAt: w.clock.now(), Version: 1},
			approval.Event{Action: "create", To: approval.Draft, ActorID: w.staff.ID, At: w.clock.now()},
			&approval.Submission{Next: next, Event: approval.Event{Action: approval.ActSubmit, From: approval.Draft, To: approval.Submitted, At: w.clock.now()},
				Notices: func(id int64) []approval.Notice {
					return []approval.Notice{{PersonID: 1 << 40, Kind: "request.submitted", Ref: fmt.Sprintf("request:%d", id), Message: "x", CreatedAt: w.clock.now()}}
				}})
		if err == nil {
			t.Fatal("a notice for nobody was stored")
		}
		if n := len(all()); n != before {
			t.Errorf("the failed transaction left %d new requests", n-before)
		}
	})
}
