package jptext

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"kitei/internal/catalog"
)

// The guideline style: a measures catalog like seed 004 (重要インフラの安全基準等
// 策定指針 対策編). Structure:
//
//	Ⅰ 本対策編の位置づけ                 part     ref Ⅰ (introduction, no items)
//	Ⅱ 対策項目の具体化の例示             part     ref Ⅱ
//	（１）４つの柱                        chapter  ref (1)
//	ア 組織・体制及び資源の対策           section  ref (1)ア
//	（ア）組織・体制… 【要検討事項】       item     ref (1)ア(ア), Category 要検討事項
//	  quoted guideline text               → the item's Text (no separate node)
//	  ○組織・体制の確立                   group    ref (1)ア(ア)○1
//	  ・情報セキュリティ基本方針の策定     example  ref (1)ア(ア)・1
//
// An area heading that carries the category tag itself (（２）オ …【要検討事項】)
// is an item with ref (2)オ. Example measures are numbered through their
// item (・1, ・2 … across groups) and placed under the ○ group they follow,
// or directly under the item when it has no group. Refs use half-width
// digits and parentheses ("（１）" → "(1)"); Text and Title keep the
// source's own characters. Items are the requirements; groups and examples
// are informative. Category tags wrapped over two lines (【要検討事 + newline + 項】)
// are joined first. Lines holding only a page number are dropped. Nested
// bullets that the source shows by indentation alone are kept flat.

// gLine is one logical line of a guideline document.
type gLine struct {
	src  string // cleaned source text
	norm string // normDigits(src)
}

// guidelineLines cleans the lines, drops blanks and page numbers and joins
// category tags wrapped onto the next line.
func guidelineLines(lines []string) []gLine {
	var out []gLine
	for i := 0; i < len(lines); i++ {
		c := cleanLine(lines[i])
		if c == "" || isPageNumber(c) {
			continue
		}
		if k := strings.LastIndex(c, "【"); k >= 0 && !strings.Contains(c[k:], "】") {
			// Join up to two following lines to close the tag.
			for j, taken := i+1, 0; j < len(lines) && taken < 2; j++ {
				d := cleanLine(lines[j])
				if d == "" {
					continue
				}
				if utf8.RuneCountInString(d) > 12 {
					break
				}
				c += d
				i = j
				taken++
				if strings.Contains(d, "】") {
					break
				}
			}
		}
		out = append(out, gLine{src: c, norm: normDigits(c)})
	}
	return out
}

// guideTag finds a category tag 【…】 and returns the text before it and the
// category with blanks removed.
func guideTag(s string) (before, category string, ok bool) {
	k := strings.Index(s, "【")
	if k < 0 {
		return s, "", false
	}
	e := strings.Index(s[k:], "】")
	if e < 0 {
		return s, "", false
	}
	cat := strings.Map(func(r rune) rune {
		if isSpaceRune(r) {
			return -1
		}
		return r
	}, s[k+len("【"):k+e])
	if !strings.HasSuffix(cat, "事項") {
		return s, "", false
	}
	return strings.TrimFunc(s[:k], isSpaceRune), cat, true
}

// guideKana is the order of area and item letters.
const guideKana = "アイウエオカキクケコサシスセソタチツテト"

// leadKatakana returns the letter at the start of s when it is one of the
// ordering letters.
func leadKatakana(s string) (string, string, bool) {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !strings.ContainsRune(guideKana, r) {
		return "", s, false
	}
	return s[:n], s[n:], true
}

func isRoman(r rune) bool { return r >= 'Ⅰ' && r <= 'Ⅻ' }

// scoreGuideline counts category tags (heavily) and ○/・ lines.
func scoreGuideline(lines []string) int {
	tags, marks := 0, 0
	for _, l := range lines {
		c := cleanLine(l)
		if strings.Contains(c, "【要検討") || strings.Contains(c, "【参考事") {
			tags++
		}
		if strings.HasPrefix(c, "○") || strings.HasPrefix(c, "・") {
			marks++
		}
	}
	if tags == 0 {
		return 0
	}
	return tags*50 + marks
}

