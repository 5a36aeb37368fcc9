package approval

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/register"
)

// Mailer sends one plain-text e-mail (notify.SMTPMailer in kitei serve).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Catalogs is what the engine reads from the catalogs: a 例外措置 cites a
// node of the latest edition of a catalog.
type Catalogs interface {
	Get(ctx context.Context, id int64) (catalog.Catalog, error)
	Node(ctx context.Context, editionID int64, ref string) (catalog.Node, error)
}

// Targets finds the register entries that requests point at
// (*register.Registry in kitei serve and the CLI).
type Targets interface {
	ResolveRef(ctx context.Context, w *authz.Principal, ref string) (register.Target, error)
}

// Service runs the approval engine.
type Service struct {
	store    Store
	org      *org.Service
	catalogs Catalogs
	now      func() time.Time
	// Mailer, when set, sends a copy of every notice by e-mail.
	Mailer Mailer
	// RemindAfterDays: a request waiting this many days for its decision
	// gets a daily reminder to the decider (and shows as overdue).
	RemindAfterDays int
	// Targets, when set, checks a request's target (an entry of the
	// registers: system:ID, service:ID, asset:ID) exists and is visible to
	// the applicant, and stores it in that canonical form. Without it the
	// target is free text.
	Targets Targets
	// Logf reports mail failures (optional).
	Logf func(msg string, args ...any)
}

