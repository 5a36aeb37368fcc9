package incident

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
)

// Org is what the service needs of the organisation.
type Org interface {
	Person(ctx context.Context, id int64) (org.Person, error)
	Unit(ctx context.Context, id int64) (org.Unit, error)
	Units(ctx context.Context, f org.UnitFilter) ([]org.Unit, error)
	Officers(ctx context.Context, unitID int64, at time.Time) ([]org.Assignment, error)
	Contacts(ctx context.Context, roleKey string, unitID int64, at time.Time, scope authz.Scope) ([]org.Assignment, error)
	People(ctx context.Context, f org.PersonFilter) ([]org.Person, int, error)
}

// Service runs the incident cycle.
type Service struct {
	store  Store
	org    Org
	now    func() time.Time
	Mailer notify.Mailer // nil: no e-mail
	Logf   func(msg string, args ...any)
}

// NewService returns the service over st.
func NewService(st Store, o Org) *Service {
	return &Service{store: st, org: o, now: time.Now}
}

// SetClock replaces the clock (tests, and `kitei incident jobs --on`).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

const (
	maxTitle = 200
	maxText  = 10000
)

func text(field, v string, required bool, max int) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return v, apperr.E(apperr.Invalid, "incident.err.required", apperr.Msg("incident.f."+field))
	}
	if utf8.RuneCountInString(v) > max {
		return v, apperr.E(apperr.Invalid, "incident.err.too_long", apperr.Msg("incident.f."+field), max)
	}
	return v, nil
}

// Config is the stored configuration, or the defaults.
func (s *Service) Config(ctx context.Context) (Config, error) {
	c, ok, err := s.store.Config(ctx)
	if err != nil {
		return c, err
	}
	if !ok {
		return Defaults(), nil
	}
	return c, nil
}

// SaveConfig stores c.
func (s *Service) SaveConfig(ctx context.Context, p *authz.Principal, c Config) error {
	if err := authz.Require(p, Configure); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.store.SaveConfig(ctx, c, s.now())
}

// Input is a report as a person files it.
type Input struct {
	Title         string `json:"title"`
	What          string `json:"what"`
	NoticedAt     string `json:"noticed_at"` // 2006-01-02T15:04 (local) or RFC 3339
	Refs          string `json:"refs"`
	Personal      string `json:"personal"` // yes, no, unknown
	PersonalCount int    `json:"personal_count"`
	FirstActions  string `json:"first_actions"`
	// External reports only.
	Name    string `json:"name,omitempty"`
	Contact string `json:"contact,omitempty"`
}

func (s *Service) parseInput(in Input) (Incident, error) {
	var x Incident
	var err error
	if x.Title, err = text("title", in.Title, true, maxTitle); err != nil {
		return x, err
	}
	if x.What, err = text("what", in.What, true, maxText); err != nil {
		return x, err
	}
	if x.Refs, err = text("refs", in.Refs, false, 2000); err != nil {
		return x, err
	}
	if x.FirstActions, err = text("first_actions", in.FirstActions, false, maxText); err != nil {
		return x, err
	}
	now := s.now()
	x.NoticedAt = now
	if v := strings.TrimSpace(in.NoticedAt); v != "" {
		t, err := parseWhen(v, now.Location())
		if err != nil {
			return x, apperr.E(apperr.Invalid, "incident.err.when", v)
		}
		if t.After(now.Add(time.Hour)) {
			return x, apperr.E(apperr.Invalid, "incident.err.future")
		}
		x.NoticedAt = t
	}
	switch in.Personal {
	case "":
		x.Personal = PersonalUnknown
	case PersonalYes, PersonalNo, PersonalUnknown:
		x.Personal = in.Personal
	default:
		return x, apperr.E(apperr.Invalid, "incident.err.personal")
	}
	if in.PersonalCount < 0 {
		return x, apperr.E(apperr.Invalid, "incident.err.count")
	}
	if x.Personal == PersonalYes {
		x.PersonalCount = in.PersonalCount
	}
	x.ReportedAt, x.UpdatedAt = now, now
	x.Status, x.Level = Reported, -1
	return x, nil
}

func parseWhen(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, v)
}

// File files a report by the signed-in person p.
func (s *Service) File(ctx context.Context, p *authz.Principal, in Input) (Incident, error) {
	if err := authz.Require(p, Report); err != nil {
		return Incident{}, err
	}
	if p.PersonID == 0 {
		return Incident{}, apperr.E(apperr.Invalid, "incident.err.no_person")
	}
	x, err := s.parseInput(in)
	if err != nil {
		return x, err
	}
	me, err := s.org.Person(ctx, p.PersonID)
	if err != nil {
		return x, err
	}
	x.ReporterID, x.UnitID = me.ID, me.UnitID
	e := Entry{At: x.ReportedAt, ActorID: me.ID, ActorName: me.Name, Kind: EntryReport, Body: x.Title}
	ns, err := s.toCSIRT(ctx, "incident.reported", 0, x.ReportedAt, "incident.notice.reported", x.Title, me.Name)
	if err != nil {
		return x, err
	}
	out, err := s.store.Create(ctx, x, e, ns)
	if err != nil {
		return out, err
	}
	s.mail(ctx, withRef(ns, out.ID))
	return out, nil
}

// withRef sets the ref of notices made before the incident had an id
// (the store does the same when it inserts them).
func withRef(ns []Notice, id int64) []Notice {
	for i := range ns {
		if ns[i].Ref == "" {
			ns[i].Ref = Ref(id)
		}
	}
	return ns
}

