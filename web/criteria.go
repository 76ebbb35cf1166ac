package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Criteria select accounts the way the POST search does, for the search
// itself and for the mailings sent to its answer: by what their reports,
// notes and names say (q), by place (at most one of box, polygon, or route
// with width_m) and by filter, among the accounts the signed-in user may
// read. Without a place the whole map is searched. Request bodies embed
// it; its name is exported so that decoding errors name the JSON field
// alone ("width_m", not "criteria.width_m": see jsonPath).
type Criteria struct {
	Q       string               `json:"q"`
	Box     *geo.Bounds          `json:"box"`
	Polygon json.RawMessage      `json:"polygon"`
	Route   json.RawMessage      `json:"route"`
	WidthM  float64              `json:"width_m"`
	Filter  accounts.PlaceFilter `json:"filter"`
}

// places counts the places given.
func (cr Criteria) places() int {
	n := 0
	for _, given := range []bool{cr.Box != nil, len(cr.Polygon) > 0, len(cr.Route) > 0} {
		if given {
			n++
		}
	}
	return n
}

// text reports whether cr searches text.
func (cr Criteria) text() bool { return strings.TrimSpace(cr.Q) != "" }

// world is the whole map, the place of criteria that give none.
var world = geo.Bounds{Min: geo.Point{Lat: -90, Lng: -180}, Max: geo.Point{Lat: 90, Lng: 180}}

// selected is one account that criteria select: the index's hit, with its
// measures, and with q the record that matches best.
type selected struct {
	geo.Hit
	text *accounts.ReportHit
}

// selectAccounts returns up to limit accounts that cr selects. Without q
// they come in the place's order (box and polygon by id, route along it);
// with q, best text match first, ties by id: the words are what was asked
// for, the place narrows where. more reports that more accounts match, or
// may: without a place, the text search reads at most
// accounts.MaxReportHits accounts before the filter applies.
//
// write keeps the accounts the user may change rather than read: a mailing
// speaks for the accounts' owners.
func (s *Server) selectAccounts(c *gin.Context, cr Criteria, limit int, write bool) (sel []selected, more bool, err error) {
	if cr.places() > 1 {
		return nil, false, &accounts.FieldError{Field: "box", Message: "give exactly one of box, polygon or route (or none, to search the whole map)"}
	}
	gf, err := s.svc.Places.GeoFilter(cr.Filter)
	if err != nil {
		return nil, false, err
	}
	vis, err := s.scope(c, write)
	if err != nil {
		return nil, false, err
	}
	gf.Visible = geoScope(vis)
	if !cr.text() {
		hits, err := s.inPlace(cr, gf, limit+1)
		if err != nil {
			return nil, false, err
		}
		return wrapHits(hits[:min(len(hits), limit)]), len(hits) > limit, nil
	}

	rq := accounts.ReportQuery{Text: cr.Q, Limit: min(limit+1, accounts.MaxReportHits)}
	if err := rq.Validate(); err != nil {
		return nil, false, err
	}
	var inPlace map[int64]geo.Hit
	if cr.places() == 1 {
		// The text search runs on the accounts of the place, so that a
		// few mentions among many accounts there are all found.
		hits, err := s.inPlace(cr, gf, accounts.MaxSearchAccountID+1)
		if err != nil {
			return nil, false, err
		}
		if len(hits) > accounts.MaxSearchAccountID {
			return nil, false, fmt.Errorf("%w: the place holds more than %d accounts, more than a text search covers: draw it smaller or filter",
				accounts.ErrTooMany, accounts.MaxSearchAccountID)
		}
		inPlace = make(map[int64]geo.Hit, len(hits))
		rq.AccountIDs = make([]int64, len(hits))
		for i, h := range hits {
			inPlace[h.ID], rq.AccountIDs[i] = h, h.ID
		}
	} else {
		rq.Limit = accounts.MaxReportHits // the filter applies after
	}
	found, err := s.svc.SearchReports(c.Request.Context(), rq)
	if err != nil {
		return nil, false, err
	}
	if inPlace != nil {
		for i := range found {
			if len(sel) == limit {
				return sel, true, nil
			}
			sel = append(sel, selected{Hit: inPlace[found[i].AccountID], text: &found[i]})
		}
		return sel, false, nil
	}

	ids := make([]int64, len(found))
	byID := make(map[int64]*accounts.ReportHit, len(found))
	for i := range found {
		ids[i], byID[found[i].AccountID] = found[i].AccountID, &found[i]
	}
	ix := s.svc.Places.Index()
	kept, err := ix.Keep(ids, gf)
	if err != nil {
		return nil, false, err
	}
	more = len(found) == accounts.MaxReportHits
	for _, id := range kept {
		e, ok := ix.Get(id)
		if !ok {
			continue // deleted since
		}
		if len(sel) == limit {
			return sel, true, nil
		}
		sel = append(sel, selected{Hit: geo.Hit{ID: id, Location: e.Location}, text: byID[id]})
	}
	return sel, more, nil
}

// inPlace returns up to limit accounts of cr's place (the whole map when
// it gives none) that gf keeps, in the place's order.
func (s *Server) inPlace(cr Criteria, gf geo.Filter, limit int) ([]geo.Hit, error) {
	ix := s.svc.Places.Index()
	switch {
	case cr.Box != nil:
		if err := geo.ValidateBounds(*cr.Box); err != nil {
			return nil, fieldOf("box", err)
		}
		return ix.WithinBounds(*cr.Box, gf, limit)
	case len(cr.Polygon) > 0:
		area, err := geo.ParseArea(cr.Polygon)
		if err != nil {
			return nil, fieldOf("polygon", err)
		}
		return ix.WithinArea(area, gf, limit)
	case len(cr.Route) > 0:
		route, err := geo.ParseLineString(cr.Route)
		if err != nil {
			return nil, fieldOf("route", err)
		}
		if !(cr.WidthM > 0 && cr.WidthM <= geo.MaxWidthM) {
			return nil, &accounts.FieldError{Field: "width_m", Message: fmt.Sprintf("width_m must be between 1 and %d", geo.MaxWidthM)}
		}
		return ix.AlongRoute(route, cr.WidthM, gf, limit)
	}
	return ix.WithinBounds(world, gf, limit)
}

func wrapHits(hits []geo.Hit) []selected {
	out := make([]selected, len(hits))
	for i, h := range hits {
		out[i] = selected{Hit: h}
	}
	return out
}
