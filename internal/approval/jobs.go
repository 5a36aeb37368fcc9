package approval

import (
	"context"
	"fmt"
	"sort"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/paging"
)

// JobResult counts what one run of the background jobs did.
type JobResult struct {
	Activated int `json:"activated"`
	Expired   int `json:"expired"`
	Reminded  int `json:"reminded"` // deciders reminded of waiting requests
	Chased    int `json:"chased"`   // end reports chased
	Reported  int `json:"reported"` // overdue reports sent to the security office
}

// Overdue is one request needing attention: a decision waiting too long,
// or an end report missing after the period.
type Overdue struct {
	Request Request `json:"request"`
	Reason  string  `json:"reason"` // "decision" or "end_report"
	Days    int     `json:"days"`   // how long overdue
	// Since is when it has been due since (the submission's time, or the
	// last day of the period): the sort key of the overdue report.
	Since string `json:"-"`
}

// RunJobs does the day's work once: it puts approved requests in effect on
// their first day, expires those whose period is over, reminds deciders of
// requests waiting RemindAfterDays or more, chases missing end reports and
// sends the security office the overdue report. Status changes are
// conditional updates and every notice belongs to a job claimed in the
// store (key: kind, request and day), so any number of replicas running
// RunJobs at once send each notice once; a run interrupted before it
// delivers leaves the job to be claimed again after its lease.
func (s *Service) RunJobs(ctx context.Context, owner string) (JobResult, error) {
	var res JobResult
	now := s.now()
	today := now.Format(DateLayout)
	types, err := s.TypeMap(ctx)
	if err != nil {
		return res, err
	}
	live, err := s.store.Requests(ctx, Filter{Scope: Scope{All: true}, Statuses: []Status{Approved, InEffect}})
	if err != nil {
		return res, err
	}
	for _, r := range live {
		t := types[r.TypeKey]
		switch {
		case r.EndsOn != "" && r.EndsOn < today:
			next := r
			next.Status, next.UpdatedAt = Expired, now.UTC()
			msg := ja("approval.notice.expired", r.Title, r.EndsOn)
			if t.EndReport {
				msg += ja("approval.notice.report_due")
			}
			a, err := s.org.Person(ctx, r.ApplicantID)
			if err != nil {
				return res, err
			}
			ns := []Notice{s.notice(a.ID, a.Email, "request.expired", r.ID, msg, now)}
			if _, err := s.store.Transition(ctx, r, next, Event{RequestID: r.ID, Action: ActExpire, From: r.Status, To: Expired, At: next.UpdatedAt}, ns); err != nil {
				if apperr.Is(err, apperr.Conflict) {
					continue // another replica did it
				}
				return res, err
			}
			s.mail(ctx, ns)
			res.Expired++
		case r.Status == Approved && (r.StartsOn == "" || r.StartsOn <= today):
			next := r
			next.Status, next.UpdatedAt = InEffect, now.UTC()
			if _, err := s.store.Transition(ctx, r, next, Event{RequestID: r.ID, Action: ActActivate, From: Approved, To: InEffect, At: next.UpdatedAt}, nil); err != nil {
				if apperr.Is(err, apperr.Conflict) {
					continue
				}
				return res, err
			}
			res.Activated++
		}
	}
	overdue, err := s.overdue(ctx, types, now)
	if err != nil {
		return res, err
	}
	for _, o := range overdue {
		r := o.Request
		var ns []Notice
		var key string
		switch o.Reason {
		case "decision":
			key = fmt.Sprintf("approval.remind:%d:%s", r.ID, today)
			d, err := s.org.Person(ctx, r.DeciderID)
			if err != nil {
				return res, err
			}
			ns = append(ns, s.notice(d.ID, d.Email, "request.remind", r.ID,
				ja("approval.notice.overdue_decision", r.Title, r.ApplicantName, o.Days), now))
		case "end_report":
			key = fmt.Sprintf("approval.chase:%d:%s", r.ID, today)
			a, err := s.org.Person(ctx, r.ApplicantID)
			if err != nil {
				return res, err
			}
			ns = append(ns, s.notice(a.ID, a.Email, "request.chase", r.ID,
				ja("approval.notice.overdue_report", r.Title, r.EndsOn, o.Days), now))
			if r.DeciderID != 0 {
				if d, err := s.org.Person(ctx, r.DeciderID); err == nil {
					ns = append(ns, s.notice(d.ID, d.Email, "request.chase", r.ID,
						ja("approval.notice.overdue_report_decider", r.ApplicantName, r.Title, r.EndsOn), now))
				}
			}
		}
		ok, err := s.deliver(ctx, key, owner, now, ns)
		if err != nil {
			return res, err
		}
		if ok && o.Reason == "decision" {
			res.Reminded++
		} else if ok {
			res.Chased++
		}
	}
	if len(overdue) > 0 {
		office, err := s.office(ctx, now)
		if err != nil {
			return res, err
		}
		var ns []Notice
		for _, p := range office {
			n := s.notice(p.ID, p.Email, "request.overdue", 0,
				ja("approval.notice.overdue_office", len(overdue)), now)
			n.Ref = "request:overdue"
			ns = append(ns, n)
		}
		if len(ns) > 0 {
			ok, err := s.deliver(ctx, "approval.overdue:"+today, owner, now, ns)
			if err != nil {
				return res, err
			}
			if ok {
				res.Reported++
			}
		}
	}
	return res, nil
}

// deliver claims the job key and stores its notices with the job's
// completion; false when another replica has it or had it.
func (s *Service) deliver(ctx context.Context, key, owner string, now time.Time, ns []Notice) (bool, error) {
	won, err := s.store.ClaimJob(ctx, key, owner, now.UTC(), now.UTC().Add(10*time.Minute))
	if err != nil || !won {
		return false, err
	}
	if err := s.store.DeliverJob(ctx, key, owner, now.UTC(), ns); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return false, nil
		}
		return false, err
	}
	s.mail(ctx, ns)
	return true, nil
}

