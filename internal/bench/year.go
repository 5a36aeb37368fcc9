package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/audit"
	"kitei/internal/auditeng"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/incident"
	"kitei/internal/inventory"
	"kitei/internal/org"
	"kitei/internal/policy"
	"kitei/internal/register"
	"kitei/internal/risk"
	"kitei/internal/store"
	"kitei/internal/tracker"
	"kitei/internal/training"
	"kitei/internal/wareki"
	"kitei/internal/yearly"
)

// MinYearPeople is the smallest organisation FillYear builds.
const MinYearPeople = 200

// YearOptions size the year of data FillYear writes.
type YearOptions struct {
	People int // default 20,000; every other count scales with it
	Items  int // self-inspection items (default 30)
	// Answered is the percent of the people who answered and submitted the
	// self-inspection (default 10).
	Answered int
	// Acked and Trained are the percent of the people who acknowledged the
	// policy and completed the e-learning course (default 90 and 85).
	Acked, Trained int
	Log            io.Writer
}

// Year is what FillYear made: the records the page benchmark points its
// routes at, and how many of each there are.
type Year struct {
	Fixture *Fixture
	// Catalog2 is a second rulebook (an implementing procedure) for the
	// crosswalk pages.
	Catalog2  int64
	Readers   map[string]int64 // reader name → person
	CatalogID int64
	Tag       string

	// Readers: a staff member, the 課室情報セキュリティ責任者 of their 課,
	// the 情報セキュリティ責任者 of their 部, the 統括 (also CISO) and an
	// administrator.
	Staff, Officer, BuOfficer, Chief, Admin int64
	StaffUnit, BuUnit                       int64

	// Records, one of each kind at least (the staff member's own where a
	// page shows only one's own).
	Requests      []int64
	StaffRequest  int64
	Incidents     []int64
	StaffIncident int64
	// Systems, Services, Assets, Media, Devices, Areas and Risks start
	// with a record of the staff member's 課 (every reader may see it).
	Systems, Services     []int64
	Assets                []int64
	Media, Devices, Areas []int64
	PolicyID              int64
	CourseID              int64
	Attempts              map[int64]int64 // reader person → their attempt of the course
	TrainingPlan          int64
	Risks                 []int64
	RiskCampaign          int64
	Actions               []int64
	StaffAction           int64
	AuditPlan, Engagement int64
	Finding               int64 // a finding of Engagement
	UserID                int64 // the staff reader's account (an account page to open)
	AdminUserID           int64 // the admin reader's own account
	FiscalYear            int

	Counts  map[string]int
	Seconds map[string]float64
}

// yearFill carries the state of one FillYear.
type yearFill struct {
	ctx  context.Context
	db   *store.DB
	a    *app.App
	o    YearOptions
	y    *Year
	fx   *Fixture
	rng  *rand.Rand
	now  time.Time
	logf func(string, ...any)

	mu     sync.Mutex
	grants map[int64]*authz.Principal
	csirt  int64
	office int64
	audChf int64
	auditr int64
	kas    []int64           // 課 unit ids in order
	kaPath map[int64]string  // 課 id → path
	kaCode map[int64]string  // unit id → code
	inKa   map[int64][]int64 // 課 id → its people in order
	byID   map[int64]Person
	nos    map[int64]string // person id → employee number
	front  map[*[]int64]bool
	reader map[int64]bool
	kaIdx  int // the staff member's 課 in kas
	per    int // people per 課
}

// add appends id to dst, or puts it first when it is the first record of
// the staff member's 課.
func (f *yearFill) add(dst *[]int64, id, unit int64) {
	if unit == f.y.StaffUnit && !f.front[dst] {
		*dst, f.front[dst] = append([]int64{id}, *dst...), true
		return
	}
	*dst = append(*dst, id)
}

// scale is n at 20,000 people, proportionally fewer (at least min) below.
func (f *yearFill) scale(n, least int) int {
	return max(least, n*f.o.People/20000)
}

