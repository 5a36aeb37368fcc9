package auditeng_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/bench"
	catoscal "kitei/internal/catalog/oscal"
	"kitei/internal/selfcheck"
	"kitei/internal/store/storetest"
)

// TestSelfcheckAssessmentResults exports a self-inspection campaign with
// answers as OSCAL assessment-results: it validates, names every item's
// requirement, and only the security office may export it. A document the
// schema must refuse is refused (the validation can fail).
func TestSelfcheckAssessmentResults(t *testing.T) {
	schema := oscalSchema(t)
	ctx := context.Background()
	db := storetest.SQLite(t)
	a := app.New(db, nil)
	defer a.Close()
	fx, err := bench.Generate(ctx, db, a.Selfcheck, bench.FixtureOptions{People: 6, Items: 4, PerUnit: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range fx.People[:3] {
		v := selfcheck.Yes
		if i == 1 {
			v = selfcheck.No
		}
		for _, item := range fx.ItemIDs {
			if _, err := a.Selfcheck.SaveAnswer(ctx, fx.CampaignID, p.ID, item, v, "理由"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.Audits.WriteSelfcheckAR(ctx, &authz.Principal{PersonID: 1, UnitPath: "/1/", Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: "/1/"}}}, &bytes.Buffer{}, fx.CampaignID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("staff exports the campaign: %v", err)
	}
	var buf bytes.Buffer
	office := &authz.Principal{PersonID: 1, UnitPath: "/1/", Grants: []authz.Grant{{Role: authz.RoleSecOffice}}}
	if err := a.Audits.WriteSelfcheckAR(ctx, office, &buf, fx.CampaignID); err != nil {
		t.Fatal(err)
	}
	validate(t, schema, "self-inspection assessment-results", buf.Bytes())
	items, err := a.Selfcheck.Items(ctx, fx.CampaignID)
	if err != nil || len(items) != 4 {
		t.Fatalf("items: %v %v", items, err)
	}
	doc := buf.String()
	for _, it := range items {
		if !strings.Contains(doc, `"`+it.NodeRef+`"`) || !strings.Contains(doc, `"`+catoscal.ControlID(it.NodeRef)+`"`) {
			t.Errorf("the export does not name %s", it.NodeRef)
		}
	}
	if !strings.Contains(doc, `"not-satisfied"`) {
		t.Error("a 未実施 answer did not make its requirement not satisfied")
	}

	// An audit of the first 課 shows the 課's own answers beside each
	// requirement: 3 people answered, of whom the first two sit in it.
	cs, _ := a.Catalogs.List(ctx)
	var catalogID int64
	for _, c := range cs {
		if c.Latest.ID == fx.EditionID {
			catalogID = c.ID
		}
	}
	unit := fx.People[0].UnitID
	var inUnit, no int
	for i, p := range fx.People[:3] {
		if p.UnitID == unit {
			inUnit++
			if i == 1 {
				no++
			}
		}
	}
	e, err := a.Audits.OrderAdHoc(ctx, authz.System, auditeng.Engagement{Title: "照合", UnitID: unit, CatalogID: catalogID,
		Scope: []string{items[0].SectionRef}, StartsOn: "2026-06-01", EndsOn: "2026-06-30", SelfcheckID: fx.CampaignID})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Audits.Engagement(ctx, authz.System, e.ID)
	if err != nil || len(v.Items) == 0 {
		t.Fatalf("engagement view: %v", err)
	}
	for _, it := range v.Items {
		if it.Selfcheck == nil || it.Selfcheck.Yes+it.Selfcheck.No != inUnit || it.Selfcheck.No != no {
			t.Errorf("%s: self-inspection answers beside it = %+v, want %d answers (%d no)", it.Ref, it.Selfcheck, inUnit, no)
		}
	}

	broken := strings.Replace(doc, `"reviewed-controls"`, `"reviewed-control"`, 1)
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(broken))
	if schema.Validate(inst) == nil {
		t.Error("the schema accepted a result without reviewed-controls")
	}
}
