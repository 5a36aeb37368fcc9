package jptext

import (
	"strings"
	"testing"

	"kitei/internal/catalog"
)

func TestParseGuidelineSeed004(t *testing.T) {
	nodes, warnings := parseGuideline(structSeedLines(t, "004"))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	byRef := checkTree(t, nodes)

	var items []catalog.Node
	cats := map[string]int{}
	for _, n := range nodes {
		if n.Kind == catalog.KindItem {
			items = append(items, n)
			cats[n.Category]++
			if !n.Requirement {
				t.Errorf("%s not a requirement", n.Ref)
			}
			if len([]rune(n.Text)) < 30 {
				t.Errorf("%s lacks its quoted guideline text: %q", n.Ref, n.Text)
			}
			if n.Title == "" || strings.Contains(n.Title, "【") {
				t.Errorf("%s title %q", n.Ref, n.Title)
			}
		} else if n.Requirement {
			t.Errorf("%s (%s) flagged as requirement", n.Ref, n.Kind)
		}
	}
	if len(items) != 24 {
		t.Errorf("got %d items, want 24: %v", len(items), refsOf(items))
	}
	if cats["要検討事項"] != 22 || cats["参考事項"] != 2 || len(cats) != 2 {
		t.Errorf("categories %v, want 22 要検討事項 and 2 参考事項", cats)
	}
	for _, ref := range []string{"(1)ア(イ)", "(1)ア(ウ)"} {
		if byRef[ref].Category != "参考事項" {
			t.Errorf("%s category %q", ref, byRef[ref].Category)
		}
	}
	// Tags wrapped over two lines are still read.
	for _, ref := range []string{"(2)ウ(イ)", "(2)エ(ア)", "(2)エ(イ)", "(2)オ"} {
		n, ok := byRef[ref]
		if !ok || n.Kind != catalog.KindItem || n.Category != "要検討事項" {
			t.Errorf("%s = %+v", ref, n)
		}
	}
	if n := byRef["(2)オ"]; n.Parent != "(2)" {
		t.Errorf("(2)オ parent %q", n.Parent)
	}
	if n := byRef["(1)ア(ア)"]; n.Title != "組織・体制及び人的資源の確保" || n.Parent != "(1)ア" ||
		!strings.HasPrefix(n.Text, "各重要インフラ事業者等における") {
		t.Errorf("(1)ア(ア) = %+v", n)
	}

	// Groups and examples.
	groups := countKind(nodes, catalog.KindGroup)
	if groups != 62 {
		t.Errorf("got %d groups, want 62 (one per ○ line)", groups)
	}
	examples := countKind(nodes, catalog.KindExample)
	if examples != 390 {
		t.Errorf("got %d examples, want 390 (one per ・ line)", examples)
	}
	if n := byRef["(1)ア(ア)○2"]; n.Title != "教育・訓練の実施" || n.Kind != catalog.KindGroup {
		t.Errorf("(1)ア(ア)○2 = %+v", n)
	}
	if n := byRef["(1)ア(ア)・1"]; n.Parent != "(1)ア(ア)○1" || n.Text != "情報セキュリティ基本方針の策定" {
		t.Errorf("(1)ア(ア)・1 = %+v", n)
	}
	if n := byRef["(1)ア(ア)・5"]; n.Parent != "(1)ア(ア)○2" {
		t.Errorf("(1)ア(ア)・5 parent %q", n.Parent)
	}
	// Items without ○ groups hold their examples directly.
	if n := byRef["(1)ア(イ)・1"]; n.Parent != "(1)ア(イ)" {
		t.Errorf("(1)ア(イ)・1 parent %q", n.Parent)
	}
	// Wrapped examples are joined without stray spaces or the page number.
	for _, n := range nodes {
		if n.Kind != catalog.KindExample {
			continue
		}
		if n.Text == "" || strings.HasPrefix(n.Text, "・") || strings.Contains(n.Text, "\n") {
			t.Errorf("%s text %q", n.Ref, n.Text)
		}
	}
	if s := byRef["(1)ア(ウ)・1"].Text; s != "情報セキュリティ監査等の実施" {
		t.Errorf("(1)ア(ウ)・1 text %q (page number leaked?)", s)
	}

	// The introduction gives no items.
	for _, n := range nodes {
		if (n.Ref == "Ⅰ" || n.Parent == "Ⅰ") && n.Kind != catalog.KindPart {
			t.Errorf("introduction produced %s (%s)", n.Ref, n.Kind)
		}
	}
	// Refs are half-width; titles keep the source's full-width digits.
	if n := byRef["(1)"]; n.Title != "４つの柱" {
		t.Errorf("(1) title %q", n.Title)
	}
	for _, n := range nodes {
		if strings.ContainsAny(n.Ref, "（）０１２３４５６７８９") {
			t.Errorf("ref not normalised: %q", n.Ref)
		}
	}
}

