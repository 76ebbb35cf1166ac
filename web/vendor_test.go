package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vendorManifest is static/vendor/vendor.json, written by
// frontend/vendor.sh: for each vendored library, its npm package, version
// and files with their SHA-256.
type vendorManifest map[string]struct {
	Package string            `json:"package"`
	Version string            `json:"version"`
	Files   map[string]string `json:"files"`
}

// TestVendoredLibraries checks that static/vendor holds what
// frontend/package-lock.json names, byte for byte as `go generate ./web`
// copied it: a version bump without regenerating, or a hand edit of a
// vendored file, fails here.
func TestVendoredLibraries(t *testing.T) {
	var pkg struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	var manifest vendorManifest
	readJSON(t, "frontend/package.json", &pkg)
	readJSON(t, "frontend/package-lock.json", &lock)
	readJSON(t, "static/vendor/vendor.json", &manifest)

	// Exact versions only: a range would let the lockfile move silently.
	for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
		for name, want := range deps {
			if got := lock.Packages["node_modules/"+name].Version; got != want {
				t.Errorf("%s: package.json asks for %q, package-lock.json has %q (run npm install --package-lock-only in web/frontend)", name, want, got)
			}
		}
	}

	// Each library's build says its version somewhere near its start.
	banners := map[string]struct{ file, format string }{
		"leaflet":               {"leaflet.js", "Leaflet %s,"},
		"leaflet-geoman":        {"leaflet-geoman.min.js", `version:"%s"`},
		"leaflet.markercluster": {"leaflet.markercluster-src.js", "Leaflet.markercluster %s+"},
	}
	for lib, banner := range banners {
		t.Run(lib, func(t *testing.T) {
			m, ok := manifest[lib]
			if !ok {
				t.Fatalf("vendor.json has no %s", lib)
			}
			if want := pkg.Dependencies[m.Package]; want == "" {
				t.Errorf("%s is vendored but package.json does not depend on it", m.Package)
			}
			if want := lock.Packages["node_modules/"+m.Package].Version; m.Version != want {
				t.Errorf("vendored %s %s, package-lock.json has %s: run go generate ./web", m.Package, m.Version, want)
			}
			dir := filepath.Join("static", "vendor", lib)
			seen := map[string]bool{}
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				rel = filepath.ToSlash(rel)
				seen[rel] = true
				want, ok := m.Files[rel]
				if !ok {
					t.Errorf("%s is not in vendor.json: files under static/vendor come from go generate ./web only", p)
					return nil
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
					t.Errorf("%s differs from what go generate ./web vendored", p)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for f := range m.Files {
				if !seen[f] {
					t.Errorf("%s/%s is missing", dir, f)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, banner.file))
			if err != nil {
				t.Fatal(err)
			}
			head := string(b[:min(len(b), 64<<10)])
			if want := strings.Replace(banner.format, "%s", m.Version, 1); !strings.Contains(head, want) {
				t.Errorf("%s does not say %q", banner.file, want)
			}
			if _, ok := m.Files[licenceOf(m.Files)]; !ok {
				t.Errorf("%s is vendored without its licence", lib)
			}
		})
	}
	for lib := range manifest {
		if _, ok := banners[lib]; !ok {
			t.Errorf("vendor.json lists %s, which this test does not check", lib)
		}
	}
}

// licenceOf is the name of the licence file among files, "" without one.
func licenceOf(files map[string]string) string {
	for f := range files {
		if u := strings.ToUpper(f); strings.HasPrefix(u, "LICENSE") || strings.Contains(u, "LICENCE") {
			return f
		}
	}
	return ""
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
