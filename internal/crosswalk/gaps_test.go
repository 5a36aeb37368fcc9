package crosswalk

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"kitei/internal/catalog"
)

func gapNodes() []catalog.Node {
	return []catalog.Node{
		{Ref: "1", Kind: catalog.KindSection, Title: "組織"},
		{Ref: "1(a)", Parent: "1", Kind: catalog.KindItem, Requirement: true, Text: "責任者を置くこと。"},
		{Ref: "1(b)", Parent: "1", Kind: catalog.KindItem, Requirement: true, Text: "委員会を置くこと。"},
		{Ref: "2", Kind: catalog.KindSection, Title: "教育"},
		{Ref: "2(1)", Parent: "2", Kind: catalog.KindHeading, Title: "教育の実施"},
		{Ref: "2(1)(a)", Parent: "2(1)", Kind: catalog.KindItem, Requirement: true, Text: "教育を受講させること。"},
		{Ref: "2(1)(b)", Parent: "2(1)", Kind: catalog.KindItem, Requirement: true, Text: "受講を記録すること。"},
	}
}

func TestBuildGaps(t *testing.T) {
	links := []Link{
		{FromRef: "A", ToRef: "1(a)", Status: StatusConfirmed, Score: 0.2},
		{FromRef: "B", ToRef: "1(b)", Status: StatusSuggested, Score: 0.9},
		{FromRef: "C", ToRef: "2(1)(a)", Status: StatusRejected, Score: 0.95},
		{FromRef: "D", ToRef: "2(1)(b)", Status: StatusSuggested, Score: 0.3},
	}
	live := []Suggestion{{From: "C", To: "2(1)(a)", Score: 0.95}, {From: "E", To: "2(1)(b)", Score: 0.4}}

	// Confirmed links only.
	r := BuildGaps(gapNodes(), links, nil, GapOptions{})
	if r.Total != 4 || r.Covered != 1 || len(r.Sections) != 2 {
		t.Fatalf("confirmed only: %+v", r)
	}
	if s := r.Sections[0]; s.Ref != "1" || s.Title != "組織" || s.Total != 2 || s.Covered != 1 || len(s.Gaps) != 1 || s.Gaps[0].Ref != "1(b)" || s.Gaps[0].Best != "B" {
		t.Errorf("section 1: %+v", s)
	}
	// Strong suggestions count; a rejected pair never covers, even when
	// suggested again; weaker ones stay gaps with the best hint.
	r = BuildGaps(gapNodes(), links, live, GapOptions{Suggested: 0.5})
	if r.Covered != 2 {
		t.Errorf("with suggestions: covered %d, want 2", r.Covered)
	}
	s := r.Sections[1]
	if len(s.Gaps) != 2 || s.Gaps[0].Ref != "2(1)(a)" || s.Gaps[0].Best != "" || s.Gaps[1].Best != "E" || s.Gaps[1].BestScore != 0.4 {
		t.Errorf("section 2: %+v", s)
	}
}

// TestGaps002To000 builds the report of the unified standard (002) against
// the NIES policy (000) with suggestions, and its workbook.
func TestGaps002To000(t *testing.T) {
	parent, child := seedNodes(t, "002"), seedNodes(t, "000")
	live := Suggest(child, parent, Options{Top: 3})
	r := BuildGaps(parent, nil, live, GapOptions{Suggested: 0.35})
	if r.Total != 426 {
		t.Fatalf("002 has %d requirements in the report, want 426", r.Total)
	}
	if r.Covered == 0 || r.Covered == r.Total {
		t.Fatalf("covered %d of %d", r.Covered, r.Total)
	}
	sum, gaps := 0, 0
	for _, s := range r.Sections {
		sum += s.Total
		gaps += len(s.Gaps)
		if s.Ref == "" || s.Title == "" {
			t.Errorf("section without ref or title: %+v", s)
		}
	}
	if sum != r.Total || gaps != r.Total-r.Covered {
		t.Errorf("sections add up to %d (%d gaps), report says %d (%d covered)", sum, gaps, r.Total, r.Covered)
	}
	t.Logf("002 → 000: %d of %d requirements covered by a suggestion ≥ 0.35, %d sections", r.Covered, r.Total, len(r.Sections))

	r.Parent = Summary{CatalogName: "統一基準", Number: 1}
	r.Child = Summary{CatalogName: "国環研ポリシー", Number: 1}
	var buf bytes.Buffer
	if err := WriteGapsXLSX(&buf, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("未対応の要求事項")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != r.Total-r.Covered {
		t.Errorf("gap sheet has %d rows, want %d", len(rows)-1, r.Total-r.Covered)
	}
	srows, _ := f.GetRows("節ごとの集計")
	if len(srows) != 4+len(r.Sections)+1 || srows[len(srows)-1][0] != "合計" {
		t.Errorf("summary sheet: %d rows", len(srows))
	}
}
