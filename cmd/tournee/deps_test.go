package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tournee/tournee"

// TestDependencyRule enforces the layout of design.md §3: imports point
// inward (cmd → web → accounts, planner → geo), store drivers stay in their
// store packages and each third-party library stays in the package that owns
// it. It asks the go tool, so the rule holds for the code as built.
func TestDependencyRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// owned lists third-party modules that only their owner may import directly.
	owned := []struct{ lib, owner string }{
		{"github.com/gin-gonic/gin", "web"},
		{"github.com/paulmach/orb", "geo"},
		{"github.com/tidwall/rtree", "geo"},
		{"github.com/twpayne/go-geom", "geo"},
		{"github.com/jackc/pgx", "accounts/postgres"},
		{"modernc.org/sqlite", "accounts/sqlite"},
		{"github.com/expr-lang/expr", "accounts"},
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 2)
		path, imports := parts[0], strings.Split(parts[1], ",")
		if !strings.HasPrefix(path, module+"/") {
			continue
		}
		checked++
		rel := strings.TrimPrefix(path, module+"/")
		for _, imp := range imports {
			if strings.HasPrefix(imp, module+"/") {
				dep := strings.TrimPrefix(imp, module+"/")
				if !allowed(innerRules, rel, dep) {
					t.Errorf("%s imports %s, against the dependency rule", rel, dep)
				}
				continue
			}
			for _, o := range owned {
				if (imp == o.lib || strings.HasPrefix(imp, o.lib+"/")) && !under(rel, o.owner) {
					t.Errorf("%s imports %s, which only %s may import", rel, imp, o.owner)
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked %d project packages; go list found too few", checked)
	}
}

// innerRules lists, for each project package prefix (after the module
// path), the project packages it may import; the first matching rule decides.
var innerRules = []struct{ pkg, may string }{
	{"geo", "geo"},
	{"planner", "planner geo"},
	{"accounts/sqlite", "accounts geo"},
	{"accounts/postgres", "accounts geo"},
	{"accounts", "accounts geo"}, // but not the store drivers: see allowed
	{"web", "web accounts planner geo"},
	{"cmd", "cmd web accounts accounts/sqlite accounts/postgres planner geo"},
}

func TestAllowed(t *testing.T) {
	tests := []struct {
		pkg, dep string
		want     bool
	}{
		{"geo", "accounts", false},
		{"planner", "geo", true},
		{"planner", "accounts", false},
		{"accounts", "geo", true},
		{"accounts", "web", false},
		{"accounts/demo", "accounts/sqlite", false},
		{"accounts/sqlite", "accounts", true},
		{"accounts/sqlite", "accounts/postgres", false},
		{"web", "accounts/postgres", false},
		{"web", "cmd/tournee", false},
		{"cmd/tournee", "accounts/postgres", true},
	}
	for _, tt := range tests {
		if got := allowed(innerRules, tt.pkg, tt.dep); got != tt.want {
			t.Errorf("allowed(%s → %s) = %v, want %v", tt.pkg, tt.dep, got, tt.want)
		}
	}
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

// allowed reports whether project package pkg may import dep: the first rule
// whose package prefix matches pkg decides.
func allowed(rules []struct{ pkg, may string }, pkg, dep string) bool {
	for _, r := range rules {
		if !under(pkg, r.pkg) {
			continue
		}
		for _, m := range strings.Fields(r.may) {
			if under(dep, m) && (m != "accounts" || !under(dep, "accounts/sqlite") && !under(dep, "accounts/postgres")) {
				return true
			}
		}
		return false
	}
	return false
}
