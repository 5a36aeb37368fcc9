package auditeng

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/selfcheck"
	"kitei/internal/tracker"
)

// Permissions. View opens the audit pages (what one sees there follows
// one's relationship to each engagement); Read: every plan and engagement
// (CISO, deputy, 監査責任者); Plan: plans, engagements and auditor
// assignments (監査責任者); Approve: approve plans, order ad-hoc audits and
// instruct after the report (CISO); Conduct: working papers, findings and
// the report for one's engagements (監査実施者, 監査責任者); Respond: the
// audited unit's officers answer findings with remediation plans.
var (
	PermView = authz.Define("auditeng.view", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleAuditChief, authz.RoleAuditor,
		authz.RoleISO, authz.RoleDivisionISO)
	PermRead    = authz.Define("auditeng.read", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleAuditChief)
	PermPlan    = authz.Define("auditeng.plan", authz.RoleAuditChief)
	PermApprove = authz.Define("auditeng.approve", authz.RoleCISO)
	PermConduct = authz.Define("auditeng.conduct", authz.RoleAuditChief, authz.RoleAuditor)
	PermRespond = authz.Define("auditeng.respond", authz.RoleISO, authz.RoleDivisionISO)
)

// Notice is an inbox message (and e-mail) to one person.
type Notice struct {
	PersonID  int64
	Email     string
	Kind      string
	Ref       string
	Message   string
	CreatedAt time.Time
}

// EngagementFilter selects engagements.
type EngagementFilter struct {
	PlanID int64
	All    bool     // every engagement
	Paths  []string // or those of units under these paths …
	// … or those the person audits (any status), or those whose report
	// went to the units under RespondPaths.
	AuditorID    int64
	RespondPaths []string
	// Today (with AuditorID) leaves out the engagements whose auditor's
	// access ended before this day.
	Today string
	// After and Limit read one page, by start date then id: the
	// engagements after the cursor (zero: from the first), at most Limit
	// of them (0: all).
	After paging.Cursor
	Limit int
}

// Store persists audits. Implemented by internal/store; every change
// writes the audit trail in its transaction.
type Store interface {
	CreatePlan(ctx context.Context, p Plan) (Plan, error)
	Plan(ctx context.Context, id int64) (Plan, error)
	Plans(ctx context.Context) ([]Plan, error)
	// SetPlanStatus moves the plan from prev.Status (Conflict otherwise);
	// approving it moves its planned engagements to fieldwork.
	SetPlanStatus(ctx context.Context, prev, next Plan, ns []Notice) (Plan, error)

	CreateEngagement(ctx context.Context, e Engagement) (Engagement, error)
	Engagement(ctx context.Context, id int64) (Engagement, error)
	Engagements(ctx context.Context, f EngagementFilter) ([]Engagement, error)
	// CountEngagements counts the engagements f selects (After and Limit
	// aside).
	CountEngagements(ctx context.Context, f EngagementFilter) (int, error)
	// SetEngagement stores next's status and report when the engagement is
	// still at prev.Status (Conflict otherwise), with the instructions and
	// notices, and the audit event named event.
	SetEngagement(ctx context.Context, prev, next Engagement, event string, ins []Instruction, ns []Notice) (Engagement, error)
	AddAuditor(ctx context.Context, engagementID int64, a Auditor, ns []Notice) error

	SavePaper(ctx context.Context, p Paper) (Paper, error)
	Papers(ctx context.Context, engagementID int64) ([]Paper, error)
	AddEvidence(ctx context.Context, engagementID int64, ref string, f tracker.File, data []byte) (tracker.File, error)
	Evidence(ctx context.Context, engagementID, fileID int64) (tracker.File, []byte, error)

	AddFinding(ctx context.Context, f Finding) (Finding, error)
	Findings(ctx context.Context, engagementID int64) ([]Finding, error)
	// FindingsPage reads the engagement's findings after the cursor (its
	// id; zero: from the first) by id, at most limit of them (0: all);
	// CountFindings counts them all and those still open (no remediation
	// action, or one not closed).
	FindingsPage(ctx context.Context, engagementID int64, after paging.Cursor, limit int) ([]Finding, error)
	CountFindings(ctx context.Context, engagementID int64) (total, open int, err error)
	// AllFindings lists every finding without its texts (description and
	// recommendation left empty), for the figures and the annual report.
	AllFindings(ctx context.Context) ([]Finding, error)
	Instructions(ctx context.Context, engagementID int64) ([]Instruction, error)
}

// Service runs audits.
type Service struct {
	store     Store
	org       *org.Service
	catalogs  *catalog.Service
	tracker   *tracker.Service
	selfcheck *selfcheck.Service
	crosswalk *crosswalk.Service
	Now       func() time.Time
	Mailer    notify.Mailer
	MaxFile   int64
	Logf      func(msg string, args ...any)
}

// NewService returns the audit service.
func NewService(st Store, o *org.Service, c *catalog.Service, t *tracker.Service, sc *selfcheck.Service, cw *crosswalk.Service) *Service {
	return &Service{store: st, org: o, catalogs: c, tracker: t, selfcheck: sc, crosswalk: cw, Now: time.Now}
}

var jst = time.FixedZone("JST", 9*3600)

