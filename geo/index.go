// The account index.
//
// Index keeps, for every account, what spatial queries filter and rank on: a
// 64-byte record (names, tags and assignees interned to small integers), a
// cell of an id → record hash table and one slot of an R-tree (tidwall/rtree
// with float32 rectangles rounded outwards, so that the tree only pre-selects
// and every answer is decided on the exact float64 coordinates). That is about
// 110 bytes of heap per account at 1,000,000 accounts.
//
// Distance model: great-circle distance by the haversine formula on a sphere
// of the WGS84 mean radius (DistanceM), never planar degrees. Nearest and
// WithinRadius report DistanceM(query point, account) exactly as that
// function computes it. AlongRoute measures the distance to a route in a
// local equirectangular projection per route piece; see AlongRoute for its
// precision.
//
// Ordering: Nearest and WithinRadius by distance then id; WithinBounds and
// WithinArea by id; AlongRoute by position along the route then id. A limit
// keeps the first hits of that order, so results are deterministic.
//
// Concurrency: any number of queries may run while one writer calls Upsert or
// Delete; a query sees the index either before or after a write, never half
// of it (one sync.RWMutex).

package geo

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/tidwall/rtree"
)

// MaxLayers is the number of distinct territory layer names one index holds.
const MaxLayers = 8

// MaxKind is the largest Kind an index holds.
const MaxKind Kind = 63

// Kind is an account's kind (client, prospect...), as the caller numbers them.
type Kind uint8

// Day is a calendar day counted from 1970-01-01 (UTC). The zero Day means
// "none", for instance an account never visited.
type Day int32

// DayOf returns the UTC day of t, or 0 for the zero time.
func DayOf(t time.Time) Day {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return Day(d)
}

// Time returns midnight UTC of d.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Assignment is the user an account is assigned to in one territory layer.
// The account's owner can be held as a layer of its own (say "owner").
type Assignment struct {
	Layer  string
	UserID int64
}

// Entry is what the index holds of one account.
type Entry struct {
	ID       int64
	Location Point
	Kind     Kind
	// Assignees holds at most one user per layer.
	Assignees []Assignment
	// Score is the account's priority score, finite and not negative.
	Score          float32
	PotentialCents int64
	Segment        string
	Tags           []string
	LastVisit      Day
}

// Filter narrows a query. The zero Filter matches every account; each set
// field must hold for an account to match.
type Filter struct {
	Kinds []Kind // any of these
	// Layer with AssigneeIDs matches accounts assigned, in that layer, to any
	// of these users; Layer with Unassigned matches accounts that have nobody
	// in that layer. Layer alone does not filter.
	Layer             string
	AssigneeIDs       []int64
	Unassigned        bool
	MinScore          float32  // score >= MinScore
	MinPotentialCents int64    // potential >= MinPotentialCents
	Segments          []string // any of these
	TagsAll           []string // every one of these tags
	TagsAny           []string // at least one of these tags
	// NotVisitedSince matches accounts never visited or last visited before that day.
	NotVisitedSince Day
	// Visible, when not nil, keeps only the accounts its user (or team) may
	// see; see Visibility. A non-nil Visible with no known user and no open
	// kind matches nothing; nil does not restrict.
	Visible *Visibility
}

// Visibility is the part of the index a user may see: the accounts assigned
// to any of Users in any layer, and the accounts of OpenKinds that nobody
// holds in OpenLayer (say the prospects without an owner, which any rep may
// take). It is a restriction, so it fails closed: with no Users and no
// OpenKinds it matches nothing, never everything, and a user id the index has
// never seen is simply not assigned to any account.
//
// A query resolves it against the index once, so a reassignment shows in the
// next query, and costs no allocation for up to 16 known users (one for a
// larger team). The check per account reads its assignee in each layer the
// index holds (at most MaxLayers) and tests each against a 64-bit mask of the
// users before looking it up among them.
type Visibility struct {
	Users     []int64 // assigned to any of these, in any layer
	OpenKinds []Kind  // or of one of these kinds...
	// ... with nobody in OpenLayer. It must be set when OpenKinds is; a
	// layer the index has never seen holds nobody, so every account of
	// OpenKinds is then open.
	OpenLayer string
}

