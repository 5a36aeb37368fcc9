package crosswalk

import (
	"slices"
	"strings"
	"testing"

	"kitei/internal/catalog"
)

func TestDiffText(t *testing.T) {
	cases := []struct{ a, b string }{
		{"", ""},
		{"統括情報セキュリティ責任者は、定めること。", "統括情報セキュリティ責任者は、速やかに定めること。"},
		{"例外措置の申請を審査すること。", "例外措置の適用の申請を審査し、記録すること。"},
		{"abc", "xyz"},
		{"府省庁", ""},
		{"", "研究所"},
		{"情報の格付けの区分", "情報の格付の区分及び取扱制限"},
	}
	for _, c := range cases {
		ops := DiffText(c.a, c.b)
		if got := Apply(ops, OpDelete); got != c.a {
			t.Errorf("%q→%q: old side %q", c.a, c.b, got)
		}
		if got := Apply(ops, OpInsert); got != c.b {
			t.Errorf("%q→%q: new side %q", c.a, c.b, got)
		}
		for i := 1; i < len(ops); i++ {
			if ops[i].Kind == ops[i-1].Kind {
				t.Errorf("%q→%q: unmerged ops %v", c.a, c.b, ops)
			}
		}
	}
	// A pure insertion is one insert between two equal runs.
	ops := DiffText(cases[1].a, cases[1].b)
	if len(ops) != 3 || ops[1] != (Op{OpInsert, "速やかに"}) {
		t.Errorf("insertion: %v", ops)
	}
	// Minimal: replacing one character is one delete and one insert.
	ops = DiffText("機密性２情報", "機密性３情報")
	if len(ops) != 4 || ops[1] != (Op{OpDelete, "２"}) || ops[2] != (Op{OpInsert, "３"}) {
		t.Errorf("replacement: %v", ops)
	}
}

func TestDiffTextLong(t *testing.T) {
	a := strings.Repeat("情報セキュリティ", 400)
	b := strings.Repeat("サイバーセキュリティ", 400)
	ops := DiffText(a, b)
	if Apply(ops, OpDelete) != a || Apply(ops, OpInsert) != b {
		t.Fatal("long diff does not rebuild both sides")
	}
}

func TestCompareRefs(t *testing.T) {
	refs := []string{"第10条", "第9条", "1.2.10", "1.2.9", "1.2.9(1)(b)", "1.2.9(1)(a)", "第9条第2項"}
	slices.SortFunc(refs, compareRefs)
	want := []string{"1.2.9", "1.2.9(1)(a)", "1.2.9(1)(b)", "1.2.10", "第9条", "第9条第2項", "第10条"}
	if !slices.Equal(refs, want) {
		t.Errorf("sorted %v", refs)
	}
}

// rename replaces the ref prefix old by new in a node and its parent.
func rename(n catalog.Node, from, to string) catalog.Node {
	if strings.HasPrefix(n.Ref, from) {
		n.Ref = to + strings.TrimPrefix(n.Ref, from)
	}
	if strings.HasPrefix(n.Parent, from) {
		n.Parent = to + strings.TrimPrefix(n.Parent, from)
	}
	return n
}

func letter(i int) string { return "(" + string(rune('a'+i)) + ")" }

