package web

import (
	"net/http"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tournee/tournee/accounts"
)

// boardDocs documents the routes of pipeline.go and score.go, their
// answers generated from the types the handlers write.
func (d *apiDoc) boardDocs() {
	item := recordSchema(reflect.TypeFor[pipelineItem](), false).NewRef()
	d.add(http.MethodGet, "/api/v1/pipeline", &openapi3.Operation{OperationID: "listPipeline", Tags: []string{"opportunities"},
		Summary: "The opportunities of every account the signed-in user may see, with the account's name, by id",
		Description: "The pipeline board's list: unlike GET /api/v1/opportunities, it needs no account_id for users who do not " +
			"see everything; it keeps the opportunities whose account they may read. Change a stage with PATCH /api/v1/opportunities/{id}.",
		Parameters: openapi3.Parameters{
			{Value: enumParam("status", enums[reflect.TypeFor[accounts.OpportunityStatus]()])},
			{Value: idParam("stage_id", "opportunities at this stage")},
			{Value: idParam("owner_id", "opportunities of this user")},
			d.param(paramCursor), d.param(paramLimit),
		}},
		withJSON(http.StatusOK, "one page; next_cursor is absent on the last", listSchema(item).NewRef()),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodGet, "/api/v1/accounts/{id}/score", &openapi3.Operation{OperationID: "getAccountScore", Tags: []string{"accounts"},
		Summary: "An account's priority score and what makes it",
		Description: "The score the planner and nearby queries use, split as the planner's why: potential (k€ of monthly " +
			"potential), overdue (what an overdue visit adds: up to twice the potential, six months after the third month " +
			"without a visit) and one part per score action of a matching rule (add, or set, which replaces what comes before).",
		Parameters: openapi3.Parameters{d.param(paramID)}},
		withJSON(http.StatusOK, "the score and its parts", recordSchema(reflect.TypeFor[scoreOut](), false).NewRef()),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
}

// acceptLanguage is the header that chooses the language of the sentences
// an answer writes for people (see lang.go).
func acceptLanguage() *openapi3.ParameterRef {
	return &openapi3.ParameterRef{Value: openapi3.NewHeaderParameter("Accept-Language").
		WithDescription("fr or en (with q weights as browsers send them): the language of the sentences written for the rep; " +
			"French when neither is named. Content-Language says which was used.").
		WithSchema(openapi3.NewStringSchema())}
}
