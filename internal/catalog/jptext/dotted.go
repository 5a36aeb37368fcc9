package jptext

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// The dotted style: 統一基準 and the policies modelled on it.
//
//	第2編 …              volume (編), ref 第2編
//	第1.2部 … or 第 2 部 … part (部), ref 第1.2部 or 第2部
//	1.2.1 … / 1.2.1.1 …  sections (節, 款, 項), ref 1.2.1.1; A.1.1 for appendices
//	(1) …                heading, ref 1.2.1.1(1)
//	(a) …                item (遵守事項), ref 1.2.1.1(1)(a)
//	(ア) …               sub-item, ref 1.2.1.1(1)(a)(ア)
//	Ｏ 「語」とは…       glossary entry (用語定義), ref 1.3「語」
//
// Label lines (趣旨（必要性）, 目的・趣旨, 適用範囲, 遵守事項) are not nodes:
// they switch what the following lines are. Text under 目的・趣旨 becomes
// the section's text; items under 遵守事項 are requirements.
//
// Requirement rule: an (a)-level item is a requirement when it stands in a
// 遵守事項 block. A document that never labels such blocks has every
// (a)-level item as a requirement except in a part titled 総則 (general
// provisions, which describe rather than require). Sub-items are never
// counted: they are list elements of their item.
//
// Refs use half-width digits whatever the source used; titles and texts keep
// the source's characters.

// dotted line kinds.
const (
	dlText = iota
	dlBlank
	dlVolume
	dlPart
	dlSection
	dlHeading
	dlItem
	dlSubitem
	dlLabel
	dlIndex // 【あ】 glossary index letters
	dlTerm
	dlBullet
	dlPage // page number or page footer
	dlTOC  // named "目次"
)

// label kinds.
const (
	labelNone = iota
	labelPurpose
	labelScope
	labelCompliance
)

// dottedLine is one classified line.
type dottedLine struct {
	kind  int
	num   string // normalised number: "1.2", "3", "a", "ア"; term for dlTerm; bullet mark for dlBullet
	rest  string // source text after the number, cleaned
	space bool   // a blank separates the number from rest
	label int    // for dlLabel
	toc   bool   // section or part line carrying a page number (table of contents)
	runes int    // rune length of the cleaned line
	src   string // the whole cleaned line
}

// katakanaOrder is the order of (ア) sub-item letters.
const katakanaOrder = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"

// kanaIndex returns the 1-based position of r in katakanaOrder, 0 if absent.
func kanaIndex(r rune) int {
	i := 0
	for _, k := range katakanaOrder {
		i++
		if k == r {
			return i
		}
	}
	return 0
}

// particleStarts are characters that begin a wrapped continuation (「(2)の
// 規定により…」) rather than a numbered entry.
const particleStarts = "のにでをとがはもへや及又並若かまよ、。，．)）」』・"

// startsWithParticle reports whether s begins with a particle, punctuation
// or a further parenthesised number.
func startsWithParticle(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return false
	}
	if r == '(' || r == '（' {
		return true
	}
	return strings.ContainsRune(particleStarts, r)
}

// dottedLabels maps label lines (spaces removed, normalised) to label kinds.
var dottedLabels = map[string]int{
	"趣旨(必要性)": labelPurpose,
	"目的・趣旨":   labelPurpose,
	"目的及び趣旨":  labelPurpose,
	"趣旨":      labelPurpose,
	"目的":      labelPurpose,
	"適用範囲":    labelScope,
	"遵守事項":    labelCompliance,
	"基本遵守事項":  labelCompliance,
	"強化遵守事項":  labelCompliance,
}

