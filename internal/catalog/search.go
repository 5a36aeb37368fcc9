package catalog

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"kitei/internal/apperr"
	"kitei/internal/paging"
)

// editionCache holds an edition's nodes and its character-bigram index.
// Japanese has no spaces between words, so the index is built on pairs of
// characters rather than on words.
type editionCache struct {
	nodes    []Node
	byRef    map[string]int
	children map[string][]int // parent ref → child indices
	norm     []string         // folded "title\ntext" per node
	grams    map[uint64][]int32
}

func (s *Service) edition(ctx context.Context, id int64) (*editionCache, error) {
	s.mu.Lock()
	ec := s.cache[id]
	s.mu.Unlock()
	if ec != nil {
		return ec, nil
	}
	nodes, err := s.store.EditionNodes(ctx, id)
	if err != nil {
		return nil, err
	}
	ec = buildCache(nodes)
	s.mu.Lock()
	s.cache[id] = ec
	s.mu.Unlock()
	return ec, nil
}

func buildCache(nodes []Node) *editionCache {
	ec := &editionCache{
		nodes:    nodes,
		byRef:    make(map[string]int, len(nodes)),
		children: map[string][]int{},
		norm:     make([]string, len(nodes)),
		grams:    map[uint64][]int32{},
	}
	for i, n := range nodes {
		ec.byRef[n.Ref] = i
		ec.children[n.Parent] = append(ec.children[n.Parent], i)
		ec.norm[i] = Fold(n.Title + "\n" + n.Text)
		var prev rune = -1
		for _, r := range ec.norm[i] {
			if prev >= 0 {
				k := gramKey(prev, r)
				p := ec.grams[k]
				if len(p) == 0 || p[len(p)-1] != int32(i) {
					ec.grams[k] = append(p, int32(i))
				}
			}
			prev = r
		}
	}
	return ec
}

func gramKey(a, b rune) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

// Fold normalises text for matching, one rune for one rune so positions in
// the folded text are positions in the original: full-width ASCII and
// spaces become half-width, half-width katakana become full-width, and
// Latin letters become lower case.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return unicode.ToLower(r)
	case r == '\u3000':
		return ' '
	case r >= 0xFF01 && r <= 0xFF5E:
		return unicode.ToLower(r - 0xFEE0)
	case r >= 0xFF61 && r <= 0xFF9F:
		if f := []rune(width.Widen.String(string(r))); len(f) == 1 {
			return f[0]
		}
	}
	return r
}

// SearchQuery filters a full-text search.
type SearchQuery struct {
	Text      string // words separated by spaces; every word must appear
	CatalogID int64  // 0 for every catalog
	Subject   string // exact subject, empty for any
	Limit     int    // most hits returned (default 200)
}

// Segment is a piece of a hit's text; Match marks the parts that matched.
type Segment struct {
	Text  string
	Match bool
}

// Hit is one node that matches a search.
type Hit struct {
	Catalog Catalog
	Node    Node
	Title   []Segment
	Text    []Segment
}

// SearchResult is the outcome of a search.
type SearchResult struct {
	Total int // hits before the limit
	Hits  []Hit
}

// Search finds nodes of the latest edition of each catalog containing
// every word of q.Text.
func (s *Service) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	var res SearchResult
	terms := strings.Fields(Fold(q.Text))
	if len(terms) == 0 {
		return res, nil
	}
	if q.Limit <= 0 {
		q.Limit = 200
	}
	cats, err := s.store.ListCatalogs(ctx)
	if err != nil {
		return res, err
	}
	for _, c := range cats {
		if q.CatalogID != 0 && c.ID != q.CatalogID {
			continue
		}
		ec, err := s.edition(ctx, c.Latest.ID)
		if err != nil {
			return res, err
		}
		for _, i := range ec.match(terms) {
			n := ec.nodes[i]
			if q.Subject != "" && n.Subject != q.Subject {
				continue
			}
			res.Total++
			if len(res.Hits) < q.Limit {
				res.Hits = append(res.Hits, Hit{
					Catalog: c, Node: n,
					Title: highlight(n.Title, terms),
					Text:  highlight(n.Text, terms),
				})
			}
		}
	}
	return res, nil
}

