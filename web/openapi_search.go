package web

import (
	"net/http"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tournee/tournee/accounts"
)

// search documents the report search of search.go, its items generated
// from the type the handler writes.
func (d *apiDoc) search() {
	c := d.doc.Components
	c.Schemas["ReportHit"] = recordSchema(reflect.TypeFor[reportItem](), false).NewRef()
	list := openapi3.NewObjectSchema().WithProperty("items", arrayOf(d.ref("ReportHit"))).
		WithRequired([]string{"items"}).WithoutAdditionalProperties()
	query := func(name, desc string, schema *openapi3.Schema) *openapi3.ParameterRef {
		return &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(schema)}
	}
	text := query("q", "the words to find: every word is required, \"a quoted phrase\" keeps its words in order, "+
		"prefix* finds the words that start with prefix (two letters or more); case and accents are ignored, words are "+
		"compared by stem (French), common words such as le, de or pas are ignored outside phrases; anything else is text",
		openapi3.NewStringSchema().WithMinLength(1).WithMaxLength(accounts.MaxSearchRunes))
	text.Value.Required = true
	d.add(http.MethodGet, "/api/v1/accounts/search", &openapi3.Operation{OperationID: "searchReports", Tags: []string{"accounts"},
		Summary: "Accounts whose visit reports, contact notes or names mention something, best match first",
		Description: "Full-text search of activities (subject and report), contact notes and account names, one item per account with its " +
			"best matching record (activity_id or contact_id; neither when its name matches best), how many of its records match, a rank (higher is better, " +
			"meaningful within one answer only) and a snippet: HTML, the text escaped, the matching words in <mark>. " +
			"With lat and lng each item carries distance_m; with radius_m too, only the accounts within that circle " +
			"(and matching kind and owner_id) are searched, so that \"every account within 30 km whose reports mention " +
			"the competitor X\" is one request. Ordered by rank, then id.",
		Parameters: openapi3.Parameters{
			text,
			query("lat", "latitude of the point, WGS84 degrees; with lng", openapi3.NewFloat64Schema().WithMin(-90).WithMax(90)),
			query("lng", "longitude of the point, WGS84 degrees; with lat", openapi3.NewFloat64Schema().WithMin(-180).WithMax(180)),
			query("radius_m", "search only the accounts within this many metres of the point", openapi3.NewFloat64Schema().WithMin(1).WithMax(maxRadiusM)),
			query("limit", "how many accounts at most", openapi3.NewIntegerSchema().WithMin(1).WithMax(accounts.MaxReportHits).
				WithDefault(accounts.DefaultReportHits)),
			query("kind", "comma-separated kinds", openapi3.NewStringSchema()),
			query("owner_id", "owner", openapi3.NewInt64Schema().WithMin(1)),
		}},
		withJSON(http.StatusOK, "the accounts found, best match first", list.NewRef()),
		withErrors(http.StatusBadRequest))
}
