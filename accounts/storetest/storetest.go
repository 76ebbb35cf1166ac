// Package storetest is the conformance suite that every accounts.Store
// implementation passes, so that the embedded SQLite default and PostgreSQL
// cannot drift apart. A store package calls Run from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) accounts.Store {
//			s := openTestStore(t) // fresh, migrated, empty
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite tests the contract written on accounts.Store and its types, not
// an implementation: it writes through the store directly (inputs already
// validated, as the Service would hand them over) and reads back what the
// store promises. Every subtest opens its own store, so that counts and the
// change feed start empty and failures stay independent.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Run runs the conformance suite against stores made by open; open returns a fresh, migrated, empty store and registers its cleanup.
func Run(t *testing.T, open func(t *testing.T) accounts.Store) {
	t.Run("Ready", func(t *testing.T) { testReady(t, open) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, open) })
	t.Run("Stages", func(t *testing.T) { testStages(t, open) })
	t.Run("Integrity", func(t *testing.T) { testIntegrity(t, open) })
	t.Run("Lists", func(t *testing.T) { testLists(t, open) })
	t.Run("Visibility", func(t *testing.T) { testVisibility(t, open) })
	t.Run("Bulk", func(t *testing.T) { testBulk(t, open) })
	t.Run("LastVisit", func(t *testing.T) { testLastVisit(t, open) })
	t.Run("Booking", func(t *testing.T) { testBooking(t, open) })
	t.Run("AccountsByID", func(t *testing.T) { testAccountsByID(t, open) })
	t.Run("Revenue", func(t *testing.T) { testRevenue(t, open) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, open) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("Assignments", func(t *testing.T) { testAssignments(t, open) })
	t.Run("Rules", func(t *testing.T) { testRules(t, open) })
	t.Run("RuleInputs", func(t *testing.T) { testRuleInputs(t, open) })
	t.Run("Reminders", func(t *testing.T) { testReminders(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
	t.Run("NameSearch", func(t *testing.T) { testNameSearch(t, open) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("Auth", func(t *testing.T) { testAuth(t, open) })
}

// missingID is an id that no record of a fresh store has.
const missingID int64 = 1 << 40

// world is the handful of records most tests need as references: a manager
// (who also acts for the change feed), a rep reporting to the manager, an
// account owned by the rep and a pipeline stage.
type world struct {
	s       accounts.Store
	ctx     context.Context // no actor
	asActor context.Context // writes attributed to manager
	manager accounts.User
	rep     accounts.User
	account accounts.Account
	stage   accounts.Stage
}

// newWorld opens a store and creates the reference records in it.
func newWorld(t *testing.T, open func(t *testing.T) accounts.Store) *world {
	t.Helper()
	s := open(t)
	ctx := context.Background()
	w := &world{s: s, ctx: ctx}
	w.manager = mustCreate(t, "CreateUser", ctx, s.CreateUser, userFixture(t, 90, accounts.RoleManager, nil))
	w.asActor = accounts.WithActor(ctx, w.manager.ID)
	w.rep = mustCreate(t, "CreateUser", ctx, s.CreateUser, userFixture(t, 91, accounts.RoleRep, &w.manager.ID))
	w.account = mustCreate(t, "CreateAccount", ctx, s.CreateAccount, accountFixture(t, 90, &w.rep.ID))
	st, err := s.CreateStage(ctx, stageFixture(t, 90, 1))
	if err != nil {
		t.Fatalf("CreateStage: %v", err)
	}
	w.stage = st
	return w
}

// mustCreate calls create and stops the test when it fails.
func mustCreate[T any](t *testing.T, op string, ctx context.Context, create func(context.Context, T) (T, error), v T) T {
	t.Helper()
	got, err := create(ctx, v)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return got
}

// mustValid validates a fixture the way the Service does before it reaches a
// store, filling defaults.
func mustValid(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("test data: %s does not validate: %v", what, err)
	}
}

func ptr[T any](v T) *T { return &v }

// wantErr checks that err wraps target.
func wantErr(t *testing.T, op string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", op, err, target)
	}
}

// noErr stops the test when err is not nil.
func noErr(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

// checkNewMeta checks the Meta of a record just created.
func checkNewMeta(t *testing.T, op string, m accounts.Meta) {
	t.Helper()
	if m.ID <= 0 {
		t.Errorf("%s: got ID %d, want > 0", op, m.ID)
	}
	if m.Version != 1 {
		t.Errorf("%s: got Version %d, want 1", op, m.Version)
	}
	if m.CreatedAt.IsZero() {
		t.Errorf("%s: got zero CreatedAt, want the creation time", op)
	}
	if m.CreatedAt != m.UpdatedAt {
		t.Errorf("%s: got UpdatedAt %v, want CreatedAt %v", op, m.UpdatedAt, m.CreatedAt)
	}
	checkStoredTime(t, op+": CreatedAt", m.CreatedAt)
	checkStoredTime(t, op+": UpdatedAt", m.UpdatedAt)
}

// checkStoredTime checks that a time set by a store is in UTC, truncated to
// microseconds and without monotonic reading (so that == and DeepEqual work).
func checkStoredTime(t *testing.T, what string, v time.Time) {
	t.Helper()
	if v.Location() != time.UTC {
		t.Errorf("%s: got location %v, want UTC", what, v.Location())
	}
	if tr := v.Truncate(time.Microsecond); !v.Equal(tr) {
		t.Errorf("%s: got %v, want it truncated to microseconds", what, v.Format(time.RFC3339Nano))
	}
	if v != v.Round(0) {
		t.Errorf("%s: got a time with a monotonic clock reading, want none", what)
	}
}

// same reports whether two records are equal. Territories compare their
// geometry by WKB, the form stores keep, and the rest with DeepEqual.
func same(got, want any) bool {
	if g, ok := got.(accounts.Territory); ok {
		w, ok := want.(accounts.Territory)
		if !ok {
			return false
		}
		if string(g.Geometry.WKB()) != string(w.Geometry.WKB()) {
			return false
		}
		g.Geometry, w.Geometry = geo.Area{}, geo.Area{}
		return reflect.DeepEqual(g, w)
	}
	return reflect.DeepEqual(got, want)
}

// checkSame reports a difference between two records.
func checkSame(t *testing.T, what string, got, want any) {
	t.Helper()
	if !same(got, want) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

// checkList reports a difference between two lists by ids first, which is
// what usually differs, then by content.
func checkList[T any](t *testing.T, what string, got, want []T, id func(T) int64) {
	t.Helper()
	gi, wi := ids(got, id), ids(want, id)
	if !slices.Equal(gi, wi) {
		t.Errorf("%s: got ids %v, want %v", what, gi, wi)
		return
	}
	for i := range got {
		if !same(got[i], want[i]) {
			t.Errorf("%s: record %d:\ngot  %+v\nwant %+v", what, gi[i], got[i], want[i])
		}
	}
}

func ids[T any](vs []T, id func(T) int64) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = id(v)
	}
	return out
}

// listAll reads every page of a list, limit records at a time, and checks
// the paging contract on the way: pages are at most limit long, ids
// increase strictly, and only the last page is short.
func listAll[T any](t *testing.T, what string, limit int, id func(T) int64, list func(accounts.Page) ([]T, error)) []T {
	t.Helper()
	var all []T
	after := int64(0)
	for range 10_000 {
		page, err := list(accounts.Page{After: after, Limit: limit})
		if err != nil {
			t.Fatalf("%s after %d limit %d: %v", what, after, limit, err)
		}
		if limit > 0 && len(page) > limit {
			t.Fatalf("%s after %d: got %d records, want at most %d", what, after, len(page), limit)
		}
		for _, v := range page {
			if id(v) <= after {
				t.Fatalf("%s after %d: got id %d, want ids increasing past %d", what, after, id(v), after)
			}
			after = id(v)
		}
		all = append(all, page...)
		if len(page) == 0 || (limit > 0 && len(page) < limit) {
			return all
		}
	}
	t.Fatalf("%s: pages never end", what)
	return nil
}

// filter returns the records that keep selects, in order.
func filter[T any](vs []T, keep func(T) bool) []T {
	var out []T
	for _, v := range vs {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// byID sorts records by id, the order of every list.
func byID[T any](vs []T, id func(T) int64) []T {
	out := slices.Clone(vs)
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return out
}

func userID(u accounts.User) int64               { return u.ID }
func accountID(a accounts.Account) int64         { return a.ID }
func contactID(c accounts.Contact) int64         { return c.ID }
func opportunityID(o accounts.Opportunity) int64 { return o.ID }
func activityID(a accounts.Activity) int64       { return a.ID }
func taskID(t accounts.Task) int64               { return t.ID }
func territoryID(t accounts.Territory) int64     { return t.ID }

// since returns a time strictly after every time of before and not equal to
// any time of after, so that an UpdatedSince filter selects the same records
// whether the store compares with > or >=.
func since(t *testing.T, before []time.Time, after []time.Time) time.Time {
	t.Helper()
	v := slices.MaxFunc(before, time.Time.Compare).Add(time.Microsecond)
	for slices.ContainsFunc(after, v.Equal) {
		v = v.Add(time.Microsecond)
	}
	return v
}

// pause lets the store's clock move on, so that records written after it
// have a later UpdatedAt than records written before it.
func pause() { time.Sleep(5 * time.Millisecond) }

func testReady(t *testing.T, open func(t *testing.T) accounts.Store) {
	s := open(t)
	if err := s.Ready(context.Background()); err != nil {
		t.Errorf("Ready on a migrated store: got %v, want nil", err)
	}
}
