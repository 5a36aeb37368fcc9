package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Small rulebooks of our own in the dotted style: a standard in two
// editions and a policy derived from it.
const (
	stdV1 = "第1部 総則\n1.1 目的\n(1) 目的\n(a) この基準は目的を定める。\n第2部 組織\n2.1 体制\n(1) 責任者の設置\n" +
		"(a) 最高情報セキュリティ責任者は、統括情報セキュリティ責任者を置くこと。\n" +
		"(b) 統括情報セキュリティ責任者は、例外措置の審査手続を定めること。\n" +
		"(2) 教育\n(a) 統括情報セキュリティ責任者は、教育実施計画を策定すること。\n" +
		"(b) 行政事務従事者は、教育を受講すること。\n"
	stdV2 = "第1部 総則\n1.1 目的\n(1) 目的\n(a) この基準は目的を定める。\n第2部 組織\n2.1 体制\n(1) 責任者の設置\n" +
		"(a) 最高情報セキュリティ責任者は、統括情報セキュリティ責任者を１人置くこと。\n" +
		"(b) 統括情報セキュリティ責任者は、例外措置の審査手続を定めること。\n" +
		"(2) 教育\n(a) 統括情報セキュリティ責任者は、標的型攻撃の訓練を実施すること。\n" +
		"(b) 統括情報セキュリティ責任者は、教育実施計画を策定すること。\n" +
		"(c) 行政事務従事者は、教育を受講すること。\n"
	policy = "第1部 総則\n1.1 目的\n(1) 目的\n(a) この規程は研究所の目的を定める。\n第2部 組織\n2.1 体制\n(1) 責任者\n" +
		"(a) 最高情報セキュリティ責任者は、研究所に統括情報セキュリティ責任者を置くこと。\n" +
		"(2) 教育\n(a) 統括情報セキュリティ責任者は、研究所の教育実施計画を策定すること。\n" +
		"(b) 業務従事者は、教育を受講すること。\n"
)

