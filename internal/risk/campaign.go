package risk

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
)

// CampaignInput is what the security office gives to start a campaign.
type CampaignInput struct {
	Name       string  `json:"name"`
	DueOn      string  `json:"due_on"`
	RemindDays int     `json:"remind_days"`
	Units      []int64 `json:"units"`
}

// assessors are the people asked to assess unit: its 情報セキュリティ責任者
// and 課室情報セキュリティ責任者, and the ISSOs of its systems.
func (s *Service) assessors(ctx context.Context, unitID int64) ([]org.Person, error) {
	seen := map[int64]bool{}
	var out []org.Person
	add := func(id int64) error {
		if id == 0 || seen[id] {
			return nil
		}
		seen[id] = true
		p, err := s.org.Person(ctx, id)
		if err != nil {
			return err
		}
		if p.Active() {
			out = append(out, p)
		}
		return nil
	}
	for _, role := range []string{authz.RoleISO, authz.RoleDivisionISO} {
		as, err := s.org.Contacts(ctx, role, unitID, s.now(), authz.Everywhere)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		for _, a := range as {
			if err := add(a.PersonID); err != nil {
				return nil, err
			}
		}
	}
	ys, err := s.reg.Systems(ctx, authz.System, register.SystemFilter{UnitID: unitID})
	if err != nil {
		return nil, err
	}
	for _, y := range ys {
		if err := add(y.ISSOID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// StartCampaign asks the units to assess their assets and systems by the
// due date; the people concerned get a notice (and an e-mail).
func (s *Service) StartCampaign(ctx context.Context, p *authz.Principal, in CampaignInput) (Campaign, error) {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return Campaign{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := checkText("risk.campaign.name", in.Name, true, 200); err != nil {
		return Campaign{}, err
	}
	if in.DueOn == "" {
		return Campaign{}, apperr.E(apperr.Invalid, "risk.err.required", apperr.Msg("risk.campaign.due"))
	}
	if err := checkDay("risk.campaign.due", in.DueOn); err != nil {
		return Campaign{}, err
	}
	if in.DueOn < s.today() {
		return Campaign{}, apperr.E(apperr.Invalid, "risk.err.due_past")
	}
	if in.RemindDays < 0 || in.RemindDays > 60 {
		return Campaign{}, apperr.E(apperr.Invalid, "risk.err.remind_days")
	}
	if len(in.Units) == 0 {
		return Campaign{}, apperr.E(apperr.Invalid, "risk.err.units")
	}
	now := s.now().UTC()
	c := Campaign{Name: in.Name, DueOn: in.DueOn, RemindDays: in.RemindDays, Status: "open", CreatedBy: p.PersonID, CreatedAt: now}
	var ns []Notice
	for _, id := range in.Units {
		if slices.ContainsFunc(c.Units, func(u CampaignUnit) bool { return u.UnitID == id }) {
			continue
		}
		u, err := s.org.Unit(ctx, id)
		if err != nil || u.Retired {
			return Campaign{}, apperr.E(apperr.Invalid, "risk.err.unit")
		}
		c.Units = append(c.Units, CampaignUnit{UnitID: u.ID, UnitCode: u.Code, UnitName: u.Name})
		people, err := s.assessors(ctx, u.ID)
		if err != nil {
			return Campaign{}, err
		}
		for _, who := range people {
			ns = append(ns, Notice{PersonID: who.ID, Email: who.Email, Kind: "risk.campaign", At: now,
				Message: i18n.T(i18n.Ja, "risk.notice.campaign", in.Name, u.Name, in.DueOn)})
		}
	}
	c, err := s.store.CreateCampaign(ctx, c, ns)
	if err != nil {
		return c, err
	}
	s.mail(ctx, ns)
	return c, nil
}

// mayCampaign: admins see every campaign; others those with a unit in
// their scope (or a unit of one of their systems).
func (s *Service) visibleUnits(ctx context.Context, p *authz.Principal, c Campaign) ([]CampaignUnit, error) {
	if p.Can(Admin) || p.Scope(Read).All {
		return c.Units, nil
	}
	units, err := s.systemUnits(ctx, systemsOf(p, Read))
	if err != nil {
		return nil, err
	}
	var out []CampaignUnit
	for _, u := range c.Units {
		if p.CanIn(Read, u.UnitPath) || units[u.UnitID] != "" {
			out = append(out, u)
		}
	}
	return out, nil
}

// Campaigns lists the campaigns p takes part in.
func (s *Service) Campaigns(ctx context.Context, p *authz.Principal) ([]Campaign, error) {
	if err := authz.Require(p, Read); err != nil {
		return nil, err
	}
	cs, err := s.store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		us, err := s.visibleUnits(ctx, p, c)
		if err != nil {
			return nil, err
		}
		if len(us) > 0 {
			c.Units = us
			out = append(out, c)
		}
	}
	return out, nil
}

// CampaignView is a campaign as p sees it: every unit p may see (Campaign.Units,
// with its risk count and submission) and a page of them in detail.
type CampaignView struct {
	Campaign Campaign
	Method   Method
	Units    []UnitView // the units shown in detail
	Unit     int64      // the one unit shown in detail, when asked for
	Next     string     // cursor of the next page of units in detail
}

// UnitView is one unit of a campaign.
type UnitView struct {
	CampaignUnit
	Risks     []Risk
	Assets    []register.Asset  // the unit's assets to assess
	Systems   []register.System // the unit's systems to assess
	CanSubmit bool
	UnitWide  bool // the reader assesses the whole unit (not only a system of it)
	HeatMap   template.HTML
}

// Campaign returns a campaign p takes part in, with every unit of it p may
// see in detail.
func (s *Service) Campaign(ctx context.Context, p *authz.Principal, id int64, lang i18n.Lang) (CampaignView, error) {
	return s.CampaignPage(ctx, p, id, 0, paging.Request{Limit: paging.Max}, lang)
}

// CampaignPage is the campaign with the page pr of its units (by code; the
// cursor names the last unit's code and id) in detail, or unitID alone
// when it is not 0.
func (s *Service) CampaignPage(ctx context.Context, p *authz.Principal, id, unitID int64, pr paging.Request, lang i18n.Lang) (CampaignView, error) {
	if err := authz.Require(p, Read); err != nil {
		return CampaignView{}, err
	}
	c, err := s.store.Campaign(ctx, id)
	if err != nil {
		return CampaignView{}, err
	}
	us, err := s.visibleUnits(ctx, p, c)
	if err != nil {
		return CampaignView{}, err
	}
	if len(us) == 0 {
		return CampaignView{}, apperr.E(apperr.NotFound, "risk.err.campaign_not_found", id)
	}
	m, err := s.Method(ctx)
	if err != nil {
		return CampaignView{}, err
	}
	slices.SortStableFunc(us, func(a, b CampaignUnit) int {
		if c := strings.Compare(a.UnitCode, b.UnitCode); c != 0 {
			return c
		}
		return int(a.UnitID - b.UnitID)
	})
	c.Units = us
	v := CampaignView{Campaign: c, Method: m, Unit: unitID}
	var page []CampaignUnit
	if unitID != 0 {
		for _, u := range us {
			if u.UnitID == unitID {
				page = append(page, u)
			}
		}
		if len(page) == 0 {
			return v, apperr.E(apperr.NotFound, "risk.err.campaign_not_found", id)
		}
	} else {
		page, v.Next = paging.Seek(us, pr, func(u CampaignUnit, c paging.Cursor) bool {
			return u.UnitCode > c.Key || u.UnitCode == c.Key && u.UnitID > c.ID
		}, func(u CampaignUnit) paging.Cursor { return paging.Cursor{Key: u.UnitCode, ID: u.UnitID} })
	}
	ids := make([]int64, len(page))
	for i, u := range page {
		ids[i] = u.UnitID
	}
	rs, err := s.List(ctx, p, Filter{CampaignID: id, UnitIDs: ids})
	if err != nil {
		return CampaignView{}, err
	}
	mine := systemsOf(p, Write)
	for _, u := range page {
		uv := UnitView{CampaignUnit: u}
		for _, r := range rs {
			if r.UnitID == u.UnitID {
				uv.Risks = append(uv.Risks, r)
			}
		}
		if p.CanIn(Write, u.UnitPath) || len(mine) > 0 {
			ys, err := s.reg.Systems(ctx, authz.System, register.SystemFilter{UnitID: u.UnitID})
			if err != nil {
				return v, err
			}
			unitWide := p.CanIn(Write, u.UnitPath)
			uv.UnitWide = unitWide
			for _, y := range ys {
				if unitWide || slices.Contains(mine, y.Code) {
					uv.Systems = append(uv.Systems, y)
				}
			}
			if unitWide || len(uv.Systems) > 0 {
				if uv.Assets, err = s.reg.Assets(ctx, authz.System, register.AssetFilter{UnitID: u.UnitID}); err != nil {
					return v, err
				}
			}
			uv.CanSubmit = u.SubmittedAt.IsZero() && (unitWide || len(uv.Systems) > 0)
		}
		uv.HeatMap = HeatMap(m, uv.Risks, lang)
		v.Units = append(v.Units, uv)
	}
	return v, nil
}

// SubmitUnit reports a unit's assessment as done.
func (s *Service) SubmitUnit(ctx context.Context, p *authz.Principal, campaignID, unitID int64) error {
	v, err := s.CampaignPage(ctx, p, campaignID, unitID, paging.Request{}, i18n.Ja)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return apperr.E(apperr.NotFound, "risk.err.campaign_not_found", campaignID)
		}
		return err
	}
	for _, u := range v.Units {
		if u.UnitID == unitID {
			if !u.SubmittedAt.IsZero() {
				return apperr.E(apperr.Conflict, "risk.err.submitted")
			}
			if !u.CanSubmit {
				return apperr.E(apperr.Forbidden, "error.forbidden.unit")
			}
			return s.store.SubmitUnit(ctx, campaignID, unitID, p.PersonID, s.now().UTC())
		}
	}
	return apperr.E(apperr.NotFound, "risk.err.campaign_not_found", campaignID)
}

// HeatMap draws the risks (inherent values) on the impact × likelihood
// grid as SVG: each cell shows how many risks fall in it, shaded by the
// value against the threshold.
func HeatMap(m Method, rs []Risk, lang i18n.Lang) template.HTML {
	imp, lik := slices.Clone(m.Impact), slices.Clone(m.Likelihood)
	slices.SortFunc(imp, func(a, b Level) int { return b.Value - a.Value }) // high at the top
	slices.SortFunc(lik, func(a, b Level) int { return a.Value - b.Value })
	count := map[[2]int]int{}
	for _, r := range rs {
		if !r.Retired {
			count[[2]int{r.Impact, r.Likelihood}]++
		}
	}
	const cell, left, topPad = 56, 64, 24
	w, h := left+cell*len(lik)+8, topPad+cell*len(imp)+48
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		w, h, w, h, template.HTMLEscapeString(i18n.T(lang, "risk.heatmap")))
	for y, il := range imp {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12">%s</text>`, left-6, topPad+y*cell+cell/2+4, template.HTMLEscapeString(il.Name))
		for x, ll := range lik {
			v := m.Value(il.Value, ll.Value)
			fill := "#dff0d8"
			switch {
			case m.Over(v):
				fill = "#f2b8b5"
			case m.Threshold > 0 && v*2 >= m.Threshold:
				fill = "#fbe7a9"
			}
			n := count[[2]int{il.Value, ll.Value}]
			cx, cy := left+x*cell, topPad+y*cell
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ffffff" stroke-width="2"><title>%s</title></rect>`,
				cx, cy, cell, cell, fill, template.HTMLEscapeString(i18n.T(lang, "risk.heatmap.cell", il.Name, ll.Name, v, n)))
			if n > 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="18" font-weight="bold" class="hm-n">%d</text>`, cx+cell/2, cy+cell/2+6, n)
			}
		}
	}
	for x, ll := range lik {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="12">%s</text>`, left+x*cell+cell/2, topPad+len(imp)*cell+16, template.HTMLEscapeString(ll.Name))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11">%s</text>`, left+cell*len(lik)/2, topPad+len(imp)*cell+36,
		template.HTMLEscapeString(i18n.T(lang, "risk.likelihood")+" →"))
	fmt.Fprintf(&b, `<text x="4" y="%d" font-size="11">%s</text>`, topPad-8, template.HTMLEscapeString(i18n.T(lang, "risk.impact")))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ---- jobs ----

