package app

import (
	"context"

	"kitei/internal/capability"
	"kitei/internal/training"
)

// modules lists the capabilities built in the capability shape (see
// internal/capability). Adding one is one line here, over a service built
// in New.
func (a *App) modules() []capability.Module {
	return []capability.Module{
		training.NewModule(a.Training, a.Kit, a.unitByCode),
	}
}

// Modules is every capability module, built once.
func (a *App) Modules() []capability.Module {
	if a.mods == nil {
		a.mods = a.modules()
	}
	return a.mods
}

// unitByCode resolves a unit code for the capabilities' forms.
func (a *App) unitByCode(ctx context.Context, code string) (int64, string, error) {
	u, err := a.Org.UnitByCode(ctx, code)
	return u.ID, u.Path, err
}
