package policy

import (
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

func tree() []Node {
	mk := func(ref, parent, kind, text string) Node {
		return Node{Node: catalog.Node{Ref: ref, Parent: parent, Kind: kind, Text: text, Requirement: kind == catalog.KindItem}}
	}
	return []Node{
		mk("1", "", catalog.KindChapter, "総則"),
		mk("1.1", "1", catalog.KindSection, "目的"),
		mk("1.1(a)", "1.1", catalog.KindItem, "甲"),
		mk("1.1(b)", "1.1", catalog.KindItem, "乙"),
		mk("1.2", "1", catalog.KindSection, "体制"),
		mk("1.2(a)", "1.2", catalog.KindItem, "丙"),
		mk("2", "", catalog.KindChapter, "運用"),
	}
}

func refs(ns []Node) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Ref+"<"+n.Parent)
	}
	return strings.Join(out, " ")
}

func TestApplyEdit(t *testing.T) {
	// Renumbering a section carries its children and their parents.
	ns, ch, err := applyEdit(tree(), Edit{Op: ActRenumber, Ref: "1.2", NewRef: "1.3"})
	if err != nil || ch.OldRef != "1.2" || ch.Ref != "1.3" {
		t.Fatal(err, ch)
	}
	if got := refs(ns); got != "1< 1.1<1 1.1(a)<1.1 1.1(b)<1.1 1.3<1 1.3(a)<1.3 2<" {
		t.Errorf("renumbered: %s", got)
	}
	// Moving a section with its items under chapter 2.
	ns, _, err = applyEdit(tree(), Edit{Op: ActMove, Ref: "1.1", Parent: "2"})
	if err != nil || ValidateNodes(ns) != nil {
		t.Fatal(err)
	}
	if got := refs(ns); got != "1< 1.2<1 1.2(a)<1.2 2< 1.1<2 1.1(a)<1.1 1.1(b)<1.1" {
		t.Errorf("moved: %s", got)
	}
	// Moving after a sibling.
	ns, _, _ = applyEdit(tree(), Edit{Op: ActMove, Ref: "1.1(a)", Parent: "1.1", After: "1.1(b)"})
	if got := refs(ns); !strings.Contains(got, "1.1(b)<1.1 1.1(a)<1.1") {
		t.Errorf("reordered: %s", got)
	}
	// Adding after a sibling keeps document order (after its subtree).
	ns, _, err = applyEdit(tree(), Edit{Op: ActAdd, Ref: "1.1(c)", Parent: "1.1", After: "1.1(b)", Text: "丁"})
	if err != nil || !strings.Contains(refs(ns), "1.1(b)<1.1 1.1(c)<1.1 1.2<1") {
		t.Errorf("added: %s %v", refs(ns), err)
	}
	// Deleting a section deletes its items.
	ns, _, _ = applyEdit(tree(), Edit{Op: ActDelete, Ref: "1.1"})
	if got := refs(ns); strings.Contains(got, "1.1") {
		t.Errorf("deleted: %s", got)
	}
	for _, bad := range []struct {
		e    Edit
		code apperr.Code
	}{
		{Edit{Op: ActMove, Ref: "1", Parent: "1.1"}, apperr.Invalid},
		{Edit{Op: ActAdd, Ref: "1.1(a)", Text: "x"}, apperr.Conflict},
		{Edit{Op: ActAdd, Ref: "9", Parent: "8", Text: "x"}, apperr.Invalid},
		{Edit{Op: ActAdd, Ref: "9"}, apperr.Invalid},
		{Edit{Op: ActRenumber, Ref: "1.1", NewRef: "1.2"}, apperr.Conflict},
		{Edit{Op: ActReword, Ref: "9.9", Text: "x"}, apperr.NotFound},
		{Edit{Op: "rewrite", Ref: "1"}, apperr.Invalid},
	} {
		if _, _, err := applyEdit(tree(), bad.e); !apperr.Is(err, bad.code) {
			t.Errorf("%+v: %v, want %s", bad.e, err, bad.code)
		}
	}
}

func TestTailorFillsEverywhere(t *testing.T) {
	nodes := []catalog.Node{
		{Ref: "1", Kind: catalog.KindChapter, Title: "組織", Text: "改訂日 20yy.mm.dd"},
		{Ref: "1.1", Parent: "1", Kind: catalog.KindSection, Title: "当社の体制", Text: "システム管理者は、○○システムを管理する。当社は委員会を置く。", Subject: "システム管理者", Requirement: true},
		{Ref: "1.2", Parent: "1", Kind: catalog.KindSection, Text: "パスワードは 12 文字以上とする。※編集時注意：禁止する場合は削除してください。"},
		{Ref: "2", Kind: catalog.KindChapter, Title: "テレワーク", Text: "当社の従業員は、○○システムを使う。"},
		{Ref: "2.1", Parent: "2", Kind: catalog.KindSection, Text: "システム管理者の許可を得る。"},
	}
	ph := Placeholders(nodes)
	count := map[string]int{}
	kind := map[string]string{}
	for _, p := range ph {
		count[p.Token], kind[p.Token] = p.Count, p.Kind
	}
	if count["当社"] != 3 || kind["当社"] != FillOrg || count["システム管理者"] != 3 || kind["システム管理者"] != FillRole ||
		count["○○システム"] != 2 || count["20yy.mm.dd"] != 1 || kind["12 文字以上"] != FillNumber {
		t.Errorf("placeholders = %+v", ph)
	}
	out := Tailor(nodes, Tailoring{Values: map[string]string{"当社": "宇宙株式会社", "システム管理者": "情報システム課長",
		"○○システム": "衛星管制システム", "12 文字以上": "14 文字以上", "20yy.mm.dd": ""}, Drop: []string{"2"}, DropNotes: true})
	if len(out) != 3 {
		t.Fatalf("chapter 2 not dropped: %s", refs(out))
	}
	joined := ""
	for _, n := range out {
		joined += n.Title + "|" + n.Text + "|" + n.Subject + "\n"
	}
	for _, gone := range []string{"当社", "システム管理者", "○○", "12 文字", "※編集時注意"} {
		if strings.Contains(joined, gone) {
			t.Errorf("%q left in:\n%s", gone, joined)
		}
	}
	if strings.Count(joined, "宇宙株式会社") != 2 || strings.Count(joined, "情報システム課長") != 2 || !strings.Contains(joined, "20yy.mm.dd") {
		t.Errorf("tailored:\n%s", joined)
	}
}