// Ref is the notices' reference to incident id.
func Ref(id int64) string { return "incident:" + strconv.FormatInt(id, 10) }

// FileExternal files a report through the public window, from client
// address addr. At most Config.ExternalPerHour reports per address are
// accepted in any hour; then a *Limited error.
func (s *Service) FileExternal(ctx context.Context, in Input, addr string) (Incident, error) {
	c, err := s.Config(ctx)
	if err != nil {
		return Incident{}, err
	}
	now := s.now()
	n, err := s.store.CountExternal(ctx, addr, now.Add(-time.Hour))
	if err != nil {
		return Incident{}, err
	}
	if n >= c.ExternalPerHour {
		return Incident{}, &Limited{PerHour: c.ExternalPerHour}
	}
	x, err := s.parseInput(in)
	if err != nil {
		return x, err
	}
	if x.ExtName, err = text("ext_name", in.Name, false, 200); err != nil {
		return x, err
	}
	if x.ExtContact, err = text("ext_contact", in.Contact, true, 500); err != nil {
		return x, err
	}
	x.External, x.ClientAddr = true, addr
	e := Entry{At: now, Kind: EntryReport, Body: x.Title, ActorName: x.ExtName}
	ns, err := s.toCSIRT(ctx, "incident.reported", 0, now, "incident.notice.external", x.Title)
	if err != nil {
		return x, err
	}
	out, err := s.store.Create(ctx, x, e, ns)
	if err != nil {
		return out, err
	}
	s.mail(ctx, withRef(ns, out.ID))
	return out, nil
}

// Limited is the refusal of an external report over the hourly limit.
type Limited struct{ PerHour int }

func (l *Limited) Error() string { return l.Err().Error() }

// Err is the refusal as an apperr (its message says when to try again).
func (l *Limited) Err() error { return apperr.E(apperr.Invalid, "incident.err.too_many", l.PerHour) }

// Unwrap lets apperr see the code and message.
func (l *Limited) Unwrap() error { return l.Err() }

// seer reports whether p sees every incident in full.
func seer(p *authz.Principal) bool {
	return p.IsSystem() || p.Can(Handle) || p.Can(Oversee)
}

// Access levels.
const (
	noAccess = iota
	statusAccess
	fullAccess
)

func (s *Service) access(ctx context.Context, p *authz.Principal, in Incident) (int, []Task, []Measure, error) {
	tasks, err := s.store.Tasks(ctx, in.ID)
	if err != nil {
		return noAccess, nil, nil, err
	}
	ms, err := s.store.Measures(ctx, in.ID)
	if err != nil {
		return noAccess, nil, nil, err
	}
	if p == nil {
		return noAccess, tasks, ms, nil
	}
	if seer(p) {
		return fullAccess, tasks, ms, nil
	}
	if p.PersonID != 0 {
		for _, t := range tasks {
			if t.PersonID == p.PersonID {
				return fullAccess, tasks, ms, nil
			}
		}
		for _, m := range ms {
			if m.OwnerID == p.PersonID {
				return fullAccess, tasks, ms, nil
			}
		}
		if in.ReporterID == p.PersonID {
			return statusAccess, tasks, ms, nil
		}
	}
	return noAccess, tasks, ms, nil
}

func notFound(id int64) error { return apperr.E(apperr.NotFound, "incident.err.not_found", id) }

// load returns the incident if p may see it in full; anyone else is told
// it does not exist (the reporter too: they see the status only).
func (s *Service) load(ctx context.Context, p *authz.Principal, id int64) (Incident, []Task, []Measure, error) {
	in, err := s.store.Incident(ctx, id)
	if err != nil {
		return in, nil, nil, err
	}
	lvl, tasks, ms, err := s.access(ctx, p, in)
	if err != nil {
		return in, nil, nil, err
	}
	if lvl != fullAccess {
		return Incident{}, nil, nil, notFound(id)
	}
	return in, tasks, ms, nil
}

// Detail is an incident as its page and the API show it.
type Detail struct {
	Incident   Incident          `json:"incident"`
	StatusOnly bool              `json:"status_only"`
	View       StatusView        `json:"view"`
	Timeline   []Entry           `json:"timeline,omitempty"`
	Tasks      []Task            `json:"tasks,omitempty"`
	Notices    []AuthorityNotice `json:"notices,omitempty"`
	Measures   []Measure         `json:"measures,omitempty"`
	CISO       []ReadState       `json:"ciso,omitempty"`
	Can        Can               `json:"can"`
}

// Can says what the viewer may do on the incident.
type Can struct {
	Triage     bool `json:"triage"`
	Record     bool `json:"record"`
	Assign     bool `json:"assign"`
	Send       bool `json:"send"`
	Recurrence bool `json:"recurrence"`
	Measure    bool `json:"measure"`
	Close      bool `json:"close"`
}