// Hit is one account found by a query. DistanceM is the great-circle distance
// to the query point (Nearest, WithinRadius) or the distance to the route
// (AlongRoute), and 0 for WithinBounds and WithinArea. AlongM is the position
// along the route (AlongRoute only): metres from its start to the point of the
// route closest to the account.
type Hit struct {
	ID        int64
	Location  Point
	DistanceM float64
	AlongM    float64
}

// entry is the compact form of Entry: 64 bytes.
type entry struct {
	id        int64
	lat, lng  float64
	potential int64
	score     float32
	lastVisit Day
	tags      uint32 // index in tagSets; 0 is no tag
	segment   uint16 // index in segments; 0 is none
	kind      Kind
	users     [MaxLayers]uint16 // per layer, index in users; 0 is unassigned
}

// Index is an in-memory spatial index of accounts. The zero Index is empty
// and ready to use. See the file comment for the distance model, the order of
// results and concurrency.
type Index struct {
	mu      sync.RWMutex
	tree    rtree.RTreeGN[float32, uint32] // data: slot in entries
	entries []entry
	free    []uint32 // unused slots
	slots   idTable  // account id → slot

	layers   names // at most MaxLayers
	segments names
	tags     names
	users    []int64 // users[0] is "nobody"
	userIDs  map[int64]uint16
	tagSets  [][]uint16 // sorted tag ids; tagSets[0] is empty
	// Sets of up to 4 tags are keyed by their ids packed in a uint64,
	// longer ones by their ids as bytes.
	shortSetID map[uint64]uint32
	longSetID  map[string]uint32
	tagBuf     []uint16
}

// names interns strings to small integers; 0 stands for "".
type names struct {
	list []string
	ids  map[string]uint16
}

func (n *names) lookup(s string) (uint16, bool) {
	if s == "" {
		return 0, true
	}
	id, ok := n.ids[s]
	return id, ok
}

func (n *names) intern(s string, limit int, what string) (uint16, error) {
	if id, ok := n.lookup(s); ok {
		return id, nil
	}
	if n.ids == nil {
		n.ids = map[string]uint16{}
		n.list = []string{""}
	}
	if len(n.list) > limit {
		return 0, fmt.Errorf("%w: more than %d distinct %s", ErrInvalid, limit, what)
	}
	id := uint16(len(n.list))
	n.list = append(n.list, s)
	n.ids[s] = id
	return id, nil
}

func (n *names) name(id uint16) string {
	if id == 0 {
		return ""
	}
	return n.list[id]
}

// NewIndex builds an index of entries, which must have distinct ids. Entries
// are inserted in Hilbert-curve order of their locations, which keeps the
// tree's nodes and the compact records of neighbours close in memory.
func NewIndex(entries []Entry) (*Index, error) {
	if len(entries) > math.MaxUint32-1 {
		return nil, fmt.Errorf("%w: too many accounts", ErrInvalid)
	}
	ix := &Index{}
	ix.init()
	// Compact in input order (reading each entry once, sequentially), then
	// place by Hilbert position (high half of order; index in low half).
	compacted := make([]entry, len(entries))
	order := make([]uint64, len(entries))
	for i := range entries {
		e := &entries[i]
		if err := validateEntry(e); err != nil {
			return nil, err
		}
		c, err := ix.compact(e)
		if err != nil {
			return nil, err
		}
		compacted[i] = c
		order[i] = uint64(hilbert(e.Location))<<32 | uint64(i)
	}
	slices.Sort(order)
	ix.entries = make([]entry, len(entries))
	ix.slots.grow(ix.entries, tableSize(len(entries)))
	for slot, o := range order {
		c := &ix.entries[slot]
		*c = compacted[uint32(o)]
		if !ix.slots.add(ix.entries, uint32(slot)) {
			return nil, fmt.Errorf("%w: account %d appears twice", ErrInvalid, c.id)
		}
		lo, hi := pointRect(c.lat, c.lng)
		ix.tree.Insert(lo, hi, uint32(slot))
	}
	return ix, nil
}