// FillYear builds a 20,000-person organisation (Generate) and a year of
// the office's work over it through the services: the self-inspection
// answered by a share of the staff, requests filed and decided month by
// month, incidents with their timelines, the registers and inventories,
// a policy acknowledged by most, an e-learning course completed by most,
// risks and a risk campaign, tracked actions, an audit engagement with
// findings and the yearly plan. The organisation itself (units, people,
// appointments) is written with batched inserts by Generate; everything
// else goes through the services, so the audit trail is the one the work
// leaves.
func FillYear(ctx context.Context, db *store.DB, a *app.App, o YearOptions) (*Year, error) {
	if o.People <= 0 {
		o.People = 20000
	}
	if o.People < MinYearPeople {
		return nil, fmt.Errorf("a year needs at least %d people (five 課 with their officers), not %d", MinYearPeople, o.People)
	}
	if o.Items <= 0 {
		o.Items = 30
	}
	if o.Answered <= 0 {
		o.Answered = 10
	}
	if o.Acked <= 0 {
		o.Acked = 90
	}
	if o.Trained <= 0 {
		o.Trained = 85
	}
	f := &yearFill{ctx: ctx, db: db, a: a, o: o, rng: rand.New(rand.NewPCG(20, 25)), now: time.Now(),
		grants: map[int64]*authz.Principal{}, front: map[*[]int64]bool{}, reader: map[int64]bool{},
		y: &Year{Counts: map[string]int{}, Seconds: map[string]float64{}, Attempts: map[int64]int64{}, Readers: map[string]int64{}}}
	f.logf = progress(o.Log)
	f.y.Tag = "Y" + strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	steps := []struct {
		name string
		fn   func() error
	}{
		{"organisation", f.organisation},
		{"roles", f.roles},
		{"selfcheck", f.selfcheck},
		{"registers", f.registers},
		{"inventory", f.inventory},
		{"requests", f.requests},
		{"incidents", f.incidents},
		{"policy", f.policy},
		{"training", f.training},
		{"risks", f.risks},
		{"actions", f.actions},
		{"audit", f.auditEngagement},
		{"yearly", f.yearly},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("fill %s: %w", s.name, err)
		}
		f.y.Seconds[s.name] = time.Since(t0).Seconds()
		f.logf("  %-12s %6.1f s", s.name, f.y.Seconds[s.name])
	}
	n, err := a.Audit.Count(ctx, audit.Filter{})
	if err != nil {
		return nil, err
	}
	f.y.Counts["audit_events"] = int(n)
	return f.y, nil
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first error.
func parallel(n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// who is the principal of a person as sign-in builds it (grants from their
// appointments), cached.
func (f *yearFill) who(pid int64) (*authz.Principal, error) {
	f.mu.Lock()
	p, ok := f.grants[pid]
	f.mu.Unlock()
	if ok {
		return p, nil
	}
	path, grants, _, err := f.a.Org.Grants(f.ctx, pid, f.now)
	if err != nil {
		return nil, err
	}
	p = &authz.Principal{PersonID: pid, Login: "bench-" + strconv.FormatInt(pid, 10), UnitPath: path, Grants: grants}
	for _, g := range grants {
		p.Privileged = p.Privileged || g.Privileged
	}
	f.mu.Lock()
	f.grants[pid] = p
	f.mu.Unlock()
	return p, nil
}

// staff is the principal of a person holding no role (the implicit staff
// grant for their unit), built without a query for the bulk steps.
func (f *yearFill) staff(i int) *authz.Principal {
	p := f.fx.People[i]
	return &authz.Principal{PersonID: p.ID, Login: "bench-" + strconv.FormatInt(p.ID, 10), UnitPath: p.UnitPath,
		Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: p.UnitPath}}}
}

func (f *yearFill) day(t time.Time) string { return t.Format("2006-01-02") }

// ordinary picks a person who holds no appointment: not among the first
// twelve of a 課 (officers and the people the fill appoints sit there).
func (f *yearFill) ordinary() int {
	for {
		i := f.rng.IntN(len(f.fx.People))
		if i%f.per >= 12 {
			return i
		}
	}
}

func (f *yearFill) organisation() error {
	f.per = 200
	if f.o.People < 2000 {
		f.per = max(20, f.o.People/5)
	}
	fx, err := Generate(f.ctx, f.db, f.a.Selfcheck, FixtureOptions{People: f.o.People, Items: f.o.Items, PerUnit: f.per, Tag: f.y.Tag})
	if err != nil {
		return err
	}
	f.fx, f.y.Fixture = fx, fx
	cats, err := f.a.Catalogs.List(f.ctx)
	if err != nil {
		return err
	}
	for _, c := range cats {
		if c.Name == "bench-"+f.y.Tag {
			f.y.CatalogID = c.ID
		}
	}
	if f.y.CatalogID == 0 {
		return fmt.Errorf("the generated catalog is missing")
	}
	// A second rulebook, imported as a text file, for the crosswalk.
	var b strings.Builder
	b.WriteString("第1部 実施手順\n")
	for sec := 1; sec <= 6; sec++ {
		fmt.Fprintf(&b, "%d 区分%d の実施手順\n", sec, sec)
		for it := 1; it <= max(1, f.o.Items/6); it++ {
			fmt.Fprintf(&b, "(%d) 手順%d\n(a) 職員は、点検項目%dの手順に従って対策を講ずること。\n", it, it, (it-1)*6+sec)
		}
	}
	imp, err := f.a.Catalogs.Import(f.ctx, catalog.ImportRequest{Name: "bench-procedure-" + f.y.Tag, SourceName: "procedure.txt",
		Format: "jptext", Data: []byte(b.String())})
	if err != nil {
		return fmt.Errorf("second catalog: %w", err)
	}
	f.y.Catalog2 = imp.Catalog.ID
	f.kaPath, f.kaCode, f.inKa, f.byID, f.nos = map[int64]string{}, map[int64]string{}, map[int64][]int64{}, map[int64]Person{}, map[int64]string{}
	for _, p := range fx.People {
		if _, ok := f.kaPath[p.UnitID]; !ok {
			f.kas = append(f.kas, p.UnitID)
			f.kaPath[p.UnitID] = p.UnitPath
		}
		f.inKa[p.UnitID] = append(f.inKa[p.UnitID], p.ID)
		f.byID[p.ID] = p
	}
	units, err := f.a.Org.Units(f.ctx, org.UnitFilter{Scope: authz.Everywhere})
	if err != nil {
		return err
	}
	for _, u := range units {
		f.kaCode[u.ID] = u.Code
	}
	people, _, err := f.a.Org.People(f.ctx, org.PersonFilter{Scope: authz.Everywhere})
	if err != nil {
		return err
	}
	for _, p := range people {
		f.nos[p.ID] = p.EmployeeNo
	}
	// Everyone is in the organisation since before the year began.
	f.y.Counts["people"], f.y.Counts["units"] = len(fx.People), fx.Units
	return nil
}