// removeSpaces drops every blank from s.
func removeSpaces(s string) string {
	if !strings.ContainsAny(s, " \t\u3000") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !isSpaceRune(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// squeezeTitle removes blanks standing between two non-ASCII characters
// (letter-spaced headings such as 「総 則」「導 入・計 画」) and collapses
// other runs of blanks to one ASCII space.
func squeezeTitle(s string) string {
	if !strings.ContainsAny(s, " \t\u3000") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !isSpaceRune(r) {
			b.WriteRune(r)
			continue
		}
		j := i
		for j < len(rs) && isSpaceRune(rs[j]) {
			j++
		}
		if i > 0 && j < len(rs) && !(rs[i-1] >= 0x80 && rs[j] >= 0x80) {
			b.WriteByte(' ')
		}
		i = j - 1
	}
	return b.String()
}

// srcAfter returns the part of src after the first k runes; normDigits maps
// rune for rune, so rune offsets in the normalised line hold in the source.
func srcAfter(src string, k int) string {
	for k > 0 && src != "" {
		_, n := utf8.DecodeRuneInString(src)
		src = src[n:]
		k--
	}
	return src
}

// trimBlankLeft drops leading blanks and returns how many runes went.
func trimBlankLeft(s string) (string, int) {
	n := 0
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		if !isSpaceRune(r) {
			break
		}
		s = s[size:]
		n++
	}
	return s, n
}

// classifyDotted classifies one cleaned line. norm is normDigits(clean).
func classifyDotted(clean, norm string) dottedLine {
	if clean == "" {
		return dottedLine{kind: dlBlank}
	}
	l := dottedLine{kind: dlText, rest: clean, src: clean, runes: utf8.RuneCountInString(clean)}
	switch {
	case norm[0] == '(':
		return classifyParen(l, clean, norm)
	case norm[0] >= '0' && norm[0] <= '9':
		if isPageLine(norm) {
			l.kind = dlPage
			return l
		}
		return classifySection(l, clean, norm, 0)
	case norm[0] >= 'A' && norm[0] <= 'Z' && len(norm) > 2 && norm[1] == '.' && norm[2] >= '0' && norm[2] <= '9':
		return classifySection(l, clean, norm, 1)
	case strings.HasPrefix(norm, "第"):
		return classifyPart(l, clean, norm)
	case isBulletRune(firstRune(norm)):
		r, n := utf8.DecodeRuneInString(clean)
		l.kind = dlBullet
		l.rest = strings.TrimFunc(clean[n:], isSpaceRune)
		l.num = string(r)
		if r >= 0xE000 && r <= 0xF8FF {
			// a symbol-font glyph from PDF extraction: show a plain bullet
			l.num = "・"
		}
		return l
	case strings.HasPrefix(norm, "【") && strings.HasSuffix(norm, "】") && utf8.RuneCountInString(norm) <= 5:
		l.kind = dlIndex
		return l
	case strings.HasPrefix(norm, "-") && isPageLine(norm):
		l.kind = dlPage
		return l
	}
	if t, ok := termOf(norm); ok {
		l.kind = dlTerm
		l.num = t
		// rest: the definition without the list mark
		_, n := utf8.DecodeRuneInString(clean)
		l.rest, _ = trimBlankLeft(clean[n:])
		return l
	}
	if k, ok := dottedLabels[removeSpaces(norm)]; ok {
		l.kind = dlLabel
		l.label = k
		return l
	}
	if removeSpaces(norm) == "目次" {
		l.kind = dlTOC
		return l
	}
	return l
}

// firstRune returns the first rune of s.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isBulletRune reports whether r marks a bulleted line. Private-use
// symbol-font bullets (U+F0B7 and neighbours) count too.
func isBulletRune(r rune) bool {
	switch r {
	case '・', '•', '●', '◦', '⚫', '➢', '▪', '■', '◆':
		return true
	}
	return r >= 0xF09E && r <= 0xF0B7 || r == 0xF0A7 || r == 0xF0D8
}

