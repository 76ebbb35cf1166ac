package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Territories as GeoJSON. A territory is a Feature whose geometry is its
// area and whose properties carry its other fields; the plain JSON records
// of /territories stay as they are for clients that already read them.

// territoryProperties are a territory's fields other than its geometry.
type territoryProperties struct {
	ID         int64     `json:"id,omitempty"`
	Version    int64     `json:"version,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	Layer      string    `json:"layer"`
	Name       string    `json:"name"`
	Priority   int       `json:"priority"`
	AssigneeID *int64    `json:"assignee_id"`
}

// territoryFeature is a territory as a GeoJSON Feature. In a request, id
// names the territory an edit would change (preview), 0 or absent a new one.
type territoryFeature struct {
	Type       string              `json:"type"`
	ID         int64               `json:"id,omitempty"`
	Geometry   geo.Area            `json:"geometry"`
	Properties territoryProperties `json:"properties"`
}

type territoryCollection struct {
	Type     string             `json:"type"`
	Features []territoryFeature `json:"features"`
}

func toFeature(t accounts.Territory) territoryFeature {
	return territoryFeature{Type: "Feature", ID: t.ID, Geometry: t.Geometry, Properties: territoryProperties{
		ID: t.ID, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		Layer: t.Layer, Name: t.Name, Priority: t.Priority, AssigneeID: t.AssigneeID}}
}

// territory reads the feature as a territory, field errors named by their
// place in the feature.
func (f territoryFeature) territory(prefix string) (accounts.Territory, error) {
	if f.Type != "Feature" {
		return accounts.Territory{}, &accounts.FieldError{Field: prefix + "type", Message: prefix + `type must be "Feature"`}
	}
	return accounts.Territory{Meta: accounts.Meta{ID: f.ID}, Layer: f.Properties.Layer, Name: f.Properties.Name,
		Geometry: f.Geometry, Priority: f.Properties.Priority, AssigneeID: f.Properties.AssigneeID}, nil
}

// geoJSONType is the media type of GeoJSON documents.
const geoJSONType = "application/geo+json"

// listTerritoryFeatures answers GET /territories.geojson?layer= (and GET
// /territories?layer= with Accept: application/geo+json): every territory
// of the layer (of all layers without one), as a FeatureCollection that GIS
// tools and the import endpoint read back.
func (s *Server) listTerritoryFeatures(c *gin.Context) error {
	layer := c.Query("layer")
	if layer != "" {
		var err error
		if layer, err = accounts.CheckLayer("layer", layer); err != nil {
			return err
		}
	}
	ts, err := s.svc.TerritoriesIn(c.Request.Context(), layer, accounts.World)
	if err != nil {
		return err
	}
	out := territoryCollection{Type: "FeatureCollection", Features: make([]territoryFeature, 0, len(ts))}
	for _, t := range ts {
		out.Features = append(out.Features, toFeature(t))
	}
	c.Header("Content-Type", geoJSONType)
	c.Render(http.StatusOK, geoJSON{out})
	return nil
}

// geoJSON renders JSON under the GeoJSON media type.
type geoJSON struct{ v any }

func (g geoJSON) Render(w http.ResponseWriter) error {
	g.WriteContentType(w)
	return json.NewEncoder(w).Encode(g.v)
}

func (g geoJSON) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", geoJSONType)
}

// territoriesAt answers GET /territories/at?lat=&lng=: the territory and
// assignee of each layer at a point, from memory.
func (s *Server) territoriesAt(c *gin.Context) error {
	q := newQuery(c)
	p := geo.Point{Lat: q.float("lat", true), Lng: q.float("lng", true)}
	if err := q.err(); err != nil {
		return err
	}
	hits, err := s.svc.TerritoriesAt(c.Request.Context(), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": hits})
	return nil
}

// territoryStats answers GET /territories/stats?layer=.
func (s *Server) territoryStats(c *gin.Context) error {
	st, err := s.svc.TerritoryStats(c.Request.Context(), c.Query("layer"), time.Now(), accounts.DefaultWorkload)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, st)
	return nil
}

// previewTerritory answers POST /territories/preview: what saving the
// feature would change, without writing.
func (s *Server) previewTerritory(c *gin.Context) error {
	var f territoryFeature
	if err := decodeJSON(c, &f); err != nil {
		return err
	}
	t, err := f.territory("")
	if err != nil {
		return err
	}
	p, err := s.svc.PreviewTerritory(c.Request.Context(), t)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// previewDeletion answers GET /territories/{id}/deletion: what deleting
// the territory would change, without writing.
func (s *Server) previewDeletion(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := s.svc.PreviewDeletion(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// pinBody is the body of PUT /accounts/{id}/pins.
type pinBody struct {
	Layer  string `json:"layer"`
	UserID int64  `json:"user_id"`
}

// pinAccount answers PUT /accounts/{id}/pins: the account keeps user_id in
// layer whatever the territories say, until unpinned.
func (s *Server) pinAccount(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b pinBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if _, err := accounts.CheckLayer("layer", b.Layer); err != nil {
		return err
	}
	if err := s.seeAccountID(c, id, true); err != nil {
		return err
	}
	if err := s.seeUser(c, b.UserID); err != nil {
		return err
	}
	a, err := s.svc.PinAccount(c.Request.Context(), id, b.Layer, b.UserID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, a)
	return nil
}

// unpinAccount answers DELETE /accounts/{id}/pins?layer=: the account goes
// back to the territory that holds it.
func (s *Server) unpinAccount(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.seeAccountID(c, id, true); err != nil {
		return err
	}
	a, err := s.svc.UnpinAccount(c.Request.Context(), id, c.Query("layer"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, a)
	return nil
}

// MaxImportFeatures bounds one layer import: the French départements are
// about a hundred.
const MaxImportFeatures = 1000

// importLayer answers PUT /territories.geojson?layer=: creates every
// feature of a FeatureCollection as a territory of layer. Every feature is
// validated before the first is written, so that bad input writes nothing;
// an error names the feature by index.
func (s *Server) importLayer(c *gin.Context) error {
	layer, err := accounts.CheckLayer("layer", c.Query("layer"))
	if err != nil {
		return err
	}
	var fc territoryCollection
	if err := decodeJSON(c, &fc); err != nil {
		return err
	}
	switch {
	case fc.Type != "FeatureCollection":
		return &accounts.FieldError{Field: "type", Message: `type must be "FeatureCollection"`}
	case len(fc.Features) == 0 || len(fc.Features) > MaxImportFeatures:
		return &accounts.FieldError{Field: "features", Message: fmt.Sprintf("features must hold between 1 and %d territories", MaxImportFeatures)}
	}
	ts := make([]accounts.Territory, len(fc.Features))
	for i, f := range fc.Features {
		prefix := fmt.Sprintf("features[%d].", i)
		t, err := f.territory(prefix)
		if err != nil {
			return err
		}
		if t.Layer == "" {
			t.Layer = layer
		}
		t.ID = 0
		if err := t.Validate(); err != nil {
			return accounts.Prefixed(prefix, err)
		}
		if t.Layer != layer {
			return &accounts.FieldError{Field: prefix + "properties.layer", Message: prefix + "properties.layer must be the layer imported, " + layer}
		}
		if t.AssigneeID != nil {
			if _, err := s.svc.GetUser(c.Request.Context(), *t.AssigneeID); errors.Is(err, accounts.ErrNotFound) {
				return &accounts.FieldError{Field: prefix + "properties.assignee_id",
					Message: fmt.Sprintf("%sproperties.assignee_id %d does not exist", prefix, *t.AssigneeID)}
			} else if err != nil {
				return err
			}
		}
		ts[i] = t
	}
	saved, err := s.svc.CreateTerritories(c.Request.Context(), ts)
	if err != nil {
		return err
	}
	out := territoryCollection{Type: "FeatureCollection", Features: make([]territoryFeature, 0, len(saved))}
	for _, t := range saved {
		out.Features = append(out.Features, toFeature(t))
	}
	c.Render(http.StatusCreated, geoJSON{out})
	return nil
}
