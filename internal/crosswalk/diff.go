package crosswalk

import (
	"context"
	"slices"
	"strings"

	"kitei/internal/catalog"
)

// Change types of an edition diff.
const (
	ChangeAdded   = "added"   // only in the new edition
	ChangeRemoved = "removed" // only in the old edition
	ChangeChanged = "changed" // same ref, different text
	ChangeMoved   = "moved"   // same text, new ref (renumbered or moved)
)

// Change is one difference between two editions.
type Change struct {
	Type        string `json:"type"`
	OldRef      string `json:"old_ref,omitempty"`
	NewRef      string `json:"new_ref,omitempty"`
	Kind        string `json:"kind"`
	Requirement bool   `json:"requirement"`
	Title       string `json:"title,omitempty"`
	OldText     string `json:"old_text,omitempty"`
	NewText     string `json:"new_text,omitempty"`
	// Inline is the character diff of title and text, for changed nodes.
	Inline []Op `json:"inline,omitempty"`
	// Touched are the links from derived catalogs to the old node: the
	// derived requirements to review because of this change.
	Touched []Link `json:"touched,omitempty"`
}

// EditionDiff is what changed between two editions.
type EditionDiff struct {
	Old     Summary  `json:"old"`
	New     Summary  `json:"new"`
	Changes []Change `json:"changes"`
	Counts  Counts   `json:"counts"`
	// Touched lists each derived requirement that a change touches once,
	// in catalog and ref order.
	Touched []TouchedItem `json:"touched"`
}

// Summary names one side of a diff or gap report.
type Summary struct {
	Catalog     int64  `json:"catalog"`
	CatalogName string `json:"catalog_name"`
	Edition     int64  `json:"edition"`
	Number      int    `json:"number"`
}

func summarize(s Side) Summary {
	return Summary{Catalog: s.Catalog.ID, CatalogName: s.Catalog.Name, Edition: s.Edition.ID, Number: s.Edition.Number}
}

// Counts tallies changes by type.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	Moved   int `json:"moved"`
}

// TouchedItem is a derived requirement affected by the changes.
type TouchedItem struct {
	Catalog int64    `json:"catalog"`
	Edition int64    `json:"edition"`
	Ref     string   `json:"ref"`
	Because []string `json:"because"` // old refs of the changes that touch it
}

// content is what a node says, for comparing editions: numbering aside.
func content(n catalog.Node) string {
	return n.Kind + "\x00" + strings.TrimSpace(n.Title) + "\x00" + strings.Join(strings.Fields(n.Text), " ")
}

