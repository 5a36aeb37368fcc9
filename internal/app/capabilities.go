package app

import (
	"kitei/internal/capability"
	"kitei/internal/inventory"
	"kitei/internal/risk"
)

// modules lists the capabilities built in the capability shape (see
// internal/capability). Adding one is one line here, over a service built
// in New.
func (a *App) modules() []capability.Module {
	return []capability.Module{
		risk.Module(a.Risk, a.Kit),
		inventory.Module(a.Inventory, a.Kit),
	}
}

// Modules is every capability module, built once.
func (a *App) Modules() []capability.Module {
	if a.mods == nil {
		a.mods = a.modules()
	}
	return a.mods
}