// Get is incident id as p may see it: in full, the status only for its
// reporter, NotFound for anyone else. Every read is audited.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Detail, error) {
	var d Detail
	if err := authz.Require(p, Report); err != nil && !seer(p) {
		return d, notFound(id)
	}
	in, err := s.store.Incident(ctx, id)
	if err != nil {
		return d, err
	}
	lvl, tasks, ms, err := s.access(ctx, p, in)
	if err != nil {
		return d, err
	}
	switch lvl {
	case noAccess:
		return d, notFound(id)
	case statusAccess:
		if err := s.store.LogRead(ctx, in, "status"); err != nil {
			return d, err
		}
		return Detail{StatusOnly: true, View: in.View()}, nil
	}
	if err := s.store.LogRead(ctx, in, "detail"); err != nil {
		return d, err
	}
	d = Detail{Incident: in, View: in.View(), Tasks: tasks, Measures: ms}
	if d.Timeline, err = s.store.Timeline(ctx, id); err != nil {
		return d, err
	}
	if d.Notices, err = s.store.AuthorityNotices(ctx, id); err != nil {
		return d, err
	}
	if d.CISO, err = s.store.ReadStates(ctx, "incident.ciso", Ref(id)); err != nil {
		return d, err
	}
	handle := p.IsSystem() || p.Can(Handle)
	d.Can = Can{
		Triage:     handle && in.Status == Reported,
		Record:     in.Status.Open(),
		Assign:     handle && in.Status.Open() && in.Status != Reported,
		Send:       handle,
		Recurrence: (handle || s.hasTask(p, tasks, TaskContainment)) && (in.Status == Handling || in.Status == Reviewing),
		Measure:    (p.IsSystem() || p.Can(Oversee)) && in.Status == Reviewing,
		Close:      handle && in.Status == Reviewing,
	}
	return d, nil
}

func (s *Service) hasTask(p *authz.Principal, tasks []Task, kind string) bool {
	for _, t := range tasks {
		if t.PersonID == p.PersonID && p.PersonID != 0 && (kind == "" || t.Kind == kind) {
			return true
		}
	}
	return false
}

// MinePage is one page of the reports p filed, as their status, newest
// first; the read is audited with the ids shown.
func (s *Service) MinePage(ctx context.Context, p *authz.Principal, pr paging.Request) (Page[StatusView], error) {
	var out Page[StatusView]
	if err := authz.Require(p, Report); err != nil {
		return out, err
	}
	if p.PersonID == 0 {
		return out, nil
	}
	xs, err := s.page(ctx, Filter{Level: -2, ReporterID: p.PersonID}, pr, "mine", nil)
	if err != nil {
		return out, err
	}
	out.Next, out.Total = xs.Next, xs.Total
	out.Rows = make([]StatusView, len(xs.Rows))
	for i, x := range xs.Rows {
		out.Rows[i] = x.View()
	}
	return out, nil
}

// incidents reads the page pr of the incidents f selects, newest first;
// the cursor is the last incident's id.
// count says how many incidents f selects (nil: counted in the store).
func (s *Service) incidents(ctx context.Context, f Filter, pr paging.Request, count func() (int, error)) (Page[Incident], error) {
	if err := paging.IDOnly(pr); err != nil {
		return Page[Incident]{}, err
	}
	if count == nil {
		count = func() (int, error) { return s.store.CountIncidents(ctx, f) }
	}
	return paging.Read(pr, count,
		func(after paging.Cursor, n int) ([]Incident, error) {
			f.Before, f.Limit = after.ID, n
			return s.store.Incidents(ctx, f)
		}, func(x Incident) paging.Cursor { return paging.Cursor{ID: x.ID} })
}

// page reads the page pr of the incidents f selects, newest first, and
// audits the read of the ids shown as view (nothing shown: no entry).
func (s *Service) page(ctx context.Context, f Filter, pr paging.Request, view string, count func() (int, error)) (Page[Incident], error) {
	out, err := s.incidents(ctx, f, pr, count)
	if err != nil || len(out.Rows) == 0 {
		return out, err
	}
	ids := make([]int64, len(out.Rows))
	for i, x := range out.Rows {
		ids[i] = x.ID
	}
	return out, s.store.LogList(ctx, view, ids)
}

// List is the ledger (インシデント台帳) for holders of Ledger, complete
// (the spreadsheet); the read is audited with the ids shown.
func (s *Service) List(ctx context.Context, p *authz.Principal, f Filter) ([]Incident, error) {
	if err := authz.Require(p, Ledger); err != nil {
		return nil, err
	}
	xs, err := s.store.Incidents(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(xs))
	for i, x := range xs {
		ids[i] = x.ID
	}
	if err := s.store.LogList(ctx, "ledger", ids); err != nil {
		return nil, err
	}
	return xs, nil
}

// ListPage is one page of the ledger, newest first; the read is audited
// with the ids shown.
func (s *Service) ListPage(ctx context.Context, p *authz.Principal, f Filter, pr paging.Request) (Page[Incident], error) {
	if err := authz.Require(p, Ledger); err != nil {
		return Page[Incident]{}, err
	}
	return s.page(ctx, f, pr, "ledger", nil)
}

// LedgerPage is ListPage with the ledger's figures over every incident f
// selects; the figures' count is the page's total, not counted again.
func (s *Service) LedgerPage(ctx context.Context, p *authz.Principal, f Filter, pr paging.Request) (Page[Incident], Stats, error) {
	st, err := s.LedgerStats(ctx, p, f)
	if err != nil {
		return Page[Incident]{}, st, err
	}
	pg, err := s.page(ctx, f, pr, "ledger", func() (int, error) { return st.Count, nil })
	return pg, st, err
}

