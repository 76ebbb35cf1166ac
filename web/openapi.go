package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// apiDoc is the OpenAPI 3 document of the API. newAPIDoc describes the routes
// that server.go registers one by one; mount adds each CRUD resource as it
// registers its routes, so that a resource's paths and schemas come from the
// same registration and the same Go type as its handlers.
type apiDoc struct {
	doc *openapi3.T
	// json is the marshalled document, made once on first request: by then
	// every route, and so every resource, has been registered.
	json func() ([]byte, error)
}

func newAPIDoc() *apiDoc {
	d := &apiDoc{doc: &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "Tournée API",
			Version: "1",
			Description: "Field-sales CRM and route planner. Records carry flat lat/lng (WGS84 degrees); " +
				"money is in euro cents, distances in metres, durations in seconds. " +
				"Updates and deletes take the record's ETag in If-Match; lists page with cursor and limit.",
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:    openapi3.Schemas{},
			Parameters: openapi3.ParametersMap{},
			Responses:  openapi3.ResponseBodies{},
		},
	}}
	d.json = sync.OnceValues(func() ([]byte, error) { return json.Marshal(d.doc) })
	d.components()
	d.static()
	return d
}

// openapi serves the document, marshalled once.
func (s *Server) openapi(c *gin.Context) error {
	b, err := s.api.json()
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	return nil
}

// Names of the shared parameters, in components.parameters.
const (
	paramID             = "id"
	paramIfMatch        = "If-Match"
	paramIfNoneMatch    = "If-None-Match"
	paramIdempotencyKey = "Idempotency-Key"
	paramCursor         = "cursor"
	paramLimit          = "limit"
)

// errorResponses are the shared error responses, in components.responses,
// by status: all have the Error body.
var errorResponses = map[int]struct{ name, desc string }{
	http.StatusBadRequest:            {"BadRequest", "invalid input; error.field names the offending field when there is one"},
	http.StatusUnauthorized:          {"Unauthenticated", "no credentials, or credentials unknown, expired or revoked"},
	http.StatusForbidden:             {"Forbidden", "the signed-in user's role may not do this"},
	http.StatusTooManyRequests:       {"TooManyAttempts", "too many failed sign-ins; try again later"},
	http.StatusNotFound:              {"NotFound", "no such record"},
	http.StatusConflict:              {"Conflict", "conflicts with stored data (a duplicate, a record still referred to) or with a request in flight under the same Idempotency-Key"},
	http.StatusPreconditionFailed:    {"PreconditionFailed", "If-Match does not hold the record's current version: read it again"},
	http.StatusRequestEntityTooLarge: {"TooLarge", "request body over the server's limit"},
	http.StatusUnprocessableEntity:   {"Unprocessable", "Idempotency-Key already used for another request (idempotency_key_reused), a plan whose fixed appointments cannot be kept (infeasible), places the road network cannot join (no_route) or a request over too many records (too_many)"},
	http.StatusInternalServerError:   {"Internal", "internal error; details are logged, not returned"},
	http.StatusServiceUnavailable:    {"Unavailable", "the store does not answer"},
	http.StatusBadGateway:            {"TravelUnavailable", "the travel-time provider failed or answered something that cannot be trusted"},
	http.StatusGatewayTimeout:        {"TravelTimeout", "the travel-time provider did not answer in time"},
}

