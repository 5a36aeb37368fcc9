package tracker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
)

// Permissions. Work: see and work on one's own actions (progress,
// evidence, done). Follow: the actions of the units in scope — file them,
// change owner and due date, confirm them closed (never one's own).
var (
	Work = authz.Define("tracker.work", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleDivisionISO, authz.RoleAreaISO, authz.RoleISSO, authz.RoleISSAdmin, authz.RoleAuditChief,
		authz.RoleAuditor, authz.RoleCSIRTChief, authz.RoleCSIRTMember, authz.RoleStaff, authz.RoleAdministrator)
	Follow = authz.Define("tracker.follow", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleDivisionISO, authz.RoleAuditChief)
)

// Notice is an inbox message (and e-mail) to one person.
type Notice struct {
	PersonID  int64
	Email     string
	Kind      string // tracker.assigned, tracker.done, tracker.overdue …
	Ref       string // tracker:<id>
	Message   string // Japanese
	CreatedAt time.Time
}

// Store persists actions. Implemented by internal/store.
type Store interface {
	// CreateAction stores a and its requirements, with the notices (an
	// empty Ref becomes the new action's), in one transaction with its
	// audit event.
	CreateAction(ctx context.Context, a Action, ns []Notice) (Action, error)
	// Action reads one action with requirements, progress and evidence;
	// NotFound when there is none.
	Action(ctx context.Context, id int64) (Action, error)
	// Actions lists actions with their requirements, by due date.
	// Actions returns the actions f selects by due date (then id);
	// CountActions counts them (After and Limit aside).
	Actions(ctx context.Context, f Filter) ([]Action, error)
	CountActions(ctx context.Context, f Filter) (int, error)
	// Change stores next when the action is still as prev (status and
	// updated time; Conflict otherwise), appends pr when not nil and
	// the notices, with an audit event named event.
	Change(ctx context.Context, prev, next Action, event string, pr *Progress, ns []Notice) (Action, error)
	// AddEvidence stores a file and attaches it to the action.
	AddEvidence(ctx context.Context, actionID int64, f File, data []byte) (File, error)
	// Evidence reads a file attached to the action; NotFound otherwise.
	Evidence(ctx context.Context, actionID, fileID int64) (File, []byte, error)
	// ClaimJob claims job key for owner until leaseUntil (false: done or
	// held by another owner).
	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	// DeliverJob marks a claimed job done and stores its notices.
	DeliverJob(ctx context.Context, key, owner string, at time.Time, ns []Notice) error
}

// Org is what the tracker needs of the organisation.
type Org interface {
	Unit(ctx context.Context, id int64) (org.Unit, error)
	Person(ctx context.Context, id int64) (org.Person, error)
}

// Service files and follows actions.
type Service struct {
	store Store
	org   Org
	// Now is the clock (tests move it).
	Now    func() time.Time
	Mailer notify.Mailer
	// MaxFile is the evidence size limit (0: MaxEvidence).
	MaxFile int64
	Logf    func(msg string, args ...any)
}