// isPageLine reports whether a normalised line is only a page number
// ("12", "- 12 -").
func isPageLine(norm string) bool {
	s := strings.Trim(norm, "-–— ")
	if s == "" || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isFooterLine reports whether a normalised line is a classification footer
// printed on every page (「機密性１」 alone).
func isFooterLine(norm string) bool {
	s := removeSpaces(norm)
	if !strings.HasPrefix(s, "機密性") {
		return false
	}
	s = s[len("機密性"):]
	return len(s) == 1 && s[0] >= '1' && s[0] <= '3'
}

// termOf recognises a glossary line 「Ｏ 「語」とは、…」 and returns the term.
func termOf(norm string) (string, bool) {
	r, n := utf8.DecodeRuneInString(norm)
	if r != 'O' && r != '○' && r != '〇' && r != '◯' {
		return "", false
	}
	s, _ := trimBlankLeft(norm[n:])
	if !strings.HasPrefix(s, "「") {
		return "", false
	}
	end := strings.Index(s, "」")
	if end < 0 {
		return "", false
	}
	term := s[len("「"):end]
	after := s[end+len("」"):]
	if term == "" || !(strings.HasPrefix(after, "とは") || strings.HasPrefix(after, "及び") || strings.HasPrefix(after, "又は") || strings.HasPrefix(after, "、")) {
		return "", false
	}
	return term, true
}

// classifyParen handles "(1)", "(a)" and "(ア)" lines.
func classifyParen(l dottedLine, clean, norm string) dottedLine {
	if strings.HasPrefix(norm, "((") && !strings.HasPrefix(norm[2:], "(") {
		// a doubled opening parenthesis, a typing slip: "((8) title"
		norm, clean = norm[1:], srcAfter(clean, 1)
	}
	end := strings.IndexByte(norm, ')')
	if end < 2 || end > 8 {
		return l
	}
	inner := norm[1:end]
	kind := dlText
	switch {
	case allDigits(inner) && len(inner) <= 3:
		kind = dlHeading
	case len(inner) == 1 && inner[0] >= 'a' && inner[0] <= 'z':
		kind = dlItem
	default:
		r, n := utf8.DecodeRuneInString(inner)
		if n == len(inner) && kanaIndex(r) > 0 {
			kind = dlSubitem
		}
	}
	if kind == dlText {
		return l
	}
	after := norm[end+1:]
	rest, sp := trimBlankLeft(after)
	l.kind = kind
	l.num = inner
	l.space = sp > 0 || rest == ""
	consumed := utf8.RuneCountInString(norm[:end+1]) + sp
	l.rest = srcAfter(clean, consumed)
	return l
}

// allDigits reports whether s is non-empty ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// classifySection handles "1.2.1 title" and "A.1.1 title". skip is the
// length of a letter prefix.
func classifySection(l dottedLine, clean, norm string, skip int) dottedLine {
	i := skip
	dots := 0
	for i < len(norm) {
		c := norm[i]
		if c >= '0' && c <= '9' {
			i++
			continue
		}
		if c == '.' && i+1 < len(norm) && norm[i+1] >= '0' && norm[i+1] <= '9' && i > 0 && norm[i-1] >= '0' && norm[i-1] <= '9' || c == '.' && skip == 1 && i == 1 {
			dots++
			i++
			continue
		}
		break
	}
	if dots == 0 && skip == 0 {
		return l
	}
	num := norm[:i]
	after := norm[i:]
	if strings.HasPrefix(after, ".") { // "1.2. title"
		after = after[1:]
		i++
	}
	rest, sp := trimBlankLeft(after)
	if sp == 0 || rest == "" || startsWithParticle(rest) {
		return l
	}
	if strings.HasSuffix(rest, "。") || strings.HasSuffix(rest, "、") {
		return l
	}
	l.kind = dlSection
	l.num = num
	l.space = true
	title := srcAfter(clean, utf8.RuneCountInString(norm[:i])+sp)
	title, l.toc = stripPageRef(title)
	l.rest = title
	return l
}

// classifyPart handles 「第1.2部 title」, 「第 2 部 title」 and 「第2編 title」.
func classifyPart(l dottedLine, clean, norm string) dottedLine {
	s := norm[len("第"):]
	s, _ = trimBlankLeft(s)
	j := 0
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' && j > 0) {
		j++
	}
	if j == 0 || s[j-1] == '.' {
		return l
	}
	num := s[:j]
	s, _ = trimBlankLeft(s[j:])
	kind := dlText
	switch {
	case strings.HasPrefix(s, "部"):
		kind = dlPart
		s = s[len("部"):]
	case strings.HasPrefix(s, "編"):
		kind = dlVolume
		s = s[len("編"):]
	default:
		return l
	}
	rest, sp := trimBlankLeft(s)
	if rest != "" && sp == 0 && startsWithParticle(rest) {
		return l
	}
	if strings.HasSuffix(rest, "。") {
		return l
	}
	consumed := utf8.RuneCountInString(norm) - utf8.RuneCountInString(rest)
	l.kind = kind
	l.num = num
	title := srcAfter(clean, consumed)
	title, l.toc = stripPageRef(title)
	l.rest = title
	return l
}

