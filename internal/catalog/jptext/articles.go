package jptext

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// The articles style: rules written like Japanese statutes (seed 001, a JICA
// 実施細則). Structure:
//
//	第1編 総則                       part     ref 第1編
//	第1章 目的・定義・適用範囲       chapter  ref 第1編第1章
//	第1節 …                          section  ref 第1編第1章第1節
//	(目的)                           heading of the next article (its Title)
//	第1条 本細則は、…               article  ref 第1条 (numbered through the document)
//	2 …                              paragraph ref 第1条第2項 (the first, unnumbered
//	                                  paragraph is 第1条第1項)
//	(1) …                            clause (号) ref 第1条第2項第1号, (22)の2 → 第22号の2
//	ア …  or イ …                     subitem  ref 第1条第2項第1号ア
//	[規程第3条第1項]                 cross-reference: kept in References of the
//	                                  node it follows, never in any Text
//	附則(令和…)                      supplementary provisions: part ref 附則 or
//	                                  附則(令和…); their paragraphs 附則第1項, their
//	                                  articles 附則第1条 (no clash with the body)
//
// A table of contents before the body (目次 with the same 編/章/節 headings) is
// skipped: the body starts at the run of headings right before the first
// article. Articles are the requirements; each article's Text is its first
// paragraph and the paragraph 第N条第1項 is always created as well, so every
// 項 has a ref. Subjects are taken from articles and paragraphs.

type artLineKind int

const (
	alText artLineKind = iota
	alBlank
	alPart
	alChapter
	alSection
	alHeading // (目的)
	alArticle
	alPara
	alItem
	alSub
	alRef
	alSuppl
)

type artLine struct {
	kind   artLineKind
	num    int
	branch int    // の2
	letter string // subitem letter
	text   string // source text after the numbering
}

// classifyArticleLine recognises one cleaned line.
func classifyArticleLine(c string) artLine {
	if c == "" {
		return artLine{kind: alBlank}
	}
	n := normDigits(c)
	for _, h := range []struct {
		suffix string
		kind   artLineKind
	}{{"編", alPart}, {"章", alChapter}, {"節", alSection}, {"条", alArticle}} {
		num, rest, ok := cutNumbered(n, "第", h.suffix)
		if !ok {
			continue
		}
		branch := 0
		if b, r, ok := cutBranch(rest); ok {
			branch, rest = b, r
		}
		if !startsSpace(rest) {
			break
		}
		return artLine{kind: h.kind, num: num, branch: branch, text: tailOf(c, n, rest)}
	}
	if strings.HasPrefix(n, "附") {
		t := strings.TrimLeft(strings.TrimPrefix(n, "附"), " ")
		if rest, ok := strings.CutPrefix(t, "則"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '(') {
			return artLine{kind: alSuppl, text: strings.TrimSpace(rest)}
		}
	}
	if strings.HasPrefix(n, "(") {
		// (1) item, or (目的) heading.
		if num, rest, ok := cutNumbered(n, "(", ")"); ok {
			branch := 0
			if b, r, ok := cutBranch(rest); ok {
				branch, rest = b, r
			}
			return artLine{kind: alItem, num: num, branch: branch, text: tailOf(c, n, rest)}
		}
		if strings.HasSuffix(n, ")") && balancedParens(n) && len(n) > 2 {
			return artLine{kind: alHeading, text: strings.TrimSpace(n[1 : len(n)-1])}
		}
	}
	if len(n) >= 2 && n[0] == '[' && n[len(n)-1] == ']' && !strings.Contains(n[1:], "[") {
		return artLine{kind: alRef, text: strings.TrimSpace(n[1 : len(n)-1])}
	}
	if num, rest, ok := leadingInt(n); ok && rest != "" && rest[0] == ' ' {
		return artLine{kind: alPara, num: num, text: tailOf(c, n, rest)}
	}
	for _, l := range subitemLetters {
		if rest, ok := strings.CutPrefix(n, l); ok && rest != "" && rest[0] == ' ' {
			return artLine{kind: alSub, letter: l, text: tailOf(c, n, rest)}
		}
	}
	return artLine{kind: alText, text: c}
}

