package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"kitei/internal/apperr"
	"kitei/internal/catalog"
)

type catalogListData struct {
	Catalogs []catalog.Catalog
}

func (s *Server) catalogList(w http.ResponseWriter, r *http.Request) {
	cats, err := s.Catalogs.List(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "catalog.list.title", catalogListData{Catalogs: cats})
	p.Nav = "catalogs"
	s.render(w, r, http.StatusOK, "catalogs", p)
}

// catalogImport takes a multipart upload and redirects to the catalog.
func (s *Server) catalogImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, catalog.MaxImportSize+1<<20)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.importFailed(w, r, apperr.E(apperr.TooLarge, "catalog.err.file_too_large_limit_mb", catalog.MaxImportSize>>20))
			return
		}
		s.importFailed(w, r, apperr.E(apperr.Invalid, "catalog.err.choose_file_import"))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, catalog.MaxImportSize+1))
	if err != nil {
		s.importFailed(w, r, apperr.WrapE(apperr.Invalid, err, "catalog.err.read_upload"))
		return
	}
	res, err := s.Catalogs.Import(r.Context(), catalog.ImportRequest{
		Name: r.FormValue("name"), SourceName: hdr.Filename, Format: "auto", Data: data,
	})
	if err != nil {
		s.importFailed(w, r, err)
		return
	}
	q := "?imported=1"
	if res.Duplicate {
		q = "?duplicate=1"
	}
	http.Redirect(w, r, "/catalogs/"+strconv.FormatInt(res.Catalog.ID, 10)+q+"&edition="+strconv.Itoa(res.Edition.Number), http.StatusSeeOther)
}

func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, err error) {
	cats, lerr := s.Catalogs.List(r.Context())
	if lerr != nil {
		s.failErr(w, r, lerr)
		return
	}
	p := s.newPage(r, "catalog.list.title", catalogListData{Catalogs: cats})
	p.Nav = "catalogs"
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		s.Logger.Error("catalog import", "err", err)
		p.Error = p.T("catalog.import.error", p.T("error.internal"))
	} else {
		p.Error = p.T("catalog.import.error", err.Error())
	}
	s.render(w, r, status, "catalogs", p)
}

// treeNode is a node with its subtree, for the collapsible tree view.
type treeNode struct {
	catalog.Node
	Children     []*treeNode
	Requirements int // requirement nodes in the subtree, itself included
	Below        int // nodes below it (itself excluded)
	// Anchor is the element id of the node in the tree ("n-" and the ref).
	Anchor string
	// Lazy nodes have children that are not on the page: the node links
	// to the page with it opened (OpenURL), which works without JS; app.js
	// fetches that page and puts the section in place.
	Lazy    bool
	OpenURL string
	// Open nodes are on the way to the section asked for (?open=) and show
	// their children unfolded.
	Open bool
}

type catalogTreeData struct {
	Catalog  catalog.Catalog
	Edition  catalog.Edition
	Editions []catalog.Edition
	Roots    []*treeNode
	Opened   string // the ref of ?open=, when it names a node
}

// smallSubtree is how many nodes a section may hold below it and still be
// put on the page folded (opened by the browser, no request): larger ones
// are loaded when opened. A catalog's page therefore holds its top level,
// the small sections, and the path to the section opened.
const smallSubtree = 40

func buildTree(nodes []catalog.Node) []*treeNode {
	byRef := make(map[string]*treeNode, len(nodes))
	var roots []*treeNode
	for _, n := range nodes {
		t := &treeNode{Node: n, Anchor: nodeAnchor(n.Ref)}
		byRef[n.Ref] = t
		if p := byRef[n.Parent]; p != nil {
			p.Children = append(p.Children, t)
		} else {
			roots = append(roots, t)
		}
	}
	var count func(t *treeNode)
	count = func(t *treeNode) {
		if t.Requirement {
			t.Requirements = 1
		}
		for _, ch := range t.Children {
			count(ch)
			t.Requirements += ch.Requirements
			t.Below += 1 + ch.Below
		}
	}
	for _, r := range roots {
		count(r)
	}
	return roots
}

// nodeAnchor is the element id of a node in the tree.
func nodeAnchor(ref string) string {
	return "n-" + strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, ref)
}

// foldTree keeps on the page the children of the nodes on the way to
// opened and of the sections with at most smallSubtree nodes below them;
// the other sections become lazy links to openURL(ref).
func foldTree(roots []*treeNode, opened string, openURL func(ref, anchor string) string) {
	path := map[string]bool{}
	var find func(ts []*treeNode) bool
	find = func(ts []*treeNode) bool {
		for _, t := range ts {
			if t.Ref == opened || find(t.Children) {
				path[t.Ref] = true
				return true
			}
		}
		return false
	}
	if opened != "" {
		find(roots)
	}
	var fold func(ts []*treeNode)
	fold = func(ts []*treeNode) {
		for _, t := range ts {
			switch {
			case len(t.Children) == 0:
			case path[t.Ref]:
				t.Open = true
				fold(t.Children)
			case t.Below <= smallSubtree:
				// small: on the page, folded
			default:
				t.Lazy, t.OpenURL, t.Children = true, openURL(t.Ref, t.Anchor), nil
			}
		}
	}
	fold(roots)
}

