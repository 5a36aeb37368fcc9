package policy

import (
	"regexp"
	"sort"
	"strings"

	"kitei/internal/catalog"
)

// Kinds of placeholder a template offers to fill.
const (
	FillOrg         = "org"         // the organisation's name (当社)
	FillRole        = "role"        // a role title
	FillPlaceholder = "placeholder" // ○○, ●●●●, 20yy.mm.dd …
	FillNumber      = "number"      // a number with its unit: 12 文字以上, 5 分以内
)

// Placeholder is one thing to fill in a template, found in its text: each
// value given is applied everywhere the token occurs.
type Placeholder struct {
	Kind    string `json:"kind"`
	Token   string `json:"token"`
	Count   int    `json:"count"`
	Example string `json:"example"` // the first place it occurs, with some context
	Ref     string `json:"ref"`     // where that is
}

// OrgTerms are the words templates use for the organisation.
var OrgTerms = []string{"当社", "本学", "当法人", "当機構"}

var (
	// A blank with the kanji, katakana and Latin letters next to it
	// (○○システム, ○○社, 容量○TB), not the hiragana around it.
	placeholderRE = regexp.MustCompile(`[\p{Han}\p{Katakana}ー0-9A-Za-z０-９Ａ-Ｚａ-ｚ.@\-]{0,8}[○〇●]+[\p{Han}\p{Katakana}ー0-9A-Za-z０-９Ａ-Ｚａ-ｚ.@\-]{0,8}|20yy\.mm\.dd|yyyy年mm月dd日`)
	numberRE      = regexp.MustCompile(`[0-9０-９]+\s*(文字以上|文字以下|桁以上|分以内|分以上|時間以内|日以内|日以上|日前|か月|ヶ月|カ月|年以上|年間|回以上|世代)`)
	editNoteRE    = regexp.MustCompile(`※編集時注意[：:][^。]*。?`)
)

// Placeholders lists what a template asks to fill: the organisation term,
// the role titles named as subjects, placeholder tokens and numbers with
// units, each once with how often it occurs.
func Placeholders(nodes []catalog.Node) []Placeholder {
	idx := map[string]int{}
	var out []Placeholder
	add := func(kind, tok, ref, text string, at int) {
		if i, ok := idx[tok]; ok {
			out[i].Count++
			return
		}
		idx[tok] = len(out)
		out = append(out, Placeholder{Kind: kind, Token: tok, Count: 1, Example: around(text, at, len(tok)), Ref: ref})
	}
	roles := map[string]bool{}
	for _, n := range nodes {
		if s := strings.TrimSpace(n.Subject); s != "" && len([]rune(s)) <= 30 {
			roles[s] = true
		}
	}
	roleList := make([]string, 0, len(roles))
	for r := range roles {
		roleList = append(roleList, r)
	}
	sort.Strings(roleList)
	for _, n := range nodes {
		for _, text := range []string{n.Title, n.Text} {
			for _, t := range OrgTerms {
				for at := 0; ; {
					i := strings.Index(text[at:], t)
					if i < 0 {
						break
					}
					add(FillOrg, t, n.Ref, text, at+i)
					at += i + len(t)
				}
			}
			for _, loc := range placeholderRE.FindAllStringIndex(text, -1) {
				add(FillPlaceholder, text[loc[0]:loc[1]], n.Ref, text, loc[0])
			}
			for _, loc := range numberRE.FindAllStringIndex(text, -1) {
				add(FillNumber, text[loc[0]:loc[1]], n.Ref, text, loc[0])
			}
		}
	}
	// Role titles: counted wherever they occur.
	for _, r := range roleList {
		for _, n := range nodes {
			for _, text := range []string{n.Title, n.Text, n.Subject} {
				for at := 0; ; {
					i := strings.Index(text[at:], r)
					if i < 0 {
						break
					}
					add(FillRole, r, n.Ref, text, at+i)
					at += i + len(r)
				}
			}
		}
	}
	kindOrder := map[string]int{FillOrg: 0, FillRole: 1, FillPlaceholder: 2, FillNumber: 3}
	sort.SliceStable(out, func(i, j int) bool { return kindOrder[out[i].Kind] < kindOrder[out[j].Kind] })
	return out
}

