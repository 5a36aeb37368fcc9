package crosswalk

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"kitei/internal/catalog"
)

// Suggestions are made by text similarity. Japanese has no spaces between
// words, so each text becomes a bag of character 2-grams and 3-grams,
// weighted by TF-IDF (sublinear term frequency, inverse document frequency
// over both catalogs) and compared by cosine similarity. Two more signals
// join the text:
//
//   - the section path: the titles of the node and its ancestors, compared
//     the same way — 「端末の運用時の対策」 and 「サーバ装置の運用時の対策」 tell
//     apart two otherwise identical items;
//   - the subject role: 「統括情報セキュリティ責任者は、…」 matched against the
//     other side's subject.
//
// Organisation words are normalised first (see normalize). Vectors are
// sparse and the target side is indexed by term, so a source node only
// touches the targets it shares a term with.

// Weights combine the three signals into one score in [0, 1].
type Weights struct {
	Text    float64 // cosine of the body texts
	Path    float64 // cosine of the section paths (titles)
	Section float64 // cosine of the source text and the target's whole section
	Subject float64 // subject role agreement
	// Children scales the text of a node's descendants (paragraphs of an
	// article, sub-items, example measures) relative to its own text.
	Children float64
}

// DefaultWeights were chosen on the labelled 001 → 000 pairs in testdata
// and the 004 → 002 section test; a broad range around them scores the
// same on the labels.
var DefaultWeights = Weights{Text: 0.4, Path: 0.3, Section: 0.2, Subject: 0.1, Children: 0.1}

// Options control Suggest.
type Options struct {
	Top       int     // suggestions kept per source node (default 3)
	Threshold float64 // suggestions scoring below are dropped (default 0)
	Weights   Weights // zero value: DefaultWeights
}

// Suggestion proposes that requirement From of the source catalog
// corresponds to requirement To of the target catalog.
type Suggestion struct {
	From  string  `json:"from"`
	To    string  `json:"to"`
	Score float64 `json:"score"`
}

// doc is one requirement node prepared for matching.
type doc struct {
	ref     string
	text    map[uint64]float64 // gram → raw weighted term frequency
	path    map[uint64]float64
	subject []string
	section int // index into the edition's section bags
}

// edition is the prepared side of a comparison.
type edition struct {
	docs     []doc
	sections []map[uint64]float64 // all requirement text of one section
}

// prepare turns the requirement nodes of an edition into documents.
func prepare(nodes []catalog.Node, w Weights) edition {
	byRef := make(map[string]int, len(nodes))
	children := map[string][]int{}
	for i, n := range nodes {
		byRef[n.Ref] = i
		children[n.Parent] = append(children[n.Parent], i)
	}
	var ed edition
	sectionOf := map[string]int{}
	for _, n := range nodes {
		if !n.Requirement {
			continue
		}
		d := doc{ref: n.Ref, text: map[uint64]float64{}, path: map[uint64]float64{}, subject: subjectRoles(n.Subject)}
		addGrams(d.text, bodyOf(n), 1)
		if w.Children > 0 {
			// Descendants that elaborate the node (sub-items, clauses,
			// example measures) join its text. A paragraph (項) is an
			// obligation of its own and stays out, except the first one,
			// which repeats the article's text: its clauses belong here.
			var walk func(ref string)
			walk = func(ref string) {
				for _, c := range children[ref] {
					cn := nodes[c]
					if cn.Kind == catalog.KindParagraph {
						if cn.Text == n.Text {
							walk(cn.Ref)
						}
						continue
					}
					addGrams(d.text, bodyOf(cn), w.Children)
					walk(cn.Ref)
				}
			}
			walk(n.Ref)
		}
		// Section path: own title, then ancestors' titles, nearer ones
		// weighing more.
		addGrams(d.path, n.Title, 1)
		weight := 1.0
		for p, ok := byRef[n.Parent]; ok; p, ok = byRef[nodes[p].Parent] {
			addGrams(d.path, nodes[p].Title, weight)
			weight *= 0.5
		}
		// The section is the nearest ancestor that is a section, chapter
		// or part (款, 項 x.y.z.w, 節…); its bag gathers every requirement
		// in it.
		sec := ""
		for p, ok := byRef[n.Parent]; ok; p, ok = byRef[nodes[p].Parent] {
			if k := nodes[p].Kind; k == catalog.KindSection || k == catalog.KindChapter || k == catalog.KindPart {
				sec = nodes[p].Ref
				break
			}
		}
		si, ok := sectionOf[sec]
		if !ok {
			si = len(ed.sections)
			sectionOf[sec] = si
			ed.sections = append(ed.sections, map[uint64]float64{})
		}
		d.section = si
		for g, f := range d.text {
			ed.sections[si][g] += f
		}
		ed.docs = append(ed.docs, d)
	}
	return ed
}