// roles appoints the officers the year needs through the organisation
// service, and picks the readers.
func (f *yearFill) roles() error {
	fx := f.fx
	per := len(f.inKa[f.kas[0]])
	at := func(i int) int64 { return fx.People[min(i, len(fx.People)-1)].ID }
	appoint := func(pid int64, role string, unit int64, system string) error {
		_, err := f.a.Org.Appoint(f.ctx, authz.System, org.Assignment{PersonID: pid, RoleKey: role, UnitID: unit, SystemRef: system,
			StartsOn: "2000-01-01"})
		return err
	}
	f.y.Chief = fx.ChiefISO
	f.y.Admin, f.office, f.csirt, f.audChf = at(2), at(3), at(4), at(6)
	// The auditor sits in the first 課; the audited unit is the last 課.
	f.auditr = at(7)
	for _, x := range []struct {
		pid  int64
		role string
	}{{f.y.Chief, authz.RoleCISO}, {f.y.Admin, authz.RoleAdministrator}, {f.office, authz.RoleSecOffice},
		{f.csirt, authz.RoleCSIRTChief}, {at(5), authz.RoleCSIRTMember}, {f.audChf, authz.RoleAuditChief}, {f.auditr, authz.RoleAuditor}} {
		if err := appoint(x.pid, x.role, 0, ""); err != nil {
			return fmt.Errorf("appoint %s: %w", x.role, err)
		}
	}
	// The readers work in the last 課 of the first 部 (or the last 課).
	ka := f.kas[min(len(f.kas)-1, 9)]
	if len(f.kas) > 1 && ka == f.kas[len(f.kas)-1] {
		ka = f.kas[len(f.kas)-2]
	}
	f.y.StaffUnit = ka
	f.y.Staff = f.inKa[ka][min(per-1, 20)]
	f.y.Officer = fx.Officers[ka]
	kaUnit, err := f.a.Org.Unit(f.ctx, ka)
	if err != nil {
		return err
	}
	f.y.BuUnit = kaUnit.ParentID
	// A 情報セキュリティ責任者 of the 部 who holds no other role.
	f.y.BuOfficer = f.inKa[f.kas[0]][min(per-1, 10)]
	if err := appoint(f.y.BuOfficer, authz.RoleISO, f.y.BuUnit, ""); err != nil {
		return fmt.Errorf("appoint iso: %w", err)
	}
	for i, k := range f.kas {
		if k == ka {
			f.kaIdx = i
		}
	}
	f.y.Readers = map[string]int64{"staff": f.y.Staff, "officer": f.y.Officer, "bu": f.y.BuOfficer, "chief": f.y.Chief, "admin": f.y.Admin}
	for _, pid := range f.y.Readers {
		f.reader[pid] = true
	}
	u, _, err := f.a.Auth.CreateUser(f.ctx, auth.NewUser{Login: "bench-staff-" + f.y.Tag, PersonID: f.y.Staff, Name: "職員（ベンチ）"})
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	f.y.UserID = u.ID
	adm, _, err := f.a.Auth.CreateUser(f.ctx, auth.NewUser{Login: "bench-admin-" + f.y.Tag, PersonID: f.y.Admin, Name: "管理者（ベンチ）"})
	if err != nil {
		return fmt.Errorf("admin user: %w", err)
	}
	f.y.AdminUserID = adm.ID
	return nil
}

// selfcheck: a share of the staff answer every item and submit (through
// the group-commit writer, many at once as in the rush); the staff reader
// is among them.
func (f *yearFill) selfcheck() error {
	var who []int
	for pi := range f.fx.People {
		if pi%100 < f.o.Answered || f.fx.People[pi].ID == f.y.Staff {
			who = append(who, pi)
		}
	}
	var saves atomic.Int64
	err := parallel(len(who), 32, func(k int) error {
		pi := who[k]
		p := f.fx.People[pi]
		for ii, item := range f.fx.ItemIDs {
			v := AnswerValue(pi, ii)
			comment := ""
			if v.NeedsComment() {
				comment = "対応予定（来月までに是正）"
			}
			if _, err := f.a.Selfcheck.SaveAnswer(f.ctx, f.fx.CampaignID, p.ID, item, v, comment); err != nil {
				return err
			}
			saves.Add(1)
		}
		return f.a.Selfcheck.Submit(f.ctx, f.fx.CampaignID, p.ID)
	})
	f.y.Counts["selfcheck_submitted"], f.y.Counts["selfcheck_answers"] = len(who), int(saves.Load())
	return err
}

var (
	sysWords = []string{"人事給与", "財務会計", "文書管理", "電子決裁", "庁内ポータル", "公式ウェブ", "統計集計", "施設予約", "入札管理", "補助金審査",
		"窓口受付", "職員研修", "資産管理", "メール", "ファイル共有", "勤怠管理", "契約管理", "監査支援", "広報配信", "問合せ管理"}
	assetKinds = []string{"データベース", "文書", "電子ファイル", "帳票", "設計書"}
	stages     = []string{"planning", "procurement", "operation", "operation", "operation", "retirement"}
)