// NewService returns the tracker over st.
func NewService(st Store, o Org) *Service {
	return &Service{store: st, org: o, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) today() string { return s.Now().In(jst).Format(DateLayout) }

var jst = time.FixedZone("JST", 9*3600)

func (s *Service) unitPath(ctx context.Context, unitID int64) (string, string, error) {
	if unitID == 0 {
		return "", "", nil
	}
	u, err := s.org.Unit(ctx, unitID)
	if err != nil {
		return "", "", err
	}
	return u.Path, u.Name, nil
}

// follows reports whether p follows the actions of the unit at path ("":
// organisation-wide actions, which need an organisation-wide grant).
func follows(p *authz.Principal, path string) bool {
	if p.IsSystem() {
		return true
	}
	if path == "" {
		return p.Scope(Follow).All
	}
	return p.CanIn(Follow, path)
}

// CanSee reports whether p may see a: its owner, or someone who follows
// its unit.
func CanSee(p *authz.Principal, a Action) bool {
	if p == nil {
		return false
	}
	if p.PersonID != 0 && a.OwnerID == p.PersonID && p.Can(Work) {
		return true
	}
	return follows(p, a.UnitPath)
}

func notFound(id int64) error { return apperr.E(apperr.NotFound, "tracker.err.not_found", id) }

// Create files an action for a unit p follows.
func (s *Service) Create(ctx context.Context, p *authz.Principal, a Action) (Action, error) {
	path, _, err := s.unitPath(ctx, a.UnitID)
	if err != nil {
		return Action{}, err
	}
	if !follows(p, path) {
		return Action{}, apperr.E(apperr.Forbidden, "tracker.err.unit")
	}
	a.Status = Open
	if err := a.Validate(); err != nil {
		return Action{}, err
	}
	owner, err := s.org.Person(ctx, a.OwnerID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Action{}, invalid("tracker.err.owner")
		}
		return Action{}, err
	}
	now := s.now()
	a.ID, a.CreatedBy, a.CreatedAt, a.UpdatedAt = 0, p.PersonID, now, now
	a.DoneAt, a.ClosedAt, a.ClosedBy = time.Time{}, time.Time{}, 0
	// The owner's notice is stored with the action (its ref is filled in
	// once the action has an id).
	n := s.notice(owner, "tracker.assigned", 0, i18n.T(i18n.Ja, "tracker.notice.assigned", a.Title, a.DueOn))
	n.Ref = ""
	created, err := s.store.CreateAction(ctx, a, []Notice{n})
	if err != nil {
		return Action{}, err
	}
	s.mail(ctx, []Notice{n})
	return s.store.Action(ctx, created.ID)
}

func (s *Service) notice(p org.Person, kind string, id int64, msg string) Notice {
	return Notice{PersonID: p.ID, Email: p.Email, Kind: kind, Ref: "tracker:" + strconv.FormatInt(id, 10), Message: msg, CreatedAt: s.now()}
}

func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email == "" {
			continue
		}
		subject := i18n.T(i18n.Ja, "tracker.mail.subject", short(n.Message, 40))
		if err := s.Mailer.Send(ctx, n.Email, subject, n.Message+"\n\n"+i18n.T(i18n.Ja, "tracker.mail.footer")); err != nil && s.Logf != nil {
			s.Logf("tracker mail failed", "to", n.Email, "err", err)
		}
	}
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Get returns an action p may see (NotFound otherwise).
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Action, error) {
	if err := authz.Require(p, Work); err != nil && !p.Can(Follow) {
		return Action{}, err
	}
	a, err := s.store.Action(ctx, id)
	if err != nil {
		return Action{}, err
	}
	if !CanSee(p, a) {
		return Action{}, notFound(id)
	}
	return a, nil
}

// Mine lists p's own actions.
func (s *Service) Mine(ctx context.Context, p *authz.Principal, openOnly bool) ([]Action, error) {
	if err := authz.Require(p, Work); err != nil {
		return nil, err
	}
	if p.PersonID == 0 {
		return nil, nil
	}
	return s.store.Actions(ctx, Filter{OwnerID: p.PersonID, OpenOnly: openOnly})
}

// Followed lists the actions of the units p follows (everything for an
// organisation-wide grant), narrowed by f's source and status.
func (s *Service) Followed(ctx context.Context, p *authz.Principal, f Filter) ([]Action, error) {
	if err := authz.Require(p, Follow); err != nil {
		return nil, err
	}
	return s.store.Actions(ctx, followed(p, f))
}

// followed narrows f to the units p follows (everything for an
// organisation-wide grant), whoever owns the actions.
func followed(p *authz.Principal, f Filter) Filter {
	sc := p.Scope(Follow)
	f.OwnerID = 0
	f.Scope = ScopeFilter{All: sc.All, Paths: sc.Paths}
	return f
}

// visible narrows f to what p may see: their own actions and the followed
// units'.
func visible(p *authz.Principal, f Filter) Filter {
	f = followed(p, f)
	f.Scope.OrPerson = p.PersonID
	return f
}

// BySource lists the actions filed for a source (for the capability that
// owns it, which has checked its own access); System sees them all.
func (s *Service) BySource(ctx context.Context, kind SourceKind, id, item int64) ([]Action, error) {
	return s.store.Actions(ctx, Filter{SourceKind: kind, SourceID: id, SourceItem: item, Scope: ScopeFilter{All: true}})
}

