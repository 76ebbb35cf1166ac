package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Fixtures set every field of their record, vary with i where a store might
// hold a uniqueness constraint, and are validated as the Service would. Times
// are UTC and already truncated to microseconds, since stores keep no more.

// base is the reference instant of the fixtures.
var base = time.Date(2025, time.March, 14, 9, 30, 15, 123456000, time.UTC)

func clock(h, m int) accounts.Clock { return accounts.Clock(h*60 + m) }

func userFixture(t *testing.T, i int, role accounts.Role, managerID *int64) accounts.User {
	t.Helper()
	u := accounts.User{
		Email:          fmt.Sprintf("elodie.fournier%02d@example.fr", i),
		Name:           fmt.Sprintf("Élodie Fournier %02d", i),
		Role:           role,
		ManagerID:      managerID,
		Home:           geo.Point{Lat: 45.7578137, Lng: 4.8320114},
		HomeAddress:    "3 place Bellecour, 69002 Lyon",
		WorkDays:       accounts.Weekdays{time.Monday, time.Tuesday, time.Thursday, time.Friday},
		WorkStart:      clock(8, 30),
		WorkEnd:        clock(17, 45),
		CostPerKmCents: 32,
		SpeedKmh:       62.5,
	}
	mustValid(t, "user", u.Validate())
	return u
}

func accountFixture(t *testing.T, i int, ownerID *int64) accounts.Account {
	t.Helper()
	a := accounts.Account{
		Kind:    accounts.KindClient,
		Name:    fmt.Sprintf("Boulangerie Dupré %02d", i),
		LegalID: fmt.Sprintf("FR%011d", 55210055400+i),
		Address: accounts.Address{
			Street:     "12 rue de la Paix",
			PostalCode: "75002",
			City:       "Paris",
			Country:    "FR",
		},
		Point:          geo.Point{Lat: 48.8686 + float64(i)/1000, Lng: 2.3314 - float64(i)/1000},
		PotentialCents: 125_000 + int64(i),
		Segment:        "boulangerie",
		Tags:           []string{" Bio", "premium", "BIO", "fabrication maison"},
		OpeningHours: accounts.OpeningHours{
			time.Monday:    {{From: clock(7, 0), To: clock(12, 30)}, {From: clock(14, 0), To: clock(19, 0)}},
			time.Tuesday:   {{From: clock(7, 0), To: clock(12, 30)}, {From: clock(14, 0), To: clock(19, 0)}},
			time.Wednesday: {{From: clock(15, 0), To: clock(19, 0)}, {From: clock(7, 0), To: clock(11, 0)}, {From: clock(12, 0), To: clock(13, 0)}},
			time.Saturday:  {{From: clock(7, 30), To: clock(13, 0)}},
			time.Sunday:    {{From: clock(8, 0), To: clock(24, 0)}},
		},
		VisitDuration: 30 * time.Minute,
		Qualification: accounts.Qualification{
			Size:        "PME",
			Sector:      "Boulangerie-pâtisserie",
			QualifiedAt: ptr(accounts.Date("2024-11-05")),
		},
		// Numbers are float64 and arrays []any: what a JSON object decodes to.
		Custom: map[string]any{
			"siret":   fmt.Sprintf("552100554%05d", i),
			"score":   4.5,
			"ca_n1":   1.2e6,
			"actif":   true,
			"inconnu": nil,
			"labels":  []any{"AB", "Label Rouge", 3.0, false},
			"contact": map[string]any{
				"préféré": "Mme Lefèvre",
				"horaires": map[string]any{
					"début": "07:00",
					"jours": []any{"lun", "mar"},
				},
			},
		},
		OwnerID: ownerID,
	}
	mustValid(t, "account", a.Validate())
	return a
}

// minimalAccount sets only the required fields.
func minimalAccount(t *testing.T, i int, kind accounts.Kind, name string) accounts.Account {
	t.Helper()
	a := accounts.Account{
		Kind:  kind,
		Name:  name,
		Point: geo.Point{Lat: 43.6 + float64(i)/100, Lng: 1.44 + float64(i)/100},
	}
	mustValid(t, "account", a.Validate())
	return a
}

func contactFixture(t *testing.T, accountID int64, i int) accounts.Contact {
	t.Helper()
	c := accounts.Contact{
		AccountID: accountID,
		Name:      fmt.Sprintf("Anaïs Lefèvre %02d", i),
		Title:     "Gérante",
		Email:     fmt.Sprintf("anais.lefevre%02d@boulangerie-dupre.fr", i),
		Phone:     "+33 1 42 60 00 00",
		Notes:     "Préfère être appelée le matin, avant l'ouverture.",
		Dates: []accounts.KeyDate{
			{Label: "Départ en retraite", Date: "2027-06-30"},
			{Label: "Anniversaire", Date: "1968-02-29"},
		},
	}
	mustValid(t, "contact", c.Validate())
	return c
}

