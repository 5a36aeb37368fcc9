package jptext

import (
	"strings"
	"unicode/utf8"
)

// Subject extraction.
//
// A requirement in these rulebooks is addressed to someone with the pattern
// 「<role>は、<what they must do>こと。」. The role is the topic phrase
// before 「は、」. The rule here is structural, not a list of known roles:
// the phrase must end in a word that names a person, body or group (責任者,
// 管理者, 委員会, 従事者, 者, 等, CSIRT, …), and may join several roles with
// 又は, 及び, 並びに, 若しくは and 、.

// subjectSuffixes are endings of a phrase that names an actor. Longer
// endings come first only for readability; any match is enough.
var subjectSuffixes = []string{
	"責任者", "管理者", "委員会", "担当者", "従事者", "職員", "役職員",
	"実施者", "権限者", "利用者", "アドバイザー", "体制", "機関", "部局",
	"チーム", "センター", "本部", "委託先", "事業者", "提供者",
	"CSIRT", "ＣＳＩＲＴ", "CISO", "ＣＩＳＯ", "SOC",
	"者", "長", "官", "員", "課", "室", "所", "省", "庁", "社",
}

// maxSubjectRunes bounds the topic phrase; a longer one is a clause, not a role.
const maxSubjectRunes = 60

// maxSubjectSearchBytes bounds how far into the text 「は、」 is looked for.
const maxSubjectSearchBytes = 100 * 3

// extractSubject returns the role a requirement text is addressed to, or ""
// when the text does not open with one.
//
// It tries each 「は、」 (also 「は，」, 「は,」) near the start in turn. The
// phrase before it is accepted when it names an actor; when it does not, the
// part after its last 「、」 is tried (「…場合には、業務従事者は、」 gives
// 業務従事者). Enumerations like 「A、B及びCは、」 are kept whole.
func extractSubject(text string) string {
	limit := len(text)
	if limit > maxSubjectSearchBytes {
		limit = maxSubjectSearchBytes
	}
	from := 0
	for from < limit {
		i := strings.Index(text[from:], "は")
		if i < 0 || from+i >= limit {
			break
		}
		at := from + i
		rest := text[at+len("は"):]
		from = at + len("は")
		if !startsWithComma(rest) {
			continue
		}
		phrase := strings.TrimSpace(text[:at])
		if s := actorOf(phrase); s != "" {
			return s
		}
	}
	return topicWithoutComma(text, limit)
}

// strongSuffixes are actor endings specific enough to trust a topic marked
// by 「は」 with no comma after it (「…責任者は業務委託サービスを…」).
var strongSuffixes = []string{"責任者", "管理者", "委員会", "担当者", "従事者", "実施者", "権限者", "CSIRT"}

// topicWithoutComma finds 「<role>は」 without a following comma, accepting
// only phrases at the very start that end in a strong actor word.
func topicWithoutComma(text string, limit int) string {
	from := 0
	for from < limit {
		i := strings.Index(text[from:], "は")
		if i < 0 || from+i >= limit {
			return ""
		}
		at := from + i
		from = at + len("は")
		phrase := text[:at]
		if strings.ContainsAny(phrase, "、。「」") || utf8.RuneCountInString(phrase) > maxSubjectRunes {
			return ""
		}
		for _, suf := range strongSuffixes {
			if strings.HasSuffix(phrase, suf) && len(phrase) > len(suf) {
				return phrase
			}
		}
	}
	return ""
}

// startsWithComma reports whether s begins with a comma-like character.
func startsWithComma(s string) bool {
	return strings.HasPrefix(s, "、") || strings.HasPrefix(s, "，") || strings.HasPrefix(s, ",")
}

// actorOf decides whether phrase (the text before 「は、」) names an
// actor and returns the actor phrase.
func actorOf(phrase string) string {
	if phrase == "" {
		return ""
	}
	if isActorPhrase(phrase) {
		return phrase
	}
	// A leading clause: keep what follows its last comma.
	if i := strings.LastIndex(phrase, "、"); i >= 0 {
		tail := strings.TrimSpace(phrase[i+len("、"):])
		if isActorPhrase(tail) {
			return tail
		}
	}
	return ""
}

// isActorPhrase reports whether every comma-separated member of phrase ends
// with an actor word and the phrase is short enough to be a name.
func isActorPhrase(phrase string) bool {
	if phrase == "" || utf8.RuneCountInString(phrase) > maxSubjectRunes {
		return false
	}
	if strings.ContainsAny(phrase, "。「」") {
		return false
	}
	for _, part := range strings.Split(phrase, "、") {
		if !endsWithActor(strings.TrimSpace(part)) {
			return false
		}
	}
	return true
}

// endsWithActor reports whether s ends with one of subjectSuffixes and has
// something before a one-character suffix (a bare 「者」 is not a role).
func endsWithActor(s string) bool {
	// 「…責任者等」「役職員等」: 等 extends an actor word, never anything else.
	if t, ok := strings.CutSuffix(s, "等"); ok {
		return endsWithActor(t)
	}
	for _, suf := range subjectSuffixes {
		if strings.HasSuffix(s, suf) {
			if len(s) == len(suf) && utf8.RuneCountInString(suf) == 1 {
				return false
			}
			// 「場合等」「場合者」 do not occur, but 「…場合」 followed by 等
			// must not pass as a role: reject phrases ending in a clause
			// marker before the suffix.
			head := s[:len(s)-len(suf)]
			if strings.HasSuffix(head, "場合") || strings.HasSuffix(head, "とき") {
				return false
			}
			return true
		}
	}
	return false
}
