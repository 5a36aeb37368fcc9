package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

func runCatalog(ctx context.Context, env *Env, args []string) error {
	sub := map[string]func(context.Context, *Env, []string) error{
		"import": catalogImport,
		"list":   catalogList,
		"show":   catalogShow,
		"export": catalogExport,
		"diff":   catalogDiff,
	}
	if len(args) == 0 {
		return usageErr("kitei catalog import|list|show|export …")
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageErr("unknown catalog command %q (import, list, show, export)", args[0])
	}
	return f(ctx, env, args[1:])
}

// catalogSummary is the JSON shape of import and list (DESIGN.md §4).
type catalogSummary struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Format       string   `json:"format"`
	Nodes        int      `json:"nodes"`
	Requirements int      `json:"requirements"`
	Edition      int      `json:"edition"`
	Style        string   `json:"style"`
	Duplicate    bool     `json:"duplicate,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

func summarize(c catalog.Catalog, e catalog.Edition) catalogSummary {
	return catalogSummary{ID: c.ID, Name: c.Name, Format: e.Format, Nodes: e.Nodes,
		Requirements: e.Requirements, Edition: e.Number, Style: e.Style, Warnings: e.Warnings}
}

func catalogImport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "catalog import")
	dsn := dbFlag(fs, env)
	format := fs.String("format", "auto", "auto, jptext, oscal, ciso, xlsx, json")
	name := fs.String("name", "", "catalog name (a changed file under an existing name becomes a new edition)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("kitei catalog import FILE [--format auto|jptext|oscal|ciso|xlsx|json] [--name NAME] [--json]")
	}
	data, err := readImportFileProgress(pos[0], env.Stderr)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	results, err := catalogService(db).ImportAll(ctx, catalog.ImportRequest{Name: *name, SourceName: pos[0], Format: *format, Data: data})
	if err != nil {
		return err
	}
	if len(results) > 1 {
		return printImportResults(env, results, *asJSON)
	}
	res := results[0]
	sum := summarize(res.Catalog, res.Edition)
	sum.Duplicate = res.Duplicate
	if *asJSON {
		return writeJSON(env.Stdout, sum)
	}
	if res.Duplicate {
		fmt.Fprintf(env.Stdout, "already imported: catalog %d %q edition %d (nothing changed)\n", sum.ID, sum.Name, sum.Edition)
		return nil
	}
	fmt.Fprintf(env.Stdout, "imported catalog %d %q edition %d: %d nodes, %d requirements (%s/%s)\n",
		sum.ID, sum.Name, sum.Edition, sum.Nodes, sum.Requirements, sum.Format, sum.Style)
	for _, w := range sum.Warnings {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
	return nil
}

// readImportFile reads a source file, refusing oversized ones before reading.
func readImportFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", path)
	}
	if st.Size() > catalog.MaxImportSize {
		return nil, fmt.Errorf("%s is too large (%d MB); the limit is %d MB", path, st.Size()>>20, catalog.MaxImportSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, catalog.MaxImportSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > catalog.MaxImportSize {
		return nil, fmt.Errorf("%s is too large; the limit is %d MB", path, catalog.MaxImportSize>>20)
	}
	return data, nil
}

func catalogList(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "catalog list")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	cats, err := catalogService(db).List(ctx)
	if err != nil {
		return err
	}
	out := make([]catalogSummary, 0, len(cats))
	for _, c := range cats {
		out = append(out, summarize(c, c.Latest))
	}
	if *asJSON {
		return writeJSON(env.Stdout, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tEDITION\tFORMAT\tNODES\tREQUIREMENTS")
	for _, s := range out {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s/%s\t%d\t%d\n", s.ID, s.Name, s.Edition, s.Format, s.Style, s.Nodes, s.Requirements)
	}
	return tw.Flush()
}

// catalogDoc is the JSON shape of show and of the json export.
type catalogDoc struct {
	ID      int64          `json:"id"`
	Name    string         `json:"name"`
	Edition int            `json:"edition"`
	Title   string         `json:"title,omitempty"`
	Nodes   []catalog.Node `json:"nodes"`
}

func loadDoc(ctx context.Context, svc *catalog.Service, idArg string, edition int) (catalogDoc, error) {
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil {
		return catalogDoc{}, apperr.E(apperr.Invalid, "catalog.err.catalog_id_number_got", idArg)
	}
	c, err := svc.Get(ctx, id)
	if err != nil {
		return catalogDoc{}, err
	}
	e := c.Latest
	if edition != 0 {
		eds, err := svc.Editions(ctx, id)
		if err != nil {
			return catalogDoc{}, err
		}
		found := false
		for _, x := range eds {
			if x.Number == edition {
				e, found = x, true
			}
		}
		if !found {
			return catalogDoc{}, apperr.E(apperr.NotFound, "catalog.err.catalog_has_edition2", id, edition)
		}
	}
	nodes, err := svc.Nodes(ctx, e.ID)
	if err != nil {
		return catalogDoc{}, err
	}
	if nodes == nil {
		nodes = []catalog.Node{}
	}
	return catalogDoc{ID: c.ID, Name: c.Name, Edition: e.Number, Title: e.Title, Nodes: nodes}, nil
}

func catalogShow(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "catalog show")
	dsn := dbFlag(fs, env)
	asJSON := fs.Bool("json", false, "print as JSON")
	edition := fs.Int("edition", 0, "edition number (default: latest)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("kitei catalog show ID [--edition N] [--json]")
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	doc, err := loadDoc(ctx, catalogService(db), pos[0], *edition)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.Stdout, doc)
	}
	fmt.Fprintf(env.Stdout, "%s (edition %d, %d nodes)\n", doc.Name, doc.Edition, len(doc.Nodes))
	depth := map[string]int{}
	for _, n := range doc.Nodes {
		d := 0
		if n.Parent != "" {
			d = depth[n.Parent] + 1
		}
		depth[n.Ref] = d
		label := n.Title
		if label == "" {
			label = shortText(n.Text, 50)
		}
		mark := " "
		if n.Requirement {
			mark = "*"
		}
		fmt.Fprintf(env.Stdout, "%s %*s%s %s\n", mark, d*2, "", n.Ref, label)
	}
	return nil
}

func catalogExport(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "catalog export")
	dsn := dbFlag(fs, env)
	format := fs.String("format", "json", "oscal, xlsx or json")
	out := fs.String("o", "", "output file (default: standard output)")
	edition := fs.Int("edition", 0, "edition number (default: latest)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("kitei catalog export ID --format oscal|xlsx|json [-o FILE]")
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return exportCatalog(ctx, env, catalogService(db), pos[0], *edition, *format, *out)
}

// writeOutput writes to path atomically (temp file, sync, rename), or to
// stdout when path is empty or "-".
func writeOutput(env *Env, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(env.Stdout)
	}
	tmp, err := os.CreateTemp(dirOf(path), ".kitei-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return "."
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func shortText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