// registers: systems (each with an ISSO appointed for it), cloud and
// other services, and information assets, through the registry.
func (f *yearFill) registers() error {
	ctx, r := f.ctx, f.a.Register
	nSys, nSvc, nAsset := f.scale(300, len(f.kas)), f.scale(100, len(f.kas)), f.scale(2000, 10)
	for i := 0; i < nSvc; i++ {
		ka := f.kas[i%len(f.kas)]
		kind := []string{"cloud", "cloud", "outsourcing"}[i%3]
		v, err := r.CreateService(ctx, authz.System, register.Service{Code: fmt.Sprintf("SVC-%04d", i+1),
			Name: fmt.Sprintf("%sクラウドサービス %d", sysWords[i%len(sysWords)], i+1), Kind: kind, Provider: fmt.Sprintf("ベンチ提供者%d株式会社", i%17+1),
			UnitID: ka, ISMAP: i%3 != 0, DataLocation: "国内", C: 1 + i%3,
			ContractFrom: f.day(f.now.AddDate(-1, 0, 0)), ContractTo: f.day(f.now.AddDate(0, 0, 30+i*7%400))})
		if err != nil {
			return fmt.Errorf("service %d: %w", i, err)
		}
		f.add(&f.y.Services, v.ID, ka)
	}
	for i := 0; i < nSys; i++ {
		ka := f.kas[i%len(f.kas)]
		code := fmt.Sprintf("SYS-%04d", i+1)
		isso := f.inKa[ka][min(len(f.inKa[ka])-1, 2+i/len(f.kas)%5)]
		if _, err := f.a.Org.Appoint(ctx, authz.System, org.Assignment{PersonID: isso, RoleKey: authz.RoleISSO, UnitID: ka, SystemRef: code,
			StartsOn: "2000-01-01"}); err != nil {
			return fmt.Errorf("appoint isso: %w", err)
		}
		sys := register.System{Code: code, Name: fmt.Sprintf("%sシステム %d", sysWords[i%len(sysWords)], i+1),
			Purpose: "業務の処理と記録の管理", UnitID: ka, ISSOID: isso, Stage: stages[i%len(stages)], C: 1 + i%3, I: 1 + (i/3)%2, A: 1 + (i/9)%2}
		if i < len(f.y.Services) {
			svc, err := r.Service(ctx, authz.System, f.y.Services[i])
			if err != nil {
				return err
			}
			sys.Services = []string{svc.Code}
		}
		y, err := r.CreateSystem(ctx, authz.System, sys)
		if err != nil {
			return fmt.Errorf("system %d: %w", i, err)
		}
		f.add(&f.y.Systems, y.ID, ka)
	}
	for i := 0; i < nAsset; i++ {
		ka := f.kas[i%len(f.kas)]
		decider := f.fx.Officers[ka]
		x, err := r.CreateAsset(ctx, authz.System, register.Asset{Code: fmt.Sprintf("AST-%05d", i+1),
			Name: fmt.Sprintf("%s%s %d", sysWords[i%len(sysWords)], assetKinds[i%len(assetKinds)], i+1), Kind: assetKinds[i%len(assetKinds)],
			UnitID: ka, DeciderID: decider, DecidedOn: f.day(f.now.AddDate(0, 0, -300+i%290)), C: 1 + i%3, I: 1 + (i/3)%2, A: 1 + (i/6)%2,
			Location: "施錠キャビネット", Named: []int64{decider}})
		if err != nil {
			return fmt.Errorf("asset %d: %w", i, err)
		}
		f.add(&f.y.Assets, x.ID, ka)
	}
	f.y.Counts["systems"], f.y.Counts["services"], f.y.Counts["assets"] = nSys, nSvc, nAsset
	return nil
}

// inventory: a terminal for everyone, media and controlled areas, each
// register imported from one CSV file (the office's way in).
func (f *yearFill) inventory() error {
	imp := func(kind string, header []string, rows [][]string) error {
		var b strings.Builder
		b.WriteString(strings.Join(header, ",") + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, ",") + "\n")
		}
		res, err := f.a.Inventory.Import(f.ctx, authz.System, kind, kind+".csv", []byte(b.String()))
		if err != nil {
			return err
		}
		if !res.OK() {
			return fmt.Errorf("import %s: %+v", kind, res.Report.Errors[:min(3, len(res.Report.Errors))])
		}
		f.y.Counts["inventory_"+kind] = len(rows)
		return nil
	}
	var devices [][]string
	for i, p := range f.fx.People {
		devices = append(devices, []string{fmt.Sprintf("PC-%06d", i+1), "業務用ノートPC", f.kaCode[p.UnitID], "terminal", f.nos[p.ID],
			"Windows 11", "full_disk", "in_use"})
	}
	if err := imp("device", []string{"code", "name", "unit", "device_type", "holder", "os", "encryption", "status"}, devices); err != nil {
		return err
	}
	var media [][]string
	for i := 0; i < max(f.scale(2000, 10), f.kaIdx+1); i++ {
		ka := f.kas[i%len(f.kas)]
		status, holder, lent := "stored", "", ""
		if i%4 == 0 {
			status, holder, lent = "lent", f.nos[f.inKa[ka][min(len(f.inKa[ka])-1, 12+i%50)]], f.day(f.now.AddDate(0, 0, -i%60))
		}
		media = append(media, []string{fmt.Sprintf("USB-%05d", i+1), "暗号化USBメモリ", f.kaCode[ka], "usb", holder, lent, status})
	}
	if err := imp("medium", []string{"code", "name", "unit", "medium_type", "holder", "lent_on", "status"}, media); err != nil {
		return err
	}
	var areas [][]string
	for i := 0; i < max(f.scale(60, 3), f.kaIdx+1); i++ {
		ka := f.kas[i%len(f.kas)]
		areas = append(areas, []string{fmt.Sprintf("AREA-%03d", i+1), fmt.Sprintf("第%d執務室", i+1), f.kaCode[ka],
			[]string{"office", "server_room", "storage"}[i%3], fmt.Sprintf("本庁舎%d階", i%12+1)})
	}
	if err := imp("area", []string{"code", "name", "unit", "area_class", "location"}, areas); err != nil {
		return err
	}
	staffPC := ""
	for i, p := range f.fx.People {
		if p.ID == f.y.Staff {
			staffPC = fmt.Sprintf("PC-%06d", i+1)
		}
	}
	for _, x := range []struct {
		kind, code string
		dst        *[]int64
	}{{"device", staffPC, &f.y.Devices}, {"medium", fmt.Sprintf("USB-%05d", f.kaIdx+1), &f.y.Media},
		{"area", fmt.Sprintf("AREA-%03d", f.kaIdx+1), &f.y.Areas}} {
		items, err := f.a.Inventory.List(f.ctx, authz.System, inventory.Filter{Kind: x.kind, Scope: authz.Everywhere, Query: x.code})
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Code == x.code {
				*x.dst = append(*x.dst, it.ID)
			}
		}
		if len(*x.dst) == 0 {
			return fmt.Errorf("inventory %s %s not found", x.kind, x.code)
		}
	}
	return nil
}