func (s *Service) now() time.Time { return s.Now().UTC() }
func (s *Service) today() string  { return s.Now().In(jst).Format(DateLayout) }

func forbidden(key string, args ...any) error { return apperr.E(apperr.Forbidden, key, args...) }

// outsider reports a signed-in person without a unit: an outside auditor,
// who sees only the engagements assigned to them whatever else they hold.
func outsider(p *authz.Principal) bool {
	return p != nil && !p.IsSystem() && p.PersonID != 0 && p.UnitPath == ""
}

// assigned returns p's assignment on e when it is in force today.
func (s *Service) assigned(p *authz.Principal, e Engagement) (Auditor, bool) {
	if p == nil || p.PersonID == 0 || !p.Can(PermConduct) {
		return Auditor{}, false
	}
	for _, a := range e.Auditors {
		if a.PersonID == p.PersonID {
			if a.AccessUntil != "" && s.today() > a.AccessUntil {
				return a, false
			}
			return a, true
		}
	}
	return Auditor{}, false
}

// readsAll reports an organisation-wide reader.
func readsAll(p *authz.Principal) bool {
	return p.IsSystem() || (!outsider(p) && p.Scope(PermRead).All)
}

// responds reports whether p answers for e's unit (or for a unit the CISO
// instructed), once the report is out.
func responds(p *authz.Principal, e Engagement, ins []Instruction, paths map[int64]string) bool {
	if outsider(p) || (e.Status != Reported && e.Status != Instructed) {
		return false
	}
	if p.CanIn(PermRespond, e.UnitPath) {
		return true
	}
	for _, in := range ins {
		if p.CanIn(PermRespond, paths[in.UnitID]) {
			return true
		}
	}
	return false
}

// Access is what p may do on one engagement.
type Access struct {
	Read, Plan, Conduct, Approve, Respond bool
}

func (s *Service) access(ctx context.Context, p *authz.Principal, e Engagement) (Access, []Instruction, error) {
	var a Access
	ins, err := s.store.Instructions(ctx, e.ID)
	if err != nil {
		return a, nil, err
	}
	paths := map[int64]string{}
	for _, in := range ins {
		if u, err := s.org.Unit(ctx, in.UnitID); err == nil {
			paths[in.UnitID] = u.Path
		}
	}
	_, isAuditor := s.assigned(p, e)
	all := readsAll(p)
	a.Plan = !outsider(p) && (p.IsSystem() || p.Scope(PermPlan).All)
	a.Conduct = p.IsSystem() || isAuditor || (a.Plan && p.Can(PermConduct))
	a.Approve = !outsider(p) && (p.IsSystem() || p.Scope(PermApprove).All)
	a.Respond = p.IsSystem() || responds(p, e, ins, paths)
	a.Read = all || a.Conduct || a.Respond
	return a, ins, nil
}

// load returns the engagement when p may read it (NotFound otherwise).
func (s *Service) load(ctx context.Context, p *authz.Principal, id int64) (Engagement, Access, error) {
	if !p.Can(PermView) && !p.IsSystem() {
		return Engagement{}, Access{}, authz.Require(p, PermView)
	}
	e, err := s.store.Engagement(ctx, id)
	if err != nil {
		return e, Access{}, err
	}
	a, _, err := s.access(ctx, p, e)
	if err != nil {
		return e, a, err
	}
	if !a.Read {
		return Engagement{}, a, apperr.E(apperr.NotFound, "auditeng.err.not_found", id)
	}
	return e, a, nil
}

// ---- plans ----

// CreatePlan starts the plan of a fiscal year (監査責任者).
func (s *Service) CreatePlan(ctx context.Context, p *authz.Principal, year int, title, note string) (Plan, error) {
	if err := s.requirePlan(p); err != nil {
		return Plan{}, err
	}
	title, note = strings.TrimSpace(title), strings.TrimSpace(note)
	if year < 2000 || year > 2200 {
		return Plan{}, invalid("auditeng.err.year", year)
	}
	if title == "" {
		title = i18n.T(i18n.Ja, "auditeng.plan.default_title", year)
	}
	if utf8.RuneCountInString(title) > 300 || utf8.RuneCountInString(note) > 8000 {
		return Plan{}, invalid("auditeng.err.too_long")
	}
	now := s.now()
	return s.store.CreatePlan(ctx, Plan{FiscalYear: year, Title: title, Note: note, Status: PlanDraft, CreatedBy: p.PersonID, CreatedAt: now, UpdatedAt: now})
}

func (s *Service) requirePlan(p *authz.Principal) error {
	if p.IsSystem() || (!outsider(p) && p.Scope(PermPlan).All) {
		return nil
	}
	return forbidden("auditeng.err.plan_right")
}

func (s *Service) requireApprove(p *authz.Principal) error {
	if p.IsSystem() || (!outsider(p) && p.Scope(PermApprove).All) {
		return nil
	}
	return forbidden("auditeng.err.approve_right")
}

// Plans lists the plans (organisation-wide readers).
func (s *Service) Plans(ctx context.Context, p *authz.Principal) ([]Plan, error) {
	if !readsAll(p) {
		return nil, nil
	}
	return s.store.Plans(ctx)
}