// LedgerStats are the ledger's figures over every incident f selects.
func (s *Service) LedgerStats(ctx context.Context, p *authz.Principal, f Filter) (Stats, error) {
	if err := authz.Require(p, Ledger); err != nil {
		return Stats{}, err
	}
	xs, err := s.store.IncidentTimes(ctx, f)
	if err != nil {
		return Stats{}, err
	}
	return Summarize(xs, s.now()), nil
}

// Work is what is waiting for a person: one page of their tasks
// (unanswered first, newest first within each; TasksNext is the cursor of
// the next page, TasksTotal counts them all) and their measures.
type Work struct {
	Tasks      []Task    `json:"tasks"`
	TasksNext  string    `json:"tasks_next,omitempty"`
	TasksTotal int       `json:"tasks_total"`
	Measures   []Measure `json:"measures"`
}

// TaskCursor names t as the last row of a page of a person's tasks.
func TaskCursor(t Task) paging.Cursor {
	if t.AnsweredAt.IsZero() {
		return paging.Cursor{Key: "1", ID: t.ID}
	}
	return paging.Cursor{Key: "0", ID: t.ID}
}

// MyWork lists the page tasks of p's tasks and p's measures on incidents.
func (s *Service) MyWork(ctx context.Context, p *authz.Principal, tasks paging.Request) (Work, error) {
	var w Work
	if err := authz.Require(p, Report); err != nil || p.PersonID == 0 {
		return w, err
	}
	pg, err := paging.Read(tasks, func() (int, error) { return s.store.CountTasksOf(ctx, p.PersonID) },
		func(after paging.Cursor, limit int) ([]Task, error) {
			return s.store.TasksOfPage(ctx, p.PersonID, after, limit)
		}, TaskCursor)
	if err != nil {
		return w, err
	}
	w.Tasks, w.TasksNext, w.TasksTotal = pg.Rows, pg.Next, pg.Total
	if w.Measures, err = s.store.MeasuresOf(ctx, p.PersonID); err != nil {
		return w, err
	}
	var ids []int64
	for _, t := range w.Tasks {
		ids = append(ids, t.IncidentID)
	}
	for _, m := range w.Measures {
		ids = append(ids, m.IncidentID)
	}
	if len(ids) > 0 {
		err = s.store.LogList(ctx, "work", ids)
	}
	return w, err
}

func (s *Service) actor(ctx context.Context, p *authz.Principal) (int64, string) {
	if p.IsSystem() || p.PersonID == 0 {
		return p.PersonID, p.Name
	}
	if me, err := s.org.Person(ctx, p.PersonID); err == nil {
		return me.ID, me.Name
	}
	return p.PersonID, p.Name
}

// TriageInput is the CSIRT's decision on a report.
type TriageInput struct {
	Incident    bool    `json:"incident"`
	Reason      string  `json:"reason"`
	Level       int     `json:"level"`
	Category    string  `json:"category"`
	OwnerID     int64   `json:"owner_id"`    // 0: the person triaging
	Instruction string  `json:"instruction"` // containment/recovery instruction for the unit's officer
	CheckSame   []int64 `json:"check_same"`  // ISSOs asked to check their systems for the same
}

