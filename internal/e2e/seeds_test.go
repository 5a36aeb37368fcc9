package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"kitei/internal/catalog"
	"kitei/internal/testshared"
)

type shown struct {
	ID    int64          `json:"id"`
	Name  string         `json:"name"`
	Nodes []catalog.Node `json:"nodes"`
}

// TestSeedCountsThroughCLI checks the figures through the contract
// of DESIGN.md §4: `catalog import --json` then `catalog show ID --json`.
func TestSeedCountsThroughCLI(t *testing.T) {
	seeds := testshared.Seeds(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "kitei.db")
	show := func(file string) shown {
		var imp struct {
			ID           int64 `json:"id"`
			Requirements int   `json:"requirements"`
		}
		out := kitei(t, "catalog", "import", filepath.Join(seeds, file), "--json", "--db", dsn)
		if err := json.Unmarshal([]byte(out), &imp); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var s shown
		if err := json.Unmarshal([]byte(kitei(t, "catalog", "show", itoa(imp.ID), "--json", "--db", dsn)), &s); err != nil {
			t.Fatal(err)
		}
		if n := countReq(s.Nodes); n != imp.Requirements {
			t.Errorf("%s: import says %d requirements, show has %d", file, imp.Requirements, n)
		}
		return s
	}
	byRef := func(s shown) map[string]catalog.Node {
		m := map[string]catalog.Node{}
		for _, n := range s.Nodes {
			m[n.Ref] = n
		}
		return m
	}

	s002 := show("002_ea0d584469b154be.txt")
	if n := countReq(s002.Nodes); n != 426 {
		t.Errorf("002: %d requirements, want 426", n)
	}
	if n := byRef(s002)["1.2.1.1(1)(a)"]; n.Text != "最高情報セキュリティ責任者を１人置くこと。" || !n.Requirement {
		t.Errorf("002 1.2.1.1(1)(a) = %+v", n)
	}
	for _, n := range s002.Nodes {
		if n.Requirement {
			if n.Ref != "1.2.1.1(1)(a)" {
				t.Errorf("002: first requirement is %s", n.Ref)
			}
			break
		}
	}

	s000 := show("000_666dad1990f509b5.txt")
	if n := countReq(s000.Nodes); n != 378 {
		t.Errorf("000: %d requirements, want 378", n)
	}
	n := byRef(s000)["2.1.1(4)(a)"]
	if !strings.HasPrefix(n.Text, "最高情報セキュリティ責任者は、業務の特性等から") || strings.ContainsAny(n.Text, " \u3000\n\r\t") {
		t.Errorf("000 2.1.1(4)(a) = %q", n.Text)
	}
	for _, s := range []shown{s002, s000} {
		for _, n := range s.Nodes {
			head := []rune(n.Text)
			if len(head) > 40 {
				head = head[:40]
			}
			if n.Requirement && strings.Contains(string(head), "は、") && n.Subject == "" {
				t.Errorf("%s: requirement names a role but has no subject: %q", n.Ref, n.Text)
			}
		}
	}

	s001 := show("001_a03fd608d9865302.txt")
	m001 := byRef(s001)
	articles := 0
	for _, n := range s001.Nodes {
		if n.Kind == catalog.KindArticle && !strings.HasPrefix(n.Ref, "附則") {
			articles++
		}
	}
	if articles != 156 || m001["第1条"].Title != "目的" || m001["第156条"].Ref == "" {
		t.Errorf("001: %d articles, 第1条 title %q", articles, m001["第1条"].Title)
	}
	if p := m001["第2条第2項第1号"]; p.Parent != "第2条第2項" {
		t.Errorf("001: 第2条第2項第1号 = %+v", p)
	}
	refs := 0
	for _, n := range s001.Nodes {
		if strings.Contains(n.Text, "[規程") {
			t.Errorf("001 %s: cross-reference left in the text: %q", n.Ref, n.Text)
		}
		refs += len(n.References)
	}
	if refs == 0 {
		t.Error("001: no cross-references kept")
	}

	s004 := show("004_fb161a60b58e45be.txt")
	items, cats, examples := 0, map[string]int{}, 0
	for _, n := range s004.Nodes {
		if n.Requirement {
			items++
			cats[n.Category]++
		}
		if n.Kind == catalog.KindExample {
			examples++
		}
	}
	if items != 24 || cats["要検討事項"] != 22 || cats["参考事項"] != 2 || examples < 380 || examples > 400 {
		t.Errorf("004: %d items %v, %d examples", items, cats, examples)
	}

	s003 := show("003_3404daed23a594b7.txt")
	chapters := 0
	nested := 0
	parentKind := map[string]string{}
	for _, n := range s003.Nodes {
		parentKind[n.Ref] = n.Kind
		if n.Kind == catalog.KindChapter {
			chapters++
		}
		if n.Kind == catalog.KindSection && parentKind[n.Parent] == catalog.KindSection {
			nested++
		}
	}
	if chapters != 11 || nested == 0 {
		t.Errorf("003: %d chapters, %d nested subsections", chapters, nested)
	}
}

func countReq(nodes []catalog.Node) int {
	n := 0
	for _, x := range nodes {
		if x.Requirement {
			n++
		}
	}
	return n
}

func itoa(i int64) string {
	b, _ := json.Marshal(i)
	return string(b)
}