// PlanView is a plan with its engagements.
type PlanView struct {
	Plan        Plan
	Engagements []Engagement
}

// Plan returns a plan with its engagements (organisation-wide readers).
func (s *Service) Plan(ctx context.Context, p *authz.Principal, id int64) (PlanView, error) {
	if !readsAll(p) {
		return PlanView{}, apperr.E(apperr.NotFound, "auditeng.err.plan_not_found", id)
	}
	pl, err := s.store.Plan(ctx, id)
	if err != nil {
		return PlanView{}, err
	}
	es, err := s.store.Engagements(ctx, EngagementFilter{PlanID: id, All: true})
	return PlanView{Plan: pl, Engagements: es}, err
}

// AddEngagement plans an engagement in a draft plan.
func (s *Service) AddEngagement(ctx context.Context, p *authz.Principal, planID int64, e Engagement) (Engagement, error) {
	if err := s.requirePlan(p); err != nil {
		return Engagement{}, err
	}
	pl, err := s.store.Plan(ctx, planID)
	if err != nil {
		return Engagement{}, err
	}
	if pl.Status != PlanDraft {
		return Engagement{}, apperr.E(apperr.Conflict, "auditeng.err.plan_not_draft")
	}
	e.PlanID, e.AdHoc, e.Status = planID, false, Planned
	return s.createEngagement(ctx, p, e)
}

func (s *Service) createEngagement(ctx context.Context, p *authz.Principal, e Engagement) (Engagement, error) {
	if err := e.Validate(); err != nil {
		return Engagement{}, err
	}
	if _, err := s.org.Unit(ctx, e.UnitID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Engagement{}, invalid("auditeng.err.unit")
		}
		return Engagement{}, err
	}
	c, err := s.catalogs.Get(ctx, e.CatalogID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Engagement{}, invalid("auditeng.err.catalog")
		}
		return Engagement{}, err
	}
	nodes, err := s.catalogs.Nodes(ctx, c.Latest.ID)
	if err != nil {
		return Engagement{}, err
	}
	have := map[string]bool{}
	for _, n := range nodes {
		have[n.Ref] = true
	}
	for _, sec := range e.Scope {
		if !have[sec] {
			return Engagement{}, invalid("auditeng.err.section", sec)
		}
	}
	now := s.now()
	e.CreatedBy, e.CreatedAt, e.UpdatedAt = p.PersonID, now, now
	return s.store.CreateEngagement(ctx, e)
}

// SubmitPlan sends a draft plan to the CISO.
func (s *Service) SubmitPlan(ctx context.Context, p *authz.Principal, id int64) (Plan, error) {
	if err := s.requirePlan(p); err != nil {
		return Plan{}, err
	}
	pl, err := s.store.Plan(ctx, id)
	if err != nil {
		return Plan{}, err
	}
	if pl.Status != PlanDraft {
		return Plan{}, apperr.E(apperr.Conflict, "auditeng.err.plan_not_draft")
	}
	if pl.Engagements == 0 {
		return Plan{}, invalid("auditeng.err.plan_empty")
	}
	next := pl
	next.Status, next.UpdatedAt = PlanSubmitted, s.now()
	ns, err := s.roleNotices(ctx, authz.RoleCISO, 0, "auditeng.plan_submitted", "auditeng:plan:"+strconv.FormatInt(id, 10),
		i18n.T(i18n.Ja, "auditeng.notice.plan_submitted", pl.Title))
	if err != nil {
		return Plan{}, err
	}
	out, err := s.store.SetPlanStatus(ctx, pl, next, ns)
	if err == nil {
		s.mail(ctx, ns)
	}
	return out, err
}

// ApprovePlan approves a submitted plan (CISO); its engagements start.
func (s *Service) ApprovePlan(ctx context.Context, p *authz.Principal, id int64) (Plan, error) {
	if err := s.requireApprove(p); err != nil {
		return Plan{}, err
	}
	pl, err := s.store.Plan(ctx, id)
	if err != nil {
		return Plan{}, err
	}
	if pl.Status != PlanSubmitted {
		return Plan{}, apperr.E(apperr.Conflict, "auditeng.err.plan_not_submitted")
	}
	next := pl
	next.Status, next.UpdatedAt, next.ApprovedBy, next.ApprovedAt = PlanApproved, s.now(), p.PersonID, s.now()
	ns, err := s.roleNotices(ctx, authz.RoleAuditChief, 0, "auditeng.plan_approved", "auditeng:plan:"+strconv.FormatInt(id, 10),
		i18n.T(i18n.Ja, "auditeng.notice.plan_approved", pl.Title))
	if err != nil {
		return Plan{}, err
	}
	out, err := s.store.SetPlanStatus(ctx, pl, next, ns)
	if err == nil {
		s.mail(ctx, ns)
	}
	return out, err
}

// OrderAdHoc is an audit the CISO orders outside the plan; it starts at
// once (the 監査責任者 assigns the auditors).
func (s *Service) OrderAdHoc(ctx context.Context, p *authz.Principal, e Engagement) (Engagement, error) {
	if err := s.requireApprove(p); err != nil {
		return Engagement{}, err
	}
	e.PlanID, e.AdHoc, e.Status = 0, true, Fieldwork
	out, err := s.createEngagement(ctx, p, e)
	if err != nil {
		return out, err
	}
	ns, err := s.roleNotices(ctx, authz.RoleAuditChief, 0, "auditeng.adhoc", ref(out.ID), i18n.T(i18n.Ja, "auditeng.notice.adhoc", out.Title))
	if err == nil {
		s.deliver(ctx, out, ns)
	}
	return out, nil
}

