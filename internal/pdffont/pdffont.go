// Package pdffont finds the Japanese TrueType font that kitei embeds in
// the PDFs it writes (rulebooks, the annual report). kitei ships no font:
// it uses the one named by the administrator, else Debian's IPAex fonts
// (fonts-ipaexfont), else another Japanese font from the system's packages.
package pdffont

import (
	"os"
	"path/filepath"
)

// Env names the environment variable that points at the font file.
const Env = "KITEI_PDF_FONT"

// candidates are tried in order after the configured font and Env.
var candidates = []string{
	"/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
	"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/opentype/ipaexfont-*/*.ttf",
	"/usr/share/fonts/truetype/ipaexfont-*/*.ttf",
	"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
}

// Find returns the font to embed: configured when set, else $KITEI_PDF_FONT,
// else the first system font found; "" when none exists. A font that is
// named but missing is not replaced by another: "" says the setting is wrong.
func Find(configured string) string {
	for _, p := range []string{configured, os.Getenv(Env)} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
	}
	for _, g := range candidates {
		if m, _ := filepath.Glob(g); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}
