package jptext

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"kitei/internal/catalog"
)

// jpSeedIDs are the seed documents and the style each must be read as.
var jpSeedIDs = []struct{ id, style string }{
	{"000", "dotted"},
	{"001", "articles"},
	{"002", "dotted"},
	{"003", "chapters"},
	{"004", "guideline"},
}

// jpSeedDir finds shared/seeds by walking up from the package directory;
// it is a sibling of the repository root. Empty when not found.
func jpSeedDir() string {
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

// jpSeed returns the bytes of seed id ("002"), skipping the test when the
// seeds are not available.
func jpSeed(tb testing.TB, id string) []byte {
	tb.Helper()
	dir := jpSeedDir()
	if dir == "" {
		tb.Skip("seed documents not found (expected shared/seeds beside the repository)")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, id+"_*.txt"))
	if len(matches) != 1 {
		tb.Skipf("seed %s not found in %s", id, dir)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		tb.Fatalf("read seed %s: %v", id, err)
	}
	return data
}

// jpParse parses data and fails the test on error.
func jpParse(tb testing.TB, data []byte) *catalog.Parsed {
	tb.Helper()
	p, err := Parse(data)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return p
}

func TestParseSeedStyles(t *testing.T) {
	for _, s := range jpSeedIDs {
		t.Run(s.id, func(t *testing.T) {
			p := jpParse(t, jpSeed(t, s.id))
			if p.Style != s.style {
				t.Errorf("seed %s: style %q, want %q", s.id, p.Style, s.style)
			}
			if p.Format != "jptext" || p.Encoding != "utf-8" {
				t.Errorf("seed %s: format %q encoding %q", s.id, p.Format, p.Encoding)
			}
		})
	}
}

// reencode converts UTF-8 text with enc. Characters the target cannot
// represent are first replaced with 〓 (the JIS substitute mark), and that
// substituted UTF-8 text is returned too, so the comparison is fair.
func reencode(t *testing.T, enc encoding.Encoding, text []byte) (encoded, base []byte) {
	t.Helper()
	var b strings.Builder
	e := enc.NewEncoder()
	for _, r := range string(text) {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		if _, err := e.String(string(r)); err != nil {
			b.WriteString("〓")
			continue
		}
		b.WriteRune(r)
	}
	base = []byte(b.String())
	encoded, err := enc.NewEncoder().Bytes(base)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return encoded, base
}

func TestParseReencodedSeedsGiveSameNodes(t *testing.T) {
	encodings := []struct {
		name string
		enc  encoding.Encoding
		bom  bool
	}{
		{"shift_jis", japanese.ShiftJIS, false},
		{"euc-jp", japanese.EUCJP, false},
		{"utf-16le", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), true},
		{"utf-16be", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), true},
	}
	for _, s := range jpSeedIDs {
		orig := jpSeed(t, s.id)
		for _, e := range encodings {
			t.Run(s.id+"/"+e.name, func(t *testing.T) {
				encoded, subst := reencode(t, e.enc, orig)
				if e.bom && !(bytes.HasPrefix(encoded, []byte{0xFF, 0xFE}) || bytes.HasPrefix(encoded, []byte{0xFE, 0xFF})) {
					t.Fatalf("encoder wrote no BOM")
				}
				if !bytes.Equal(subst, orig) {
					// Characters outside the legacy set (bullet glyphs)
					// became 〓; compare with that UTF-8 text.
					t.Logf("seed %s: %s cannot hold every character; comparing with the substituted text", s.id, e.name)
				}
				want := jpParse(t, subst)
				got := jpParse(t, encoded)
				if got.Encoding != e.name {
					t.Errorf("encoding detected %q, want %q", got.Encoding, e.name)
				}
				if got.Style != want.Style {
					t.Fatalf("style %q, want %q", got.Style, want.Style)
				}
				if !reflect.DeepEqual(got.Nodes, want.Nodes) {
					t.Fatalf("nodes differ from the UTF-8 parse (%d vs %d nodes)", len(got.Nodes), len(want.Nodes))
				}
			})
		}
	}
	// Substituted bullets must not change the dotted seeds' requirements.
	for id, n := range map[string]int{"000": 378, "002": 426} {
		encoded, _ := reencode(t, japanese.ShiftJIS, jpSeed(t, id))
		if got := jpParse(t, encoded).Requirements(); got != n {
			t.Errorf("seed %s as Shift_JIS: %d requirements, want %d", id, got, n)
		}
	}
}

