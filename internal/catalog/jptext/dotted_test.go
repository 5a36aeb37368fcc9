package jptext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// checkDottedTree asserts the invariants every dotted parse must keep:
// refs unique, parents present and earlier than their children.
func checkDottedTree(t *testing.T, nodes []catalog.Node) map[string]int {
	t.Helper()
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		if n.Ref == "" {
			t.Errorf("node %d has an empty ref", i)
		}
		if _, dup := index[n.Ref]; dup {
			t.Errorf("duplicate ref %q", n.Ref)
		}
		index[n.Ref] = i
		if n.Parent != "" {
			if j, ok := index[n.Parent]; !ok || j >= i {
				t.Errorf("node %q: parent %q missing or not before it", n.Ref, n.Parent)
			}
		}
	}
	return index
}

// requirementsBySubject returns requirement nodes whose text has 「は、」
// within its first 40 characters but no subject.
func missingSubjects(nodes []catalog.Node) []string {
	var out []string
	for _, n := range nodes {
		if !n.Requirement || n.Subject != "" {
			continue
		}
		head := n.Text
		if utf8.RuneCountInString(head) > 40 {
			head = string([]rune(head)[:40])
		}
		if strings.Contains(head, "は、") {
			out = append(out, n.Ref)
		}
	}
	return out
}

func TestDottedSeed002(t *testing.T) {
	p := jpParse(t, jpSeed(t, "002"))
	if p.Style != "dotted" {
		t.Fatalf("style %q", p.Style)
	}
	index := checkDottedTree(t, p.Nodes)
	if got := p.Requirements(); got != 426 {
		t.Errorf("requirements = %d, want 426", got)
	}
	first := ""
	perPart := map[string]int{}
	for _, n := range p.Nodes {
		if !n.Requirement {
			continue
		}
		if first == "" {
			first = n.Ref
		}
		if n.Kind != catalog.KindItem || !strings.HasSuffix(n.Ref, ")") {
			t.Errorf("requirement %q has kind %q", n.Ref, n.Kind)
		}
		if strings.HasPrefix(n.Ref, "1.1.") {
			t.Errorf("requirement %q in 第1.1部 (descriptive)", n.Ref)
		}
		perPart[n.Ref[:3]]++
	}
	if first != "1.2.1.1(1)(a)" {
		t.Errorf("first requirement %q, want 1.2.1.1(1)(a)", first)
	}
	// Per-part counts of 遵守事項 (domain notes, seed-002.md).
	for part, want := range map[string]int{"1.2": 110, "1.3": 46, "1.4": 26, "1.5": 33, "2.1": 99, "2.2": 109, "2.3": 3} {
		if perPart[part] != want {
			t.Errorf("part %s: %d requirements, want %d", part, perPart[part], want)
		}
	}
	i, ok := index["1.2.1.1(1)(a)"]
	if !ok {
		t.Fatal("1.2.1.1(1)(a) missing")
	}
	if got := p.Nodes[i].Text; got != "最高情報セキュリティ責任者を１人置くこと。" {
		t.Errorf("1.2.1.1(1)(a) text %q", got)
	}
	for ref, want := range map[string]struct{ parent, kind string }{
		"第2編":              {"", catalog.KindPart},
		"第1.2部":            {"", catalog.KindPart},
		"第2.1部":            {"第2編", catalog.KindPart},
		"1.2.1":            {"第1.2部", catalog.KindSection},
		"1.2.1.1":          {"1.2.1", catalog.KindSection},
		"1.2.1.1(1)":       {"1.2.1.1", catalog.KindHeading},
		"1.2.1.1(8)":       {"1.2.1.1", catalog.KindHeading},
		"1.2.1.3(2)(b)":    {"1.2.1.3(2)", catalog.KindItem},
		"1.2.1.3(2)(b)(カ)": {"1.2.1.3(2)(b)", catalog.KindSubitem},
		"1.2.1.3(2)(c)(ウ)": {"1.2.1.3(2)(c)", catalog.KindSubitem},
		"1.5.2.6(1)(a)(ア)": {"1.5.2.6(1)(a)", catalog.KindSubitem},
		"2.1.1.1(1)(i)":    {"2.1.1.1(1)", catalog.KindItem},
		"2.3.1":            {"第2.3部", catalog.KindSection},
		"2.3.1.1(1)(a)":    {"2.3.1.1(1)", catalog.KindItem},
		"1.1.1.2":          {"", catalog.KindSection},
		"1.1.1.2(2)(a)":    {"1.1.1.2(2)", catalog.KindItem},
		"1.1.1.1":          {"", catalog.KindSection}, // inferred, untitled
		"1.1.1.1(2)":       {"1.1.1.1", catalog.KindHeading},
		"1.2.1.1(1)(c)":    {"", ""}, // must not exist
		"1.2.1.3(2)(b)(キ)": {"", ""}, // must not exist
		"1.2.1.3(2)(c)(エ)": {"", ""}, // must not exist
		"1.2.1.1(9)":       {"", ""}, // must not exist
		"第1.1部":            {"", ""}, // absent from the source
		"1.1.1":            {"", ""}, // absent from the source
		"第1編":              {"", ""}, // absent from the source
	} {
		i, ok := index[ref]
		if want.kind == "" {
			if ok {
				t.Errorf("unexpected node %q", ref)
			}
			continue
		}
		if !ok {
			t.Errorf("node %q missing", ref)
			continue
		}
		if n := p.Nodes[i]; n.Parent != want.parent || n.Kind != want.kind {
			t.Errorf("node %q: parent %q kind %q, want %q %q", ref, n.Parent, n.Kind, want.parent, want.kind)
		}
	}
	if miss := missingSubjects(p.Nodes); len(miss) > 0 {
		t.Errorf("%d requirements name a role before 「は、」 but have no subject: %v", len(miss), miss)
	}
	subjects := map[string]int{}
	for _, n := range p.Nodes {
		if n.Requirement {
			subjects[n.Subject]++
		}
	}
	// Subject counts from the domain notes (seed-002.md §1).
	for s, want := range map[string]int{
		"情報システムセキュリティ責任者":                167,
		"行政事務従事者":                        106,
		"統括情報セキュリティ責任者":                  37,
		"情報システムセキュリティ管理者":                31,
		"最高情報セキュリティ責任者":                  16,
		"情報セキュリティ責任者":                    13,
		"情報システムセキュリティ責任者又は課室情報セキュリティ責任者": 13,
		"情報システムセキュリティ責任者及び課室情報セキュリティ責任者": 9,
		"権限管理を行う者":                       9,
	} {
		if subjects[s] != want {
			t.Errorf("subject %s: %d requirements, want %d", s, subjects[s], want)
		}
	}
	if len(p.Warnings) == 0 {
		t.Error("expected a warning about the missing heading of 1.1.1.1")
	}
}

