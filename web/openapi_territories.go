package web

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// territoryDocs documents the routes of territories.go.
func (d *apiDoc) territoryDocs() {
	obj := func(desc string) *openapi3.SchemaRef {
		return describe(openapi3.NewObjectSchema(), desc).NewRef()
	}
	layer := func(required bool) *openapi3.ParameterRef {
		p := stringParam("layer", "territory layer (activity), case-insensitive")
		p.Required = required
		return &openapi3.ParameterRef{Value: p}
	}
	float := func(name, desc string) *openapi3.ParameterRef {
		p := openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(openapi3.NewFloat64Schema()).WithRequired(true)
		return &openapi3.ParameterRef{Value: p}
	}
	collection := obj("GeoJSON FeatureCollection of territories: geometry is the area ([lng, lat] positions), properties carry id, version, layer, name, priority and assignee_id")
	feature := obj("GeoJSON Feature of one territory: properties carry layer, name, priority and assignee_id; id names an existing territory to preview an edit of it")
	assignment := obj("an account's assignment in one layer: account_id, layer, user_id, territory_id, pinned")

	d.add(http.MethodGet, "/api/v1/territories.geojson", &openapi3.Operation{OperationID: "exportTerritories", Tags: []string{"territories"},
		Summary:    "Territories of a layer (of all without one) as a GeoJSON FeatureCollection; the import format",
		Parameters: openapi3.Parameters{layer(false)}},
		withResponse(http.StatusOK, openapi3.NewResponse().WithDescription("FeatureCollection").
			WithContent(openapi3.NewContentWithSchemaRef(collection, []string{geoJSONType}))),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodPut, "/api/v1/territories.geojson", &openapi3.Operation{OperationID: "importTerritories", Tags: []string{"territories"},
		Summary: "Import a layer: create each feature of a FeatureCollection as a territory of the layer. " +
			"Every feature is validated first (errors name features[i]); territories are then created one by one",
		Parameters: openapi3.Parameters{layer(true)}},
		withBody(collection),
		withResponse(http.StatusCreated, openapi3.NewResponse().WithDescription("the created territories").
			WithContent(openapi3.NewContentWithSchemaRef(collection, []string{geoJSONType}))),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge))
	d.add(http.MethodGet, "/api/v1/territories/at", &openapi3.Operation{OperationID: "territoriesAt", Tags: []string{"territories"},
		Summary:    "The territory and its assignee in each layer at a point (borders belong to every territory they bound; priority, then smaller area, then lower id win)",
		Parameters: openapi3.Parameters{float("lat", "latitude, WGS84 degrees"), float("lng", "longitude, WGS84 degrees")}},
		withJSON(http.StatusOK, "one item per layer with a territory at the point: layer, territory_id, name, assignee_id", obj("items")),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodGet, "/api/v1/territories/stats", &openapi3.Operation{OperationID: "territoryStats", Tags: []string{"territories"},
		Summary:    "Balance of a layer: per territory accounts by kind, potential, revenue of the last 12 months and estimated monthly visit workload; unassigned accounts",
		Parameters: openapi3.Parameters{layer(true)}},
		withJSON(http.StatusOK, "layer figures; territory_id 0 gathers the accounts no territory holds", obj("layer, territories, unassigned")),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodPost, "/api/v1/territories/preview", &openapi3.Operation{OperationID: "previewTerritory", Tags: []string{"territories"},
		Summary: "What saving this territory would change, without writing: accounts gained, lost and held, the accounts changing assignee, and the overlapped territories"},
		withBody(feature),
		withJSON(http.StatusOK, "the changes", obj("gained, lost, accounts, moves (account_id, layer, from, to, territory_id), overlaps")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	d.add(http.MethodGet, "/api/v1/territories/{id}/deletion", &openapi3.Operation{OperationID: "previewTerritoryDeletion", Tags: []string{"territories"},
		Summary:    "What deleting this territory would change, without writing: the accounts it loses and who gets each (the territory that covers it next, or no one)",
		Parameters: openapi3.Parameters{d.param(paramID)}},
		withJSON(http.StatusOK, "the changes", obj("gained (0), lost, accounts (0), moves (account_id, layer, from, to, territory_id), overlaps (empty)")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	d.add(http.MethodPut, "/api/v1/accounts/{id}/pins", &openapi3.Operation{OperationID: "pinAccount", Tags: []string{"territories"},
		Summary:    "Pin an account to a user in a layer: the pin survives territory edits until removed",
		Parameters: openapi3.Parameters{d.param(paramID)}},
		withBody(obj("layer and user_id")),
		withJSON(http.StatusOK, "the account's assignment in the layer", assignment),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	d.add(http.MethodDelete, "/api/v1/accounts/{id}/pins", &openapi3.Operation{OperationID: "unpinAccount", Tags: []string{"territories"},
		Summary:    "Remove an account's pin in a layer: it goes back to the territory that holds it",
		Parameters: openapi3.Parameters{d.param(paramID), layer(true)}},
		withJSON(http.StatusOK, "the account's assignment in the layer", assignment),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
}