// tableSize returns the power of two that holds n ids at most 70 % full.
func tableSize(n int) int {
	size := 16
	for n*10 > size*7 {
		size *= 2
	}
	return size
}

func (ix *Index) init() {
	if ix.userIDs == nil {
		ix.users = []int64{0}
		ix.userIDs = map[int64]uint16{}
		ix.tagSets = [][]uint16{nil}
		ix.shortSetID = map[uint64]uint32{0: 0}
		ix.longSetID = map[string]uint32{}
	}
}

// Len returns the number of accounts in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.slots.n
}

// Get returns the entry of account id as the index holds it (tags sorted,
// assignees in layer order).
func (ix *Index) Get(id int64) (Entry, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.slots.get(ix.entries, id)
	if !ok {
		return Entry{}, false
	}
	return ix.expand(&ix.entries[slot]), true
}

// Upsert adds e or replaces the account of the same id.
func (ix *Index) Upsert(e Entry) error {
	if err := validateEntry(&e); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.init()
	c, err := ix.compact(&e)
	if err != nil {
		return err
	}
	if slot, ok := ix.slots.get(ix.entries, e.ID); ok {
		old := &ix.entries[slot]
		if old.lat != c.lat || old.lng != c.lng {
			lo, hi := pointRect(old.lat, old.lng)
			ix.tree.Delete(lo, hi, slot)
			lo, hi = pointRect(c.lat, c.lng)
			ix.tree.Insert(lo, hi, slot)
		}
		*old = c
		return nil
	}
	var slot uint32
	if n := len(ix.free); n > 0 {
		slot = ix.free[n-1]
		ix.free = ix.free[:n-1]
		ix.entries[slot] = c
	} else {
		slot = uint32(len(ix.entries))
		ix.entries = append(ix.entries, c)
	}
	ix.slots.add(ix.entries, slot)
	lo, hi := pointRect(c.lat, c.lng)
	ix.tree.Insert(lo, hi, slot)
	return nil
}

// Delete removes account id and reports whether it was there.
func (ix *Index) Delete(id int64) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	slot, ok := ix.slots.get(ix.entries, id)
	if !ok {
		return false
	}
	e := &ix.entries[slot]
	lo, hi := pointRect(e.lat, e.lng)
	ix.tree.Delete(lo, hi, slot)
	ix.slots.remove(ix.entries, id)
	*e = entry{}
	ix.free = append(ix.free, slot)
	return true
}

func validateEntry(e *Entry) error {
	if err := e.Location.Validate(); err != nil {
		return fmt.Errorf("%w: account %d: %v", ErrInvalid, e.ID, unwrapped(err))
	}
	switch {
	case e.Kind > MaxKind:
		return fmt.Errorf("%w: account %d: kind must be at most %d", ErrInvalid, e.ID, MaxKind)
	case math.IsNaN(float64(e.Score)) || math.IsInf(float64(e.Score), 0) || e.Score < 0:
		return fmt.Errorf("%w: account %d: score must be a finite number, not negative", ErrInvalid, e.ID)
	case e.PotentialCents < 0:
		return fmt.Errorf("%w: account %d: potential must not be negative", ErrInvalid, e.ID)
	}
	for i, a := range e.Assignees {
		if a.Layer == "" {
			return fmt.Errorf("%w: account %d: assignment %d has no layer", ErrInvalid, e.ID, i)
		}
		for _, b := range e.Assignees[:i] {
			if a.Layer == b.Layer {
				return fmt.Errorf("%w: account %d: two assignees in layer %q", ErrInvalid, e.ID, a.Layer)
			}
		}
	}
	return nil
}

