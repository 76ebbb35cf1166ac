package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// square is a GeoJSON Polygon of a lng/lat rectangle.
func square(minLng, minLat, maxLng, maxLat float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		minLng, minLat, maxLng, minLat, maxLng, maxLat, minLng, maxLat, minLng, minLat)
}

// feature is a territory as a GeoJSON Feature; assignee 0 is nobody.
func feature(layer, name string, geometry string, priority int, assignee int64) string {
	a := "null"
	if assignee != 0 {
		a = fmt.Sprint(assignee)
	}
	return fmt.Sprintf(`{"type":"Feature","geometry":%s,"properties":{"layer":%q,"name":%q,"priority":%d,"assignee_id":%s}}`,
		geometry, layer, name, priority, a)
}

type idOnly struct {
	ID int64 `json:"id"`
}

// TestTerritoryEndpoints walks a manager through a layer: import, point
// lookup, preview, pins, balance and export, reading accounts' assignees.
func TestTerritoryEndpoints(t *testing.T) {
	s, _ := newServer(t)
	rep := func(name string) int64 {
		w := do(t, s, "POST", "/api/v1/users", fmt.Sprintf(`{"email":"%s@example.test","name":%q,"role":"rep"}`, name, name))
		wantStatus(t, w, http.StatusCreated)
		return decode[idOnly](t, w).ID
	}
	r1, r2 := rep("one"), rep("two")
	w := do(t, s, "POST", "/api/v1/accounts", `{"kind":"client","name":"LAMBDA SARL","lat":45.5,"lng":5.2,"segment":"PME"}`)
	wantStatus(t, w, http.StatusCreated)
	acc := decode[idOnly](t, w).ID

	// Import a layer of two territories.
	body := `{"type":"FeatureCollection","features":[` + feature("", "West", square(5, 45, 6, 46), 0, r1) + `,` +
		feature("sales", "East", square(6, 45, 7, 46), 0, r2) + `]}`
	w = do(t, s, "PUT", "/api/v1/territories.geojson?layer=Sales", body)
	wantStatus(t, w, http.StatusCreated)
	imported := decode[struct{ Features []idOnly }](t, w).Features
	if len(imported) != 2 {
		t.Fatalf("import: got %d features, want 2", len(imported))
	}

	assignees := func() map[string]int64 {
		t.Helper()
		w := do(t, s, "GET", fmt.Sprintf("/api/v1/accounts/%d", acc), "")
		wantStatus(t, w, http.StatusOK)
		return decode[struct {
			Assignees map[string]int64 `json:"assignees"`
		}](t, w).Assignees
	}
	if got := assignees(); got["sales"] != r1 || len(got) != 1 {
		t.Errorf("assignees after import: got %v, want sales:%d", got, r1)
	}

	at := []struct {
		name     string
		query    string
		status   int
		wantTerr int64 // 0: none
	}{
		{"inside west", "lat=45.5&lng=5.5", http.StatusOK, imported[0].ID},
		{"shared border: smaller area, else lower id", "lat=45.5&lng=6", http.StatusOK, 0},
		{"outside", "lat=40&lng=0", http.StatusOK, 0},
		{"missing lng", "lat=45", http.StatusBadRequest, 0},
		{"lat out of range", "lat=91&lng=0", http.StatusBadRequest, 0},
	}
	for _, tc := range at {
		t.Run("at/"+tc.name, func(t *testing.T) {
			w := do(t, s, "GET", "/api/v1/territories/at?"+tc.query, "")
			wantStatus(t, w, tc.status)
			if tc.status != http.StatusOK {
				if !strings.Contains(w.Body.String(), `"field":"l`) {
					t.Errorf("got body %s, want it to name the field", w.Body.String())
				}
				return
			}
			items := decode[struct {
				Items []struct {
					Layer       string `json:"layer"`
					TerritoryID int64  `json:"territory_id"`
				}
			}](t, w).Items
			if tc.wantTerr == 0 && tc.name == "outside" && len(items) != 0 {
				t.Errorf("got %+v, want no territory", items)
			}
			if tc.wantTerr != 0 && (len(items) != 1 || items[0].TerritoryID != tc.wantTerr || items[0].Layer != "sales") {
				t.Errorf("got %+v, want sales territory %d", items, tc.wantTerr)
			}
			if tc.name == "shared border: smaller area, else lower id" && len(items) != 1 {
				t.Errorf("got %+v, want exactly one territory on the border", items)
			}
		})
	}

	// Preview moving West away from the account: it would go to nobody.
	w = do(t, s, "POST", "/api/v1/territories/preview",
		fmt.Sprintf(`{"type":"Feature","id":%d,"geometry":%s,"properties":{"layer":"sales","name":"West","priority":0,"assignee_id":%d}}`,
			imported[0].ID, square(3, 45, 4, 46), r1))
	wantStatus(t, w, http.StatusOK)
	pv := decode[struct {
		Lost  int `json:"lost"`
		Moves []struct {
			AccountID int64  `json:"account_id"`
			From      *int64 `json:"from"`
		} `json:"moves"`
	}](t, w)
	if pv.Lost != 1 || len(pv.Moves) != 1 || pv.Moves[0].AccountID != acc || pv.Moves[0].From == nil || *pv.Moves[0].From != r1 {
		t.Errorf("preview: got %+v, want account %d lost, moving from %d", pv, acc, r1)
	}
	if got := assignees(); got["sales"] != r1 {
		t.Errorf("assignees after preview: got %v, want sales:%d unchanged", got, r1)
	}

	// Preview deleting West: the account would go to nobody. The same
	// figures as an edit that leaves it out, and nothing written.
	w = do(t, s, "GET", fmt.Sprintf("/api/v1/territories/%d/deletion", imported[0].ID), "")
	wantStatus(t, w, http.StatusOK)
	del := decode[struct {
		Gained, Lost, Accounts int
		Moves                  []struct {
			AccountID int64  `json:"account_id"`
			From      *int64 `json:"from"`
			To        *int64 `json:"to"`
		} `json:"moves"`
	}](t, w)
	if del.Lost != 1 || del.Gained != 0 || del.Accounts != 0 || len(del.Moves) != 1 || del.Moves[0].AccountID != acc ||
		del.Moves[0].From == nil || *del.Moves[0].From != r1 || del.Moves[0].To != nil {
		t.Errorf("deletion preview: got %+v, want account %d lost from %d to nobody", del, acc, r1)
	}
	if got := assignees(); got["sales"] != r1 {
		t.Errorf("assignees after deletion preview: got %v, want sales:%d unchanged", got, r1)
	}
	wantStatus(t, do(t, s, "GET", "/api/v1/territories/999999/deletion", ""), http.StatusNotFound)

	// Pin to the other rep, then unpin.
	w = do(t, s, "PUT", fmt.Sprintf("/api/v1/accounts/%d/pins", acc), fmt.Sprintf(`{"layer":"sales","user_id":%d}`, r2))
	wantStatus(t, w, http.StatusOK)
	if got := assignees(); got["sales"] != r2 {
		t.Errorf("assignees after pin: got %v, want sales:%d", got, r2)
	}
	w = do(t, s, "DELETE", fmt.Sprintf("/api/v1/accounts/%d/pins?layer=sales", acc), "")
	wantStatus(t, w, http.StatusOK)
	if got := assignees(); got["sales"] != r1 {
		t.Errorf("assignees after unpin: got %v, want sales:%d", got, r1)
	}

	// Balance.
	w = do(t, s, "GET", "/api/v1/territories/stats?layer=sales", "")
	wantStatus(t, w, http.StatusOK)
	st := decode[struct {
		Unassigned  int64 `json:"unassigned"`
		Territories []struct {
			TerritoryID int64   `json:"territory_id"`
			Accounts    int64   `json:"accounts"`
			Workload    float64 `json:"workload_hours"`
		} `json:"territories"`
	}](t, w)
	if len(st.Territories) != 2 || st.Territories[0].Accounts != 1 || st.Territories[0].Workload <= 0 || st.Unassigned != 0 {
		t.Errorf("stats: got %+v, want West with 1 account and some workload, East empty, none unassigned", st)
	}

	// Export gives the layer back.
	w = do(t, s, "GET", "/api/v1/territories.geojson?layer=sales", "")
	wantStatus(t, w, http.StatusOK)
	if got := w.Header().Get("Content-Type"); got != "application/geo+json" {
		t.Errorf("export Content-Type: got %q, want application/geo+json", got)
	}
	if got := len(decode[struct{ Features []idOnly }](t, w).Features); got != 2 {
		t.Errorf("export: got %d features, want 2", got)
	}
}