func ref(id int64) string { return "auditeng:" + strconv.FormatInt(id, 10) }

// deliver stores notices about e as a no-op change (best effort).
func (s *Service) deliver(ctx context.Context, e Engagement, ns []Notice) {
	if len(ns) == 0 {
		return
	}
	if _, err := s.store.SetEngagement(ctx, e, e, "auditeng.notify", nil, ns); err != nil && s.Logf != nil {
		s.Logf("audit notice failed", "err", err)
	}
	s.mail(ctx, ns)
}

// roleNotices addresses the holders of role (for unitID, 0: anywhere).
func (s *Service) roleNotices(ctx context.Context, role string, unitID int64, kind, ref, msg string) ([]Notice, error) {
	as, err := s.org.Contacts(ctx, role, unitID, s.now(), authz.Everywhere)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil
		}
		return nil, err
	}
	seen := map[int64]bool{}
	var ns []Notice
	for _, a := range as {
		if seen[a.PersonID] {
			continue
		}
		seen[a.PersonID] = true
		ns = append(ns, Notice{PersonID: a.PersonID, Email: a.PersonEmail, Kind: kind, Ref: ref, Message: msg, CreatedAt: s.now()})
	}
	return ns, nil
}

// officerNotices addresses the 情報セキュリティ責任者 and 課室情報セキュリティ責任者
// of the unit (or the nearest unit above that has one).
func (s *Service) officerNotices(ctx context.Context, unitID int64, kind, ref, msg string) ([]Notice, error) {
	var ns []Notice
	for _, role := range []string{authz.RoleISO, authz.RoleDivisionISO} {
		p, _, err := s.org.ResolveApprover(ctx, 0, role, unitID, s.now())
		if err != nil {
			continue
		}
		ns = append(ns, Notice{PersonID: p.ID, Email: p.Email, Kind: kind, Ref: ref, Message: msg, CreatedAt: s.now()})
	}
	return ns, nil
}

func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email == "" {
			continue
		}
		if err := s.Mailer.Send(ctx, n.Email, i18n.T(i18n.Ja, "auditeng.mail.subject", n.Message), n.Message+"\n\n"+i18n.T(i18n.Ja, "auditeng.mail.footer")); err != nil && s.Logf != nil {
			s.Logf("audit mail failed", "to", n.Email, "err", err)
		}
	}
}

// ---- engagements ----

// Engagements lists what p may see: everything for organisation-wide
// readers, one's own engagements for auditors (outside auditors only while
// their access lasts), the reported engagements of one's units for their
// officers; by start date.
func (s *Service) Engagements(ctx context.Context, p *authz.Principal) ([]Engagement, error) {
	pg, err := s.EngagementsPage(ctx, p, paging.Request{Limit: paging.Max})
	if err != nil {
		return nil, err
	}
	out := pg.Rows
	for pg.Next != "" {
		c, _ := paging.Parse(pg.Next)
		if pg, err = s.EngagementsPage(ctx, p, paging.Request{After: c, Limit: paging.Max}); err != nil {
			return nil, err
		}
		out = append(out, pg.Rows...)
	}
	return out, nil
}

// Page is one page of a list: its rows, the cursor of the page after it
// ("" on the last) and how many rows the whole list holds.
type Page[T any] = paging.Page[T]

// Page sizes: the lists show PageSize rows a page (the checklist
// PageSize requirements), the API APIPageSize unless the client asks for
// another limit (at most paging.Max).
const (
	PageSize    = 50
	APIPageSize = 100
)

// EngagementsPage is one page of the engagements p may see (see
// Engagements), by start date; the cursor names the last one's start date
// and id.
func (s *Service) EngagementsPage(ctx context.Context, p *authz.Principal, pr paging.Request) (Page[Engagement], error) {
	if !p.Can(PermView) && !p.IsSystem() {
		return Page[Engagement]{}, authz.Require(p, PermView)
	}
	f := EngagementFilter{All: readsAll(p), Today: s.today()}
	if !f.All {
		if p.Can(PermConduct) {
			f.AuditorID = p.PersonID
		}
		if !outsider(p) {
			f.RespondPaths = p.Scope(PermRespond).Paths
		}
	}
	// The filter is what access grants; each engagement read is checked
	// again (the total drops by those hidden), and a page is read on until
	// it is full.
	hidden := 0
	out, err := paging.Read(pr, func() (int, error) { return s.store.CountEngagements(ctx, f) },
		func(after paging.Cursor, n int) ([]Engagement, error) {
			f.After, f.Limit = after, n
			var kept []Engagement
			for {
				es, err := s.store.Engagements(ctx, f)
				if err != nil {
					return nil, err
				}
				for _, e := range es {
					if f.All { // an organisation-wide reader reads every one
						kept = append(kept, e)
						continue
					}
					a, _, err := s.access(ctx, p, e)
					if err != nil {
						return nil, err
					}
					if a.Read {
						kept = append(kept, e)
					} else {
						hidden++
					}
				}
				if len(kept) >= f.Limit || len(es) < f.Limit {
					return kept, nil
				}
				f.After = engagementKey(es[len(es)-1])
			}
		}, engagementKey)
	out.Total -= hidden
	return out, err
}

