package training

import (
	"context"
	"strconv"
	"time"
)

// JobResult counts what one run of the jobs did.
type JobResult struct {
	Assigned  int `json:"assigned"`  // audience assignments added (joiners of open courses)
	NewStaff  int `json:"new_staff"` // new-staff courses given
	Reminded  int `json:"reminded"`  // automatic reminders before the due date
	Escalated int `json:"escalated"` // overdue assignments reported to the 統括
}

// NewStaffWindow is how far back a joining or transfer day still gives the
// new-staff course (the job may have been down for a while).
const NewStaffWindow = 30

// RunJobs does the day's work: people who joined or transferred get the
// new-staff course due three months later; open courses are given to
// people their audience names today (the organisation changes); people
// whose due date is within RemindDays get one automatic reminder; overdue
// assignments are reported to the 統括 once. Every step claims its rows
// with conditional updates, so replicas running at once do each thing once.
func (s *Service) RunJobs(ctx context.Context) (JobResult, error) {
	var res JobResult
	today := s.today()
	now := s.now()
	cs, err := s.store.Courses(ctx)
	if err != nil {
		return res, err
	}
	var joiners []Joiner
	for _, c := range cs {
		if c.Status != CoursePublished || (c.ClosesOn != "" && c.ClosesOn < today) {
			continue
		}
		if c.NewStaff {
			if joiners == nil {
				from := now.AddDate(0, 0, -NewStaffWindow).Format(DateLayout)
				if joiners, err = s.store.Joiners(ctx, from, today); err != nil {
					return res, err
				}
			}
			for _, j := range joiners {
				added, err := s.store.AssignOne(ctx, Assignment{CourseID: c.ID, PersonID: j.PersonID, UnitID: j.UnitID,
					Cycle: j.Day, Reason: "new_staff", DueOn: AddMonths(j.Day, NewStaffMonths)}, now)
				if err != nil {
					return res, err
				}
				if added {
					res.NewStaff++
				}
			}
		}
		// The audience as the organisation stands today, once a day per
		// course in this process (idempotent across replicas).
		s.mu.Lock()
		due := c.OpenOn(today) && !c.Audience.Empty() && s.assigned[c.ID] != today
		s.mu.Unlock()
		if due {
			n, err := s.store.Assign(ctx, c, today, c.ClosesOn, now)
			if err != nil {
				return res, err
			}
			res.Assigned += n
			s.mu.Lock()
			if s.assigned == nil {
				s.assigned = map[int64]string{}
			}
			s.assigned[c.ID] = today
			s.mu.Unlock()
		}
	}
	days := s.RemindDays
	if days <= 0 {
		days = 7
	}
	until := now.AddDate(0, 0, days).Format(DateLayout)
	reminded, err := s.store.AutoRemind(ctx, today, until, now, func(a Assignment) Notice {
		return Notice{PersonID: a.PersonID, Email: a.PersonEmail, Kind: "training.due_soon",
			Ref: "training:" + strconv.FormatInt(a.CourseID, 10), Subject: msg("training.mail.remind_subject", a.CourseTitle),
			Message: msg("training.notice.due_soon", a.CourseTitle, a.DueOn), CreatedAt: now}
	})
	if err != nil {
		return res, err
	}
	res.Reminded = len(reminded)
	var sent []Notice
	for _, a := range reminded {
		sent = append(sent, Notice{Email: a.PersonEmail, Subject: msg("training.mail.remind_subject", a.CourseTitle),
			Message: msg("training.notice.due_soon", a.CourseTitle, a.DueOn)})
	}
	chiefs, err := s.store.RoleHolders(ctx, "chief_iso", today)
	if err != nil {
		return res, err
	}
	escalated, err := s.store.Escalate(ctx, today, now, func(as []Assignment) []Notice {
		per := map[int64]int{}
		titles := map[int64]string{}
		var order []int64
		for _, a := range as {
			if per[a.CourseID] == 0 {
				order = append(order, a.CourseID)
			}
			per[a.CourseID]++
			titles[a.CourseID] = a.CourseTitle
		}
		var ns []Notice
		for _, h := range chiefs {
			for _, id := range order {
				n := Notice{PersonID: h.PersonID, Email: h.Email, Kind: "training.overdue",
					Ref: "training:" + strconv.FormatInt(id, 10), Subject: msg("training.mail.chief_subject"),
					Message: msg("training.notice.overdue", titles[id], per[id]), CreatedAt: now}
				ns = append(ns, n)
			}
		}
		sent = append(sent, ns...)
		return ns
	})
	if err != nil {
		return res, err
	}
	res.Escalated = len(escalated)
	s.mail(ctx, sent)
	return res, nil
}

// StartJobs runs RunJobs every interval until ctx ends; each run is
// claimed in the jobs table by its time slot so replicas take turns.
func (s *Service) StartJobs(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			slot := s.now().UTC().Truncate(interval)
			key := "training.jobs:" + slot.Format(time.RFC3339)
			if ok, err := s.store.ClaimJob(ctx, key, owner, s.now(), s.now().Add(interval)); err == nil && ok {
				res, err := s.RunJobs(ctx)
				if err != nil {
					logf("training jobs failed", "err", err)
				} else if res != (JobResult{}) {
					logf("training jobs", "assigned", res.Assigned, "new_staff", res.NewStaff, "reminded", res.Reminded, "escalated", res.Escalated)
				}
				s.store.FinishJob(ctx, key, owner, s.now())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
