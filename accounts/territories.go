// Territory assignment.
//
// Within one layer (an activity: sales, maintenance, a phone campaign...)
// every account has at most one assignee: the assignee of the territory of
// that layer that holds it, or the user a manager pinned it to. Which
// territory holds an account is geo.Zones' rule: borders belong to every
// territory they bound, and between territories that hold a point the higher
// priority wins, then the smaller area, then the lower id.
//
// Stores keep the result in one row per (account, layer) that lies in a
// territory of the layer or is pinned in it, and recompute it with the
// functions of this file inside the transaction of every write that can change
// it (see Store), so that the assignments never lag behind the territories
// and the accounts they are computed from.

package accounts

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tournee/tournee/geo"
)

// Assignment is who follows an account in one territory layer.
type Assignment struct {
	AccountID int64  `json:"account_id"`
	Layer     string `json:"layer"`
	// UserID is the pinned user, or else the territory's assignee; nil when
	// the territory has none.
	UserID *int64 `json:"user_id"`
	// TerritoryID is the territory of the layer that holds the account, nil
	// when none does (a pinned account only).
	TerritoryID *int64 `json:"territory_id"`
	// Pinned is set by a manager's hand: UserID then survives territory
	// edits until the pin is removed.
	Pinned bool `json:"pinned"`
}

// Located is an account as assignment sees it: its id and where it is.
type Located struct {
	ID int64
	geo.Point
}

// AssignReader reads what assignments are computed from. Stores implement
// it over their committed state (the Store methods of the same names) and
// over a write transaction (AssignTx).
type AssignReader interface {
	// TerritoriesIn returns the territories of layer ("" for every layer)
	// that have a geometry whose bounds meet b, ordered by id.
	TerritoriesIn(ctx context.Context, layer string, b geo.Bounds) ([]Territory, error)
	// LocatedIn returns the accounts inside b, bounds included, ordered by id.
	LocatedIn(ctx context.Context, b geo.Bounds) ([]Located, error)
	// AssignmentsIn returns the assignments in layer ("" for every layer)
	// of the accounts inside b, ordered by account id then layer.
	AssignmentsIn(ctx context.Context, layer string, b geo.Bounds) ([]Assignment, error)
}

// AssignTx is a store's write transaction as assignment sees it.
type AssignTx interface {
	AssignReader
	// SaveAssignments inserts or replaces the rows of put, deletes the rows
	// (AccountID, Layer) of drop, then appends an account update change for
	// each id of logged, in that order and in the transaction.
	SaveAssignments(ctx context.Context, put, drop []Assignment, logged []int64) error
}

// World is the whole map, for readers that must not miss a record.
var World = geo.Bounds{Min: geo.Point{Lat: -90, Lng: -180}, Max: geo.Point{Lat: 90, Lng: 180}}

// pointBounds is the box of one point.
func pointBounds(p geo.Point) geo.Bounds { return geo.Bounds{Min: p, Max: p} }

// union returns the smallest box holding a and b.
func union(a, b geo.Bounds) geo.Bounds {
	return geo.Bounds{
		Min: geo.Point{Lat: math.Min(a.Min.Lat, b.Min.Lat), Lng: math.Min(a.Min.Lng, b.Min.Lng)},
		Max: geo.Point{Lat: math.Max(a.Max.Lat, b.Max.Lat), Lng: math.Max(a.Max.Lng, b.Max.Lng)},
	}
}

// boundsOf returns the box of the points of ls, which must not be empty.
func boundsOf(ls []Located) geo.Bounds {
	b := pointBounds(ls[0].Point)
	for _, l := range ls[1:] {
		b = union(b, pointBounds(l.Point))
	}
	return b
}

// NewZones prepares the territories of one layer for lookups; territories
// without a geometry hold no point and are left out.
func NewZones(ts []Territory) (*geo.Zones, error) {
	zs := make([]geo.Zone, 0, len(ts))
	for _, t := range ts {
		if !t.Geometry.IsZero() {
			zs = append(zs, geo.Zone{ID: t.ID, Priority: t.Priority, Area: t.Geometry})
		}
	}
	return geo.NewZones(zs)
}

