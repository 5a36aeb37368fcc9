package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
)

// Service drafts, approves and publishes policy documents.
type Service struct {
	store     Store
	catalogs  *catalog.Service
	crosswalk *crosswalk.Service
	org       *org.Service
	// Mailer sends the publication e-mails (nil: none).
	Mailer notify.Mailer
	// Now is the clock (tests move it).
	Now func() time.Time
	// FontPath is the TrueType font PDFs are written with ("" finds IPAex).
	FontPath string
	// Logf reports e-mail failures.
	Logf func(msg string, args ...any)
}

// NewService returns the service.
func NewService(st Store, cats *catalog.Service, xw *crosswalk.Service, o *org.Service) *Service {
	return &Service{store: st, catalogs: cats, crosswalk: xw, org: o, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// Today is the current day in the organisation's time (JST).
func (s *Service) Today() string { return s.Now().In(jst).Format(time.DateOnly) }

var jst = time.FixedZone("JST", 9*3600)

func login(p *authz.Principal) string {
	if p == nil {
		return ""
	}
	return p.Login
}

func withActor(ctx context.Context, p *authz.Principal) context.Context {
	if a := audit.ActorFrom(ctx); a.Login != "" || p == nil {
		return ctx
	}
	return audit.WithActor(ctx, audit.Actor{ID: p.PersonID, Login: p.Login})
}

// CreateInput says how a new document starts.
type CreateInput struct {
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	Origin   string    `json:"origin"`   // empty, template, derived
	Catalog  int64     `json:"catalog"`  // the template or parent catalog
	Sections []string  `json:"sections"` // derived: the parent sections to implement
	Tailor   Tailoring `json:"tailor"`   // template: the filled form
	Note     string    `json:"note"`
}

// Create makes a new document with its first draft.
func (s *Service) Create(ctx context.Context, p *authz.Principal, in CreateInput) (Doc, error) {
	if err := authz.Require(p, Draft); err != nil {
		return Doc{}, err
	}
	ctx = withActor(ctx, p)
	in.Name, in.Title = strings.TrimSpace(in.Name), strings.TrimSpace(in.Title)
	if in.Name == "" || len([]rune(in.Name)) > 200 || strings.ContainsAny(in.Name, "\r\n") {
		return Doc{}, apperr.E(apperr.Invalid, "policy.err.name")
	}
	if in.Title == "" {
		in.Title = in.Name
	}
	if err := s.nameFree(ctx, in.Name, 0); err != nil {
		return Doc{}, err
	}
	d := Doc{Name: in.Name, Title: in.Title, Origin: in.Origin, Status: StatusDraft, CreatedBy: login(p),
		CreatedAt: s.now(), UpdatedAt: s.now()}
	var nodes []Node
	switch in.Origin {
	case OriginEmpty:
	case OriginTemplate, OriginDerived:
		c, err := s.catalogs.Get(ctx, in.Catalog)
		if err != nil {
			return Doc{}, err
		}
		src, err := s.catalogs.Nodes(ctx, c.Latest.ID)
		if err != nil {
			return Doc{}, err
		}
		d.ParentCatalog, d.ParentEdition, d.ParentNumber = c.ID, c.Latest.ID, c.Latest.Number
		if in.Origin == OriginTemplate {
			nodes = Tailor(src, in.Tailor)
			break
		}
		if len(in.Sections) == 0 {
			return Doc{}, apperr.E(apperr.Invalid, "policy.err.sections")
		}
		known := map[string]bool{}
		for _, n := range src {
			known[n.Ref] = true
		}
		for _, r := range in.Sections {
			if !known[r] {
				return Doc{}, apperr.E(apperr.Invalid, "policy.err.section", r)
			}
		}
		d.Scope = slices.Clone(in.Sections)
		for _, n := range Subtrees(src, in.Sections) {
			nodes = append(nodes, Node{Node: n, DerivedFrom: n.Ref})
		}
	default:
		return Doc{}, apperr.E(apperr.Invalid, "policy.err.origin")
	}
	if err := ValidateNodes(nodes); err != nil {
		return Doc{}, err
	}
	return s.store.CreateDoc(ctx, d, nodes, Change{Action: ActCreate, Note: strings.TrimSpace(in.Note), Actor: login(p), At: s.now()})
}

// nameFree refuses a name used by another document or by a catalog the
// document does not own (a published version becomes a catalog of that name).
func (s *Service) nameFree(ctx context.Context, name string, own int64) error {
	docs, err := s.store.Docs(ctx)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Name == name && d.ID != own {
			return apperr.E(apperr.Conflict, "policy.err.name_taken", name)
		}
	}
	cats, err := s.catalogs.List(ctx)
	if err != nil {
		return err
	}
	for _, c := range cats {
		if c.Name == name {
			if own != 0 {
				if d, err := s.store.Doc(ctx, own); err == nil && d.CatalogID == c.ID {
					continue
				}
			}
			return apperr.E(apperr.Conflict, "policy.err.name_taken", name)
		}
	}
	return nil
}

// Docs lists the documents: every one for readers, the published ones for
// staff who only acknowledge.
func (s *Service) Docs(ctx context.Context, p *authz.Principal) ([]Doc, error) {
	if !p.Can(Read) && !p.Can(Ack) {
		return nil, authz.Require(p, Read)
	}
	ds, err := s.store.Docs(ctx)
	if err != nil || p.Can(Read) {
		return ds, err
	}
	out := ds[:0]
	for _, d := range ds {
		if d.Published > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// Doc returns a document for a reader.
func (s *Service) Doc(ctx context.Context, p *authz.Principal, id int64) (Doc, error) {
	if err := authz.Require(p, Read); err != nil {
		return Doc{}, err
	}
	return s.store.Doc(ctx, id)
}

// Draft returns the working draft's nodes.
func (s *Service) Draft(ctx context.Context, p *authz.Principal, id int64) (Doc, []Node, error) {
	d, err := s.Doc(ctx, p, id)
	if err != nil {
		return d, nil, err
	}
	ns, err := s.store.DraftNodes(ctx, id)
	return d, ns, err
}

// Changes returns the change notes of a document, newest first.
func (s *Service) Changes(ctx context.Context, p *authz.Principal, id int64) ([]Change, error) {
	if err := authz.Require(p, Read); err != nil {
		return nil, err
	}
	return s.store.Changes(ctx, id)
}

// Edit is one edit of a draft node.
type Edit struct {
	Op          string `json:"op"`  // add, reword, move, delete, renumber
	Ref         string `json:"ref"` // the node (add: the new node's ref)
	NewRef      string `json:"new_ref,omitempty"`
	Parent      string `json:"parent,omitempty"` // add, move: the enclosing node ("" top)
	After       string `json:"after,omitempty"`  // add, move: the sibling it follows ("" first)
	Kind        string `json:"kind,omitempty"`
	Title       string `json:"title,omitempty"`
	Text        string `json:"text,omitempty"`
	Requirement bool   `json:"requirement,omitempty"`
	Subject     string `json:"subject,omitempty"`
	DerivedFrom string `json:"derived_from,omitempty"`
	Note        string `json:"note"` // the change note, required
	Rev         int    `json:"rev"`  // the document revision the edit was made on (0: current)
}

// Apply edits the draft of document id.
func (s *Service) Apply(ctx context.Context, p *authz.Principal, id int64, e Edit) (Doc, error) {
	if err := authz.Require(p, Draft); err != nil {
		return Doc{}, err
	}
	ctx = withActor(ctx, p)
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return d, err
	}
	if !d.Editable() {
		return d, apperr.E(apperr.Conflict, "policy.err.not_draft")
	}
	if e.Rev != 0 && e.Rev != d.Rev {
		return d, apperr.E(apperr.Conflict, "policy.err.stale")
	}
	e.Note = strings.TrimSpace(e.Note)
	if e.Note == "" {
		return d, apperr.E(apperr.Invalid, "policy.err.note")
	}
	if len([]rune(e.Note)) > 2000 {
		return d, apperr.E(apperr.Invalid, "policy.err.long")
	}
	nodes, err := s.store.DraftNodes(ctx, id)
	if err != nil {
		return d, err
	}
	nodes, ch, err := applyEdit(nodes, e)
	if err != nil {
		return d, err
	}
	if err := ValidateNodes(nodes); err != nil {
		return d, err
	}
	ch.Note, ch.Actor, ch.At = e.Note, login(p), s.now()
	return s.store.SaveDraft(ctx, id, d.Rev, nodes, ch)
}

func find(nodes []Node, ref string) int {
	for i, n := range nodes {
		if n.Ref == ref {
			return i
		}
	}
	return -1
}

// subtreeEnd is the index after the last descendant of nodes[i].
func subtreeEnd(nodes []Node, i int) int {
	in := map[string]bool{nodes[i].Ref: true}
	j := i + 1
	for ; j < len(nodes) && in[nodes[j].Parent]; j++ {
		in[nodes[j].Ref] = true
	}
	return j
}

// insertAt is where a node under parent following sibling after goes.
func insertAt(nodes []Node, parent, after string) (int, error) {
	if parent != "" && find(nodes, parent) < 0 {
		return 0, apperr.E(apperr.Invalid, "policy.err.no_node", parent)
	}
	if after != "" {
		i := find(nodes, after)
		if i < 0 || nodes[i].Parent != parent {
			return 0, apperr.E(apperr.Invalid, "policy.err.after", after)
		}
		return subtreeEnd(nodes, i), nil
	}
	if parent == "" {
		return 0, nil
	}
	return find(nodes, parent) + 1, nil
}

func validKind(k string) bool {
	switch k {
	case catalog.KindPart, catalog.KindChapter, catalog.KindSection, catalog.KindArticle, catalog.KindParagraph,
		catalog.KindClause, catalog.KindHeading, catalog.KindItem, catalog.KindSubitem, catalog.KindGroup,
		catalog.KindExample, catalog.KindQuote, catalog.KindTerm:
		return true
	}
	return false
}

func applyEdit(nodes []Node, e Edit) ([]Node, Change, error) {
	e.Ref, e.NewRef = strings.TrimSpace(e.Ref), strings.TrimSpace(e.NewRef)
	ch := Change{Action: e.Op, Ref: e.Ref}
	if e.Ref == "" {
		return nil, ch, apperr.E(apperr.Invalid, "policy.err.ref")
	}
	i := find(nodes, e.Ref)
	if e.Op != ActAdd && i < 0 {
		return nil, ch, apperr.E(apperr.NotFound, "policy.err.no_node", e.Ref)
	}
	switch e.Op {
	case ActAdd:
		if i >= 0 {
			return nil, ch, apperr.E(apperr.Conflict, "policy.err.ref_taken", e.Ref)
		}
		if e.Kind == "" {
			e.Kind = catalog.KindItem
		}
		if !validKind(e.Kind) {
			return nil, ch, apperr.E(apperr.Invalid, "policy.err.kind", e.Kind)
		}
		if strings.TrimSpace(e.Title) == "" && strings.TrimSpace(e.Text) == "" {
			return nil, ch, apperr.E(apperr.Invalid, "policy.err.empty_text")
		}
		at, err := insertAt(nodes, e.Parent, e.After)
		if err != nil {
			return nil, ch, err
		}
		n := Node{Node: catalog.Node{Ref: e.Ref, Parent: e.Parent, Kind: e.Kind, Title: strings.TrimSpace(e.Title),
			Text: strings.TrimSpace(e.Text), Requirement: e.Requirement, Subject: strings.TrimSpace(e.Subject)},
			DerivedFrom: strings.TrimSpace(e.DerivedFrom)}
		nodes = slices.Insert(nodes, at, n)
	case ActReword:
		n := &nodes[i]
		n.Title, n.Text, n.Requirement, n.Subject = strings.TrimSpace(e.Title), strings.TrimSpace(e.Text), e.Requirement, strings.TrimSpace(e.Subject)
		if e.Kind != "" {
			if !validKind(e.Kind) {
				return nil, ch, apperr.E(apperr.Invalid, "policy.err.kind", e.Kind)
			}
			n.Kind = e.Kind
		}
	case ActDelete:
		nodes = slices.Delete(nodes, i, subtreeEnd(nodes, i))
	case ActMove:
		end := subtreeEnd(nodes, i)
		block := slices.Clone(nodes[i:end])
		for _, b := range block {
			if b.Ref == e.Parent {
				return nil, ch, apperr.E(apperr.Invalid, "policy.err.move_into")
			}
		}
		rest := slices.Delete(slices.Clone(nodes), i, end)
		block[0].Parent = e.Parent
		at, err := insertAt(rest, e.Parent, e.After)
		if err != nil {
			return nil, ch, err
		}
		nodes = slices.Insert(rest, at, block...)
	case ActRenumber:
		if e.NewRef == "" {
			return nil, ch, apperr.E(apperr.Invalid, "policy.err.ref")
		}
		if e.NewRef == e.Ref {
			return nil, ch, apperr.E(apperr.Invalid, "policy.err.same_ref")
		}
		if find(nodes, e.NewRef) >= 0 {
			return nil, ch, apperr.E(apperr.Conflict, "policy.err.ref_taken", e.NewRef)
		}
		// The node and its descendants whose refs start with its ref are
		// renumbered together; children follow their parent.
		end := subtreeEnd(nodes, i)
		renamed := map[string]string{e.Ref: e.NewRef}
		for j := i; j < end; j++ {
			old := nodes[j].Ref
			if j > i && strings.HasPrefix(old, e.Ref) {
				nr := e.NewRef + strings.TrimPrefix(old, e.Ref)
				if find(nodes, nr) >= 0 {
					return nil, ch, apperr.E(apperr.Conflict, "policy.err.ref_taken", nr)
				}
				renamed[old] = nr
			}
		}
		for j := range nodes {
			if nr, ok := renamed[nodes[j].Ref]; ok {
				nodes[j].Ref = nr
			}
			if nr, ok := renamed[nodes[j].Parent]; ok {
				nodes[j].Parent = nr
			}
		}
		ch.OldRef, ch.Ref = e.Ref, e.NewRef
	default:
		return nil, ch, apperr.E(apperr.Invalid, "policy.err.op", e.Op)
	}
	return nodes, ch, nil
}

// Coverage says how much of the parent sections a derived draft covers.
type Coverage struct {
	Requirements int      `json:"requirements"` // parent requirements in scope
	Covered      int      `json:"covered"`      // implemented by at least one node
	Uncovered    []string `json:"uncovered"`    // parent refs no node implements
}

// Coverage of a document's draft against its parent scope.
func (s *Service) Coverage(ctx context.Context, d Doc, nodes []Node) (Coverage, error) {
	var c Coverage
	if !d.Derived() {
		return c, nil
	}
	parent, err := s.parentScope(ctx, d)
	if err != nil {
		return c, err
	}
	impl := map[string]bool{}
	for _, n := range nodes {
		if n.DerivedFrom != "" {
			impl[n.DerivedFrom] = true
		}
	}
	for _, n := range parent {
		if n.Requirement {
			c.Requirements++
			if impl[n.Ref] {
				c.Covered++
			} else {
				c.Uncovered = append(c.Uncovered, n.Ref)
			}
		}
	}
	return c, nil
}

// parentScope is the part of the parent edition the document implements.
func (s *Service) parentScope(ctx context.Context, d Doc) ([]catalog.Node, error) {
	ns, err := s.catalogs.Nodes(ctx, d.ParentEdition)
	if err != nil {
		return nil, err
	}
	if len(d.Scope) == 0 {
		return ns, nil
	}
	return Subtrees(ns, d.Scope), nil
}

// DiffView is a 新旧対照表: the edition diff between two states of a
// document (or the parent), with the labels of both sides.
type DiffView struct {
	Doc      Doc                `json:"doc"`
	Old, New string             `json:"-"`
	OldLabel string             `json:"old_label"`
	NewLabel string             `json:"new_label"`
	Changes  []crosswalk.Change `json:"changes"`
	Counts   crosswalk.Counts   `json:"counts"`
}

// side resolves "parent", "draft" or a version number ("1", "v1").
func (s *Service) side(ctx context.Context, d Doc, spec string, lang i18n.Lang) ([]catalog.Node, string, error) {
	switch spec {
	case "parent":
		if !d.Derived() {
			return nil, "", apperr.E(apperr.Invalid, "policy.err.no_parent")
		}
		ns, err := s.parentScope(ctx, d)
		if err != nil {
			return nil, "", err
		}
		name := d.ParentName
		if c, err := s.catalogs.Get(ctx, d.ParentCatalog); err == nil {
			name = c.Name
		}
		return ns, i18n.T(lang, "policy.side.parent", name, d.ParentNumber), nil
	case "draft", "":
		ns, err := s.store.DraftNodes(ctx, d.ID)
		return CatalogNodes(ns), i18n.T(lang, "policy.side.draft"), err
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimPrefix(spec, "v"), "%d", &n); err != nil || n <= 0 {
		return nil, "", apperr.E(apperr.Invalid, "policy.err.side", spec)
	}
	v, err := s.store.Version(ctx, d.ID, n)
	if err != nil {
		return nil, "", err
	}
	return CatalogNodes(v.Nodes), i18n.T(lang, "policy.side.version", n), nil
}

// Diff compares two states of a document: old and new are "parent",
// "draft" or a version number. It reuses the crosswalk's edition diff.
func (s *Service) Diff(ctx context.Context, p *authz.Principal, id int64, old, new string, lang i18n.Lang) (DiffView, error) {
	d, err := s.Doc(ctx, p, id)
	if err != nil {
		return DiffView{}, err
	}
	on, ol, err := s.side(ctx, d, old, lang)
	if err != nil {
		return DiffView{}, err
	}
	nn, nl, err := s.side(ctx, d, new, lang)
	if err != nil {
		return DiffView{}, err
	}
	v := DiffView{Doc: d, Old: old, New: new, OldLabel: ol, NewLabel: nl}
	v.Changes, _ = crosswalk.DiffEditions(on, nn, nil)
	if v.Changes == nil {
		v.Changes = []crosswalk.Change{}
	}
	for _, c := range v.Changes {
		switch c.Type {
		case crosswalk.ChangeAdded:
			v.Counts.Added++
		case crosswalk.ChangeRemoved:
			v.Counts.Removed++
		case crosswalk.ChangeChanged:
			v.Counts.Changed++
		case crosswalk.ChangeMoved:
			v.Counts.Moved++
		}
	}
	return v, nil
}

// Versions lists a document's versions, newest first.
func (s *Service) Versions(ctx context.Context, p *authz.Principal, id int64) ([]Version, error) {
	if err := authz.Require(p, Read); err != nil {
		return nil, err
	}
	return s.store.Versions(ctx, id)
}

// Version returns one version with its nodes and review comments.
func (s *Service) Version(ctx context.Context, p *authz.Principal, id int64, n int) (Version, []Comment, error) {
	if err := authz.Require(p, Read); err != nil {
		return Version{}, nil, err
	}
	v, err := s.store.Version(ctx, id, n)
	if err != nil {
		return v, nil, err
	}
	cs, err := s.store.Comments(ctx, id, n)
	return v, cs, err
}

// holders are the people holding any of the roles today.
func (s *Service) holders(ctx context.Context, roles ...string) []int64 {
	var out []int64
	for _, r := range roles {
		as, err := s.org.Contacts(ctx, r, 0, s.Now(), authz.Everywhere)
		if err != nil {
			continue
		}
		for _, a := range as {
			if !slices.Contains(out, a.PersonID) {
				out = append(out, a.PersonID)
			}
		}
	}
	return out
}

func (s *Service) notices(ids []int64, kind string, d Doc, key string, args ...any) []Notice {
	msg := i18n.T(i18n.Ja, key, args...)
	out := make([]Notice, 0, len(ids))
	for _, id := range ids {
		out = append(out, Notice{PersonID: id, Kind: "policy." + kind, Ref: fmt.Sprintf("policy:%d", d.ID), Message: msg, CreatedAt: s.now()})
	}
	return out
}

// Submit snapshots the draft as the next version for review and the
// CISO's decision; the draft is locked until it is returned or published.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, id int64, rev int, note string) (Version, error) {
	if err := authz.Require(p, Draft); err != nil {
		return Version{}, err
	}
	ctx = withActor(ctx, p)
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return Version{}, err
	}
	if !d.Editable() {
		return Version{}, apperr.E(apperr.Conflict, "policy.err.not_draft")
	}
	if rev != 0 && rev != d.Rev {
		return Version{}, apperr.E(apperr.Conflict, "policy.err.stale")
	}
	nodes, err := s.store.DraftNodes(ctx, id)
	if err != nil {
		return Version{}, err
	}
	if len(nodes) == 0 {
		return Version{}, apperr.E(apperr.Invalid, "policy.err.empty")
	}
	vs, err := s.store.Versions(ctx, id)
	if err != nil {
		return Version{}, err
	}
	v := &Version{DocID: id, Number: len(vs) + 1, Status: VersionSubmitted, Nodes: nodes, Note: strings.TrimSpace(note),
		SubmittedBy: login(p), SubmittedAt: s.now()}
	ns := s.notices(s.holders(ctx, authz.RoleCISO, authz.RoleDeputyCISO), "submitted", d, "policy.notice.submitted", d.Title, v.Number)
	if _, err := s.store.Transition(ctx, Transition{DocID: id, FromStatus: StatusDraft, Rev: d.Rev, ToStatus: StatusSubmitted,
		Version: v, Notices: ns, Change: Change{Action: ActSubmit, Note: v.Note, Actor: login(p), At: s.now()}}); err != nil {
		return Version{}, err
	}
	return s.store.Version(ctx, id, v.Number)
}