// subitemLetters are the marks of items below a 号: イロハ order and アイウ order.
var subitemLetters = []string{
	"イ", "ロ", "ハ", "ニ", "ホ", "ヘ", "ト", "チ", "リ", "ヌ",
	"ア", "ウ", "エ", "オ", "カ", "キ", "ク", "ケ", "コ",
}

// balancedParens reports whether the ASCII parentheses in s (already
// normalised) open and close in order and the first one closes at the end.
func balancedParens(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
			if depth == 0 && i != len(s)-1 {
				return false
			}
		}
	}
	return depth == 0
}

func classifyArticleLines(lines []string) []artLine {
	out := make([]artLine, len(lines))
	for i, l := range lines {
		out[i] = classifyArticleLine(cleanLine(l))
	}
	return out
}

// scoreArticles counts article lines 第N条 and the headings above them.
func scoreArticles(lines []string) int {
	arts, heads := 0, 0
	prevHeading := false
	for _, l := range lines {
		c := cleanLine(l)
		if c == "" {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(c); r != '第' && r != '(' && r != '（' {
			prevHeading = false
			continue
		}
		a := classifyArticleLine(c)
		switch a.kind {
		case alArticle:
			arts++
			if prevHeading {
				heads++
			}
		}
		prevHeading = a.kind == alHeading
	}
	if arts < 2 {
		return 0
	}
	return arts*10 + heads*5
}

// artBuilder holds the state of parseArticles.
type artBuilder struct {
	nodes []catalog.Node
	text  []textBuilder
	refs  refSet

	part, chapter, section string // refs of the open containers
	inSuppl                bool
	suppl                  string // ref of the open 附則

	article  int // index of the open article, -1 when none
	para     int // index of the open paragraph
	paraNum  int
	item     int // index of the open 号
	sub      int // index of the open subitem
	heading  string
	firstPar map[int]int // article index → index of its 第1項
}

func (b *artBuilder) add(n catalog.Node) int {
	n.Ref = b.refs.claim(n.Ref)
	b.nodes = append(b.nodes, n)
	b.text = append(b.text, textBuilder{})
	return len(b.nodes) - 1
}

// addRef adds n and returns its claimed ref.
func (b *artBuilder) addRef(n catalog.Node) string {
	return b.nodes[b.add(n)].Ref
}

func (b *artBuilder) closeArticle() {
	b.article, b.para, b.item, b.sub, b.paraNum = -1, -1, -1, -1, 0
}

// innermost is the node continuation text and references belong to.
func (b *artBuilder) innermost() int {
	for _, i := range []int{b.sub, b.item, b.para, b.article} {
		if i >= 0 {
			return i
		}
	}
	return -1
}

func (b *artBuilder) container() string {
	switch {
	case b.inSuppl:
		return b.suppl
	case b.section != "":
		return b.section
	case b.chapter != "":
		return b.chapter
	}
	return b.part
}

// parseArticles builds parts, chapters, sections, articles, paragraphs and
// clauses from statute-style text.
func parseArticles(lines []string) ([]catalog.Node, []string) {
	al := classifyArticleLines(lines)
	start := articleBodyStart(al)
	if start < 0 {
		return nil, []string{"no article 第N条 found"}
	}
	b := &artBuilder{refs: refSet{}, firstPar: map[int]int{}}
	b.closeArticle()
	var warnings []string
	var pendingText []string // lines with no node to hold them

	for i := start; i < len(al); i++ {
		a := al[i]
		switch a.kind {
		case alBlank:
			continue
		case alPart, alChapter, alSection:
			if b.inSuppl {
				// Headings inside 附則 are kept as text.
				b.appendText(lines[i])
				continue
			}
			b.closeArticle()
			b.heading = ""
			ref, kind := "", ""
			switch a.kind {
			case alPart:
				ref, kind = "第"+strconv.Itoa(a.num)+"編", catalog.KindPart
				b.part, b.chapter, b.section = "", "", ""
				ref = b.addRef(catalog.Node{Ref: ref, Kind: kind, Title: a.text})
				b.part = ref
			case alChapter:
				ref, kind = b.part+"第"+strconv.Itoa(a.num)+"章", catalog.KindChapter
				b.chapter, b.section = "", ""
				ref = b.addRef(catalog.Node{Ref: ref, Parent: b.part, Kind: kind, Title: a.text})
				b.chapter = ref
			case alSection:
				parent := b.chapter
				if parent == "" {
					parent = b.part
				}
				ref, kind = parent+"第"+strconv.Itoa(a.num)+"節", catalog.KindSection
				b.section = ""
				ref = b.addRef(catalog.Node{Ref: ref, Parent: parent, Kind: kind, Title: a.text})
				b.section = ref
			}
		case alSuppl:
			b.closeArticle()
			b.heading = ""
			b.inSuppl = true
			ref := "附則" + a.text
			b.suppl = b.addRef(catalog.Node{Ref: ref, Kind: catalog.KindPart, Title: "附則" + a.text})
			b.part, b.chapter, b.section = "", "", ""
		case alHeading:
			if b.nextIsArticle(al, i) {
				b.heading = a.text
				continue
			}
			b.appendText(lines[i])
		case alArticle:
			b.closeArticle()
			ref := "第" + strconv.Itoa(a.num) + "条"
			if a.branch > 0 {
				ref += "の" + strconv.Itoa(a.branch)
			}
			if b.inSuppl {
				ref = b.suppl + ref
			}
			title := b.heading
			idx := b.add(catalog.Node{Ref: ref, Parent: b.container(), Kind: catalog.KindArticle,
				Title: title, Requirement: !b.inSuppl})
			b.article = idx
			b.paraNum = 1
			p := b.add(catalog.Node{Ref: b.nodes[idx].Ref + "第1項", Parent: b.nodes[idx].Ref,
				Kind: catalog.KindParagraph})
			b.para = p
			b.firstPar[idx] = p
			b.text[p].add(a.text)
		case alPara:
			if b.inSuppl && b.article < 0 && a.num == b.paraNum+1 {
				// Numbered paragraph of a 附則 without articles.
				b.paraNum = a.num
				p := b.add(catalog.Node{Ref: b.suppl + "第" + strconv.Itoa(a.num) + "項",
					Parent: b.suppl, Kind: catalog.KindParagraph})
				b.para, b.item, b.sub = p, -1, -1
				b.text[p].add(a.text)
				continue
			}
			if b.article < 0 || a.num <= b.paraNum || a.num > b.paraNum+3 {
				b.appendText(lines[i])
				continue
			}
			b.paraNum = a.num
			aref := b.nodes[b.article].Ref
			p := b.add(catalog.Node{Ref: aref + "第" + strconv.Itoa(a.num) + "項", Parent: aref,
				Kind: catalog.KindParagraph})
			b.para, b.item, b.sub = p, -1, -1
			b.text[p].add(a.text)
		case alItem:
			if b.para < 0 {
				b.appendText(lines[i])
				continue
			}
			pref := b.nodes[b.para].Ref
			ref := pref + "第" + strconv.Itoa(a.num) + "号"
			if a.branch > 0 {
				ref += "の" + strconv.Itoa(a.branch)
			}
			it := b.add(catalog.Node{Ref: ref, Parent: pref, Kind: catalog.KindClause})
			b.item, b.sub = it, -1
			b.text[it].add(a.text)
		case alSub:
			if b.item < 0 {
				b.appendText(lines[i])
				continue
			}
			iref := b.nodes[b.item].Ref
			s := b.add(catalog.Node{Ref: iref + a.letter, Parent: iref, Kind: catalog.KindSubitem})
			b.sub = s
			b.text[s].add(a.text)
		case alRef:
			at := b.innermost()
			if at < 0 {
				if b.inSuppl {
					continue
				}
				pendingText = append(pendingText, lines[i])
				continue
			}
			b.nodes[at].References = append(b.nodes[at].References, a.text)
			if a.text != "" && b.article >= 0 && at == b.firstPar[b.article] {
				b.nodes[b.article].References = append(b.nodes[b.article].References, a.text)
			}
		default:
			if !b.appendText(lines[i]) {
				pendingText = append(pendingText, lines[i])
			}
		}
	}
	if len(pendingText) > 0 {
		warnings = append(warnings, strconv.Itoa(len(pendingText))+" lines outside any article were not imported")
	}
	b.finish()
	return b.nodes, warnings
}

// appendText adds a continuation line to the innermost open node, or to the
// open 附則 or heading container; it reports whether the line found a home.
func (b *artBuilder) appendText(line string) bool {
	at := b.innermost()
	if at < 0 && b.inSuppl {
		for j := len(b.nodes) - 1; j >= 0; j-- {
			if b.nodes[j].Ref == b.suppl {
				at = j
				break
			}
		}
	}
	if at < 0 {
		return false
	}
	b.text[at].add(line)
	return true
}

// nextIsArticle reports whether the next non-blank line after i is an article.
func (b *artBuilder) nextIsArticle(al []artLine, i int) bool {
	for j := i + 1; j < len(al); j++ {
		switch al[j].kind {
		case alBlank:
			continue
		case alArticle:
			return true
		}
		return false
	}
	return false
}

// finish joins texts, copies each article's first paragraph into the article
// and fills subjects.
func (b *artBuilder) finish() {
	for i := range b.nodes {
		b.nodes[i].Text = b.text[i].String()
	}
	for a, p := range b.firstPar {
		b.nodes[a].Text = b.nodes[p].Text
	}
	for i := range b.nodes {
		// A definition clause 「部等」とは、… is titled with its term.
		if b.nodes[i].Kind == catalog.KindClause && b.nodes[i].Title == "" {
			b.nodes[i].Title = definedTerm(b.nodes[i].Text)
		}
	}
	for i := range b.nodes {
		switch b.nodes[i].Kind {
		case catalog.KindArticle, catalog.KindParagraph:
			b.nodes[i].Subject = subjectOf(b.nodes[i].Text)
		}
	}
}

// articleBodyStart finds where the body begins: the run of headings and
// blank lines directly above the first article. Anything earlier (title,
// 目次) is left out. It returns -1 when there is no article.
func articleBodyStart(al []artLine) int {
	first := -1
	for i, a := range al {
		if a.kind == alArticle {
			first = i
			break
		}
	}
	if first < 0 {
		return -1
	}
	start := first
	for j := first - 1; j >= 0; j-- {
		switch al[j].kind {
		case alBlank, alHeading:
			start = j
			continue
		case alPart, alChapter, alSection:
			// A table-of-contents entry names its articles: 総則(第1条-第6条).
			t := normDigits(al[j].text)
			if strings.HasSuffix(t, "条)") {
				return start
			}
			start = j
			continue
		}
		break
	}
	return start
}

// definedTerm returns the term of a definition 「term」とは… or "".
func definedTerm(text string) string {
	rest, ok := strings.CutPrefix(text, "「")
	if !ok {
		return ""
	}
	k := strings.Index(rest, "」")
	if k <= 0 || k > 120 {
		return ""
	}
	after := rest[k+len("」"):]
	// 「CSIRT」(シーサート)とは: a reading in parentheses may follow.
	if strings.HasPrefix(after, "(") || strings.HasPrefix(after, "（") {
		if e := strings.IndexAny(after, ")）"); e > 0 && e < 90 {
			_, n := utf8.DecodeRuneInString(after[e:])
			after = after[e+n:]
		}
	}
	if !strings.HasPrefix(after, "とは") {
		return ""
	}
	return rest[:k]
}
