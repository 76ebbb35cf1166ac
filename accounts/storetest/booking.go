package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// slot is an activity of w.rep at w.account from start for d, of type typ.
func slot(t *testing.T, w *world, typ accounts.ActivityType, start time.Time, d time.Duration) accounts.Activity {
	t.Helper()
	a := activityAt(t, &w.account.ID, typ, false, start)
	a.OwnerID, a.End = &w.rep.ID, start.Add(d)
	return a
}

func testBooking(t *testing.T, open func(*testing.T) accounts.Store) {
	h := time.Hour
	t.Run("BooksAllAndFeedsThem", func(t *testing.T) {
		w := newWorld(t, open)
		after := lastSeq(t, w)
		in := []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(1), h), slot(t, w, accounts.ActivityVisit, day(1).Add(h), h)}
		got, err := w.s.BookActivities(w.asActor, in)
		noErr(t, "BookActivities", err)
		if len(got) != 2 {
			t.Fatalf("booked %d activities, want 2", len(got))
		}
		var want []change
		for i, a := range got {
			checkNewMeta(t, "BookActivities", a.Meta)
			stored, err := w.s.GetActivity(w.ctx, a.ID)
			noErr(t, "GetActivity", err)
			checkSame(t, "booked activity", stored, a)
			if !a.Start.Equal(in[i].Start) || a.Version != 1 {
				t.Errorf("activity %d: start %v version %d, want %v and 1", i, a.Start, a.Version, in[i].Start)
			}
			want = append(want, change{accounts.EntityActivity, a.ID, accounts.OpCreate, &w.manager.ID})
		}
		checkChanges(t, w, after, want)
	})
	t.Run("Refusals", func(t *testing.T) {
		tests := []struct {
			name     string
			existing func(w *world) accounts.Activity // nil: none
			book     func(w *world) []accounts.Activity
			conflict bool
		}{
			{"overlaps a stored visit",
				func(w *world) accounts.Activity { return slot(t, w, accounts.ActivityVisit, day(2), h) },
				func(w *world) []accounts.Activity {
					return []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(2).Add(30*time.Minute), h)}
				}, true},
			{"contains a stored call",
				func(w *world) accounts.Activity {
					return slot(t, w, accounts.ActivityCall, day(2).Add(h), 10*time.Minute)
				},
				func(w *world) []accounts.Activity {
					return []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(2), 3*h)}
				}, true},
			{"second of the batch overlaps the first", nil,
				func(w *world) []accounts.Activity {
					return []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(2), h), slot(t, w, accounts.ActivityVisit, day(2).Add(59*time.Minute), h)}
				}, true},
			{"ends when the stored one starts",
				func(w *world) accounts.Activity { return slot(t, w, accounts.ActivityVisit, day(2).Add(h), h) },
				func(w *world) []accounts.Activity {
					return []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(2), h)}
				}, false},
			{"a note without duration takes no time",
				func(w *world) accounts.Activity { return slot(t, w, accounts.ActivityNote, day(2).Add(h), 0) },
				func(w *world) []accounts.Activity {
					return []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(2), 2*h)}
				}, false},
			{"another owner's visit does not block",
				func(w *world) accounts.Activity {
					a := slot(t, w, accounts.ActivityVisit, day(2), h)
					a.OwnerID = &w.manager.ID
					return a
				},
				func(w *world) []accounts.Activity {
					return []accounts.Activity{slot(t, w, accounts.ActivityVisit, day(2), h)}
				}, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, open)
				var stored []accounts.Activity
				if tc.existing != nil {
					stored = append(stored, mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity, tc.existing(w)))
				}
				after := lastSeq(t, w)
				got, err := w.s.BookActivities(w.ctx, tc.book(w))
				all, lerr := w.s.ListActivities(w.ctx, accounts.ActivityFilter{})
				noErr(t, "ListActivities", lerr)
				if !tc.conflict {
					noErr(t, "BookActivities", err)
					if len(all) != len(stored)+len(got) {
						t.Errorf("%d activities stored, want %d", len(all), len(stored)+len(got))
					}
					return
				}
				wantErr(t, "BookActivities", err, accounts.ErrConflict)
				if len(all) != len(stored) {
					t.Errorf("a refused booking left %d activities, want %d", len(all), len(stored))
				}
				if seq := lastSeq(t, w); seq != after {
					t.Errorf("a refused booking moved the feed from %d to %d", after, seq)
				}
			})
		}
	})
	t.Run("RacingForOneSlot", func(t *testing.T) {
		w := newWorld(t, open)
		// Several rounds, each on its own day: a lost race needs the checks
		// of two bookings to interleave, which one round may not provoke.
		const rounds, workers = 20, 6
		for r := range rounds {
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, workers)
			for g := range workers {
				// Each books a different length from the same start, so
				// that every pair overlaps.
				a := slot(t, w, accounts.ActivityVisit, day(3+r), time.Duration(g+1)*10*time.Minute)
				wg.Go(func() {
					<-start
					_, err := w.s.BookActivities(context.Background(), []accounts.Activity{a})
					errs <- err
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			booked := 0
			for err := range errs {
				switch {
				case err == nil:
					booked++
				case !errors.Is(err, accounts.ErrConflict):
					t.Errorf("BookActivities: got %v, want nil or a conflict", err)
				}
			}
			if booked != 1 {
				t.Fatalf("round %d: %d of %d racing bookings of one slot succeeded, want 1", r, booked, workers)
			}
		}
	})
}