func stageFixture(t *testing.T, i, position int) accounts.Stage {
	t.Helper()
	s := accounts.Stage{
		Name:        fmt.Sprintf("Découverte %02d", i),
		Position:    position,
		Probability: 10 + i%90,
	}
	mustValid(t, "stage", s.Validate())
	return s
}

func opportunityFixture(t *testing.T, accountID, stageID int64, ownerID *int64, i int) accounts.Opportunity {
	t.Helper()
	o := accounts.Opportunity{
		AccountID:     accountID,
		Name:          fmt.Sprintf("Gamme été %02d", i),
		StageID:       stageID,
		AmountCents:   450_000 + int64(i),
		ExpectedClose: "2025-09-30",
		OwnerID:       ownerID,
		Status:        accounts.StatusOpen,
	}
	mustValid(t, "opportunity", o.Validate())
	return o
}

// report is a visit report as reps write them: French, accents, typographic
// quotes, a dash and a line break.
const report = "Rendez-vous avec Mme Lefèvre : très intéressée par la gamme été.\n" +
	"À rappeler fin août — prévoir des échantillons « bio » et la plaquette tarifaire. Cœur de cible ✓"

func activityFixture(t *testing.T, accountID, ownerID *int64, i int) accounts.Activity {
	t.Helper()
	start := base.Add(time.Duration(i) * 24 * time.Hour)
	// A planned visit: a done one also moves its account's last visit and
	// feeds an account update, which the tests of derived.go cover.
	a := accounts.Activity{
		Type:       accounts.ActivityVisit,
		Done:       false,
		AccountID:  accountID,
		OwnerID:    ownerID,
		Start:      start,
		End:        start.Add(47*time.Minute + 30*time.Second + 250*time.Microsecond),
		Subject:    fmt.Sprintf("Visite de présentation n°%d", i),
		Report:     report,
		CheckIn:    &geo.Point{Lat: 48.86871, Lng: 2.33163},
		TravelledM: 18_250 + int64(i),
	}
	mustValid(t, "activity", a.Validate())
	return a
}

func taskFixture(t *testing.T, accountID *int64, assigneeID int64, createdBy *int64, i int) accounts.Task {
	t.Helper()
	tk := accounts.Task{
		Title:      fmt.Sprintf("Rappeler Mme Lefèvre (%d)", i),
		Notes:      "Envoyer les échantillons d'été avant le 15.",
		AccountID:  accountID,
		AssigneeID: assigneeID,
		CreatedBy:  createdBy,
		Due:        "2025-04-02",
		RemindAt:   ptr(time.Date(2025, time.April, 1, 7, 45, 0, 987654000, time.UTC)),
		Status:     accounts.TaskOpen,
	}
	mustValid(t, "task", tk.Validate())
	return tk
}

// polygonWithHole is central Paris with a hole, in GeoJSON [lng, lat] order.
const polygonWithHole = `{"type":"Polygon","coordinates":[
	[[2.25,48.81],[2.42,48.81],[2.42,48.91],[2.25,48.91],[2.25,48.81]],
	[[2.30,48.84],[2.30,48.88],[2.36,48.88],[2.36,48.84],[2.30,48.84]]]}`

// multiPolygon is two separate zones, the first with a hole.
const multiPolygon = `{"type":"MultiPolygon","coordinates":[
	[[[4.79,45.70],[4.90,45.70],[4.90,45.80],[4.79,45.80],[4.79,45.70]],
	 [[4.82,45.74],[4.82,45.76],[4.85,45.76],[4.85,45.74],[4.82,45.74]]],
	[[[5.70,45.15],[5.76,45.15],[5.76,45.21],[5.70,45.21],[5.70,45.15]]]]}`

func area(t *testing.T, geojson string) geo.Area {
	t.Helper()
	a, err := geo.ParseArea([]byte(geojson))
	mustValid(t, "geometry", err)
	return a
}

func territoryFixture(t *testing.T, assigneeID *int64, i int) accounts.Territory {
	t.Helper()
	tr := accounts.Territory{
		Layer:      " Boulangerie ",
		Name:       fmt.Sprintf("Paris Centre %02d", i),
		Geometry:   area(t, polygonWithHole),
		Priority:   2,
		AssigneeID: assigneeID,
	}
	mustValid(t, "territory", tr.Validate())
	return tr
}