// around is text near byte offset at, about 20 characters either side.
func around(text string, at, n int) string {
	r := []rune(text[:at])
	start := len(r) - 20
	if start < 0 {
		start = 0
	}
	after := []rune(text[at+n:])
	if len(after) > 20 {
		after = after[:20]
	}
	return strings.TrimSpace(string(r[start:]) + text[at:at+n] + string(after))
}

// Tailoring is the form a template is tailored with: each value fills its
// token everywhere; the optional sections in Drop are left out with
// everything under them; DropNotes removes the template's editing notes
// (※編集時注意).
type Tailoring struct {
	Values    map[string]string `json:"values"`
	Drop      []string          `json:"drop"`
	DropNotes bool              `json:"drop_notes"`
}

// Tailor applies t to a template's nodes.
func Tailor(nodes []catalog.Node, t Tailoring) []Node {
	drop := map[string]bool{}
	for _, r := range t.Drop {
		drop[r] = true
	}
	var pairs []string
	toks := make([]string, 0, len(t.Values))
	for tok, v := range t.Values {
		if tok != "" && strings.TrimSpace(v) != "" && tok != v {
			toks = append(toks, tok)
		}
	}
	// Longer tokens first, so ○○○○ is filled before ○○.
	sort.Slice(toks, func(i, j int) bool {
		if len(toks[i]) != len(toks[j]) {
			return len(toks[i]) > len(toks[j])
		}
		return toks[i] < toks[j]
	})
	for _, tok := range toks {
		pairs = append(pairs, tok, strings.TrimSpace(t.Values[tok]))
	}
	rep := strings.NewReplacer(pairs...)
	dropped := map[string]bool{}
	var out []Node
	for _, n := range nodes {
		if drop[n.Ref] || (n.Parent != "" && dropped[n.Parent]) {
			dropped[n.Ref] = true
			continue
		}
		n.Title, n.Text, n.Subject = rep.Replace(n.Title), rep.Replace(n.Text), rep.Replace(n.Subject)
		if t.DropNotes {
			n.Text = strings.TrimSpace(editNoteRE.ReplaceAllString(n.Text, ""))
		}
		out = append(out, Node{Node: n})
	}
	return out
}

// Sections are the nodes a form offers to pick: the top two levels.
func Sections(nodes []catalog.Node) []catalog.Node {
	depth := map[string]int{}
	var out []catalog.Node
	for _, n := range nodes {
		d := 0
		if n.Parent != "" {
			d = depth[n.Parent] + 1
		}
		depth[n.Ref] = d
		if d <= 1 && n.Kind != catalog.KindItem && n.Kind != catalog.KindSubitem && n.Kind != catalog.KindParagraph &&
			n.Kind != catalog.KindClause && n.Kind != catalog.KindHeading {
			out = append(out, n)
		}
	}
	return out
}

// Subtrees returns the nodes of the sections named by refs with
// everything under them, and their ancestors so the tree stays whole, in
// document order.
func Subtrees(nodes []catalog.Node, refs []string) []catalog.Node {
	want := map[string]bool{}
	for _, r := range refs {
		want[r] = true
	}
	byRef := map[string]catalog.Node{}
	in := map[string]bool{}
	for _, n := range nodes {
		byRef[n.Ref] = n
		if want[n.Ref] || (n.Parent != "" && in[n.Parent]) {
			in[n.Ref] = true
		}
	}
	keep := map[string]bool{}
	for r := range in {
		keep[r] = true
		for p := byRef[r].Parent; p != "" && !keep[p]; p = byRef[p].Parent {
			keep[p] = true
		}
	}
	var out []catalog.Node
	for _, n := range nodes {
		if keep[n.Ref] {
			out = append(out, n)
		}
	}
	return out
}