// match returns the indices of nodes whose folded text contains every term.
func (ec *editionCache) match(terms []string) []int32 {
	var cand []int32
	first := true
	for _, t := range terms {
		rs := []rune(t)
		if len(rs) < 2 {
			continue
		}
		for j := 1; j < len(rs); j++ {
			p := ec.grams[gramKey(rs[j-1], rs[j])]
			if first {
				cand = slices.Clone(p)
				first = false
			} else {
				cand = intersect(cand, p)
			}
			if len(cand) == 0 {
				return nil
			}
		}
	}
	if first { // only one-character terms: scan everything
		cand = make([]int32, len(ec.nodes))
		for i := range cand {
			cand[i] = int32(i)
		}
	}
	out := cand[:0]
	for _, i := range cand {
		ok := true
		for _, t := range terms {
			if !strings.Contains(ec.norm[i], t) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func intersect(a, b []int32) []int32 {
	out := a[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// highlight splits text into segments, marking every occurrence of the
// (folded) terms. Folding keeps one rune per rune, so rune positions in the
// folded text are positions in text.
func highlight(text string, terms []string) []Segment {
	if text == "" {
		return nil
	}
	orig := []rune(text)
	folded := []rune(Fold(text))
	mark := make([]bool, len(orig))
	for _, t := range terms {
		tr := []rune(t)
		for i := 0; i+len(tr) <= len(folded); i++ {
			if slices.Equal(folded[i:i+len(tr)], tr) {
				for k := i; k < i+len(tr); k++ {
					mark[k] = true
				}
			}
		}
	}
	var segs []Segment
	start := 0
	for i := 1; i <= len(orig); i++ {
		if i == len(orig) || mark[i] != mark[start] {
			segs = append(segs, Segment{Text: string(orig[start:i]), Match: mark[start]})
			start = i
		}
	}
	return segs
}

// Children returns the direct children of ref ("" for the top level).
func (s *Service) Children(ctx context.Context, editionID int64, ref string) ([]Node, error) {
	ec, err := s.edition(ctx, editionID)
	if err != nil {
		return nil, err
	}
	idx := ec.children[ref]
	out := make([]Node, len(idx))
	for i, j := range idx {
		out[i] = ec.nodes[j]
	}
	return out, nil
}

// Ancestors returns the chain of parents of ref, outermost first.
func (s *Service) Ancestors(ctx context.Context, editionID int64, ref string) ([]Node, error) {
	ec, err := s.edition(ctx, editionID)
	if err != nil {
		return nil, err
	}
	var out []Node
	i, ok := ec.byRef[ref]
	for ok && ec.nodes[i].Parent != "" {
		i, ok = ec.byRef[ec.nodes[i].Parent]
		if ok {
			out = append(out, ec.nodes[i])
		}
	}
	slices.Reverse(out)
	return out, nil
}

// Subjects lists the distinct subjects of the latest editions, most
// frequent first, for the search filter.
func (s *Service) Subjects(ctx context.Context) ([]string, error) {
	cats, err := s.store.ListCatalogs(ctx)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, c := range cats {
		ec, err := s.edition(ctx, c.Latest.ID)
		if err != nil {
			return nil, err
		}
		for _, n := range ec.nodes {
			if n.Subject != "" {
				count[n.Subject]++
			}
		}
	}
	out := make([]string, 0, len(count))
	for k := range count {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	return out, nil
}

// NodeKey is the cursor of a node in document order: its ref and its
// position in the edition (editions never change, so the position is a
// stable key).
func NodeKey(ref string, ord int) paging.Cursor { return paging.Cursor{Key: ref, ID: int64(ord) + 1} }

// NodesPage returns one page of an edition's nodes in document order: every
// node, or only those below under (the subtree without under itself) when
// under is set. The cursor names the last node shown (NodeKey); a cursor
// that names no node of the edition is refused with a 400.
func (s *Service) NodesPage(ctx context.Context, editionID int64, under string, req paging.Request) ([]Node, string, error) {
	ec, err := s.edition(ctx, editionID)
	if err != nil {
		return nil, "", err
	}
	start, end := 0, len(ec.nodes)
	if under != "" {
		i, ok := ec.byRef[under]
		if !ok {
			return nil, "", apperr.E(apperr.NotFound, "catalog.err.node_catalog", under)
		}
		start, end = i+1, ec.subtreeEnd(i)
	}
	if !req.After.IsZero() {
		i := int(req.After.ID) - 1
		if i < 0 || i >= len(ec.nodes) || ec.nodes[i].Ref != req.After.Key || i+1 < start || i >= end {
			return nil, "", apperr.E(apperr.BadRequest, "paging.err.cursor")
		}
		start = i + 1
	}
	type row struct {
		n   Node
		ord int
	}
	rows := make([]row, 0, min(end-start, req.Fetch()))
	for i := start; i < end && len(rows) < req.Fetch(); i++ {
		rows = append(rows, row{ec.nodes[i], i})
	}
	rows, next := paging.Cut(rows, req, func(r row) paging.Cursor { return NodeKey(r.n.Ref, r.ord) })
	out := make([]Node, len(rows))
	for i, r := range rows {
		out[i] = r.n
	}
	return out, next, nil
}

// subtreeEnd is the index just past the last descendant of node i (nodes
// come in document order, so a subtree is a run after its root).
func (ec *editionCache) subtreeEnd(i int) int {
	inside := map[string]bool{ec.nodes[i].Ref: true}
	j := i + 1
	for ; j < len(ec.nodes) && inside[ec.nodes[j].Parent]; j++ {
		inside[ec.nodes[j].Ref] = true
	}
	return j
}