// BySourceItems lists the actions filed for the given parts (items) of one
// record, e.g. the findings on one page of an audit's; none when items is
// empty.
func (s *Service) BySourceItems(ctx context.Context, kind SourceKind, id int64, items []int64) ([]Action, error) {
	if len(items) == 0 {
		return nil, nil
	}
	return s.store.Actions(ctx, Filter{SourceKind: kind, SourceID: id, SourceItems: items, Scope: ScopeFilter{All: true}})
}

// work loads an action p may work on: its owner or a follower of its unit.
func (s *Service) work(ctx context.Context, p *authz.Principal, id int64) (Action, error) {
	return s.Get(ctx, p, id)
}

// Report adds a dated progress report (the owner or a follower).
func (s *Service) Report(ctx context.Context, p *authz.Principal, id int64, on, text string) (Action, error) {
	a, err := s.work(ctx, p, id)
	if err != nil {
		return Action{}, err
	}
	text = strings.TrimSpace(text)
	if on == "" {
		on = s.today()
	}
	if _, err := time.Parse(DateLayout, on); err != nil {
		return Action{}, invalid("tracker.err.date", on)
	}
	if text == "" || utf8.RuneCountInString(text) > 4000 {
		return Action{}, invalid("tracker.err.progress")
	}
	if a.Status == Closed {
		return Action{}, apperr.E(apperr.Conflict, "tracker.err.closed")
	}
	next := a
	if next.Status == Open {
		next.Status = InProgress
	}
	next.Note, next.UpdatedAt = text, s.now()
	return s.store.Change(ctx, a, next, "tracker.progress", &Progress{ActionID: id, On: on, AuthorID: p.PersonID, Text: text, CreatedAt: s.now()}, nil)
}

// Attach stores an evidence file on the action after CheckUpload.
func (s *Service) Attach(ctx context.Context, p *authz.Principal, id int64, u Upload) (File, error) {
	a, err := s.work(ctx, p, id)
	if err != nil {
		return File{}, err
	}
	if a.Status == Closed {
		return File{}, apperr.E(apperr.Conflict, "tracker.err.closed")
	}
	f, err := CheckUpload(u, s.MaxFile)
	if err != nil {
		return File{}, err
	}
	f.UploadedBy, f.CreatedAt = p.PersonID, s.now()
	return s.store.AddEvidence(ctx, id, f, u.Data)
}

// Evidence returns an evidence file of an action p may see.
func (s *Service) Evidence(ctx context.Context, p *authz.Principal, id, fileID int64) (File, []byte, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return File{}, nil, err
	}
	return s.store.Evidence(ctx, id, fileID)
}