// parseGuideline builds parts, areas, items, groups and examples.
func parseGuideline(lines []string) ([]catalog.Node, []string) {
	gl := guidelineLines(lines)
	refs := refSet{}
	var nodes []catalog.Node
	var texts []textBuilder
	add := func(n catalog.Node) int {
		n.Ref = refs.claim(n.Ref)
		nodes = append(nodes, n)
		texts = append(texts, textBuilder{})
		return len(nodes) - 1
	}

	roman := ""             // ref of the open Ⅰ/Ⅱ part
	part, partNum := "", 0  // (1)
	area, areaPos := "", -1 // (1)ア and its letter position
	item, itemPos := -1, -1 // open item node and its letter position
	group, groups, examples := -1, 0, 0
	cur := -1 // node receiving continuation lines
	var skipped int

	closeItem := func() { item, group, groups, examples = -1, -1, 0, 0 }

	for _, l := range gl {
		n := l.norm
		r, _ := utf8.DecodeRuneInString(n)
		switch {
		case isRoman(r):
			closeItem()
			part, partNum, area, areaPos = "", 0, "", -1
			ref := string(r)
			i := add(catalog.Node{Ref: ref, Kind: catalog.KindPart,
				Title: strings.TrimFunc(skipRunes(l.src, 1), isSpaceRune)})
			roman, cur = nodes[i].Ref, i
			continue
		case r == '(':
			if num, rest, ok := cutNumbered(n, "(", ")"); ok && (num == partNum+1) {
				closeItem()
				area, areaPos = "", -1
				title := tailOf(l.src, n, rest)
				i := add(catalog.Node{Ref: "(" + strconv.Itoa(num) + ")", Parent: roman,
					Kind: catalog.KindChapter, Title: title})
				part, partNum, cur = nodes[i].Ref, num, i
				continue
			}
			if letter, rest, ok := leadKatakana(n[1:]); ok && area != "" && strings.HasPrefix(rest, ")") {
				pos := strings.Index(guideKana, letter)
				if pos > itemPos {
					closeItem()
					head := tailOf(l.src, n, rest[1:])
					title, cat, _ := guideTag(head)
					i := add(catalog.Node{Ref: area + "(" + letter + ")", Parent: area,
						Kind: catalog.KindItem, Title: title, Category: cat, Requirement: true})
					item, itemPos, cur = i, pos, i
					continue
				}
			}
		case r == '○':
			if item >= 0 {
				groups++
				title := strings.TrimFunc(skipRunes(l.src, 1), isSpaceRune)
				iref := nodes[item].Ref
				i := add(catalog.Node{Ref: iref + "○" + strconv.Itoa(groups), Parent: iref,
					Kind: catalog.KindGroup, Title: title})
				group, cur = i, i
				continue
			}
		case r == '・':
			if item >= 0 {
				examples++
				iref := nodes[item].Ref
				parent := iref
				if group >= 0 {
					parent = nodes[group].Ref
				}
				i := add(catalog.Node{Ref: iref + "・" + strconv.Itoa(examples), Parent: parent,
					Kind: catalog.KindExample})
				texts[i].add(skipRunes(l.src, 1))
				cur = i
				continue
			}
		default:
			if letter, rest, ok := leadKatakana(n); ok && part != "" && startsSpace(rest) && strings.TrimSpace(rest) != "" {
				pos := strings.Index(guideKana, letter)
				if pos > areaPos {
					closeItem()
					itemPos = -1
					head := tailOf(l.src, n, rest)
					title, cat, tagged := guideTag(head)
					ref := part + letter
					if tagged {
						// An area with its own category is an item.
						i := add(catalog.Node{Ref: ref, Parent: part, Kind: catalog.KindItem,
							Title: title, Category: cat, Requirement: true})
						area, areaPos, item, cur = "", pos, i, i
						continue
					}
					i := add(catalog.Node{Ref: ref, Parent: part, Kind: catalog.KindSection, Title: title})
					area, areaPos, cur = nodes[i].Ref, pos, i
					continue
				}
			}
		}
		if cur < 0 {
			skipped++
			continue
		}
		texts[cur].add(l.src)
	}
	for i := range nodes {
		nodes[i].Text = guideJoin(texts[i])
		if nodes[i].Kind == catalog.KindItem {
			nodes[i].Subject = subjectOf(nodes[i].Text)
		}
	}
	var warnings []string
	if skipped > 0 {
		warnings = append(warnings, strconv.Itoa(skipped)+" lines before the first heading were not imported")
	}
	return nodes, warnings
}

// guideJoin joins a node's lines as one run of text: the source wraps every
// paragraph at a fixed width with no other marker.
func guideJoin(b textBuilder) string {
	var all []string
	for _, p := range b.paras {
		all = append(all, p...)
	}
	return joinWrapped(all)
}