// Comment records a reviewer's comment on one node of a submitted version.
func (s *Service) Comment(ctx context.Context, p *authz.Principal, id int64, version int, ref, body string) (Comment, error) {
	if err := authz.Require(p, Review); err != nil {
		return Comment{}, err
	}
	ctx = withActor(ctx, p)
	v, err := s.store.Version(ctx, id, version)
	if err != nil {
		return Comment{}, err
	}
	if v.Status != VersionSubmitted {
		return Comment{}, apperr.E(apperr.Conflict, "policy.err.not_submitted")
	}
	body = strings.TrimSpace(body)
	if body == "" || len([]rune(body)) > 4000 {
		return Comment{}, apperr.E(apperr.Invalid, "policy.err.comment")
	}
	if ref != "" && find(v.Nodes, ref) < 0 {
		return Comment{}, apperr.E(apperr.NotFound, "policy.err.no_node", ref)
	}
	return s.store.AddComment(ctx, Comment{DocID: id, Version: version, Ref: ref, Body: body, Author: login(p), At: s.now()})
}

// Decision is the CISO's decision on a submitted version.
type Decision struct {
	Approve      bool   `json:"approve"`
	Deliberation string `json:"deliberation"` // the committee's deliberation (required to approve)
	EffectiveOn  string `json:"effective_on"` // YYYY-MM-DD (approve)
	Reason       string `json:"reason"`       // why it is returned
}

