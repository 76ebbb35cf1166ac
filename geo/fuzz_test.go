package geo

import (
	"errors"
	"testing"
)

// The seed corpora run in every go test; go test -fuzz=FuzzParseArea (or
// FuzzParseLineString) explores from them.

func FuzzParseArea(f *testing.F) {
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,46],[4,45]]]}`,
		`{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,46],[4,45]],[[4.2,45.2],[4.2,45.8],[4.8,45.8],[4.8,45.2],[4.2,45.2]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[4,45],[5,45],[5,46],[4,45]]],[[[6,45],[7,45],[7,46],[6,45]]]]}`,
		`{"type":"Polygon","coordinates":[[[4,45],[5,46],[5,45],[4,46],[4,45]]]}`,
		`{"type":"Polygon","coordinates":[[[4,45],[5,95],[5,46],[4,45]]]}`,
		`{"type":"Polygon","coordinates":[]}`,
		`{"type":"Polygon","coordinates":[[]]}`,
		`{"type":"Polygon","coordinates":[[[4]]]}`,
		`{"type":"Point","coordinates":[4,45]}`,
		`{"type":"GeometryCollection","geometries":[]}`,
		`{"type":"Feature","geometry":null}`,
		`null`, `{}`, `[`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArea(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if a.IsZero() {
			t.Fatal("valid area is empty")
		}
		back, err := AreaFromWKB(a.WKB())
		if err != nil {
			t.Fatalf("WKB round trip: %v", err)
		}
		b := back.Bounds()
		if err := ValidateBounds(b); err != nil {
			t.Fatalf("bounds of a valid area: %v", err)
		}
		a.Contains(b.Min)
	})
}

func FuzzParseLineString(f *testing.F) {
	for _, s := range []string{
		`{"type":"LineString","coordinates":[[2.35,48.85],[4.83,45.76]]}`,
		`{"type":"LineString","coordinates":[[2.35,48.85],[2.35,48.85],[179.9,0],[-179.9,0]]}`,
		`{"type":"LineString","coordinates":[[0,90],[180,-90]]}`,
		`{"type":"LineString","coordinates":[[2.35,48.85]]}`,
		`{"type":"LineString","coordinates":[[2.35],[1,2,3]]}`,
		`{"type":"LineString","coordinates":[[2.35,48.85],[200,45]]}`,
		`{"type":"LineString","coordinates":[[1e400,0],[0,0]]}`,
		`{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]}`,
		`{"type":"LineString"}`,
		`null`, `[`, ``,
	} {
		f.Add([]byte(s), 1000.0)
	}
	var ix Index
	for _, e := range GenerateFrance(1, 200) {
		if err := ix.Upsert(e); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, widthM float64) {
		l, err := ParseLineString(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(l) < 2 {
			t.Fatalf("valid route of %d positions", len(l))
		}
		if len(l) > 1000 {
			return // keep each input fast
		}
		hits, err := ix.AlongRoute(l, widthM, Filter{}, 0)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("AlongRoute error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for _, h := range hits {
			if !(h.DistanceM <= widthM) || h.AlongM < 0 {
				t.Fatalf("hit %+v outside a corridor of %g m", h, widthM)
			}
		}
	})
}