func TestTerritoryBadInput(t *testing.T) {
	s, _ := newServer(t)
	open := `{"type":"Polygon","coordinates":[[[5,45],[6,45],[6,46],[5,46]]]}`
	bowtie := `{"type":"Polygon","coordinates":[[[5,45],[6,46],[6,45],[5,46],[5,45]]]}`
	tests := []struct {
		name, method, path, body string
		want                     string // in the error body
	}{
		{"import without layer", "PUT", "/api/v1/territories.geojson", `{"type":"FeatureCollection","features":[]}`, `"field":"layer"`},
		{"import of no feature", "PUT", "/api/v1/territories.geojson?layer=sales", `{"type":"FeatureCollection","features":[]}`, `"field":"features"`},
		{"import of an unclosed ring", "PUT", "/api/v1/territories.geojson?layer=sales",
			`{"type":"FeatureCollection","features":[` + feature("sales", "A", square(5, 45, 6, 46), 0, 0) + `,` + feature("sales", "B", open, 0, 0) + `]}`, "not closed"},
		{"import with an unknown assignee", "PUT", "/api/v1/territories.geojson?layer=sales",
			`{"type":"FeatureCollection","features":[` + feature("sales", "A", square(5, 45, 6, 46), 0, 0) + `,` + feature("sales", "B", square(6, 45, 7, 46), 0, 999) + `]}`, `features[1].properties.assignee_id`},
		{"import of another layer", "PUT", "/api/v1/territories.geojson?layer=sales",
			`{"type":"FeatureCollection","features":[` + feature("maintenance", "A", square(5, 45, 6, 46), 0, 0) + `]}`, `features[0].properties.layer`},
		{"preview of a self-intersecting ring", "POST", "/api/v1/territories/preview", feature("sales", "A", bowtie, 0, 0), "intersects itself"},
		{"preview without name", "POST", "/api/v1/territories/preview", feature("sales", "", square(5, 45, 6, 46), 0, 0), `"field":"name"`},
		{"pin without layer", "PUT", "/api/v1/accounts/1/pins", `{"user_id":1}`, `"field":"layer"`},
		{"stats without layer", "GET", "/api/v1/territories/stats", "", `"field":"layer"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, s, tc.method, tc.path, tc.body)
			wantStatus(t, w, http.StatusBadRequest)
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("got body %s, want it to contain %s", w.Body.String(), tc.want)
			}
		})
	}
	// Nothing of the failed imports was written.
	w := do(t, s, "GET", "/api/v1/territories.geojson", "")
	wantStatus(t, w, http.StatusOK)
	if got := len(decode[struct{ Features []idOnly }](t, w).Features); got != 0 {
		t.Errorf("after failed imports: got %d territories, want 0", got)
	}
}

// TestTerritoryAsFeature creates and edits a territory through the plain
// records endpoint with GeoJSON Features, as GIS tools write them.
func TestTerritoryAsFeature(t *testing.T) {
	s, _ := newServer(t)
	r := do(t, s, "POST", "/api/v1/users", `{"email":"rep@example.test","name":"Rep","role":"rep"}`)
	wantStatus(t, r, http.StatusCreated)
	rep := decode[struct{ ID int64 }](t, r).ID
	square := `{"type":"Polygon","coordinates":[[[2.3,48.8],[2.4,48.8],[2.4,48.9],[2.3,48.9],[2.3,48.8]]]}`
	r = do(t, s, "POST", "/api/v1/territories", fmt.Sprintf(`{"type":"Feature","geometry":%s,
		"properties":{"layer":"Sales","name":"Paris","priority":3,"assignee_id":%d}}`, square, rep))
	wantStatus(t, r, http.StatusCreated)
	type territory struct {
		ID         int64
		Layer      string
		Name       string
		Priority   int
		AssigneeID *int64 `json:"assignee_id"`
	}
	got := decode[territory](t, r)
	if got.Layer != "sales" || got.Name != "Paris" || got.Priority != 3 || got.AssigneeID == nil || *got.AssigneeID != rep {
		t.Fatalf("created %+v from a feature", got)
	}
	path := fmt.Sprintf("/api/v1/territories/%d", got.ID)
	r = do(t, s, "GET", "/api/v1/territories?layer=sales", "", "Accept", "application/geo+json")
	wantStatus(t, r, http.StatusOK)
	fc := decode[struct {
		Type     string
		Features []struct {
			Type       string
			Properties struct{ Name string }
		}
	}](t, r)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 1 || fc.Features[0].Properties.Name != "Paris" {
		t.Errorf("GET /territories as GeoJSON = %+v, want the one feature", fc)
	}
	r = do(t, s, "PATCH", path, `{"type":"Feature","properties":{"name":"Paris centre"}}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[territory](t, r); got.Name != "Paris centre" || got.Priority != 3 || got.AssigneeID == nil {
		t.Errorf("a partial feature changed more than its name: %+v", got)
	}
	r = do(t, s, "PATCH", path, `{"type":"Feature","properties":{"assignee_id":null}}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[territory](t, r); got.AssigneeID != nil {
		t.Errorf("assignee_id null kept %d", *got.AssigneeID)
	}
	for _, bad := range []string{
		`{"type":"Feature","properties":{"colour":"red"}}`,
		`{"type":"Feature","properties":{"assignee_id":"x"}}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[2.3,48.8],[2.4,48.9],[2.4,48.8],[2.3,48.9],[2.3,48.8]]]}}`,
	} {
		wantStatus(t, do(t, s, "PATCH", path, bad), http.StatusBadRequest)
	}
}