// NewService returns the engine over st, resolving deciders with o and
// rules with cat.
func NewService(st Store, o *org.Service, cat Catalogs) *Service {
	return &Service{store: st, org: o, catalogs: cat, now: time.Now, RemindAfterDays: 3}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Today is the current day.
func (s *Service) Today() string { return s.now().Format(DateLayout) }

// EnsureBuiltinTypes stores the built-in types missing from the store.
func (s *Service) EnsureBuiltinTypes(ctx context.Context) error {
	ts := Builtin()
	for i := range ts {
		if err := ts[i].Validate(); err != nil {
			return fmt.Errorf("built-in type %s: %w", ts[i].Key, err)
		}
	}
	_, err := s.store.EnsureTypes(ctx, ts, s.now().UTC())
	return err
}

// Types lists the request types (retired ones too when all).
func (s *Service) Types(ctx context.Context, all bool) ([]Type, error) {
	ts, err := s.store.Types(ctx)
	if err != nil || all {
		return ts, err
	}
	return slices.DeleteFunc(ts, func(t Type) bool { return t.Retired }), nil
}

// Type returns one request type.
func (s *Service) Type(ctx context.Context, key string) (Type, error) { return s.store.Type(ctx, key) }

// SaveType changes a type's definition (security office: RequestAdmin).
func (s *Service) SaveType(ctx context.Context, p *authz.Principal, t Type) error {
	if !p.Can(authz.RequestAdmin) {
		return apperr.E(apperr.Forbidden, "approval.err.security_office_edits_request_types")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if _, err := s.store.Type(ctx, t.Key); err != nil {
		return err
	}
	return s.store.SaveType(ctx, t, s.now().UTC())
}

// Input is what an applicant types: Values by field key, with the core
// fields under fixed names — "title", "level", "starts_on", "ends_on",
// "catalog_id" and "node_ref" for the rule, "target_ref".
type Input struct {
	TypeKey   string            `json:"type"`
	Values    map[string]string `json:"values"`
	Emergency bool              `json:"emergency"`
}

func (in Input) get(k string) string { return strings.TrimSpace(in.Values[k]) }

// person returns the principal's person or refuses.
func person(p *authz.Principal) (int64, error) {
	if p == nil || p.PersonID == 0 {
		return 0, apperr.E(apperr.Forbidden, "approval.err.your_account_tied_person_organisation")
	}
	return p.PersonID, nil
}

// File stores a new draft from in; with submit it is submitted at once.
func (s *Service) File(ctx context.Context, p *authz.Principal, in Input, submit bool) (Request, error) {
	pid, err := person(p)
	if err != nil {
		return Request{}, err
	}
	if !p.Can(authz.RequestFile) {
		return Request{}, apperr.E(apperr.Forbidden, "approval.err.you_file_requests")
	}
	t, err := s.store.Type(ctx, strings.TrimSpace(in.TypeKey))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Request{}, invalid("approval.err.choose_request_type")
		}
		return Request{}, err
	}
	if t.Retired {
		return Request{}, invalid("approval.err.request_type_longer_used", t.Name)
	}
	if len(t.Applicants) > 0 && !slices.ContainsFunc(t.Applicants, p.HasRole) {
		return Request{}, apperr.E(apperr.Forbidden, "approval.err.filed_by", t.Name, strings.Join(t.Applicants, "、"))
	}
	who, err := s.org.Person(ctx, pid)
	if err != nil {
		return Request{}, err
	}
	now := s.now().UTC()
	r := Request{TypeKey: t.Key, ApplicantID: pid, ApplicantName: who.Name, UnitID: who.UnitID, UnitPath: who.UnitPath,
		Status: Draft, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.apply(ctx, p, &t, &r, in, false); err != nil {
		return Request{}, err
	}
	created := Event{Action: "create", To: Draft, ActorID: pid, At: now}
	if submit {
		// Stored and submitted in one transaction: a refused submission
		// leaves nothing behind.
		return s.submit(ctx, &t, r, &created)
	}
	return s.store.CreateRequest(ctx, r, created, nil)
}

// Update replaces a draft's or returned request's values.
func (s *Service) Update(ctx context.Context, p *authz.Principal, id int64, in Input) (Request, error) {
	r, t, err := s.forApplicant(ctx, p, id, ActEdit)
	if err != nil {
		return r, err
	}
	next := r
	next.Fields = nil
	if err := s.apply(ctx, p, &t, &next, in, false); err != nil {
		return r, err
	}
	next.UpdatedAt = s.now().UTC()
	return s.store.Transition(ctx, r, next, Event{Action: ActEdit, From: r.Status, To: r.Status, ActorID: r.ApplicantID, At: next.UpdatedAt}, nil)
}

// apply copies in onto r, checking each field; complete requires the
// required fields (at submission; a draft may be partial).
func (s *Service) apply(ctx context.Context, p *authz.Principal, t *Type, r *Request, in Input, complete bool) error {
	if in.Values == nil {
		in.Values = map[string]string{}
	}
	if r.Fields == nil {
		r.Fields = map[string]string{}
	}
	if in.Emergency && !t.AfterTheFact {
		return invalid("approval.err.cannot_filed_after_fact", t.Name)
	}
	r.Emergency = in.Emergency
	for _, f := range t.Fields {
		switch f.Type {
		case KindApplicant:
		case KindTitle:
			r.Title = in.get("title")
			if err := checkText(f.Label, r.Title, true, 200); err != nil {
				return err
			}
		case KindLevel:
			r.Level = in.get("level")
			if r.Level != "" {
				if _, err := t.Rule(r.Level); err != nil {
					return err
				}
			}
		case KindPeriod:
			r.StartsOn, r.EndsOn = in.get("starts_on"), in.get("ends_on")
			for _, d := range [][2]string{{"開始日", r.StartsOn}, {"終了日", r.EndsOn}} {
				if d[1] != "" {
					if err := checkDay(d[0], d[1]); err != nil {
						return err
					}
				}
			}
			if r.StartsOn != "" && r.EndsOn != "" && r.EndsOn < r.StartsOn {
				return invalid("approval.err.period_ends_before_starts", r.EndsOn, r.StartsOn)
			}
		case KindRule:
			if err := s.applyRule(ctx, r, in); err != nil {
				return err
			}
		case KindTarget:
			r.TargetRef = in.get("target_ref")
			if err := checkText(f.Label, r.TargetRef, false, 200); err != nil {
				return err
			}
			if r.TargetRef != "" && s.Targets != nil {
				tg, err := s.Targets.ResolveRef(ctx, p, r.TargetRef)
				if err != nil {
					return err
				}
				r.TargetRef = tg.Ref
			}
		default:
			v := in.get(f.Key)
			max := 500
			if f.Type == KindTextarea {
				max = 4000
			}
			if err := checkText(f.Label, v, false, max); err != nil {
				return err
			}
			if v != "" && f.Type == KindDate {
				if err := checkDay(f.Label, v); err != nil {
					return err
				}
			}
			if v != "" && f.Type == KindSelect && !slices.Contains(f.Options, v) {
				return invalid("approval.err.one", apperr.L{i18n.Ja: f.Label, i18n.En: orEn(f)}, strings.Join(f.Options, "、"))
			}
			if v == "" {
				delete(r.Fields, f.Key)
			} else {
				r.Fields[f.Key] = v
			}
		}
	}
	if complete {
		return s.complete(t, r)
	}
	return nil
}

// complete checks that every required field is filled.
func (s *Service) complete(t *Type, r *Request) error {
	for _, f := range t.Fields {
		if !f.Required {
			continue
		}
		missing := false
		switch f.Type {
		case KindApplicant:
		case KindTitle:
			missing = r.Title == ""
		case KindLevel:
			missing = r.Level == ""
		case KindPeriod:
			missing = r.StartsOn == "" || r.EndsOn == ""
		case KindRule:
			missing = r.CatalogID == 0 || r.NodeRef == ""
		case KindTarget:
			missing = r.TargetRef == ""
		default:
			missing = r.Fields[f.Key] == ""
		}
		if missing {
			return invalid("approval.err.required", apperr.L{i18n.Ja: f.Label, i18n.En: orEn(f)})
		}
	}
	return nil
}

func orEn(f Field) string {
	if f.LabelEn != "" {
		return f.LabelEn
	}
	return f.Label
}

// applyRule checks the cited catalog node against the catalog's latest
// edition and keeps its text as it reads today.
func (s *Service) applyRule(ctx context.Context, r *Request, in Input) error {
	ref := in.get("node_ref")
	cid, _ := strconv.ParseInt(in.get("catalog_id"), 10, 64)
	if ref == "" && cid == 0 {
		r.CatalogID, r.NodeRef, r.RuleText = 0, "", ""
		return nil
	}
	if cid <= 0 || ref == "" {
		return invalid("approval.err.choose_catalog_give_clause_e")
	}
	if s.catalogs == nil {
		return invalid("approval.err.catalogs_are_available")
	}
	c, err := s.catalogs.Get(ctx, cid)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return invalid("approval.err.there_catalog", cid)
		}
		return err
	}
	n, err := s.catalogs.Node(ctx, c.Latest.ID, ref)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return invalid("approval.err.has_clause", c.Name, ref)
		}
		return err
	}
	text := n.Text
	if text == "" {
		text = n.Title
	}
	r.CatalogID, r.NodeRef, r.RuleText = c.ID, n.Ref, text
	return nil
}