// bodyOf is the text a node is judged by: its title and text with the
// leading subject (「…は、」) removed, since the subject is its own signal.
func bodyOf(n catalog.Node) string {
	text := n.Text
	if n.Subject != "" {
		if rest, ok := strings.CutPrefix(text, n.Subject+"は、"); ok {
			text = rest
		} else if rest, ok := strings.CutPrefix(text, n.Subject+"は"); ok {
			text = rest
		}
	}
	return n.Title + "\n" + text
}

// addGrams adds the 2- and 3-grams of s, scaled by w, to bag. Grams never
// span punctuation, spaces or hiragana. A gram is packed into a uint64:
// 21 bits per rune, the top bit set for 3-grams.
func addGrams(bag map[uint64]float64, s string, w float64) {
	if s == "" || w == 0 {
		return
	}
	rs := []rune(normalize(s))
	start := 0
	flush := func(end int) {
		run := rs[start:end]
		for i := 0; i+1 < len(run); i++ {
			k := uint64(run[i])<<21 | uint64(run[i+1])
			bag[k] += w
			if i+2 < len(run) {
				bag[1<<63|k<<21|uint64(run[i+2])] += w
			}
		}
	}
	for i, r := range rs {
		if !isWordRune(r) {
			flush(i)
			start = i + 1
		}
	}
	flush(len(rs))
}

