package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzNearbyQuery sends arbitrary query strings to the nearby endpoint:
// whatever comes in, the answer is a 200 or a 400, never a panic or a 500.
func FuzzNearbyQuery(f *testing.F) {
	for _, seed := range []string{
		"lat=45&lng=4.8", "lat=45&lng=4.8&radius_m=2000&kind=client,prospect&tag=a&fields=id,distance_m",
		"lat=NaN&lng=Inf", "lat=1e308&lng=-1e308&limit=0", "lat=45&lng=4&radius_m=-1", "lat=45&lng=4&min_score=1e40",
		"lat=45&lng=4&not_visited_since=2026-02-30", "%zz", "lat=45&lat=46&lng=4", "lat=45&lng=4&fields=",
	} {
		f.Add(seed)
	}
	s, _ := newServer(f)
	for _, body := range []string{
		`{"kind":"client","name":"A","lat":45,"lng":4.8,"tags":["x"]}`,
		`{"kind":"prospect","name":"B","lat":45.01,"lng":4.81}`,
	} {
		if w := do(f, s, "POST", "/api/v1/accounts", body); w.Code != http.StatusCreated {
			f.Fatalf("fixture: %d %s", w.Code, w.Body)
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// Set on the parsed URL: a raw query reaches the handler as a
		// client could send it, malformed escapes and all.
		req := httptest.NewRequest("GET", "/api/v1/accounts/nearby", nil)
		req.URL.RawQuery = raw
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("GET nearby?%s = %d %s, want 200 or 400", raw, w.Code, w.Body)
		}
	})
}

// FuzzSearchBody sends arbitrary bodies to the search endpoint.
func FuzzSearchBody(f *testing.F) {
	for _, seed := range []string{
		`{"box":{"min":{"lat":44,"lng":4},"max":{"lat":46,"lng":5}}}`,
		`{"polygon":{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,45]]]},"filter":{"kinds":["client"],"tags_any":["x"]}}`,
		`{"route":{"type":"LineString","coordinates":[[4,45],[5,45.5]]},"width_m":5000,"limit":3,"fields":["id","along_m"]}`,
		`{"route":{"type":"LineString","coordinates":[[4,45],[4,45]]},"width_m":1}`,
		`{"polygon":{"type":"MultiPolygon","coordinates":[]}}`, `{"box":null}`, `[]`, `{"filter":{"not_visited_since":"x"}}`,
	} {
		f.Add(seed)
	}
	s, _ := newServer(f)
	if w := do(f, s, "POST", "/api/v1/accounts", `{"kind":"client","name":"A","lat":45,"lng":4.8,"tags":["x"]}`); w.Code != http.StatusCreated {
		f.Fatalf("fixture: %d %s", w.Code, w.Body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		w := do(t, s, "POST", "/api/v1/accounts/search", body)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("POST search %q = %d %s, want 200, 400 or 413", body, w.Code, w.Body)
		}
	})
}