// stripPageRef removes a table-of-contents page reference from a heading
// title: a number at the end after dot leaders or blanks ("目的 …… 3",
// "目的 3"). It reports whether one was found.
func stripPageRef(title string) (string, bool) {
	norm := normDigits(title)
	j := len(norm)
	for j > 0 && norm[j-1] >= '0' && norm[j-1] <= '9' {
		j--
	}
	if j == len(norm) || len(norm)-j > 4 || j == 0 {
		return title, false
	}
	k := j
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(norm[:k])
		if !isSpaceRune(r) && !strings.ContainsRune(".…‥・·-─", r) {
			break
		}
		k -= n
	}
	if k == j || k == 0 {
		return title, false
	}
	cut := srcAfter(title, utf8.RuneCountInString(norm[:k]))
	return strings.TrimRightFunc(title[:len(title)-len(cut)], isSpaceRune), true
}

// scoreDotted rates how much lines look like the dotted style. Only (a)
// items, 部 headings and 遵守事項-style labels count as evidence; dotted
// section numbers alone (also used by sample rulebooks) add weight only
// when such evidence exists.
func scoreDotted(lines []string) int {
	items, parts, labels, sections := 0, 0, 0, 0
	for _, raw := range lines {
		c := cleanLine(raw)
		if c == "" {
			continue
		}
		n := normDigits(c)
		l := classifyDotted(c, n)
		switch l.kind {
		case dlItem:
			if l.space {
				items++
			}
		case dlPart:
			parts++
		case dlLabel:
			labels++
		case dlSection:
			if strings.Contains(l.num, ".") {
				sections++
			}
		}
	}
	if items == 0 && parts == 0 && labels == 0 {
		return 0
	}
	return 2*items + 10*parts + 3*labels + sections
}

// dottedParser holds the state of one parse.
type dottedParser struct {
	nodes    []catalog.Node
	index    map[string]int // ref -> node index
	removed  []bool
	children []int          // number of children added under each node
	dupNext  map[string]int // next suffix for a duplicated ref
	warnings []string

	wrap int // wrap width of the source in runes, 0 when lines are not wrapped

	volume, volumeNum string
	part, partNum     string
	partDescriptive   bool
	section, secNum   string
	heading           string
	headingN          int
	item              string
	itemN             int
	sub               string
	subN              int
	label             int
	usesCompliance    bool // the document labels 遵守事項 blocks

	toc      bool   // inside a 目次 block
	tocFirst string // first ref seen in the 目次 block

	cur     int // node receiving continuation lines, -1 for none
	text    strings.Builder
	lastLen int  // rune length of the last line added to text
	lastEnd rune // last rune of the last line added
	orphans int  // lines of text with no node to hold them
}

// parseDotted builds the node tree of a dotted-style document.
func parseDotted(lines []string) ([]catalog.Node, []string) {
	p := &dottedParser{index: make(map[string]int, len(lines)/2), cur: -1}
	cls := make([]dottedLine, len(lines))
	for i, raw := range lines {
		c := cleanLine(raw)
		if c == "" {
			cls[i] = dottedLine{kind: dlBlank}
			continue
		}
		cls[i] = classifyDotted(c, normDigits(c))
		if cls[i].kind == dlLabel && cls[i].label == labelCompliance {
			p.usesCompliance = true
		}
	}
	p.wrap = wrapWidth(cls)
	p.inferMissingSection(cls)
	for i := range cls {
		l := &cls[i]
		if l.kind == dlText && isFooterLine(normDigits(l.rest)) && nextIsPage(cls, i) {
			continue
		}
		p.line(l)
	}
	p.flush()
	out := make([]catalog.Node, 0, len(p.nodes))
	for i := range p.nodes {
		if p.removed[i] {
			continue
		}
		out = append(out, p.nodes[i])
	}
	if p.orphans > 0 {
		p.warnings = append(p.warnings, strconv.Itoa(p.orphans)+" lines of text before the first heading were skipped")
	}
	return out, p.warnings
}