// isWordRune says whether r is part of a content word. Hiragana are left
// out: in these texts they are particles and verb endings (の, を, すること),
// and grams across them («の評», «るこ») only add noise.
func isWordRune(r rune) bool {
	if unicode.Is(unicode.Hiragana, r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == 'ー' || r == '々'
}

// vector is a sparse, L2-normalised vector, sorted by term.
type vector struct {
	terms   []int32
	weights []float32
}

// space maps grams to term ids and holds document frequencies.
type space struct {
	ids map[uint64]int32
	df  []int32
	n   int // documents counted
}

func newSpace() *space { return &space{ids: map[uint64]int32{}} }

func (s *space) count(bag map[uint64]float64) {
	s.n++
	for g := range bag {
		id, ok := s.ids[g]
		if !ok {
			id = int32(len(s.df))
			s.ids[g] = id
			s.df = append(s.df, 0)
		}
		s.df[id]++
	}
}

// vectorize weights bag by TF-IDF and normalises it.
func (s *space) vectorize(bag map[uint64]float64) vector {
	type tw struct {
		t int32
		w float64
	}
	tws := make([]tw, 0, len(bag))
	var norm float64
	for g, tf := range bag {
		id, ok := s.ids[g]
		if !ok || tf <= 0 {
			continue
		}
		idf := math.Log(float64(s.n+1) / float64(s.df[id]+1))
		if idf <= 0 {
			continue
		}
		w := (1 + math.Log(1+tf)) * idf
		tws = append(tws, tw{id, w})
		norm += w * w
	}
	slices.SortFunc(tws, func(a, b tw) int { return int(a.t - b.t) })
	v := vector{terms: make([]int32, len(tws)), weights: make([]float32, len(tws))}
	norm = math.Sqrt(norm)
	for i, x := range tws {
		v.terms[i] = x.t
		v.weights[i] = float32(x.w / norm)
	}
	return v
}

// index is an inverted index over target vectors.
type index struct {
	post [][]posting // by term id
}

type posting struct {
	doc int32
	w   float32
}

func newIndex(terms int, vs []vector) *index {
	ix := &index{post: make([][]posting, terms)}
	for d, v := range vs {
		for i, t := range v.terms {
			ix.post[t] = append(ix.post[t], posting{int32(d), v.weights[i]})
		}
	}
	return ix
}

// accumulate adds scale × (v · target) into acc for every target.
func (ix *index) accumulate(v vector, scale float32, acc []float32) {
	for i, t := range v.terms {
		w := v.weights[i] * scale
		for _, p := range ix.post[t] {
			acc[p.doc] += w * p.w
		}
	}
}

// Suggest proposes, for each requirement node of from, the most similar
// requirement nodes of to, best first, at most opt.Top per source node and
// none below opt.Threshold. Results are ordered by source document order.
func Suggest(from, to []catalog.Node, opt Options) []Suggestion {
	if opt.Top <= 0 {
		opt.Top = 3
	}
	w := opt.Weights
	if w == (Weights{}) {
		w = DefaultWeights
	}
	se, de := prepare(from, w), prepare(to, w)
	src, dst := se.docs, de.docs
	if len(src) == 0 || len(dst) == 0 {
		return nil
	}
	textSp, pathSp := newSpace(), newSpace()
	for _, ds := range [][]doc{src, dst} {
		for i := range ds {
			textSp.count(ds[i].text)
			pathSp.count(ds[i].path)
		}
	}
	dstText := make([]vector, len(dst))
	dstPath := make([]vector, len(dst))
	for i := range dst {
		dstText[i] = textSp.vectorize(dst[i].text)
		dstPath[i] = pathSp.vectorize(dst[i].path)
	}
	textIx := newIndex(len(textSp.df), dstText)
	pathIx := newIndex(len(pathSp.df), dstPath)
	secVecs := make([]vector, len(de.sections))
	for i, b := range de.sections {
		secVecs[i] = textSp.vectorize(b)
	}
	secIx := newIndex(len(textSp.df), secVecs)

	acc := make([]float32, len(dst))
	secAcc := make([]float32, len(secVecs))
	best := make([]int, 0, opt.Top+1)
	var out []Suggestion
	for _, s := range src {
		clear(acc)
		clear(secAcc)
		tv := textSp.vectorize(s.text)
		textIx.accumulate(tv, float32(w.Text), acc)
		pathIx.accumulate(pathSp.vectorize(s.path), float32(w.Path), acc)
		if w.Section > 0 {
			secIx.accumulate(tv, float32(w.Section), secAcc)
		}
		// Keep the best opt.Top in order (insertion into a short list).
		best = best[:0]
		for j := range dst {
			acc[j] += secAcc[dst[j].section]
			if w.Subject > 0 {
				acc[j] += float32(w.Subject * subjectMatch(s.subject, dst[j].subject))
			}
			if acc[j] <= 0 || (len(best) == opt.Top && acc[j] <= acc[best[len(best)-1]]) {
				continue
			}
			if len(best) < opt.Top {
				best = append(best, j)
			} else {
				best[len(best)-1] = j
			}
			for k := len(best) - 1; k > 0 && acc[best[k]] > acc[best[k-1]]; k-- {
				best[k], best[k-1] = best[k-1], best[k]
			}
		}
		for _, j := range best {
			score := math.Round(float64(acc[j])*1e4) / 1e4
			if score < opt.Threshold {
				break
			}
			out = append(out, Suggestion{From: s.ref, To: dst[j].ref, Score: score})
		}
	}
	return out
}
