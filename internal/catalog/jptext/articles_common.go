package jptext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Small scanning helpers shared by the articles, chapters and guideline
// parsers. They work on strings already passed through normDigits (so digits,
// parentheses and spaces are ASCII) and never use regular expressions: the
// parsers call them once or more per line.

// leadingInt splits s into the run of ASCII digits it starts with and the
// rest. ok is false when s does not start with a digit or the number is
// unreasonably long.
func leadingInt(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 6 {
		return 0, s, false
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil {
		return 0, s, false
	}
	return n, s[i:], true
}

// cutNumbered matches prefix, a number and suffix at the start of s (for
// example "第", "12", "条") and returns the number and what follows.
func cutNumbered(s, prefix, suffix string) (n int, rest string, ok bool) {
	t, found := strings.CutPrefix(s, prefix)
	if !found {
		return 0, s, false
	}
	n, t, ok = leadingInt(t)
	if !ok {
		return 0, s, false
	}
	t, found = strings.CutPrefix(t, suffix)
	if !found {
		return 0, s, false
	}
	return n, t, true
}

// cutBranch matches a branch number "の2" at the start of s.
func cutBranch(s string) (n int, rest string, ok bool) {
	return cutNumbered(s, "の", "")
}

// skipRunes drops the first k runes of s. normDigits maps runes one to one,
// so a prefix measured in runes on the normalised line can be removed from
// the source line, which keeps its own characters.
func skipRunes(s string, k int) string {
	for i := range s {
		if k == 0 {
			return s[i:]
		}
		k--
	}
	return ""
}

// tailOf returns the part of src that corresponds to the suffix rest of its
// normalised form norm, trimmed of blanks.
func tailOf(src, norm, rest string) string {
	k := utf8.RuneCountInString(norm) - utf8.RuneCountInString(rest)
	return strings.TrimFunc(skipRunes(src, k), isSpaceRune)
}

// startsSpace reports whether s is empty or starts with a blank.
func startsSpace(s string) bool {
	if s == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isSpaceRune(r)
}

// refSet hands out node refs that are unique within one document: a ref
// already taken gets "#2", "#3"… appended. Parsers claim a ref when they
// create a node and use the returned value as the Parent of its children.
type refSet map[string]int

func (s refSet) claim(base string) string {
	if base == "" {
		base = "?"
	}
	if _, taken := s[base]; !taken {
		s[base] = 1
		return base
	}
	for {
		s[base]++
		r := base + "#" + strconv.Itoa(s[base])
		if _, taken := s[r]; !taken {
			s[r] = 1
			return r
		}
	}
}

// textBuilder collects the source lines of one node and joins them at the
// end. Lines that start with a list mark begin a new line of text; other
// lines are treated as hard wraps and joined with joinWrapped.
type textBuilder struct {
	paras [][]string
}

func (b *textBuilder) add(line string) {
	line = cleanLine(line)
	if line == "" {
		return
	}
	if len(b.paras) == 0 || startsListMark(line) {
		b.paras = append(b.paras, []string{line})
		return
	}
	last := len(b.paras) - 1
	b.paras[last] = append(b.paras[last], line)
}

// breakNext makes the next added line start a new line of text.
func (b *textBuilder) breakNext() {
	if n := len(b.paras); n > 0 && len(b.paras[n-1]) > 0 {
		b.paras = append(b.paras, nil)
	}
}

func (b *textBuilder) String() string {
	var out []string
	for _, p := range b.paras {
		if s := joinWrapped(p); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
}

// startsListMark reports whether a cleaned line starts with a bullet or note
// mark that begins a new line in the source layout.
func startsListMark(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '・', '⚫', '●', '○', '◯', '➢', '■', '□', '◆', '◇', '※', '＜', '<', '【', '[', '［':
		return true
	}
	return strings.HasPrefix(s, "参考")
}

// isRuleText reports whether text states a rule: some sentence ends in a
// prescriptive form (…する。…こと。…しなければならない。).
func isRuleText(text string) bool {
	for _, end := range ruleEndings {
		if strings.Contains(text, end) {
			return true
		}
	}
	return false
}

var ruleEndings = []string{
	"する。", "すること", "こと。", "ならない。", "しない。", "行う。", "講じる。",
	"求める。", "従う。", "得る。", "守る。", "受ける。", "定める。", "設ける。",
}

// isPageNumber reports whether a cleaned line is only a page number.
func isPageNumber(s string) bool {
	if s == "" {
		return false
	}
	n := normDigits(s)
	n = strings.Trim(n, "-– ")
	_, rest, ok := leadingInt(n)
	return ok && rest == ""
}

// subjectOf names the role a requirement text is addressed to (see
// extractSubject); only the first line of a multi-line text is looked at.
func subjectOf(text string) string {
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	for text != "" && startsListMark(text) && !strings.HasPrefix(text, "参考") {
		_, n := utf8.DecodeRuneInString(text)
		text = strings.TrimLeftFunc(text[n:], isSpaceRune)
	}
	return extractSubject(text)
}