// requestValues are the fields of a request of type key starting on day.
func (f *yearFill) requestValues(key string, i int, starts, ends string) map[string]string {
	v := map[string]string{"starts_on": starts, "ends_on": ends, "contact": "内線 " + strconv.Itoa(1000+i%9000)}
	switch key {
	case approval.TypeTakeOut:
		v["title"], v["level"], v["information"], v["destination"], v["method"] = fmt.Sprintf("説明会資料の持出し %d", i), "機密性3",
			"説明会で配布する審査資料", "市民会館", "暗号化したノートPC"
	case approval.TypeMediaTakeOut:
		v["title"], v["level"], v["media"], v["destination"], v["protection"] = fmt.Sprintf("USBメモリの持出し %d", i), "機密性3",
			fmt.Sprintf("USB-%05d", i%2000+1), "委託先事務所", "暗号化・パスワード"
	case approval.TypeOutsideArea:
		v["title"], v["level"], v["terminal"], v["place"], v["measures"] = fmt.Sprintf("出張先での端末利用 %d", i), "機密性3",
			fmt.Sprintf("PC-%06d", i+1), "出張先のホテル", "のぞき見防止フィルタ・VPN 接続"
	case approval.TypeOwnDevice:
		v["title"], v["level"], v["terminal"], v["measures"] = fmt.Sprintf("私物スマートフォンの利用 %d", i), "要保護情報",
			"スマートフォン（本人所有）", "MDM 登録、利用後の情報消去"
	case approval.TypeCloud:
		v["title"], v["level"], v["provider"], v["purpose"], v["ismap"], v["location"] = fmt.Sprintf("オンライン会議サービス %d", i),
			"要機密情報以外", "ベンチ会議株式会社", "外部との打合せ", "登録あり", "国内"
	case approval.TypeC3Provision:
		v["title"], v["recipient"], v["purpose"], v["method"], v["handling"], v["on"] = fmt.Sprintf("調査結果の提供 %d", i),
			"委託先（調査会社）", "統計調査の集計", "暗号化ファイルの手渡し", "目的外利用の禁止、作業後の消去", starts
	}
	return v
}

// requests: filed by the staff month by month over the past year (the
// services' clocks set to each day), most decided by the 課's officer
// within days, some rejected or returned, the latest still waiting.
func (f *yearFill) requests() error {
	ctx, ap := f.ctx, f.a.Approval
	if err := ap.EnsureBuiltinTypes(ctx); err != nil {
		return err
	}
	defer ap.SetClock(time.Now)
	types := []string{approval.TypeTakeOut, approval.TypeTakeOut, approval.TypeMediaTakeOut, approval.TypeOutsideArea,
		approval.TypeOwnDevice, approval.TypeCloud, approval.TypeC3Provision}
	n := f.scale(3000, 30)
	start := f.now.AddDate(-1, 0, 0)
	decided := 0
	for i := 0; i < n; i++ {
		// Day i of the year, spread evenly; office hours.
		day := start.Add(time.Duration(float64(f.now.Sub(start)) * float64(i) / float64(n))).Truncate(24 * time.Hour).Add(time.Duration(9+i%8) * time.Hour)
		ap.SetClock(func() time.Time { return day })
		pi := f.ordinary()
		applicant := f.staff(pi)
		if i == n-1 || i == n/2 {
			applicant, _ = f.who(f.y.Staff)
		}
		key := types[i%len(types)]
		vals := f.requestValues(key, i, f.day(day.AddDate(0, 0, 3)), f.day(day.AddDate(0, 0, 4+i%20)))
		r, err := ap.File(ctx, applicant, approval.Input{TypeKey: key, Values: vals}, true)
		if err != nil {
			return fmt.Errorf("file %s: %w", key, err)
		}
		f.y.Requests = append(f.y.Requests, r.ID)
		if applicant.PersonID == f.y.Staff {
			f.y.StaffRequest = r.ID
		}
		if r.Status != approval.Submitted || r.DeciderID == 0 || i >= n-n/20 {
			continue // a notice, or one of the latest: still waiting
		}
		decider, err := f.who(r.DeciderID)
		if err != nil {
			return err
		}
		later := day.AddDate(0, 0, 1)
		ap.SetClock(func() time.Time { return later })
		d := approval.Decision{Action: "approve", Conditions: "期間終了後は速やかに報告すること"}
		switch i % 10 {
		case 3:
			d = approval.Decision{Action: "reject", Note: "代替手段（庁内での閲覧）で対応できるため"}
		case 7:
			d = approval.Decision{Action: "return", Note: "持出し先の連絡先を記入してください"}
		}
		if _, err := ap.Decide(ctx, decider, r.ID, d); err != nil {
			return fmt.Errorf("decide %s: %w", key, err)
		}
		decided++
	}
	f.y.Counts["requests"], f.y.Counts["requests_decided"] = n, decided
	return nil
}

var incidentKinds = []struct{ title, what, category string }{
	{"USBメモリの紛失", "外出先で業務用USBメモリを紛失した。", "loss_theft"},
	{"メールの誤送信", "宛先を誤って外部にメールを送信した。", "misdelivery"},
	{"不審なメールの添付ファイルを開いた", "請求書を装ったメールの添付ファイルを開いた。", "malware"},
	{"ウェブサイトへの不正アクセスの兆候", "公開サーバに大量のログイン試行が記録された。", "unauthorized_access"},
	{"書類の置き忘れ", "会議資料を会議室に置き忘れた。", "leak"},
	{"業務システムの停止", "ファイル共有システムが半日停止した。", "outage"},
}