// Triage decides whether the report is an incident. On an incident it
// sets level, category and owner, starts the authority notices' clocks,
// reports to the CISO (an inbox notice to be marked read), instructs the
// unit's 情報セキュリティ責任者 and asks the chosen ISSOs to check for the
// same.
func (s *Service) Triage(ctx context.Context, p *authz.Principal, id int64, t TriageInput) (Incident, error) {
	if err := authz.Require(p, Handle); err != nil {
		return Incident{}, err
	}
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return in, err
	}
	if in.Status != Reported {
		return in, apperr.E(apperr.Conflict, "incident.err.triaged", id)
	}
	reason, err := text("reason", t.Reason, true, maxText)
	if err != nil {
		return in, err
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return in, err
	}
	now := s.now()
	actorID, actorName := s.actor(ctx, p)
	next := in
	next.TriageReason, next.TriagedAt, next.UpdatedAt = reason, now, now
	c := Change{Action: "incident.triage", Detail: map[string]any{"incident": t.Incident}}
	if !t.Incident {
		next.Status, next.IsIncident, next.ClosedAt = Dismissed, false, now
		c.Entries = []Entry{{At: now, ActorID: actorID, ActorName: actorName, Kind: EntryTriage,
			Body: i18n.T(i18n.Ja, "incident.tl.dismissed", reason)}}
		return s.store.Save(ctx, in, next, c)
	}
	if !cfg.HasLevel(t.Level) {
		return in, apperr.E(apperr.Invalid, "incident.err.level", t.Level)
	}
	cat, ok := cfg.Category(t.Category)
	if !ok {
		return in, apperr.E(apperr.Invalid, "incident.err.category", t.Category)
	}
	instruction, err := text("instruction", t.Instruction, false, maxText)
	if err != nil {
		return in, err
	}
	if instruction == "" {
		instruction = i18n.T(i18n.Ja, "incident.task.containment.default")
	}
	next.Status, next.IsIncident, next.Level, next.Category = Handling, true, t.Level, t.Category
	next.OwnerID = t.OwnerID
	if next.OwnerID == 0 {
		next.OwnerID = actorID
	}
	if next.OwnerID != 0 {
		if _, err := s.org.Person(ctx, next.OwnerID); err != nil {
			return in, apperr.E(apperr.Invalid, "incident.err.owner")
		}
	}
	levelName := cfg.LevelName(t.Level, i18n.Ja)
	c.Detail["level"], c.Detail["category"] = t.Level, t.Category
	c.Entries = append(c.Entries, Entry{At: now, ActorID: actorID, ActorName: actorName, Kind: EntryTriage,
		Body: i18n.T(i18n.Ja, "incident.tl.triaged", levelName, cat.Name, reason)})
	c.Required = cfg.Notices(next)
	for _, n := range c.Required {
		c.Entries = append(c.Entries, Entry{At: now, ActorID: actorID, ActorName: actorName, Kind: EntryDecision,
			Body: i18n.T(i18n.Ja, "incident.tl.clock", n.Authority, n.Kind, n.DueAt.Format("2006-01-02 15:04"))})
	}
	// The CSIRT責任者 reports to the CISO: an inbox notice to be marked read.
	cisos, err := s.holders(ctx, authz.RoleCISO, 0)
	if err != nil {
		return in, err
	}
	for _, h := range cisos {
		c.Notices = append(c.Notices, Notice{PersonID: h.ID, Email: h.Email, Kind: "incident.ciso", Ref: Ref(id), CreatedAt: now,
			Subject: i18n.T(i18n.Ja, "incident.mail.subject", id),
			Message: i18n.T(i18n.Ja, "incident.notice.ciso", id, in.Title, levelName, cat.Name, len(c.Required))})
	}
	// Containment and recovery: the unit's 情報セキュリティ責任者.
	if officer, ok, err := s.unitOfficer(ctx, in.UnitID, now); err != nil {
		return in, err
	} else if ok {
		c.Tasks = append(c.Tasks, Task{PersonID: officer.ID, PersonName: officer.Name, Kind: TaskContainment, Instruction: instruction, CreatedAt: now})
		c.Notices = append(c.Notices, Notice{PersonID: officer.ID, Email: officer.Email, Kind: "incident.task", Ref: Ref(id), CreatedAt: now,
			Subject: i18n.T(i18n.Ja, "incident.mail.subject", id),
			Message: i18n.T(i18n.Ja, "incident.notice.containment", id, in.Title)})
	}
	seen := map[int64]bool{}
	for _, pid := range t.CheckSame {
		if seen[pid] {
			continue
		}
		seen[pid] = true
		pr, err := s.org.Person(ctx, pid)
		if err != nil {
			return in, apperr.E(apperr.Invalid, "incident.err.person", pid)
		}
		c.Tasks = append(c.Tasks, Task{PersonID: pr.ID, PersonName: pr.Name, Kind: TaskCheckSame, CreatedAt: now,
			Instruction: i18n.T(i18n.Ja, "incident.task.check_same.default", cat.Name)})
		c.Notices = append(c.Notices, Notice{PersonID: pr.ID, Email: pr.Email, Kind: "incident.task", Ref: Ref(id), CreatedAt: now,
			Subject: i18n.T(i18n.Ja, "incident.mail.subject", id),
			Message: i18n.T(i18n.Ja, "incident.notice.check_same", cat.Name)})
	}
	for _, tk := range c.Tasks {
		c.Entries = append(c.Entries, Entry{At: now, ActorID: actorID, ActorName: actorName, Kind: EntryTask,
			Body: i18n.T(i18n.Ja, "incident.tl.task", tk.PersonName, i18n.T(i18n.Ja, "incident.task."+tk.Kind), tk.Instruction)})
	}
	out, err := s.store.Save(ctx, in, next, c)
	if err != nil {
		return out, err
	}
	s.mail(ctx, c.Notices)
	return out, nil
}

// person is who a notice goes to.
type person struct {
	ID          int64
	Name, Email string
}

// holders are the active people holding role (for unitID, 0: anywhere).
func (s *Service) holders(ctx context.Context, role string, unitID int64) ([]person, error) {
	as, err := s.org.Contacts(ctx, role, unitID, s.now(), authz.Everywhere)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil
		}
		return nil, err
	}
	seen := map[int64]bool{}
	var out []person
	for _, a := range as {
		if seen[a.PersonID] {
			continue
		}
		seen[a.PersonID] = true
		out = append(out, person{ID: a.PersonID, Name: a.PersonName, Email: a.PersonEmail})
	}
	return out, nil
}

// unitOfficer is the 情報セキュリティ責任者 for the unit: its 課室 officer,
// else the nearest 情報セキュリティ責任者 above it.
func (s *Service) unitOfficer(ctx context.Context, unitID int64, at time.Time) (person, bool, error) {
	if unitID == 0 {
		return person{}, false, nil
	}
	u, err := s.org.Unit(ctx, unitID)
	if err != nil {
		return person{}, false, err
	}
	ids := pathIDs(u.Path)
	for i := len(ids) - 1; i >= 0; i-- {
		as, err := s.org.Officers(ctx, ids[i], at)
		if err != nil {
			return person{}, false, err
		}
		for _, role := range []string{authz.RoleDivisionISO, authz.RoleISO} {
			for _, a := range as {
				if a.RoleKey == role && a.PersonStatus != org.StatusLeft {
					return person{ID: a.PersonID, Name: a.PersonName, Email: a.PersonEmail}, true, nil
				}
			}
		}
	}
	return person{}, false, nil
}