// components adds the schemas and parameters shared by several routes.
func (d *apiDoc) components() {
	c := d.doc.Components
	for _, t := range []reflect.Type{reflect.TypeFor[accounts.Stage](), reflect.TypeFor[accounts.Revenue](), reflect.TypeFor[accounts.Change]()} {
		c.Schemas[t.Name()] = recordSchema(t, false).NewRef()
	}
	c.Schemas["StageInput"] = recordSchema(reflect.TypeFor[accounts.Stage](), true).NewRef()
	c.Schemas["StageList"] = listSchema(d.ref("Stage")).NewRef()
	c.Schemas["RevenueList"] = listSchema(d.ref("Revenue")).NewRef()
	c.Schemas["ChangeFeed"] = openapi3.NewObjectSchema().
		WithProperty("items", arrayOf(d.ref("Change"))).
		WithProperty("last_seq", describe(openapi3.NewInt64Schema(), "seq of the last item, or the after parameter when there is none: pass it as after to read on")).
		WithRequired([]string{"items", "last_seq"}).WithoutAdditionalProperties().NewRef()
	c.Schemas["Error"] = recordSchema(reflect.TypeFor[errorBody](), false).NewRef()

	c.Parameters[paramID] = &openapi3.ParameterRef{Value: openapi3.NewPathParameter("id").
		WithSchema(openapi3.NewInt64Schema().WithMin(1))}
	c.Parameters[paramIfMatch] = &openapi3.ParameterRef{Value: openapi3.NewHeaderParameter(paramIfMatch).
		WithDescription(`ETag of the version the client last read, such as "3"; a newer stored version gives 412. Without it the write applies to the current version.`).
		WithSchema(openapi3.NewStringSchema())}
	c.Parameters[paramIfNoneMatch] = &openapi3.ParameterRef{Value: openapi3.NewHeaderParameter(paramIfNoneMatch).
		WithDescription("ETag the client holds: 304 if it is still current").
		WithSchema(openapi3.NewStringSchema())}
	c.Parameters[paramIdempotencyKey] = &openapi3.ParameterRef{Value: openapi3.NewHeaderParameter(paramIdempotencyKey).
		WithDescription("makes a retried POST run once: the same key and body replay the first answer (header Idempotent-Replayed: true)").
		WithSchema(openapi3.NewStringSchema().WithMaxLength(200))}
	c.Parameters[paramCursor] = &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(paramCursor).
		WithDescription("next_cursor of the previous page").
		WithSchema(openapi3.NewStringSchema())}
	c.Parameters[paramLimit] = &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(paramLimit).
		WithDescription("page size").
		WithSchema(openapi3.NewIntegerSchema().WithMin(1).WithMax(maxPageSize).WithDefault(defaultPageSize))}

	for _, e := range errorResponses {
		c.Responses[e.name] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(e.desc).
			WithJSONSchemaRef(d.ref("Error"))}
	}
}

