package web

import (
	"net/http"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tournee/tournee/accounts"
)

// rules documents the routes of rules.go; the rules themselves are a
// resource, documented by mount.
func (d *apiDoc) rules() {
	inline := func(t reflect.Type, input bool) *openapi3.SchemaRef { return recordSchema(t, input).NewRef() }
	d.add(http.MethodPost, "/api/v1/rules/dry-run", &openapi3.Operation{OperationID: "dryRunRule", Tags: []string{"rules"},
		Summary: "Which accounts a rule would match now, and what it would do",
		Description: "The body is a rule as it would be saved (it is not). The answer lists the first matches in id order " +
			"with the users an alert would reach, the tasks and reassignment it would make (reassign: the new owner; " +
			"clear_owner: a reassignment to the open pool removes the owner) and the score it adds; total counts all. " +
			"A reassign action names to_user_id or a pool: \"open\" (no owner) or \"territory:<layer>\" (the assignee " +
			"of the account's territory in that layer, the owner staying where there is none). " +
			"An expression that does not compile is a 400 naming its line and column."},
		withBody(inline(reflect.TypeFor[accounts.Rule](), true)),
		withJSON(http.StatusOK, "the matches", inline(reflect.TypeFor[dryRunOut](), false)),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge))
	d.add(http.MethodPost, "/api/v1/rules/evaluate", &openapi3.Operation{OperationID: "evaluateRules", Tags: []string{"rules"},
		Summary: "Run every enabled rule on every account now, as the daily run does",
		Description: "Stores each account's rule score (the spatial index and the planner see it at once) and records the " +
			"firings outside their cooldown: alerts, e-mails, tasks, reassignments. Rules also run on the accounts a write " +
			"changes (account, revenue, visit, opportunity, contact)."},
		withJSON(http.StatusOK, "what the run did", inline(reflect.TypeFor[accounts.RuleRun](), false)))
	facts := openapi3.NewObjectSchema().WithProperty("items", openapi3.NewArraySchema().WithItems(
		recordSchema(reflect.TypeFor[accounts.FactDoc](), false))).WithRequired([]string{"items"})
	d.add(http.MethodGet, "/api/v1/rules/facts", &openapi3.Operation{OperationID: "ruleFacts", Tags: []string{"rules"},
		Summary: "The facts and helpers a rule expression may use, with their types"},
		withJSON(http.StatusOK, "every fact and helper", facts.NewRef()))

	alert := inline(reflect.TypeFor[accounts.Alert](), false)
	userID := &openapi3.ParameterRef{Value: openapi3.NewQueryParameter("user_id").
		WithDescription("whose feed: the signed-in user's by default; admins may read another's").WithSchema(openapi3.NewInt64Schema().WithMin(1))}
	d.add(http.MethodGet, "/api/v1/alerts", &openapi3.Operation{OperationID: "listAlerts", Tags: []string{"alerts"},
		Summary: "The signed-in user's alert feed, newest first",
		Parameters: openapi3.Parameters{userID,
			{Value: openapi3.NewQueryParameter("unread").WithDescription("true keeps unread alerts").WithSchema(openapi3.NewBoolSchema())},
			{Value: openapi3.NewQueryParameter("before").WithDescription("id of the last alert seen: the next page").
				WithSchema(openapi3.NewInt64Schema().WithMin(1))},
			d.param(paramLimit)}},
		withJSON(http.StatusOK, "one page of alerts", openapi3.NewObjectSchema().WithProperty("items", arrayOf(alert)).
			WithRequired([]string{"items"}).NewRef()),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodPost, "/api/v1/alerts/{id}/read", &openapi3.Operation{OperationID: "readAlert", Tags: []string{"alerts"},
		Summary: "Mark an alert read", Parameters: openapi3.Parameters{d.param(paramID), userID}},
		withJSON(http.StatusOK, "the alert", alert),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
}
