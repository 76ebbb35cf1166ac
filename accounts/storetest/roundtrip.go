package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// roundTrip creates in and checks that the store returns want with a new
// Meta, that Get and the unfiltered list return the same value, and that the
// create was fed to the change feed under the acting user.
func roundTrip[T any](t *testing.T, c crud[T], w *world, in, want T) T {
	t.Helper()
	after := lastSeq(t, w)
	got, err := c.create(w.s, w.asActor, in)
	if err != nil {
		t.Fatalf("create %s: %v", c.entity, err)
	}
	m := *c.meta(&got)
	checkNewMeta(t, "create "+c.entity, m)
	checkSame(t, "created "+c.entity, got, c.withMeta(want, m))
	c.checkStored(t, w, got)
	listed := listAll(t, "list", 0, c.id, func(p accounts.Page) ([]T, error) { return c.list(w.s, w.ctx, p) })
	found := filter(listed, func(v T) bool { return c.id(v) == m.ID })
	if len(found) != 1 {
		t.Errorf("list: got %d records with id %d, want 1", len(found), m.ID)
	} else {
		checkSame(t, "listed "+c.entity, found[0], got)
	}
	checkChanges(t, w, after, []change{{c.entity, m.ID, accounts.OpCreate, &w.manager.ID}})
	return got
}

// paris is a fixed zone so that the suite does not depend on tzdata.
var paris = time.FixedZone("CEST", 2*60*60)

