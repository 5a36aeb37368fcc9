package crosswalk

// A character-level diff for Japanese text, where word diffs do not work
// (no spaces). It is Myers' O(ND) algorithm on runes after trimming the
// common prefix and suffix; when the texts differ too much for that to stay
// cheap, the middle is shown as one deletion and one insertion.

// Op kinds of a text diff.
const (
	OpEqual  = "="
	OpDelete = "-"
	OpInsert = "+"
)

// Op is one run of a text diff.
type Op struct {
	Kind string `json:"op"` // OpEqual, OpDelete, OpInsert
	Text string `json:"text"`
}

// maxEdits bounds the edit distance Myers explores (memory grows with its
// square); beyond it the changed middle is replaced wholesale.
const maxEdits = 1500

// DiffText returns the operations turning a into b, rune by rune. Adjacent
// operations of one kind are merged; deletions come before insertions.
func DiffText(a, b string) []Op {
	ra, rb := []rune(a), []rune(b)
	pre := 0
	for pre < len(ra) && pre < len(rb) && ra[pre] == rb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ra)-pre && suf < len(rb)-pre && ra[len(ra)-1-suf] == rb[len(rb)-1-suf] {
		suf++
	}
	var ops []Op
	add := func(kind string, rs []rune) {
		if len(rs) == 0 {
			return
		}
		if n := len(ops); n > 0 && ops[n-1].Kind == kind {
			ops[n-1].Text += string(rs)
			return
		}
		ops = append(ops, Op{kind, string(rs)})
	}
	add(OpEqual, ra[:pre])
	for _, e := range myers(ra[pre:len(ra)-suf], rb[pre:len(rb)-suf]) {
		add(e.kind, e.runes)
	}
	add(OpEqual, ra[len(ra)-suf:])
	return normalizeOps(ops)
}

type edit struct {
	kind  string
	runes []rune
}

// myers returns the shortest edit script from a to b.
func myers(a, b []rune) []edit {
	n, m := len(a), len(b)
	if n == 0 && m == 0 {
		return nil
	}
	if n == 0 {
		return []edit{{OpInsert, b}}
	}
	if m == 0 {
		return []edit{{OpDelete, a}}
	}
	max := n + m
	if max > maxEdits {
		max = maxEdits
	}
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		snap := make([]int, len(v))
		copy(snap, v)
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insertion
			} else {
				x = v[off+k-1] + 1 // right: deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	if !found {
		return []edit{{OpDelete, a}, {OpInsert, b}}
	}
	// Walk back through the trace.
	var rev []edit
	push := func(kind string, r rune) {
		if len(rev) > 0 && rev[len(rev)-1].kind == kind {
			rev[len(rev)-1].runes = append(rev[len(rev)-1].runes, r)
			return
		}
		rev = append(rev, edit{kind, []rune{r}})
	}
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		vd := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vd[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			push(OpEqual, a[x])
		}
		if x == prevX {
			y--
			push(OpInsert, b[y])
		} else {
			x--
			push(OpDelete, a[x])
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		push(OpEqual, a[x])
	}
	// Reverse the runs and the runes inside each.
	out := make([]edit, len(rev))
	for i, e := range rev {
		rs := e.runes
		for l, r := 0, len(rs)-1; l < r; l, r = l+1, r-1 {
			rs[l], rs[r] = rs[r], rs[l]
		}
		out[len(rev)-1-i] = edit{e.kind, rs}
	}
	return out
}

// normalizeOps merges neighbours of one kind and puts each deletion before
// the insertion next to it, so a replacement reads 「-old+new」.
func normalizeOps(ops []Op) []Op {
	for i := 0; i+1 < len(ops); i++ {
		if ops[i].Kind == OpInsert && ops[i+1].Kind == OpDelete {
			ops[i], ops[i+1] = ops[i+1], ops[i]
		}
	}
	var out []Op
	for _, o := range ops {
		if o.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Kind == o.Kind {
			out[n-1].Text += o.Text
			continue
		}
		out = append(out, o)
	}
	return out
}

// Apply rebuilds the old (side OpDelete) or new (side OpInsert) text from
// ops.
func Apply(ops []Op, side string) string {
	var s []byte
	for _, o := range ops {
		if o.Kind == OpEqual || o.Kind == side {
			s = append(s, o.Text...)
		}
	}
	return string(s)
}