func pathIDs(path string) []int64 {
	var out []int64
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// toCSIRT are inbox notices of key for every CSIRT member.
func (s *Service) toCSIRT(ctx context.Context, kind string, id int64, at time.Time, key string, args ...any) ([]Notice, error) {
	var out []Notice
	seen := map[int64]bool{}
	for _, role := range []string{authz.RoleCSIRTChief, authz.RoleCSIRTMember} {
		hs, err := s.holders(ctx, role, 0)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			if seen[h.ID] {
				continue
			}
			seen[h.ID] = true
			n := Notice{PersonID: h.ID, Email: h.Email, Kind: kind, CreatedAt: at, Message: i18n.T(i18n.Ja, key, args...),
				Subject: i18n.T(i18n.Ja, "incident.mail.subject.new")}
			if id != 0 {
				n.Ref = Ref(id)
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// AddEntry appends a timeline entry (a note, decision, contact,
// instruction or a correction of an earlier entry).
func (s *Service) AddEntry(ctx context.Context, p *authz.Principal, id int64, kind, body string, corrects int64) (Entry, error) {
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return Entry{}, err
	}
	if !contains(ManualKinds, kind) {
		return Entry{}, apperr.E(apperr.Invalid, "incident.err.kind", kind)
	}
	if body, err = text("body", body, true, maxText); err != nil {
		return Entry{}, err
	}
	if kind == EntryCorrection {
		tl, err := s.store.Timeline(ctx, id)
		if err != nil {
			return Entry{}, err
		}
		found := false
		for _, e := range tl {
			found = found || e.ID == corrects
		}
		if !found {
			return Entry{}, apperr.E(apperr.Invalid, "incident.err.corrects")
		}
	} else {
		corrects = 0
	}
	actorID, actorName := s.actor(ctx, p)
	return s.store.Append(ctx, in, Entry{IncidentID: id, At: s.now(), ActorID: actorID, ActorName: actorName, Kind: kind, Body: body, Corrects: corrects}, "incident.record")
}

// AssignTask gives a person a task on the incident (they may then see it).
func (s *Service) AssignTask(ctx context.Context, p *authz.Principal, id, personID int64, kind, instruction string) (Task, error) {
	if err := authz.Require(p, Handle); err != nil {
		return Task{}, err
	}
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return Task{}, err
	}
	if !in.Status.Open() || in.Status == Reported {
		return Task{}, apperr.E(apperr.Conflict, "incident.err.state", id)
	}
	if kind != TaskContainment && kind != TaskCheckSame && kind != TaskOther {
		return Task{}, apperr.E(apperr.Invalid, "incident.err.kind", kind)
	}
	if instruction, err = text("instruction", instruction, true, maxText); err != nil {
		return Task{}, err
	}
	pr, err := s.org.Person(ctx, personID)
	if err != nil || !pr.Active() {
		return Task{}, apperr.E(apperr.Invalid, "incident.err.person", personID)
	}
	now := s.now()
	actorID, actorName := s.actor(ctx, p)
	t := Task{IncidentID: id, PersonID: pr.ID, PersonName: pr.Name, Kind: kind, Instruction: instruction, CreatedAt: now}
	e := Entry{IncidentID: id, At: now, ActorID: actorID, ActorName: actorName, Kind: EntryTask,
		Body: i18n.T(i18n.Ja, "incident.tl.task", pr.Name, i18n.T(i18n.Ja, "incident.task."+kind), instruction)}
	ns := []Notice{{PersonID: pr.ID, Email: pr.Email, Kind: "incident.task", Ref: Ref(id), CreatedAt: now,
		Subject: i18n.T(i18n.Ja, "incident.mail.subject", id), Message: i18n.T(i18n.Ja, "incident.notice.task", id, instruction)}}
	out, err := s.store.AddTask(ctx, in, t, e, ns)
	if err != nil {
		return out, err
	}
	s.mail(ctx, ns)
	return out, nil
}

// AnswerTask records the assignee's answer to their task.
func (s *Service) AnswerTask(ctx context.Context, p *authz.Principal, id, taskID int64, answer string) error {
	in, tasks, _, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	var t Task
	for _, x := range tasks {
		if x.ID == taskID {
			t = x
		}
	}
	if t.ID == 0 || t.PersonID != p.PersonID || p.PersonID == 0 {
		return apperr.E(apperr.NotFound, "incident.err.task", taskID)
	}
	if !t.AnsweredAt.IsZero() {
		return apperr.E(apperr.Conflict, "incident.err.answered")
	}
	if answer, err = text("answer", answer, true, maxText); err != nil {
		return err
	}
	now := s.now()
	t.Answer, t.AnsweredAt = answer, now
	actorID, actorName := s.actor(ctx, p)
	return s.store.AnswerTask(ctx, in, t, Entry{IncidentID: id, At: now, ActorID: actorID, ActorName: actorName, Kind: EntryTaskAnswer,
		Body: i18n.T(i18n.Ja, "incident.tl.answer", i18n.T(i18n.Ja, "incident.task."+t.Kind), answer)})
}

// MarkSent records that an authority notice went out, with its content.
func (s *Service) MarkSent(ctx context.Context, p *authz.Principal, id, noticeID int64, content, sentAt string) error {
	if err := authz.Require(p, Handle); err != nil {
		return err
	}
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	n, err := s.store.AuthorityNotice(ctx, noticeID)
	if err != nil || n.IncidentID != id {
		return apperr.E(apperr.NotFound, "incident.err.notice", noticeID)
	}
	if n.Sent() {
		return apperr.E(apperr.Conflict, "incident.err.sent")
	}
	if content, err = text("content", content, true, maxText); err != nil {
		return err
	}
	now := s.now()
	at := now
	if v := strings.TrimSpace(sentAt); v != "" {
		if at, err = parseWhen(v, now.Location()); err != nil {
			return apperr.E(apperr.Invalid, "incident.err.when", v)
		}
	}
	actorID, actorName := s.actor(ctx, p)
	n.SentAt, n.SentBy, n.Content = at, actorID, content
	return s.store.MarkSent(ctx, in, n, Entry{IncidentID: id, At: now, ActorID: actorID, ActorName: actorName, Kind: EntryNoticeSent,
		Body: i18n.T(i18n.Ja, "incident.tl.sent", n.Authority, n.Kind, at.Format("2006-01-02 15:04"), content)})
}

// FileRecurrence files the cause and recurrence-prevention report
// (原因調査・再発防止策): by the unit's officer given the containment task,
// or the CSIRT.
func (s *Service) FileRecurrence(ctx context.Context, p *authz.Principal, id int64, cause, prevention string) (Incident, error) {
	in, err := s.checkRecurrence(ctx, p, id)
	if err != nil {
		return in, err
	}
	if in.Status != Handling && in.Status != Reviewing {
		return in, apperr.E(apperr.Conflict, "incident.err.state", id)
	}
	if cause, err = text("cause", cause, true, maxText); err != nil {
		return in, err
	}
	if prevention, err = text("prevention", prevention, true, maxText); err != nil {
		return in, err
	}
	now := s.now()
	actorID, actorName := s.actor(ctx, p)
	next := in
	next.Cause, next.Prevention, next.ReportBy, next.ReportAt, next.Status, next.UpdatedAt = cause, prevention, actorID, now, Reviewing, now
	c := Change{Action: "incident.recurrence", Entries: []Entry{{At: now, ActorID: actorID, ActorName: actorName, Kind: EntryRecurrence,
		Body: i18n.T(i18n.Ja, "incident.tl.recurrence", cause, prevention)}}}
	cisos, err := s.holders(ctx, authz.RoleCISO, 0)
	if err != nil {
		return in, err
	}
	for _, h := range cisos {
		c.Notices = append(c.Notices, Notice{PersonID: h.ID, Email: h.Email, Kind: "incident.recurrence", Ref: Ref(id), CreatedAt: now,
			Subject: i18n.T(i18n.Ja, "incident.mail.subject", id), Message: i18n.T(i18n.Ja, "incident.notice.recurrence", id, in.Title)})
	}
	out, err := s.store.Save(ctx, in, next, c)
	if err != nil {
		return out, err
	}
	s.mail(ctx, c.Notices)
	return out, nil
}

// AddMeasure records a measure the CISO orders: a tracked action with an
// owner and a due date.
func (s *Service) AddMeasure(ctx context.Context, p *authz.Principal, id int64, title string, ownerID int64, dueOn string) (Measure, error) {
	if err := authz.Require(p, Oversee); err != nil {
		return Measure{}, err
	}
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return Measure{}, err
	}
	if in.Status != Reviewing {
		return Measure{}, apperr.E(apperr.Conflict, "incident.err.state", id)
	}
	if title, err = text("measure", title, true, 500); err != nil {
		return Measure{}, err
	}
	if _, err := time.Parse("2006-01-02", dueOn); err != nil {
		return Measure{}, apperr.E(apperr.Invalid, "incident.err.due")
	}
	owner, err := s.org.Person(ctx, ownerID)
	if err != nil || !owner.Active() {
		return Measure{}, apperr.E(apperr.Invalid, "incident.err.owner")
	}
	now := s.now()
	actorID, actorName := s.actor(ctx, p)
	m := Measure{IncidentID: id, Title: title, OwnerID: owner.ID, OwnerName: owner.Name, DueOn: dueOn, Status: MeasureOpen, CreatedAt: now, UpdatedAt: now}
	e := Entry{IncidentID: id, At: now, ActorID: actorID, ActorName: actorName, Kind: EntryMeasure,
		Body: i18n.T(i18n.Ja, "incident.tl.measure", title, owner.Name, dueOn)}
	ns := []Notice{{PersonID: owner.ID, Email: owner.Email, Kind: "incident.measure", Ref: Ref(id), CreatedAt: now,
		Subject: i18n.T(i18n.Ja, "incident.mail.subject", id), Message: i18n.T(i18n.Ja, "incident.notice.measure", title, dueOn)}}
	out, err := s.store.AddMeasure(ctx, m, e, ns)
	if err != nil {
		return out, err
	}
	s.mail(ctx, ns)
	return out, nil
}

// UpdateMeasure sets a measure's status and note: by its owner, the CISO
// or the 統括, or the CSIRT.
func (s *Service) UpdateMeasure(ctx context.Context, p *authz.Principal, id, measureID int64, status, note string) error {
	_, _, ms, err := s.load(ctx, p, id)
	if err != nil {
		return err
	}
	var m Measure
	for _, x := range ms {
		if x.ID == measureID {
			m = x
		}
	}
	if m.ID == 0 {
		return apperr.E(apperr.NotFound, "incident.err.measure", measureID)
	}
	if !(seer(p) || (p.PersonID != 0 && m.OwnerID == p.PersonID)) {
		return apperr.E(apperr.NotFound, "incident.err.measure", measureID)
	}
	if status != MeasureOpen && status != MeasureDone {
		return apperr.E(apperr.Invalid, "incident.err.measure_status")
	}
	if note, err = text("done_note", note, status == MeasureDone, maxText); err != nil {
		return err
	}
	now := s.now()
	actorID, actorName := s.actor(ctx, p)
	m.Status, m.DoneNote, m.UpdatedAt = status, note, now
	return s.store.UpdateMeasure(ctx, m, Entry{IncidentID: id, At: now, ActorID: actorID, ActorName: actorName, Kind: EntryMeasureUpd,
		Body: i18n.T(i18n.Ja, "incident.tl.measure_"+status, m.Title, note)})
}

// Close closes an incident after the recurrence-prevention report; the
// lessons learned, when given, are published to all staff without the
// incident's confidential details.
func (s *Service) Close(ctx context.Context, p *authz.Principal, id int64, lessons string) (Incident, error) {
	if err := authz.Require(p, Handle); err != nil {
		return Incident{}, err
	}
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return in, err
	}
	if in.Status != Reviewing {
		return in, apperr.E(apperr.Conflict, "incident.err.close_state", id)
	}
	if lessons, err = text("lessons", lessons, false, maxText); err != nil {
		return in, err
	}
	now := s.now()
	actorID, actorName := s.actor(ctx, p)
	next := in
	next.Status, next.Lessons, next.ClosedAt, next.UpdatedAt = Closed, lessons, now, now
	return s.store.Save(ctx, in, next, Change{Action: "incident.close", Entries: []Entry{{At: now, ActorID: actorID, ActorName: actorName,
		Kind: EntryClose, Body: i18n.T(i18n.Ja, "incident.tl.closed", lessons)}}})
}