func testRoundTrip(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("User", func(t *testing.T) {
		tests := []struct {
			name string
			in   func(t *testing.T, w *world) accounts.User
		}{
			{"every field", func(t *testing.T, w *world) accounts.User {
				return userFixture(t, 1, accounts.RoleRep, &w.manager.ID)
			}},
			{"admin without manager", func(t *testing.T, w *world) accounts.User {
				return userFixture(t, 2, accounts.RoleAdmin, nil)
			}},
			{"defaults", func(t *testing.T, w *world) accounts.User {
				u := accounts.User{Email: "jean.dupont@example.fr", Name: "Jean Dupont", Role: accounts.RoleRep}
				mustValid(t, "user", u.Validate())
				return u
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				in := tc.in(t, w)
				roundTrip(t, userOps, w, in, in)
			})
		}
		t.Run("by email", func(t *testing.T) {
			w := newWorld(t, open)
			u := roundTrip(t, userOps, w, userFixture(t, 3, accounts.RoleRep, nil), userFixture(t, 3, accounts.RoleRep, nil))
			got, err := w.s.UserByEmail(w.ctx, u.Email)
			noErr(t, "UserByEmail", err)
			checkSame(t, "UserByEmail", got, u)
			// E-mail addresses are unique whatever their case, so that a
			// user signs in with any case.
			got, err = w.s.UserByEmail(w.ctx, strings.ToUpper(u.Email))
			noErr(t, "UserByEmail in upper case", err)
			checkSame(t, "UserByEmail in upper case", got, u)
			_, err = w.s.UserByEmail(w.ctx, "personne@example.fr")
			wantErr(t, "UserByEmail unknown", err, accounts.ErrNotFound)
		})
	})

	t.Run("Account", func(t *testing.T) {
		tests := []struct {
			name string
			in   func(t *testing.T, w *world) accounts.Account
			want func(in accounts.Account) accounts.Account
		}{
			{"every field", func(t *testing.T, w *world) accounts.Account {
				return accountFixture(t, 1, &w.rep.ID)
			}, nil},
			{"required fields only", func(t *testing.T, w *world) accounts.Account {
				return minimalAccount(t, 1, accounts.KindProspect, "Café de la Gare")
			}, func(in accounts.Account) accounts.Account {
				in.Tags = []string{} // already so after Validate: stated for the reader
				in.Custom = nil
				return in
			}},
			{"empty custom object", func(t *testing.T, w *world) accounts.Account {
				a := minimalAccount(t, 2, accounts.KindFormer, "Tabac des Halles")
				a.Custom = map[string]any{}
				return a
			}, func(in accounts.Account) accounts.Account {
				in.Custom = nil
				return in
			}},
			{"southern and western coordinates", func(t *testing.T, w *world) accounts.Account {
				a := accountFixture(t, 3, nil)
				a.Point = geo.Point{Lat: -21.115141, Lng: 55.536384}
				return a
			}, nil},
			{"extreme coordinates", func(t *testing.T, w *world) accounts.Account {
				a := accountFixture(t, 4, nil)
				a.Point = geo.Point{Lat: -89.999999999, Lng: 179.123456789012}
				return a
			}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				in := tc.in(t, w)
				want := in
				if tc.want != nil {
					want = tc.want(in)
				}
				roundTrip(t, accountOps, w, in, want)
			})
		}
	})

	t.Run("Contact", func(t *testing.T) {
		tests := []struct {
			name  string
			dates []accounts.KeyDate
			want  []accounts.KeyDate
		}{
			{"with key dates", nil, nil},
			{"nil dates", []accounts.KeyDate(nil), []accounts.KeyDate{}},
			{"empty dates", []accounts.KeyDate{}, []accounts.KeyDate{}},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				in := contactFixture(t, w.account.ID, i)
				want := in
				if i > 0 {
					in.Dates, want.Dates = tc.dates, tc.want
				}
				roundTrip(t, contactOps, w, in, want)
			})
		}
	})

	t.Run("Opportunity", func(t *testing.T) {
		tests := []struct {
			name string
			in   func(t *testing.T, w *world) accounts.Opportunity
		}{
			{"every field", func(t *testing.T, w *world) accounts.Opportunity {
				return opportunityFixture(t, w.account.ID, w.stage.ID, &w.rep.ID, 1)
			}},
			{"lost without owner or close date", func(t *testing.T, w *world) accounts.Opportunity {
				o := opportunityFixture(t, w.account.ID, w.stage.ID, nil, 2)
				o.ExpectedClose = ""
				o.Status = accounts.StatusLost
				o.AmountCents = 0
				return o
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				in := tc.in(t, w)
				roundTrip(t, opportunityOps, w, in, in)
			})
		}
	})

	t.Run("Activity", func(t *testing.T) {
		tests := []struct {
			name string
			in   func(t *testing.T, w *world) accounts.Activity
			want func(in accounts.Activity) accounts.Activity
		}{
			{"visit with check-in and report", func(t *testing.T, w *world) accounts.Activity {
				return activityFixture(t, &w.account.ID, &w.rep.ID, 1)
			}, nil},
			{"planned call without account, owner or check-in", func(t *testing.T, w *world) accounts.Activity {
				a := activityFixture(t, nil, nil, 2)
				a.Type, a.Done, a.CheckIn, a.Report, a.TravelledM = accounts.ActivityCall, false, nil, "", 0
				return a
			}, nil},
			{"times in another zone come back in UTC", func(t *testing.T, w *world) accounts.Activity {
				a := activityFixture(t, &w.account.ID, nil, 3)
				a.Start, a.End = a.Start.In(paris), a.End.In(paris)
				return a
			}, func(in accounts.Activity) accounts.Activity {
				in.Start, in.End = in.Start.UTC(), in.End.UTC()
				return in
			}},
			{"times are truncated to microseconds", func(t *testing.T, w *world) accounts.Activity {
				a := activityFixture(t, nil, &w.rep.ID, 4)
				a.Start = a.Start.Add(789 * time.Nanosecond)
				a.End = a.End.Add(999 * time.Nanosecond)
				return a
			}, func(in accounts.Activity) accounts.Activity {
				in.Start, in.End = in.Start.Truncate(time.Microsecond), in.End.Truncate(time.Microsecond)
				return in
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				in := tc.in(t, w)
				want := in
				if tc.want != nil {
					want = tc.want(in)
				}
				roundTrip(t, activityOps, w, in, want)
			})
		}
	})

	t.Run("Task", func(t *testing.T) {
		tests := []struct {
			name string
			in   func(t *testing.T, w *world) accounts.Task
			want func(in accounts.Task) accounts.Task
		}{
			{"every field with reminder", func(t *testing.T, w *world) accounts.Task {
				return taskFixture(t, &w.account.ID, w.rep.ID, &w.manager.ID, 1)
			}, nil},
			{"without reminder, account, author or due date", func(t *testing.T, w *world) accounts.Task {
				tk := taskFixture(t, nil, w.rep.ID, nil, 2)
				tk.RemindAt, tk.Due, tk.Notes, tk.Status = nil, "", "", accounts.TaskCancelled
				return tk
			}, nil},
			{"reminder in another zone comes back in UTC", func(t *testing.T, w *world) accounts.Task {
				tk := taskFixture(t, nil, w.rep.ID, nil, 3)
				tk.RemindAt = ptr(tk.RemindAt.In(paris))
				return tk
			}, func(in accounts.Task) accounts.Task {
				in.RemindAt = ptr(in.RemindAt.UTC())
				return in
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				in := tc.in(t, w)
				want := in
				if tc.want != nil {
					want = tc.want(in)
				}
				roundTrip(t, taskOps, w, in, want)
			})
		}
	})

	t.Run("Territory", func(t *testing.T) {
		tests := []struct {
			name     string
			geometry string
			assigned bool
		}{
			{"polygon with a hole", polygonWithHole, true},
			{"multipolygon", multiPolygon, true},
			{"without assignee", polygonWithHole, false},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				var assignee *int64
				if tc.assigned {
					assignee = &w.rep.ID
				}
				in := territoryFixture(t, assignee, i)
				in.Geometry = area(t, tc.geometry)
				roundTrip(t, territoryOps, w, in, in)
			})
		}
	})
}
