// Package demo fills an empty store with a fictitious organisation so a
// newcomer sees kitei working in one command (`kitei demo`, or `kitei
// serve --demo`): units down to 課 and an overseas office, a few hundred
// people holding the rulebooks' roles, sign-in accounts whose one-time
// passwords are printed, the seed rulebooks when ../shared/seeds is found,
// a running self-inspection, requests and registers. Every name is made
// up and the organisation calls itself demo data.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/selfcheck"
)

//go:embed data/demo.json
var dataFile embed.FS

type unitSpec struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	Divisions [][]string `json:"divisions"`
}

type spec struct {
	Organisation unitSpec   `json:"organisation"`
	Departments  []unitSpec `json:"departments"`
	Surnames     [][]string `json:"surnames"`
	Given        [][]string `json:"given"`
	Systems      []struct {
		Code, Name, Purpose, Unit, Stage string
		C, I, A                          int
	} `json:"systems"`
	Services []struct {
		Code, Name, Kind, Provider, Unit, Location string
		C                                          int
		ISMAP                                      bool `json:"ismap"`
		ToDays                                     int  `json:"to_days"`
	} `json:"services"`
	Assets []struct {
		Code, Name, Kind, Unit, Location string
		C, I, A                          int
	} `json:"assets"`
	TakeOuts []map[string]string `json:"takeouts"`
	Campaign struct {
		Name     string   `json:"name"`
		Seed     string   `json:"seed"`
		Sections []string `json:"sections"`
		Comment  string   `json:"comment"`
	} `json:"campaign"`
	Seeds map[string]string `json:"seeds"`
}

// Account is a demo sign-in made by Fill, with its one-time password.
type Account struct {
	Login, Password, Name, Role string
}

// Result says what Fill made.
type Result struct {
	Units, People, Catalogs int
	Accounts                []Account
	Notes                   []string
}

// Options tune Fill.
type Options struct {
	People   int    // how many people (default 300)
	SeedsDir string // where the seed rulebooks are ("" : look for ../shared/seeds)
	Now      time.Time
}

// Empty reports whether the store has no organisation yet (the only
// state Fill writes into).
func Empty(ctx context.Context, a *app.App) (bool, error) {
	units, err := a.Org.Units(ctx, org.UnitFilter{Scope: authz.Everywhere})
	return len(units) == 0, err
}