// engagementKey names an engagement by its start date and id.
func engagementKey(e Engagement) paging.Cursor { return paging.Cursor{Key: e.StartsOn, ID: e.ID} }

// AssignAuditor puts a person on an engagement (監査責任者). The
// organisation's separation-of-duties rule refuses anyone who belongs to
// or answers for the audited unit, with the reason; an outside auditor
// needs the last day of their access.
func (s *Service) AssignAuditor(ctx context.Context, p *authz.Principal, id, personID int64, outside bool, until string) error {
	if err := s.requirePlan(p); err != nil {
		return err
	}
	e, err := s.store.Engagement(ctx, id)
	if err != nil {
		return err
	}
	if e.Status == Reported || e.Status == Instructed {
		return apperr.E(apperr.Conflict, "auditeng.err.reported")
	}
	person, err := s.org.Person(ctx, personID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return invalid("auditeng.err.person")
		}
		return err
	}
	if err := s.org.CheckAuditor(ctx, personID, e.UnitID, s.now()); err != nil {
		if apperr.Is(err, apperr.Forbidden) {
			return &apperr.Error{Code: apperr.Forbidden, Key: "auditeng.err.independence", Args: []any{person.Name}, Err: err, ShowCause: true}
		}
		return err
	}
	until = strings.TrimSpace(until)
	if outside && until == "" {
		return invalid("auditeng.err.outside_until")
	}
	if until != "" {
		if err := checkDate("auditeng.err.date", until); err != nil {
			return err
		}
	}
	ns := []Notice{{PersonID: person.ID, Email: person.Email, Kind: "auditeng.assigned", Ref: ref(id),
		Message: i18n.T(i18n.Ja, "auditeng.notice.assigned", e.Title), CreatedAt: s.now()}}
	if err := s.store.AddAuditor(ctx, id, Auditor{PersonID: personID, Outside: outside, AccessUntil: until}, ns); err != nil {
		return err
	}
	s.mail(ctx, ns)
	return nil
}

// Item is one line of an engagement's checklist: a requirement in scope,
// the working paper on it, the audited unit's self-inspection answers and
// the findings on it.
type Item struct {
	Ref       string
	Section   string
	Text      string
	Subject   string
	Paper     *Paper
	Selfcheck *selfcheck.Cell
	Findings  []Finding
}

// View is an engagement with everything its page shows.
type View struct {
	Engagement Engagement
	Access     Access
	Items      []Item
	// Findings are every finding (Engagement) or one page of them
	// (EngagementPage: FindingsNext is the cursor of the page after it, ""
	// on the last); FindingsTotal counts them all.
	Findings      []Finding
	FindingsNext  string
	FindingsTotal int
	Instructions  []Instruction
	Gaps          *crosswalk.GapReport
	Counts        map[string]int
	Unanswered    int
	Closed        bool // every finding closed
	Today         string
}

// Checklist is the requirements of the engagement's scope in document
// order: every requirement that is a section of the scope or below one.
func (s *Service) Checklist(ctx context.Context, e Engagement) ([]Item, error) {
	c, err := s.catalogs.Get(ctx, e.CatalogID)
	if err != nil {
		return nil, err
	}
	nodes, err := s.catalogs.Nodes(ctx, c.Latest.ID)
	if err != nil {
		return nil, err
	}
	parent := make(map[string]string, len(nodes))
	for _, n := range nodes {
		parent[n.Ref] = n.Parent
	}
	inScope := func(ref string) string {
		for r := ref; r != ""; r = parent[r] {
			if slices.Contains(e.Scope, r) {
				return r
			}
		}
		return ""
	}
	// Catalogs that flag no requirements (plain structured text) are
	// audited on their leaves.
	flagged, hasChild := false, map[string]bool{}
	for _, n := range nodes {
		flagged = flagged || n.Requirement
		hasChild[n.Parent] = true
	}
	var out []Item
	for _, n := range nodes {
		if (flagged && !n.Requirement) || (!flagged && hasChild[n.Ref]) {
			continue
		}
		if sec := inScope(n.Ref); sec != "" {
			out = append(out, Item{Ref: n.Ref, Section: sec, Text: n.Text, Subject: n.Subject})
		}
	}
	return out, nil
}

// Engagement returns the engagement's page: checklist with working papers
// (and self-inspection answers when a campaign is set), findings with
// their remediation plans, instructions and the crosswalk gap report.
func (s *Service) Engagement(ctx context.Context, p *authz.Principal, id int64) (*View, error) {
	return s.view(ctx, p, id, nil)
}

// EngagementPage is the engagement as its page and the API show it: as
// Engagement, but with the page fpr of its findings (by id, the order they
// were recorded) instead of all of them; whether every finding is closed
// is counted in the database. The checklist's items carry no findings.
func (s *Service) EngagementPage(ctx context.Context, p *authz.Principal, id int64, fpr paging.Request) (*View, error) {
	return s.view(ctx, p, id, &fpr)
}