// Remind sends, once a day per unit, a reminder to the assessors of every
// unit that has not reported its assessment when the due date is
// RemindDays away or past. Each (campaign, unit, day) is claimed in the
// jobs table, so several replicas send it once.
func (s *Service) Remind(ctx context.Context, owner string, lease time.Duration) (int, error) {
	cs, err := s.store.Campaigns(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	today := org.Day(now)
	sent := 0
	for _, c := range cs {
		if c.Status != "open" {
			continue
		}
		due, err := time.Parse("2006-01-02", c.DueOn)
		if err != nil || today < org.Day(due.AddDate(0, 0, -c.RemindDays)) {
			continue
		}
		for _, u := range c.Units {
			if !u.SubmittedAt.IsZero() {
				continue
			}
			key := "risk.remind:" + strconv.FormatInt(c.ID, 10) + ":" + strconv.FormatInt(u.UnitID, 10) + ":" + today
			ok, err := s.store.ClaimJob(ctx, key, owner, now, now.Add(lease))
			if err != nil || !ok {
				if err != nil {
					return sent, err
				}
				continue
			}
			people, err := s.assessors(ctx, u.UnitID)
			if err != nil {
				return sent, err
			}
			msg := "risk.notice.remind"
			if today > c.DueOn {
				msg = "risk.notice.overdue"
			}
			var ns []Notice
			for _, who := range people {
				ns = append(ns, Notice{PersonID: who.ID, Email: who.Email, Kind: "risk.remind", At: now.UTC(),
					Ref: "risk.campaign:" + strconv.FormatInt(c.ID, 10), Message: i18n.T(i18n.Ja, msg, c.Name, u.UnitName, c.DueOn)})
			}
			if err := s.store.DeliverJob(ctx, key, owner, now, ns); err != nil {
				return sent, err
			}
			s.mail(ctx, ns)
			sent += len(ns)
		}
	}
	return sent, nil
}

func (s *Service) mail(ctx context.Context, ns []Notice) {
	if s.Mailer == nil {
		return
	}
	for _, n := range ns {
		if n.Email != "" {
			_ = s.Mailer.Send(ctx, n.Email, i18n.T(i18n.Ja, "risk.mail.subject"), n.Message+"\n\n"+i18n.T(i18n.Ja, "risk.mail.footer"))
		}
	}
}
