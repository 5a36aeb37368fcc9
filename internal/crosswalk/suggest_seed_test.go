package crosswalk

import (
	"slices"
	"strings"
	"testing"
)

// TestPrecision001To000 checks the top suggestion of every labelled 001
// article against the 000 items a reader chose (testdata/labels_001_000.tsv).
func TestPrecision001To000(t *testing.T) {
	from, to := seedNodes(t, "001"), seedNodes(t, "000")
	labels := readLabels(t, "testdata/labels_001_000.tsv")
	if len(labels) < 60 {
		t.Fatalf("only %d labels", len(labels))
	}
	top := map[string]Suggestion{}
	for _, s := range Suggest(from, to, Options{Top: 1}) {
		top[s.From] = s
	}
	hits := 0
	for ref, want := range labels {
		got, ok := top[ref]
		if ok && slices.Contains(want, got.To) {
			hits++
			continue
		}
		t.Logf("%s: top %s (%.3f), labelled %s", ref, got.To, got.Score, strings.Join(want, ","))
	}
	p := float64(hits) / float64(len(labels))
	t.Logf("precision of the top suggestion: %d/%d = %.3f", hits, len(labels), p)
	if p < 0.9 {
		t.Errorf("precision %.3f < 0.9", p)
	}
}

// TestGuideline004To002Sections checks that the best suggestion for each
// obviously placed item of the critical-infrastructure guideline (004)
// falls in the section of the unified standard (002) on the same subject.
// Two items are left out: (1)ア(イ) 人材の育成 and (2)イ(ア) 保護すべき情報の類型化
// share almost no vocabulary with any 002 section, and a reader could place
// them in more than one.
func TestGuideline004To002Sections(t *testing.T) {
	from, to := seedNodes(t, "004"), seedNodes(t, "002")
	want := map[string]string{
		"(1)ア(ア)": "1.2.",    // 組織・体制及び人的資源 → 第1.2部 組織と体制の整備
		"(1)ア(ウ)": "1.2.3.",  // 外部監査等による評価 → 1.2.3 評価 (自己点検・監査)
		"(1)イ(ア)": "1.3.1.",  // 情報の格付け → 1.3.1 情報の取扱い
		"(1)イ(イ)": "1.3.1.",  // 情報の取扱い
		"(1)ウ(ア)": "2.1.1.",  // 主体認証・アクセス制御・権限管理・証跡 → 2.1.1 機能
		"(1)ウ(イ)": "2.1.2.",  // セキュリティホール・不正プログラム・DoS → 2.1.2 脅威
		"(1)エ(ア)": "2.2.1.",  // 施設と環境
		"(1)エ(イ)": "2.2.2.",  // 電子計算機
		"(1)エ(ウ)": "2.2.3.",  // アプリケーションソフトウェア
		"(1)エ(エ)": "2.2.4.",  // 通信回線
		"(2)ア(イ)": "1.2.5.2", // 事業継続計画 → 業務継続計画との整合的運用
		"(2)イ(イ)": "1.3.1.",  // 保護すべき情報の管理 → 情報の取扱い
		"(2)イ(オ)": "1.2.2.2", // 情報漏えい発生時の対応 → 障害・事故等の対処
		"(2)ウ(ア)": "1.2.5.1", // 委託先管理 → 外部委託
		"(2)ウ(イ)": "1.2.5.1", // 外部委託の契約
		"(2)ウ(ウ)": "1.2.5.1", // 委託先の IT 障害対応
	}
	top := map[string]Suggestion{}
	for _, s := range Suggest(from, to, Options{Top: 1}) {
		top[s.From] = s
	}
	for from, prefix := range want {
		got, ok := top[from]
		if !ok || !strings.HasPrefix(got.To, prefix) {
			t.Errorf("%s: top suggestion %q (%.3f), want one in %s", from, got.To, got.Score, prefix)
		}
	}
}
