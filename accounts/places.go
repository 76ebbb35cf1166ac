package accounts

import (
	"context"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tournee/tournee/geo"
)

// Places is the spatial read model of the accounts: a geo.Index loaded from
// the store and kept in step with it through the change feed. Every change,
// whether this process or another one sharing the database wrote it, reaches
// the index by one path, apply, which reads the record's current state from
// the store: applied in feed order by one goroutine at a time, the index
// converges on what the store holds and never goes back to an older state.
type Places struct {
	store Store
	now   func() time.Time
	index atomic.Pointer[geo.Index] // swapped whole by Load; queries never wait for appliers

	mu      sync.Mutex    // one applier at a time
	seq     int64         // last change applied
	applied chan struct{} // closed, and replaced, whenever seq moves

	// Changed, if set, is told the ids of the accounts each catch-up
	// touched (nil: all of them, after Load), before queries can see the
	// new state, so that caches of account data can drop them.
	Changed func(ids []int64)
}

// OwnerLayer is the index layer that holds each account's owner; territory
// layers sit beside it.
const OwnerLayer = "owner"

// kinds numbers account kinds for the index.
var kinds = []Kind{KindProspect, KindClient, KindFormer}

// KindCode is the index kind code of k, 0 for an unknown kind.
func KindCode(k Kind) geo.Kind {
	for i, v := range kinds {
		if v == k {
			return geo.Kind(i + 1)
		}
	}
	return 0
}

// KindOf is the Kind of an index kind code.
func KindOf(code geo.Kind) Kind {
	if code == 0 || int(code) > len(kinds) {
		return ""
	}
	return kinds[code-1]
}

// NewPlaces returns an empty read model over store; Load fills it.
func NewPlaces(store Store, now func() time.Time) *Places {
	p := &Places{store: store, now: now, applied: make(chan struct{})}
	p.index.Store(&geo.Index{})
	return p
}

// Load builds the index from every account in the store.
func (p *Places) Load(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Changes committed while the accounts are read are applied again by
	// the next CatchUp, which is harmless: apply reads the current state.
	seq, err := p.store.LastChangeSeq(ctx)
	if err != nil {
		return err
	}
	var entries []geo.Entry
	page := AccountFilter{Page: Page{Limit: 1000}}
	for {
		as, err := p.store.ListAccounts(ctx, page)
		if err != nil {
			return err
		}
		for _, a := range as {
			entries = append(entries, p.entry(a))
		}
		if len(as) < page.Limit {
			break
		}
		page.After = as[len(as)-1].ID
	}
	index, err := geo.NewIndex(entries)
	if err != nil {
		return err
	}
	if p.Changed != nil {
		p.Changed(nil)
	}
	p.index.Store(index)
	p.advance(seq)
	return nil
}

// Now is the clock the read model scores accounts with.
func (p *Places) Now() time.Time { return p.now() }

// Index returns the index for queries.
func (p *Places) Index() *geo.Index { return p.index.Load() }

// advance records seq as applied and wakes WaitApplied; p.mu is held.
func (p *Places) advance(seq int64) {
	p.seq = seq
	close(p.applied)
	p.applied = make(chan struct{})
}

// WaitApplied waits until the change seq has reached the index, or ctx
// ends. A client that wrote through another replica can pass the seq of its
// write to read it back here.
func (p *Places) WaitApplied(ctx context.Context, seq int64) error {
	for {
		p.mu.Lock()
		done, applied := p.seq >= seq, p.applied
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-applied:
		}
	}
}

// CatchUp applies every change written since the last one applied.
func (p *Places) CatchUp(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	const batch = 1000
	for {
		cs, err := p.store.Changes(ctx, p.seq, batch)
		if err != nil {
			return err
		}
		if err := p.apply(ctx, cs); err != nil {
			return err
		}
		if len(cs) < batch {
			return nil
		}
	}
}

// apply brings the index in line with the store for the accounts that cs
// touched, then records the last seq of cs as applied.
func (p *Places) apply(ctx context.Context, cs []Change) error {
	if len(cs) == 0 {
		return nil
	}
	// Only account rows matter: a visit that moves an account's last visit
	// also feeds an update of the account (a Store rule).
	var ids []int64
	for _, c := range cs {
		if c.Entity == EntityAccount {
			ids = append(ids, c.EntityID)
		}
	}
	// Read each account once however many times the batch touched it.
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if p.Changed != nil && len(ids) > 0 {
		p.Changed(ids)
	}
	index := p.Index()
	for len(ids) > 0 {
		n := min(len(ids), MaxAccountsByID)
		found, err := p.store.AccountsByID(ctx, ids[:n])
		if err != nil {
			return err
		}
		current := map[int64]bool{}
		for _, a := range found {
			current[a.ID] = true
			if err := index.Upsert(p.entry(a)); err != nil {
				// Only an account beyond the index's limits (layers, tag
				// sets) fails: better absent from maps than stale.
				index.Delete(a.ID)
			}
		}
		for _, id := range ids[:n] {
			if !current[id] {
				index.Delete(id)
			}
		}
		ids = ids[n:]
	}
	p.advance(cs[len(cs)-1].Seq)
	return nil
}

