package web

import "strings"

// routeAccess declares who may call each route, by method and Gin path.
// authorize refuses a route that is not here, and the role matrix test
// fails on it: every new route must declare its level.
//
// Levels say which roles may call a route at all. What a role sees through
// a route it may call (a rep's own accounts) is the business of the
// queries behind it.
var routeAccess = map[string]level{
	"GET /":                          public,
	"GET /healthz":                   public,
	"GET /readyz":                    public,
	"GET /metrics":                   admin,
	"GET /api/v1/openapi.json":       public,
	"GET /api/v1/config":             public,
	"POST /api/v1/auth/login":        public,
	"POST /api/v1/auth/token":        public,
	"POST /api/v1/auth/logout":       member,
	"GET /api/v1/auth/tokens":        member,
	"POST /api/v1/auth/tokens":       member,
	"DELETE /api/v1/auth/tokens/:id": member,
	"GET /api/v1/users/me":           member,
	"PUT /api/v1/users/:id/password": member, // own password; admins anyone's (checked by the handler)

	"GET /api/v1/users":            member,
	"GET /api/v1/users/:id":        member,
	"POST /api/v1/users":           admin,
	"PATCH /api/v1/users/:id":      admin,
	"DELETE /api/v1/users/:id":     admin,
	"GET /api/v1/users/:id/travel": manager,

	"GET /api/v1/changes": member, // filtered to what the user may see
	"GET /api/v1/audit":   manager,

	"GET /api/v1/stages":        member,
	"POST /api/v1/stages":       admin,
	"PATCH /api/v1/stages/:id":  admin,
	"DELETE /api/v1/stages/:id": admin,

	"GET /api/v1/accounts":             member,
	"POST /api/v1/accounts":            member,
	"GET /api/v1/accounts/:id":         member,
	"PATCH /api/v1/accounts/:id":       member,
	"DELETE /api/v1/accounts/:id":      manager,
	"GET /api/v1/accounts/:id/revenue": member,
	"GET /api/v1/accounts/:id/score":   member,
	"GET /api/v1/accounts/nearby":      member,
	"POST /api/v1/accounts/search":     member,
	"GET /api/v1/accounts/search":      member,
	"PUT /api/v1/accounts/:id/pins":    manager,
	"DELETE /api/v1/accounts/:id/pins": manager,
	"PUT /api/v1/revenue":              manager,

	"GET /api/v1/contacts":             member,
	"POST /api/v1/contacts":            member,
	"GET /api/v1/contacts/:id":         member,
	"PATCH /api/v1/contacts/:id":       member,
	"DELETE /api/v1/contacts/:id":      member,
	"GET /api/v1/opportunities":        member,
	"POST /api/v1/opportunities":       member,
	"GET /api/v1/opportunities/:id":    member,
	"PATCH /api/v1/opportunities/:id":  member,
	"DELETE /api/v1/opportunities/:id": member,
	"GET /api/v1/pipeline":             member, // the opportunities of the accounts the user sees
	"GET /api/v1/activities":           member,
	"POST /api/v1/activities":          member,
	"GET /api/v1/activities/:id":       member,
	"PATCH /api/v1/activities/:id":     member,
	"DELETE /api/v1/activities/:id":    member,
	"GET /api/v1/tasks":                member,
	"POST /api/v1/tasks":               member,
	"GET /api/v1/tasks/:id":            member,
	"PATCH /api/v1/tasks/:id":          member,
	"DELETE /api/v1/tasks/:id":         member,

	"POST /api/v1/plans/day":  member,
	"POST /api/v1/plans/trip": member,
	"POST /api/v1/plans/book": member,

	"GET /api/v1/territories":              member,
	"GET /api/v1/territories/:id":          member,
	"GET /api/v1/territories.geojson":      member,
	"GET /api/v1/territories/at":           member,
	"GET /api/v1/territories/stats":        manager,
	"POST /api/v1/territories":             manager,
	"PATCH /api/v1/territories/:id":        manager,
	"DELETE /api/v1/territories/:id":       manager,
	"PUT /api/v1/territories.geojson":      manager,
	"POST /api/v1/territories/preview":     manager,
	"GET /api/v1/territories/:id/deletion": manager,

	"GET /api/v1/rules":            manager,
	"GET /api/v1/rules/:id":        manager,
	"POST /api/v1/rules":           manager,
	"PATCH /api/v1/rules/:id":      manager,
	"DELETE /api/v1/rules/:id":     manager,
	"POST /api/v1/rules/dry-run":   manager,
	"POST /api/v1/rules/evaluate":  admin,
	"GET /api/v1/rules/facts":      member,
	"GET /api/v1/alerts":           member,
	"POST /api/v1/alerts/:id/read": member,

	"GET /api/v1/webhooks":             admin,
	"POST /api/v1/webhooks":            admin,
	"GET /api/v1/webhooks/:id":         admin,
	"PATCH /api/v1/webhooks/:id":       admin,
	"DELETE /api/v1/webhooks/:id":      admin,
	"POST /api/v1/webhooks/:id/rotate": admin,
	"POST /api/v1/mailings":            manager, // to the accounts the caller sees
}

// accessOf is the level of a route; ok is false for a route that declares none.
func accessOf(method, path string) (level, bool) {
	if method == "GET" && strings.HasPrefix(path, assetPrefix) {
		return public, true // the map page's files
	}
	l, ok := routeAccess[method+" "+path]
	return l, ok
}