// nextIsPage reports whether the next non-blank line after i is a page number.
func nextIsPage(cls []dottedLine, i int) bool {
	for j := i + 1; j < len(cls) && j < i+6; j++ {
		switch cls[j].kind {
		case dlBlank:
			continue
		case dlPage:
			return true
		}
		return false
	}
	return false
}

// wrapWidth estimates the width at which the source was hard-wrapped. It
// returns 0 when most lines are not near a common maximum length.
func wrapWidth(cls []dottedLine) int {
	var counts [256]int
	total := 0
	for i := range cls {
		if cls[i].kind == dlBlank || cls[i].kind == dlPage {
			continue
		}
		n := cls[i].runes
		if n > 255 {
			n = 255
		}
		counts[n]++
		total++
	}
	if total < 20 {
		return 0
	}
	// 90th percentile length.
	seen, w := 0, 0
	for n := 0; n < 256; n++ {
		seen += counts[n]
		if seen*10 >= total*9 {
			w = n
			break
		}
	}
	if w < 10 || w >= 255 {
		return 0
	}
	near := 0
	for n := w * 85 / 100; n <= w; n++ {
		near += counts[n]
	}
	if near*100 < total*35 {
		return 0
	}
	return w
}

// inferMissingSection handles a text that starts inside a section whose
// heading was lost (headings before the first section line). When the
// first section is x.y.z.k with k > 1, the orphans are taken to belong to
// x.y.z.(k-1), created as an untitled node with a warning.
func (p *dottedParser) inferMissingSection(cls []dottedLine) {
	orphans := false
	for i := range cls {
		switch cls[i].kind {
		case dlHeading, dlItem, dlSubitem:
			if cls[i].space {
				orphans = true
			}
		case dlSection:
			if !orphans || cls[i].toc {
				return
			}
			num := cls[i].num
			dot := strings.LastIndexByte(num, '.')
			if dot < 0 {
				return
			}
			k, err := strconv.Atoi(num[dot+1:])
			if err != nil || k <= 1 {
				return
			}
			prev := num[:dot+1] + strconv.Itoa(k-1)
			p.openSection(prev, "")
			p.warnings = append(p.warnings, "the text starts inside section "+prev+" whose heading is missing; an untitled node was created for it")
			return
		case dlPart, dlVolume:
			return
		}
	}
}