// compact interns the names of e. It must be called with the write lock held
// (or on an index nobody else sees yet).
func (ix *Index) compact(e *Entry) (entry, error) {
	c := entry{
		id: e.ID, lat: e.Location.Lat, lng: e.Location.Lng,
		potential: e.PotentialCents, score: e.Score, lastVisit: e.LastVisit, kind: e.Kind,
	}
	var err error
	if c.segment, err = ix.segments.intern(e.Segment, math.MaxUint16-1, "segments"); err != nil {
		return entry{}, err
	}
	for _, a := range e.Assignees {
		layer, err := ix.layers.intern(a.Layer, MaxLayers, "territory layers")
		if err != nil {
			return entry{}, err
		}
		if a.UserID == 0 {
			continue
		}
		u, ok := ix.userIDs[a.UserID]
		if !ok {
			if len(ix.users) > math.MaxUint16 {
				return entry{}, fmt.Errorf("%w: more than %d distinct assignees", ErrInvalid, math.MaxUint16)
			}
			u = uint16(len(ix.users))
			ix.users = append(ix.users, a.UserID)
			ix.userIDs[a.UserID] = u
		}
		c.users[layer-1] = u
	}
	if len(e.Tags) > 0 {
		set := ix.tagBuf[:0]
		for _, t := range e.Tags {
			if t == "" {
				continue
			}
			id, err := ix.tags.intern(t, math.MaxUint16-1, "tags")
			if err != nil {
				return entry{}, err
			}
			set = append(set, id)
		}
		slices.Sort(set)
		set = slices.Compact(set)
		ix.tagBuf = set
		c.tags = ix.tagSet(set)
	}
	return c, nil
}

// tagSet returns the id of a sorted set of tags, interning it if new.
func (ix *Index) tagSet(set []uint16) uint32 {
	if len(set) <= 4 {
		var key uint64
		for i, t := range set {
			key |= uint64(t) << (16 * i)
		}
		id, ok := ix.shortSetID[key]
		if !ok {
			id = uint32(len(ix.tagSets))
			ix.tagSets = append(ix.tagSets, slices.Clone(set))
			ix.shortSetID[key] = id
		}
		return id
	}
	key := tagSetKey(set)
	id, ok := ix.longSetID[key]
	if !ok {
		id = uint32(len(ix.tagSets))
		ix.tagSets = append(ix.tagSets, slices.Clone(set))
		ix.longSetID[key] = id
	}
	return id
}

func tagSetKey(set []uint16) string {
	b := make([]byte, 0, 2*len(set))
	for _, t := range set {
		b = append(b, byte(t>>8), byte(t))
	}
	return string(b)
}

// expand turns c back into an Entry.
func (ix *Index) expand(c *entry) Entry {
	e := Entry{
		ID: c.id, Location: Point{Lat: c.lat, Lng: c.lng}, Kind: c.kind,
		Score: c.score, PotentialCents: c.potential, Segment: ix.segments.name(c.segment),
		LastVisit: c.lastVisit,
	}
	for layer, u := range c.users {
		if u != 0 {
			e.Assignees = append(e.Assignees, Assignment{Layer: ix.layers.name(uint16(layer + 1)), UserID: ix.users[u]})
		}
	}
	for _, t := range ix.tagSets[c.tags] {
		e.Tags = append(e.Tags, ix.tags.name(t))
	}
	slices.Sort(e.Tags)
	return e
}

// filter is a Filter resolved against the index's interned names.
type filter struct {
	none             bool // matches nothing
	all              bool // matches everything
	kinds            uint64
	layer            int // index in entry.users, or -1
	users            []uint16
	unassigned       bool
	minScore         float32
	minPotential     int64
	segments         []uint16
	tagsAll, tagsAny []uint16
	notVisitedSince  Day

	// Visibility: the users as interned indices, in visSmall[:visN] or,
	// past visInline of them, in visUsers (sorted); visMask has bit u%64 of
	// each. openLayer is an index in entry.users, or -1 for a layer the
	// index has never seen; layers is the number of layers the index holds,
	// the slots of entry.users worth reading.
	visible   bool
	visMask   uint64
	visN      int
	visSmall  [visInline]uint16
	visUsers  []uint16
	openKinds uint64
	openLayer int
	layers    int
}

