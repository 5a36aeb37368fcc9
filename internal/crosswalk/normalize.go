package crosswalk

import (
	"strings"

	"kitei/internal/catalog"
)

// Rulebooks derived from one standard say the same thing in their own
// words for the organisation and its people: the unified standard speaks of
// 府省庁 and 行政事務従事者, an agency rewrites them as 研究所 or 機構 and
// 業務従事者 or 役職員等. Matching on raw text would reward or punish those
// words; normalize maps each family to one spelling before scoring.
//
// Longer forms come first so that, for example, 役職員等及び情報取扱事務従事者
// becomes one staff word rather than two.
var normalizer = strings.NewReplacer(
	// staff
	"役職員等及び統括情報セキュリティ責任者が別に定める一部の情報取扱事務従事者", "業務従事者",
	"役職員等及び情報取扱事務従事者", "業務従事者",
	"情報取扱事務従事者", "業務従事者",
	"行政事務従事者", "業務従事者",
	"役職員等", "業務従事者",
	"職員等", "業務従事者",
	"従業員", "業務従事者",
	"職員", "業務従事者",
	// the organisation itself
	"各府省庁", "組織",
	"府省庁", "組織",
	"研究所", "組織",
	"機構", "組織",
	"当機関", "組織",
	"機関等", "組織",
	"当社", "組織",
	"自組織", "組織",
	"事業者等", "組織",
	// the organisation's rulebook
	"本ポリシー", "本規程",
	"本細則", "本規程",
	"本対策基準", "本規程",
	"情報セキュリティポリシー", "規程",
	"対策基準", "規程",
	// units
	"課室", "課室",
	"課等", "課室",
	"部局", "部局",
	"部等", "部局",
	// the supervising ministry
	"環境省", "所管省庁",
	"外務省", "所管省庁",
	"政府ドメイン", "組織ドメイン",
	// okurigana variants
	"格付け", "格付",
	"手続き", "手続",
	"取扱い", "取扱",
	"取り扱", "取扱",
	"取扱う", "取扱",
	"引継が", "引継",
	"引き継", "引継",
	"配付", "配布",
)

// normalize folds width and case, then maps organisation words and
// spelling variants to one form.
func normalize(s string) string {
	return normalizer.Replace(catalog.Fold(s))
}

// subjectRoles splits a normalised subject such as
// 「情報システムセキュリティ責任者又は課室情報セキュリティ責任者」 into its roles.
func subjectRoles(subject string) []string {
	s := normalize(subject)
	if s == "" {
		return nil
	}
	for _, sep := range []string{"又は", "及び", "並びに", "若しくは", "、"} {
		s = strings.ReplaceAll(s, sep, "\x00")
	}
	var out []string
	for _, r := range strings.Split(s, "\x00") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// subjectMatch is 1 when two subjects name the same roles, ½ when they
// share one, 0 otherwise (or when either is unknown).
func subjectMatch(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	shared := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				shared++
				break
			}
		}
	}
	switch {
	case shared == 0:
		return 0
	case shared == len(a) && shared == len(b):
		return 1
	default:
		return 0.5
	}
}
