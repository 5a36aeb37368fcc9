package jptext

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// The chapters style: a sample rulebook in numbered chapters (seed 003, the
// IPA-based sample for space businesses). Each chapter is headed
//
//	3 情報資産管理 改訂日 20yy.mm.dd
//	適用範囲 全社・全従業員
//
// where the number, the name and the revision date may be split over several
// lines. Inside a chapter, sections are numbered "1." and subsections "1.1",
// "1.4.1"; numbering restarts in every chapter.
//
// Refs put the chapter number in front of the document's own number, dotted:
// chapter "3", section "1." of chapter 3 → "3.1", subsection "1.4.1" of
// chapter 6 → "6.1.4.1". They are unique in the document and read as the
// usual "chapter.section" citation.
//
// Text is joined across hard wraps; a line that ends a sentence (。), a short
// line (a table row or a heading-like line) or a line starting with a bullet
// mark keeps its own line. Sections and subsections whose text states a rule
// (…する。…こと。…しなければならない。) are requirements; chapters are not.
//
// The PDF layout sometimes puts the first lines of a chapter before its
// heading (chapter 11 of seed 003): a section "1." met while the current
// chapter already has sections opens the next chapter early.
// Link targets that the extraction repeats as bare URL lines are dropped.
// A trailing table headed "No. 題目 …" after the last chapter (an appendix)
// becomes a node of its own with ref "付録".

// chapterHead is one chapter heading found in the first pass.
type chapterHead struct {
	start, end int // line span of the heading (end inclusive)
	num        int
	title      string
	date       string
}

// findChapterHeads finds the chapter headings: lines holding 改訂日, with the
// chapter number and name on the same line or on the lines just above.
func findChapterHeads(c []string) []chapterHead {
	var heads []chapterHead
	for i, line := range c {
		k := strings.Index(line, "改訂日")
		if k < 0 {
			continue
		}
		before := strings.TrimFunc(line[:k], isSpaceRune)
		date := strings.TrimFunc(line[k+len("改訂日"):], isSpaceRune)
		date = strings.TrimLeft(date, ":：")
		date = strings.TrimFunc(date, isSpaceRune)
		h := chapterHead{start: i, end: i, date: date}
		if num, title, ok := numberedTitle(before); ok {
			h.num, h.title = num, title
			heads = append(heads, h)
			continue
		}
		parts := []string{before}
		found := false
		for j, seen := i-1, 0; j >= 0 && seen < 4; j-- {
			if c[j] == "" {
				continue
			}
			seen++
			if isPageNumber(c[j]) {
				n, _, _ := leadingInt(strings.TrimSpace(normDigits(c[j])))
				h.num, h.start, found = n, j, true
				break
			}
			if num, title, ok := numberedTitle(c[j]); ok {
				parts = append([]string{title}, parts...)
				h.num, h.start, found = num, j, true
				break
			}
			parts = append([]string{c[j]}, parts...)
		}
		if !found || h.num <= 0 {
			continue
		}
		h.title = joinWrapped(parts)
		heads = append(heads, h)
	}
	// Keep the headings in increasing order of lines, without overlaps.
	out := heads[:0]
	last := -1
	for _, h := range heads {
		if h.start > last {
			out = append(out, h)
			last = h.end
		}
	}
	return out
}

// numberedTitle splits "3 情報資産管理" into 3 and the name.
func numberedTitle(s string) (int, string, bool) {
	n := normDigits(s)
	num, rest, ok := leadingInt(n)
	if !ok || num <= 0 || !startsSpace(rest) || strings.TrimSpace(rest) == "" {
		return 0, "", false
	}
	return num, tailOf(s, n, rest), true
}

