package register

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Page is one page of a register list: its rows, the cursor of the next
// page ("" on the last) and how many records match the filter in all.
type Page[T any] = paging.Page[T]

// Sort keys of the lists. The store orders by the column of the key (the
// first one when the key is unknown), then by id, both reversed with Desc;
// a cursor names the last row by that column's value and its id.
var (
	AssetSorts   = []string{"code", "name", "kind", "unit", "c", "decided", "updated"}
	SystemSorts  = []string{"code", "name", "stage", "unit", "updated"}
	ServiceSorts = []string{"code", "name", "provider", "contract_to", "unit", "updated"}
)

// SortKey is key when it is one of sorts, otherwise the default (the first).
func SortKey(sorts []string, key string) string {
	for _, k := range sorts {
		if k == key {
			return k
		}
	}
	return sorts[0]
}

// timeKey is a stored time as the store's text column holds it.
func timeKey(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Cursor names a as the last row of a page listed with f.
func (f AssetFilter) Cursor(a Asset) paging.Cursor {
	key := a.Code
	switch SortKey(AssetSorts, f.Sort) {
	case "name":
		key = a.Name
	case "kind":
		key = a.Kind
	case "unit":
		key = a.UnitCode
	case "c":
		key = strconv.Itoa(a.C)
	case "decided":
		key = a.DecidedOn
	case "updated":
		key = timeKey(a.UpdatedAt)
	}
	return paging.Cursor{Key: key, ID: a.ID}
}

// Cursor names y as the last row of a page listed with f.
func (f SystemFilter) Cursor(y System) paging.Cursor {
	key := y.Code
	switch SortKey(SystemSorts, f.Sort) {
	case "name":
		key = y.Name
	case "stage":
		key = y.Stage
	case "unit":
		key = y.UnitCode
	case "updated":
		key = timeKey(y.UpdatedAt)
	}
	return paging.Cursor{Key: key, ID: y.ID}
}

// Cursor names v as the last row of a page listed with f.
func (f ServiceFilter) Cursor(v Service) paging.Cursor {
	key := v.Code
	switch SortKey(ServiceSorts, f.Sort) {
	case "name":
		key = v.Name
	case "provider":
		key = v.Provider
	case "contract_to":
		key = v.ContractTo
	case "unit":
		key = v.UnitCode
	case "updated":
		key = timeKey(v.UpdatedAt)
	}
	return paging.Cursor{Key: key, ID: v.ID}
}

// AssetPage is one page of the assets w may read: those after req.After,
// at most req.Limit, with the total matching f.
func (r *Registry) AssetPage(ctx context.Context, w *authz.Principal, f AssetFilter, req paging.Request) (Page[Asset], error) {
	f.After, f.Limit = req.After, 0
	cf := f
	cf.Viewer, cf.Query = viewer(w, authz.RegisterRead), strings.TrimSpace(f.Query)
	return paging.Read(req, func() (int, error) { return r.store.CountAssets(ctx, cf) },
		func(after paging.Cursor, n int) ([]Asset, error) {
			f.After, f.Limit = after, n
			return r.Assets(ctx, w, f)
		}, f.Cursor)
}

// SystemPage is one page of the systems w may read (see AssetPage).
func (r *Registry) SystemPage(ctx context.Context, w *authz.Principal, f SystemFilter, req paging.Request) (Page[System], error) {
	f.After, f.Limit = req.After, 0
	cf := f
	cf.Viewer, cf.Query = viewer(w, authz.RegisterRead), strings.TrimSpace(f.Query)
	return paging.Read(req, func() (int, error) { return r.store.CountSystems(ctx, cf) },
		func(after paging.Cursor, n int) ([]System, error) {
			f.After, f.Limit = after, n
			return r.Systems(ctx, w, f)
		}, f.Cursor)
}

// ServicePage is one page of the services w may read (see AssetPage).
func (r *Registry) ServicePage(ctx context.Context, w *authz.Principal, f ServiceFilter, req paging.Request) (Page[Service], error) {
	f.After, f.Limit = req.After, 0
	cf := f
	cf.Viewer, cf.Query = viewer(w, authz.RegisterRead), strings.TrimSpace(f.Query)
	return paging.Read(req, func() (int, error) { return r.store.CountServices(ctx, cf) },
		func(after paging.Cursor, n int) ([]Service, error) {
			f.After, f.Limit = after, n
			return r.Services(ctx, w, f)
		}, f.Cursor)
}