// forApplicant loads a request the principal filed and checks action.
func (s *Service) forApplicant(ctx context.Context, p *authz.Principal, id int64, action string) (Request, Type, error) {
	pid, err := person(p)
	if err != nil {
		return Request{}, Type{}, err
	}
	r, err := s.store.Request(ctx, id)
	if err != nil {
		return r, Type{}, err
	}
	if r.ApplicantID != pid {
		if s.canSee(p, r) {
			return r, Type{}, apperr.E(apperr.Forbidden, "approval.err.applicant_do", r.ApplicantName)
		}
		return r, Type{}, apperr.E(apperr.NotFound, "approval.err.request", id)
	}
	if !Allowed(action, r.Status) {
		return r, Type{}, outOfOrder(action, r)
	}
	t, err := s.store.Type(ctx, r.TypeKey)
	return r, t, err
}

func outOfOrder(action string, r Request) error {
	return apperr.E(apperr.Conflict, "approval.err.request_cannot_now", r.ID, apperr.Msg("req.status."+string(r.Status)), apperr.Msg("req.action."+action))
}

// StatusJa names a status in Japanese (spreadsheets are written in Japanese).
func StatusJa(st Status) string { return i18n.T(i18n.Ja, "req.status."+string(st)) }

// Submit sends a draft or returned request: the level decides whether it
// needs a permit (it waits for the decider) or is a notice (it takes
// effect at once and the decider is told); the decider is resolved now.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, id int64) (Request, error) {
	r, t, err := s.forApplicant(ctx, p, id, ActSubmit)
	if err != nil {
		return r, err
	}
	return s.submit(ctx, &t, r, nil)
}

