package register

import (
	"context"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// References to register entries, as other records (approval requests)
// store them: "asset:12", "system:3", "service:5" — the kind and the
// entry's number, which never changes (an asset's own id may).
const (
	RefAsset   = "asset"
	RefSystem  = "system"
	RefService = "service"
)

// Target is a register entry another record points at.
type Target struct {
	Ref     string `json:"ref"`  // canonical: kind:number
	Kind    string `json:"kind"` // asset, system, service
	ID      int64  `json:"id"`
	Code    string `json:"code"` // the entry's own id (a system's code names its ISSO appointments)
	Name    string `json:"name"`
	Retired bool   `json:"retired,omitempty"`
	// Href is the entry's page when it lives outside these registers
	// (devices, media, risks); empty for assets, systems and services.
	Href string `json:"href,omitempty"`
}

// URL is the entry's page.
func (t Target) URL() string {
	if t.Href != "" {
		return t.Href
	}
	return "/register/" + t.Kind + "s/" + strconv.FormatInt(t.ID, 10)
}

// Label is how the entry is shown: its id and name.
func (t Target) Label() string { return t.Code + " " + t.Name }

// RefOf is the canonical reference of an entry.
func RefOf(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

var refKinds = map[string]string{
	RefAsset: RefAsset, "assets": RefAsset, "資産": RefAsset, "情報資産": RefAsset,
	RefSystem: RefSystem, "systems": RefSystem, "システム": RefSystem, "情報システム": RefSystem,
	RefService: RefService, "services": RefService, "サービス": RefService, "クラウド": RefService,
}

// ResolveRef finds the entry ref names among those w may read: "kind:number",
// "kind:id" (the entry's own id, e.g. system:SYS-001) or a bare own id,
// looked up among systems, then services, then assets. An entry w may not
// read is reported exactly like one that does not exist.
func (r *Registry) ResolveRef(ctx context.Context, w *authz.Principal, ref string) (Target, error) {
	ref = strings.TrimSpace(ref)
	notFound := apperr.E(apperr.Invalid, "register.err.names_register_entry_you_see", ref)
	if ref == "" {
		return Target{}, notFound
	}
	kinds := []string{RefSystem, RefService, RefAsset}
	key, byNumber := ref, false
	if k, rest, ok := strings.Cut(ref, ":"); ok {
		byNumber = true
		kind, known := refKinds[strings.ToLower(strings.TrimSpace(k))]
		if !known {
			return Target{}, notFound
		}
		kinds, key = []string{kind}, strings.TrimSpace(rest)
	}
	if key == "" {
		return Target{}, notFound
	}
	for _, kind := range kinds {
		t, err := r.target(ctx, w, kind, key, byNumber)
		if err == nil {
			return t, nil
		}
		if !apperr.Is(err, apperr.NotFound) {
			return Target{}, err
		}
	}
	return Target{}, notFound
}

// target finds one entry of kind by number (when byNumber and key is one)
// or by its own id.
func (r *Registry) target(ctx context.Context, w *authz.Principal, kind, key string, byNumber bool) (Target, error) {
	v := viewer(w, authz.RegisterRead)
	n, numErr := strconv.ParseInt(key, 10, 64)
	if !byNumber {
		numErr = strconv.ErrSyntax
	}
	switch kind {
	case RefAsset:
		var a Asset
		var err error
		if numErr == nil && n > 0 {
			a, err = r.store.Asset(ctx, n, v)
		}
		if numErr != nil || apperr.Is(err, apperr.NotFound) {
			a, err = r.store.AssetByCode(ctx, key, v)
		}
		if err != nil {
			return Target{}, err
		}
		return Target{Ref: RefOf(kind, a.ID), Kind: kind, ID: a.ID, Code: a.Code, Name: a.Name, Retired: a.Retired}, nil
	case RefSystem:
		if numErr == nil && n > 0 {
			if y, err := r.store.System(ctx, n, v); err == nil {
				return Target{Ref: RefOf(kind, y.ID), Kind: kind, ID: y.ID, Code: y.Code, Name: y.Name, Retired: y.Retired}, nil
			} else if !apperr.Is(err, apperr.NotFound) {
				return Target{}, err
			}
		}
		ys, err := r.store.Systems(ctx, SystemFilter{Viewer: v, Query: key, Retired: true})
		if err != nil {
			return Target{}, err
		}
		for _, y := range ys {
			if y.Code == key {
				return Target{Ref: RefOf(kind, y.ID), Kind: kind, ID: y.ID, Code: y.Code, Name: y.Name, Retired: y.Retired}, nil
			}
		}
	case RefService:
		if numErr == nil && n > 0 {
			if s, err := r.store.Service(ctx, n, v); err == nil {
				return Target{Ref: RefOf(kind, s.ID), Kind: kind, ID: s.ID, Code: s.Code, Name: s.Name, Retired: s.Retired}, nil
			} else if !apperr.Is(err, apperr.NotFound) {
				return Target{}, err
			}
		}
		ss, err := r.store.Services(ctx, ServiceFilter{Viewer: v, Query: key, Retired: true})
		if err != nil {
			return Target{}, err
		}
		for _, s := range ss {
			if s.Code == key {
				return Target{Ref: RefOf(kind, s.ID), Kind: kind, ID: s.ID, Code: s.Code, Name: s.Name, Retired: s.Retired}, nil
			}
		}
	}
	return Target{}, apperr.E(apperr.NotFound, "register.err.register_entry", kind, key)
}