// Follow keeps the index in step with writes of other processes until ctx
// ends: it catches up whenever wake fires (a store notification) and at
// least every poll. Errors are reported on errs and retried at the next turn.
func (p *Places) Follow(ctx context.Context, wake <-chan struct{}, poll time.Duration, errs func(error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := p.CatchUp(ctx); err != nil && ctx.Err() == nil {
			errs(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// PlaceFilter narrows a spatial query in the domain's terms; the zero
// PlaceFilter matches every account.
type PlaceFilter struct {
	Kinds             []Kind   `json:"kinds"`
	OwnerID           int64    `json:"owner_id"`
	MinScore          float32  `json:"min_score"`
	MinPotentialCents int64    `json:"min_potential_cents"`
	Segments          []string `json:"segments"`
	TagsAll           []string `json:"tags_all"` // every one of these
	TagsAny           []string `json:"tags_any"` // at least one of these
	// NotVisitedSince keeps accounts never visited or last visited before that day.
	NotVisitedSince Date `json:"not_visited_since"`
	// Layer, a territory layer, with AssigneeID keeps the accounts assigned
	// to that user in the layer, and with Unassigned those that nobody
	// holds there (the territory editor shows them).
	Layer      string `json:"layer"`
	AssigneeID int64  `json:"assignee_id"`
	Unassigned bool   `json:"unassigned"`
}

// GeoFilter translates f for the index, checking its values.
func (p *Places) GeoFilter(f PlaceFilter) (geo.Filter, error) {
	g := geo.Filter{
		MinScore:          f.MinScore,
		MinPotentialCents: f.MinPotentialCents,
		Segments:          f.Segments,
	}
	for _, k := range f.Kinds {
		code := KindCode(k)
		if code == 0 {
			return geo.Filter{}, invalid("kind", "kind must be one of prospect, client, former")
		}
		g.Kinds = append(g.Kinds, code)
	}
	if f.OwnerID != 0 {
		g.Layer, g.AssigneeIDs = OwnerLayer, []int64{f.OwnerID}
	}
	if f.Layer != "" || f.AssigneeID != 0 || f.Unassigned {
		layer, err := CheckLayer("layer", f.Layer)
		switch {
		case err != nil:
			return geo.Filter{}, err
		case f.OwnerID != 0:
			return geo.Filter{}, invalid("layer", "layer cannot be combined with owner_id")
		case (f.AssigneeID != 0) == f.Unassigned:
			return geo.Filter{}, invalid("layer", "layer needs either assignee_id or unassigned")
		}
		g.Layer, g.Unassigned = layer, f.Unassigned
		if f.AssigneeID != 0 {
			g.AssigneeIDs = []int64{f.AssigneeID}
		}
	}
	var err error
	if g.TagsAll, err = normalizeTags(f.TagsAll); err != nil {
		return geo.Filter{}, err
	}
	if g.TagsAny, err = normalizeTags(f.TagsAny); err != nil {
		return geo.Filter{}, err
	}
	if f.NotVisitedSince != "" {
		day, err := f.NotVisitedSince.Time()
		if err != nil {
			return geo.Filter{}, invalid("not_visited_since", "not_visited_since must be a date YYYY-MM-DD")
		}
		g.NotVisitedSince = geo.DayOf(day)
	}
	if f.MinScore < 0 || f.MinPotentialCents < 0 {
		return geo.Filter{}, invalid("min_score", "minimums must not be negative")
	}
	return g, nil
}

// entry is what the index holds of a.
func (p *Places) entry(a Account) geo.Entry {
	e := geo.Entry{
		ID:             a.ID,
		Location:       a.Point,
		Kind:           KindCode(a.Kind),
		Score:          float32(RuleTotal(float64(BaseScore(a, p.now())), a.RuleScore)),
		PotentialCents: a.PotentialCents,
		Segment:        a.Segment,
		Tags:           a.Tags,
	}
	if a.OwnerID != nil {
		e.Assignees = []geo.Assignment{{Layer: OwnerLayer, UserID: *a.OwnerID}}
	}
	// Territory layers sit beside the owner; the index holds
	// geo.MaxLayers names in all, so an organisation has up to seven
	// territory layers before the index refuses an eighth.
	for _, layer := range slices.Sorted(maps.Keys(a.Assignees)) {
		e.Assignees = append(e.Assignees, geo.Assignment{Layer: layer, UserID: a.Assignees[layer]})
	}
	if a.LastVisitAt != nil {
		e.LastVisit = geo.DayOf(*a.LastVisitAt)
	}
	return e
}

// BaseScore is an account's priority before strategic rules add to it: its
// potential in k€ per month, raised by up to ×3 as its last visit recedes
// past three months (never visited counts as the full raise).
func BaseScore(a Account, now time.Time) float32 {
	potential := float64(a.PotentialCents) / 100_000
	overdue := 2.0
	if a.LastVisitAt != nil {
		days := now.Sub(*a.LastVisitAt).Hours() / 24
		overdue = math.Min(2, math.Max(0, (days-90)/180))
	}
	return float32(potential * (1 + overdue))
}