func TestParseCRLFGivesSameNodes(t *testing.T) {
	for _, id := range []string{"000", "002"} {
		orig := jpSeed(t, id)
		crlf := bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n"))
		a, b := jpParse(t, orig), jpParse(t, crlf)
		if !reflect.DeepEqual(a.Nodes, b.Nodes) {
			t.Errorf("seed %s: CRLF line endings change the nodes", id)
		}
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := Parse(nil); err == nil || !errors.Is(err, catalog.ErrEmpty) {
		t.Errorf("empty input: %v, want ErrEmpty", err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), pseudoRandom(4096, 7)...)
	if _, err := Parse(png); err == nil || !errors.Is(err, catalog.ErrBinary) {
		t.Errorf("PNG bytes: %v, want ErrBinary", err)
	}
}

func TestParseParagraphFallback(t *testing.T) {
	text := "規程の前書きです。\n\n本文は番号を持たない。\n二行目が続く。\n\nおわり\n"
	p := jpParse(t, []byte(text))
	if p.Style != "paragraphs" {
		t.Fatalf("style %q, want paragraphs", p.Style)
	}
	if len(p.Warnings) == 0 {
		t.Error("no warning for unstructured text")
	}
	want := []string{"規程の前書きです。", "本文は番号を持たない。二行目が続く。", "おわり"}
	if len(p.Nodes) != len(want) {
		t.Fatalf("%d paragraphs, want %d: %+v", len(p.Nodes), len(want), p.Nodes)
	}
	for i, n := range p.Nodes {
		if n.Text != want[i] || n.Kind != catalog.KindParagraph || n.Ref != paragraphRefPrefix+string(rune('1'+i)) || n.Requirement {
			t.Errorf("paragraph %d: %+v", i, n)
		}
	}
}

func TestNormDigits(t *testing.T) {
	cases := map[string]string{
		"第１．２部":      "第1.2部",
		"（ａ）　本文":     "(a) 本文",
		"ＣＳＩＲＴは、":    "CSIRTは、",
		"half 1.2.3": "half 1.2.3",
		"漢字のみ":       "漢字のみ",
		"１":          "1",
		"末尾ｚ":        "末尾z",
		"｛～｝":        "{~}",
		"\u3000":     " ",
	}
	for in, want := range cases {
		if got := normDigits(in); got != want {
			t.Errorf("normDigits(%q) = %q, want %q", in, got, want)
		}
		if len([]rune(normDigits(in))) != len([]rune(in)) {
			t.Errorf("normDigits(%q) changes the rune count", in)
		}
	}
}

func TestCleanLineAndBlank(t *testing.T) {
	cases := map[string]string{
		" 括する者として、":  "括する者として、",
		"本文 \t":      "本文",
		"|":          "",
		"見出し |":      "見出し",
		"\u3000全角空白": "全角空白",
	}
	for in, want := range cases {
		if got := cleanLine(in); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"", " ", "\t|\u3000"} {
		if !isBlank(s) {
			t.Errorf("isBlank(%q) = false", s)
		}
	}
	if isBlank(" a ") {
		t.Error(`isBlank(" a ") = true`)
	}
}

func TestJoinWrapped(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{[]string{"情報セキュリティ責任者を置", " くこと。"}, "情報セキュリティ責任者を置くこと。"},
		{[]string{"JIS Q", "27001 に基づく"}, "JIS Q 27001 に基づく"},
		{[]string{"IPv6", "通信"}, "IPv6通信"},
		{[]string{"", "  ", "一行"}, "一行"},
		{[]string{"end.", "Next"}, "end.Next"},
	}
	for _, c := range cases {
		if got := joinWrapped(c.in); got != c.want {
			t.Errorf("joinWrapped(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// pseudoRandom returns n deterministic bytes.
func pseudoRandom(n int, seed uint32) []byte {
	out := make([]byte, n)
	x := seed | 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x >> 8)
	}
	return out
}