// incidents: reported by staff over the year, triaged by the CSIRT, with
// notes, decisions and contacts on the timeline; the older ones closed
// after the recurrence-prevention report.
func (f *yearFill) incidents() error {
	ctx, in := f.ctx, f.a.Incident
	for _, m := range f.a.Modules() {
		if m.Serve != nil {
			if err := m.Serve(ctx, nil); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
		}
	}
	defer in.SetClock(time.Now)
	csirt, err := f.who(f.csirt)
	if err != nil {
		return err
	}
	n := f.scale(200, 6)
	start := f.now.AddDate(-1, 0, 0)
	entries := 0
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(float64(f.now.Sub(start)) * float64(i) / float64(n))).Truncate(time.Hour)
		clock := at
		in.SetClock(func() time.Time { return clock })
		k := incidentKinds[i%len(incidentKinds)]
		reporter := f.staff(f.ordinary())
		if i == n-2 {
			reporter, _ = f.who(f.y.Staff)
		}
		personal, count := "no", 0
		if k.category == "leak" || k.category == "misdelivery" || k.category == "loss_theft" {
			personal, count = "yes", 10+i%300
		}
		x, err := in.File(ctx, reporter, incident.Input{Title: fmt.Sprintf("%s（%d）", k.title, i+1), What: k.what,
			NoticedAt: at.Add(-2 * time.Hour).Format("2006-01-02T15:04"), Personal: personal, PersonalCount: count,
			FirstActions: "上司に報告し、関係先に連絡した。"})
		if err != nil {
			return fmt.Errorf("incident: %w", err)
		}
		f.y.Incidents = append(f.y.Incidents, x.ID)
		if reporter.PersonID == f.y.Staff {
			f.y.StaffIncident = x.ID
		}
		if i == n-1 {
			continue // the latest waits for triage
		}
		clock = at.Add(time.Hour)
		is := i%8 != 5
		t := incident.TriageInput{Incident: is, Reason: "影響の有無を確認した結果による", Level: 1 + i%2, Category: k.category,
			Instruction: "影響範囲を確認し、同種事案の再発防止策を検討すること。"}
		if !is {
			t = incident.TriageInput{Incident: false, Reason: "被害がなく、インシデントに当たらないため。"}
		}
		if _, err := in.Triage(ctx, csirt, x.ID, t); err != nil {
			return fmt.Errorf("triage: %w", err)
		}
		if !is {
			continue
		}
		for e, kind := range []string{incident.EntryNote, incident.EntryContact, incident.EntryDecision, incident.EntryNote} {
			clock = at.Add(time.Duration(2+e*5) * time.Hour)
			if _, err := in.AddEntry(ctx, csirt, x.ID, kind, fmt.Sprintf("対応記録 %d: 関係者への聞き取りと影響範囲の確認を行った。", e+1), 0); err != nil {
				return fmt.Errorf("timeline: %w", err)
			}
			entries++
		}
		if at.Before(f.now.AddDate(0, -1, 0)) {
			clock = at.AddDate(0, 0, 7)
			if _, err := in.FileRecurrence(ctx, csirt, x.ID, "手順の確認不足", "手順書を改訂し、課内で周知する。"); err != nil {
				return fmt.Errorf("recurrence: %w", err)
			}
			clock = at.AddDate(0, 0, 14)
			if _, err := in.Close(ctx, csirt, x.ID, "送信前の宛先確認を徹底する。"); err != nil {
				return fmt.Errorf("close: %w", err)
			}
		}
	}
	f.y.Counts["incidents"], f.y.Counts["incident_entries"] = n, entries
	return nil
}

// policy: a 対策基準 derived from the generated catalog, approved and
// published, acknowledged by most of the staff (each through the service,
// many at once).
func (f *yearFill) policy() error {
	ctx, ps := f.ctx, f.a.Policy
	nodes, err := f.a.Catalogs.Nodes(ctx, f.fx.EditionID)
	if err != nil {
		return err
	}
	secs := policy.Sections(nodes)
	var refs []string
	for _, s := range secs {
		refs = append(refs, s.Ref)
	}
	d, err := ps.Create(ctx, authz.System, policy.CreateInput{Name: "bench-policy-" + f.y.Tag, Title: "情報セキュリティ対策基準（ベンチ）",
		Origin: policy.OriginDerived, Catalog: f.y.CatalogID, Sections: refs, Note: "年度の改定"})
	if err != nil {
		return err
	}
	if _, err := ps.Submit(ctx, authz.System, d.ID, 0, "委員会に付議"); err != nil {
		return err
	}
	if _, err := ps.Decide(ctx, authz.System, d.ID, 1, policy.Decision{Approve: true, Deliberation: "情報セキュリティ委員会で審議し承認",
		EffectiveOn: ps.Today()}); err != nil {
		return err
	}
	f.y.PolicyID = d.ID
	var who []int
	for pi := range f.fx.People {
		if pi%100 < f.o.Acked || f.fx.People[pi].ID == f.y.Staff {
			who = append(who, pi)
		}
	}
	err = parallel(len(who), 16, func(k int) error { return ps.Acknowledge(ctx, f.staff(who[k]), d.ID) })
	if err != nil {
		return err
	}
	f.y.Counts["policy_acks"] = len(who)
	// Next year's revision is being drafted.
	_, err = ps.Revise(ctx, authz.System, d.ID, "年次見直し")
	return err
}