// Plan is what a reassignment of one layer writes.
type Plan struct {
	Put, Drop []Assignment
	// Moved are the accounts whose assignee (UserID) changes, which the
	// change feed must learn of, in the order of the accounts planned.
	Moved []Move
}

// Move is one account changing hands in a layer.
type Move struct {
	AccountID int64  `json:"account_id"`
	Layer     string `json:"layer"`
	From      *int64 `json:"from"` // nil: nobody
	To        *int64 `json:"to"`
	// TerritoryID is where the account lands, nil for outside every territory.
	TerritoryID *int64 `json:"territory_id"`
}

// PlanLayer computes the assignments in layer of the accounts ls from the
// territories ts, which must hold every territory of the layer that may
// hold one of them, and returns how they differ from the current ones cur
// (the stored assignments of ls in layer; others are ignored). A pinned
// account keeps its user and gets the territory that holds it.
func PlanLayer(ctx context.Context, layer string, ts []Territory, ls []Located, cur []Assignment) (Plan, error) {
	zones, err := NewZones(ts)
	if err != nil {
		return Plan{}, fmt.Errorf("layer %q: %w", layer, err)
	}
	ps := make([]geo.Point, len(ls))
	for i, l := range ls {
		ps[i] = l.Point
	}
	won, err := zones.AssignAll(ctx, ps)
	if err != nil {
		return Plan{}, err
	}
	// One pointer per territory, shared by its accounts' assignments: a
	// million accounts cost no million allocations.
	assignee := make(map[int64]*int64, len(ts))
	tid := make(map[int64]*int64, len(ts))
	for _, t := range ts {
		assignee[t.ID] = t.AssigneeID
		tid[t.ID] = &t.ID
	}
	// The current assignments, sorted for a binary search: a map of a
	// million entries costs more than all the lookups it would serve.
	var now []Assignment
	for _, a := range cur {
		if a.Layer == layer {
			now = append(now, a)
		}
	}
	slices.SortFunc(now, func(a, b Assignment) int { return cmp.Compare(a.AccountID, b.AccountID) })
	// Sized for the worst case, every account changing hands: growing by
	// doubling would copy a million-entry plan a score of times.
	p := Plan{Put: make([]Assignment, 0, len(ls)), Moved: make([]Move, 0, len(ls))}
	for i, l := range ls {
		var old Assignment
		k, had := slices.BinarySearchFunc(now, l.ID, func(a Assignment, id int64) int { return cmp.Compare(a.AccountID, id) })
		if had {
			old = now[k]
		}
		next := Assignment{AccountID: l.ID, Layer: layer}
		if id := won[i]; id != 0 {
			next.TerritoryID = tid[id]
			next.UserID = assignee[id]
		}
		if had && old.Pinned {
			next.UserID, next.Pinned = old.UserID, true
		}
		switch {
		case next.TerritoryID == nil && !next.Pinned:
			if had {
				p.Drop = append(p.Drop, old)
			}
		case !had || !sameAssignment(old, next):
			p.Put = append(p.Put, next)
		}
		if !sameID(old.UserID, next.UserID) {
			p.Moved = append(p.Moved, Move{AccountID: l.ID, Layer: layer, From: old.UserID, To: next.UserID, TerritoryID: next.TerritoryID})
		}
	}
	return p, nil
}

