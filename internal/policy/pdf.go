package policy

import (
	"io"
	"strconv"
	"strings"

	"github.com/signintech/gopdf"

	"kitei/internal/apperr"
	"kitei/internal/pdffont"
)

// FontEnv names the environment variable that points at the TrueType font
// PDFs are written with.
const FontEnv = pdffont.Env

// WritePDF writes the nodes as an A4 PDF set in a Japanese font (fontPath,
// found by pdffont.Find when empty).
func WritePDF(w io.Writer, meta DocMeta, nodes []Node, fontPath string) error {
	font := pdffont.Find(fontPath)
	if font == "" {
		return apperr.E(apperr.Conflict, "policy.err.no_font", FontEnv)
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetInfo(gopdf.PdfInfo{Title: meta.Title, Creator: "kitei"})
	if err := pdf.AddTTFFont("jp", font); err != nil {
		return err
	}
	const left, top, width, bottom = 56.0, 60.0, 483.0, 790.0
	pdf.AddPage()
	y := top
	write := func(text string, size float64, indent float64, gap float64) error {
		if err := pdf.SetFont("jp", "", size); err != nil {
			return err
		}
		for _, para := range strings.Split(text, "\n") {
			lines, err := pdf.SplitText(para, width-indent)
			if err != nil {
				lines = []string{para}
			}
			for _, l := range lines {
				if y+size*1.5 > bottom {
					pdf.AddPage()
					y = top
				}
				pdf.SetXY(left+indent, y)
				if err := pdf.Cell(nil, l); err != nil {
					return err
				}
				y += size * 1.6
			}
		}
		y += gap
		return nil
	}
	if err := write(meta.Title, 18, 0, 6); err != nil {
		return err
	}
	sub := "第" + strconv.Itoa(meta.Version) + "版"
	if meta.EffectiveOn != "" {
		sub += "　施行日 " + meta.EffectiveOn
	}
	if err := write(sub, 10, 0, 10); err != nil {
		return err
	}
	ds := depths(nodes)
	for i, n := range nodes {
		if l := headingLevel(n, ds[i]); l > 0 {
			text := n.Ref
			if n.Title != "" {
				text += "　" + n.Title
			}
			size := 15.0 - float64(l)
			if err := write(text, size, 0, 2); err != nil {
				return err
			}
			if n.Text != "" {
				if err := write(n.Text, 10.5, 0, 4); err != nil {
					return err
				}
			}
			continue
		}
		indent := float64(ds[i]) * 10
		if indent > 40 {
			indent = 40
		}
		text := label(n) + "　" + n.Text
		if n.Title != "" {
			text = label(n) + "　" + n.Title + "　" + n.Text
		}
		if err := write(text, 10.5, indent, 3); err != nil {
			return err
		}
	}
	_, err := pdf.WriteTo(w)
	return err
}