// view reads the engagement's view with every finding (fpr nil) or one
// page of them.
func (s *Service) view(ctx context.Context, p *authz.Principal, id int64, fpr *paging.Request) (*View, error) {
	e, acc, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := &View{Engagement: e, Access: acc, Counts: map[string]int{}, Today: s.today()}
	if v.Items, err = s.Checklist(ctx, e); err != nil {
		return nil, err
	}
	papers, err := s.store.Papers(ctx, id)
	if err != nil {
		return nil, err
	}
	byRef := map[string]*Paper{}
	for i := range papers {
		byRef[papers[i].Ref] = &papers[i]
	}
	if fpr == nil {
		if v.Findings, err = s.findings(ctx, e); err != nil {
			return nil, err
		}
		v.FindingsTotal = len(v.Findings)
		v.Closed = len(v.Findings) > 0
		for _, f := range v.Findings {
			if !f.Closed {
				v.Closed = false
			}
		}
	} else {
		pg, open, err := s.findingsPage(ctx, e, *fpr)
		if err != nil {
			return nil, err
		}
		v.Findings, v.FindingsNext, v.FindingsTotal = pg.Rows, pg.Next, pg.Total
		v.Closed = pg.Total > 0 && open == 0
	}
	var cells map[string]selfcheck.Cell
	if e.SelfcheckID != 0 && (acc.Conduct || readsAll(p)) {
		cells = s.selfcheckCells(ctx, e)
	}
	for i := range v.Items {
		it := &v.Items[i]
		it.Paper = byRef[it.Ref]
		if it.Paper != nil {
			v.Counts[string(it.Paper.Result)]++
		} else {
			v.Unanswered++
		}
		if c, ok := cells[it.Ref]; ok {
			it.Selfcheck = &c
		}
		if fpr == nil {
			for _, f := range v.Findings {
				if f.Ref == it.Ref {
					it.Findings = append(it.Findings, f)
				}
			}
		}
	}
	if v.Instructions, err = s.store.Instructions(ctx, id); err != nil {
		return nil, err
	}
	if e.ParentCatalogID != 0 && s.crosswalk != nil {
		if g, err := s.crosswalk.Gaps(ctx, crosswalk.EditionRef{Catalog: e.ParentCatalogID}, crosswalk.EditionRef{Catalog: e.CatalogID}, crosswalk.GapOptions{}); err == nil {
			v.Gaps = &g
		}
	}
	return v, nil
}

// selfcheckCells sums the audited unit's (and its sub-units') answers per
// requirement in the campaign.
func (s *Service) selfcheckCells(ctx context.Context, e Engagement) map[string]selfcheck.Cell {
	if s.selfcheck == nil {
		return nil
	}
	// Read as someone who follows exactly the audited unit and its sub-units.
	unitReader := &authz.Principal{Login: "system", Grants: []authz.Grant{{Role: authz.RoleDivisionISO, UnitPath: e.UnitPath}}}
	r, err := s.selfcheck.Rollup(ctx, unitReader, e.SelfcheckID, -1)
	if err != nil {
		return nil
	}
	out := map[string]selfcheck.Cell{}
	for _, it := range r.Items {
		c := out[it.Item.NodeRef]
		c.Yes += it.Cell.Yes
		c.Partial += it.Cell.Partial
		c.No += it.Cell.No
		c.NA += it.Cell.NA
		out[it.Item.NodeRef] = c
	}
	return out
}