// Lesson is what all staff may read of a closed incident.
type Lesson struct {
	Month    string `json:"month"`
	Category string `json:"category"`
	Level    int    `json:"level"`
	Lessons  string `json:"lessons"`
}

// LessonsPage is one page of the published lessons learned, newest
// incident first; the cursor is the incident's id.
func (s *Service) LessonsPage(ctx context.Context, p *authz.Principal, pr paging.Request) (Page[Lesson], error) {
	var out Page[Lesson]
	if err := authz.Require(p, Report); err != nil {
		return out, err
	}
	xs, err := s.incidents(ctx, Filter{Level: -2, Open: "closed", Lessons: true}, pr, nil)
	if err != nil || xs.Total == 0 {
		return out, err
	}
	out.Next, out.Total = xs.Next, xs.Total
	out.Rows = make([]Lesson, len(xs.Rows))
	for i, x := range xs.Rows {
		out.Rows[i] = Lesson{Month: x.ClosedAt.Format("2006-01"), Category: x.Category, Level: x.Level, Lessons: x.Lessons}
	}
	return out, nil
}

// Timeline is the full timeline of an incident (export and print);
// the read is audited.
func (s *Service) Timeline(ctx context.Context, p *authz.Principal, id int64, view string) (Incident, []Entry, error) {
	in, _, _, err := s.load(ctx, p, id)
	if err != nil {
		return in, nil, err
	}
	if err := s.store.LogRead(ctx, in, view); err != nil {
		return in, nil, err
	}
	tl, err := s.store.Timeline(ctx, id)
	return in, tl, err
}