// secNumber parses a section number at the start of a cleaned line:
// "1.情報…" (top level, parts [1]) or "1.4.1 ウイルス検知" (parts [1 4 1]).
// It returns the parts and the title after the number.
func secNumber(line string) ([]int, string, bool) {
	if r, _ := utf8.DecodeRuneInString(line); !(r >= '0' && r <= '9' || r >= '０' && r <= '９') {
		return nil, "", false
	}
	n := normDigits(line)
	var parts []int
	rest := n
	for {
		num, r, ok := leadingInt(rest)
		if !ok || num <= 0 && len(parts) == 0 {
			return nil, "", false
		}
		parts = append(parts, num)
		rest = r
		if strings.HasPrefix(rest, ".") {
			rest = rest[1:]
			if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				continue
			}
			// "1." or "1.1." ends the number.
			break
		}
		if len(parts) == 1 {
			return nil, "", false // "12 …" is not a section
		}
		if !startsSpace(rest) {
			return nil, "", false // "1.5TB"
		}
		break
	}
	for _, p := range parts[1:] {
		if p <= 0 {
			return nil, "", false
		}
	}
	if len(parts) > 5 {
		return nil, "", false
	}
	title := tailOf(line, n, rest)
	if title == "" {
		return nil, "", false
	}
	return parts, title, true
}

func joinInts(p []int) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ".")
}

// scoreChapters counts chapter headings with a revision date and the
// sections below them.
func scoreChapters(lines []string) int {
	c := make([]string, len(lines))
	kai := 0
	for i, l := range lines {
		c[i] = cleanLine(l)
		if strings.Contains(c[i], "改訂日") {
			kai++
		}
	}
	if kai == 0 {
		return 0
	}
	heads := findChapterHeads(c)
	if len(heads) < 2 {
		return 0
	}
	secs := 0
	for _, l := range c[heads[0].start:] {
		if _, _, ok := secNumber(l); ok {
			secs++
		}
	}
	return len(heads)*100 + secs
}

// parseChapters builds chapters, sections and subsections.
func parseChapters(lines []string) ([]catalog.Node, []string) {
	c := make([]string, len(lines))
	for i, l := range lines {
		c[i] = cleanLine(l)
	}
	dropRepeatedLinks(c)
	heads := findChapterHeads(c)
	if len(heads) == 0 {
		return nil, []string{"no chapter heading with 改訂日 found"}
	}
	width := typicalWidth(c)
	chapNode := make(map[int]int, len(heads)) // heading index → node index
	headAt := make(map[int]int, len(heads))
	for k, h := range heads {
		headAt[h.start] = k
	}
	refs := refSet{}
	var nodes []catalog.Node
	var texts [][]string
	add := func(n catalog.Node) int {
		n.Ref = refs.claim(n.Ref)
		nodes = append(nodes, n)
		texts = append(texts, nil)
		return len(nodes) - 1
	}

	next := 0                   // next heading to open
	cur := -1                   // index of the open node receiving text
	chapRef := ""               // ref of the open chapter
	lastTop := 0                // last top-level section number in the chapter
	secs := map[string]string{} // document number "1.4" → ref in the chapter
	appendix := false

	openChapter := func() {
		h := heads[next]
		next++
		title := h.title
		i := add(catalog.Node{Ref: strconv.Itoa(h.num), Kind: catalog.KindChapter, Title: title})
		if h.date != "" {
			texts[i] = append(texts[i], "改訂日 "+h.date)
		}
		chapRef = nodes[i].Ref
		chapNode[next-1] = i
		cur = i
		lastTop = 0
		clear(secs)
	}

	for i := heads[0].start; i < len(c); i++ {
		line := c[i]
		if k, ok := headAt[i]; ok {
			// A heading opened early (its body came first) is only skipped.
			if k == next {
				openChapter()
			} else if j, ok := chapNode[k]; ok {
				// Lines after a late heading (適用範囲 …) belong to it.
				cur = j
			}
			i = heads[k].end
			continue
		}
		if line == "" {
			continue
		}
		if appendix {
			texts[cur] = append(texts[cur], line)
			continue
		}
		if next == len(heads) && lastTop > 0 && isAppendixHeader(line) {
			j := add(catalog.Node{Ref: "付録", Kind: catalog.KindSection, Title: line})
			cur, appendix = j, true
			continue
		}
		if parts, title, ok := secNumber(line); ok {
			if len(parts) == 1 {
				num := parts[0]
				if num == 1 && lastTop >= 1 && next < len(heads) {
					// The next chapter's body came before its heading.
					openChapter()
				}
				if num > lastTop && num <= lastTop+2 {
					ref := chapRef + "." + strconv.Itoa(num)
					j := add(catalog.Node{Ref: ref, Parent: chapRef, Kind: catalog.KindSection, Title: title})
					secs[strconv.Itoa(num)] = nodes[j].Ref
					lastTop = num
					cur = j
					continue
				}
			} else if parts[0] == lastTop {
				key := joinInts(parts)
				if _, dup := secs[key]; !dup {
					parent := ""
					for k := len(parts) - 1; k >= 1 && parent == ""; k-- {
						parent = secs[joinInts(parts[:k])]
					}
					j := add(catalog.Node{Ref: chapRef + "." + key, Parent: parent,
						Kind: catalog.KindSection, Title: title})
					secs[key] = nodes[j].Ref
					cur = j
					continue
				}
			}
		}
		if cur >= 0 {
			texts[cur] = append(texts[cur], line)
		}
	}

	for i := range nodes {
		nodes[i].Text = joinLogical(texts[i], width)
		if nodes[i].Kind == catalog.KindSection && nodes[i].Ref != "付録" && isRuleText(nodes[i].Text) {
			nodes[i].Requirement = true
			nodes[i].Subject = subjectOf(nodes[i].Text)
		}
	}
	var warnings []string
	if next < len(heads) {
		warnings = append(warnings, "some chapter headings were not reached")
	}
	return nodes, warnings
}