// static documents the routes that server.go registers one by one.
func (d *apiDoc) static() {
	status := func(value string) *openapi3.Schema {
		return openapi3.NewObjectSchema().WithProperty("status", openapi3.NewStringSchema().WithEnum(value)).
			WithRequired([]string{"status"})
	}
	d.add(http.MethodGet, "/", &openapi3.Operation{OperationID: "index", Tags: []string{"page"},
		Summary:     "The map page",
		Description: "Trip planner and accounts map, under a Content-Security-Policy that allows this server only (and the tile server when configured). It uses the public API and the files under /static/."},
		withResponse(http.StatusOK, openapi3.NewResponse().WithDescription("HTML page").
			WithContent(openapi3.Content{"text/html": openapi3.NewMediaType()})))
	// Each embedded file is its own route (see serveAssets), so the document
	// lists the same files from the same embedded folder.
	files, err := assets()
	if err != nil {
		panic(err)
	}
	for _, a := range files {
		ctype, _, _ := strings.Cut(a.ctype, ";")
		d.add(http.MethodGet, assetPrefix+a.name, &openapi3.Operation{OperationID: "static:" + a.name, Tags: []string{"page"},
			Summary: "File of the map page", Description: "Cache-Control: no-cache with an ETag: revalidated on each load, 304 while unchanged."},
			withResponse(http.StatusOK, openapi3.NewResponse().WithDescription(a.name).
				WithContent(openapi3.Content{ctype: openapi3.NewMediaType()})))
	}
	d.add(http.MethodGet, "/api/v1/config", &openapi3.Operation{OperationID: "getConfig", Tags: []string{"operations"},
		Summary: "What a client needs to draw the organisation's map"},
		withJSON(http.StatusOK, "map settings", openapi3.NewObjectSchema().
			WithProperty("tiles_url", describe(openapi3.NewStringSchema(),
				"XYZ tile URL template with {z}, {x}, {y} (and {s}); empty when no tile server is configured: draw on a plain background")).
			WithProperty("tiles_attribution", describe(openapi3.NewStringSchema(), "credit to show with the tiles")).
			WithProperty("time_zone", describe(openapi3.NewStringSchema(), "the organisation's time zone, such as Europe/Paris: plan times are in it")).
			WithRequired([]string{"tiles_url", "tiles_attribution", "time_zone"}).WithoutAdditionalProperties().NewRef()))
	d.add(http.MethodGet, "/healthz", &openapi3.Operation{OperationID: "healthz", Tags: []string{"operations"},
		Summary: "Liveness: the process serves requests"},
		withJSON(http.StatusOK, "alive", status("ok").NewRef()))
	d.add(http.MethodGet, "/readyz", &openapi3.Operation{OperationID: "readyz", Tags: []string{"operations"},
		Summary: "Readiness: the store answers"},
		withJSON(http.StatusOK, "ready", status("ready").NewRef()), withErrors(http.StatusServiceUnavailable))
	d.add(http.MethodGet, "/metrics", &openapi3.Operation{OperationID: "metrics", Tags: []string{"operations"},
		Summary: "Prometheus metrics"},
		withResponse(http.StatusOK, openapi3.NewResponse().WithDescription("Prometheus text exposition format").
			WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/plain"}))))
	d.add(http.MethodGet, "/api/v1/openapi.json", &openapi3.Operation{OperationID: "openapi", Tags: []string{"operations"},
		Summary: "This document"},
		withJSON(http.StatusOK, "the OpenAPI 3 document", openapi3.NewObjectSchema().NewRef()))

	d.add(http.MethodGet, "/api/v1/changes", &openapi3.Operation{OperationID: "listChanges", Tags: []string{"sync"},
		Summary:     "Change feed",
		Description: "Every write in commit order, for offline clients and other replicas: keep last_seq and ask for what came after it.",
		Parameters: openapi3.Parameters{
			{Value: openapi3.NewQueryParameter("after").WithDescription("sequence number already seen; 0 reads from the start").
				WithSchema(openapi3.NewInt64Schema().WithMin(0).WithDefault(0))},
			{Value: openapi3.NewQueryParameter("limit").WithDescription("maximum number of changes").
				WithSchema(openapi3.NewIntegerSchema().WithMin(1).WithMax(maxChangesPage).WithDefault(100))},
		}},
		withJSON(http.StatusOK, "changes after the given sequence number", d.ref("ChangeFeed")), withErrors(http.StatusBadRequest))

	d.add(http.MethodGet, "/api/v1/stages", &openapi3.Operation{OperationID: "listStages", Tags: []string{"stages"},
		Summary: "The sales pipeline, by position then id"},
		withJSON(http.StatusOK, "every stage, on one page", d.ref("StageList")))
	d.add(http.MethodPost, "/api/v1/stages", &openapi3.Operation{OperationID: "createStage", Tags: []string{"stages"},
		Summary: "Add a stage", Parameters: openapi3.Parameters{d.param(paramIdempotencyKey)}},
		withBody(d.ref("StageInput")),
		withResponse(http.StatusCreated, jsonResponse("the created stage", d.ref("Stage"), "Location")),
		withErrors(http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity))
	d.add(http.MethodPatch, "/api/v1/stages/{id}", &openapi3.Operation{OperationID: "updateStage", Tags: []string{"stages"},
		Summary: "Change a stage; fields left out keep their value", Parameters: openapi3.Parameters{d.param(paramID)}},
		withBody(d.ref("StageInput")),
		withJSON(http.StatusOK, "the updated stage", d.ref("Stage")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge))
	d.add(http.MethodDelete, "/api/v1/stages/{id}", &openapi3.Operation{OperationID: "deleteStage", Tags: []string{"stages"},
		Summary: "Remove a stage no opportunity uses", Parameters: openapi3.Parameters{d.param(paramID)}},
		withResponse(http.StatusNoContent, openapi3.NewResponse().WithDescription("deleted")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusConflict))

	d.places()
	d.search()
	d.auth()
	d.audit()
	d.plans()
	d.rules()

	d.add(http.MethodGet, "/api/v1/accounts/{id}/revenue", &openapi3.Operation{OperationID: "listRevenue", Tags: []string{"revenue"},
		Summary: "An account's monthly revenue, oldest first", Parameters: openapi3.Parameters{d.param(paramID)}},
		withJSON(http.StatusOK, "every month on record, on one page", d.ref("RevenueList")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	batch := openapi3.NewObjectSchema().
		WithProperty("items", arrayOf(d.ref("Revenue")).WithMinItems(1)).
		WithRequired([]string{"items"}).WithoutAdditionalProperties()
	d.add(http.MethodPut, "/api/v1/revenue", &openapi3.Operation{OperationID: "putRevenue", Tags: []string{"revenue"},
		Summary: "Store monthly amounts, all or none; an (account, month) already stored is replaced"},
		withBody(batch.NewRef()),
		withJSON(http.StatusOK, "the number of entries stored", openapi3.NewObjectSchema().
			WithProperty("stored", openapi3.NewIntegerSchema().WithMin(1)).
			WithRequired([]string{"stored"}).WithoutAdditionalProperties().NewRef()),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge))
}

// places documents the spatial queries of places.go.
func (d *apiDoc) places() {
	number := func(desc string) *openapi3.SchemaRef { return describe(openapi3.NewFloat64Schema(), desc).NewRef() }
	place := openapi3.NewObjectSchema().
		WithProperty("id", openapi3.NewInt64Schema()).
		WithProperty("distance_m", number("metres to the query point, or to the route").Value).
		WithProperty("along_m", number("route searches: metres from the route's start to the point closest to the account").Value).
		WithProperty("score", number("priority score").Value).
		WithAnyAdditionalProperties()
	place.Description = "an account (every field, or only those named in fields) with its measures"
	list := openapi3.NewObjectSchema().WithProperty("items", arrayOf(place.NewRef())).
		WithRequired([]string{"items"}).WithoutAdditionalProperties()
	query := func(name, desc string, schema *openapi3.Schema) *openapi3.ParameterRef {
		return &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(schema)}
	}
	required := func(p *openapi3.ParameterRef) *openapi3.ParameterRef { p.Value.Required = true; return p }
	csv := openapi3.NewStringSchema()
	d.add(http.MethodGet, "/api/v1/accounts/nearby", &openapi3.Operation{OperationID: "nearbyAccounts", Tags: []string{"accounts"},
		Summary:     "Accounts near a point, nearest first",
		Description: "Without radius_m, the limit nearest accounts; with it, every account within radius_m (up to limit). Answered from memory; with fields naming only id, kind, lat, lng, distance_m, score, potential_cents, segment, tags and owner_id, the store is not read at all.",
		Parameters: openapi3.Parameters{
			required(query("lat", "latitude, WGS84 degrees", openapi3.NewFloat64Schema().WithMin(-90).WithMax(90))),
			required(query("lng", "longitude, WGS84 degrees", openapi3.NewFloat64Schema().WithMin(-180).WithMax(180))),
			query("radius_m", "radius in metres", openapi3.NewFloat64Schema().WithMin(1).WithMax(maxRadiusM)),
			query("limit", "how many accounts at most", openapi3.NewIntegerSchema().WithMin(1).WithMax(maxWithin)),
			query("kind", "comma-separated kinds", csv),
			query("owner_id", "owner", openapi3.NewInt64Schema().WithMin(1)),
			query("min_score", "minimum priority score", openapi3.NewFloat64Schema().WithMin(0)),
			query("min_potential_cents", "minimum monthly potential", openapi3.NewInt64Schema().WithMin(0)),
			query("segment", "comma-separated segments, any of them", csv),
			query("tag", "comma-separated tags, all of them", csv),
			query("not_visited_since", "keep accounts not visited since this date (YYYY-MM-DD)", openapi3.NewStringSchema().WithFormat("date")),
			query("fields", "comma-separated fields to return", csv),
		}},
		withJSON(http.StatusOK, "the accounts found, nearest first", list.NewRef()),
		withErrors(http.StatusBadRequest))

	body := withCriteria(openapi3.NewObjectSchema()).
		WithProperty("limit", openapi3.NewIntegerSchema().WithMin(1).WithMax(maxWithin).WithDefault(defaultWithin)).
		WithProperty("fields", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())).
		WithoutAdditionalProperties()
	body.Description = "exactly one of box, polygon or route, or q alone (the whole map)"
	found := openapi3.NewObjectSchema().WithProperty("items", arrayOf(textPlace(place).NewRef())).
		WithRequired([]string{"items"}).WithoutAdditionalProperties()
	d.add(http.MethodPost, "/api/v1/accounts/search", &openapi3.Operation{OperationID: "searchAccounts", Tags: []string{"accounts"},
		Summary: "Accounts in a box or polygon (by id), or along a route (by position along it); with q, those whose reports, notes or name mention it, best match first",
		Description: "With q the text search (syntax of GET /accounts/search) runs on the accounts of the place that match the filter, " +
			"at most 20000 of them (422 too_many beyond: draw a smaller place or filter), and the items come best match first " +
			"(rank, ties by id), each with rank, matches, snippet and activity_id or contact_id (neither when the account's name " +
			"matched best), beside the place's measures (distance_m, along_m): \"every account whose reports mention the " +
			"competitor X, inside this polygon\" is one request. q alone searches the whole map."},
		withBody(body.NewRef()),
		withJSON(http.StatusOK, "the accounts found", found.NewRef()),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity))
}

