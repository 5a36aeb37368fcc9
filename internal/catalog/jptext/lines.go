package jptext

import "strings"

// Shared text helpers used by every style parser. Their signatures are
// stable: other files in this package depend on them.
//
// The rule throughout: stored text keeps the source's own characters
// (full-width digits stay full-width); normalised forms are used only to
// recognise numbering and keywords.

// normDigits returns s with full-width ASCII variants (digits, Latin letters,
// parentheses, dots, brackets and other symbols in U+FF01–U+FF5E) mapped to
// their half-width forms and the ideographic space U+3000 mapped to an ASCII
// space. Everything else is left as it is, so the result is only suited to
// matching, never to storing. Strings without full-width characters are
// returned unchanged without allocating.
func normDigits(s string) string {
	// Fast scan on bytes: U+FF01–U+FF5E is EF BC 81 – EF BD 9E in UTF-8,
	// U+3000 is E3 80 80.
	i := 0
	for ; i+2 < len(s); i++ {
		c := s[i]
		if c == 0xEF && (s[i+1] == 0xBC && s[i+2] >= 0x81 || s[i+1] == 0xBD && s[i+2] <= 0x9E) {
			break
		}
		if c == 0xE3 && s[i+1] == 0x80 && s[i+2] == 0x80 {
			break
		}
	}
	if i+2 >= len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteByte(byte(r - 0xFEE0))
		case r == 0x3000:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSpaceRune reports whether r is a space a PDF extraction leaves around
// text: ASCII blanks, the ideographic space and the no-break space.
func isSpaceRune(r rune) bool {
	switch r {
	case ' ', '\t', '\v', '\f', '\r', '\n', 0x3000, 0x00A0:
		return true
	}
	return false
}

// cleanLine repairs one extracted line: it removes the leading space that
// marks a page break (and any other leading or trailing blanks, including
// the ideographic space) and stray "|" characters left at either end by lost
// table borders. Characters inside the line are untouched.
func cleanLine(s string) string {
	if s == "" || !edgeByte(s[0]) && !edgeByte(s[len(s)-1]) {
		return s
	}
	for {
		t := strings.TrimFunc(s, isSpaceRune)
		t = strings.TrimPrefix(t, "|")
		t = strings.TrimSuffix(t, "|")
		if t == s {
			return t
		}
		s = t
	}
}

// edgeByte reports whether a line starting or ending with byte c may need
// trimming: ASCII blanks, "|", or a byte of the ideographic or no-break
// space.
func edgeByte(c byte) bool {
	switch c {
	case ' ', '\t', '\v', '\f', '\r', '\n', '|', 0xE3, 0x80, 0xC2, 0xA0:
		return true
	}
	return false
}

// isBlank reports whether s holds nothing but blanks (as cleanLine
// understands them) and stray "|" characters.
func isBlank(s string) bool {
	for _, r := range s {
		if !isSpaceRune(r) && r != '|' {
			return false
		}
	}
	return true
}

// joinWrapped joins the hard-wrapped lines of one paragraph. Each part is
// cleaned with cleanLine and blank parts are dropped. Parts are concatenated
// directly, except that a single ASCII space is kept between two parts when
// the first ends and the next begins with an ASCII letter or digit (so
// wrapped English words stay apart while Japanese text gets no spurious
// spaces).
func joinWrapped(parts []string) string {
	var b strings.Builder
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b.Grow(n)
	var last byte // last byte written, 0 when nothing yet
	for _, p := range parts {
		p = cleanLine(p)
		if p == "" {
			continue
		}
		if last != 0 && isASCIIWordByte(last) && isASCIIWordByte(p[0]) {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		last = p[len(p)-1]
	}
	return b.String()
}

// isASCIIWordByte reports whether c is an ASCII letter or digit.
func isASCIIWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
