package auditeng

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog/oscal"
	"kitei/internal/tracker"
)

// OSCAL assessment results (NIST OSCAL 1.1.3) of an engagement and of a
// self-inspection campaign. Requirements are named by the control ids the
// catalog export gives them (k-2.3.2 …) and by their refs in kitei props.

type oSelect struct {
	ControlID string `json:"control-id"`
}

type oSelection struct {
	Description     string    `json:"description,omitempty"`
	IncludeAll      *struct{} `json:"include-all,omitempty"`
	IncludeControls []oSelect `json:"include-controls,omitempty"`
}

type oReviewed struct {
	ControlSelections []oSelection `json:"control-selections"`
}

type oEvidence struct {
	Href        string          `json:"href,omitempty"`
	Description string          `json:"description"`
	Props       []tracker.OProp `json:"props,omitempty"`
}

type oObservation struct {
	UUID             string          `json:"uuid"`
	Title            string          `json:"title,omitempty"`
	Description      string          `json:"description"`
	Props            []tracker.OProp `json:"props,omitempty"`
	Methods          []string        `json:"methods"`
	RelevantEvidence []oEvidence     `json:"relevant-evidence,omitempty"`
	Collected        string          `json:"collected"`
	Remarks          string          `json:"remarks,omitempty"`
}

type oResult struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title"`
	Description      string             `json:"description"`
	Props            []tracker.OProp    `json:"props,omitempty"`
	Start            string             `json:"start"`
	End              string             `json:"end,omitempty"`
	ReviewedControls oReviewed          `json:"reviewed-controls"`
	Observations     []oObservation     `json:"observations,omitempty"`
	Findings         []tracker.OFinding `json:"findings,omitempty"`
	Remarks          string             `json:"remarks,omitempty"`
}

type oImportAP struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

type oAR struct {
	UUID     string            `json:"uuid"`
	Metadata tracker.OMetadata `json:"metadata"`
	ImportAP oImportAP         `json:"import-ap"`
	Results  []oResult         `json:"results"`
}

func dayTime(day string, endOfDay bool) string {
	t, err := time.ParseInLocation(DateLayout, day, jst)
	if err != nil {
		return ""
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t.Format(time.RFC3339)
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func selection(refs []string) oSelection {
	if len(refs) == 0 {
		return oSelection{IncludeAll: &struct{}{}}
	}
	s := oSelection{}
	seen := map[string]bool{}
	for _, r := range refs {
		id := oscal.ControlID(r)
		if !seen[id] {
			seen[id] = true
			s.IncludeControls = append(s.IncludeControls, oSelect{ControlID: id})
		}
	}
	return s
}

func write(w io.Writer, doc oAR) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"assessment-results": doc})
}

func req(ref string) []tracker.OProp {
	return tracker.RequirementProps([]tracker.Requirement{{Ref: ref}})
}

// WriteEngagementAR writes the engagement's results: the requirements in
// scope as reviewed controls, one observation per working paper (result,
// observation, evidence files with their SHA-256) with a finding saying
// whether the requirement is satisfied, and one finding per audit finding
// with its severity, recommendation and remediation status.
func WriteEngagementAR(w io.Writer, v *View, at time.Time) error {
	e := v.Engagement
	collected := at.UTC().Format(time.RFC3339)
	if !e.ReportedAt.IsZero() {
		collected = e.ReportedAt.UTC().Format(time.RFC3339)
	}
	res := oResult{UUID: oscal.UUID(fmt.Sprintf("audit-result\x00%d", e.ID)), Title: e.Title,
		Description: nonEmpty(e.Objective, e.Title), Start: dayTime(e.StartsOn, false), End: dayTime(e.EndsOn, true),
		Props: tracker.Props(tracker.Prop("engagement-id", fmt.Sprint(e.ID)), tracker.Prop("audited-unit", e.UnitName),
			tracker.Prop("catalog", e.CatalogName), tracker.Prop("status", string(e.Status))),
		Remarks: e.Summary}
	var refs []string
	obsOf := map[string]string{}
	for _, it := range v.Items {
		refs = append(refs, it.Ref)
		p := it.Paper
		if p == nil || p.Result == "" {
			continue
		}
		o := oObservation{UUID: oscal.UUID(fmt.Sprintf("audit-paper\x00%d\x00%s", e.ID, it.Ref)), Title: it.Ref,
			Description: nonEmpty(p.Observation, it.Text), Methods: []string{"EXAMINE"}, Collected: p.UpdatedAt.UTC().Format(time.RFC3339),
			Props: append(tracker.Props(tracker.Prop("result", string(p.Result)), tracker.Prop("auditor", p.AuditorName)), req(it.Ref)...)}
		for _, f := range p.Evidence {
			o.RelevantEvidence = append(o.RelevantEvidence, oEvidence{Href: fmt.Sprintf("/audits/engagements/%d/evidence/%d", e.ID, f.ID),
				Description: f.Name, Props: tracker.Props(tracker.Prop("sha256", f.SHA256), tracker.Prop("media-type", f.MediaType))})
		}
		res.Observations = append(res.Observations, o)
		obsOf[it.Ref] = o.UUID
		if p.Result == NotApplicable {
			continue
		}
		state, reason := "satisfied", "pass"
		if p.Result != Conform {
			state, reason = "not-satisfied", "fail"
		}
		res.Findings = append(res.Findings, tracker.OFinding{UUID: oscal.UUID(fmt.Sprintf("audit-conclusion\x00%d\x00%s", e.ID, it.Ref)),
			Title: it.Ref, Description: nonEmpty(p.Observation, it.Text), Props: req(it.Ref),
			Target: tracker.OTarget{Type: "objective-id", TargetID: oscal.ControlID(it.Ref), Title: it.Ref,
				Status: tracker.OStatus{State: state, Reason: reason}},
			RelatedObservations: []tracker.ORelatedObs{{ObservationUUID: o.UUID}}})
	}
	res.ReviewedControls = oReviewed{ControlSelections: []oSelection{selection(refs)}}
	res.ReviewedControls.ControlSelections[0].Description = joinScope(e.Scope)
	for _, f := range v.Findings {
		of := tracker.OFinding{UUID: oscal.UUID(fmt.Sprintf("audit-finding\x00%d", f.ID)), Title: fmt.Sprintf("No.%d %s", f.ID, f.Ref),
			Description: f.Description, Remarks: f.Recommendation,
			Props: append(tracker.Props(tracker.Prop("severity", string(f.Severity)), tracker.Prop("finding-id", fmt.Sprint(f.ID)),
				tracker.Prop("remediation", f.State())), req(f.Ref)...),
			Target: tracker.OTarget{Type: "objective-id", TargetID: oscal.ControlID(f.Ref), Title: f.Ref,
				Status: tracker.OStatus{State: "not-satisfied", Reason: "fail"}}}
		if u, ok := obsOf[f.Ref]; ok {
			of.RelatedObservations = []tracker.ORelatedObs{{ObservationUUID: u}}
		}
		res.Findings = append(res.Findings, of)
	}
	_ = collected
	doc := oAR{UUID: oscal.UUID(fmt.Sprintf("audit-ar\x00%d\x00%s", e.ID, at.UTC().Format(time.RFC3339Nano))),
		Metadata: tracker.Metadata(e.Title, at), ImportAP: oImportAP{Href: fmt.Sprintf("/audits/engagements/%d", e.ID),
			Remarks: nonEmpty(e.Objective, e.Title)}, Results: []oResult{res}}
	return write(w, doc)
}

