package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Limits of the spatial endpoints: nearby means within a long day's drive,
// and a map or a mobile list shows a few thousand accounts at most.
const (
	maxRadiusM     = 500_000
	defaultNearest = 20
	maxNearest     = 500
	defaultWithin  = 500
	maxWithin      = 5000
)

// indexFields are the fields the index answers from memory, without a
// store read; any other field asked for makes the answer read the store.
var indexFields = []string{"id", "kind", "lat", "lng", "distance_m", "along_m", "score", "potential_cents", "segment", "tags", "owner_id"}

// nearby answers GET /api/v1/accounts/nearby: the nearest accounts to a
// point, or with radius_m every account within that many metres, nearest
// first, with their distance_m.
func (s *Server) nearby(c *gin.Context) error {
	q := newQuery(c)
	p := geo.Point{Lat: q.float("lat", true), Lng: q.float("lng", true)}
	radius := q.float("radius_m", false)
	within := q.has("radius_m")
	def, most := defaultNearest, maxNearest
	if within {
		def, most = defaultWithin, maxWithin
	}
	limit := q.intIn("limit", def, 1, most)
	f := accounts.PlaceFilter{
		Kinds:             enumList(q, "kind", accounts.KindProspect, accounts.KindClient, accounts.KindFormer),
		OwnerID:           q.id("owner_id"),
		MinScore:          float32(q.float("min_score", false)),
		MinPotentialCents: int64(q.float("min_potential_cents", false)),
		Segments:          q.list("segment"),
		TagsAll:           q.list("tag"),
		NotVisitedSince:   accounts.Date(q.raw("not_visited_since")),
	}
	fields := q.list("fields")
	if err := q.err(); err != nil {
		return err
	}
	if err := accounts.CheckLocation("", p); err != nil {
		return err
	}
	if within && !(radius > 0 && radius <= maxRadiusM) {
		return &accounts.FieldError{Field: "radius_m", Message: fmt.Sprintf("radius_m must be between 1 and %d", maxRadiusM)}
	}
	gf, err := s.svc.Places.GeoFilter(f)
	if err != nil {
		return err
	}
	if gf.Visible, err = s.visibleGeo(c); err != nil {
		return err
	}
	ix := s.svc.Places.Index()
	var hits []geo.Hit
	if within {
		hits, err = ix.WithinRadius(p, radius, gf, limit)
	} else {
		hits, err = ix.Nearest(p, limit, gf)
	}
	if err != nil {
		return err
	}
	return s.writePlaces(c, hits, fields, false, nil)
}

// searchRequest is the body of POST /api/v1/accounts/search: criteria
// (see Criteria) with exactly one place, or q alone, a limit and the fields
// to return.
type searchRequest struct {
	Criteria
	Limit  int      `json:"limit"`
	Fields []string `json:"fields"`
}

// search answers POST /api/v1/accounts/search: accounts in a box (by id), in
// a polygon (by id) or along a route (by position along it, with distance_m
// to the route and along_m from its start). With q, only the accounts whose
// reports, notes or name match it, best match first, each with its rank
// and snippet: "every account whose reports mention the competitor X,
// inside this polygon" is one request.
func (s *Server) search(c *gin.Context) error {
	var r searchRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	if n := r.places(); n > 1 || n == 0 && !r.text() {
		return &accounts.FieldError{Field: "box", Message: "give exactly one of box, polygon or route (or only q)"}
	}
	if r.Limit == 0 {
		r.Limit = defaultWithin
	}
	if r.Limit < 1 || r.Limit > maxWithin {
		return &accounts.FieldError{Field: "limit", Message: fmt.Sprintf("limit must be between 1 and %d", maxWithin)}
	}
	sel, _, err := s.selectAccounts(c, r.Criteria, r.Limit, false)
	if err != nil {
		return err
	}
	hits := make([]geo.Hit, len(sel))
	var texts map[int64]*accounts.ReportHit
	if r.text() {
		texts = make(map[int64]*accounts.ReportHit, len(sel))
	}
	for i, m := range sel {
		hits[i] = m.Hit
		if m.text != nil {
			texts[m.ID] = m.text
		}
	}
	return s.writePlaces(c, hits, r.Fields, len(r.Route) > 0, texts)
}

