package pdffont

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindPrefersWhatIsNamed(t *testing.T) {
	font := filepath.Join(t.TempDir(), "font.ttf")
	if err := os.WriteFile(font, []byte("not really a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(Env, "")
	if got := Find(font); got != font {
		t.Fatalf("configured font: got %q", got)
	}
	if got := Find(font + ".missing"); got != "" {
		t.Fatalf("a missing configured font must not be replaced: got %q", got)
	}
	t.Setenv(Env, font)
	if got := Find(""); got != font {
		t.Fatalf("font from %s: got %q", Env, got)
	}
	t.Setenv(Env, font+".missing")
	if got := Find(""); got != "" {
		t.Fatalf("a missing %s font must not be replaced: got %q", Env, got)
	}
}