// training: an e-learning course with a test for everyone, completed by
// most (open, start the test, submit the right answers: three service
// calls each), and the year's training plan.
func (f *yearFill) training() error {
	ctx, tr := f.ctx, f.a.Training
	var qs []training.Question
	for i := 0; i < 5; i++ {
		qs = append(qs, training.Question{Text: fmt.Sprintf("設問%d: 規程に照らして正しいものを選べ", i+1),
			Choices: []training.Choice{{Text: "誤り A"}, {Text: "正しい", Correct: true}, {Text: "誤り B"}}})
	}
	c, err := tr.CreateCourse(ctx, authz.System, training.Course{Title: "情報セキュリティ基礎研修（全職員）", Kind: training.KindELearning,
		Summary: "全職員が年度内に受講する研修", Sections: []training.Section{{Heading: "情報の格付", Body: "情報は格付に従って取り扱う。"}},
		Questions: qs, PassMark: 80, MaxAttempts: 3, OpensOn: f.day(f.now.AddDate(0, -6, 0)), ClosesOn: f.day(f.now.AddDate(0, 3, 0)),
		Audience: training.Audience{All: true}})
	if err != nil {
		return err
	}
	c, _, err = tr.Publish(ctx, authz.System, c.ID)
	if err != nil {
		return err
	}
	f.y.CourseID = c.ID
	right := map[int][]int{}
	for _, q := range c.Questions {
		for _, ch := range q.Choices {
			if ch.Correct {
				right[q.ID] = append(right[q.ID], ch.ID)
			}
		}
	}
	var who []int
	for pi := range f.fx.People {
		if pi%100 < f.o.Trained || f.reader[f.fx.People[pi].ID] {
			who = append(who, pi)
		}
	}
	err = parallel(len(who), 16, func(k int) error {
		p := f.staff(who[k])
		if _, err := tr.OpenCourse(ctx, p, c.ID); err != nil {
			return err
		}
		at, err := tr.StartAttempt(ctx, p, c.ID)
		if err != nil {
			return err
		}
		if f.reader[p.PersonID] {
			f.mu.Lock()
			f.y.Attempts[p.PersonID] = at.ID
			f.mu.Unlock()
		}
		_, err = tr.Submit(ctx, p, at.ID, right)
		return err
	})
	if err != nil {
		return err
	}
	f.y.Counts["training_completed"] = len(who)
	pl, err := tr.CreatePlan(ctx, authz.System, training.Plan{FiscalYear: training.FiscalYear(f.day(f.now)), Title: "情報セキュリティ教育実施計画",
		Body: "- 全職員: 基礎研修（e ラーニング）\n- 新任者: 着任時研修"})
	if err != nil {
		return err
	}
	f.y.TrainingPlan = pl.ID
	return nil
}

// risks: risks on systems and assets of every 課, and a risk campaign over
// the first 部's 課.
func (f *yearFill) risks() error {
	ctx, rs := f.ctx, f.a.Risk
	var units []int64
	for i, ka := range f.kas {
		if i < 10 {
			units = append(units, ka)
		}
	}
	c, err := rs.StartCampaign(ctx, authz.System, risk.CampaignInput{Name: "年度リスク評価", DueOn: f.day(f.now.AddDate(0, 1, 0)),
		RemindDays: 7, Units: units})
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	f.y.RiskCampaign = c.ID
	inCampaign := map[int64]bool{}
	for _, u := range units {
		inCampaign[u] = true
	}
	n := f.scale(300, 6)
	for i := 0; i < n; i++ {
		in := risk.Input{Title: fmt.Sprintf("%sの情報漏えい %d", sysWords[i%len(sysWords)], i+1), ThreatText: "不正アクセス・誤操作",
			VulnText: "アクセス権の見直し不足", Threat: 1 + i%3, Vulnerability: 1 + (i/3)%3, Treatment: risk.Treatments[i%3],
			Owner: f.nos[f.fx.ChiefISO], ReviewOn: f.day(f.now.AddDate(0, 6, 0))}
		var unit int64
		if i%2 == 0 {
			in.SubjectKind, in.Subject = risk.OnSystem, fmt.Sprintf("SYS-%04d", i/2%len(f.y.Systems)+1)
			unit = f.kas[(i/2%len(f.y.Systems))%len(f.kas)]
		} else {
			in.SubjectKind, in.Subject = risk.OnAsset, fmt.Sprintf("AST-%05d", i/2%len(f.y.Assets)+1)
			unit = f.kas[(i/2%len(f.y.Assets))%len(f.kas)]
		}
		if inCampaign[unit] {
			in.CampaignID = c.ID
		}
		r, err := rs.Create(ctx, authz.System, in)
		if err != nil {
			return fmt.Errorf("risk %d: %w", i, err)
		}
		f.add(&f.y.Risks, r.ID, r.UnitID)
	}
	f.y.Counts["risks"] = n
	return nil
}