func TestDottedSeed000(t *testing.T) {
	p := jpParse(t, jpSeed(t, "000"))
	if p.Style != "dotted" {
		t.Fatalf("style %q", p.Style)
	}
	index := checkDottedTree(t, p.Nodes)
	if got := p.Requirements(); got != 378 {
		t.Errorf("requirements = %d, want 378", got)
	}
	items := 0
	for _, n := range p.Nodes {
		if n.Kind == catalog.KindItem {
			items++
		}
		if !n.Requirement {
			continue
		}
		if strings.HasPrefix(n.Ref, "1.") {
			t.Errorf("requirement %q in 第1部 総則", n.Ref)
		}
		if strings.ContainsAny(n.Text, "\n\u3000") {
			t.Errorf("requirement %q: text keeps a line break or ideographic space: %q", n.Ref, n.Text)
		}
	}
	if items != 384 {
		t.Errorf("%d (a)-level items, want 384 (378 requirements and 6 in 総則)", items)
	}
	i, ok := index["2.1.1(4)(a)"]
	if !ok {
		t.Fatal("2.1.1(4)(a) missing")
	}
	n := p.Nodes[i]
	if !strings.HasPrefix(n.Text, "最高情報セキュリティ責任者は、業務の特性等から") {
		t.Errorf("2.1.1(4)(a) text begins %q", n.Text)
	}
	if strings.ContainsAny(n.Text, " \t\n\r\u3000") {
		t.Errorf("2.1.1(4)(a) text holds blanks or line breaks: %q", n.Text)
	}
	if !strings.HasSuffix(n.Text, "統括情報セキュリティ責任者１人を選任すること。") {
		t.Errorf("2.1.1(4)(a) text ends %q", n.Text)
	}
	if n.Subject != "最高情報セキュリティ責任者" || n.Parent != "2.1.1(4)" || !n.Requirement {
		t.Errorf("2.1.1(4)(a): %+v", n)
	}
	for ref, title := range map[string]string{
		"第1部":       "総則",
		"第2部":       "情報セキュリティ対策の基本的枠組み",
		"第7部":       "情報システムのセキュリティ要件",
		"2.1":       "導入・計画",
		"2.1.1":     "組織・体制の整備",
		"8.1.1(8)":  "不正プログラム感染防止",
		"A.1.1":     "実施手順、実施要領等の策定",
		"1.3「運用規程」": "運用規程",
	} {
		i, ok := index[ref]
		if !ok {
			t.Errorf("node %q missing", ref)
			continue
		}
		if p.Nodes[i].Title != title {
			t.Errorf("node %q title %q, want %q", ref, p.Nodes[i].Title, title)
		}
	}
	// 目的・趣旨 becomes the text of its section.
	if s := p.Nodes[index["2.1.1"]].Text; !strings.HasPrefix(s, "情報セキュリティ対策は、") {
		t.Errorf("2.1.1 text begins %q", s)
	}
	terms := 0
	for _, n := range p.Nodes {
		if n.Kind == catalog.KindTerm {
			terms++
			if n.Parent != "1.3" || !strings.HasPrefix(n.Text, "「"+n.Title+"」とは") {
				t.Errorf("term %q: parent %q text %q", n.Ref, n.Parent, n.Text)
			}
		}
	}
	if terms < 25 {
		t.Errorf("%d glossary terms, want the ~30 of 1.3 用語定義", terms)
	}
	// Wrapped continuation lines that begin with a reference stay text.
	if _, bad := index["6.1.3(4)(b)(2)"]; bad {
		t.Error("a continuation line became a node")
	}
	for _, n := range p.Nodes {
		if strings.Contains(n.Text, "機密性１ 11") || n.Text == "11" {
			t.Errorf("node %q keeps a page footer", n.Ref)
		}
	}
	if miss := missingSubjects(p.Nodes); len(miss) > 0 {
		t.Errorf("%d requirements name a role before 「は、」 but have no subject: %v", len(miss), miss)
	}
}

