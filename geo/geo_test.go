package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestDistanceM(t *testing.T) {
	paris := Point{Lat: 48.8566, Lng: 2.3522}
	lyon := Point{Lat: 45.7640, Lng: 4.8357}
	tests := []struct {
		name   string
		p, q   Point
		want   float64
		tolerM float64
	}{
		{"same point", paris, paris, 0, 1e-9},
		// Reference values from the haversine formula on R = 6371008.8 m.
		{"Paris–Lyon", paris, lyon, 391_500, 1_000},
		{"one degree of latitude", Point{45, 0}, Point{46, 0}, EarthRadiusM * math.Pi / 180, 1e-6},
		{"one degree of longitude at 50° N is 0.64 of one of latitude", Point{50, 2}, Point{50, 3}, EarthRadiusM * math.Pi / 180 * math.Cos(50*math.Pi/180), 1},
		{"antipodes", Point{0, 0}, Point{0, 180}, math.Pi * EarthRadiusM, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceM(tt.p, tt.q)
			if math.Abs(got-tt.want) > tt.tolerM {
				t.Errorf("DistanceM = %.3f, want %.3f ± %g", got, tt.want, tt.tolerM)
			}
			if back := DistanceM(tt.q, tt.p); math.Abs(back-got) > 1e-9 {
				t.Errorf("not symmetric: %f vs %f", got, back)
			}
		})
	}
}

func TestPointValidate(t *testing.T) {
	tests := []struct {
		p    Point
		want string
	}{
		{Point{45, 4}, ""},
		{Point{-90, 180}, ""},
		{Point{90.0001, 0}, "lat must be between -90 and 90"},
		{Point{math.NaN(), 0}, "lat must be between -90 and 90"},
		{Point{0, -180.5}, "lng must be between -180 and 180"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if (err == nil) != (tt.want == "") || err != nil && (!strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid)) {
			t.Errorf("%v.Validate() = %v, want %q", tt.p, err, tt.want)
		}
	}
}

func TestParseArea(t *testing.T) {
	square := `[[4,45],[5,45],[5,46],[4,46],[4,45]]`
	hole := `[[4.2,45.2],[4.2,45.8],[4.8,45.8],[4.8,45.2],[4.2,45.2]]`
	tests := []struct {
		name, geojson, want string
	}{
		{"polygon", `{"type":"Polygon","coordinates":[` + square + `]}`, ""},
		{"polygon with hole", `{"type":"Polygon","coordinates":[` + square + `,` + hole + `]}`, ""},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[` + square + `],[[[6,45],[7,45],[7,46],[6,45]]]]}`, ""},
		{"not JSON", `{"type":`, "geometry is not valid GeoJSON"},
		{"point", `{"type":"Point","coordinates":[4,45]}`, "must be a Polygon or MultiPolygon, not Point"},
		{"no ring", `{"type":"Polygon","coordinates":[]}`, "polygon 0 has no ring"},
		{"open ring", `{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,46]]]}`, "exterior ring is not closed"},
		{"three positions", `{"type":"Polygon","coordinates":[[[4,45],[5,45],[4,45]]]}`, "exterior ring has 3 positions, at least 4 are needed"},
		{"latitude out of range", `{"type":"Polygon","coordinates":[[[4,45],[5,95],[5,46],[4,45]]]}`, "exterior ring position 1: lat must be between -90 and 90"},
		{"bow tie", `{"type":"Polygon","coordinates":[[[4,45],[5,46],[5,45],[4,46],[4,45]]]}`, "exterior ring intersects itself"},
		{"flat ring", `{"type":"Polygon","coordinates":[[[4,45],[5,45],[6,45],[4,45]]]}`, "exterior ring has no area"},
		{"hole crossing shell", `{"type":"Polygon","coordinates":[` + square + `,[[4.5,45.5],[5.5,45.5],[5.5,45.6],[4.5,45.5]]]}`, "exterior ring crosses hole 1"},
		{"bad ring in second polygon", `{"type":"MultiPolygon","coordinates":[[` + square + `],[[[6,45],[7,45],[7,46]]]]}`, "polygon 1 exterior ring has 3 positions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseArea([]byte(tt.geojson))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseArea: %v", err)
				}
				back, err := AreaFromWKB(a.WKB())
				if err != nil {
					t.Fatalf("AreaFromWKB: %v", err)
				}
				if string(back.WKB()) != string(a.WKB()) {
					t.Errorf("WKB round trip changed the area")
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseArea = %v, want an ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestAreaContainsAndMeasures(t *testing.T) {
	a, err := ParseArea([]byte(`{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,46],[4,45]],[[4.2,45.2],[4.2,45.8],[4.8,45.8],[4.8,45.2],[4.2,45.2]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		p    Point
		want bool
	}{
		{Point{45.1, 4.1}, true},
		{Point{45.5, 4.5}, false}, // in the hole
		{Point{46.5, 4.5}, false},
	} {
		if got := a.Contains(tt.p); got != tt.want {
			t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	b := a.Bounds()
	if b.Min != (Point{45, 4}) || b.Max != (Point{46, 5}) {
		t.Errorf("Bounds = %+v", b)
	}
	// 1°×1° at 45.5° N minus the 0.6°×0.6° hole: about 0.64 of the square.
	square := DistanceM(Point{45.5, 4}, Point{45.5, 5}) * DistanceM(Point{45, 4.5}, Point{46, 4.5})
	if got := a.AreaM2() / square; math.Abs(got-0.64) > 0.01 {
		t.Errorf("area ratio = %.3f, want 0.64", got)
	}
}

// circle returns a GeoJSON polygon of n positions around (45° N, 4° E).
func circle(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		fmt.Fprintf(&sb, "[%.9f,%.9f]", 4+math.Cos(a), 45+math.Sin(a))
		if i < n {
			sb.WriteByte(',')
		}
	}
	sb.WriteString(`]]}`)
	return []byte(sb.String())
}

// TestLargeRing checks that a ring near the size limit is accepted; the
// sweep keeps it from costing n² edge comparisons (see the benchmark).
func TestLargeRing(t *testing.T) {
	if _, err := ParseArea(circle(50_000)); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseArea(circle(MaxAreaPositions + 1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("ParseArea of %d positions = %v, want a size error", MaxAreaPositions+2, err)
	}
}

func BenchmarkParseArea50k(b *testing.B) {
	data := circle(50_000)
	for b.Loop() {
		if _, err := ParseArea(data); err != nil {
			b.Fatal(err)
		}
	}
}