// MarkDone records that the work is done; someone other than the owner
// then confirms it.
func (s *Service) MarkDone(ctx context.Context, p *authz.Principal, id int64, note string) (Action, error) {
	a, err := s.work(ctx, p, id)
	if err != nil {
		return Action{}, err
	}
	if a.Finished() {
		return Action{}, apperr.E(apperr.Conflict, "tracker.err.already_done")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 4000 {
		return Action{}, invalid("tracker.err.too_long")
	}
	next := a
	next.Status, next.UpdatedAt, next.DoneAt = Done, s.now(), s.now()
	if note != "" {
		next.Note = note
	}
	var pr *Progress
	if note != "" {
		pr = &Progress{ActionID: id, On: s.today(), AuthorID: p.PersonID, Text: note, CreatedAt: s.now()}
	}
	var ns []Notice
	if a.CreatedBy != 0 && a.CreatedBy != a.OwnerID {
		if c, err := s.org.Person(ctx, a.CreatedBy); err == nil {
			ns = append(ns, s.notice(c, "tracker.done", id, i18n.T(i18n.Ja, "tracker.notice.done", a.Title)))
		}
	}
	out, err := s.store.Change(ctx, a, next, "tracker.done", pr, ns)
	if err == nil {
		s.mail(ctx, ns)
	}
	return out, err
}

// Confirm closes a done action. Only a follower of its unit who is not
// its owner may confirm it.
func (s *Service) Confirm(ctx context.Context, p *authz.Principal, id int64, note string) (Action, error) {
	a, err := s.work(ctx, p, id)
	if err != nil {
		return Action{}, err
	}
	if !follows(p, a.UnitPath) {
		return Action{}, apperr.E(apperr.Forbidden, "tracker.err.unit")
	}
	if !p.IsSystem() && p.PersonID == a.OwnerID {
		return Action{}, apperr.E(apperr.Forbidden, "tracker.err.self_confirm")
	}
	if a.Status != Done {
		return Action{}, apperr.E(apperr.Conflict, "tracker.err.not_done")
	}
	next := a
	next.Status, next.UpdatedAt, next.ClosedAt, next.ClosedBy = Closed, s.now(), s.now(), p.PersonID
	var pr *Progress
	if note = strings.TrimSpace(note); note != "" {
		pr = &Progress{ActionID: id, On: s.today(), AuthorID: p.PersonID, Text: note, CreatedAt: s.now()}
	}
	return s.store.Change(ctx, a, next, "tracker.confirm", pr, nil)
}

// Reopen sends a done action back to its owner (a follower, with a reason).
func (s *Service) Reopen(ctx context.Context, p *authz.Principal, id int64, reason string) (Action, error) {
	a, err := s.work(ctx, p, id)
	if err != nil {
		return Action{}, err
	}
	if !follows(p, a.UnitPath) {
		return Action{}, apperr.E(apperr.Forbidden, "tracker.err.unit")
	}
	if a.Status != Done {
		return Action{}, apperr.E(apperr.Conflict, "tracker.err.not_done")
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Action{}, invalid("tracker.err.reason")
	}
	next := a
	next.Status, next.UpdatedAt, next.DoneAt, next.Note = InProgress, s.now(), time.Time{}, reason
	return s.store.Change(ctx, a, next, "tracker.reopen", &Progress{ActionID: id, On: s.today(), AuthorID: p.PersonID, Text: reason, CreatedAt: s.now()}, nil)
}

// Reassign changes the owner and the due date (a follower of the unit).
func (s *Service) Reassign(ctx context.Context, p *authz.Principal, id, ownerID int64, due string) (Action, error) {
	a, err := s.work(ctx, p, id)
	if err != nil {
		return Action{}, err
	}
	if !follows(p, a.UnitPath) {
		return Action{}, apperr.E(apperr.Forbidden, "tracker.err.unit")
	}
	if a.Status == Closed {
		return Action{}, apperr.E(apperr.Conflict, "tracker.err.closed")
	}
	next := a
	if ownerID > 0 {
		next.OwnerID = ownerID
	}
	if due != "" {
		next.DueOn = due
	}
	if err := next.Validate(); err != nil {
		return Action{}, err
	}
	if _, err := s.org.Person(ctx, next.OwnerID); err != nil {
		return Action{}, invalid("tracker.err.owner")
	}
	next.UpdatedAt = s.now()
	return s.store.Change(ctx, a, next, "tracker.reassign", nil, nil)
}

// RunJobs chases overdue actions: once a day per action, a notice to its
// owner. Each chase is a job claimed in the store (key
// tracker.overdue:<id>:<day>), so replicas chase once.
func (s *Service) RunJobs(ctx context.Context, owner string) (int, error) {
	day := s.today()
	acts, err := s.store.Actions(ctx, Filter{OpenOnly: true, Scope: ScopeFilter{All: true}})
	if err != nil {
		return 0, err
	}
	chased := 0
	for _, a := range acts {
		if !a.Overdue(day) {
			continue
		}
		key := fmt.Sprintf("tracker.overdue:%d:%s", a.ID, day)
		ok, err := s.store.ClaimJob(ctx, key, owner, s.now(), s.now().Add(10*time.Minute))
		if err != nil {
			return chased, err
		}
		if !ok {
			continue
		}
		p, err := s.org.Person(ctx, a.OwnerID)
		if err != nil {
			return chased, err
		}
		days := daysBetween(a.DueOn, day)
		ns := []Notice{s.notice(p, "tracker.overdue", a.ID, i18n.T(i18n.Ja, "tracker.notice.overdue", a.Title, a.DueOn, days))}
		if err := s.store.DeliverJob(ctx, key, owner, s.now(), ns); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				continue
			}
			return chased, err
		}
		s.mail(ctx, ns)
		chased++
	}
	return chased, nil
}

func daysBetween(from, to string) int {
	a, err1 := time.Parse(DateLayout, from)
	b, err2 := time.Parse(DateLayout, to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(b.Sub(a).Hours() / 24)
}
