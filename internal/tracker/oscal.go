package tracker

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"kitei/internal/catalog/oscal"
)

// OSCAL documents kitei writes for assessments and follow-up (NIST OSCAL
// 1.1.3): the open actions as a plan of action and milestones here, the
// results of audits and self-inspection as assessment results in the
// capabilities that own them. Requirements are named by the control ids
// the catalog export gives them, and by their own refs in a kitei prop.

// OProp is an OSCAL property.
type OProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
	Class string `json:"class,omitempty"`
}

// OMetadata is an OSCAL document's metadata.
type OMetadata struct {
	Title        string  `json:"title"`
	LastModified string  `json:"last-modified"`
	Version      string  `json:"version"`
	OSCALVersion string  `json:"oscal-version"`
	Props        []OProp `json:"props,omitempty"`
}

// Metadata is the metadata of a kitei OSCAL export.
func Metadata(title string, at time.Time) OMetadata {
	return OMetadata{Title: title, LastModified: at.UTC().Format(time.RFC3339), Version: at.UTC().Format("2006-01-02"),
		OSCALVersion: oscal.Version}
}

// Prop is a property in kitei's namespace (empty values are left out by
// the callers: OSCAL values may not be empty).
func Prop(name, value string) OProp { return OProp{Name: name, NS: oscal.NS, Value: value} }

// Props drops the properties without a value.
func Props(ps ...OProp) []OProp {
	var out []OProp
	for _, p := range ps {
		if strings.TrimSpace(p.Value) != "" && p.Value == strings.TrimSpace(p.Value) {
			out = append(out, p)
		}
	}
	return out
}

// RequirementProps are the props naming requirements: the catalog's ref
// and the control id of the catalog export.
func RequirementProps(rs []Requirement) []OProp {
	var out []OProp
	for _, r := range rs {
		out = append(out, Props(OProp{Name: "requirement", NS: oscal.NS, Value: r.Ref, Class: oscal.ControlID(r.Ref)})...)
	}
	return out
}

// OTarget is a finding's target.
type OTarget struct {
	Type     string  `json:"type"`
	TargetID string  `json:"target-id"`
	Title    string  `json:"title,omitempty"`
	Props    []OProp `json:"props,omitempty"`
	Status   OStatus `json:"status"`
}

// OStatus is the state of an objective.
type OStatus struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// OFinding is an OSCAL finding.
type OFinding struct {
	UUID                string        `json:"uuid"`
	Title               string        `json:"title"`
	Description         string        `json:"description"`
	Props               []OProp       `json:"props,omitempty"`
	Target              OTarget       `json:"target"`
	RelatedObservations []ORelatedObs `json:"related-observations,omitempty"`
	Remarks             string        `json:"remarks,omitempty"`
}

// ORelatedObs points at an observation.
type ORelatedObs struct {
	ObservationUUID string `json:"observation-uuid"`
}

type oRelatedFinding struct {
	FindingUUID string `json:"finding-uuid"`
}

type oPoamItem struct {
	UUID            string            `json:"uuid"`
	Title           string            `json:"title"`
	Description     string            `json:"description"`
	Props           []OProp           `json:"props,omitempty"`
	RelatedFindings []oRelatedFinding `json:"related-findings,omitempty"`
	Remarks         string            `json:"remarks,omitempty"`
}

type oPOAM struct {
	UUID      string      `json:"uuid"`
	Metadata  OMetadata   `json:"metadata"`
	Findings  []OFinding  `json:"findings,omitempty"`
	PoamItems []oPoamItem `json:"poam-items"`
}

// nonEmpty keeps OSCAL's non-empty string rule.
func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

// WritePOAM writes the actions as an OSCAL plan of action and milestones:
// one poam-item per action (status, due date, owner, unit, source and
// requirements as props) and, per requirement, a finding that names its
// control id as the objective not yet satisfied.
func WritePOAM(w io.Writer, title string, acts []Action, at time.Time) error {
	doc := oPOAM{UUID: oscal.UUID(fmt.Sprintf("poam\x00%s\x00%s", title, at.UTC().Format(time.RFC3339Nano))), Metadata: Metadata(title, at)}
	for _, a := range acts {
		item := oPoamItem{UUID: oscal.UUID(fmt.Sprintf("tracker-action\x00%d", a.ID)), Title: nonEmpty(a.Title, "-"),
			Description: nonEmpty(a.Description, a.Title),
			Props: append(Props(Prop("action-id", fmt.Sprint(a.ID)), Prop("status", string(a.Status)), Prop("due-date", a.DueOn),
				Prop("owner", a.OwnerName), Prop("unit", a.UnitName), Prop("source-kind", string(a.Source.Kind)),
				Prop("source", a.Source.Label)), RequirementProps(a.Requirements)...),
			Remarks: a.Note}
		for _, r := range a.Requirements {
			f := OFinding{UUID: oscal.UUID(fmt.Sprintf("tracker-finding\x00%d\x00%d\x00%s", a.ID, r.CatalogID, r.Ref)),
				Title: nonEmpty(r.Ref+" "+r.Label, r.Ref), Description: nonEmpty(a.Source.Label, a.Title),
				Props: RequirementProps([]Requirement{r}),
				Target: OTarget{Type: "objective-id", TargetID: oscal.ControlID(r.Ref), Title: r.Ref,
					Status: OStatus{State: "not-satisfied"}}}
			doc.Findings = append(doc.Findings, f)
			item.RelatedFindings = append(item.RelatedFindings, oRelatedFinding{FindingUUID: f.UUID})
		}
		doc.PoamItems = append(doc.PoamItems, item)
	}
	if doc.PoamItems == nil {
		doc.PoamItems = []oPoamItem{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"plan-of-action-and-milestones": doc})
}