func (s *Service) findings(ctx context.Context, e Engagement) ([]Finding, error) {
	fs, err := s.store.Findings(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	acts, err := s.tracker.BySource(ctx, tracker.FromAuditFinding, e.ID, 0)
	if err != nil {
		return nil, err
	}
	withActions(fs, acts)
	return fs, nil
}

// FindingsPage is one page of the findings of an engagement p may read,
// by id (the order they were recorded), with their remediation actions;
// the cursor names the last finding's id, Total counts them all.
func (s *Service) FindingsPage(ctx context.Context, p *authz.Principal, id int64, pr paging.Request) (Page[Finding], error) {
	e, _, err := s.load(ctx, p, id)
	if err != nil {
		return Page[Finding]{}, err
	}
	pg, _, err := s.findingsPage(ctx, e, pr)
	return pg, err
}

// findingsPage reads the page pr of e's findings with the actions filed
// for them (those of the page only), and how many findings are open.
func (s *Service) findingsPage(ctx context.Context, e Engagement, pr paging.Request) (Page[Finding], int, error) {
	if err := paging.IDOnly(pr); err != nil {
		return Page[Finding]{}, 0, err
	}
	var open int
	out, err := paging.Read(pr, func() (int, error) {
		total, o, err := s.store.CountFindings(ctx, e.ID)
		open = o
		return total, err
	}, func(after paging.Cursor, limit int) ([]Finding, error) {
		return s.store.FindingsPage(ctx, e.ID, after, limit)
	}, func(f Finding) paging.Cursor { return paging.Cursor{ID: f.ID} })
	if err != nil {
		return out, open, err
	}
	ids := make([]int64, len(out.Rows))
	for i, f := range out.Rows {
		ids[i] = f.ID
	}
	acts, err := s.tracker.BySourceItems(ctx, tracker.FromAuditFinding, e.ID, ids)
	if err != nil {
		return out, open, err
	}
	withActions(out.Rows, acts)
	return out, open, nil
}

// withActions gives each finding the actions filed for it and marks it
// closed when it has some and all of them are closed.
func withActions(fs []Finding, acts []tracker.Action) {
	for i := range fs {
		for _, a := range acts {
			if a.Source.Item == fs[i].ID {
				fs[i].Actions = append(fs[i].Actions, a)
			}
		}
		fs[i].Closed = len(fs[i].Actions) > 0
		for _, a := range fs[i].Actions {
			if a.Status != tracker.Closed {
				fs[i].Closed = false
			}
		}
	}
}

func (s *Service) conduct(ctx context.Context, p *authz.Principal, id int64) (Engagement, []Item, error) {
	e, acc, err := s.load(ctx, p, id)
	if err != nil {
		return e, nil, err
	}
	if !acc.Conduct {
		return e, nil, forbidden("auditeng.err.not_auditor")
	}
	if e.Status != Fieldwork {
		return e, nil, apperr.E(apperr.Conflict, "auditeng.err.not_fieldwork")
	}
	items, err := s.Checklist(ctx, e)
	return e, items, err
}

func inChecklist(items []Item, ref string) bool {
	for _, it := range items {
		if it.Ref == ref {
			return true
		}
	}
	return false
}

// SavePaper records the working paper on one requirement of the checklist.
func (s *Service) SavePaper(ctx context.Context, p *authz.Principal, id int64, ref string, result Result, observation string) (Paper, error) {
	_, items, err := s.conduct(ctx, p, id)
	if err != nil {
		return Paper{}, err
	}
	ref, observation = strings.TrimSpace(ref), strings.TrimSpace(observation)
	if !inChecklist(items, ref) {
		return Paper{}, invalid("auditeng.err.ref", ref)
	}
	if !slices.Contains(Results, result) {
		return Paper{}, invalid("auditeng.err.result", string(result))
	}
	if (result == Partial || result == Nonconform) && observation == "" {
		return Paper{}, invalid("auditeng.err.observation")
	}
	if utf8.RuneCountInString(observation) > 8000 {
		return Paper{}, invalid("auditeng.err.too_long")
	}
	return s.store.SavePaper(ctx, Paper{EngagementID: id, Ref: ref, Result: result, Observation: observation, AuditorID: p.PersonID, UpdatedAt: s.now()})
}

// AttachEvidence stores an evidence file on a requirement's working paper
// after the tracker's upload checks.
func (s *Service) AttachEvidence(ctx context.Context, p *authz.Principal, id int64, ref string, u tracker.Upload) (tracker.File, error) {
	_, items, err := s.conduct(ctx, p, id)
	if err != nil {
		return tracker.File{}, err
	}
	ref = strings.TrimSpace(ref)
	if !inChecklist(items, ref) {
		return tracker.File{}, invalid("auditeng.err.ref", ref)
	}
	f, err := tracker.CheckUpload(u, s.MaxFile)
	if err != nil {
		return tracker.File{}, err
	}
	f.UploadedBy, f.CreatedAt = p.PersonID, s.now()
	return s.store.AddEvidence(ctx, id, ref, f, u.Data)
}

// Evidence returns an evidence file of an engagement p may read.
func (s *Service) Evidence(ctx context.Context, p *authz.Principal, id, fileID int64) (tracker.File, []byte, error) {
	if _, _, err := s.load(ctx, p, id); err != nil {
		return tracker.File{}, nil, err
	}
	return s.store.Evidence(ctx, id, fileID)
}

// AddFinding records a finding on a requirement of the checklist.
func (s *Service) AddFinding(ctx context.Context, p *authz.Principal, id int64, f Finding) (Finding, error) {
	_, items, err := s.conduct(ctx, p, id)
	if err != nil {
		return Finding{}, err
	}
	f.Ref, f.Description, f.Recommendation = strings.TrimSpace(f.Ref), strings.TrimSpace(f.Description), strings.TrimSpace(f.Recommendation)
	switch {
	case !inChecklist(items, f.Ref):
		return Finding{}, invalid("auditeng.err.ref", f.Ref)
	case !slices.Contains(Severities, f.Severity):
		return Finding{}, invalid("auditeng.err.severity", string(f.Severity))
	case f.Description == "":
		return Finding{}, invalid("auditeng.err.description")
	case utf8.RuneCountInString(f.Description) > 8000, utf8.RuneCountInString(f.Recommendation) > 8000:
		return Finding{}, invalid("auditeng.err.too_long")
	}
	f.EngagementID, f.CreatedBy, f.CreatedAt = id, p.PersonID, s.now()
	return s.store.AddFinding(ctx, f)
}

// SubmitReport assembles the audit report with the overall opinion and
// sends it to the CISO; working papers and findings are then frozen.
func (s *Service) SubmitReport(ctx context.Context, p *authz.Principal, id int64, summary string) (Engagement, error) {
	e, items, err := s.conduct(ctx, p, id)
	if err != nil {
		return e, err
	}
	summary = strings.TrimSpace(summary)
	if summary == "" {
		return e, invalid("auditeng.err.summary")
	}
	papers, err := s.store.Papers(ctx, id)
	if err != nil {
		return e, err
	}
	if len(papers) < len(items) {
		return e, invalid("auditeng.err.unfinished", len(items)-len(papers))
	}
	next := e
	next.Status, next.Summary, next.ReportedAt, next.ReportedBy, next.UpdatedAt = Reported, summary, s.now(), p.PersonID, s.now()
	ns, err := s.roleNotices(ctx, authz.RoleCISO, 0, "auditeng.reported", ref(id), i18n.T(i18n.Ja, "auditeng.notice.reported", e.Title))
	if err != nil {
		return e, err
	}
	out, err := s.store.SetEngagement(ctx, e, next, "auditeng.report", nil, ns)
	if err == nil {
		s.mail(ctx, ns)
	}
	return out, err
}

// Instruct records the CISO's instruction to the audited unit and,
// optionally, to other units with the same weakness; their officers are
// told.
func (s *Service) Instruct(ctx context.Context, p *authz.Principal, id int64, text string, otherUnits []int64) (Engagement, error) {
	e, acc, err := s.load(ctx, p, id)
	if err != nil {
		return e, err
	}
	if !acc.Approve {
		return e, forbidden("auditeng.err.approve_right")
	}
	if e.Status != Reported && e.Status != Instructed {
		return e, apperr.E(apperr.Conflict, "auditeng.err.not_reported")
	}
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 8000 {
		return e, invalid("auditeng.err.instruction")
	}
	units := []int64{e.UnitID}
	for _, u := range otherUnits {
		if u > 0 && !slices.Contains(units, u) {
			if _, err := s.org.Unit(ctx, u); err != nil {
				return e, invalid("auditeng.err.unit")
			}
			units = append(units, u)
		}
	}
	var ins []Instruction
	var ns []Notice
	for _, u := range units {
		ins = append(ins, Instruction{EngagementID: id, UnitID: u, Text: text, IssuedBy: p.PersonID, IssuedAt: s.now()})
		n, err := s.officerNotices(ctx, u, "auditeng.instructed", ref(id), i18n.T(i18n.Ja, "auditeng.notice.instructed", e.Title))
		if err != nil {
			return e, err
		}
		ns = append(ns, n...)
	}
	next := e
	next.Status, next.UpdatedAt = Instructed, s.now()
	out, err := s.store.SetEngagement(ctx, e, next, "auditeng.instruct", ins, ns)
	if err == nil {
		s.mail(ctx, ns)
	}
	return out, err
}

// RemediationTarget is what p files a remediation for: the engagement, its
// finding findingID and the unit the action is for — the audited unit for
// its officers, else the unit of an officer the CISO also instructed.
// Forbidden unless p may respond to the engagement (reported or
// instructed); NotFound when the finding is not the engagement's.
func (s *Service) RemediationTarget(ctx context.Context, p *authz.Principal, id, findingID int64) (Engagement, Finding, int64, error) {
	e, acc, err := s.load(ctx, p, id)
	if err != nil {
		return e, Finding{}, 0, err
	}
	if !acc.Respond {
		return e, Finding{}, 0, forbidden("auditeng.err.respond_right")
	}
	fs, err := s.store.Findings(ctx, id)
	if err != nil {
		return e, Finding{}, 0, err
	}
	i := slices.IndexFunc(fs, func(f Finding) bool { return f.ID == findingID })
	if i < 0 {
		return e, Finding{}, 0, apperr.E(apperr.NotFound, "auditeng.err.finding_not_found", findingID)
	}
	// The audited unit's officers plan for it; an officer of a unit the
	// CISO also instructed plans for their own unit.
	unit := e.UnitID
	if !p.IsSystem() && !p.CanIn(PermRespond, e.UnitPath) {
		ins, err := s.store.Instructions(ctx, id)
		if err != nil {
			return e, Finding{}, 0, err
		}
		for _, in := range ins {
			if u, err := s.org.Unit(ctx, in.UnitID); err == nil && p.CanIn(PermRespond, u.Path) {
				unit = in.UnitID
				break
			}
		}
	}
	return e, fs[i], unit, nil
}

// Remediate files one action of the remediation plan (対処計画) for a
// finding on the improvement tracker: the audited unit's officer (or an
// officer of a unit the CISO instructed, for their own unit).
func (s *Service) Remediate(ctx context.Context, p *authz.Principal, id, findingID int64, a tracker.Action) (tracker.Action, error) {
	e, f, unit, err := s.RemediationTarget(ctx, p, id, findingID)
	if err != nil {
		return tracker.Action{}, err
	}
	if a.UnitID == 0 {
		a.UnitID = unit
	}
	a.Source = tracker.Source{Kind: tracker.FromAuditFinding, ID: id, Item: findingID,
		Label: i18n.T(i18n.Ja, "auditeng.finding.label", e.Title, f.ID, f.Ref), Link: fmt.Sprintf("/audits/engagements/%d", id)}
	a.Requirements = []tracker.Requirement{{CatalogID: e.CatalogID, Ref: f.Ref}}
	if strings.TrimSpace(a.Description) == "" {
		a.Description = f.Description
	}
	return s.tracker.Create(ctx, p, a)
}