// Decide approves or returns the submitted version. An approved version
// whose effective date has come is published at once; later ones by the
// job on their day.
func (s *Service) Decide(ctx context.Context, p *authz.Principal, id int64, version int, dec Decision) (Doc, error) {
	if err := authz.Require(p, Approve); err != nil {
		return Doc{}, err
	}
	ctx = withActor(ctx, p)
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return d, err
	}
	v, err := s.store.Version(ctx, id, version)
	if err != nil {
		return d, err
	}
	if d.Status != StatusSubmitted || v.Status != VersionSubmitted {
		return d, apperr.E(apperr.Conflict, "policy.err.not_submitted")
	}
	authors := s.holders(ctx, authz.RoleChiefISO, authz.RoleSecOffice)
	if !dec.Approve {
		reason := strings.TrimSpace(dec.Reason)
		if reason == "" {
			return d, apperr.E(apperr.Invalid, "policy.err.reason")
		}
		v.Status, v.DecidedBy, v.DecidedAt, v.Deliberation = VersionReturned, login(p), s.now(), reason
		return s.store.Transition(ctx, Transition{DocID: id, FromStatus: StatusSubmitted, Rev: d.Rev, ToStatus: StatusDraft,
			Version: &v, Change: Change{Action: ActReturn, Note: reason, Actor: login(p), At: s.now()},
			Notices: s.notices(authors, "returned", d, "policy.notice.returned", d.Title, v.Number, reason)})
	}
	dec.Deliberation = strings.TrimSpace(dec.Deliberation)
	if dec.Deliberation == "" || len([]rune(dec.Deliberation)) > 4000 {
		return d, apperr.E(apperr.Invalid, "policy.err.deliberation")
	}
	if _, err := time.Parse(time.DateOnly, dec.EffectiveOn); err != nil {
		return d, apperr.E(apperr.Invalid, "policy.err.effective")
	}
	v.Status, v.DecidedBy, v.DecidedAt, v.Deliberation, v.EffectiveOn = VersionApproved, login(p), s.now(), dec.Deliberation, dec.EffectiveOn
	d, err = s.store.Transition(ctx, Transition{DocID: id, FromStatus: StatusSubmitted, Rev: d.Rev, ToStatus: StatusApproved,
		Version: &v, Change: Change{Action: ActApprove, Note: dec.Deliberation, Actor: login(p), At: s.now()},
		Notices: s.notices(authors, "approved", d, "policy.notice.approved", d.Title, v.Number, dec.EffectiveOn)})
	if err != nil {
		return d, err
	}
	if dec.EffectiveOn <= s.Today() {
		return s.publish(ctx, d, v)
	}
	return d, nil
}