func TestDottedSyntheticFullWidthAndTOC(t *testing.T) {
	// Invented text in the dotted style: a table of contents, full-width
	// numbering, a descriptive first part and a wrapped continuation line
	// that begins with a reference.
	src := strings.Join([]string{
		"目次",
		"第１部　総　則 ………… 1",
		"１．１　目的 ………… 1",
		"第２部　基本対策 …… 3",
		"２．１．１　体制 …… 3",
		"",
		"第１部　総　則",
		"１．１　目的",
		"（１）　趣旨",
		"（ａ）　この文書は架空の規程である。",
		"第２部　基本対策",
		"２．１．１　体制",
		"目的・趣旨",
		"体制を整える。",
		"遵守事項",
		"（１）　責任者の設置",
		"（ａ）　総括責任者は、",
		"(2)(b)で定める手順に従い担当者を１人置くこと。",
		"（ｂ）　担当者は、記録を残すこと。",
		"（ア）　日時",
		"（イ）　内容",
		"（２）　その他",
		"（ａ）　年１回見直すこと。",
	}, "\n")
	p := jpParse(t, []byte(src))
	if p.Style != "dotted" {
		t.Fatalf("style %q", p.Style)
	}
	index := checkDottedTree(t, p.Nodes)
	want := []string{"第1部", "1.1", "1.1(1)", "1.1(1)(a)", "第2部", "2.1.1", "2.1.1(1)", "2.1.1(1)(a)", "2.1.1(1)(b)", "2.1.1(1)(b)(ア)", "2.1.1(1)(b)(イ)", "2.1.1(2)", "2.1.1(2)(a)"}
	if len(p.Nodes) != len(want) {
		var got []string
		for _, n := range p.Nodes {
			got = append(got, n.Ref)
		}
		t.Fatalf("refs %v, want %v", got, want)
	}
	for i, ref := range want {
		if p.Nodes[i].Ref != ref {
			t.Errorf("node %d ref %q, want %q", i, p.Nodes[i].Ref, ref)
		}
	}
	if got := p.Requirements(); got != 3 {
		t.Errorf("requirements %d, want 3", got)
	}
	a := p.Nodes[index["2.1.1(1)(a)"]]
	if a.Text != "総括責任者は、\n(2)(b)で定める手順に従い担当者を１人置くこと。" && a.Text != "総括責任者は、(2)(b)で定める手順に従い担当者を１人置くこと。" {
		t.Errorf("2.1.1(1)(a) text %q", a.Text)
	}
	if a.Subject != "総括責任者" {
		t.Errorf("subject %q", a.Subject)
	}
	if n := p.Nodes[index["第1部"]]; n.Title != "総則" {
		t.Errorf("part title %q", n.Title)
	}
	if n := p.Nodes[index["2.1.1"]]; n.Text != "体制を整える。" || n.Title != "体制" {
		t.Errorf("section: %+v", n)
	}
	if n := p.Nodes[index["1.1(1)(a)"]]; n.Requirement {
		t.Error("item in 総則 marked as requirement")
	}
}

