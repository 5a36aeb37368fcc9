package yearly

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/capability"
)

// ProgressFunc reads the completion (0–100) of the record an item follows.
type ProgressFunc func(ctx context.Context, id int64) (int, error)

// Service runs plans, reports and decisions. Every method takes the actor
// and checks the permission itself.
type Service struct {
	store Store
	// Sections returns every capability's report hook (set by the
	// composition root once every module exists).
	Sections func() []func(ctx context.Context, fy int) (capability.Section, error)
	// Progress reads live progress by ref kind ("selfcheck" → campaign).
	Progress map[string]ProgressFunc
	now      func() time.Time
}

// NewService returns the service over st.
func NewService(st Store) *Service {
	return &Service{store: st, Progress: map[string]ProgressFunc{}, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// CurrentFiscalYear is the fiscal year (April–March) of today.
func (s *Service) CurrentFiscalYear() int {
	t := s.now()
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

func validYear(fy int) error {
	if fy < 2000 || fy > 2200 {
		return apperr.E(apperr.NotFound, "yearly.err.year", fy)
	}
	return nil
}

// Plans lists every year's plan (without items).
func (s *Service) Plans(ctx context.Context, p *authz.Principal) ([]Plan, error) {
	if err := authz.Require(p, PermRead); err != nil {
		return nil, err
	}
	return s.store.Plans(ctx)
}

// Plan returns the plan of fy with its items, their progress read from the
// records they follow.
func (s *Service) Plan(ctx context.Context, p *authz.Principal, fy int) (Plan, error) {
	if err := authz.Require(p, PermRead); err != nil {
		return Plan{}, err
	}
	if err := validYear(fy); err != nil {
		return Plan{}, err
	}
	pl, err := s.store.Plan(ctx, fy)
	if err != nil {
		return Plan{}, err
	}
	today := s.now().Format("2006-01-02")
	for i := range pl.Items {
		s.live(ctx, &pl.Items[i], today)
	}
	return pl, nil
}

// live fills an item's progress from its record and marks it delayed when
// its end has passed undone.
func (s *Service) live(ctx context.Context, it *PlanItem, today string) {
	if kind, idText, ok := strings.Cut(it.Ref, ":"); ok {
		if f := s.Progress[kind]; f != nil {
			if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
				if pct, err := f(ctx, id); err == nil {
					it.Progress, it.Live = pct, true
					switch {
					case pct >= 100:
						it.Status = ItemDone
					case pct > 0 || (it.StartsOn != "" && today >= it.StartsOn):
						it.Status = ItemInProgress
					default:
						it.Status = ItemPlanned
					}
				}
			}
		}
	}
	if it.Status != ItemDone && it.EndsOn != "" && today > it.EndsOn {
		it.Status = ItemDelayed
	}
}

// CreatePlan starts the plan of fy as a draft.
func (s *Service) CreatePlan(ctx context.Context, p *authz.Principal, fy int, note string) (Plan, error) {
	if err := authz.Require(p, PermPlan); err != nil {
		return Plan{}, err
	}
	if err := validYear(fy); err != nil {
		return Plan{}, err
	}
	if len([]rune(note)) > 4000 {
		return Plan{}, apperr.E(apperr.Invalid, "yearly.err.too_long")
	}
	if _, err := s.store.Plan(ctx, fy); err == nil {
		return Plan{}, apperr.E(apperr.Conflict, "yearly.err.plan_exists", fy)
	} else if !apperr.Is(err, apperr.NotFound) {
		return Plan{}, err
	}
	now := s.now()
	return s.store.CreatePlan(ctx, Plan{FiscalYear: fy, Status: PlanDraft, Note: strings.TrimSpace(note), CreatedAt: now, UpdatedAt: now})
}

// editable returns the plan of fy for a change by p: the office while it
// is a draft.
func (s *Service) editable(ctx context.Context, p *authz.Principal, fy int) (Plan, error) {
	if err := authz.Require(p, PermPlan); err != nil {
		return Plan{}, err
	}
	if err := validYear(fy); err != nil {
		return Plan{}, err
	}
	pl, err := s.store.Plan(ctx, fy)
	if err != nil {
		return Plan{}, err
	}
	return pl, nil
}

// AddItem adds a measure to a draft plan.
func (s *Service) AddItem(ctx context.Context, p *authz.Principal, fy int, it PlanItem) (PlanItem, error) {
	pl, err := s.editable(ctx, p, fy)
	if err != nil {
		return PlanItem{}, err
	}
	if pl.Status != PlanDraft {
		return PlanItem{}, apperr.E(apperr.Conflict, "yearly.err.not_draft")
	}
	it.PlanID, it.Title, it.Note = pl.ID, strings.TrimSpace(it.Title), strings.TrimSpace(it.Note)
	if it.Status == "" {
		it.Status = ItemPlanned
	}
	if err := it.Validate(); err != nil {
		return PlanItem{}, err
	}
	it.Position = len(pl.Items) + 1
	it.UpdatedAt = s.now()
	return s.store.AddItem(ctx, it)
}

// UpdateItem changes a measure. In a draft every field may change; once
// the plan is submitted or approved only status, progress and note do.
func (s *Service) UpdateItem(ctx context.Context, p *authz.Principal, fy int, it PlanItem) error {
	pl, err := s.editable(ctx, p, fy)
	if err != nil {
		return err
	}
	var prev *PlanItem
	for i := range pl.Items {
		if pl.Items[i].ID == it.ID {
			prev = &pl.Items[i]
		}
	}
	if prev == nil {
		return apperr.E(apperr.NotFound, "yearly.err.item")
	}
	it.PlanID, it.Position, it.Title, it.Note = pl.ID, prev.Position, strings.TrimSpace(it.Title), strings.TrimSpace(it.Note)
	if pl.Status != PlanDraft {
		if it.Title != prev.Title || it.Area != prev.Area || it.OwnerID != prev.OwnerID || it.StartsOn != prev.StartsOn ||
			it.EndsOn != prev.EndsOn || it.Ref != prev.Ref {
			return apperr.E(apperr.Conflict, "yearly.err.not_draft")
		}
	}
	if err := it.Validate(); err != nil {
		return err
	}
	it.UpdatedAt = s.now()
	return s.store.UpdateItem(ctx, it)
}

// RemoveItem takes a measure out of a draft plan.
func (s *Service) RemoveItem(ctx context.Context, p *authz.Principal, fy int, itemID int64) error {
	pl, err := s.editable(ctx, p, fy)
	if err != nil {
		return err
	}
	if pl.Status != PlanDraft {
		return apperr.E(apperr.Conflict, "yearly.err.not_draft")
	}
	return s.store.RemoveItem(ctx, pl.ID, itemID)
}

// Submit sends a draft plan with at least one item to the CISO.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, fy int) error {
	pl, err := s.editable(ctx, p, fy)
	if err != nil {
		return err
	}
	if pl.Status != PlanDraft {
		return apperr.E(apperr.Conflict, "yearly.err.not_draft")
	}
	if len(pl.Items) == 0 {
		return apperr.E(apperr.Invalid, "yearly.err.empty_plan")
	}
	next := pl
	next.Status, next.SubmittedAt, next.UpdatedAt = PlanSubmitted, s.now(), s.now()
	return s.store.SetPlanStatus(ctx, pl, next)
}

// Decide approves a submitted plan or returns it to the office (the CISO).
func (s *Service) Decide(ctx context.Context, p *authz.Principal, fy int, approve bool, note string) error {
	if err := authz.Require(p, PermDecide); err != nil {
		return err
	}
	if err := validYear(fy); err != nil {
		return err
	}
	if len([]rune(note)) > 4000 {
		return apperr.E(apperr.Invalid, "yearly.err.too_long")
	}
	pl, err := s.store.Plan(ctx, fy)
	if err != nil {
		return err
	}
	if pl.Status != PlanSubmitted {
		return apperr.E(apperr.Conflict, "yearly.err.not_submitted")
	}
	next := pl
	next.DecisionNote, next.UpdatedAt = strings.TrimSpace(note), s.now()
	if approve {
		next.Status, next.ApprovedAt, next.ApprovedBy = PlanApproved, s.now(), p.PersonID
	} else {
		next.Status = PlanDraft
	}
	return s.store.SetPlanStatus(ctx, pl, next)
}

// Generate assembles the annual report of fy from every capability's
// section and the plan, replacing an earlier one of the same year.
func (s *Service) Generate(ctx context.Context, p *authz.Principal, fy int) (Report, error) {
	if !p.Can(PermPlan) && !p.Can(PermDecide) {
		return Report{}, authz.Require(p, PermDecide)
	}
	if err := validYear(fy); err != nil {
		return Report{}, err
	}
	var sections []capability.Section
	if pl, err := s.Plan(ctx, authz.System, fy); err == nil {
		sections = append(sections, planSection(pl))
	} else if !apperr.Is(err, apperr.NotFound) {
		return Report{}, err
	}
	if s.Sections != nil {
		for _, f := range s.Sections() {
			sec, err := f(ctx, fy)
			if err != nil {
				return Report{}, err
			}
			sections = append(sections, sec)
		}
	}
	return s.store.SaveReport(ctx, Report{FiscalYear: fy, Sections: sections, GeneratedAt: s.now(), GeneratedBy: p.Login})
}

// planSection summarises the plan for the report.
func planSection(pl Plan) capability.Section {
	done := 0
	rows := make([][]string, 0, len(pl.Items))
	for _, it := range pl.Items {
		if it.Status == ItemDone {
			done++
		}
		rows = append(rows, []string{it.Title, "yearly.area." + it.Area, it.OwnerName, it.EndsOn, "yearly.item." + it.Status,
			strconv.Itoa(it.Progress) + "%"})
	}
	rate := 0.0
	if len(pl.Items) > 0 {
		rate = float64(done) * 100 / float64(len(pl.Items))
	}
	return capability.Section{Key: "yearly.section.plan",
		Figures: []capability.Figure{
			{Key: "yearly.fig.plan_items", Value: float64(len(pl.Items))},
			{Key: "yearly.fig.plan_done", Value: rate, Unit: "%", Warn: rate < 100},
		},
		Tables: []capability.Table{{Key: "yearly.table.plan",
			Header: []string{"yearly.col.title", "yearly.col.area", "yearly.col.owner", "yearly.col.ends", "yearly.col.status", "yearly.col.progress"},
			Rows:   rows}},
	}
}

// Annual is a year's report with the previous year's (nil when there is
// none) and the review decisions recorded on it.
type Annual struct {
	Report    Report
	Previous  *Report
	Decisions []Decision
}

// Report returns the annual report of fy.
func (s *Service) Report(ctx context.Context, p *authz.Principal, fy int) (Annual, error) {
	if err := authz.Require(p, PermRead); err != nil {
		return Annual{}, err
	}
	if err := validYear(fy); err != nil {
		return Annual{}, err
	}
	r, err := s.store.Report(ctx, fy)
	if err != nil {
		return Annual{}, err
	}
	a := Annual{Report: r}
	if prev, err := s.store.Report(ctx, fy-1); err == nil {
		a.Previous = &prev
	} else if !apperr.Is(err, apperr.NotFound) {
		return Annual{}, err
	}
	if a.Decisions, err = s.store.Decisions(ctx, fy); err != nil {
		return Annual{}, err
	}
	return a, nil
}

// ReportYears lists the years with a generated report.
func (s *Service) ReportYears(ctx context.Context, p *authz.Principal) ([]int, error) {
	if err := authz.Require(p, PermRead); err != nil {
		return nil, err
	}
	return s.store.ReportYears(ctx)
}

// Decide records a review decision of the CISO on the report of fy.
func (s *Service) AddDecision(ctx context.Context, p *authz.Principal, fy int, kind, text string) (Decision, error) {
	if err := authz.Require(p, PermDecide); err != nil {
		return Decision{}, err
	}
	if err := validYear(fy); err != nil {
		return Decision{}, err
	}
	text = strings.TrimSpace(text)
	switch {
	case !contains(DecisionKinds, kind):
		return Decision{}, apperr.E(apperr.Invalid, "yearly.err.kind", kind)
	case text == "":
		return Decision{}, apperr.E(apperr.Invalid, "yearly.err.decision_text")
	case len([]rune(text)) > 4000:
		return Decision{}, apperr.E(apperr.Invalid, "yearly.err.too_long")
	}
	if _, err := s.store.Report(ctx, fy); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Decision{}, apperr.E(apperr.Conflict, "yearly.err.no_report")
		}
		return Decision{}, err
	}
	return s.store.AddDecision(ctx, Decision{FiscalYear: fy, Kind: kind, Text: text, DecidedBy: p.PersonID, DecidedAt: s.now()})
}

// DateStyle is the signed-in account's date style ("seireki" or "wareki").
func (s *Service) DateStyle(ctx context.Context, p *authz.Principal) (string, error) {
	if p == nil || p.UserID == 0 {
		return "seireki", nil
	}
	return s.store.DateStyle(ctx, p.UserID)
}

// SetDateStyle changes the signed-in account's date style.
func (s *Service) SetDateStyle(ctx context.Context, p *authz.Principal, style string) error {
	if p == nil || p.UserID == 0 {
		return apperr.E(apperr.Unauthorized, "error.unauthorized")
	}
	if style != "seireki" && style != "wareki" {
		return apperr.E(apperr.Invalid, "yearly.err.date_style", style)
	}
	return s.store.SetDateStyle(ctx, p.UserID, style)
}