func TestScoreGuideline(t *testing.T) {
	own := scoreGuideline(structSeedLines(t, "004"))
	if own < 1000 {
		t.Errorf("score on 004 = %d, want high", own)
	}
	for _, other := range []string{"000", "001", "002", "003"} {
		if sc := scoreGuideline(structSeedLines(t, other)); sc*10 > own {
			t.Errorf("score on %s = %d, too close to 004's %d", other, sc, own)
		}
	}
}

func TestParseGuidelineSmall(t *testing.T) {
	src := strings.Join([]string{
		"Ⅰ はじめに",
		"前書きの本文。",
		"（１）柱",
		"ア 体制",
		"（ア） 組織 【要検討事",
		"",
		"項】",
		"体制が明示されるべき",
		" である。",
		"○確立",
		"・方針の",
		"策定",
		" 7 ",
		"・規程の整備",
		"（イ） 人材 【参考事項】",
		"育成が望ましい。",
		"・育成",
		"イ 情報 【要検討事項】",
		"格付けが明示されるべきである。",
		"・格付け",
	}, "\n")
	nodes, _ := parseGuideline(splitLines(src))
	byRef := checkTree(t, nodes)
	for ref, parent := range map[string]string{
		"Ⅰ": "", "(1)": "Ⅰ", "(1)ア": "(1)", "(1)ア(ア)": "(1)ア", "(1)ア(ア)○1": "(1)ア(ア)",
		"(1)ア(ア)・1": "(1)ア(ア)○1", "(1)ア(ア)・2": "(1)ア(ア)○1", "(1)ア(イ)": "(1)ア",
		"(1)ア(イ)・1": "(1)ア(イ)", "(1)イ": "(1)", "(1)イ・1": "(1)イ",
	} {
		if n, ok := byRef[ref]; !ok || n.Parent != parent {
			t.Errorf("%s: %+v (have %v)", ref, n, refsOf(nodes))
		}
	}
	if n := byRef["(1)ア(ア)"]; n.Category != "要検討事項" || n.Text != "体制が明示されるべきである。" {
		t.Errorf("(1)ア(ア) = %+v", n)
	}
	if n := byRef["(1)ア(ア)・1"]; n.Text != "方針の策定" {
		t.Errorf("(1)ア(ア)・1 = %+v", n)
	}
	if n := byRef["(1)イ"]; n.Kind != catalog.KindItem || n.Category != "要検討事項" {
		t.Errorf("(1)イ = %+v", n)
	}
}

func TestParseDetectsGuideline(t *testing.T) {
	p, err := Parse(structSeedData(t, "004"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Style != "guideline" {
		t.Fatalf("style %q, want guideline", p.Style)
	}
	checkTree(t, p.Nodes)
	if got := p.Requirements(); got != 24 {
		t.Errorf("got %d requirements, want 24", got)
	}
	if got := countKind(p.Nodes, catalog.KindExample); got != 390 {
		t.Errorf("got %d examples, want 390", got)
	}
}