// office returns the people who receive the overdue report: holders of
// the security office and 統括 roles.
func (s *Service) office(ctx context.Context, now time.Time) ([]org.Person, error) {
	seen := map[int64]bool{}
	var out []org.Person
	for _, role := range []string{authz.RoleSecOffice, authz.RoleChiefISO} {
		as, err := s.org.Contacts(ctx, role, 0, now, authz.Everywhere)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				continue
			}
			return nil, err
		}
		for _, a := range as {
			if seen[a.PersonID] || a.PersonStatus != org.StatusActive {
				continue
			}
			seen[a.PersonID] = true
			out = append(out, org.Person{ID: a.PersonID, Name: a.PersonName, Email: a.PersonEmail})
		}
	}
	return out, nil
}

func daysBetween(from, to time.Time) int {
	return int(to.Sub(from).Hours() / 24)
}

// overdueQuery selects the requests waiting RemindAfterDays or more for a
// decision and the expired ones whose end report is missing, within sc.
func (s *Service) overdueQuery(types map[string]Type, now time.Time, sc Scope) OverdueQuery {
	q := OverdueQuery{Scope: sc}
	if s.RemindAfterDays > 0 {
		q.DecisionBefore = now.AddDate(0, 0, -s.RemindAfterDays).UTC().Format(time.RFC3339Nano)
	}
	for k, t := range types {
		if t.EndReport {
			q.EndReportTypes = append(q.EndReportTypes, k)
		}
	}
	sort.Strings(q.EndReportTypes)
	return q
}

// explain sets why o is overdue and for how many days.
func explain(o *Overdue, now time.Time) {
	r := o.Request
	if r.Status == Submitted {
		o.Reason, o.Days = "decision", daysBetween(r.SubmittedAt, now)
		return
	}
	o.Reason, o.Days = "end_report", 1
	if end, err := time.ParseInLocation(DateLayout, r.EndsOn, now.Location()); err == nil {
		o.Days = max(1, daysBetween(end.AddDate(0, 0, 1), now)+1)
	}
}

// overdue lists every overdue request (see overdueQuery), the longest
// overdue first.
func (s *Service) overdue(ctx context.Context, types map[string]Type, now time.Time) ([]Overdue, error) {
	return s.overdueIn(ctx, s.overdueQuery(types, now, Scope{All: true}), now)
}

// overdueIn reads every overdue request q selects with why and for how
// many days, the longest overdue first.
func (s *Service) overdueIn(ctx context.Context, q OverdueQuery, now time.Time) ([]Overdue, error) {
	out, err := s.store.OverdueRequests(ctx, q)
	if err != nil {
		return nil, err
	}
	for i := range out {
		explain(&out[i], now)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Days > out[j].Days })
	return out, nil
}

// overdueFor is the query of the part of the overdue report p may read,
// as of now.
func (s *Service) overdueFor(ctx context.Context, p *authz.Principal) (OverdueQuery, time.Time, error) {
	now := s.now()
	sc := LedgerScope(p)
	if !sc.All && len(sc.Paths) == 0 && sc.PersonID == 0 {
		return OverdueQuery{}, now, apperr.E(apperr.Forbidden, "approval.err.overdue_report_deciders_security_office")
	}
	types, err := s.TypeMap(ctx)
	if err != nil {
		return OverdueQuery{}, now, err
	}
	return s.overdueQuery(types, now, sc), now, nil
}

// Overdue is the overdue report for the security office (RequestReport)
// or, for a decider, the overdue requests of their units and those they
// decide, the longest overdue first.
func (s *Service) Overdue(ctx context.Context, p *authz.Principal) ([]Overdue, error) {
	q, now, err := s.overdueFor(ctx, p)
	if err != nil {
		return nil, err
	}
	return s.overdueIn(ctx, q, now)
}

// OverduePage is one page of p's overdue report (see Overdue), ordered by
// the time each request has been due since, the oldest first; the cursor
// names that time and the request's id.
func (s *Service) OverduePage(ctx context.Context, p *authz.Principal, pg paging.Request) (Page[Overdue], error) {
	q, now, err := s.overdueFor(ctx, p)
	if err != nil {
		return Page[Overdue]{}, err
	}
	out, err := paging.Read(pg, func() (int, error) { return s.store.CountOverdue(ctx, q) },
		func(after paging.Cursor, n int) ([]Overdue, error) {
			q.After, q.Limit = after, n
			return s.store.OverdueRequests(ctx, q)
		}, func(o Overdue) paging.Cursor { return paging.Cursor{Key: o.Since, ID: o.Request.ID} })
	if err != nil {
		return out, err
	}
	for i := range out.Rows {
		explain(&out.Rows[i], now)
	}
	return out, nil
}

// CountOverdue counts p's overdue report.
func (s *Service) CountOverdue(ctx context.Context, p *authz.Principal) (int, error) {
	q, _, err := s.overdueFor(ctx, p)
	if err != nil {
		return 0, err
	}
	return s.store.CountOverdue(ctx, q)
}

// StartJobs runs RunJobs every interval until ctx ends.
func (s *Service) StartJobs(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if res, err := s.RunJobs(ctx, owner); err != nil && logf != nil && ctx.Err() == nil {
				logf("approval jobs", "err", err)
			} else if logf != nil && res != (JobResult{}) {
				logf("approval jobs", "activated", res.Activated, "expired", res.Expired, "reminded", res.Reminded,
					"chased", res.Chased, "reported", res.Reported)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