// fieldOf names the request field a geometry error belongs to.
func fieldOf(field string, err error) error {
	return &accounts.FieldError{Field: field, Message: field + ": " + strings.TrimPrefix(err.Error(), geo.ErrInvalid.Error()+": ")}
}

// writePlaces answers {"items":[...]}: each hit as its account with the
// measures distance_m (and along_m for a route) and score. With fields, each
// item holds only those; when all of them are index fields the store is not
// read at all, which is what a mobile client polling "what is near me" wants.
// With texts (a text search), each item also holds its text match.
func (s *Server) writePlaces(c *gin.Context, hits []geo.Hit, fields []string, route bool, texts map[int64]*accounts.ReportHit) error {
	if err := s.checkFields(fields); err != nil {
		return err
	}
	fromIndex := len(fields) > 0
	for _, f := range fields {
		fromIndex = fromIndex && slices.Contains(indexFields, f)
	}
	ix := s.svc.Places.Index()
	var records map[int64][]byte
	if !fromIndex {
		var err error
		if records, err = s.accountJSON(c, hits); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	buf.WriteString(`{"items":[`)
	n := 0
	for _, h := range hits {
		e, ok := ix.Get(h.ID)
		record, found := records[h.ID]
		if fromIndex && !ok || !fromIndex && !found {
			continue // deleted since the query ran
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		switch {
		case fromIndex:
			writeIndexItem(&buf, e, h, fields)
		case len(fields) == 0:
			writeAccount(&buf, record, e.Score, h, route)
		default:
			item, err := decodeItem(record)
			if err != nil {
				return err
			}
			item["score"] = e.Score
			if err := writeItem(&buf, item, h, fields, route); err != nil {
				return err
			}
		}
		if t := texts[h.ID]; t != nil {
			writeText(&buf, t)
		}
	}
	buf.WriteString(`]}`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
	return nil
}

// accountJSON returns the JSON of the accounts of hits, from the record
// cache or, for those it lacks, from the store in pages it accepts.
func (s *Server) accountJSON(c *gin.Context, hits []geo.Hit) (map[int64][]byte, error) {
	out := make(map[int64][]byte, len(hits))
	var missing []int64
	for _, h := range hits {
		if b, ok := s.records.get(h.ID); ok {
			out[h.ID] = b
		} else {
			missing = append(missing, h.ID)
		}
	}
	gen := s.records.generation()
	for len(missing) > 0 {
		n := min(len(missing), accounts.MaxAccountsByID)
		found, err := s.svc.AccountsByID(c.Request.Context(), missing[:n])
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			b, err := json.Marshal(a)
			if err != nil {
				return nil, err
			}
			out[a.ID] = b
			s.records.put(gen, a.ID, b)
		}
		missing = missing[n:]
	}
	return out, nil
}

// checkFields rejects a field that is neither an account's nor a measure.
func (s *Server) checkFields(fields []string) error {
	for _, f := range fields {
		if !slices.Contains(s.accountFields, f) && !slices.Contains(indexFields, f) {
			return &accounts.FieldError{Field: "fields", Message: fmt.Sprintf("unknown field %q", f)}
		}
	}
	return nil
}

// jsonFields lists the top-level JSON names of an account.
func jsonFields() []string {
	b, err := json.Marshal(accounts.Account{})
	if err != nil {
		panic(err) // a zero Account always marshals
	}
	item, err := decodeItem(b)
	if err != nil {
		panic(err)
	}
	var names []string
	for k := range item {
		names = append(names, k)
	}
	return names
}

// writeAccount writes an account's JSON with the measures spliced in
// before its closing brace: the common answer, built without a map.
func writeAccount(buf *bytes.Buffer, record []byte, score float32, h geo.Hit, route bool) {
	buf.Write(record[:len(record)-1])
	buf.WriteString(`,"score":`)
	buf.WriteString(strconv.FormatFloat(float64(score), 'g', -1, 32))
	buf.WriteString(`,"distance_m":`)
	buf.WriteString(strconv.FormatFloat(round(h.DistanceM), 'f', -1, 64))
	if route {
		buf.WriteString(`,"along_m":`)
		buf.WriteString(strconv.FormatFloat(round(h.AlongM), 'f', -1, 64))
	}
	buf.WriteByte('}')
}

// writeText splices the text match t into the item just written: rank,
// matches, snippet, and activity_id or contact_id when the best match is
// an activity or a contact rather than the account's name.
func writeText(buf *bytes.Buffer, t *accounts.ReportHit) {
	buf.Truncate(buf.Len() - 1) // the item's closing brace
	if !bytes.HasSuffix(buf.Bytes(), []byte("{")) {
		buf.WriteByte(',')
	}
	buf.WriteString(`"rank":`)
	buf.WriteString(strconv.FormatFloat(t.Rank, 'g', -1, 64))
	buf.WriteString(`,"matches":`)
	buf.WriteString(strconv.Itoa(t.Matches))
	if t.ActivityID != 0 {
		buf.WriteString(`,"activity_id":` + strconv.FormatInt(t.ActivityID, 10))
	}
	if t.ContactID != 0 {
		buf.WriteString(`,"contact_id":` + strconv.FormatInt(t.ContactID, 10))
	}
	snippet, _ := json.Marshal(t.Snippet) // a string always marshals
	buf.WriteString(`,"snippet":`)
	buf.Write(snippet)
	buf.WriteByte('}')
}

// writeItem writes the asked-for fields of item, in the order asked, with
// the measures.
func writeItem(buf *bytes.Buffer, item map[string]any, h geo.Hit, fields []string, route bool) error {
	item["distance_m"] = round(h.DistanceM)
	if route {
		item["along_m"] = round(h.AlongM)
	}
	buf.WriteByte('{')
	n := 0
	for i, f := range fields {
		v, ok := item[f]
		if !ok || slices.Contains(fields[:i], f) {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		buf.WriteString(`"` + f + `":`)
		buf.Write(b)
	}
	buf.WriteByte('}')
	return nil
}

// writeIndexItem writes the asked-for fields of an index entry, in the
// order asked, straight into buf: the hot path of mobile clients.
func writeIndexItem(buf *bytes.Buffer, e geo.Entry, h geo.Hit, fields []string) {
	buf.WriteByte('{')
	for i, f := range fields {
		if slices.Contains(fields[:i], f) {
			continue
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + f + `":`)
		switch f {
		case "id":
			buf.WriteString(strconv.FormatInt(e.ID, 10))
		case "lat":
			buf.WriteString(strconv.FormatFloat(e.Location.Lat, 'f', -1, 64))
		case "lng":
			buf.WriteString(strconv.FormatFloat(e.Location.Lng, 'f', -1, 64))
		case "distance_m":
			buf.WriteString(strconv.FormatFloat(round(h.DistanceM), 'f', -1, 64))
		case "along_m": // 0 off a route
			buf.WriteString(strconv.FormatFloat(round(h.AlongM), 'f', -1, 64))
		case "score":
			buf.WriteString(strconv.FormatFloat(float64(e.Score), 'g', -1, 32))
		case "potential_cents":
			buf.WriteString(strconv.FormatInt(e.PotentialCents, 10))
		default: // kind, segment, tags, owner_id
			var v any
			switch f {
			case "kind":
				v = accounts.KindOf(e.Kind)
			case "segment":
				v = e.Segment
			case "tags":
				v = e.Tags
				if e.Tags == nil {
					v = []string{}
				}
			case "owner_id":
				for _, a := range e.Assignees {
					if a.Layer == accounts.OwnerLayer {
						v = a.UserID
					}
				}
			}
			b, _ := json.Marshal(v) // strings, ids and string lists always marshal
			buf.Write(b)
		}
	}
	buf.WriteByte('}')
}

// decodeItem turns an account's JSON into a map, so that measures can join
// it and fields can be picked.
func decodeItem(record []byte) (map[string]any, error) {
	var item map[string]any
	dec := json.NewDecoder(bytes.NewReader(record))
	dec.UseNumber()
	return item, dec.Decode(&item)
}

// round keeps distances to the centimetre, which is all they mean.
func round(m float64) float64 { return math.Round(m*100) / 100 }
