package accounts

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want Clock
		ok   bool
	}{
		{"08:30", 510, true},
		{"00:00", 0, true},
		{"24:00", 1440, true},
		{"24:01", 0, false},
		{"8:30", 0, false},
		{"08h30", 0, false},
		{"12:60", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseClock(tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("ParseClock(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("Clock(%d).String() = %s, want %s", got, got, tt.in)
		}
	}
}

func TestOpeningHoursJSON(t *testing.T) {
	in := `{"monday":[["14:00","18:00"],["08:30","12:00"]],"saturday":[["09:00","12:00"]]}`
	var o OpeningHours
	if err := json.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := o[time.Monday]; len(got) != 2 || got[0].From != 510 || got[1].To != 1080 {
		t.Errorf("monday = %v, want sorted [08:30-12:00 14:00-18:00]", got)
	}
	if !o.Known() || len(o[time.Sunday]) != 0 {
		t.Errorf("known = %v, sunday = %v", o.Known(), o[time.Sunday])
	}
	out, _ := json.Marshal(o)
	if want := `{"monday":[["08:30","12:00"],["14:00","18:00"]],"saturday":[["09:00","12:00"]]}`; string(out) != want {
		t.Errorf("marshal = %s, want %s", out, want)
	}
	if err := json.Unmarshal([]byte(`{"lundi":[]}`), &o); err == nil {
		t.Error("French day name accepted; want an error naming the day")
	}
	for in, want := range map[string]string{
		`{"tuesday":[["08:00","12:00"],["11:30","13:00"]]}`: "opening hours overlap on tuesday",
		`{"friday":[["12:00","08:00"]]}`:                    "opening hours on friday: 12:00-08:00 is not a time span",
	} {
		var o OpeningHours
		if err := json.Unmarshal([]byte(in), &o); err != nil {
			t.Fatal(err)
		}
		err := o.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "opening_hours" || fe.Message != want {
			t.Errorf("Validate(%s) = %v, want %q on opening_hours", in, err, want)
		}
	}
}

func TestAccountJSON(t *testing.T) {
	a := Account{Kind: KindClient, Name: "LAMBDA SARL", VisitDuration: time.Hour, Tags: []string{"x"}}
	a.Lat, a.Lng = 45.76, 4.83
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"lat":45.76`, `"lng":4.83`, `"visit_duration_s":3600`, `"name":"LAMBDA SARL"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	// A partial document changes only what it names.
	if err := json.Unmarshal([]byte(`{"potential_cents":5,"visit_duration_s":1800}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.Name != "LAMBDA SARL" || a.PotentialCents != 5 || a.VisitDuration != 30*time.Minute || a.Lat != 45.76 {
		t.Errorf("after partial decode: %+v", a)
	}
	if err := json.Unmarshal([]byte(`{"nom":"x"}`), &a); err == nil || !strings.Contains(err.Error(), `unknown field "nom"`) {
		t.Errorf("unknown field: err = %v", err)
	}
}

func TestValidateDefaultsAndErrors(t *testing.T) {
	u := User{Email: " rep@demo.tournee.test ", Name: "Rep", Role: RoleRep}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	if u.Email != "rep@demo.tournee.test" || len(u.WorkDays) != 5 || u.WorkStart != DefaultWorkStart || u.SpeedKmh != DefaultSpeedKmh {
		t.Errorf("defaults not filled: %+v", u)
	}
	a := Account{Kind: KindProspect, Name: "X", Tags: []string{" Vin ", "vin", ""}}
	a.Lat, a.Lng = 44.8, -0.58
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.VisitDuration != DefaultVisitDuration || len(a.Tags) != 1 || a.Tags[0] != "vin" {
		t.Errorf("account defaults: %v %v", a.VisitDuration, a.Tags)
	}
	// Every problem is reported, the first one names its field.
	bad := Account{Kind: "x", PotentialCents: -1}
	bad.Lat = 100
	err := bad.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "kind" || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate = %v, want FieldError on kind", err)
	}
	for _, want := range []string{"name is required", "lat must be between -90 and 90", "potential_cents must not be negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}