// catalogEdition resolves {id} and ?edition= to a catalog and edition.
func (s *Server) catalogEdition(r *http.Request) (catalog.Catalog, catalog.Edition, []catalog.Edition, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return catalog.Catalog{}, catalog.Edition{}, nil, apperr.E(apperr.NotFound, "catalog.err.such_catalog")
	}
	c, err := s.Catalogs.Get(r.Context(), id)
	if err != nil {
		return c, catalog.Edition{}, nil, err
	}
	eds, err := s.Catalogs.Editions(r.Context(), id)
	if err != nil {
		return c, catalog.Edition{}, nil, err
	}
	e := c.Latest
	if v := r.URL.Query().Get("edition"); v != "" {
		found := false
		for _, x := range eds {
			if strconv.Itoa(x.Number) == v {
				e, found = x, true
			}
		}
		if !found {
			return c, e, nil, apperr.E(apperr.NotFound, "catalog.err.edition_catalog", v)
		}
	}
	return c, e, eds, nil
}

func (s *Server) catalogTree(w http.ResponseWriter, r *http.Request) {
	c, e, eds, err := s.catalogEdition(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	nodes, err := s.Catalogs.Nodes(r.Context(), e.ID)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := catalogTreeData{Catalog: c, Edition: e, Editions: eds, Roots: buildTree(nodes), Opened: r.URL.Query().Get("open")}
	base := "/catalogs/" + strconv.FormatInt(c.ID, 10)
	foldTree(d.Roots, d.Opened, func(ref, anchor string) string {
		q := url.Values{"open": {ref}}
		if e.ID != c.Latest.ID {
			q.Set("edition", strconv.Itoa(e.Number))
		}
		return base + "?" + q.Encode() + "#" + anchor
	})
	p := s.newPage(r, "catalog.tree.title", d)
	p.Title = c.Name
	p.Nav = "catalogs"
	setCatalog(p, c, e)
	switch {
	case r.URL.Query().Has("imported"):
		p.Flash = p.T("catalog.import.done", c.Name, e.Nodes, e.Requirements)
	case r.URL.Query().Has("duplicate"):
		p.Flash = p.T("catalog.import.duplicate", c.Name, e.Number)
	}
	s.render(w, r, http.StatusOK, "catalog", p)
}

type catalogNodeData struct {
	Catalog   catalog.Catalog
	Edition   catalog.Edition
	Node      catalog.Node
	Ancestors []catalog.Node
	Children  []catalog.Node
}

func (s *Server) catalogNode(w http.ResponseWriter, r *http.Request) {
	c, e, _, err := s.catalogEdition(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	ref := r.PathValue("ref")
	n, err := s.Catalogs.Node(r.Context(), e.ID, ref)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	anc, err := s.Catalogs.Ancestors(r.Context(), e.ID, ref)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	kids, err := s.Catalogs.Children(r.Context(), e.ID, ref)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "catalog.tree.title", catalogNodeData{Catalog: c, Edition: e, Node: n, Ancestors: anc, Children: kids})
	p.Title = n.Ref + " " + n.Title + " — " + c.Name
	p.Nav = "catalogs"
	setCatalog(p, c, e)
	s.render(w, r, http.StatusOK, "node", p)
}

type searchData struct {
	Query     string
	CatalogID int64
	Subject   string
	Catalogs  []catalog.Catalog
	Subjects  []string
	Result    catalog.SearchResult
	Searched  bool
	Limit     int
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := searchData{Query: q.Get("q"), Subject: q.Get("subject"), Limit: 200}
	if len([]rune(d.Query)) > 200 {
		s.fail(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	d.CatalogID, _ = strconv.ParseInt(q.Get("catalog"), 10, 64)
	var err error
	if d.Catalogs, err = s.Catalogs.List(r.Context()); err != nil {
		s.failErr(w, r, err)
		return
	}
	if d.Subjects, err = s.Catalogs.Subjects(r.Context()); err != nil {
		s.failErr(w, r, err)
		return
	}
	if d.Query != "" {
		d.Searched = true
		d.Result, err = s.Catalogs.Search(r.Context(), catalog.SearchQuery{
			Text: d.Query, CatalogID: d.CatalogID, Subject: d.Subject, Limit: d.Limit,
		})
		if err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	p := s.newPage(r, "search.title", d)
	p.Nav = "search"
	s.render(w, r, http.StatusOK, "search", p)
}

// setCatalog points node links at catalog c, pinning e when it is not the latest.
func setCatalog(p *page, c catalog.Catalog, e catalog.Edition) {
	p.Base = "/catalogs/" + strconv.FormatInt(c.ID, 10)
	if e.ID != c.Latest.ID {
		p.EditionQuery = "?edition=" + strconv.Itoa(e.Number)
	}
}