// submit submits r: a stored request, or — with created, the event of its
// filing — a new draft not stored yet, stored with its submission in one
// transaction.
func (s *Service) submit(ctx context.Context, t *Type, r Request, created *Event) (Request, error) {
	if err := s.complete(t, &r); err != nil {
		return r, err
	}
	rule, err := t.Rule(r.Level)
	if err != nil {
		return r, err
	}
	if rule.Outcome == OutcomeNone {
		return r, invalid("approval.err.information_needs_request_nothing_file", apperr.L{i18n.Ja: t.Name, i18n.En: t.NameEn}, r.Level)
	}
	now := s.now()
	today := now.Format(DateLayout)
	if r.StartsOn != "" && r.StartsOn < today && !r.Emergency {
		if t.AfterTheFact {
			return r, invalid("approval.err.period_starts_past_file_as", r.StartsOn)
		}
		return r, invalid("approval.err.period_starts_past", r.StartsOn)
	}
	if r.EndsOn != "" && r.EndsOn < today {
		return r, invalid("approval.err.period_already_over", r.EndsOn)
	}
	decider, escalated, err := s.resolve(ctx, t, &r, rule.DeciderRole, now)
	if err != nil {
		return r, err
	}
	next := r
	next.Outcome = rule.Outcome
	next.DeciderID, next.DeciderRole, next.Escalated = decider.ID, rule.DeciderRole, escalated
	next.SubmittedAt, next.UpdatedAt = now.UTC(), now.UTC()
	next.Conditions, next.Decision = "", ""
	var msg, kind string
	if rule.Outcome == OutcomeNotice {
		next.Status = s.startStatus(next, today)
		kind = "request.notice"
		msg = ja("approval.notice.filed", r.ApplicantName, t.Name, r.Level, r.Title)
	} else {
		next.Status = Submitted
		kind = "request.submitted"
		msg = ja("approval.notice.submitted", r.ApplicantName, t.Name, r.Title)
		if r.Emergency {
			msg = ja("approval.notice.emergency", r.ApplicantName, t.Name, r.Title)
		}
	}
	if escalated {
		msg += ja("approval.notice.escalated")
	}
	ns := []Notice{s.notice(decider.ID, decider.Email, kind, r.ID, msg, now)}
	note := ""
	if escalated {
		note = ja("approval.note.escalated")
	}
	if created != nil {
		return s.fileSubmitted(ctx, r, *created, next, note, ns)
	}
	return s.transition(ctx, r, next, ActSubmit, r.ApplicantID, note, ns)
}

// fileSubmitted stores the new draft r and its submission as next in one
// transaction, then mails the notices ns (made before r had an id).
func (s *Service) fileSubmitted(ctx context.Context, r Request, created Event, next Request, note string, ns []Notice) (Request, error) {
	ev := Event{Action: ActSubmit, From: r.Status, To: next.Status, ActorID: r.ApplicantID, Note: note, At: next.UpdatedAt}
	forID := func(id int64) []Notice {
		out := slices.Clone(ns)
		for i := range out {
			out[i].Ref = requestRef(id)
		}
		return out
	}
	out, err := s.store.CreateRequest(ctx, r, created, &Submission{Next: next, Event: ev, Notices: forID})
	if err != nil {
		return r, err
	}
	s.mail(ctx, forID(out.ID))
	return out, nil
}

// startStatus is where a request in force goes: approved (not started yet)
// or in effect.
func (s *Service) startStatus(r Request, today string) Status {
	if r.StartsOn != "" && r.StartsOn > today {
		return Approved
	}
	return InEffect
}

// resolve finds the decider of r for role: the role held for the
// applicant's unit (or above), or for the system in TargetRef, never the
// applicant (escalating to the superior role).
func (s *Service) resolve(ctx context.Context, t *Type, r *Request, role string, now time.Time) (org.Person, bool, error) {
	if t.DeciderFrom == FromSystem && r.TargetRef != "" {
		// System roles are held for the system's own id (its code).
		system := r.TargetRef
		if s.Targets != nil {
			if tg, err := s.Targets.ResolveRef(ctx, authz.System, r.TargetRef); err == nil && tg.Kind == register.RefSystem {
				system = tg.Code
			}
		}
		holders, err := s.org.Contacts(ctx, role, 0, now, authz.Everywhere)
		if err != nil {
			return org.Person{}, false, err
		}
		for _, h := range holders {
			if h.SystemRef == system && h.PersonID != r.ApplicantID && h.PersonStatus == org.StatusActive {
				p, err := s.org.Person(ctx, h.PersonID)
				return p, false, err
			}
		}
		if sup := s.org.Superiors[role]; sup != "" {
			p, _, err := s.org.ResolveApprover(ctx, r.ApplicantID, sup, r.UnitID, now)
			return p, true, err
		}
	}
	return s.org.ResolveApprover(ctx, r.ApplicantID, role, r.UnitID, now)
}