// WriteSelfcheckAR writes a self-inspection campaign's results over every
// unit: each item a reviewed control and an observation with the counts
// of answers, and a finding that is satisfied only when nobody answered
// 一部実施 or 未実施 (security office: selfcheck.admin).
func (s *Service) WriteSelfcheckAR(ctx context.Context, p *authz.Principal, w io.Writer, campaignID int64) error {
	if !p.IsSystem() && !p.Scope(authz.SelfcheckAdmin).All {
		return apperr.E(apperr.Forbidden, "auditeng.err.selfcheck_right")
	}
	if s.selfcheck == nil {
		return apperr.E(apperr.NotFound, "auditeng.err.not_found", campaignID)
	}
	r, err := s.selfcheck.Rollup(ctx, authz.System, campaignID, 0)
	if err != nil {
		return err
	}
	c := r.Campaign
	at := s.now()
	res := oResult{UUID: oscal.UUID(fmt.Sprintf("selfcheck-result\x00%d", c.ID)), Title: c.Name, Description: c.Name,
		Start: dayTime(c.OpensOn, false), End: dayTime(c.ClosesOn, true),
		Props: tracker.Props(tracker.Prop("campaign-id", fmt.Sprint(c.ID)), tracker.Prop("fiscal-year", fmt.Sprint(c.FiscalYear)),
			tracker.Prop("status", string(c.Status)))}
	var refs []string
	for _, it := range r.Items {
		ref := it.Item.NodeRef
		refs = append(refs, ref)
		cell := it.Cell
		o := oObservation{UUID: oscal.UUID(fmt.Sprintf("selfcheck-item\x00%d\x00%d", c.ID, it.Item.ID)), Title: ref,
			Description: nonEmpty(it.Item.Question, ref), Methods: []string{"INTERVIEW"}, Collected: at.Format(time.RFC3339),
			Props: append(tracker.Props(tracker.Prop("yes", fmt.Sprint(cell.Yes)), tracker.Prop("partial", fmt.Sprint(cell.Partial)),
				tracker.Prop("no", fmt.Sprint(cell.No)), tracker.Prop("not-applicable", fmt.Sprint(cell.NA))), req(ref)...)}
		res.Observations = append(res.Observations, o)
		state, reason := "satisfied", "pass"
		if cell.No > 0 || cell.Partial > 0 || cell.Yes == 0 {
			state, reason = "not-satisfied", "fail"
		}
		res.Findings = append(res.Findings, tracker.OFinding{UUID: oscal.UUID(fmt.Sprintf("selfcheck-finding\x00%d\x00%d", c.ID, it.Item.ID)),
			Title: ref, Description: nonEmpty(it.Item.Text, ref), Props: req(ref),
			Target:              tracker.OTarget{Type: "objective-id", TargetID: oscal.ControlID(ref), Title: ref, Status: tracker.OStatus{State: state, Reason: reason}},
			RelatedObservations: []tracker.ORelatedObs{{ObservationUUID: o.UUID}}})
	}
	res.ReviewedControls = oReviewed{ControlSelections: []oSelection{selection(refs)}}
	doc := oAR{UUID: oscal.UUID(fmt.Sprintf("selfcheck-ar\x00%d\x00%s", c.ID, at.Format(time.RFC3339Nano))),
		Metadata: tracker.Metadata(c.Name, at), ImportAP: oImportAP{Href: fmt.Sprintf("/selfcheck/campaigns/%d", c.ID)}, Results: []oResult{res}}
	return write(w, doc)
}