// resource documents the CRUD routes that mount registers under
// group/path for the record type that sample points to, with its schemas
// T, TInput and TList.
func (d *apiDoc) resource(group, path string, sample any) {
	t := reflect.TypeOf(sample).Elem()
	name := t.Name()
	c := d.doc.Components
	c.Schemas[name] = recordSchema(t, false).NewRef()
	c.Schemas[name+"Input"] = recordSchema(t, true).NewRef()
	c.Schemas[name+"List"] = listSchema(d.ref(name)).NewRef()
	record, input := d.ref(name), d.ref(name+"Input")
	tags := []string{path}
	base := group + "/" + path
	noun, article := strings.ToLower(name), "a "
	if strings.ContainsRune("aeio", rune(noun[0])) { // not u: "a user"
		article = "an "
	}

	d.add(http.MethodPost, base, &openapi3.Operation{OperationID: "create" + name, Tags: tags,
		Summary:     "Create " + article + noun,
		Description: "Fields left out take their default or zero value; the server sets id, version and times.",
		Parameters:  openapi3.Parameters{d.param(paramIdempotencyKey)}},
		withBody(input),
		withResponse(http.StatusCreated, jsonResponse("the created "+noun, record, "ETag", "Location")),
		withErrors(http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity))
	list := &openapi3.Operation{OperationID: "list" + exported(path), Tags: tags,
		Summary: "List " + path + " by id, one page at a time"}
	for _, p := range listFilters[path] {
		list.Parameters = append(list.Parameters, &openapi3.ParameterRef{Value: p})
	}
	list.Parameters = append(list.Parameters, d.param(paramCursor), d.param(paramLimit))
	d.add(http.MethodGet, base, list,
		withJSON(http.StatusOK, "one page; next_cursor is absent on the last", d.ref(name+"List")),
		withErrors(http.StatusBadRequest))

	item := base + "/{id}"
	d.add(http.MethodGet, item, &openapi3.Operation{OperationID: "get" + name, Tags: tags,
		Summary: "Read " + article + noun, Parameters: openapi3.Parameters{d.param(paramID), d.param(paramIfNoneMatch)}},
		withResponse(http.StatusOK, jsonResponse("the "+noun, record, "ETag")),
		withResponse(http.StatusNotModified, openapi3.NewResponse().WithDescription("the client's copy is current")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	d.add(http.MethodPatch, item, &openapi3.Operation{OperationID: "update" + name, Tags: tags,
		Summary:    "Change " + article + noun + "; fields left out keep their value",
		Parameters: openapi3.Parameters{d.param(paramID), d.param(paramIfMatch)}},
		withBody(input),
		withResponse(http.StatusOK, jsonResponse("the updated "+noun, record, "ETag")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge))
	d.add(http.MethodDelete, item, &openapi3.Operation{OperationID: "delete" + name, Tags: tags,
		Summary: "Delete " + article + noun, Parameters: openapi3.Parameters{d.param(paramID), d.param(paramIfMatch)}},
		withResponse(http.StatusNoContent, openapi3.NewResponse().WithDescription("deleted")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed))
}

// listFilters are the query parameters of each resource list as query.go
// reads them, besides cursor and limit. TestOpenAPIListFilters checks them
// against the filter functions.
var listFilters = map[string][]*openapi3.Parameter{
	"rules": {
		boolParam("enabled", "true: the enabled rules; false: the disabled ones"),
	},
	"users": {
		enumParam("role", enums[reflect.TypeFor[accounts.Role]()]),
		idParam("manager_id", "users reporting to this manager"),
	},
	"accounts": {
		enumParam("kind", enums[reflect.TypeFor[accounts.Kind]()]),
		idParam("owner_id", "accounts of this user"),
		stringParam("tag", "accounts carrying this tag"),
		stringParam("segment", "accounts of this segment"),
		stringParam("q", "case-insensitive prefix of the name"),
		updatedSince(),
	},
	"contacts": {
		idParam("account_id", "contacts of this account"),
		updatedSince(),
	},
	"opportunities": {
		idParam("account_id", "opportunities of this account"),
		idParam("owner_id", "opportunities of this user"),
		idParam("stage_id", "opportunities at this stage"),
		enumParam("status", enums[reflect.TypeFor[accounts.OpportunityStatus]()]),
		updatedSince(),
	},
	"activities": {
		idParam("account_id", "activities at this account"),
		idParam("owner_id", "activities of this user"),
		enumParam("type", enums[reflect.TypeFor[accounts.ActivityType]()]),
		updatedSince(),
	},
	"tasks": {
		idParam("account_id", "tasks about this account"),
		idParam("assignee_id", "tasks assigned to this user"),
		idParam("created_by", "tasks this user created (delegated): a rep may list their own even when others do them"),
		enumParam("status", enums[reflect.TypeFor[accounts.TaskStatus]()]),
		updatedSince(),
		boolParam("overdue", "true: the open tasks due before today in the organisation's time zone; "+
			"with status, status must be open"),
	},
	"territories": {
		stringParam("layer", "territories of this layer"),
		idParam("assignee_id", "territories assigned to this user"),
	},
}

func idParam(name, desc string) *openapi3.Parameter {
	return openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(openapi3.NewInt64Schema().WithMin(1))
}

func boolParam(name, desc string) *openapi3.Parameter {
	return openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(openapi3.NewBoolSchema())
}

func stringParam(name, desc string) *openapi3.Parameter {
	return openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(openapi3.NewStringSchema())
}

func enumParam(name string, values []any) *openapi3.Parameter {
	return openapi3.NewQueryParameter(name).WithSchema(openapi3.NewStringSchema().WithEnum(values...))
}

func updatedSince() *openapi3.Parameter {
	return openapi3.NewQueryParameter("updated_since").
		WithDescription("records updated at or after this time (RFC 3339)").
		WithSchema(openapi3.NewDateTimeSchema())
}

// listSchema is the shape of every list response.
func listSchema(item *openapi3.SchemaRef) *openapi3.Schema {
	return openapi3.NewObjectSchema().
		WithProperty("items", arrayOf(item)).
		WithProperty("next_cursor", describe(openapi3.NewStringSchema(), "cursor of the next page; absent on the last")).
		WithRequired([]string{"items"}).WithoutAdditionalProperties()
}

// arrayOf is an array of a component schema (Schema.WithItems would inline it).
func arrayOf(item *openapi3.SchemaRef) *openapi3.Schema {
	s := openapi3.NewArraySchema()
	s.Items = item
	return s
}

// opOption adds a request body or responses to an operation.
type opOption func(d *apiDoc, o *openapi3.Operation)

// add documents o at method and path (written with {id}, not Gin's :id).
func (d *apiDoc) add(method, path string, o *openapi3.Operation, opts ...opOption) {
	o.Responses = openapi3.NewResponses()
	if lvl, ok := accessOf(method, strings.ReplaceAll(path, "{id}", ":id")); ok && lvl == public {
		o.Security = &openapi3.SecurityRequirements{} // no credentials needed
	}
	for _, opt := range opts {
		opt(d, o)
	}
	if strings.HasPrefix(path, "/api/") {
		withErrors(http.StatusInternalServerError)(d, o)
		if o.Security == nil { // routes that take credentials
			withErrors(http.StatusUnauthorized, http.StatusForbidden)(d, o)
		}
	}
	d.doc.AddOperation(path, method, o)
}

func withBody(schema *openapi3.SchemaRef) opOption {
	return func(_ *apiDoc, o *openapi3.Operation) {
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(schema)}
	}
}

func withResponse(status int, r *openapi3.Response) opOption {
	return func(_ *apiDoc, o *openapi3.Operation) {
		o.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Value: r})
	}
}