// Withdraw takes back a request before its decision.
func (s *Service) Withdraw(ctx context.Context, p *authz.Principal, id int64, note string) (Request, error) {
	r, _, err := s.forApplicant(ctx, p, id, ActWithdraw)
	if err != nil {
		return r, err
	}
	if err := checkText("note", note, false, 2000); err != nil {
		return r, err
	}
	now := s.now()
	next := r
	next.Status, next.UpdatedAt = Withdrawn, now.UTC()
	var ns []Notice
	if r.DeciderID != 0 && r.Status == Submitted {
		d, err := s.org.Person(ctx, r.DeciderID)
		if err == nil {
			ns = append(ns, s.notice(d.ID, d.Email, "request.withdrawn", r.ID,
				ja("approval.notice.withdrawn", r.ApplicantName, r.Title), now))
		}
	}
	return s.transition(ctx, r, next, ActWithdraw, r.ApplicantID, note, ns)
}

// Decision is what a decider answers.
type Decision struct {
	Action     string `json:"action"`     // approve, reject, return
	Conditions string `json:"conditions"` // approve: conditions attached (may be empty)
	Note       string `json:"note"`       // reason (required to reject or return)
}

// Decide records the decision of the assigned decider. Refused with no
// change: anyone else (Forbidden), the applicant (Forbidden), a request
// not waiting for a decision (Conflict), a reject or return without a
// reason (Invalid).
func (s *Service) Decide(ctx context.Context, p *authz.Principal, id int64, d Decision) (Request, error) {
	pid, err := person(p)
	if err != nil {
		return Request{}, err
	}
	r, err := s.store.Request(ctx, id)
	if err != nil {
		return r, err
	}
	if !s.canSee(p, r) {
		return r, apperr.E(apperr.NotFound, "approval.err.request", id)
	}
	if r.ApplicantID == pid {
		return r, apperr.E(apperr.Forbidden, "approval.err.you_filed_request_cannot_decide", id)
	}
	if r.DeciderID != pid {
		var who any = r.DeciderName
		if r.DeciderName == "" {
			who = apperr.Msg("approval.nobody_yet")
		}
		return r, apperr.E(apperr.Forbidden, "approval.err.request_decided_by_by_you", id, who)
	}
	t, err := s.store.Type(ctx, r.TypeKey)
	if err != nil {
		return r, err
	}
	if !s.holdsDecide(p, &t, r) {
		return r, apperr.E(apperr.Forbidden, "approval.err.you_longer_hold_role_decides", id)
	}
	d.Action = strings.TrimSpace(d.Action)
	switch d.Action {
	case ActApprove, ActReject, ActReturn:
	default:
		return r, invalid("approval.err.decision_approve_reject_return", d.Action)
	}
	if !Allowed(d.Action, r.Status) {
		if r.Status != Submitted && !r.DecidedAt.IsZero() {
			return r, apperr.E(apperr.Conflict, "approval.err.request_was_already_decided_second", id, apperr.Msg("req.status."+string(r.Status)))
		}
		return r, outOfOrder(d.Action, r)
	}
	if err := checkText("条件", d.Conditions, false, 4000); err != nil {
		return r, err
	}
	if err := checkText("理由", d.Note, d.Action != ActApprove, 4000); err != nil {
		return r, err
	}
	now := s.now()
	next := r
	next.UpdatedAt, next.DecidedAt = now.UTC(), now.UTC()
	next.Decision = strings.TrimSpace(d.Note)
	var msg string
	switch d.Action {
	case ActApprove:
		next.Status = s.startStatus(r, now.Format(DateLayout))
		next.Conditions = strings.TrimSpace(d.Conditions)
		msg = ja("approval.notice.approved", r.Title)
		if next.Conditions != "" {
			msg += ja("approval.notice.conditions", next.Conditions)
		}
	case ActReject:
		next.Status = Rejected
		msg = ja("approval.notice.rejected", r.Title, next.Decision)
	case ActReturn:
		next.Status = Returned
		next.DecidedAt = time.Time{}
		msg = ja("approval.notice.returned", r.Title, next.Decision)
	}
	a, err := s.org.Person(ctx, r.ApplicantID)
	if err != nil {
		return r, err
	}
	ns := []Notice{s.notice(a.ID, a.Email, "request."+d.Action, r.ID, msg, now)}
	note := next.Decision
	if next.Conditions != "" {
		note = strings.TrimSpace(ja("approval.notice.conditions", next.Conditions) + " " + note)
	}
	return s.transition(ctx, r, next, d.Action, pid, note, ns)
}