// ISSOs are the holders of the ISSO role, for the triage's "check for
// the same" choice.
func (s *Service) ISSOs(ctx context.Context, p *authz.Principal) ([]org.Assignment, error) {
	if err := authz.Require(p, Handle); err != nil {
		return nil, err
	}
	as, err := s.org.Contacts(ctx, authz.RoleISSO, 0, s.now(), authz.Everywhere)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return as, err
}

func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email == "" {
			continue
		}
		subject := n.Subject
		if subject == "" {
			subject = i18n.T(i18n.Ja, "incident.mail.subject.new")
		}
		if err := s.Mailer.Send(ctx, n.Email, subject, n.Message); err != nil && s.Logf != nil {
			s.Logf("incident mail", "to", n.Email, "err", err)
		}
	}
}

// sortNotices orders notices by due time.
func sortNotices(ns []AuthorityNotice) {
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].DueAt.Before(ns[j].DueAt) })
}

// People are the active people a task or a measure may go to.
func (s *Service) People(ctx context.Context, p *authz.Principal) ([]org.Person, error) {
	if !seer(p) {
		return nil, apperr.E(apperr.Forbidden, "error.forbidden.perm", string(Handle))
	}
	ps, _, err := s.org.People(ctx, org.PersonFilter{Scope: authz.Everywhere, NotLeft: true, Limit: 2000})
	return ps, err
}

// Check returns NotFound unless p may see incident id in full, so that
// handlers refuse an unrelated person before reading what they sent.
func (s *Service) Check(ctx context.Context, p *authz.Principal, id int64) error {
	_, _, _, err := s.load(ctx, p, id)
	return err
}

// checkRecurrence loads incident id if p may file its recurrence-prevention
// report: the CSIRT, or the officer given the containment task.
func (s *Service) checkRecurrence(ctx context.Context, p *authz.Principal, id int64) (Incident, error) {
	in, tasks, _, err := s.load(ctx, p, id)
	if err != nil {
		return in, err
	}
	if !(p.IsSystem() || p.Can(Handle) || s.hasTask(p, tasks, TaskContainment)) {
		return in, apperr.E(apperr.Forbidden, "incident.err.recurrence_who")
	}
	return in, nil
}