// FindSeeds looks for shared/seeds beside the working directory or one of
// its parents.
func FindSeeds() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for i := 0; i < 4; i++ {
		for _, cand := range []string{filepath.Join(dir, "shared", "seeds"), filepath.Join(dir, "..", "shared", "seeds")} {
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return filepath.Clean(cand)
			}
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

// Fill writes the demo organisation into an empty store.
func Fill(ctx context.Context, a *app.App, o Options) (*Result, error) {
	if empty, err := Empty(ctx, a); err != nil {
		return nil, err
	} else if !empty {
		return nil, apperr.E(apperr.Conflict, "demo.err.not_empty")
	}
	var s spec
	b, err := dataFile.ReadFile("data/demo.json")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if o.People <= 0 {
		o.People = 300
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	var x extra
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, err
	}
	f := &filler{a: a, s: &s, x: &x, o: o, res: &Result{}, rng: rand.New(rand.NewPCG(2025, 4))}
	for _, step := range []func(context.Context) error{f.organisation, f.catalogs, f.accounts, f.registers, f.requests,
		f.campaign, f.incidents, f.course, f.audit, f.plan} {
		if err := step(ctx); err != nil {
			return f.res, err
		}
	}
	return f.res, nil
}

type filler struct {
	a      *app.App
	s      *spec
	x      *extra
	o      Options
	res    *Result
	rng    *rand.Rand
	people map[string][]string // unit code → employee numbers
	byNo   map[string]int64    // employee number → person id
	roles  map[string]string   // role key → an employee number holding it
	cats   map[string]catalog.ImportResult
	units  map[string]org.Unit
}

func (f *filler) day(offset int) string { return f.o.Now.AddDate(0, 0, offset).Format("2006-01-02") }

// organisation imports units, people and appointments in one bulk import
// (one transaction, checked row by row like a real file).
func (f *filler) organisation(ctx context.Context) error {
	var units, people, assigns bytes.Buffer
	uw, pw, aw := csv.NewWriter(&units), csv.NewWriter(&people), csv.NewWriter(&assigns)
	uw.Write([]string{"code", "name", "kind", "parent_code"})
	pw.Write([]string{"employee_no", "name", "name_kana", "email", "unit_code", "status", "joined_on"})
	aw.Write([]string{"employee_no", "role_key", "unit_code", "system_ref", "starts_on"})
	root := f.s.Organisation
	uw.Write([]string{root.Code, root.Name, root.Kind, ""})
	var leaves []string
	for _, d := range f.s.Departments {
		uw.Write([]string{d.Code, d.Name, d.Kind, root.Code})
		if len(d.Divisions) == 0 {
			leaves = append(leaves, d.Code)
		}
		for _, div := range d.Divisions {
			uw.Write([]string{div[0], div[1], "課", d.Code})
			leaves = append(leaves, div[0])
		}
	}
	f.people = map[string][]string{}
	f.roles = map[string]string{}
	used := map[string]bool{}
	start := f.day(-400)
	for i := 0; i < f.o.People; i++ {
		no := fmt.Sprintf("D%05d", i+1)
		var name, kana string
		for {
			sn, gn := f.s.Surnames[f.rng.IntN(len(f.s.Surnames))], f.s.Given[f.rng.IntN(len(f.s.Given))]
			name, kana = sn[0]+" "+gn[0], sn[1]+" "+gn[1]
			if !used[name] || len(used) > len(f.s.Surnames)*len(f.s.Given)/2 {
				break
			}
		}
		used[name] = true
		unit := leaves[i%len(leaves)]
		if i < 12 {
			unit = root.Code // the executives and the security office sit in 本部
		}
		pw.Write([]string{no, name, kana, strings.ToLower(no) + "@demo.example.jp", unit, "active", start})
		f.people[unit] = append(f.people[unit], no)
	}
	appoint := func(no, role, unit, system string) {
		aw.Write([]string{no, role, unit, system, start})
		if f.roles[role] == "" {
			f.roles[role] = no
		}
	}
	top := f.people[root.Code]
	appoint(top[0], authz.RoleCISO, "", "")
	appoint(top[1], authz.RoleChiefISO, "", "")
	appoint(top[2], authz.RoleSecOffice, "", "")
	appoint(top[3], authz.RoleSecOffice, "", "")
	appoint(top[4], authz.RoleAuditChief, "", "")
	appoint(top[5], authz.RoleAuditor, "", "")
	appoint(top[6], authz.RoleCSIRTChief, "", "")
	appoint(top[7], authz.RoleCSIRTMember, "", "")
	appoint(top[8], authz.RoleCSIRTMember, "", "")
	appoint(top[9], authz.RoleAdministrator, "", "")
	for _, d := range f.s.Departments {
		if len(d.Divisions) == 0 {
			appoint(f.people[d.Code][0], authz.RoleISO, d.Code, "")
			continue
		}
		appoint(f.people[d.Divisions[0][0]][0], authz.RoleISO, d.Code, "")
		for _, div := range d.Divisions {
			appoint(f.people[div[0]][1], authz.RoleDivisionISO, div[0], "")
		}
	}
	for _, y := range f.s.Systems {
		appoint(f.people[y.Unit][2], authz.RoleISSO, y.Unit, y.Code)
	}
	uw.Flush()
	pw.Flush()
	aw.Flush()
	var tables []org.Table
	for _, x := range []struct {
		name string
		buf  *bytes.Buffer
	}{{"units.csv", &units}, {"people.csv", &people}, {"assignments.csv", &assigns}} {
		t, err := org.ReadCSV(x.name, x.buf.Bytes())
		if err != nil {
			return err
		}
		tables = append(tables, t)
	}
	rep, err := f.a.Org.Import(ctx, authz.System, tables)
	if err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		return apperr.E(apperr.Internal, "demo.err.refused", rep.Errors[0].Text(i18n.En))
	}
	all, err := f.a.Org.Units(ctx, org.UnitFilter{Scope: authz.Everywhere})
	if err != nil {
		return err
	}
	f.units = map[string]org.Unit{}
	for _, u := range all {
		f.units[u.Code] = u
	}
	f.byNo = map[string]int64{}
	list, _, err := f.a.Org.People(ctx, org.PersonFilter{Scope: authz.Everywhere})
	if err != nil {
		return err
	}
	for _, p := range list {
		f.byNo[p.EmployeeNo] = p.ID
	}
	f.res.Units, f.res.People = len(all), len(list)
	return nil
}

