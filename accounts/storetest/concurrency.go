package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

func testIdempotency(t *testing.T, open func(*testing.T) accounts.Store) {
	s := open(t)
	ctx := context.Background()
	claim := func(t *testing.T, key, fingerprint string) *accounts.IdempotentResponse {
		t.Helper()
		r, err := s.ClaimIdempotencyKey(ctx, key, fingerprint)
		noErr(t, "ClaimIdempotencyKey "+key, err)
		return r
	}
	body := []byte(`{"id":42,"name":"Boulangerie Dupré","tags":["bio"]}`)

	t.Run("new key", func(t *testing.T) {
		if r := claim(t, "key-1", "fp-1"); r != nil {
			t.Errorf("first claim: got %+v, want nil", r)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		r := claim(t, "key-1", "fp-1")
		want := &accounts.IdempotentResponse{Fingerprint: "fp-1", Status: 0}
		if r == nil || r.Fingerprint != want.Fingerprint || r.Status != 0 || len(r.Body) != 0 {
			t.Errorf("second claim while in flight: got %+v, want %+v", r, want)
		}
	})
	t.Run("other fingerprint", func(t *testing.T) {
		// A retry that differs from the first request still learns the first
		// request's fingerprint, so that the caller can refuse it.
		r := claim(t, "key-1", "fp-other")
		if r == nil || r.Fingerprint != "fp-1" {
			t.Errorf("claim with another fingerprint: got %+v, want fingerprint fp-1", r)
		}
	})
	t.Run("other key", func(t *testing.T) {
		if r := claim(t, "key-2", "fp-1"); r != nil {
			t.Errorf("claim of another key: got %+v, want nil", r)
		}
	})
	t.Run("saved", func(t *testing.T) {
		noErr(t, "SaveIdempotentResponse", s.SaveIdempotentResponse(ctx, "key-1", 201, body))
		r := claim(t, "key-1", "fp-1")
		if r == nil {
			t.Fatalf("claim after save: got nil, want the saved response")
		}
		checkSame(t, "claim after save", *r, accounts.IdempotentResponse{Fingerprint: "fp-1", Status: 201, Body: body})
	})
	t.Run("released", func(t *testing.T) {
		noErr(t, "ReleaseIdempotencyKey", s.ReleaseIdempotencyKey(ctx, "key-2"))
		if r := claim(t, "key-2", "fp-2"); r != nil {
			t.Errorf("claim after release: got %+v, want nil", r)
		}
		r := claim(t, "key-2", "fp-3")
		if r == nil || r.Fingerprint != "fp-2" || r.Status != 0 {
			t.Errorf("claim of the key claimed again: got %+v, want fingerprint fp-2 and status 0", r)
		}
	})
	t.Run("no change rows", func(t *testing.T) {
		if got := feed(t, s, 0); len(got) != 0 {
			t.Errorf("change rows of idempotency keys: got %v, want none", project(got))
		}
	})
	t.Run("concurrent claims", func(t *testing.T) {
		// Exactly one of several simultaneous first requests may run.
		const n = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]*accounts.IdempotentResponse, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.ClaimIdempotencyKey(ctx, "key-race", "fp-race")
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("claim %d: %v", i, errs[i])
			} else if results[i] == nil {
				won++
			}
		}
		if won != 1 {
			t.Errorf("simultaneous claims of one key: got %d nil answers, want exactly 1", won)
		}
	})
}

