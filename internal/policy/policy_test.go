package policy_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/org"
	"kitei/internal/policy"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/testshared"
)

func seed(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testshared.Seeds(t), name))
	if err != nil {
		t.Skip(err)
	}
	return data
}

// mails records the e-mails sent.
type mails struct {
	mu   sync.Mutex
	sent []string // "to|subject"
}

func (m *mails) Send(_ context.Context, to, subject, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject)
	return nil
}

// world is an organisation: 本部 with the security office, 総務課 with its
// officer and three staff members, and 事業部 (a foreign unit).
type world struct {
	a                              *app.App
	chief, ciso, officer, outsider *authz.Principal
	staff                          []*authz.Principal
	unitSoumu, unitJigyo           org.Unit
	mail                           *mails
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	a := app.New(db, nil)
	w := &world{a: a, mail: &mails{}}
	t.Cleanup(a.Close)
	a.Policy.Mailer = w.mail
	o := a.Org
	if err := o.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	unit := func(code, name string, parent int64) org.Unit {
		u, err := o.CreateUnit(ctx, authz.System, org.Unit{Code: code, Name: name, Kind: "課", ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	root := unit("HQ", "本部", 0)
	w.unitSoumu = unit("SOUMU", "総務課", root.ID)
	w.unitJigyo = unit("JIGYO", "事業部", root.ID)
	n := 0
	person := func(name string, u org.Unit, roles ...string) *authz.Principal {
		n++
		no := "P" + strings.Repeat("0", 3) + string(rune('0'+n/10)) + string(rune('0'+n%10))
		p, err := o.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: name, Email: no + "@example.jp", UnitID: u.ID, Status: "active", JoinedOn: "2020-04-01"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			if _, err := o.Appoint(ctx, authz.System, org.Assignment{PersonID: p.ID, RoleKey: r, UnitID: u.ID, StartsOn: "2024-04-01"}); err != nil {
				t.Fatal(err)
			}
		}
		path, grants, _, err := o.Grants(ctx, p.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return &authz.Principal{PersonID: p.ID, Login: no, Name: name, UnitPath: path, Grants: grants}
	}
	w.chief = person("統括 一郎", root, authz.RoleChiefISO)
	w.ciso = person("最高 花子", root, authz.RoleCISO)
	w.officer = person("課室 次郎", w.unitSoumu, authz.RoleDivisionISO)
	for _, name := range []string{"職員 A", "職員 B", "職員 C"} {
		w.staff = append(w.staff, person(name, w.unitSoumu))
	}
	w.outsider = person("事業 三郎", w.unitJigyo)
	return w
}

func (w *world) importSeed(t *testing.T, name, file string, data []byte) catalog.ImportResult {
	t.Helper()
	res, err := w.a.Catalogs.Import(context.Background(), catalog.ImportRequest{Name: name, SourceName: file, Format: "jptext", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func nodeText(t *testing.T, nodes []policy.Node, ref string) string {
	t.Helper()
	for _, n := range nodes {
		if n.Ref == ref {
			return n.Text
		}
	}
	t.Fatalf("no node %s", ref)
	return ""
}

// TestDerivedLifecycle: a 対策基準 derived from seed 002 for three
// sections is edited node by node (two rewordings, one addition, one
// removal, each with its note); the 新旧対照表 against the parent shows
// exactly those; only the 統括 may edit and only a draft; the CISO
// approves with the committee's deliberation; the version becomes a
// catalog edition linked to the parent; staff are told and acknowledge;
// the officer sees who has not, in their unit only; a new parent edition
// opens a revision task naming the touched item, once.
func TestDerivedLifecycle(t *testing.T) {
	data := seed(t, "002_ea0d584469b154be.txt")
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := w.a.Policy
		parent := w.importSeed(t, "統一基準", "002.txt", data)

		sections := []string{"1.2.2", "1.2.4", "1.5.1"}
		if _, err := svc.Create(ctx, w.staff[0], policy.CreateInput{Name: "x", Origin: policy.OriginEmpty}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("staff created a document: %v", err)
		}
		d, err := svc.Create(ctx, w.chief, policy.CreateInput{Name: "対策基準", Title: "情報セキュリティ対策基準",
			Origin: policy.OriginDerived, Catalog: parent.Catalog.ID, Sections: sections, Note: "統一基準から導出"})
		if err != nil {
			t.Fatal(err)
		}
		_, nodes, err := svc.Draft(ctx, w.chief, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		cov, err := svc.Coverage(ctx, d, nodes)
		if err != nil || cov.Requirements == 0 || cov.Covered != cov.Requirements {
			t.Fatalf("coverage from the first draft = %+v %v", cov, err)
		}
		for _, n := range nodes {
			if n.DerivedFrom != n.Ref {
				t.Fatalf("node %s derived from %q", n.Ref, n.DerivedFrom)
			}
		}

		edit := func(p *authz.Principal, e policy.Edit) error {
			_, err := svc.Apply(ctx, p, d.ID, e)
			return err
		}
		const r1, r2 = "1.2.4.1(1)(a)", "1.5.1.1(1)(b)"
		reword1 := "統括情報セキュリティ責任者は、対策基準の見直しの要否を毎年度検討し、必要と認めた場合は見直すこと。"
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: r1, Text: reword1, Requirement: true, Subject: "統括情報セキュリティ責任者"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("an edit without a note: %v", err)
		}
		if err := edit(w.staff[0], policy.Edit{Op: "reword", Ref: r1, Text: "x", Note: "n"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("staff edited the draft: %v", err)
		}
		if err := edit(w.officer, policy.Edit{Op: "delete", Ref: r1, Note: "n"}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the 課室 officer edited the draft: %v", err)
		}
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: r1, Text: reword1, Requirement: true, Subject: "統括情報セキュリティ責任者", Note: "見直しの時期を明確化"}); err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: r2, Text: "情報システムセキュリティ責任者は、情報システムのセキュリティ要件を決定し、統括情報セキュリティ責任者に報告すること。",
			Requirement: true, Subject: "情報システムセキュリティ責任者", Note: "報告先を追加"}); err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "add", Ref: "1.2.4.1(1)(d)", Parent: "1.2.4.1(1)", After: "1.2.4.1(1)(c)", Kind: "item",
			Text: "統括情報セキュリティ責任者は、見直しの結果を情報セキュリティ委員会に報告すること。", Requirement: true,
			Subject: "統括情報セキュリティ責任者", Note: "委員会への報告を新設"}); err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "delete", Ref: "1.5.1.1(3)(a)", Note: "廃棄は別規程で定める"}); err != nil {
			t.Fatal(err)
		}
		cur, _ := svc.Doc(ctx, w.chief, d.ID)
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: r1, Text: "古い版での編集", Note: "x", Rev: cur.Rev - 1}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("an edit on a stale revision: %v", err)
		}
		// Renumber and move round trip: the node keeps its text.
		if err := edit(w.chief, policy.Edit{Op: "renumber", Ref: "1.2.4.1(1)(d)", NewRef: "1.2.4.1(1)(z)", Note: "番号"}); err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "renumber", Ref: "1.2.4.1(1)(z)", NewRef: "1.2.4.1(1)(d)", Note: "番号を戻す"}); err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "move", Ref: "1.2.4.1(1)(d)", Parent: "1.2.4.1(1)", After: "1.2.4.1(1)(c)", Note: "位置"}); err != nil {
			t.Fatal(err)
		}
		chs, _ := svc.Changes(ctx, w.chief, d.ID)
		if len(chs) != 8 || chs[len(chs)-1].Action != policy.ActCreate || chs[0].Note != "位置" {
			t.Errorf("change notes = %+v", chs)
		}

		// The 新旧対照表 against the parent shows the four edits.
		diff, err := svc.Diff(ctx, w.chief, d.ID, "parent", "draft", "ja")
		if err != nil {
			t.Fatal(err)
		}
		if diff.Counts != (crosswalk.Counts{Changed: 2, Added: 1, Removed: 1}) {
			t.Fatalf("diff against the parent = %+v", diff.Counts)
		}
		got := map[string]string{}
		for _, c := range diff.Changes {
			got[c.OldRef+c.NewRef] = c.Type
		}
		if got[r1+r1] != "changed" || got[r2+r2] != "changed" || got["1.2.4.1(1)(d)"] != "added" || got["1.5.1.1(3)(a)"] != "removed" {
			t.Errorf("changes = %v", got)
		}

		// Submit, review, approve.
		v, err := svc.Submit(ctx, w.chief, d.ID, 0, "委員会に諮る案")
		if err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: r1, Text: "審査中の編集", Note: "x"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("edit while under review: %v", err)
		}
		if _, err := svc.Comment(ctx, w.ciso, d.ID, v.Number, r1, "「毎年度」で良いか委員会で確認すること。"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Comment(ctx, w.staff[0], d.ID, v.Number, r1, "x"); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("staff commented: %v", err)
		}
		today := svc.Today()
		if _, err := svc.Decide(ctx, w.chief, d.ID, v.Number, policy.Decision{Approve: true, Deliberation: "x", EffectiveOn: today}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("the 統括 approved: %v", err)
		}
		if _, err := svc.Decide(ctx, w.ciso, d.ID, v.Number, policy.Decision{Approve: true, EffectiveOn: today}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("approval without the committee's deliberation: %v", err)
		}
		d, err = svc.Decide(ctx, w.ciso, d.ID, v.Number, policy.Decision{Approve: true, Deliberation: "第3回情報セキュリティ委員会で審議し、原案どおり了承", EffectiveOn: today})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != policy.StatusPublished || d.Published != 1 || d.CatalogID == 0 {
			t.Fatalf("after approval effective today: %+v", d)
		}
		// A published version cannot be edited.
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: r1, Text: "施行後の編集", Note: "x"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("edit of the published version: %v", err)
		}
		pv, cs, err := svc.Version(ctx, w.chief, d.ID, 1)
		if err != nil || pv.Status != policy.VersionPublished || pv.Deliberation == "" || len(cs) != 1 || cs[0].Ref != r1 {
			t.Fatalf("version = %+v comments %+v %v", pv, cs, err)
		}
		// The version is a catalog edition, linked to the parent.
		cat, err := w.a.Catalogs.Get(ctx, d.CatalogID)
		if err != nil || cat.Name != "対策基準" || cat.Latest.Nodes != len(pv.Nodes) {
			t.Fatalf("catalog = %+v %v", cat, err)
		}
		cnodes, _ := w.a.Catalogs.Nodes(ctx, cat.Latest.ID)
		if nodeText(t, pv.Nodes, r1) != reword1 || len(cnodes) != len(pv.Nodes) {
			t.Error("the catalog edition does not hold the approved text")
		}
		links, err := w.a.Crosswalk.Links(ctx, crosswalk.Filter{FromEdition: cat.Latest.ID})
		if err != nil {
			t.Fatal(err)
		}
		derived := 0
		for _, n := range pv.Nodes {
			if n.DerivedFrom != "" {
				derived++
			}
		}
		if len(links) != derived || derived == 0 {
			t.Errorf("%d crosswalk links for %d derived items", len(links), derived)
		}
		gaps, err := w.a.Crosswalk.Gaps(ctx, crosswalk.EditionRef{Catalog: parent.Catalog.ID}, crosswalk.EditionRef{Catalog: cat.ID}, crosswalk.GapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if gaps.Covered == 0 {
			t.Errorf("gap report sees no coverage: %+v", gaps)
		}

		// 周知: everyone is told (inbox and e-mail); two of three
		// acknowledge; the officer sees the third, in their unit only.
		var notices int
		if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = 'policy.published'`).Scan(&notices); err != nil {
			t.Fatal(err)
		}
		if notices != 7 || len(w.mail.sent) != 7 {
			t.Errorf("%d notices and %d e-mails for 7 people", notices, len(w.mail.sent))
		}
		for _, p := range w.staff[:2] {
			if err := svc.Acknowledge(ctx, p, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.Acknowledge(ctx, w.staff[0], d.ID); err != nil {
			t.Errorf("acknowledging twice: %v", err)
		}
		st, err := svc.Acks(ctx, w.officer, d.ID, w.unitSoumu.ID)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for _, m := range st.Missing {
			missing = append(missing, m.Name)
		}
		if len(st.Acked) != 2 || !slices.Contains(missing, "職員 C") || slices.Contains(missing, "職員 A") || slices.Contains(missing, "事業 三郎") {
			t.Errorf("officer's view: acked %+v missing %v", st.Acked, missing)
		}
		if len(st.Units) != 1 || st.Units[0].People != 4 || st.Units[0].Acked != 2 {
			t.Errorf("officer's rates = %+v", st.Units)
		}
		if _, err := svc.Acks(ctx, w.officer, d.ID, w.unitJigyo.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("officer read a foreign unit: %v", err)
		}
		all, err := svc.Acks(ctx, w.ciso, d.ID, 0)
		if err != nil || all.Total.People != 7 || all.Total.Acked != 2 {
			t.Errorf("organisation-wide rates = %+v %v", all.Total, err)
		}
		rd, err := svc.Read(ctx, w.staff[0], d.ID, nil)
		if err != nil || rd.AckedAt.IsZero() {
			t.Errorf("reading = %+v %v", rd.AckedAt, err)
		}

		// The parent changes: a revision task for the 統括, once.
		changed := strings.Replace(string(data), "行政事務従事者は、情報セキュリティ関係規程に課題及び問題点が認められる場合には",
			"行政事務従事者は、情報セキュリティ関係規程に課題又は問題点が認められる場合には", 1)
		if changed == string(data) {
			t.Fatal("the parent text to change was not found")
		}
		w.importSeed(t, "統一基準", "002-r2.txt", []byte(changed))
		res, err := svc.RunJobs(ctx)
		if err != nil || res.Tasks != 1 {
			t.Fatalf("jobs after the parent's new edition = %+v %v", res, err)
		}
		if res, err := svc.RunJobs(ctx); err != nil || res.Tasks != 0 {
			t.Errorf("jobs again = %+v %v", res, err)
		}
		tasks, err := svc.Tasks(ctx, w.chief, d.ID)
		if err != nil || len(tasks) != 1 || len(tasks[0].Items) != 1 || tasks[0].Items[0].Ref != "1.2.4.1(1)(b)" || tasks[0].ToNumber != 2 {
			t.Fatalf("tasks = %+v %v", tasks, err)
		}
		var chiefNotices int
		db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = 'policy.revision' AND person_id = $1`, w.chief.PersonID).Scan(&chiefNotices)
		if chiefNotices != 1 {
			t.Errorf("the 統括 got %d revision notices", chiefNotices)
		}
		if err := svc.CloseTask(ctx, w.chief, d.ID, tasks[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.CloseTask(ctx, w.chief, d.ID, tasks[0].ID); err != nil {
			t.Errorf("closing a closed task again: %v", err)
		}
		if d, _ = svc.Doc(ctx, w.chief, d.ID); d.ParentNumber != 2 {
			t.Errorf("after the task the document implements parent edition %d", d.ParentNumber)
		}
		if res, _ := svc.RunJobs(ctx); res.Tasks != 0 {
			t.Error("a task was opened again for the edition already followed")
		}

		// A revision starts from the version in force; diffing two
		// versions works after the second is published.
		if _, err := svc.Revise(ctx, w.chief, d.ID, "親の改定に追随"); err != nil {
			t.Fatal(err)
		}
		if err := edit(w.chief, policy.Edit{Op: "reword", Ref: "1.2.4.1(1)(b)", Text: "行政事務従事者は、情報セキュリティ関係規程に課題又は問題点が認められる場合には、統括情報セキュリティ責任者に相談すること。",
			Requirement: true, Subject: "行政事務従事者", Note: "上位の改定に追随"}); err != nil {
			t.Fatal(err)
		}
		v2, err := svc.Submit(ctx, w.chief, d.ID, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		tomorrow := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 1).Format(time.DateOnly)
		if d, err = svc.Decide(ctx, w.ciso, d.ID, v2.Number, policy.Decision{Approve: true, Deliberation: "持ち回りで審議", EffectiveOn: tomorrow}); err != nil || d.Status != policy.StatusApproved {
			t.Fatalf("approval effective tomorrow: %+v %v", d, err)
		}
		if res, _ := svc.RunJobs(ctx); res.Published != 0 {
			t.Error("published before its effective date")
		}
		svc.Now = func() time.Time { return time.Now().Add(24 * time.Hour) }
		if res, err := svc.RunJobs(ctx); err != nil || res.Published != 1 {
			t.Fatalf("jobs on the effective date = %+v %v", res, err)
		}
		vd, err := svc.Diff(ctx, w.chief, d.ID, "1", "2", "ja")
		if err != nil || vd.Counts != (crosswalk.Counts{Changed: 1}) {
			t.Errorf("version diff = %+v %v", vd.Counts, err)
		}
		if d, _ = svc.Doc(ctx, w.chief, d.ID); d.Published != 2 {
			t.Errorf("in force: %d", d.Published)
		}
		// Acknowledgments are per version: nobody has acknowledged v2.
		if st, _ := svc.Acks(ctx, w.officer, d.ID, 0); st.Total.Acked != 0 {
			t.Errorf("acks carried over to the new version: %+v", st.Total)
		}
	})
}