func importText(t *testing.T, db, dir, name, text string) int64 {
	t.Helper()
	src := filepath.Join(dir, name+strconv.Itoa(len(text))+".txt")
	if err := os.WriteFile(src, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "catalog", "import", src, "--json", "--db", db, "--name", name)
	if code != 0 {
		t.Fatalf("import %s: %d %s", name, code, errOut)
	}
	var s struct{ ID int64 }
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func TestCrosswalkCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "k.db")
	std := importText(t, db, dir, "基準", stdV1)
	pol := importText(t, db, dir, "方針", policy)
	P, S := strconv.FormatInt(pol, 10), strconv.FormatInt(std, 10)

	code, out, errOut := run(t, "crosswalk", "suggest", P, S, "--top", "1", "--json", "--save", "--db", db)
	if code != 0 {
		t.Fatalf("suggest: %d %s", code, errOut)
	}
	var sugg []map[string]any
	if err := json.Unmarshal([]byte(out), &sugg); err != nil {
		t.Fatalf("suggest output: %v\n%s", err, out)
	}
	top := map[string]string{}
	for _, s := range sugg {
		if len(s) != 3 || s["score"] == nil {
			t.Errorf("suggestion shape %v", s)
		}
		top[s["from"].(string)] = s["to"].(string)
	}
	for from, to := range map[string]string{"2.1(1)(a)": "2.1(1)(a)", "2.1(2)(a)": "2.1(2)(a)", "2.1(2)(b)": "2.1(2)(b)"} {
		if top[from] != to {
			t.Errorf("top suggestion for %s = %q, want %s", from, top[from], to)
		}
	}
	// Threshold 1 leaves nothing, printed as an empty array.
	if code, out, _ := run(t, "crosswalk", "suggest", P, S, "--threshold", "1", "--json", "--db", db); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("threshold 1: %d %q", code, out)
	}

	// Review: confirm all stored suggestions above a low score, reject one.
	if code, out, errOut := run(t, "crosswalk", "confirm", P, S, "--above", "0.05", "--json", "--db", db); code != 0 || !strings.Contains(out, `"confirmed"`) {
		t.Fatalf("bulk confirm: %d %s %s", code, out, errOut)
	}
	code, out, _ = run(t, "crosswalk", "links", P, S, "--json", "--db", db)
	var links []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &links) != nil || len(links) == 0 {
		t.Fatalf("links: %d %s", code, out)
	}
	var rejectID string
	for _, l := range links {
		if l["from_ref"] == "2.1(2)(b)" {
			rejectID = strconv.FormatFloat(l["id"].(float64), 'f', 0, 64)
		}
	}
	if code, out, errOut := run(t, "crosswalk", "reject", rejectID, "--note", "対象が違う", "--db", db); code != 0 || !strings.Contains(out, "rejected") {
		t.Fatalf("reject: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "crosswalk", "confirm", P, S, "--from-ref", "9.9", "--to-ref", "2.1(1)(b)", "--db", db); code == 0 || !strings.Contains(errOut, "no node") {
		t.Errorf("confirm unknown ref: %d %s", code, errOut)
	}

	// Gaps: 2.1(1)(b) and, after the rejection, 2.1(2)(b) are not covered.
	xlsx := filepath.Join(dir, "gaps.xlsx")
	code, out, errOut = run(t, "crosswalk", "gaps", S, P, "--json", "--xlsx", xlsx, "--db", db)
	if code != 0 {
		t.Fatalf("gaps: %d %s", code, errOut)
	}
	var rep struct {
		Total, Covered int
		Sections       []struct {
			Ref  string
			Gaps []struct{ Ref string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var gaps []string
	for _, s := range rep.Sections {
		for _, g := range s.Gaps {
			gaps = append(gaps, g.Ref)
		}
	}
	if rep.Total != 4 || strings.Join(gaps, " ") != "2.1(1)(b) 2.1(2)(b)" {
		t.Errorf("gaps: total %d, gaps %v", rep.Total, gaps)
	}
	if st, err := os.Stat(xlsx); err != nil || st.Size() == 0 {
		t.Errorf("xlsx not written: %v", err)
	}

	// A second edition of the standard, then the diff.
	if importText(t, db, dir, "基準", stdV2) != std {
		t.Fatal("second edition went to another catalog")
	}
	code, out, errOut = run(t, "catalog", "diff", S+"@1", S+"@2", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("diff: %d %s", code, errOut)
	}
	var d struct {
		Counts  map[string]int
		Changes []struct {
			Type, OldRef, NewRef string
			Touched              []struct{ FromRef string } `json:"touched"`
		}
		Touched []struct{ Ref string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("diff output: %v\n%s", err, out)
	}
	if d.Counts["changed"] != 1 || d.Counts["added"] != 1 || d.Counts["moved"] != 2 || d.Counts["removed"] != 0 {
		t.Errorf("diff counts %v", d.Counts)
	}
	var touched []string
	for _, x := range d.Touched {
		touched = append(touched, x.Ref)
	}
	// 2.1(1)(a) changed; (2)(a) and (2)(b) moved; the rejected link of
	// 2.1(2)(b) does not count.
	if strings.Join(touched, " ") != "2.1(1)(a) 2.1(2)(a)" {
		t.Errorf("touched %v\n%s", touched, out)
	}
	if code, out, _ := run(t, "catalog", "diff", S+"@1", S+"@2", "--db", db); code != 0 || !strings.Contains(out, "{+１人+}") {
		t.Errorf("text diff: %d %s", code, out)
	}
	if code, _, errOut := run(t, "catalog", "diff", S+"@1", S+"@7", "--db", db); code == 0 || !strings.Contains(errOut, "no edition 7") {
		t.Errorf("unknown edition: %d %s", code, errOut)
	}
	if code, _, _ := run(t, "crosswalk", "suggest", P, "--db", db); code != 2 {
		t.Errorf("suggest with one catalog: exit %d, want 2", code)
	}
}