// holdsDecide: the decider still holds RequestDecide where the request
// lives (for the applicant's unit) or anywhere (for a system).
func (s *Service) holdsDecide(p *authz.Principal, t *Type, r Request) bool {
	if t.DeciderFrom == FromSystem {
		return p.Can(authz.RequestDecide)
	}
	return p.CanIn(authz.RequestDecide, r.UnitPath)
}

// ReportEnd records the applicant's end report.
func (s *Service) ReportEnd(ctx context.Context, p *authz.Principal, id int64, report string) (Request, error) {
	r, _, err := s.forApplicant(ctx, p, id, ActEnd)
	if err != nil {
		return r, err
	}
	report = strings.TrimSpace(report)
	if err := checkText("終了報告", report, true, 4000); err != nil {
		return r, err
	}
	now := s.now()
	next := r
	next.Status, next.EndReport, next.EndedAt, next.UpdatedAt = Ended, report, now.UTC(), now.UTC()
	var ns []Notice
	if r.DeciderID != 0 {
		if d, err := s.org.Person(ctx, r.DeciderID); err == nil {
			ns = append(ns, s.notice(d.ID, d.Email, "request.ended", r.ID,
				ja("approval.notice.ended", r.ApplicantName, r.Title), now))
		}
	}
	return s.transition(ctx, r, next, ActEnd, r.ApplicantID, report, ns)
}

// transition stores the change, then mails the notices.
func (s *Service) transition(ctx context.Context, prev, next Request, action string, actorID int64, note string, ns []Notice) (Request, error) {
	ev := Event{RequestID: prev.ID, Action: action, From: prev.Status, To: next.Status, ActorID: actorID, Note: note, At: next.UpdatedAt}
	out, err := s.store.Transition(ctx, prev, next, ev, ns)
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			if cur, e := s.store.Request(ctx, prev.ID); e == nil && cur.Status != prev.Status {
				return cur, apperr.E(apperr.Conflict, "approval.err.request_changed_meanwhile_now_nothing", prev.ID, apperr.Msg("req.status."+string(cur.Status)))
			}
		}
		return prev, err
	}
	s.mail(ctx, ns)
	return out, nil
}

func (s *Service) notice(personID int64, email, kind string, requestID int64, msg string, at time.Time) Notice {
	return Notice{PersonID: personID, Email: email, Kind: kind, Ref: requestRef(requestID),
		Message: msg, CreatedAt: at.UTC(), Subject: ja("approval.mail.subject", short(msg, 40))}
}

// requestRef is the ref of a request's notices.
func requestRef(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

// ja is a notice or e-mail text: notices are stored in Japanese, the
// language of the organisation.
func ja(key string, args ...any) string { return i18n.T(i18n.Ja, key, args...) }

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// mail sends the e-mail copies; failures are logged, the in-app notice
// stays.
func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email == "" {
			continue
		}
		body := ja("approval.mail.body", n.Message)
		if err := s.Mailer.Send(ctx, n.Email, n.Subject, body); err != nil && s.Logf != nil {
			s.Logf("approval mail failed", "to", n.Email, "err", err)
		}
	}
}

// ---- reading ----

// canSee: the applicant, the assigned decider, deciders of the unit, and
// the security office / CISO (RequestReport) see a request; drafts only
// their author.
func (s *Service) canSee(p *authz.Principal, r Request) bool {
	if p == nil {
		return false
	}
	if p.PersonID != 0 && p.PersonID == r.ApplicantID {
		return true
	}
	if r.Status == Draft {
		return false
	}
	if p.PersonID != 0 && p.PersonID == r.DeciderID && p.Can(authz.RequestDecide) {
		return true
	}
	return p.CanIn(authz.RequestDecide, r.UnitPath) || p.Can(authz.RequestReport)
}

// Get returns a request the principal may see, with its history.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Request, []Event, error) {
	r, err := s.store.Request(ctx, id)
	if err != nil {
		return r, nil, err
	}
	if !s.canSee(p, r) {
		return Request{}, nil, apperr.E(apperr.NotFound, "approval.err.request", id)
	}
	h, err := s.store.History(ctx, id)
	return r, h, err
}