// catalogs imports the seed rulebooks found beside the repository.
func (f *filler) catalogs(ctx context.Context) error {
	dir := f.o.SeedsDir
	if dir == "" {
		dir = FindSeeds()
	}
	f.cats = map[string]catalog.ImportResult{}
	if dir == "" {
		f.res.Notes = append(f.res.Notes, "demo.note.no_seeds")
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	sort.Strings(files)
	for _, file := range files {
		prefix := filepath.Base(file)[:3]
		name, ok := f.s.Seeds[prefix]
		if !ok {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		res, err := f.a.Catalogs.Import(ctx, catalog.ImportRequest{Name: name, SourceName: filepath.Base(file), Data: data})
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		f.cats[prefix] = res
		f.res.Catalogs++
	}
	return nil
}

// accounts makes sign-ins for one holder of each main role and a staff
// member.
func (f *filler) accounts(ctx context.Context) error {
	type want struct{ login, role string }
	wants := []want{{"demo-ciso", authz.RoleCISO}, {"demo-chief", authz.RoleChiefISO}, {"demo-office", authz.RoleSecOffice},
		{"demo-iso", authz.RoleISO}, {"demo-officer", authz.RoleDivisionISO}, {"demo-isso", authz.RoleISSO},
		{"demo-csirt", authz.RoleCSIRTChief}, {"demo-audit", authz.RoleAuditChief}}
	for _, w := range wants {
		if err := f.account(ctx, w.login, f.roles[w.role], w.role); err != nil {
			return err
		}
	}
	// A staff member of the officer's own 課.
	officer := f.roles[authz.RoleDivisionISO]
	for _, nos := range f.people {
		if len(nos) > 4 && contains(nos, officer) {
			return f.account(ctx, "demo-staff", nos[4], authz.RoleStaff)
		}
	}
	return nil
}

func (f *filler) account(ctx context.Context, login, no, role string) error {
	pid := f.byNo[no]
	p, err := f.a.Org.Person(ctx, pid)
	if err != nil {
		return err
	}
	_, pw, err := f.a.Auth.CreateUser(ctx, auth.NewUser{Login: login, PersonID: pid, Name: p.Name})
	if err != nil {
		return err
	}
	f.res.Accounts = append(f.res.Accounts, Account{Login: login, Password: pw, Name: p.Name, Role: role})
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (f *filler) person(no string) *authz.Principal {
	path, grants, _, _ := f.a.Org.Grants(context.Background(), f.byNo[no], f.o.Now)
	return &authz.Principal{PersonID: f.byNo[no], Login: strings.ToLower(no), UnitPath: path, Grants: grants}
}

// registers adds systems with their ISSO, a cloud service and assets.
func (f *filler) registers(ctx context.Context) error {
	for _, v := range f.s.Services {
		if _, err := f.a.Register.CreateService(ctx, authz.System, register.Service{Code: v.Code, Name: v.Name, Kind: v.Kind,
			Provider: v.Provider, UnitID: f.units[v.Unit].ID, ISMAP: v.ISMAP, DataLocation: v.Location, C: v.C,
			ContractFrom: f.day(-300), ContractTo: f.day(v.ToDays)}); err != nil {
			return fmt.Errorf("service %s: %w", v.Code, err)
		}
	}
	for i, y := range f.s.Systems {
		sys := register.System{Code: y.Code, Name: y.Name, Purpose: y.Purpose, UnitID: f.units[y.Unit].ID,
			ISSOID: f.byNo[f.people[y.Unit][2]], Stage: y.Stage, C: y.C, I: y.I, A: y.A}
		if i == 2 {
			sys.Services = []string{f.s.Services[0].Code}
		}
		if _, err := f.a.Register.CreateSystem(ctx, authz.System, sys); err != nil {
			return fmt.Errorf("system %s: %w", y.Code, err)
		}
	}
	for _, x := range f.s.Assets {
		decider := f.people[x.Unit][1]
		if _, err := f.a.Register.CreateAsset(ctx, authz.System, register.Asset{Code: x.Code, Name: x.Name, Kind: x.Kind,
			UnitID: f.units[x.Unit].ID, DeciderID: f.byNo[decider], DecidedOn: f.day(-200), C: x.C, I: x.I, A: x.A,
			Location: x.Location, Named: []int64{f.byNo[decider]}}); err != nil {
			return fmt.Errorf("asset %s: %w", x.Code, err)
		}
	}
	return nil
}

// requests files a few 持出し requests from staff, one decided.
func (f *filler) requests(ctx context.Context) error {
	if err := f.a.Approval.EnsureBuiltinTypes(ctx); err != nil {
		return err
	}
	for i, v := range f.s.TakeOuts {
		unit := f.s.Departments[3+i].Divisions[0][0]
		applicant := f.person(f.people[unit][5])
		values := map[string]string{"starts_on": f.day(3 + i), "ends_on": f.day(3 + i)}
		for k, x := range v {
			values[k] = x
		}
		r, err := f.a.Approval.File(ctx, applicant, approval.Input{TypeKey: approval.TypeTakeOut, Values: values}, true)
		if err != nil {
			return fmt.Errorf("request %q: %w", v["title"], err)
		}
		if r.Status == approval.Submitted && r.DeciderID != 0 {
			decider := f.person(noOf(f.byNo, r.DeciderID))
			if _, err := f.a.Approval.Decide(ctx, decider, r.ID, approval.Decision{Action: "approve", Conditions: "持出し後は速やかに返却すること"}); err != nil {
				return fmt.Errorf("decide %q: %w", v["title"], err)
			}
		}
	}
	return nil
}

func noOf(byNo map[string]int64, id int64) string {
	for no, x := range byNo {
		if x == id {
			return no
		}
	}
	return ""
}

// campaign publishes a self-inspection from the seed catalog's sections
// and has some of the staff answer it.
func (f *filler) campaign(ctx context.Context) error {
	res, ok := f.cats[f.s.Campaign.Seed]
	if !ok {
		return nil
	}
	fy := f.o.Now.Year()
	if f.o.Now.Month() < time.April {
		fy--
	}
	c, err := f.a.Selfcheck.CreateCampaign(ctx, selfcheck.Campaign{Name: f.s.Campaign.Name, FiscalYear: fy,
		OpensOn: f.day(-7), ClosesOn: f.day(21), RemindDays: 3})
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	nodes, err := f.a.Catalogs.Nodes(ctx, res.Edition.ID)
	if err != nil {
		return err
	}
	var refs []string
	for _, n := range nodes {
		if !n.Requirement {
			continue
		}
		for _, sec := range f.s.Campaign.Sections {
			if strings.HasPrefix(n.Ref, sec) {
				refs = append(refs, n.Ref)
			}
		}
	}
	if _, err := f.a.Selfcheck.AddItems(ctx, c.ID, res.Edition.ID, refs); err != nil {
		return fmt.Errorf("campaign items: %w", err)
	}
	if _, err := f.a.Selfcheck.Publish(ctx, c.ID, f.day(-7)); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	// A third of the staff answer everything and submit.
	n := 0
	for _, no := range sortedKeys(f.byNo) {
		n++
		if n%3 != 0 {
			continue
		}
		view, err := f.a.Selfcheck.MyChecklist(ctx, c.ID, f.byNo[no])
		if err != nil {
			continue // not everyone has a checklist
		}
		for i, it := range view.Items {
			v, comment := selfcheck.Yes, ""
			if (n+i)%7 == 0 {
				v, comment = selfcheck.No, f.s.Campaign.Comment
			}
			if _, err := f.a.Selfcheck.SaveAnswer(ctx, c.ID, f.byNo[no], it.ID, v, comment); err != nil {
				return err
			}
		}
		if err := f.a.Selfcheck.Submit(ctx, c.ID, f.byNo[no]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