func TestDottedWithoutComplianceLabels(t *testing.T) {
	src := strings.Join([]string{
		"第1部 総則",
		"1.1 定義",
		"(1) 用語",
		"(a) 本規程で職員とは、常勤の者をいう。",
		"第2部 対策",
		"2.1 運用",
		"(1) 教育",
		"(a) 管理者は、教育を行うこと。",
		"(b) 職員は、教育を受けること。",
		"((2) 点検",
		"(a) 管理者は、点検を行うこと。",
	}, "\n")
	p := jpParse(t, []byte(src))
	checkDottedTree(t, p.Nodes)
	if got := p.Requirements(); got != 3 {
		t.Errorf("requirements %d, want 3", got)
	}
	found := false
	for _, n := range p.Nodes {
		if n.Ref == "2.1(2)(a)" {
			found = true
			if n.Subject != "管理者" {
				t.Errorf("subject %q", n.Subject)
			}
		}
	}
	if !found {
		t.Error("2.1(2)(a) missing (doubled parenthesis not tolerated)")
	}
}

func TestExtractSubject(t *testing.T) {
	cases := map[string]string{
		"統括情報セキュリティ責任者は、規程を整備すること。":                         "統括情報セキュリティ責任者",
		"情報システムセキュリティ責任者又は課室情報セキュリティ責任者は、確認すること。":           "情報システムセキュリティ責任者又は課室情報セキュリティ責任者",
		"CSIRTは、報告を受けること。":                                  "CSIRT",
		"役職員等は、遵守すること。":                                     "役職員等",
		"情報セキュリティ委員会は、審議すること。":                              "情報セキュリティ委員会",
		"要機密情報を扱う場合には、業務従事者は、暗号化すること。":                      "業務従事者",
		"統括情報セキュリティ責任者、情報セキュリティ責任者及び課室情報セキュリティ責任者は、連携すること。": "統括情報セキュリティ責任者、情報セキュリティ責任者及び課室情報セキュリティ責任者",
		"端末管理責任者等は、措置を講ずること。":                               "端末管理責任者等",
		"課室情報セキュリティ責任者は業務委託を行う場合には、確認すること。":                 "課室情報セキュリティ責任者",
		"最高情報セキュリティ責任者を１人置くこと。":                             "",
		"情報は、適切に管理すること。":                                    "",
		"この場合は、報告すること。":                                     "",
		"情報等は、保存すること。":                                      "",
		"":                                                  "",
		"は、":                                                "",
	}
	for in, want := range cases {
		if got := extractSubject(in); got != want {
			t.Errorf("extractSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScoreDottedIgnoresPlainSections(t *testing.T) {
	// Numbered sections alone (as in sample rulebooks) are no evidence.
	lines := []string{"1.1 目的", "1.2 範囲", "1.2.1 対象", "2.1 運用"}
	if s := scoreDotted(lines); s != 0 {
		t.Errorf("scoreDotted = %d, want 0", s)
	}
}
