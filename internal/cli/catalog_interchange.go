package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws a one-line progress bar on a terminal while bytes flow
// through it; total 0 means unknown (only the count is shown).
type progress struct {
	out   io.Writer
	label string
	total int64
	done  int64
	last  time.Time
}

// newProgress returns a progress bar on stderr when stderr is a terminal,
// nil otherwise (a nil *progress does nothing).
func newProgress(stderr io.Writer, label string, total int64) *progress {
	if !isTerminal(stderr) {
		return nil
	}
	return &progress{out: stderr, label: label, total: total}
}

func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.done += int64(n)
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		p.draw()
	}
}

func (p *progress) draw() {
	if p.total > 0 {
		const width = 30
		filled := int(p.done * width / max(p.total, 1))
		filled = min(filled, width)
		fmt.Fprintf(p.out, "\r%s [%s%s] %3d%% %s", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			p.done*100/max(p.total, 1), sizeText(p.done))
		return
	}
	fmt.Fprintf(p.out, "\r%s %s", p.label, sizeText(p.done))
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.draw()
	fmt.Fprintln(p.out)
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// progressReader counts bytes read into a progress bar.
type progressReader struct {
	r io.Reader
	p *progress
}

func (r progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.add(n)
	return n, err
}

// progressWriter counts bytes written into a progress bar.
type progressWriter struct {
	w io.Writer
	p *progress
}

func (w progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.p.add(n)
	return n, err
}

// readImportFileProgress reads a source file like readImportFile, drawing a
// progress bar on stderr when it is a terminal and the file is large.
func readImportFileProgress(path string, stderr io.Writer) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Size() > catalog.MaxImportSize || st.Size() < 4<<20 || !isTerminal(stderr) {
		return readImportFile(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := newProgress(stderr, "reading", st.Size())
	data := make([]byte, 0, st.Size())
	buf := bytes.NewBuffer(data)
	_, err = io.Copy(buf, io.LimitReader(progressReader{r: f, p: p}, catalog.MaxImportSize+1))
	p.finish()
	if err != nil {
		return nil, err
	}
	if buf.Len() > catalog.MaxImportSize {
		return nil, fmt.Errorf("%s is too large; the limit is %d MB", path, catalog.MaxImportSize>>20)
	}
	return buf.Bytes(), nil
}

// printImportResults reports an import that made several catalogs (a
// library with several frameworks): an array with --json, a line each
// otherwise.
func printImportResults(env *Env, results []catalog.ImportResult, asJSON bool) error {
	sums := make([]catalogSummary, len(results))
	for i, r := range results {
		sums[i] = summarize(r.Catalog, r.Edition)
		sums[i].Duplicate = r.Duplicate
	}
	if asJSON {
		return writeJSON(env.Stdout, sums)
	}
	for _, s := range sums {
		if s.Duplicate {
			fmt.Fprintf(env.Stdout, "already imported: catalog %d %q edition %d (nothing changed)\n", s.ID, s.Name, s.Edition)
			continue
		}
		fmt.Fprintf(env.Stdout, "imported catalog %d %q edition %d: %d nodes, %d requirements (%s/%s)\n",
			s.ID, s.Name, s.Edition, s.Nodes, s.Requirements, s.Format, s.Style)
		for _, w := range s.Warnings {
			fmt.Fprintf(env.Stderr, "warning: %s: %s\n", s.Name, w)
		}
	}
	return nil
}

// exportCatalog writes catalog idArg in format to path (stdout when empty),
// with a progress count on a terminal when writing to a file.
func exportCatalog(ctx context.Context, env *Env, svc *catalog.Service, idArg string, edition int, format, path string) error {
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil {
		return apperr.E(apperr.Invalid, "catalog.err.catalog_id_number_got", idArg)
	}
	if _, err := svc.ExportInfo(ctx, id, edition, format); err != nil {
		return err
	}
	if format == "xlsx" && (path == "" || path == "-") && isTerminal(env.Stdout) {
		return apperr.E(apperr.Invalid, "catalog.err.xlsx_binary_give_o_file")
	}
	return writeOutput(env, path, func(w io.Writer) error {
		var p *progress
		if path != "" && path != "-" {
			p = newProgress(env.Stderr, "writing "+format, 0)
		}
		err := svc.Export(ctx, id, edition, format, progressWriter{w: w, p: p})
		p.finish()
		return err
	})
}