func testConcurrency(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("ParallelCreates", func(t *testing.T) {
		w := newWorld(t, open)
		const workers, each = 8, 5
		after := lastSeq(t, w)
		var wg sync.WaitGroup
		start := make(chan struct{})
		created := make([][]accounts.Account, workers)
		errs := make(chan error, workers*each)
		inputs := make([][]accounts.Account, workers)
		for g := range workers {
			for i := range each {
				inputs[g] = append(inputs[g], accountFixture(t, 100+g*each+i, &w.rep.ID))
			}
		}
		for g := range workers {
			wg.Go(func() {
				<-start
				ctx := accounts.WithActor(context.Background(), w.manager.ID)
				for _, a := range inputs[g] {
					got, err := w.s.CreateAccount(ctx, a)
					if err != nil {
						errs <- err
						continue
					}
					created[g] = append(created[g], got)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("CreateAccount in parallel: %v", err)
		}
		var all []accounts.Account
		var want []change
		for _, cs := range created {
			for _, a := range cs {
				all = append(all, a)
				want = append(want, change{accounts.EntityAccount, a.ID, accounts.OpCreate, &w.manager.ID})
			}
		}
		listed := listAll(t, "ListAccounts", 0, accountID, func(p accounts.Page) ([]accounts.Account, error) {
			return w.s.ListAccounts(w.ctx, accounts.AccountFilter{Page: p})
		})
		checkList(t, "ListAccounts", listed, byID(append(all, w.account), accountID), accountID)
		// checkFeed fails on any Seq that does not strictly increase, which
		// covers duplicate Seqs.
		checkChanges(t, w, after, want)
	})

	t.Run("ParallelVisits", func(t *testing.T) {
		// Visits of one account written at once, then some of them deleted
		// at once: no write may lose another's effect on LastVisitAt.
		w := newWorld(t, open)
		const workers = 8
		run := func(t *testing.T, n int, write func(i int) error) {
			t.Helper()
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					<-start
					if err := write(i); err != nil {
						errs <- err
					}
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("activity write in parallel: %v", err)
			}
		}
		check := func(t *testing.T, want time.Time) {
			t.Helper()
			got, err := w.s.GetAccount(w.ctx, w.account.ID)
			noErr(t, "GetAccount", err)
			if got.LastVisitAt == nil || !got.LastVisitAt.Equal(want) {
				t.Errorf("LastVisitAt: got %v, want %v", got.LastVisitAt, want)
			}
		}
		visits := make([]accounts.Activity, 2*workers)
		for i := range visits {
			visits[i] = activityAt(t, &w.account.ID, accounts.ActivityVisit, true, day(i))
		}
		run(t, len(visits), func(i int) (err error) {
			visits[i], err = w.s.CreateActivity(w.ctx, visits[i])
			return err
		})
		check(t, day(len(visits)-1))
		// Delete the later half, so that the last one standing is the
		// latest of the earlier half.
		run(t, workers, func(i int) error {
			v := visits[workers+i]
			return w.s.DeleteActivity(w.ctx, v.ID, v.Version)
		})
		check(t, day(workers-1))
	})

	t.Run("ParallelMixedWrites", func(t *testing.T) {
		// Writes of different kinds at once, including bulk ones, all succeed.
		w := newWorld(t, open)
		after := lastSeq(t, w)
		const workers = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 4*workers)
		writes := make([]func(context.Context) error, workers)
		for g := range workers {
			switch g % 4 {
			case 0:
				as := []accounts.Account{accountFixture(t, 200+g, nil), accountFixture(t, 300+g, nil)}
				writes[g] = func(ctx context.Context) error { _, err := w.s.CreateAccounts(ctx, as); return err }
			case 1:
				c := contactFixture(t, w.account.ID, g)
				writes[g] = func(ctx context.Context) error { _, err := w.s.CreateContact(ctx, c); return err }
			case 2:
				rs := []accounts.Revenue{{AccountID: w.account.ID, Month: accounts.Month("2024-0" + itoa(int64(1+g))), AmountCents: int64(g)}}
				writes[g] = func(ctx context.Context) error { return w.s.PutRevenue(ctx, rs) }
			case 3:
				tk := taskFixture(t, &w.account.ID, w.rep.ID, nil, g)
				writes[g] = func(ctx context.Context) error { _, err := w.s.CreateTask(ctx, tk); return err }
			}
		}
		for g := range workers {
			wg.Go(func() {
				<-start
				err := writes[g](w.ctx)
				if err != nil {
					errs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("write in parallel: %v", err)
		}
		got := checkFeed(t, w.s, after)
		if want := 2*2 + 2 + 2 + 2; len(got) != want {
			t.Errorf("change rows of parallel writes: got %d, want %d", len(got), want)
		}
	})

	t.Run("ParallelUpdatesOfOneVersion", func(t *testing.T) {
		// Optimistic locking: of several updates from the same version, one
		// wins and the others are stale.
		w := newWorld(t, open)
		a := w.account
		const n = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				in := a
				in.Name = "Boulangerie Dupré — version " + itoa(int64(i))
				_, errs[i] = w.s.UpdateAccount(w.ctx, in, a.Version)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, accounts.ErrStale):
				t.Errorf("update %d: got error %v, want nil or %v", i, err, accounts.ErrStale)
			}
		}
		if won != 1 {
			t.Errorf("updates from one version: got %d successes, want 1", won)
		}
		got, err := w.s.GetAccount(w.ctx, a.ID)
		noErr(t, "GetAccount", err)
		if got.Version != a.Version+1 {
			t.Errorf("version after the race: got %d, want %d", got.Version, a.Version+1)
		}
	})
}