// Mine lists the principal's own requests.
func (s *Service) Mine(ctx context.Context, p *authz.Principal) ([]Request, error) {
	if p == nil || p.PersonID == 0 {
		return nil, nil
	}
	return s.store.Requests(ctx, Filter{Scope: Scope{PersonID: p.PersonID}, ApplicantID: p.PersonID})
}

// Waiting lists the requests waiting for the principal's decision.
func (s *Service) Waiting(ctx context.Context, p *authz.Principal) ([]Request, error) {
	if p == nil || p.PersonID == 0 {
		return nil, nil
	}
	return s.store.Requests(ctx, Filter{Scope: Scope{PersonID: p.PersonID}, DeciderID: p.PersonID, Statuses: []Status{Submitted}})
}

// LedgerScope is what the principal's ledger shows: everything for
// RequestReport, the units where they decide otherwise, plus requests they
// decide; the zero scope when neither.
func LedgerScope(p *authz.Principal) Scope {
	if p == nil {
		return Scope{}
	}
	if p.Can(authz.RequestReport) {
		return Scope{All: true}
	}
	paths, all := p.Scopes(authz.RequestDecide)
	sc := Scope{All: all, Paths: paths}
	if p.Can(authz.RequestDecide) {
		sc.PersonID = p.PersonID
	}
	return sc
}

// Ledger lists the requests (drafts left out) matching f within the
// principal's ledger scope.
func (s *Service) Ledger(ctx context.Context, p *authz.Principal, f Filter) ([]Request, error) {
	f, err := s.ledgerFilter(p, f)
	if err != nil {
		return nil, err
	}
	return s.store.Requests(ctx, f)
}

// ledgerFilter is f within the principal's ledger scope, drafts left out.
func (s *Service) ledgerFilter(p *authz.Principal, f Filter) (Filter, error) {
	f.Scope = LedgerScope(p)
	if !f.Scope.All && len(f.Scope.Paths) == 0 && f.Scope.PersonID == 0 {
		return f, apperr.E(apperr.Forbidden, "approval.err.ledgers_are_deciders_security_office")
	}
	for _, d := range []struct{ label, v string }{{"from", f.PeriodFrom}, {"to", f.PeriodTo}} {
		if d.v != "" {
			if err := checkDay(d.label, d.v); err != nil {
				return f, err
			}
		}
	}
	f.NotDraft = true
	return f, nil
}

// ForTarget lists the requests (drafts left out) that point at the
// register entry ref (canonical form, e.g. system:3) and that p may see,
// newest first.
func (s *Service) ForTarget(ctx context.Context, p *authz.Principal, ref string) ([]Request, error) {
	if ref == "" {
		return nil, nil
	}
	rs, err := s.store.Requests(ctx, Filter{Scope: Scope{All: true}, TargetRef: ref, NotDraft: true})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rs, func(r Request) bool { return !s.canSee(p, r) }), nil
}

// Inbox returns the person's notices (of every capability), newest first.
func (s *Service) Inbox(ctx context.Context, personID int64) ([]Notice, error) {
	if personID == 0 {
		return nil, nil
	}
	return s.store.Notices(ctx, personID, 200)
}

// MarkRead marks one notice (id > 0) or all the person's notices read.
func (s *Service) MarkRead(ctx context.Context, personID, id int64) error {
	if personID == 0 {
		return nil
	}
	return s.store.MarkRead(ctx, personID, id, s.now().UTC())
}

// TypeMap returns the types by key.
func (s *Service) TypeMap(ctx context.Context) (map[string]Type, error) {
	ts, err := s.store.Types(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Type, len(ts))
	for _, t := range ts {
		m[t.Key] = t
	}
	return m, nil
}

// Values turns a request back into form values (for editing).
func (r Request) Values() map[string]string {
	v := maps.Clone(r.Fields)
	if v == nil {
		v = map[string]string{}
	}
	v["title"], v["level"], v["starts_on"], v["ends_on"], v["target_ref"] = r.Title, r.Level, r.StartsOn, r.EndsOn, r.TargetRef
	if r.CatalogID != 0 {
		v["catalog_id"], v["node_ref"] = strconv.FormatInt(r.CatalogID, 10), r.NodeRef
	}
	return v
}
