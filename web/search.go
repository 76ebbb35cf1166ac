package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// reportItem is one account of a report search, with its best matching
// record: "every account whose reports mention X", ready for the map.
type reportItem struct {
	ID         int64         `json:"id"`
	Name       string        `json:"name"`
	Kind       accounts.Kind `json:"kind"`
	Lat        float64       `json:"lat"`
	Lng        float64       `json:"lng"`
	DistanceM  *float64      `json:"distance_m,omitempty"` // when a point was given
	Rank       float64       `json:"rank"`
	Matches    int           `json:"matches"`
	ActivityID int64         `json:"activity_id,omitempty"`
	ContactID  int64         `json:"contact_id,omitempty"`
	Snippet    string        `json:"snippet"`
}

// searchReports answers GET /api/v1/accounts/search: the accounts whose
// activity reports, contact notes or names match q (see
// accounts.ReportQuery for the syntax), best match first, each with a
// snippet of its best record.
// With lat and lng each item carries distance_m; with radius_m too, only
// the accounts within that many metres are searched: the spatial index
// answers that part, and its ids narrow the text search in the store, so
// that a few matches among many nearby accounts are all found.
func (s *Server) searchReports(c *gin.Context) error {
	q := newQuery(c)
	rq := accounts.ReportQuery{Text: q.raw("q"), Limit: q.intIn("limit", accounts.DefaultReportHits, 1, accounts.MaxReportHits)}
	point := q.has("lat") || q.has("lng")
	p := geo.Point{Lat: q.float("lat", point), Lng: q.float("lng", point)}
	radius := q.float("radius_m", false)
	within := q.has("radius_m")
	f := accounts.PlaceFilter{
		Kinds:   enumList(q, "kind", accounts.KindProspect, accounts.KindClient, accounts.KindFormer),
		OwnerID: q.id("owner_id"),
	}
	if err := q.err(); err != nil {
		return err
	}
	if err := rq.Validate(); err != nil {
		return err
	}
	if point {
		if err := accounts.CheckLocation("", p); err != nil {
			return err
		}
	}
	if within && !point {
		return &accounts.FieldError{Field: "radius_m", Message: "radius_m needs lat and lng"}
	}
	if within && !(radius > 0 && radius <= maxRadiusM) {
		return &accounts.FieldError{Field: "radius_m", Message: fmt.Sprintf("radius_m must be between 1 and %d", maxRadiusM)}
	}
	gf, err := s.svc.Places.GeoFilter(f)
	if err != nil {
		return err
	}
	vis, err := s.scope(c, false)
	if err != nil {
		return err
	}
	gf.Visible = geoScope(vis)
	ix := s.svc.Places.Index()
	limit := rq.Limit
	if within {
		// The nearest MaxSearchAccountID accounts in the circle are
		// searched; a radius holding more is a question for a smaller one.
		near, err := ix.WithinRadius(p, radius, gf, accounts.MaxSearchAccountID)
		if err != nil {
			return err
		}
		rq.AccountIDs = make([]int64, len(near))
		for i, h := range near {
			rq.AccountIDs[i] = h.ID
		}
	} else if len(f.Kinds) > 0 || f.OwnerID != 0 || vis != nil {
		rq.Limit = accounts.MaxReportHits // filtered below, then cut to limit
	}
	hits, err := s.svc.SearchReports(c.Request.Context(), rq)
	if err != nil {
		return err
	}
	// Keep the hits the index holds (an account deleted since is gone)
	// and, without a radius, those the filter keeps.
	entries := make(map[int64]geo.Entry, len(hits))
	kept := hits[:0]
	for _, h := range hits {
		e, ok := ix.Get(h.AccountID)
		if !ok || !within && (!matchesPlace(e, gf) || !entryVisible(e, vis)) {
			continue
		}
		entries[h.AccountID] = e
		kept = append(kept, h)
	}
	hits = kept[:min(len(kept), limit)]
	names, err := s.accountNames(c, hits)
	if err != nil {
		return err
	}
	items := make([]reportItem, 0, len(hits))
	for _, h := range hits {
		a, ok := names[h.AccountID]
		if !ok {
			continue // deleted since the search ran
		}
		e := entries[h.AccountID]
		it := reportItem{ID: h.AccountID, Name: a.Name, Kind: a.Kind, Lat: e.Location.Lat, Lng: e.Location.Lng,
			Rank: h.Rank, Matches: h.Matches, ActivityID: h.ActivityID, ContactID: h.ContactID, Snippet: h.Snippet}
		if point {
			d := round(geo.DistanceM(p, e.Location))
			it.DistanceM = &d
		}
		items = append(items, it)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

// matchesPlace applies the kinds and owner of a filter to an index entry,
// for text hits that no spatial query selected.
func matchesPlace(e geo.Entry, f geo.Filter) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind) {
		return false
	}
	if f.Layer == "" {
		return true
	}
	return slices.ContainsFunc(e.Assignees, func(a geo.Assignment) bool {
		return a.Layer == f.Layer && slices.Contains(f.AssigneeIDs, a.UserID)
	})
}

// accountNames reads the accounts of hits, by id.
func (s *Server) accountNames(c *gin.Context, hits []accounts.ReportHit) (map[int64]accounts.Account, error) {
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.AccountID
	}
	return s.accountsByID(c, ids)
}

// accountsByID reads the accounts ids, in pages the store takes; an
// unknown id is left out.
func (s *Server) accountsByID(c *gin.Context, ids []int64) (map[int64]accounts.Account, error) {
	out := make(map[int64]accounts.Account, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), accounts.MaxAccountsByID)
		found, err := s.svc.AccountsByID(c.Request.Context(), ids[:n])
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			out[a.ID] = a
		}
		ids = ids[n:]
	}
	return out, nil
}
