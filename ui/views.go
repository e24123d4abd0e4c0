package ui

import (
	"wsops/ui/apiview"
	"wsops/ui/audit"
	"wsops/ui/clientview"
	"wsops/ui/conns"
	"wsops/ui/detail"
	"wsops/ui/logsview"
	"wsops/ui/repair"
	"wsops/ui/subs"
	"wsops/ui/users"
	"wsops/ui/view"
)

// views are the console's views, in the order the help lists their
// commands; the first is the one the console opens on. A new view is a
// package of its own and one line here.
func views(opt Options) []view.Def {
	return []view.Def{
		conns.Def,
		subs.Def,
		users.Def,
		detail.Def,
		audit.Def,
		clientview.Define(opt.Client),
		repair.Def,
		apiview.Def,
		logsview.Def,
	}
}
