// Package testshared finds, for tests, the project's shared material that
// lives beside the repository rather than in it (../shared: the seed
// rulebooks, OSCAL samples). Tests that need it skip when it is absent.
package testshared

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Path is shared/<name> found by walking up from this package's folder,
// "" when there is none.
func Path(name string) string {
	_, file, _, _ := runtime.Caller(0)
	for dir := filepath.Dir(file); ; {
		cand := filepath.Join(dir, "shared", name)
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

// Dir is Path(name), skipping t when it is absent.
func Dir(t testing.TB, name string) string {
	t.Helper()
	p := Path(name)
	if p == "" {
		t.Skipf("../shared/%s not found beside the repository", name)
	}
	return p
}

// Seeds is the folder of the seed rulebooks, skipping t when it is absent.
func Seeds(t testing.TB) string {
	t.Helper()
	return Dir(t, "seeds")
}