// DiffEditions compares the nodes of two editions. Nodes are paired by ref
// first (same text: unchanged; otherwise changed), except that a node whose
// exact text reappears under another ref is reported as moved — so when an
// item is inserted and the ones after it renumbered, the shifted items are
// moves and only the new one is an addition. links are links into the old
// edition (To side); each change lists those pointing at its old ref.
func DiffEditions(oldNodes, newNodes []catalog.Node, links []Link) (changes []Change, touched []TouchedItem) {
	oldBy := make(map[string]int, len(oldNodes))
	for i, n := range oldNodes {
		oldBy[n.Ref] = i
	}
	newBy := make(map[string]int, len(newNodes))
	for i, n := range newNodes {
		newBy[n.Ref] = i
	}
	oldDone := make([]bool, len(oldNodes))
	newDone := make([]bool, len(newNodes))
	// Unchanged: same ref, same content.
	for i, n := range oldNodes {
		if j, ok := newBy[n.Ref]; ok && content(newNodes[j]) == content(n) {
			oldDone[i], newDone[j] = true, true
		}
	}
	// Moved: the same content under another ref, paired in document order.
	pending := map[string][]int{} // content → unpaired new nodes
	for j, n := range newNodes {
		if !newDone[j] {
			c := content(n)
			pending[c] = append(pending[c], j)
		}
	}
	type pair struct{ o, n int }
	var moves []pair
	for i, n := range oldNodes {
		if oldDone[i] {
			continue
		}
		c := content(n)
		if js := pending[c]; len(js) > 0 && strings.TrimSpace(n.Text+n.Title) != "" {
			j := js[0]
			pending[c] = js[1:]
			oldDone[i], newDone[j] = true, true
			moves = append(moves, pair{i, j})
		}
	}
	movedAt := map[int]pair{}
	for _, p := range moves {
		movedAt[p.n] = p
	}
	linksTo := map[string][]Link{}
	for _, l := range links {
		if l.Status != StatusRejected {
			linksTo[l.ToRef] = append(linksTo[l.ToRef], l)
		}
	}
	touch := func(c *Change) {
		if c.OldRef != "" {
			c.Touched = linksTo[c.OldRef]
		}
	}
	// Removed and changed, in old document order; added and moved come in
	// new document order after them, each where it stands in the new
	// edition.
	for i, n := range oldNodes {
		if oldDone[i] {
			continue
		}
		c := Change{OldRef: n.Ref, Kind: n.Kind, Requirement: n.Requirement, Title: n.Title, OldText: n.Text}
		if j, ok := newBy[n.Ref]; ok && !newDone[j] {
			m := newNodes[j]
			newDone[j] = true
			c.Type, c.NewRef, c.NewText = ChangeChanged, m.Ref, m.Text
			c.Requirement = c.Requirement || m.Requirement
			if m.Title != "" {
				c.Title = m.Title
			}
			c.Inline = DiffText(joinTitle(n), joinTitle(m))
		} else {
			c.Type = ChangeRemoved
		}
		touch(&c)
		changes = append(changes, c)
	}
	for j, n := range newNodes {
		if p, ok := movedAt[j]; ok {
			o := oldNodes[p.o]
			c := Change{Type: ChangeMoved, OldRef: o.Ref, NewRef: n.Ref, Kind: n.Kind, Requirement: n.Requirement,
				Title: n.Title, OldText: o.Text, NewText: n.Text}
			touch(&c)
			changes = append(changes, c)
			continue
		}
		if newDone[j] {
			continue
		}
		changes = append(changes, Change{Type: ChangeAdded, NewRef: n.Ref, Kind: n.Kind, Requirement: n.Requirement,
			Title: n.Title, NewText: n.Text})
	}
	// The derived requirements touched, once each.
	type key struct {
		ed  int64
		ref string
	}
	seen := map[key]int{}
	for _, c := range changes {
		for _, l := range c.Touched {
			k := key{l.FromEdition, l.FromRef}
			i, ok := seen[k]
			if !ok {
				i = len(touched)
				seen[k] = i
				touched = append(touched, TouchedItem{Catalog: l.FromCatalog, Edition: l.FromEdition, Ref: l.FromRef})
			}
			if !slices.Contains(touched[i].Because, c.OldRef) {
				touched[i].Because = append(touched[i].Because, c.OldRef)
			}
		}
	}
	slices.SortStableFunc(touched, func(a, b TouchedItem) int {
		if a.Edition != b.Edition {
			return int(a.Edition - b.Edition)
		}
		return compareRefs(a.Ref, b.Ref)
	})
	return changes, touched
}

func joinTitle(n catalog.Node) string {
	if n.Title == "" {
		return n.Text
	}
	if n.Text == "" {
		return n.Title
	}
	return n.Title + "\n" + n.Text
}

// compareRefs orders refs with their numbers compared as numbers, so 第9条
// comes before 第10条 and 1.2.10 after 1.2.9.
func compareRefs(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	i, j := 0, 0
	for i < len(ra) && j < len(rb) {
		if isDigit(ra[i]) && isDigit(rb[j]) {
			si, sj := i, j
			for i < len(ra) && isDigit(ra[i]) {
				i++
			}
			for j < len(rb) && isDigit(rb[j]) {
				j++
			}
			na := strings.TrimLeft(string(ra[si:i]), "0")
			nb := strings.TrimLeft(string(rb[sj:j]), "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if ra[i] != rb[j] {
			if ra[i] < rb[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	return (len(ra) - i) - (len(rb) - j)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// Diff compares two editions (usually of one catalog) and, through the
// links into the old edition, names the derived requirements each change
// touches.
func (s *Service) Diff(ctx context.Context, oldRef, newRef EditionRef) (EditionDiff, error) {
	var d EditionDiff
	o, err := s.Resolve(ctx, oldRef)
	if err != nil {
		return d, err
	}
	n, err := s.Resolve(ctx, newRef)
	if err != nil {
		return d, err
	}
	links, err := s.store.Links(ctx, Filter{ToEdition: o.Edition.ID})
	if err != nil {
		return d, err
	}
	d.Old, d.New = summarize(o), summarize(n)
	d.Changes, d.Touched = DiffEditions(o.Nodes, n.Nodes, links)
	if d.Changes == nil {
		d.Changes = []Change{}
	}
	if d.Touched == nil {
		d.Touched = []TouchedItem{}
	}
	for _, c := range d.Changes {
		switch c.Type {
		case ChangeAdded:
			d.Counts.Added++
		case ChangeRemoved:
			d.Counts.Removed++
		case ChangeChanged:
			d.Counts.Changed++
		case ChangeMoved:
			d.Counts.Moved++
		}
	}
	return d, nil
}