// visInline is the number of visible users a compiled filter holds without
// allocating: a rep, or a manager's team.
const visInline = 16

// compile resolves f; it needs the read lock. Names the index has never seen
// cannot match: an unknown segment, tag of TagsAll, assignee or visible user
// is simply not held by any account.
func (ix *Index) compile(f *Filter) (filter, error) {
	c := filter{layer: -1, minScore: f.MinScore, minPotential: f.MinPotentialCents, notVisitedSince: f.NotVisitedSince}
	if math.IsNaN(float64(f.MinScore)) {
		return c, fmt.Errorf("%w: minimum score must be a number", ErrInvalid)
	}
	for _, k := range f.Kinds {
		if k > MaxKind {
			return c, fmt.Errorf("%w: kind must be at most %d", ErrInvalid, MaxKind)
		}
		c.kinds |= 1 << k
	}
	if f.Layer != "" && (len(f.AssigneeIDs) > 0 || f.Unassigned) {
		if len(f.AssigneeIDs) > 0 && f.Unassigned {
			return c, fmt.Errorf("%w: a filter cannot ask for both assignees and unassigned accounts", ErrInvalid)
		}
		layer, ok := ix.layers.lookup(f.Layer)
		switch {
		case !ok && f.Unassigned:
			// Nobody is assigned in a layer the index has never seen.
		case !ok:
			c.none = true
		default:
			c.layer = int(layer) - 1
			c.unassigned = f.Unassigned
			for _, id := range f.AssigneeIDs {
				if u, ok := ix.userIDs[id]; ok && id != 0 {
					c.users = append(c.users, u)
				}
			}
			if !f.Unassigned && len(c.users) == 0 {
				c.none = true
			}
		}
	}
	if len(f.Segments) > 0 {
		for _, s := range f.Segments {
			if id, ok := ix.segments.lookup(s); ok {
				c.segments = append(c.segments, id)
			}
		}
		if len(c.segments) == 0 {
			c.none = true
		}
	}
	for _, t := range f.TagsAll {
		id, ok := ix.tags.lookup(t)
		if !ok || id == 0 {
			c.none = true
			break
		}
		c.tagsAll = append(c.tagsAll, id)
	}
	if len(f.TagsAny) > 0 {
		for _, t := range f.TagsAny {
			if id, ok := ix.tags.lookup(t); ok && id != 0 {
				c.tagsAny = append(c.tagsAny, id)
			}
		}
		if len(c.tagsAny) == 0 {
			c.none = true
		}
	}
	if v := f.Visible; v != nil {
		if err := ix.compileVisibility(&c, v); err != nil {
			return c, err
		}
	}
	c.all = !c.none && c.kinds == 0 && c.layer < 0 && c.minScore <= 0 && c.minPotential <= 0 &&
		len(c.segments) == 0 && len(c.tagsAll) == 0 && len(c.tagsAny) == 0 && c.notVisitedSince == 0 &&
		!c.visible
	return c, nil
}

