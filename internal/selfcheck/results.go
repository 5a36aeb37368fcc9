package selfcheck

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
)

// ancestors returns the unit ids on path "/1/4/9/" from the root.
func ancestors(path string) []int64 {
	var out []int64
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// ProgressRow is one unit's checklists by status: its own people and the
// whole subtree below it.
type ProgressRow struct {
	Unit  Unit
	Depth int
	Own   UnitStatus
	All   UnitStatus
}

// Total is the number of checklists in the subtree.
func (r ProgressRow) Total() int { return r.All.NotStarted + r.All.InProgress + r.All.Submitted }

// SubmittedPercent is the share of submitted checklists in the subtree.
func (r ProgressRow) SubmittedPercent() int {
	if t := r.Total(); t > 0 {
		return r.All.Submitted * 100 / t
	}
	return 0
}

// Progress counts checklists per unit in scope (not started / in progress
// / submitted), for units whose subtree has any, in tree order. The total
// counts each checklist in scope once.
func (s *Service) Progress(ctx context.Context, actor *authz.Principal, campaignID int64) ([]ProgressRow, UnitStatus, error) {
	return s.progress(ctx, campaignID, FollowScope(actor))
}

func (s *Service) progress(ctx context.Context, campaignID int64, scope authz.Scope) ([]ProgressRow, UnitStatus, error) {
	var total UnitStatus
	units, err := s.treeUnits(ctx)
	if err != nil {
		return nil, total, err
	}
	var ids []int64 // nil: every unit
	if !scope.All {
		ids = []int64{}
		for _, u := range units {
			if scope.Contains(u.Path) {
				ids = append(ids, u.ID)
			}
		}
	}
	sts, err := s.store.UnitStatusesIn(ctx, campaignID, ids)
	if err != nil {
		return nil, total, err
	}
	if len(sts) == 0 {
		// No checklist in scope: say so for a campaign that does not exist.
		if _, err := s.store.Campaign(ctx, campaignID); err != nil {
			return nil, total, err
		}
	}
	byID := make(map[int64]*ProgressRow, len(units))
	rows := make([]*ProgressRow, 0, len(units))
	for _, u := range units {
		r := &ProgressRow{Unit: u, Depth: u.Depth()}
		byID[u.ID] = r
		rows = append(rows, r)
	}
	for _, st := range sts {
		r := byID[st.UnitID]
		if r == nil || !scope.Contains(r.Unit.Path) {
			continue
		}
		r.Own = st
		add(&total, st)
		for _, a := range ancestors(r.Unit.Path) {
			if ar := byID[a]; ar != nil {
				add(&ar.All, st)
			}
		}
	}
	var out []ProgressRow
	for _, r := range rows {
		if r.Total() > 0 && scope.Contains(r.Unit.Path) {
			out = append(out, *r)
		}
	}
	return out, total, nil
}

// treeUnits lists every unit in tree order: by path byte by byte (so a
// unit comes right before the units below it whatever the database's
// collation), the order progress and roll-up pages are cut in.
func (s *Service) treeUnits(ctx context.Context) ([]Unit, error) {
	units, err := s.store.Units(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].Path < units[j].Path })
	return units, nil
}

func add(dst *UnitStatus, st UnitStatus) {
	dst.NotStarted += st.NotStarted
	dst.InProgress += st.InProgress
	dst.Submitted += st.Submitted
}

// Cell counts answers.
type Cell struct {
	Yes     int `json:"yes"`
	Partial int `json:"partial"`
	No      int `json:"no"`
	NA      int `json:"na"`
}

func (c *Cell) add(t Cell) {
	c.Yes += t.Yes
	c.Partial += t.Partial
	c.No += t.No
	c.NA += t.NA
}

// Answered counts every answer.
func (c Cell) Answered() int { return c.Yes + c.Partial + c.No + c.NA }

// Applicable counts the answers other than 該当なし.
func (c Cell) Applicable() int { return c.Yes + c.Partial + c.No }

// Rate is the share of 実施している among applicable answers, -1 when none.
func (c Cell) Rate() float64 {
	if n := c.Applicable(); n > 0 {
		return float64(c.Yes) / float64(n)
	}
	return -1
}

// Percent is Rate as "87.5%", "—" when there is nothing to rate.
func (c Cell) Percent() string {
	r := c.Rate()
	if r < 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", r*100)
}

// Section is a roll-up column.
type Section struct {
	Ref   string `json:"ref"`
	Title string `json:"title"`
}

// RollupRow is one unit's answers per section.
type RollupRow struct {
	Unit  Unit   `json:"unit"`
	Depth int    `json:"depth"`
	Cells []Cell `json:"cells"` // in Sections order
	Total Cell   `json:"total"`
}