// actions: corrective actions from the self-inspection, CISO instructions
// and reviews, owned by the 課's officers (one by the staff reader); most
// reported on, a third done and confirmed.
func (f *yearFill) actions() error {
	ctx, tk := f.ctx, f.a.Tracker
	defer func() { tk.Now = time.Now }()
	n := f.scale(500, 10)
	start := f.now.AddDate(-1, 0, 0)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(float64(f.now.Sub(start)) * float64(i) / float64(n)))
		tk.Now = func() time.Time { return at }
		ka := f.kas[i%len(f.kas)]
		owner := f.fx.Officers[ka]
		if i == n-1 {
			ka, owner = f.y.StaffUnit, f.y.Staff
		}
		src := tracker.Source{Kind: tracker.FromCISOInstruction, Label: "CISO 指示"}
		switch i % 3 {
		case 0:
			src = tracker.Source{Kind: tracker.FromSelfcheckItem, ID: f.fx.CampaignID, Item: f.fx.ItemIDs[i%len(f.fx.ItemIDs)], Label: "自己点検"}
		case 1:
			src = tracker.Source{Kind: tracker.FromReview, Label: "年次見直し"}
		}
		x, err := tk.Create(ctx, authz.System, tracker.Action{Source: src, UnitID: ka, Title: fmt.Sprintf("是正措置 %d: 手順書の改訂", i+1),
			Description: "点検で見つかった不備を是正する。", OwnerID: owner, DueOn: f.day(at.AddDate(0, 2, 0))})
		if err != nil {
			return fmt.Errorf("action: %w", err)
		}
		f.y.Actions = append(f.y.Actions, x.ID)
		if owner == f.y.Staff {
			f.y.StaffAction = x.ID
		}
		if i%4 == 3 {
			continue
		}
		ow, err := f.who(owner)
		if err != nil {
			return err
		}
		if _, err := tk.Report(ctx, ow, x.ID, f.day(at.AddDate(0, 0, 10)), "手順書の改訂案を作成した。"); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if i%3 == 0 && owner != f.y.Staff {
			if _, err := tk.MarkDone(ctx, ow, x.ID, "改訂版を課内に周知した。"); err != nil {
				return fmt.Errorf("done: %w", err)
			}
			if _, err := tk.Confirm(ctx, authz.System, x.ID, "確認した。"); err != nil {
				return fmt.Errorf("confirm: %w", err)
			}
		}
	}
	f.y.Counts["actions"] = n
	return nil
}

// auditEngagement: the year's audit plan, approved, with an engagement of
// the last 課 against two sections, its working papers, findings, the
// report and a remediation.
func (f *yearFill) auditEngagement() error {
	ctx, au := f.ctx, f.a.Audits
	chief, err := f.who(f.audChf)
	if err != nil {
		return err
	}
	ciso, err := f.who(f.y.Chief)
	if err != nil {
		return err
	}
	fy := wareki.FiscalYearOf(f.now)
	pl, err := au.CreatePlan(ctx, chief, fy, "情報セキュリティ監査計画", "")
	if err != nil {
		return err
	}
	f.y.AuditPlan = pl.ID
	e, err := au.AddEngagement(ctx, chief, pl.ID, auditeng.Engagement{Title: "課の情報セキュリティ監査", Kind: "unit",
		UnitID: f.y.StaffUnit, CatalogID: f.y.CatalogID, Scope: []string{"1.1", "1.2"}, StartsOn: f.day(f.now.AddDate(0, 0, -20)),
		EndsOn: f.day(f.now.AddDate(0, 0, 20)), Objective: "規程の遵守状況を確認する。", SelfcheckID: f.fx.CampaignID})
	if err != nil {
		return err
	}
	f.y.Engagement = e.ID
	if _, err := au.SubmitPlan(ctx, chief, pl.ID); err != nil {
		return err
	}
	if _, err := au.ApprovePlan(ctx, ciso, pl.ID); err != nil {
		return err
	}
	if err := au.AssignAuditor(ctx, chief, e.ID, f.auditr, false, ""); err != nil {
		return err
	}
	auditor, err := f.who(f.auditr)
	if err != nil {
		return err
	}
	items, err := au.Checklist(ctx, e)
	if err != nil {
		return err
	}
	for i, it := range items {
		res, note := auditeng.Conform, ""
		if i%4 == 0 {
			res, note = auditeng.Nonconform, "記録の一部が保存されていない。"
		}
		if _, err := au.SavePaper(ctx, auditor, e.ID, it.Ref, res, note); err != nil {
			return err
		}
		if i%4 == 0 {
			fd, err := au.AddFinding(ctx, auditor, e.ID, auditeng.Finding{Ref: it.Ref, Severity: auditeng.Minor,
				Description: "点検記録を保存していない職員がいる。", Recommendation: "記録の保存手順を定め、周知すること。"})
			if err != nil {
				return err
			}
			if f.y.Finding == 0 {
				f.y.Finding = fd.ID
			}
		}
	}
	if _, err := au.SubmitReport(ctx, auditor, e.ID, "おおむね適切に運用されているが、記録の保存に改善の余地がある。"); err != nil {
		return err
	}
	f.y.Counts["audit_papers"] = len(items)
	return nil
}

// yearly: the year's security plan with its items, and the annual report
// generated from every capability.
func (f *yearFill) yearly() error {
	ctx, ys := f.ctx, f.a.Yearly
	chief, err := f.who(f.y.Chief)
	if err != nil {
		return err
	}
	fy := wareki.FiscalYearOf(f.now)
	f.y.FiscalYear = fy
	if _, err := ys.CreatePlan(ctx, chief, fy, "年度の情報セキュリティ対策推進計画"); err != nil {
		return err
	}
	for i, area := range yearly.Areas {
		item := yearly.PlanItem{Title: fmt.Sprintf("計画項目 %d", i+1), Area: area, OwnerID: f.y.Chief,
			StartsOn: fmt.Sprintf("%d-04-01", fy), EndsOn: fmt.Sprintf("%d-03-31", fy+1)}
		if area == "selfcheck" {
			item.Ref = "selfcheck:" + strconv.FormatInt(f.fx.CampaignID, 10)
		}
		if _, err := ys.AddItem(ctx, chief, fy, item); err != nil {
			return err
		}
	}
	if _, err := ys.Generate(ctx, chief, fy); err != nil {
		return err
	}
	return nil
}

// catalogNode is a requirement of the generated catalog (for routes that
// name a node).
func (y *Year) catalogNode() string { return "1.1(1)" }