// line processes one classified line.
func (p *dottedParser) line(l *dottedLine) {
	if p.toc {
		switch l.kind {
		case dlBlank, dlPage:
			return
		case dlVolume, dlPart, dlSection:
			ref := p.refOf(l)
			if p.tocFirst == "" {
				p.tocFirst = ref
				return
			}
			if ref != p.tocFirst {
				return
			}
			p.toc = false // the body starts again with the first entry
		default:
			p.toc = false
		}
	}
	switch l.kind {
	case dlBlank, dlPage, dlIndex:
		return
	case dlTOC:
		p.flush()
		p.cur = -1
		p.toc = true
		p.tocFirst = ""
		return
	case dlVolume:
		if l.toc {
			return
		}
		p.flush()
		ref := "第" + l.num + "編"
		p.volume, p.volumeNum = ref, l.num
		p.part, p.partNum, p.partDescriptive = "", "", false
		p.closeSection()
		p.cur = p.add(catalog.Node{Ref: ref, Kind: catalog.KindPart, Title: squeezeTitle(l.rest)}, true)
	case dlPart:
		if l.toc {
			return
		}
		p.flush()
		ref := "第" + l.num + "部"
		parent := ""
		if p.volume != "" && (l.num == p.volumeNum || strings.HasPrefix(l.num, p.volumeNum+".")) {
			parent = p.volume
		}
		title := squeezeTitle(l.rest)
		p.part, p.partNum = ref, l.num
		p.partDescriptive = strings.Contains(removeSpaces(title), "総則")
		p.closeSection()
		p.cur = p.add(catalog.Node{Ref: ref, Parent: parent, Kind: catalog.KindPart, Title: title}, true)
	case dlSection:
		if l.toc {
			return
		}
		p.flush()
		p.openSection(l.num, squeezeTitle(l.rest))
	case dlLabel:
		p.flush()
		p.label = l.label
		p.heading, p.headingN, p.item, p.itemN, p.sub, p.subN = "", 0, "", 0, "", 0
		p.cur = -1
		if p.section != "" {
			p.cur = p.index[p.section]
		}
	case dlHeading:
		n, _ := strconv.Atoi(l.num)
		if n <= p.headingN || !(l.space || n == p.headingN+1) || (!l.space && startsWithParticle(l.rest)) {
			p.text1(l)
			return
		}
		p.flush()
		ref := p.section + "(" + l.num + ")"
		p.heading, p.headingN = ref, n
		p.item, p.itemN, p.sub, p.subN = "", 0, "", 0
		p.cur = p.add(catalog.Node{Ref: ref, Parent: p.section, Kind: catalog.KindHeading, Title: squeezeTitle(l.rest)}, false)
	case dlItem:
		n := int(l.num[0]-'a') + 1
		if n <= p.itemN || !(l.space || n == p.itemN+1) || (!l.space && startsWithParticle(l.rest)) {
			p.text1(l)
			return
		}
		p.flush()
		parent := p.heading
		if parent == "" {
			parent = p.section
		}
		ref := parent + "(" + l.num + ")"
		p.item, p.itemN = ref, n
		p.sub, p.subN = "", 0
		node := catalog.Node{Ref: ref, Parent: parent, Kind: catalog.KindItem}
		node.Requirement = p.isRequirement()
		p.cur = p.add(node, false)
		p.addText(l.rest, l.runes, false)
	case dlSubitem:
		r, _ := utf8.DecodeRuneInString(l.num)
		n := kanaIndex(r)
		if n <= p.subN || !(l.space || n == p.subN+1) || (!l.space && startsWithParticle(l.rest)) {
			p.text1(l)
			return
		}
		p.flush()
		parent := p.item
		if parent == "" {
			parent = p.heading
		}
		if parent == "" {
			parent = p.section
		}
		ref := parent + "(" + l.num + ")"
		p.sub, p.subN = ref, n
		p.cur = p.add(catalog.Node{Ref: ref, Parent: parent, Kind: catalog.KindSubitem}, false)
		p.addText(l.rest, l.runes, false)
	case dlTerm:
		p.flush()
		parent := p.section
		if parent == "" {
			parent = p.part
		}
		p.cur = p.add(catalog.Node{Ref: parent + "「" + l.num + "」", Parent: parent, Kind: catalog.KindTerm, Title: l.num}, false)
		p.addText(l.rest, l.runes, false)
	case dlBullet:
		p.addText(l.num+l.rest, l.runes, true)
	default:
		p.text1(l)
	}
}

// text1 adds a line that is plain text, including numbered lines
// rejected as continuations ("(2)(b)で定める…"), which are kept whole.
func (p *dottedParser) text1(l *dottedLine) {
	p.addText(l.src, l.runes, false)
}

// openSection starts section num (a dotted number) with title.
func (p *dottedParser) openSection(num, title string) {
	ref := num
	parent := ""
	for n := num; ; {
		dot := strings.LastIndexByte(n, '.')
		if dot < 0 {
			break
		}
		n = n[:dot]
		if i, ok := p.index[n]; ok && !p.removed[i] && p.nodes[i].Kind == catalog.KindSection {
			parent = n
			break
		}
	}
	if parent == "" && p.part != "" && (num == p.partNum || strings.HasPrefix(num, p.partNum+".")) {
		parent = p.part
	}
	if parent == "" && p.part != "" && p.partNum != "" && !strings.HasPrefix(num, p.partNum+".") {
		// a section outside the current part (appendices): leave the part
		p.part, p.partNum, p.partDescriptive = "", "", false
	}
	p.closeSection()
	p.section, p.secNum = ref, num
	p.cur = p.add(catalog.Node{Ref: ref, Parent: parent, Kind: catalog.KindSection, Title: title}, true)
}

// closeSection forgets the current section and everything under it.
func (p *dottedParser) closeSection() {
	p.section, p.secNum = "", ""
	p.heading, p.headingN, p.item, p.itemN, p.sub, p.subN = "", 0, "", 0, "", 0
	p.label = labelNone
}