// ItemStat is one item's answers.
type ItemStat struct {
	Item Item `json:"item"`
	Cell Cell `json:"counts"`
}

// Rollup is the campaign's results per unit × section.
type Rollup struct {
	Campaign Campaign    `json:"campaign"`
	Sections []Section   `json:"sections"`
	Rows     []RollupRow `json:"rows"`
	Total    RollupRow   `json:"total"`
	Items    []ItemStat  `json:"items"` // every item over the scope, weakest first
}

// Rollup sums the answers of people in scope per unit × section. With
// level < 0 each unit shows its own people; with level ≥ 0 units deeper
// than level are summed into their ancestor at that depth (when the
// ancestor is in scope). It reads the maintained unit × item tallies, not
// the answers.
func (s *Service) Rollup(ctx context.Context, actor *authz.Principal, campaignID int64, level int) (*Rollup, error) {
	return s.rollup(ctx, campaignID, FollowScope(actor), level)
}

func (s *Service) rollup(ctx context.Context, campaignID int64, scope authz.Scope, level int) (*Rollup, error) {
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	items, err := s.store.Items(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	units, err := s.treeUnits(ctx)
	if err != nil {
		return nil, err
	}
	tallies, err := s.store.Tallies(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	out := &Rollup{Campaign: c}
	secIdx := map[string]int{}
	itemSec := make(map[int64]int, len(items))
	itemIdx := make(map[int64]int, len(items))
	for _, it := range items {
		i, ok := secIdx[it.SectionRef]
		if !ok {
			i = len(out.Sections)
			secIdx[it.SectionRef] = i
			out.Sections = append(out.Sections, Section{Ref: it.SectionRef, Title: it.SectionTitle})
		}
		itemSec[it.ID] = i
		itemIdx[it.ID] = len(out.Items)
		out.Items = append(out.Items, ItemStat{Item: it})
	}
	byID := make(map[int64]Unit, len(units))
	order := make(map[int64]int, len(units))
	for i, u := range units {
		byID[u.ID] = u
		order[u.ID] = i
	}
	rows := map[int64]*RollupRow{}
	out.Total.Cells = make([]Cell, len(out.Sections))
	for _, t := range tallies {
		u, ok := byID[t.UnitID]
		if !ok || !scope.Contains(u.Path) {
			continue
		}
		si, ok := itemSec[t.ItemID]
		if !ok {
			continue
		}
		target := u
		if level >= 0 {
			if as := ancestors(u.Path); len(as) > level+1 {
				if a, ok := byID[as[level]]; ok && scope.Contains(a.Path) {
					target = a
				}
			}
		}
		r := rows[target.ID]
		if r == nil {
			r = &RollupRow{Unit: target, Depth: target.Depth(), Cells: make([]Cell, len(out.Sections))}
			rows[target.ID] = r
		}
		cell := Cell{Yes: t.Yes, Partial: t.Partial, No: t.No, NA: t.NA}
		r.Cells[si].add(cell)
		r.Total.add(cell)
		out.Total.Cells[si].add(cell)
		out.Total.Total.add(cell)
		out.Items[itemIdx[t.ItemID]].Cell.add(cell)
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	sort.Slice(out.Rows, func(i, j int) bool { return order[out.Rows[i].Unit.ID] < order[out.Rows[j].Unit.ID] })
	sort.SliceStable(out.Items, func(i, j int) bool { return weaker(out.Items[i].Cell, out.Items[j].Cell) })
	return out, nil
}

// weaker orders items by rate (unrated last).
func weaker(a, b Cell) bool {
	ra, rb := a.Rate(), b.Rate()
	if (ra < 0) != (rb < 0) {
		return rb < 0
	}
	return ra < rb
}

// subtree returns the ids of the unit and every unit below it that are in
// scope; Forbidden when the unit itself is outside the scope.
func (s *Service) subtree(ctx context.Context, unitID int64, scope authz.Scope) ([]int64, Unit, error) {
	units, err := s.store.Units(ctx)
	if err != nil {
		return nil, Unit{}, err
	}
	var root Unit
	for _, u := range units {
		if u.ID == unitID {
			root = u
		}
	}
	if root.ID == 0 {
		return nil, root, apperr.E(apperr.NotFound, "selfcheck.err.unit", unitID)
	}
	if !scope.Contains(root.Path) {
		return nil, root, apperr.E(apperr.Forbidden, "selfcheck.err.unit_outside_your_scope", root.Name)
	}
	var ids []int64
	for _, u := range units {
		if strings.HasPrefix(u.Path, root.Path) {
			ids = append(ids, u.ID)
		}
	}
	return ids, root, nil
}

// ItemAnswers drills down to the answers of the people of a unit (and the
// units below it) to one item.
func (s *Service) ItemAnswers(ctx context.Context, actor *authz.Principal, campaignID, itemID, unitID int64) ([]PersonAnswer, error) {
	ids, err := s.drillUnits(ctx, actor, unitID)
	if err != nil {
		return nil, err
	}
	as, err := s.store.ItemAnswers(ctx, campaignID, itemID, ids)
	for i := range as {
		as[i].Code = as[i].Value.String()
	}
	return as, err
}

// drillUnits are the units a drill-down reads: the unit's subtree in
// scope, or every unit (nil) for someone who follows everywhere.
func (s *Service) drillUnits(ctx context.Context, actor *authz.Principal, unitID int64) ([]int64, error) {
	scope := FollowScope(actor)
	if unitID > 0 {
		ids, _, err := s.subtree(ctx, unitID, scope)
		return ids, err
	}
	if !scope.All {
		return nil, apperr.E(apperr.Forbidden, "selfcheck.err.choose_unit_your_scope")
	}
	return nil, nil
}

// Checklists lists the checklists of a unit's subtree with their status.
func (s *Service) Checklists(ctx context.Context, actor *authz.Principal, campaignID, unitID int64, status ChecklistStatus) ([]Checklist, error) {
	return s.unitChecklists(ctx, campaignID, unitID, FollowScope(actor), status)
}

func (s *Service) unitChecklists(ctx context.Context, campaignID, unitID int64, scope authz.Scope, status ChecklistStatus) ([]Checklist, error) {
	ids, _, err := s.subtree(ctx, unitID, scope)
	if err != nil {
		return nil, err
	}
	return s.store.Checklists(ctx, ChecklistFilter{CampaignID: campaignID, UnitIDs: ids, Status: status})
}

// ChecklistFor lets an officer read the checklist of a person in their
// scope (unit evaluation).
func (s *Service) ChecklistFor(ctx context.Context, actor *authz.Principal, campaignID, personID int64) (*ChecklistView, error) {
	scope := FollowScope(actor)
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	cl, err := s.store.ChecklistOf(ctx, campaignID, personID)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.subtree(ctx, cl.UnitID, scope); err != nil {
		return nil, apperr.E(apperr.Forbidden, "selfcheck.err.person_s_checklist_outside_your")
	}
	return s.view(ctx, c, cl)
}

// Remind sends an in-app notice (and an e-mail when a Mailer is set) to
// every person in the unit's subtree (unitID 0: the whole scope) who has
// not submitted. It returns how many were reminded.
func (s *Service) Remind(ctx context.Context, actor *authz.Principal, campaignID, unitID int64) (int, error) {
	return s.remind(ctx, campaignID, unitID, FollowScope(actor))
}

func (s *Service) remind(ctx context.Context, campaignID, unitID int64, scope authz.Scope) (int, error) {
	c, err := s.store.Campaign(ctx, campaignID)
	if err != nil {
		return 0, err
	}
	if c.Status != Published {
		return 0, apperr.E(apperr.Conflict, "selfcheck.err.reminders_go_out_while_campaign")
	}
	var ids []int64
	switch {
	case unitID > 0:
		if ids, _, err = s.subtree(ctx, unitID, scope); err != nil {
			return 0, err
		}
	case !scope.All:
		units, err := s.store.Units(ctx)
		if err != nil {
			return 0, err
		}
		for _, u := range units {
			if scope.Contains(u.Path) {
				ids = append(ids, u.ID)
			}
		}
		if len(ids) == 0 {
			return 0, nil
		}
	}
	rs, err := s.store.Pending(ctx, campaignID, ids)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	msg := i18n.T(i18n.Ja, "selfcheck.notice.remind", c.Name, c.ClosesOn)
	now := s.now().UTC()
	ns := make([]Notice, 0, len(rs))
	for _, r := range rs {
		ns = append(ns, Notice{PersonID: r.PersonID, CampaignID: campaignID, Kind: "reminder", Message: msg, CreatedAt: now})
	}
	if err := s.store.AddNotices(ctx, ns); err != nil {
		return 0, err
	}
	if s.Mailer != nil {
		subject := i18n.T(i18n.Ja, "selfcheck.mail.remind_subject", c.Name, c.ClosesOn)
		var failed int
		for _, r := range rs {
			if r.Email == "" {
				continue
			}
			if err := s.Mailer.Send(ctx, r.Email, subject, i18n.T(i18n.Ja, "selfcheck.mail.remind_body", r.Name, msg)); err != nil {
				failed++
			}
		}
		if failed > 0 {
			return len(rs), apperr.E(apperr.Internal, "selfcheck.err.app_reminders_sent_people_e", len(rs), failed)
		}
	}
	return len(rs), nil
}

// RunDueReminders sends the automatic reminder of every published
// campaign whose close is RemindDays away or nearer. Each campaign's
// reminder is a job claimed in the store first, so several replicas send
// it once.
func (s *Service) RunDueReminders(ctx context.Context, owner string) (int, error) {
	cs, err := s.store.Campaigns(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	today := now.Format(DateLayout)
	sent := 0
	for _, c := range cs {
		if c.Status != Published || c.RemindDays <= 0 || today > c.ClosesOn || today < c.OpensOn {
			continue
		}
		closes, _ := time.Parse(DateLayout, c.ClosesOn)
		if today < closes.AddDate(0, 0, -c.RemindDays).Format(DateLayout) {
			continue
		}
		key := fmt.Sprintf("selfcheck.remind:%d:%s", c.ID, c.ClosesOn)
		won, err := s.store.ClaimJob(ctx, key, owner, now.UTC(), now.UTC().Add(10*time.Minute))
		if err != nil {
			return sent, err
		}
		if !won {
			continue
		}
		n, err := s.remind(ctx, c.ID, 0, authz.Everywhere)
		sent += n
		if err != nil && apperr.CodeOf(err) != apperr.Internal {
			return sent, err
		}
		if err := s.store.FinishJob(ctx, key, owner, s.now().UTC()); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// StartJobs runs RunDueReminders every interval until ctx ends.
func (s *Service) StartJobs(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := s.RunDueReminders(ctx, owner); err != nil && logf != nil {
				logf("selfcheck reminders", "err", err)
			} else if n > 0 && logf != nil {
				logf("selfcheck reminders sent", "people", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// CreateAction records an improvement action.
func (s *Service) CreateAction(ctx context.Context, a Action) (Action, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	if _, err := s.store.Campaign(ctx, a.CampaignID); err != nil {
		return a, err
	}
	now := s.now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	return s.store.CreateAction(ctx, a)
}

// UpdateAction changes an action's status, due date, owner or note.
func (s *Service) UpdateAction(ctx context.Context, a Action) (Action, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	a.UpdatedAt = s.now().UTC()
	return s.store.UpdateAction(ctx, a)
}

// Actions lists a campaign's improvement actions.
func (s *Service) Actions(ctx context.Context, campaignID int64) ([]Action, error) {
	return s.store.Actions(ctx, campaignID)
}

// Summary is the report to the CISO.
type Summary struct {
	Campaign   Campaign   `json:"campaign"`
	Progress   UnitStatus `json:"progress"`
	Checklists int        `json:"checklists"`
	Overall    Cell       `json:"overall"`
	Sections   []Section  `json:"sections"`
	BySection  []Cell     `json:"by_section"`
	Weakest    []ItemStat `json:"weakest"`
	Units      int        `json:"units"`
	Actions    []Action   `json:"actions"`
}

// Summarise builds the CISO report of a campaign; it covers the whole
// organisation, so actor must follow self-inspection everywhere.
func (s *Service) Summarise(ctx context.Context, actor *authz.Principal, campaignID int64) (*Summary, error) {
	if !FollowScope(actor).All {
		return nil, apperr.E(apperr.Forbidden, "selfcheck.err.summary_whole_org")
	}
	_, total, err := s.progress(ctx, campaignID, authz.Everywhere)
	if err != nil {
		return nil, err
	}
	r, err := s.rollup(ctx, campaignID, authz.Everywhere, -1)
	if err != nil {
		return nil, err
	}
	acts, err := s.store.Actions(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Campaign: r.Campaign, Progress: total, Overall: r.Total.Total, Sections: r.Sections,
		BySection: r.Total.Cells, Units: len(r.Rows), Actions: acts}
	sum.Checklists = total.NotStarted + total.InProgress + total.Submitted
	for _, it := range r.Items {
		if len(sum.Weakest) == 10 || it.Cell.Rate() < 0 {
			break
		}
		sum.Weakest = append(sum.Weakest, it)
	}
	return sum, nil
}

// FollowScope is where actor may follow self-inspection: everywhere for
// campaign administrators (and System), else the units where actor holds
// selfcheck.follow.
func FollowScope(actor *authz.Principal) authz.Scope {
	if actor.Can(authz.SelfcheckAdmin) {
		return authz.Everywhere
	}
	return actor.Scope(authz.SelfcheckFollow)
}