// publish turns an approved version into the next edition of the
// document's catalog, links its derived items to the parent through
// crosswalk links, and tells everyone. Each step may be repeated safely
// (the import is keyed by content, links are upserted, the status change
// is conditional), so a replica that fails midway is completed by the next
// run.
func (s *Service) publish(ctx context.Context, d Doc, v Version) (Doc, error) {
	if err := s.nameFree(ctx, d.Name, d.ID); err != nil {
		return d, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(struct {
		Name    string         `json:"name"`
		Edition int            `json:"edition"`
		Title   string         `json:"title"`
		Nodes   []catalog.Node `json:"nodes"`
	}{d.Name, v.Number, d.Title, CatalogNodes(v.Nodes)}); err != nil {
		return d, err
	}
	res, err := s.catalogs.Import(ctx, catalog.ImportRequest{Name: d.Name, SourceName: fmt.Sprintf("%s-v%d.json", d.Name, v.Number),
		Format: "json", Data: buf.Bytes()})
	if err != nil {
		return d, err
	}
	if d.Derived() {
		for _, n := range v.Nodes {
			if n.DerivedFrom == "" {
				continue
			}
			if _, err := s.crosswalk.Pick(ctx, crosswalk.EditionRef{Catalog: res.Catalog.ID, Number: res.Edition.Number},
				crosswalk.EditionRef{Catalog: d.ParentCatalog, Number: d.ParentNumber}, n.Ref, n.DerivedFrom,
				crosswalk.KindDerivedFrom, crosswalk.StatusConfirmed, "", 0); err != nil && !apperr.Is(err, apperr.NotFound) {
				return d, err
			}
		}
	}
	people, _, err := s.org.People(ctx, org.PersonFilter{Scope: authz.Everywhere, NotLeft: true})
	if err != nil {
		return d, err
	}
	ids := make([]int64, 0, len(people))
	for _, p := range people {
		ids = append(ids, p.ID)
	}
	v.Status, v.PublishedAt, v.Edition = VersionPublished, s.now(), res.Edition.Number
	d2, err := s.store.Transition(ctx, Transition{DocID: d.ID, FromStatus: StatusApproved, Rev: d.Rev, ToStatus: StatusPublished,
		Version: &v, CatalogID: res.Catalog.ID, Published: v.Number,
		Change:  Change{Action: ActPublish, Note: v.EffectiveOn, Actor: audit.SystemActor, At: s.now()},
		Notices: s.notices(ids, "published", d, "policy.notice.published", d.Title, v.Number, v.EffectiveOn)})
	if err != nil {
		return d, err
	}
	if s.Mailer != nil {
		subject := i18n.T(i18n.Ja, "policy.mail.subject", d.Title)
		body := i18n.T(i18n.Ja, "policy.mail.body", d.Title, v.Number, v.EffectiveOn, d.ID)
		for _, p := range people {
			if p.Email == "" {
				continue
			}
			if err := s.Mailer.Send(ctx, p.Email, subject, body); err != nil && s.Logf != nil {
				s.Logf("policy mail", "to", p.Email, "err", err)
			}
		}
	}
	return d2, nil
}

// Revise opens a new draft of a published document (改定案), starting from
// the version in force.
func (s *Service) Revise(ctx context.Context, p *authz.Principal, id int64, note string) (Doc, error) {
	if err := authz.Require(p, Draft); err != nil {
		return Doc{}, err
	}
	ctx = withActor(ctx, p)
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return d, err
	}
	if d.Status != StatusPublished {
		return d, apperr.E(apperr.Conflict, "policy.err.not_published")
	}
	return s.store.Transition(ctx, Transition{DocID: id, FromStatus: StatusPublished, Rev: d.Rev, ToStatus: StatusDraft,
		Change: Change{Action: ActRevise, Note: strings.TrimSpace(note), Actor: login(p), At: s.now()}})
}