// isRequirement applies the requirement rule to a new (a) item.
func (p *dottedParser) isRequirement() bool {
	if p.partDescriptive {
		return false
	}
	if p.usesCompliance {
		return p.label == labelCompliance
	}
	return true
}

// refOf returns the ref a volume, part or section line would get.
func (p *dottedParser) refOf(l *dottedLine) string {
	switch l.kind {
	case dlVolume:
		return "第" + l.num + "編"
	case dlPart:
		return "第" + l.num + "部"
	}
	return l.num
}

// add appends n and returns its index. A heading ref (part, section) seen
// before is handled as a table-of-contents repeat: an earlier empty node is
// replaced, an earlier node with content is reopened. Other duplicate refs
// get a "-2", "-3"… suffix.
func (p *dottedParser) add(n catalog.Node, heading bool) int {
	if i, ok := p.index[n.Ref]; ok {
		if !heading {
			n.Ref = p.uniqueRef(n.Ref)
		} else if p.isEmpty(i) {
			p.removed[i] = true
			if j, ok := p.index[p.nodes[i].Parent]; ok && p.nodes[i].Parent != "" {
				p.children[j]--
			}
		} else {
			return i
		}
	}
	if n.Parent != "" {
		if j, ok := p.index[n.Parent]; ok {
			p.children[j]++
		}
	}
	p.index[n.Ref] = len(p.nodes)
	p.nodes = append(p.nodes, n)
	p.removed = append(p.removed, false)
	p.children = append(p.children, 0)
	return len(p.nodes) - 1
}

// uniqueRef returns base with the first free "-k" suffix.
func (p *dottedParser) uniqueRef(base string) string {
	if p.dupNext == nil {
		p.dupNext = map[string]int{}
	}
	k := p.dupNext[base]
	if k < 2 {
		k = 2
	}
	for {
		r := base + "-" + strconv.Itoa(k)
		k++
		if _, dup := p.index[r]; !dup {
			p.dupNext[base] = k
			return r
		}
	}
}

// isEmpty reports whether node i has no text and no children yet.
func (p *dottedParser) isEmpty(i int) bool {
	if p.nodes[i].Text != "" || (p.cur == i && p.text.Len() > 0) {
		return false
	}
	return p.children[i] == 0
}

// addText appends one source line to the current node's text. bullet
// starts a new line; otherwise the line joins the previous one directly
// when the source is hard-wrapped and the previous line ran to the wrap
// width, and starts a new line when the previous line ended a sentence
// short of it, stopped well short of it (a title or table cell), or the
// source is not wrapped at all.
func (p *dottedParser) addText(s string, runes int, bullet bool) {
	s = strings.TrimFunc(s, isSpaceRune)
	if s == "" {
		return
	}
	if p.cur < 0 {
		p.orphans++
		return
	}
	if p.text.Len() > 0 {
		switch {
		case bullet:
			p.text.WriteByte('\n')
		case p.wrap == 0:
			p.text.WriteByte('\n')
		case p.lastEnd == '。' && p.lastLen < p.wrap-3:
			p.text.WriteByte('\n')
		case p.lastLen < p.wrap*3/4 && !isASCIIWordByte(s[0]):
			// a long Latin word pushed to the next line leaves a short
			// line without ending the paragraph; anything else does.
			p.text.WriteByte('\n')
		case p.lastEnd < utf8.RuneSelf && isASCIIWordByte(byte(p.lastEnd)) && isASCIIWordByte(s[0]):
			p.text.WriteByte(' ')
		}
	}
	p.text.WriteString(s)
	p.lastLen = runes
	p.lastEnd, _ = utf8.DecodeLastRuneInString(s)
}

// flush stores the accumulated text in the current node.
func (p *dottedParser) flush() {
	if p.cur >= 0 && p.text.Len() > 0 {
		n := &p.nodes[p.cur]
		t := p.text.String()
		if n.Text != "" {
			n.Text += "\n" + t
		} else {
			n.Text = t
		}
		if n.Requirement && n.Subject == "" {
			n.Subject = extractSubject(n.Text)
		}
	}
	p.text.Reset()
	p.lastLen, p.lastEnd = 0, 0
}