// isAppendixHeader recognises the header row of a trailing table ("No. 題目 …").
func isAppendixHeader(line string) bool {
	n := normDigits(line)
	rest, ok := strings.CutPrefix(n, "No.")
	return ok && startsSpace(rest) && strings.TrimSpace(rest) != ""
}

// dropRepeatedLinks blanks lines that are only a URL already present in an
// earlier line: PDF extraction appends link targets after the page text.
func dropRepeatedLinks(c []string) {
	var seen strings.Builder
	for i, l := range c {
		if isBareURL(l) {
			target := strings.TrimPrefix(l, "mailto:")
			if strings.Contains(seen.String(), target) {
				c[i] = ""
				continue
			}
		}
		seen.WriteString(l)
		seen.WriteByte('\n')
	}
}

func isBareURL(s string) bool {
	if strings.ContainsAny(s, " \t") {
		return false
	}
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "mailto:")
}

// displayWidth counts ASCII characters as 1 and others as 2 columns.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r < 0x80 || r >= 0xFF61 && r <= 0xFF9F {
			w++
		} else {
			w += 2
		}
	}
	return w
}

// typicalWidth estimates the wrap width of the document: the 90th
// percentile of the display widths of its non-blank lines.
func typicalWidth(c []string) int {
	var hist [256]int
	total := 0
	for _, l := range c {
		if l == "" {
			continue
		}
		w := displayWidth(l)
		if w > 255 {
			w = 255
		}
		hist[w]++
		total++
	}
	if total == 0 {
		return 80
	}
	want := total * 9 / 10
	acc := 0
	for w := range hist {
		acc += hist[w]
		if acc >= want {
			return w
		}
	}
	return 255
}

// joinLogical joins the lines of one node. A line is glued to the previous
// one (a hard wrap) unless the previous line ended a sentence or was clearly
// shorter than the wrap width, or the line starts with a list mark.
func joinLogical(lines []string, width int) string {
	var out []string
	var cur []string
	prevEnds := true
	for _, l := range lines {
		if l == "" {
			continue
		}
		if prevEnds || startsListMark(l) {
			if len(cur) > 0 {
				out = append(out, joinWrapped(cur))
			}
			cur = []string{l}
		} else {
			cur = append(cur, l)
		}
		prevEnds = strings.HasSuffix(l, "。") || displayWidth(l)*4 < width*3
	}
	if len(cur) > 0 {
		out = append(out, joinWrapped(cur))
	}
	return strings.Join(out, "\n")
}
