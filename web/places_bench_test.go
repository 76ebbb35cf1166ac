package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tournee/tournee/geo"
)

// BenchmarkNearbyHTTP measures the handler of a mobile client's "what is
// near me" (index fields only) over 2,000 accounts, without the network.
func BenchmarkNearbyHTTP(b *testing.B) {
	s, _ := newServer(b)
	for i, e := range geo.GenerateFrance(1, 2000) {
		body := fmt.Sprintf(`{"kind":"client","name":"C%d","lat":%f,"lng":%f}`, i, e.Location.Lat, e.Location.Lng)
		if w := do(b, s, "POST", "/api/v1/accounts", body); w.Code != http.StatusCreated {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	for _, fields := range []string{"&fields=id,lat,lng,distance_m", ""} {
		b.Run("fields="+fields, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/v1/accounts/nearby?lat=48.85&lng=2.35&limit=10"+fields, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