func withJSON(status int, desc string, schema *openapi3.SchemaRef) opOption {
	return withResponse(status, jsonResponse(desc, schema))
}

func withErrors(statuses ...int) opOption {
	return func(d *apiDoc, o *openapi3.Operation) {
		for _, status := range statuses {
			name := errorResponses[status].name
			o.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{
				Ref: "#/components/responses/" + name, Value: d.doc.Components.Responses[name].Value})
		}
	}
}

// jsonResponse is a JSON response with the named headers (ETag, Location).
func jsonResponse(desc string, schema *openapi3.SchemaRef, headers ...string) *openapi3.Response {
	r := openapi3.NewResponse().WithDescription(desc).WithJSONSchemaRef(schema)
	if len(headers) > 0 {
		r.Headers = openapi3.Headers{}
	}
	for _, h := range headers {
		desc := map[string]string{
			"ETag":     `the record's version, such as "3": send it back in If-Match`,
			"Location": "path of the created record",
		}[h]
		r.Headers[h] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: desc, Schema: openapi3.NewStringSchema().NewRef()}}}
	}
	return r
}

// ref refers to a component schema, which must already be defined.
func (d *apiDoc) ref(name string) *openapi3.SchemaRef {
	s := d.doc.Components.Schemas[name]
	if s == nil {
		panic(fmt.Sprintf("openapi: schema %s is not defined", name))
	}
	return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: s.Value}
}

// param refers to a component parameter.
func (d *apiDoc) param(name string) *openapi3.ParameterRef {
	return &openapi3.ParameterRef{Ref: "#/components/parameters/" + name, Value: d.doc.Components.Parameters[name].Value}
}

func describe(s *openapi3.Schema, desc string) *openapi3.Schema {
	s.Description = desc
	return s
}

// exported capitalises the first letter: "users" → "Users".
func exported(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