// JobResult says what a run of the jobs did.
type JobResult struct {
	Published int `json:"published"`
	Tasks     int `json:"tasks"`
}

// RunJobs publishes the approved versions whose day has come and opens
// revision tasks for documents whose parent has a new edition.
func (s *Service) RunJobs(ctx context.Context) (JobResult, error) {
	var r JobResult
	docs, err := s.store.Docs(ctx)
	if err != nil {
		return r, err
	}
	today := s.Today()
	for _, d := range docs {
		if d.Status == StatusApproved {
			vs, err := s.store.Versions(ctx, d.ID)
			if err != nil {
				return r, err
			}
			for _, v := range vs {
				if v.Status == VersionApproved && v.EffectiveOn <= today {
					full, err := s.store.Version(ctx, d.ID, v.Number)
					if err != nil {
						return r, err
					}
					if _, err := s.publish(ctx, d, full); err != nil {
						if apperr.Is(err, apperr.Conflict) {
							continue // another replica did it
						}
						return r, err
					}
					r.Published++
				}
			}
		}
		if d.Derived() {
			opened, err := s.checkParent(ctx, d)
			if err != nil {
				return r, err
			}
			if opened {
				r.Tasks++
			}
		}
	}
	return r, nil
}

// checkParent opens a revision task when the parent catalog has an edition
// newer than the one the document implements: the parent's edition diff,
// through the document's derivation links, lists the items touched.
func (s *Service) checkParent(ctx context.Context, d Doc) (bool, error) {
	c, err := s.catalogs.Get(ctx, d.ParentCatalog)
	if err != nil {
		return false, err
	}
	if c.Latest.Number <= d.ParentNumber {
		return false, nil
	}
	diff, err := s.crosswalk.Diff(ctx, crosswalk.EditionRef{Catalog: d.ParentCatalog, Number: d.ParentNumber},
		crosswalk.EditionRef{Catalog: d.ParentCatalog, Number: c.Latest.Number})
	if err != nil {
		return false, err
	}
	// The draft's own derivations count too (a document not yet
	// published has no stored links).
	draft, err := s.store.DraftNodes(ctx, d.ID)
	if err != nil {
		return false, err
	}
	implementedBy := map[string][]string{}
	for _, n := range draft {
		if n.DerivedFrom != "" {
			implementedBy[n.DerivedFrom] = append(implementedBy[n.DerivedFrom], n.Ref)
		}
	}
	items := map[string]*TaskItem{}
	var order []string
	touch := func(ref, because, change string) {
		it, ok := items[ref]
		if !ok {
			it = &TaskItem{Ref: ref, Change: change}
			items[ref] = it
			order = append(order, ref)
		}
		if !slices.Contains(it.Because, because) {
			it.Because = append(it.Because, because)
		}
	}
	for _, ch := range diff.Changes {
		if ch.OldRef == "" {
			continue
		}
		for _, l := range ch.Touched {
			if d.CatalogID != 0 && l.FromCatalog == d.CatalogID {
				touch(l.FromRef, ch.OldRef, ch.Type)
			}
		}
		for _, ref := range implementedBy[ch.OldRef] {
			touch(ref, ch.OldRef, ch.Type)
		}
	}
	t := Task{DocID: d.ID, FromNumber: d.ParentNumber, ToNumber: c.Latest.Number, Status: "open", CreatedAt: s.now()}
	for _, r := range order {
		t.Items = append(t.Items, *items[r])
	}
	ns := s.notices(s.holders(ctx, authz.RoleChiefISO, authz.RoleSecOffice), "revision", d, "policy.notice.revision",
		c.Name, c.Latest.Number, d.Title, len(t.Items))
	_, opened, err := s.store.OpenTask(ctx, t, ns)
	return opened, err
}

