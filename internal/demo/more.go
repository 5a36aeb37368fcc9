package demo

import (
	"context"
	"fmt"

	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/incident"
	"kitei/internal/training"
	"kitei/internal/yearly"
)

type incidentSpec struct {
	Title, What, Personal, First, Category, Instruction, Reason string
	Count                                                       int
	Level                                                       int
	Incident                                                    *bool
}

type courseSpec struct {
	Title, Summary string
	Sections       []training.Section
	Questions      []struct {
		Text    string
		Choices [][]any
	}
}

type auditSpec struct {
	PlanTitle                                       string   `json:"plan_title"`
	Title                                           string   `json:"title"`
	Unit                                            string   `json:"unit"`
	Sections                                        []string `json:"sections"`
	AuditorUnit                                     string   `json:"auditor_unit"`
	Objective, Observation, Finding, Recommendation string
}

type extra struct {
	Incidents []incidentSpec                 `json:"incidents"`
	Course    courseSpec                     `json:"course"`
	Audit     auditSpec                      `json:"audit"`
	Yearly    []struct{ Title, Area string } `json:"yearly"`
}

func (f *filler) fiscalYear() int {
	if f.o.Now.Month() < 4 {
		return f.o.Now.Year() - 1
	}
	return f.o.Now.Year()
}

// incidents: a lost USB stick with personal data, triaged as an incident
// (its authority notices' clocks start), and a suspicious mail that is not
// one.
func (f *filler) incidents(ctx context.Context) error {
	csirt := f.person(f.roles[authz.RoleCSIRTChief])
	for i, in := range f.x.Incidents {
		unit := f.s.Departments[i].Divisions[0][0]
		reporter := f.person(f.people[unit][6])
		x, err := f.a.Incident.File(ctx, reporter, incident.Input{Title: in.Title, What: in.What,
			NoticedAt: f.o.Now.AddDate(0, 0, -3+i).Format("2006-01-02T15:04"), Personal: in.Personal,
			PersonalCount: in.Count, FirstActions: in.First})
		if err != nil {
			return fmt.Errorf("incident %q: %w", in.Title, err)
		}
		t := incident.TriageInput{Incident: in.Incident == nil || *in.Incident, Reason: in.Reason, Level: in.Level,
			Category: in.Category, Instruction: in.Instruction}
		if _, err := f.a.Incident.Triage(ctx, csirt, x.ID, t); err != nil {
			return fmt.Errorf("triage %q: %w", in.Title, err)
		}
	}
	return nil
}

// course publishes an e-learning course with a short test to all staff.
func (f *filler) course(ctx context.Context) error {
	cs := f.x.Course
	c := training.Course{Title: cs.Title, Kind: training.KindELearning, Summary: cs.Summary, Sections: cs.Sections,
		PassMark: 100, MaxAttempts: 3, OpensOn: f.day(-10), ClosesOn: f.day(60), Audience: training.Audience{All: true}}
	for qi, q := range cs.Questions {
		tq := training.Question{ID: qi + 1, Text: q.Text}
		for ci, ch := range q.Choices {
			text, _ := ch[0].(string)
			ok, _ := ch[1].(bool)
			tq.Choices = append(tq.Choices, training.Choice{ID: ci + 1, Text: text, Correct: ok})
		}
		c.Questions = append(c.Questions, tq)
	}
	chief := f.person(f.roles[authz.RoleChiefISO])
	c, err := f.a.Training.CreateCourse(ctx, chief, c)
	if err != nil {
		return fmt.Errorf("course: %w", err)
	}
	if _, _, err := f.a.Training.Publish(ctx, chief, c.ID); err != nil {
		return fmt.Errorf("publish course: %w", err)
	}
	return nil
}

// audit plans an audit of one 課 against two sections of the campaign's
// seed, approved by the CISO, with a working paper and a finding reported.
func (f *filler) audit(ctx context.Context) error {
	res, ok := f.cats[f.s.Campaign.Seed]
	if !ok {
		return nil
	}
	au := f.x.Audit
	chiefAuditor := f.person(f.roles[authz.RoleAuditChief])
	pl, err := f.a.Audits.CreatePlan(ctx, chiefAuditor, f.fiscalYear(), au.PlanTitle, "")
	if err != nil {
		return fmt.Errorf("audit plan: %w", err)
	}
	e, err := f.a.Audits.AddEngagement(ctx, chiefAuditor, pl.ID, auditeng.Engagement{Title: au.Title, Kind: "unit",
		UnitID: f.units[au.Unit].ID, CatalogID: res.Catalog.ID, Scope: au.Sections, StartsOn: f.day(-20), EndsOn: f.day(20),
		Objective: au.Objective})
	if err != nil {
		return fmt.Errorf("engagement: %w", err)
	}
	if _, err := f.a.Audits.SubmitPlan(ctx, chiefAuditor, pl.ID); err != nil {
		return fmt.Errorf("submit audit plan: %w", err)
	}
	if _, err := f.a.Audits.ApprovePlan(ctx, f.person(f.roles[authz.RoleCISO]), pl.ID); err != nil {
		return fmt.Errorf("approve audit plan: %w", err)
	}
	auditorNo := f.roles[authz.RoleAuditor]
	if err := f.a.Audits.AssignAuditor(ctx, chiefAuditor, e.ID, f.byNo[auditorNo], false, ""); err != nil {
		return fmt.Errorf("assign auditor: %w", err)
	}
	auditor := f.person(auditorNo)
	items, err := f.a.Audits.Checklist(ctx, e)
	if err != nil || len(items) == 0 {
		return fmt.Errorf("audit checklist: %v", err)
	}
	ref := items[0].Ref
	for i, it := range items {
		result, note := auditeng.Conform, ""
		if i == 0 {
			result, note = auditeng.Nonconform, au.Observation
		}
		if _, err := f.a.Audits.SavePaper(ctx, auditor, e.ID, it.Ref, result, note); err != nil {
			return fmt.Errorf("working paper: %w", err)
		}
	}
	if _, err := f.a.Audits.AddFinding(ctx, auditor, e.ID, auditeng.Finding{Ref: ref, Severity: auditeng.Minor,
		Description: au.Finding, Recommendation: au.Recommendation}); err != nil {
		return fmt.Errorf("finding: %w", err)
	}
	if _, err := f.a.Audits.SubmitReport(ctx, auditor, e.ID, au.Observation); err != nil {
		return fmt.Errorf("audit report: %w", err)
	}
	return nil
}

// plan drafts the year's security plan.
func (f *filler) plan(ctx context.Context) error {
	chief := f.person(f.roles[authz.RoleChiefISO])
	fy := f.fiscalYear()
	if _, err := f.a.Yearly.CreatePlan(ctx, chief, fy, ""); err != nil {
		return err
	}
	for i, it := range f.x.Yearly {
		item := yearly.PlanItem{Title: it.Title, Area: it.Area, OwnerID: f.byNo[f.roles[authz.RoleChiefISO]],
			StartsOn: fmt.Sprintf("%d-04-01", fy), EndsOn: fmt.Sprintf("%d-03-31", fy+1)}
		if i == 1 {
			item.Ref = "selfcheck:1"
		}
		if _, err := f.a.Yearly.AddItem(ctx, chief, fy, item); err != nil {
			return fmt.Errorf("plan item: %w", err)
		}
	}
	return nil
}
