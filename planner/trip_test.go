package planner

import (
	"strings"
	"testing"
	"time"
)

func TestTripCost(t *testing.T) {
	tariff := Tariff{PerKmCents: 40, HotelCents: 9000, PerDiemCents: 2500, ValuePerPointCents: 100}
	same := Option{Days: []Day{{DistanceM: 700_000, Driving: 9 * time.Hour, Value: 50, Visits: 1}}}
	night := Option{Days: []Day{{DistanceM: 380_000, Driving: 5 * time.Hour, Value: 60, Visits: 2},
		{DistanceM: 400_000, Driving: 6 * time.Hour, Value: 300, Visits: 5}}}
	c := tariff.Cost(night)
	want := Costing{DistanceM: 780_000, Driving: 11 * time.Hour, Value: 360, Visits: 7, KmCents: 31_200, HotelCents: 9000,
		PerDiemCents: 5000, CostCents: 45_200, NetCents: 36_000 - 45_200}
	if c != want {
		t.Errorf("cost = %+v, want %+v", c, want)
	}
	if c := tariff.Cost(same); c.HotelCents != 0 || c.PerDiemCents != 0 || c.CostCents != 28_000 {
		t.Errorf("a same-day trip costs %+v, want km only (28000 cents)", c)
	}

	tests := []struct {
		name    string
		tariff  Tariff
		opts    []Option
		want    int
		wantWhy string
	}{
		{"value pays for the night", tariff, []Option{same, night}, 1, "staying one night"},
		{"value worthless: the cheaper", Tariff{PerKmCents: 40, HotelCents: 9000}, []Option{same, night}, 0, "driving back the same day"},
		{"infeasible never wins", tariff, []Option{same, {Days: night.Days, Infeasible: "closed"}}, 0, "not possible (closed)"},
		{"over the driving limit never wins", Tariff{PerKmCents: 40, ValuePerPointCents: 100, MaxDriving: 8 * time.Hour},
			[]Option{same, night}, 1, "over the 8h00 limit"},
		{"a tie goes to the shorter trip", Tariff{}, []Option{same, night}, 0, "driving back"},
		{"none possible", tariff, []Option{{Days: same.Days, Infeasible: "too far"}}, -1, "no option fits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, why := tc.tariff.Recommend(English, tc.opts)
			if got != tc.want || !strings.Contains(why, tc.wantWhy) {
				t.Errorf("Recommend = %d (%s), want %d mentioning %q", got, why, tc.want, tc.wantWhy)
			}
		})
	}
}

// TestRecommendLanguage checks that the sentence follows the language
// asked for, and that an unknown one falls back to English.
func TestRecommendLanguage(t *testing.T) {
	tariff := Tariff{PerKmCents: 40, HotelCents: 9000, PerDiemCents: 2500, ValuePerPointCents: 100, MaxDriving: 8 * time.Hour}
	same := Option{Days: []Day{{DistanceM: 700_000, Driving: 9 * time.Hour, Value: 50, Visits: 1}}}
	night := Option{Days: []Day{{DistanceM: 380_000, Driving: 5 * time.Hour, Value: 60, Visits: 2},
		{DistanceM: 400_000, Driving: 6 * time.Hour, Value: 300, Visits: 5}}}
	closed := Option{Days: night.Days, Infeasible: "closed"}
	tests := []struct {
		name string
		lang Language
		opts []Option
		want []string
	}{
		{"french", French, []Option{same, night}, []string{"rester une nuit : 7 visites valant 360 points",
			"rentrer le soir même fait rouler 9h00 le jour 1, au-delà de la limite de 8h00"}},
		{"french, none fits", French, []Option{same, closed}, []string{"aucune option ne convient : rentrer le soir même : le jour 1",
			" ; rester une nuit : closed"}},
		{"english", English, []Option{same, night}, []string{"staying one night: 7 visits worth 360 points"}},
		{"unknown is english", Language("de"), []Option{same, night}, []string{"staying one night: 7 visits"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, why := tariff.Recommend(tc.lang, tc.opts)
			for _, w := range tc.want {
				if !strings.Contains(why, w) {
					t.Errorf("Recommend(%s) = %q, want it to contain %q", tc.lang, why, w)
				}
			}
		})
	}
}