// Tasks lists a document's revision tasks.
func (s *Service) Tasks(ctx context.Context, p *authz.Principal, id int64) ([]Task, error) {
	if err := authz.Require(p, Read); err != nil {
		return nil, err
	}
	return s.store.Tasks(ctx, id)
}

// CloseTask marks a revision task done: the document now implements the
// parent edition the task was opened for (diffs against the parent and the
// links made at the next publication use it).
func (s *Service) CloseTask(ctx context.Context, p *authz.Principal, id, taskID int64) error {
	if err := authz.Require(p, Draft); err != nil {
		return err
	}
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return err
	}
	tasks, err := s.store.Tasks(ctx, id)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.ID != taskID {
			continue
		}
		_, e, err := s.catalogs.EditionByNumber(ctx, d.ParentCatalog, t.ToNumber)
		if err != nil {
			return err
		}
		return s.store.CloseTask(withActor(ctx, p), id, taskID, login(p), s.now(), e.ID, e.Number)
	}
	return apperr.E(apperr.NotFound, "policy.err.no_task", taskID)
}

// Reading is a published document as a staff member reads it.
type Reading struct {
	Doc     Doc       `json:"doc"`
	Version Version   `json:"version"`
	Mine    []string  `json:"mine"` // refs of the items addressed to the reader's roles
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// Read returns the version in force of a published document for the
// reader, marking the items addressed to their roles.
func (s *Service) Read(ctx context.Context, p *authz.Principal, id int64, mapRoles func(subject string) []string) (Reading, error) {
	var r Reading
	if err := authz.Require(p, Ack); err != nil {
		return r, err
	}
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return r, err
	}
	if d.Published == 0 {
		return r, apperr.E(apperr.NotFound, "policy.err.unpublished")
	}
	v, err := s.store.Version(ctx, id, d.Published)
	if err != nil {
		return r, err
	}
	r.Doc, r.Version = d, v
	for _, n := range v.Nodes {
		if !n.Requirement || mapRoles == nil {
			continue
		}
		for _, role := range mapRoles(n.Subject) {
			if p.HasRole(role) {
				r.Mine = append(r.Mine, n.Ref)
				break
			}
		}
	}
	if p.PersonID != 0 {
		if r.AckedAt, _, err = s.store.AckOf(ctx, id, d.Published, p.PersonID); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Acknowledge records that the reader has read and agrees to the version
// in force (既読・同意).
func (s *Service) Acknowledge(ctx context.Context, p *authz.Principal, id int64) error {
	if err := authz.Require(p, Ack); err != nil {
		return err
	}
	if p.PersonID == 0 {
		return apperr.E(apperr.Invalid, "policy.err.no_person")
	}
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return err
	}
	if d.Published == 0 {
		return apperr.E(apperr.NotFound, "policy.err.unpublished")
	}
	_, err = s.store.Ack(withActor(ctx, p), id, d.Published, p.PersonID, s.now())
	return err
}

// UnitRate is the acknowledgment of one unit.
type UnitRate struct {
	UnitID   int64   `json:"unit_id"`
	UnitName string  `json:"unit_name"`
	UnitPath string  `json:"-"`
	People   int     `json:"people"`
	Acked    int     `json:"acked"`
	Rate     float64 `json:"rate"`
}

// Person is one person in an acknowledgment list.
type Person struct {
	ID         int64     `json:"id"`
	EmployeeNo string    `json:"employee_no"`
	Name       string    `json:"name"`
	Unit       string    `json:"unit"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
}

// AckStatus is the acknowledgment of the version in force in the units
// the follower may see: the rates of every unit, and who has and has not
// acknowledged (in Unit, or every unit in scope) by employee number, a
// page of each.
type AckStatus struct {
	Doc     Doc        `json:"doc"`
	Version int        `json:"version"`
	Units   []UnitRate `json:"units"`
	Total   UnitRate   `json:"total"`
	Unit    int64      `json:"unit,omitempty"` // the unit listed person by person
	// List is the one list paged ("missing" or "acked"); "": the first
	// page of both. Next is the cursor of List's next page.
	List         string   `json:"list,omitempty"`
	Next         string   `json:"next,omitempty"`
	Missing      []Person `json:"missing"` // who has not acknowledged
	MissingCount int      `json:"missing_count"`
	MissingNext  string   `json:"missing_next,omitempty"`
	Acked        []Person `json:"acked"`
	AckedCount   int      `json:"acked_count"`
	AckedNext    string   `json:"acked_next,omitempty"`
}

// Page sizes of the person lists: PageSize on the pages, APIPageSize in
// the API unless the client asks for another limit (at most paging.Max).
const (
	PageSize    = 50
	APIPageSize = 100
)

// Acknowledgment lists.
const (
	ListMissing = "missing"
	ListAcked   = "acked"
)

// Acks returns acknowledgment rates per unit in the follower's scope and,
// for unitID (0: the whole scope), the first PageSize people who have and
// have not acknowledged. A unit outside the scope is refused.
func (s *Service) Acks(ctx context.Context, p *authz.Principal, id, unitID int64) (AckStatus, error) {
	return s.AckList(ctx, p, id, unitID, "", paging.Request{Limit: PageSize})
}

// AckList is Acks with one page pr of one list ("missing" or "acked"; "":
// the first page, pr.Limit rows, of both). The rates are counted in the
// database; the lists are read a page at a time, by employee number.
func (s *Service) AckList(ctx context.Context, p *authz.Principal, id, unitID int64, list string, pr paging.Request) (AckStatus, error) {
	var st AckStatus
	if err := authz.Require(p, Follow); err != nil {
		return st, err
	}
	if list != "" && list != ListMissing && list != ListAcked {
		return st, apperr.E(apperr.BadRequest, "policy.err.ack_list")
	}
	scope := p.Scope(Follow)
	if unitID != 0 {
		u, err := s.org.Unit(ctx, unitID)
		if err != nil {
			return st, err
		}
		if !scope.Contains(u.Path) {
			return st, apperr.E(apperr.Forbidden, "error.forbidden.unit")
		}
	}
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return st, err
	}
	st.Doc, st.Version, st.Unit, st.List = d, d.Published, unitID, list
	st.Units, st.Missing, st.Acked = []UnitRate{}, []Person{}, []Person{}
	if d.Published == 0 {
		return st, nil
	}
	rates, err := s.store.AckRates(ctx, map[int64]int{id: d.Published}, scope)
	if err != nil {
		return st, err
	}
	for _, u := range rates[id] {
		if u.People == 0 {
			continue
		}
		st.Units = append(st.Units, u)
		st.Total.People += u.People
		st.Total.Acked += u.Acked
		if unitID == 0 || u.UnitID == unitID {
			st.AckedCount += u.Acked
			st.MissingCount += u.People - u.Acked
		}
	}
	if st.Total.People > 0 {
		st.Total.Rate = float64(st.Total.Acked) / float64(st.Total.People)
	}
	slices.SortFunc(st.Units, func(a, b UnitRate) int { return strings.Compare(a.UnitPath, b.UnitPath) })
	read := func(acked bool, count int, pr paging.Request) ([]Person, string, error) {
		if count == 0 {
			return []Person{}, "", nil
		}
		rows, err := s.store.AckPeople(ctx, AckPeopleQuery{DocID: id, Version: d.Published, Scope: scope, UnitID: unitID, Acked: acked,
			After: pr.After, Limit: pr.Fetch()})
		if err != nil {
			return nil, "", err
		}
		rows, next := paging.Cut(rows, pr, func(x Person) paging.Cursor { return paging.Cursor{Key: x.EmployeeNo, ID: x.ID} })
		return rows, next, nil
	}
	first := paging.Request{Limit: pr.Limit}
	if list == "" {
		pr = first
	}
	if list != ListAcked {
		if st.Missing, st.MissingNext, err = read(false, st.MissingCount, pr); err != nil {
			return st, err
		}
		st.Next = st.MissingNext
	}
	if list != ListMissing {
		if st.Acked, st.AckedNext, err = read(true, st.AckedCount, pr); err != nil {
			return st, err
		}
		st.Next = st.AckedNext
	}
	if list == "" {
		st.Next = ""
	}
	return st, nil
}

// VersionNodes returns the nodes of a version (0: the one in force).
func (s *Service) VersionNodes(ctx context.Context, p *authz.Principal, id int64, n int) (Doc, Version, error) {
	d, err := s.store.Doc(ctx, id)
	if err != nil {
		return d, Version{}, err
	}
	if !p.Can(Read) {
		// Staff may export the version in force only.
		if err := authz.Require(p, Ack); err != nil {
			return d, Version{}, err
		}
		if n != 0 && n != d.Published {
			return d, Version{}, authz.Require(p, Read)
		}
	}
	if n == 0 {
		n = d.Published
	}
	if n == 0 {
		return d, Version{}, apperr.E(apperr.NotFound, "policy.err.unpublished")
	}
	v, err := s.store.Version(ctx, id, n)
	return d, v, err
}

// ExportFormats are the formats a version exports to: docx and pdf here,
// the others through the catalog exporters.
func (s *Service) ExportFormats() []string {
	return append([]string{"docx", "pdf"}, s.catalogs.ExportFormats()...)
}

// Export writes version n (0: in force) of document id in format, and
// returns the file name and media type.
func (s *Service) Export(ctx context.Context, p *authz.Principal, id int64, n int, format string, w io.Writer) (string, string, error) {
	d, v, err := s.VersionNodes(ctx, p, id, n)
	if err != nil {
		return "", "", err
	}
	base := fmt.Sprintf("%s-v%d", fileSafe(d.Name), v.Number)
	meta := DocMeta{Title: d.Title, Version: v.Number, EffectiveOn: v.EffectiveOn}
	switch format {
	case "docx":
		return base + ".docx", DocxType, WriteDocx(w, meta, v.Nodes)
	case "pdf":
		return base + ".pdf", "application/pdf", WritePDF(w, meta, v.Nodes, s.FontPath)
	}
	if v.Status != VersionPublished || d.CatalogID == 0 {
		return "", "", apperr.E(apperr.Conflict, "policy.err.unpublished")
	}
	info, err := s.catalogs.ExportInfo(ctx, d.CatalogID, v.Edition, format)
	if err != nil {
		return "", "", err
	}
	return info.Name, info.ContentType, s.catalogs.Export(ctx, d.CatalogID, v.Edition, format, w)
}

func fileSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
}
