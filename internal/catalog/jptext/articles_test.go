package jptext

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kitei/internal/catalog"
)

// structSeedDir finds shared/seeds beside the repository root by walking up
// from the package directory; it skips the test when the seeds are absent.
func structSeedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared", "seeds")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("seed directory shared/seeds not found; skipping seed test")
		}
		dir = parent
	}
}

// structSeedData reads the seed whose file name starts with prefix ("001").
func structSeedData(t testing.TB, prefix string) []byte {
	t.Helper()
	dir := structSeedDir(t)
	matches, _ := filepath.Glob(filepath.Join(dir, prefix+"_*.txt"))
	if len(matches) == 0 {
		t.Skipf("seed %s not found in %s", prefix, dir)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// structSeedLines decodes a seed and splits it into lines.
func structSeedLines(t testing.TB, prefix string) []string {
	t.Helper()
	text, _, err := Decode(structSeedData(t, prefix))
	if err != nil {
		t.Fatal(err)
	}
	return splitLines(text)
}

// checkTree asserts the general invariants: unique refs, parents listed
// before their children, no numbering-free empty refs.
func checkTree(t *testing.T, nodes []catalog.Node) map[string]catalog.Node {
	t.Helper()
	seen := make(map[string]catalog.Node, len(nodes))
	for _, n := range nodes {
		if n.Ref == "" {
			t.Errorf("node with empty ref: %+v", n)
		}
		if _, dup := seen[n.Ref]; dup {
			t.Errorf("duplicate ref %q", n.Ref)
		}
		if n.Parent != "" {
			if _, ok := seen[n.Parent]; !ok {
				t.Errorf("node %q: parent %q not listed before it", n.Ref, n.Parent)
			}
		}
		seen[n.Ref] = n
	}
	return seen
}

func countKind(nodes []catalog.Node, kind string) int {
	c := 0
	for _, n := range nodes {
		if n.Kind == kind {
			c++
		}
	}
	return c
}

func TestParseArticlesSeed001(t *testing.T) {
	lines := structSeedLines(t, "001")
	nodes, warnings := parseArticles(lines)
	if len(warnings) > 0 {
		t.Logf("warnings: %v", warnings)
	}
	byRef := checkTree(t, nodes)

	arts := 0
	for _, n := range nodes {
		if n.Kind != catalog.KindArticle || strings.HasPrefix(n.Ref, "附則") {
			continue
		}
		arts++
		want := "第" + strconv.Itoa(arts) + "条"
		if n.Ref != want {
			t.Fatalf("article %d has ref %q, want %q", arts, n.Ref, want)
		}
		if n.Title == "" {
			t.Errorf("%s has no heading", n.Ref)
		}
		if !n.Requirement {
			t.Errorf("%s not flagged as requirement", n.Ref)
		}
		if n.Text == "" {
			t.Errorf("%s has no text", n.Ref)
		}
		if _, ok := byRef[n.Ref+"第1項"]; !ok {
			t.Errorf("%s has no first paragraph", n.Ref)
		}
	}
	if arts != 156 {
		t.Errorf("got %d articles, want 156", arts)
	}
	reqs := 0
	for _, n := range nodes {
		if n.Requirement {
			reqs++
			if n.Kind != catalog.KindArticle {
				t.Errorf("%s (%s) flagged as requirement", n.Ref, n.Kind)
			}
		}
	}
	if reqs != 156 {
		t.Errorf("got %d requirements, want 156", reqs)
	}

	// Parts, chapters, sections: 8 parts, no node from the table of contents.
	if got := countKind(nodes, catalog.KindPart); got < 8 {
		t.Errorf("got %d parts, want at least 8", got)
	}
	for _, ref := range []string{"第1編", "第1編第1章", "第2編第1章第1節", "第8編第1章第3節"} {
		if _, ok := byRef[ref]; !ok {
			t.Errorf("missing container %s", ref)
		}
	}

	mustNode := func(ref string) catalog.Node {
		t.Helper()
		n, ok := byRef[ref]
		if !ok {
			t.Fatalf("missing node %s", ref)
		}
		return n
	}
	if n := mustNode("第1条"); n.Title != "目的" || n.Parent != "第1編第1章" {
		t.Errorf("第1条: title %q parent %q", n.Title, n.Parent)
	}
	if n := mustNode("第9条"); n.Parent != "第2編第1章第1節" {
		t.Errorf("第9条 parent %q", n.Parent)
	}
	p := mustNode("第2条第2項")
	if p.Kind != catalog.KindParagraph || p.Parent != "第2条" {
		t.Errorf("第2条第2項: %+v", p)
	}
	it := mustNode("第2条第2項第1号")
	if it.Kind != catalog.KindClause || it.Parent != "第2条第2項" || strings.HasPrefix(it.Text, "(") {
		t.Errorf("第2条第2項第1号: %+v", it)
	}
	if n := mustNode("第3条第1項第22号の2"); n.Title != "CYMAT" {
		t.Errorf("第3条第1項第22号の2 title %q", n.Title)
	}
	if n := mustNode("第3条第1項第1号"); n.Title != "部等" {
		t.Errorf("第3条第1項第1号 title %q", n.Title)
	}
	mustNode("第3条第1項第44号")

	// Cross-reference lines are references, never text.
	p1 := mustNode("第2条第1項")
	if len(p1.References) == 0 || p1.References[0] != "規程第3条第1項" {
		t.Errorf("第2条第1項 references %v", p1.References)
	}
	if a := mustNode("第2条"); len(a.References) == 0 {
		t.Errorf("第2条 lost its reference")
	}
	for _, n := range nodes {
		if strings.Contains(n.Text, "[") && strings.Contains(n.Text, "条") && strings.Contains(n.Text, "]") {
			if strings.Contains(n.Text, "[規程") || strings.Contains(n.Text, "[第") {
				t.Errorf("%s text holds a cross-reference line: %q", n.Ref, n.Text)
			}
		}
		if strings.HasPrefix(n.Text, "2 ") || strings.HasPrefix(n.Text, "第") && n.Kind == catalog.KindParagraph && strings.HasPrefix(n.Text, "第"+n.Parent) {
			t.Errorf("%s text keeps its numbering: %q", n.Ref, n.Text)
		}
	}
	if it := mustNode("第3条第1項第7号"); len(it.References) != 1 || it.References[0] != "規程第2条第3号" {
		t.Errorf("第3条第1項第7号 references %v", it.References)
	}

	// Supplementary provisions do not clash with body articles.
	suppl := 0
	for _, n := range nodes {
		if strings.HasPrefix(n.Ref, "附則") && n.Kind == catalog.KindPart {
			suppl++
		}
	}
	if suppl != 9 {
		t.Errorf("got %d 附則 blocks, want 9", suppl)
	}

	// Subjects are taken from the first paragraph when it names a role.
	if n := mustNode("第153条"); n.Subject == "" && subjectOf("統括情報セキュリティ責任者は、定める。") != "" {
		t.Errorf("第153条 has no subject")
	}
}

func TestScoreArticles(t *testing.T) {
	dir := structSeedDir(t)
	_ = dir
	own := scoreArticles(structSeedLines(t, "001"))
	if own < 1000 {
		t.Errorf("score on 001 = %d, want high", own)
	}
	for _, other := range []string{"000", "002", "003", "004"} {
		if sc := scoreArticles(structSeedLines(t, other)); sc*10 > own {
			t.Errorf("score on %s = %d, too close to 001's %d", other, sc, own)
		}
	}
}

func TestParseArticlesSmall(t *testing.T) {
	src := strings.Join([]string{
		"目次",
		"第1章 総則(第1条・第2条)",
		"第2章 雑則(第3条)",
		"第1章 総則",
		"(目的)",
		"第１条 この規程は、情報を守ることを目的とする。",
		"[規程第3条第1項]",
		"２ 職員は、この規程を守る。",
		"(１) 一つ目",
		"ア 細目",
		"(2) 二つ目",
		"第2条 総務課長は、点検する。",
		"附 則",
		"1 この規程は、令和元年から施行する。",
	}, "\n")
	nodes, _ := parseArticles(splitLines(src))
	byRef := checkTree(t, nodes)
	if nodes[0].Ref != "第1章" || nodes[0].Title != "総則" || countKind(nodes, catalog.KindChapter) != 1 {
		t.Errorf("table of contents not skipped: %v", refsOf(nodes))
	}
	for _, ref := range []string{"第1章", "第1条", "第1条第1項", "第1条第2項", "第1条第2項第1号",
		"第1条第2項第1号ア", "第1条第2項第2号", "第2条", "附則", "附則第1項"} {
		if _, ok := byRef[ref]; !ok {
			t.Errorf("missing %s; have %v", ref, refsOf(nodes))
		}
	}
	if n := byRef["第1条"]; n.Title != "目的" || n.Text != "この規程は、情報を守ることを目的とする。" {
		t.Errorf("第1条 = %+v", n)
	}
	if n := byRef["第1条第2項"]; n.Text != "職員は、この規程を守る。" {
		t.Errorf("第1条第2項 text %q", n.Text)
	}
	if n := byRef["第2条"]; n.Title != "目的" {
		t.Errorf("第2条 should share the heading above 第1条 only when none of its own: %q", n.Title)
	}
}

func refsOf(nodes []catalog.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Ref
	}
	return out
}

func TestParseDetectsArticles(t *testing.T) {
	p, err := Parse(structSeedData(t, "001"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Style != "articles" {
		t.Fatalf("style %q, want articles", p.Style)
	}
	checkTree(t, p.Nodes)
	if got := p.Requirements(); got != 156 {
		t.Errorf("got %d requirements, want 156", got)
	}
	byRef := map[string]catalog.Node{}
	for _, n := range p.Nodes {
		byRef[n.Ref] = n
	}
	if n := byRef["第24条"]; n.Title != "例外措置手続の整備" || n.Subject != "最高情報セキュリティ責任者" {
		t.Errorf("第24条 = %+v", n)
	}
	if _, ok := byRef["第2条第2項第1号"]; !ok {
		t.Errorf("第2条第2項第1号 missing")
	}
}

// FuzzStructParsers feeds arbitrary text to the articles, chapters and
// guideline parsers directly (Parse would pick only one of them).
func FuzzStructParsers(f *testing.F) {
	for _, s := range []string{
		"第1条 本則\n(目的)\n第2条 x\n2 y\n(1) z\nア w\n[第1条]\n附則\n1 a",
		" 1 総則 改訂日 2024.01.01\n1.目的\n1.1 定義\n1.次\n２\n名\n改訂日 x\nNo. a",
		"Ⅰ 序\n（１）柱\nア 体制\n（ア） 組織 【要検討事\n項】\n○群\n・例\n 4 \n",
		"[", "(", "第", "【", "1.", "（", "○", "・", "改訂日", "附則", "No. ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := splitLines(s)
		for _, parse := range []func([]string) ([]catalog.Node, []string){parseArticles, parseChapters, parseGuideline} {
			nodes, _ := parse(lines)
			seen := map[string]bool{}
			for _, n := range nodes {
				if seen[n.Ref] {
					t.Fatalf("duplicate ref %q", n.Ref)
				}
				if n.Parent != "" && !seen[n.Parent] {
					t.Fatalf("parent %q of %q not before it", n.Parent, n.Ref)
				}
				seen[n.Ref] = true
			}
		}
		scoreArticles(lines)
		scoreChapters(lines)
		scoreGuideline(lines)
	})
}