// TestEditionDiffSeed makes a second edition of seed 002 by editing one
// item, deleting one (its followers renumbered up), inserting one (its
// followers renumbered down) and renumbering a whole section, then checks
// the diff reports exactly those changes and the derived items linked to
// them.
func TestEditionDiffSeed(t *testing.T) {
	old := seedNodes(t, "002")
	byRef := map[string]catalog.Node{}
	for _, n := range old {
		byRef[n.Ref] = n
	}
	const (
		edited  = "1.2.1.1(2)(b)"
		delHead = "1.2.1.1(4)" // (b) deleted, (c)…(f) become (b)…(e)
		insHead = "1.2.2.1(1)" // a new (b) inserted, (b)… become (c)…
		renSec  = "2.3.1.1"    // renumbered to 2.3.1.2
		renTo   = "2.3.1.2"
	)
	for _, r := range []string{edited, delHead + "(f)", insHead + "(c)", renSec} {
		if _, ok := byRef[r]; !ok {
			t.Fatalf("seed 002 has no %s", r)
		}
	}
	within := func(ref, prefix string) bool { return ref == prefix || strings.HasPrefix(ref, prefix+"(") }

	wantChanged := []string{edited}
	var wantRemoved, wantAdded []string
	wantMoved := map[string]string{} // old ref → new ref
	var next []catalog.Node
	insCount := 0
	for _, n := range byRef {
		if n.Parent == insHead {
			insCount++
		}
	}
	for _, n := range old {
		switch {
		case n.Ref == edited:
			n.Text = strings.Replace(n.Text, "、", "、速やかに", 1)
		case within(n.Ref, delHead+"(b)"):
			wantRemoved = append(wantRemoved, n.Ref)
			continue
		case strings.HasPrefix(n.Ref, delHead+"(") && n.Ref != delHead:
			for i := 2; i < 26; i++ {
				if within(n.Ref, delHead+letter(i)) {
					m := rename(n, delHead+letter(i), delHead+letter(i-1))
					wantMoved[n.Ref] = m.Ref
					n = m
					break
				}
			}
		case strings.HasPrefix(n.Ref, insHead+"(") && !within(n.Ref, insHead+"(a)"):
			for i := 25; i >= 1; i-- {
				if within(n.Ref, insHead+letter(i)) {
					m := rename(n, insHead+letter(i), insHead+letter(i+1))
					wantMoved[n.Ref] = m.Ref
					n = m
					break
				}
			}
		case n.Ref == renSec || strings.HasPrefix(n.Ref, renSec+"("):
			m := rename(n, renSec, renTo)
			wantMoved[n.Ref] = m.Ref
			n = m
		}
		next = append(next, n)
		if n.Ref == insHead+"(a)" {
			add := catalog.Node{Ref: insHead + "(b)", Parent: insHead, Kind: catalog.KindItem, Requirement: true,
				Subject: "統括情報セキュリティ責任者", Text: "統括情報セキュリティ責任者は、標的型攻撃に関する訓練を毎年実施すること。"}
			next = append(next, add)
			wantAdded = append(wantAdded, add.Ref)
		}
	}
	if err := catalog.Validate(next); err != nil {
		t.Fatalf("second edition invalid: %v", err)
	}

	// Links from a derived catalog (edition 9) into the old edition.
	const derived = 9
	link := func(from, to, status string) Link {
		return Link{FromCatalog: 5, FromEdition: derived, FromRef: from, ToCatalog: 1, ToEdition: 1, ToRef: to,
			Kind: KindDerivedFrom, Status: status}
	}
	links := []Link{
		link("第24条", edited, StatusConfirmed),
		link("第25条", delHead+"(b)", StatusConfirmed),
		link("第26条", delHead+"(b)", StatusRejected), // rejected: not touched
		link("第27条", delHead+"(d)", StatusSuggested),
		link("第28条", renSec+"(1)(a)", StatusConfirmed),
		link("第29条", "1.2.1.1(1)(a)", StatusConfirmed), // unchanged: not touched
		link("第24条", insHead+"(b)", StatusConfirmed),
	}

	changes, touched := DiffEditions(old, next, links)
	got := map[string][]string{}
	gotMoved := map[string]string{}
	for _, c := range changes {
		switch c.Type {
		case ChangeMoved:
			gotMoved[c.OldRef] = c.NewRef
			if c.OldText != c.NewText {
				t.Errorf("moved %s→%s with a different text", c.OldRef, c.NewRef)
			}
		case ChangeAdded:
			got[c.Type] = append(got[c.Type], c.NewRef)
		default:
			got[c.Type] = append(got[c.Type], c.OldRef)
		}
		if c.Type == ChangeChanged {
			if Apply(c.Inline, OpDelete) != joinTitle(byRef[c.OldRef]) || !slices.Contains(c.Inline, Op{OpInsert, "速やかに"}) {
				t.Errorf("inline diff of %s: %v", c.OldRef, c.Inline)
			}
		}
	}
	for typ, want := range map[string][]string{ChangeChanged: wantChanged, ChangeRemoved: wantRemoved, ChangeAdded: wantAdded} {
		slices.Sort(want)
		g := got[typ]
		slices.Sort(g)
		if !slices.Equal(g, want) {
			t.Errorf("%s: got %v, want %v", typ, g, want)
		}
	}
	if len(gotMoved) != len(wantMoved) {
		t.Errorf("moved: %d, want %d", len(gotMoved), len(wantMoved))
	}
	for o, n := range wantMoved {
		if gotMoved[o] != n {
			t.Errorf("moved %s: got %q, want %q", o, gotMoved[o], n)
		}
	}
	var touchedRefs []string
	for _, ti := range touched {
		touchedRefs = append(touchedRefs, ti.Ref)
	}
	if want := []string{"第24条", "第25条", "第27条", "第28条"}; !slices.Equal(touchedRefs, want) {
		t.Errorf("touched %v, want %v", touchedRefs, want)
	}
	t.Logf("%d changes: %d moved, %v", len(changes), len(gotMoved), got)
}