func sameID(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func sameAssignment(a, b Assignment) bool {
	return a.AccountID == b.AccountID && a.Layer == b.Layer && a.Pinned == b.Pinned &&
		sameID(a.UserID, b.UserID) && sameID(a.TerritoryID, b.TerritoryID)
}

// save writes the plans of tx and logs the accounts whose assignee changed,
// once each, unless quiet, which the write that caused them logs itself.
func save(ctx context.Context, tx AssignTx, plans []Plan, quiet bool) error {
	var put, drop []Assignment
	var logged []int64
	seen := map[int64]bool{}
	for _, p := range plans {
		put = append(put, p.Put...)
		drop = append(drop, p.Drop...)
		for _, m := range p.Moved {
			if !quiet && !seen[m.AccountID] {
				seen[m.AccountID] = true
				logged = append(logged, m.AccountID)
			}
		}
	}
	slices.Sort(logged)
	if len(put) == 0 && len(drop) == 0 && len(logged) == 0 {
		return nil
	}
	return tx.SaveAssignments(ctx, put, drop, logged)
}

// ReassignArea recomputes, in tx, the assignments in layer of the accounts
// inside b: what a write of a territory of layer whose old and new bounds
// lie in b requires. Each account whose assignee changes gets an account
// update change.
func ReassignArea(ctx context.Context, tx AssignTx, layer string, b geo.Bounds) error {
	ts, err := tx.TerritoriesIn(ctx, layer, b)
	if err != nil {
		return err
	}
	ls, err := tx.LocatedIn(ctx, b)
	if err != nil {
		return err
	}
	if len(ls) == 0 {
		return nil
	}
	cur, err := tx.AssignmentsIn(ctx, layer, b)
	if err != nil {
		return err
	}
	p, err := PlanLayer(ctx, layer, ts, ls, cur)
	if err != nil {
		return err
	}
	return save(ctx, tx, []Plan{p}, false)
}

// ReassignTerritory recomputes, in tx, the assignments a territory write
// changes: before is the territory as it was (zero for a create), after as
// it is (zero for a delete).
func ReassignTerritory(ctx context.Context, tx AssignTx, before, after Territory) error {
	switch {
	case !before.Geometry.IsZero() && !after.Geometry.IsZero() && before.Layer == after.Layer:
		return ReassignArea(ctx, tx, after.Layer, union(before.Geometry.Bounds(), after.Geometry.Bounds()))
	}
	if !before.Geometry.IsZero() {
		if err := ReassignArea(ctx, tx, before.Layer, before.Geometry.Bounds()); err != nil {
			return err
		}
	}
	if !after.Geometry.IsZero() {
		return ReassignArea(ctx, tx, after.Layer, after.Geometry.Bounds())
	}
	return nil
}

// ReassignAccounts computes, in tx, the assignments in every layer of the
// accounts ls, just created or moved, and returns each one's assignees by
// layer (nil for none), in the order of ls. The write that created or moved
// them logs their change: this adds none. fresh says that the accounts are
// new and have no assignment yet, which spares reading them.
func ReassignAccounts(ctx context.Context, tx AssignTx, ls []Located, fresh bool) ([]map[string]int64, error) {
	out := make([]map[string]int64, len(ls))
	if len(ls) == 0 {
		return out, nil
	}
	b := boundsOf(ls)
	ts, err := tx.TerritoriesIn(ctx, "", b)
	if err != nil {
		return nil, err
	}
	var cur []Assignment
	if !fresh {
		if cur, err = tx.AssignmentsIn(ctx, "", b); err != nil {
			return nil, err
		}
		ids := make(map[int64]bool, len(ls))
		for _, l := range ls {
			ids[l.ID] = true
		}
		cur = slices.DeleteFunc(cur, func(a Assignment) bool { return !ids[a.AccountID] })
	}
	byLayer := map[string][]Territory{}
	for _, t := range ts {
		byLayer[t.Layer] = append(byLayer[t.Layer], t)
	}
	for _, a := range cur {
		if _, ok := byLayer[a.Layer]; !ok {
			byLayer[a.Layer] = nil // moved out of every territory of the layer
		}
	}
	var plans []Plan
	for _, layer := range slices.Sorted(maps.Keys(byLayer)) {
		p, err := PlanLayer(ctx, layer, byLayer[layer], ls, cur)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	if err := save(ctx, tx, plans, true); err != nil {
		return nil, err
	}
	// What the accounts end with: the current rows, replaced or dropped as
	// planned.
	final := map[[2]any]Assignment{}
	for _, a := range cur {
		final[[2]any{a.AccountID, a.Layer}] = a
	}
	for _, p := range plans {
		for _, a := range p.Drop {
			delete(final, [2]any{a.AccountID, a.Layer})
		}
		for _, a := range p.Put {
			final[[2]any{a.AccountID, a.Layer}] = a
		}
	}
	index := make(map[int64]int, len(ls))
	for i, l := range ls {
		index[l.ID] = i
	}
	for _, a := range final {
		if a.UserID == nil {
			continue
		}
		i := index[a.AccountID]
		if out[i] == nil {
			out[i] = map[string]int64{}
		}
		out[i][a.Layer] = *a.UserID
	}
	return out, nil
}

// SetPin pins (user not nil) or unpins (user nil) account a in layer, in tx,
// and returns its assignment there (zero UserID and TerritoryID when,
// unpinned, no territory holds it). A change of assignee gets an account
// update change.
func SetPin(ctx context.Context, tx AssignTx, a Located, layer string, user *int64) (Assignment, error) {
	b := pointBounds(a.Point)
	ts, err := tx.TerritoriesIn(ctx, layer, b)
	if err != nil {
		return Assignment{}, err
	}
	cur, err := tx.AssignmentsIn(ctx, layer, b)
	if err != nil {
		return Assignment{}, err
	}
	cur = slices.DeleteFunc(cur, func(x Assignment) bool { return x.AccountID != a.ID })
	// Plan as if unpinned, then pin on top.
	unpinned := slices.Clone(cur)
	for i := range unpinned {
		unpinned[i].Pinned = false
	}
	p, err := PlanLayer(ctx, layer, ts, []Located{a}, unpinned)
	if err != nil {
		return Assignment{}, err
	}
	next := Assignment{AccountID: a.ID, Layer: layer}
	if len(p.Put) == 1 {
		next = p.Put[0]
	} else if len(cur) == 1 && len(p.Drop) == 0 {
		next = cur[0] // unchanged
		next.Pinned = false
	}
	if user != nil {
		next.UserID, next.Pinned = user, true
	}
	var old Assignment
	if len(cur) == 1 {
		old = cur[0]
	}
	var put, drop []Assignment
	var logged []int64
	switch {
	case next.TerritoryID == nil && !next.Pinned:
		if len(cur) == 1 {
			drop = cur
		}
	case len(cur) == 0 || !sameAssignment(old, next):
		put = []Assignment{next}
	}
	if !sameID(old.UserID, next.UserID) {
		logged = []int64{a.ID}
	}
	if len(put)+len(drop)+len(logged) > 0 {
		if err := tx.SaveAssignments(ctx, put, drop, logged); err != nil {
			return Assignment{}, err
		}
	}
	return next, nil
}

// CheckLayer validates and normalises a layer name, as Territory.Validate
// and the layer query parameters need it.
func CheckLayer(field, layer string) (string, error) {
	layer = strings.ToLower(strings.TrimSpace(layer))
	switch layer {
	case "":
		return "", invalid(field, "%s is required", field)
	case OwnerLayer:
		// The spatial index holds owners under this name.
		return "", invalid(field, "%s %q is reserved for account owners", field, OwnerLayer)
	}
	return layer, nil
}

// Preview is what saving a territory would change, without writing it.
type Preview struct {
	// Gained and Lost count the accounts that the territory would take
	// from, or give back to, other territories or none.
	Gained int `json:"gained"`
	Lost   int `json:"lost"`
	// Accounts the territory would hold once saved.
	Accounts int `json:"accounts"`
	// Moves are the accounts changing assignee, by account id.
	Moves []Move `json:"moves"`
	// Overlaps are the other territories of the layer whose polygons meet
	// this one's bounds and share at least one account with it once saved.
	Overlaps []int64 `json:"overlaps"`
}

// PreviewTerritory says what saving t (a new territory when t.ID is 0, or
// an edit of territory t.ID) would change in its layer, reading r and
// writing nothing.
func PreviewTerritory(ctx context.Context, r AssignReader, t Territory) (Preview, error) {
	b := t.Geometry.Bounds()
	if t.ID != 0 {
		before, err := storedTerritory(ctx, r, t.ID)
		if err != nil {
			return Preview{}, err
		}
		if !before.Geometry.IsZero() && before.Layer == t.Layer {
			b = union(b, before.Geometry.Bounds())
		}
	}
	return preview(ctx, r, t, b, false)
}

// PreviewDeletion says what deleting territory id would change in its
// layer: every account it holds is lost, to the territory that covers it
// next or to no one (Accounts is 0, Gained 0).
func PreviewDeletion(ctx context.Context, r AssignReader, id int64) (Preview, error) {
	t, err := storedTerritory(ctx, r, id)
	if err != nil {
		return Preview{}, err
	}
	return preview(ctx, r, t, t.Geometry.Bounds(), true)
}

// storedTerritory reads territory id through r.
func storedTerritory(ctx context.Context, r AssignReader, id int64) (Territory, error) {
	all, err := r.TerritoriesIn(ctx, "", World)
	if err != nil {
		return Territory{}, err
	}
	i := slices.IndexFunc(all, func(o Territory) bool { return o.ID == id })
	if i < 0 {
		return Territory{}, NotFound(EntityTerritory, id)
	}
	return all[i], nil
}

// preview plans t's layer within bounds b with t saved, or removed, and
// compares the plan with the assignments of now.
func preview(ctx context.Context, r AssignReader, t Territory, b geo.Bounds, remove bool) (Preview, error) {
	ts, err := r.TerritoriesIn(ctx, t.Layer, b)
	if err != nil {
		return Preview{}, err
	}
	ls, err := r.LocatedIn(ctx, b)
	if err != nil {
		return Preview{}, err
	}
	cur, err := r.AssignmentsIn(ctx, t.Layer, b)
	if err != nil {
		return Preview{}, err
	}
	// An unsaved territory needs an id that no other has.
	id := t.ID
	if id == 0 {
		id = -1
	}
	t.ID = id
	next := slices.DeleteFunc(slices.Clone(ts), func(o Territory) bool { return o.ID == id })
	if !remove {
		next = append(next, t)
	}
	p, err := PlanLayer(ctx, t.Layer, next, ls, cur)
	if err != nil {
		return Preview{}, err
	}
	out := Preview{Moves: []Move{}, Overlaps: []int64{}}
	for _, m := range p.Moved {
		if m.TerritoryID != nil && *m.TerritoryID == -1 {
			m.TerritoryID = nil // not saved yet: no id to give
		}
		out.Moves = append(out.Moves, m)
	}
	// Who holds what, before and after.
	was := map[int64]int64{}
	for _, a := range cur {
		if a.TerritoryID != nil {
			was[a.AccountID] = *a.TerritoryID
		}
	}
	is := map[int64]int64{}
	for _, a := range cur {
		if a.TerritoryID != nil {
			is[a.AccountID] = *a.TerritoryID
		}
	}
	for _, a := range p.Drop {
		delete(is, a.AccountID)
	}
	for _, a := range p.Put {
		if a.TerritoryID != nil {
			is[a.AccountID] = *a.TerritoryID
		} else {
			delete(is, a.AccountID)
		}
	}
	zones, err := NewZones(next)
	if err != nil {
		return Preview{}, err
	}
	overlaps := map[int64]bool{}
	for _, l := range ls {
		w, now := was[l.ID], is[l.ID]
		switch {
		case now == id && w != id:
			out.Gained++
		case w == id && now != id:
			out.Lost++
		}
		if now == id {
			out.Accounts++
		}
		if all := zones.All(l.Point); slices.Contains(all, id) {
			for _, o := range all {
				if o != id {
					overlaps[o] = true
				}
			}
		}
	}
	out.Overlaps = slices.Sorted(maps.Keys(overlaps))
	slices.SortFunc(out.Moves, func(a, b Move) int { return cmp.Compare(a.AccountID, b.AccountID) })
	return out, nil
}

// TerritoryFigure sums the accounts of one territory (0: no territory of
// the layer) that share a kind, a segment and whether they have an
// assignee in the layer.
type TerritoryFigure struct {
	TerritoryID    int64
	Kind           Kind
	Segment        string
	Assigned       bool
	Accounts       int64
	PotentialCents int64
	RevenueCents   int64
	// VisitDuration is the sum of the accounts' typical visit durations.
	VisitDuration time.Duration
}

// ZoneTTL bounds how long TerritoriesAt may answer from territories another
// process has since changed; writes through this Service are seen at once.
const ZoneTTL = 30 * time.Second

// zoneCache holds the prepared territories of every layer.
type zoneCache struct {
	mu  sync.Mutex
	set atomic.Pointer[zoneSet]
}

type zoneSet struct {
	built  time.Time
	layers []layerZones // by layer name
}

type layerZones struct {
	layer string
	zones *geo.Zones
	byID  map[int64]Territory // without geometry
}

// territoriesChanged drops the cached zones after a territory write that
// err says succeeded, and brings Places up to date with the accounts it
// reassigned.
func (s *Service) territoriesChanged(ctx context.Context, err error) {
	if err == nil {
		s.zones.set.Store(nil)
	}
	s.place(ctx, err)
}

// zoneSet returns the prepared territories, building them when the cache is
// empty or older than ZoneTTL.
func (s *Service) zoneSet(ctx context.Context) (*zoneSet, error) {
	if z := s.zones.set.Load(); z != nil && time.Since(z.built) < ZoneTTL {
		return z, nil
	}
	s.zones.mu.Lock()
	defer s.zones.mu.Unlock()
	if z := s.zones.set.Load(); z != nil && time.Since(z.built) < ZoneTTL {
		return z, nil
	}
	built := time.Now()
	ts, err := s.TerritoriesIn(ctx, "", World)
	if err != nil {
		return nil, err
	}
	byLayer := map[string][]Territory{}
	for _, t := range ts {
		byLayer[t.Layer] = append(byLayer[t.Layer], t)
	}
	z := &zoneSet{built: built}
	for _, layer := range slices.Sorted(maps.Keys(byLayer)) {
		zones, err := NewZones(byLayer[layer])
		if err != nil {
			return nil, err
		}
		lz := layerZones{layer: layer, zones: zones, byID: map[int64]Territory{}}
		for _, t := range byLayer[layer] {
			t.Geometry = geo.Area{}
			lz.byID[t.ID] = t
		}
		z.layers = append(z.layers, lz)
	}
	s.zones.set.Store(z)
	return z, nil
}

// LayerHit is the territory of one layer holding a point.
type LayerHit struct {
	Layer       string `json:"layer"`
	TerritoryID int64  `json:"territory_id"`
	Name        string `json:"name"`
	AssigneeID  *int64 `json:"assignee_id"`
}

// TerritoriesAt returns, for each layer with a territory holding p, the
// winning territory and its assignee, by layer name. It answers from memory
// (see ZoneTTL).
func (s *Service) TerritoriesAt(ctx context.Context, p geo.Point) ([]LayerHit, error) {
	if err := CheckLocation("", p); err != nil {
		return nil, err
	}
	z, err := s.zoneSet(ctx)
	if err != nil {
		return nil, err
	}
	return z.at(p), nil
}

func (z *zoneSet) at(p geo.Point) []LayerHit {
	out := []LayerHit{}
	for _, lz := range z.layers {
		if id, ok := lz.zones.At(p); ok {
			t := lz.byID[id]
			out = append(out, LayerHit{Layer: lz.layer, TerritoryID: id, Name: t.Name, AssigneeID: t.AssigneeID})
		}
	}
	return out
}

// PreviewTerritory validates t and says what saving it would change,
// without writing.
func (s *Service) PreviewTerritory(ctx context.Context, t Territory) (Preview, error) {
	if err := s.checkTerritory(ctx, &t); err != nil {
		return Preview{}, err
	}
	return PreviewTerritory(ctx, s.Store, t)
}

// PreviewDeletion says what deleting territory id would change, without
// writing.
func (s *Service) PreviewDeletion(ctx context.Context, id int64) (Preview, error) {
	return PreviewDeletion(ctx, s.Store, id)
}

// PinAccount pins an account to a user in layer.
func (s *Service) PinAccount(ctx context.Context, accountID int64, layer string, userID int64) (Assignment, error) {
	layer, err := CheckLayer("layer", layer)
	if err != nil {
		return Assignment{}, err
	}
	if userID <= 0 {
		return Assignment{}, invalid("user_id", "user_id must be a positive integer")
	}
	if err := ref(ctx, "user_id", &userID, s.GetUser); err != nil {
		return Assignment{}, err
	}
	out, err := s.Store.PinAccount(ctx, accountID, layer, userID)
	s.place(ctx, err)
	return out, err
}

// UnpinAccount gives an account of layer back to its territory.
func (s *Service) UnpinAccount(ctx context.Context, accountID int64, layer string) (Assignment, error) {
	layer, err := CheckLayer("layer", layer)
	if err != nil {
		return Assignment{}, err
	}
	out, err := s.Store.UnpinAccount(ctx, accountID, layer)
	s.place(ctx, err)
	return out, err
}

// Workload is how the monthly visit workload of a territory is estimated:
// each account is visited VisitsPerMonth times a month (by segment, else by
// kind), each visit taking the account's visit duration (DefaultVisit when
// it has none) plus Travel.
type Workload struct {
	BySegment map[string]float64
	ByKind    map[Kind]float64
	// DefaultVisit is the time on site of an account without a visit duration.
	DefaultVisit time.Duration
	// Travel is the driving time a visit costs on average, to and from.
	Travel time.Duration
}

// DefaultWorkload visits clients monthly, prospects every other month and
// former clients twice a year, with 40 minutes of driving per visit.
var DefaultWorkload = Workload{
	ByKind:       map[Kind]float64{KindClient: 1, KindProspect: 0.5, KindFormer: 1.0 / 6},
	DefaultVisit: 45 * time.Minute,
	Travel:       40 * time.Minute,
}

func (w Workload) visits(f TerritoryFigure) float64 {
	if v, ok := w.BySegment[f.Segment]; ok {
		return v
	}
	return w.ByKind[f.Kind]
}

// TerritoryStats are the balance figures of one territory (TerritoryID 0:
// the accounts of the layer that no territory holds).
type TerritoryStats struct {
	TerritoryID    int64          `json:"territory_id"`
	Name           string         `json:"name"`
	AssigneeID     *int64         `json:"assignee_id"`
	Accounts       int64          `json:"accounts"`
	AccountsByKind map[Kind]int64 `json:"accounts_by_kind"`
	PotentialCents int64          `json:"potential_cents"`
	// Revenue12mCents is the revenue of the last twelve months, the
	// current one included.
	Revenue12mCents int64 `json:"revenue_12m_cents"`
	// WorkloadHours estimates the monthly visit workload, see Workload.
	WorkloadHours float64 `json:"workload_hours"`
}

// LayerStats are a layer's balance figures.
type LayerStats struct {
	Layer       string           `json:"layer"`
	Territories []TerritoryStats `json:"territories"`
	// Unassigned counts the accounts with nobody in the layer: outside
	// every territory, or in a territory without an assignee, and unpinned.
	Unassigned int64 `json:"unassigned"`
}

// TerritoryStats returns the balance figures of layer as of now, with the
// Workload w.
func (s *Service) TerritoryStats(ctx context.Context, layer string, now time.Time, w Workload) (LayerStats, error) {
	layer, err := CheckLayer("layer", layer)
	if err != nil {
		return LayerStats{}, err
	}
	first := now.UTC().AddDate(0, -11, 0)
	figs, err := s.TerritoryFigures(ctx, layer, MonthOf(time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		return LayerStats{}, err
	}
	ts, err := s.TerritoriesIn(ctx, layer, World)
	if err != nil {
		return LayerStats{}, err
	}
	out := LayerStats{Layer: layer, Territories: []TerritoryStats{}}
	index := map[int64]int{}
	add := func(id int64) *TerritoryStats {
		if i, ok := index[id]; ok {
			return &out.Territories[i]
		}
		index[id] = len(out.Territories)
		out.Territories = append(out.Territories, TerritoryStats{TerritoryID: id, AccountsByKind: map[Kind]int64{}})
		return &out.Territories[len(out.Territories)-1]
	}
	for _, t := range ts {
		st := add(t.ID)
		st.Name, st.AssigneeID = t.Name, t.AssigneeID
	}
	for _, f := range figs {
		st := add(f.TerritoryID)
		st.Accounts += f.Accounts
		st.AccountsByKind[f.Kind] += f.Accounts
		st.PotentialCents += f.PotentialCents
		st.Revenue12mCents += f.RevenueCents
		// Accounts without a duration count at the default: the store sums
		// durations, so a zero sum with accounts means none had one.
		onSite := f.VisitDuration
		if onSite == 0 {
			onSite = time.Duration(f.Accounts) * w.DefaultVisit
		}
		st.WorkloadHours += w.visits(f) * (onSite + time.Duration(f.Accounts)*w.Travel).Hours()
		if !f.Assigned {
			out.Unassigned += f.Accounts
		}
	}
	for i := range out.Territories {
		out.Territories[i].WorkloadHours = math.Round(out.Territories[i].WorkloadHours*10) / 10
	}
	slices.SortFunc(out.Territories, func(a, b TerritoryStats) int { return cmp.Compare(a.TerritoryID, b.TerritoryID) })
	return out, nil
}
