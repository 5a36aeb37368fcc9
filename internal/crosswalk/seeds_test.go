package crosswalk

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
)

// seedDir finds shared/seeds by walking up from the package directory (it
// sits beside the repository); empty when not found.
func seedDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "seeds")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var (
	seedMu    sync.Mutex
	seedCache = map[string][]catalog.Node{}
)

// seedNodes parses seed id ("000") and returns its nodes, skipping the test
// when the seeds are absent.
func seedNodes(tb testing.TB, id string) []catalog.Node {
	tb.Helper()
	seedMu.Lock()
	defer seedMu.Unlock()
	if n, ok := seedCache[id]; ok {
		return n
	}
	dir := seedDir()
	if dir == "" {
		tb.Skip("seed documents not found (expected shared/seeds beside the repository)")
	}
	m, _ := filepath.Glob(filepath.Join(dir, id+"_*.txt"))
	if len(m) != 1 {
		tb.Skipf("seed %s not found in %s", id, dir)
	}
	data, err := os.ReadFile(m[0])
	if err != nil {
		tb.Fatal(err)
	}
	p, err := jptext.Parse(data)
	if err != nil {
		tb.Fatalf("parse seed %s: %v", id, err)
	}
	seedCache[id] = p.Nodes
	return p.Nodes
}

// readLabels reads a tab-separated label file: ref, then acceptable
// targets separated by commas. Lines starting with # are notes.
func readLabels(tb testing.TB, path string) map[string][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		from, to, ok := strings.Cut(line, "\t")
		if !ok {
			tb.Fatalf("%s: bad line %q", path, line)
		}
		out[from] = strings.Split(to, ",")
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