// compileVisibility resolves v into c; it needs the read lock.
func (ix *Index) compileVisibility(c *filter, v *Visibility) error {
	c.visible = true
	c.openLayer = -1
	for _, k := range v.OpenKinds {
		if k > MaxKind {
			return fmt.Errorf("%w: open kind must be at most %d", ErrInvalid, MaxKind)
		}
		c.openKinds |= 1 << k
	}
	if len(v.OpenKinds) > 0 && v.OpenLayer == "" {
		return fmt.Errorf("%w: open kinds need the layer in which nobody holds them", ErrInvalid)
	}
	if layer, ok := ix.layers.lookup(v.OpenLayer); ok && layer != 0 {
		c.openLayer = int(layer) - 1
	}
	c.layers = max(len(ix.layers.list)-1, 0)
	for _, id := range v.Users {
		u, ok := ix.userIDs[id] // never holds 0, "nobody"
		if !ok {
			continue
		}
		c.visMask |= 1 << (u & 63)
		switch {
		case c.visUsers != nil:
			c.visUsers = append(c.visUsers, u)
		case c.visN < len(c.visSmall):
			c.visSmall[c.visN] = u
			c.visN++
		default:
			c.visUsers = append(make([]uint16, 0, len(v.Users)), c.visSmall[:]...)
			c.visUsers = append(c.visUsers, u)
		}
	}
	if c.visUsers != nil {
		slices.Sort(c.visUsers)
		c.visUsers = slices.Compact(c.visUsers)
	}
	if c.visMask == 0 && c.openKinds == 0 {
		c.none = true
	}
	return nil
}

// follows reports whether one of the users of f is assigned e.
func (f *filter) follows(e *entry) bool {
	for _, u := range e.users[:f.layers] {
		if u == 0 {
			continue
		}
		if f.visUsers != nil {
			if _, ok := slices.BinarySearch(f.visUsers, u); ok {
				return true
			}
		} else if slices.Contains(f.visSmall[:f.visN], u) {
			return true
		}
	}
	return false
}

func (ix *Index) match(f *filter, e *entry) bool {
	if f.all {
		return true
	}
	if f.kinds != 0 && f.kinds&(1<<e.kind) == 0 ||
		e.score < f.minScore || e.potential < f.minPotential ||
		f.notVisitedSince != 0 && e.lastVisit != 0 && e.lastVisit >= f.notVisitedSince {
		return false
	}
	if f.layer >= 0 {
		u := e.users[f.layer]
		if f.unassigned {
			if u != 0 {
				return false
			}
		} else if !slices.Contains(f.users, u) {
			return false
		}
	}
	if f.visible && !(f.openKinds>>e.kind&1 != 0 && (f.openLayer < 0 || e.users[f.openLayer] == 0)) {
		// Not open. Most accounts hold none of the users: tell them by the
		// mask alone, without a branch per layer (assignees vary too much
		// for branches to be predicted); (u + 0xffff) >> 16 is 0 for nobody.
		var maybe uint64
		for _, u := range e.users[:f.layers] {
			maybe |= f.visMask >> (u & 63) & ((uint64(u) + 0xffff) >> 16)
		}
		if maybe&1 == 0 || !f.follows(e) {
			return false
		}
	}
	if len(f.segments) > 0 && !slices.Contains(f.segments, e.segment) {
		return false
	}
	if len(f.tagsAll) > 0 || len(f.tagsAny) > 0 {
		set := ix.tagSets[e.tags]
		for _, t := range f.tagsAll {
			if _, ok := slices.BinarySearch(set, t); !ok {
				return false
			}
		}
		if len(f.tagsAny) > 0 && !slices.ContainsFunc(f.tagsAny, func(t uint16) bool {
			_, ok := slices.BinarySearch(set, t)
			return ok
		}) {
			return false
		}
	}
	return true
}

// pointRect returns the float32 rectangle, rounded outwards, that holds the
// float64 position: tree searches with outward-rounded boxes then never miss
// a point that the exact float64 test accepts.
func pointRect(lat, lng float64) (lo, hi [2]float32) {
	return [2]float32{down32(lng), down32(lat)}, [2]float32{up32(lng), up32(lat)}
}

func down32(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// hilbert returns the position of p on a Hilbert curve over a 2¹⁶×2¹⁶ grid
// of the whole globe.
func hilbert(p Point) uint32 {
	const n = 1 << 16
	x := uint32(math.Min((p.Lng+180)/360*n, n-1))
	y := uint32(math.Min((p.Lat+90)/180*n, n-1))
	var d uint32
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x = s - 1 - x
				y = s - 1 - y
			}
			x, y = y, x
		}
	}
	return d
}
