package web

import (
	"net/http"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// webhookDocs documents the routes of webhooks.go and mailings.go.
func (d *apiDoc) webhookDocs() {
	c := d.doc.Components
	entities := enumOf(accounts.WebhookEntities...)
	ops := enums[reflect.TypeFor[accounts.Op]()]
	hook := recordSchema(reflect.TypeFor[accounts.Webhook](), false)
	hook.Properties["entities"].Value.Items.Value.WithEnum(entities...)
	hook.Properties["last_seq"].Value.ReadOnly = true
	hook.Properties["last_seq"].Value.Description = "seq of the last change of the feed (GET /changes) given to this subscription"
	c.Schemas["Webhook"] = hook.NewRef()
	created := recordSchema(reflect.TypeFor[webhookSecret](), false)
	created.Properties["entities"].Value.Items.Value.WithEnum(entities...)
	created.Properties["secret"].Value.Description = "signs every delivery: keep it, it is not shown again"
	c.Schemas["WebhookWithSecret"] = created.NewRef()
	c.Schemas["WebhookInput"] = openapi3.NewObjectSchema().
		WithProperty("url", describe(openapi3.NewStringSchema().WithMaxLength(2000), "http or https URL that receives the POSTs; no user or password in it")).
		WithProperty("entities", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema().WithEnum(entities...)).WithMinItems(1)).
		WithProperty("ops", describe(openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema().WithEnum(ops...)), "operations followed; empty or left out: all")).
		WithProperty("enabled", describe(openapi3.NewBoolSchema(), "true by default; enabling a subscription again starts it at the end of the feed")).
		WithoutAdditionalProperties().NewRef()
	c.Schemas["WebhookList"] = listSchema(d.ref("Webhook")).NewRef()
	tags := []string{"webhooks"}

	d.add(http.MethodPost, "/api/v1/webhooks", &openapi3.Operation{OperationID: "createWebhook", Tags: tags,
		Summary: "Subscribe a URL to record changes (account, activity, opportunity)",
		Description: "Each change of a followed entity and operation, from now on, is POSTed to url as JSON: key, seq, entity, op, id, at, by " +
			"and record (the record as it is when the event is enqueued, null once deleted), in feed order. Headers: X-Tournee-Delivery " +
			"(the key, the same on every attempt: drop repeats), X-Tournee-Timestamp (Unix seconds) and X-Tournee-Signature " +
			"(sha256= and the hex HMAC-SHA256, keyed by the secret, of the timestamp, a dot and the raw body). A 2xx reply is success; " +
			"408, 429 and 5xx are retried with backoff; other replies give up. The secret is in this answer only."},
		withBody(d.ref("WebhookInput")),
		withResponse(http.StatusCreated, jsonResponse("the subscription and its secret", d.ref("WebhookWithSecret"), "ETag", "Location")),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge))
	d.add(http.MethodGet, "/api/v1/webhooks", &openapi3.Operation{OperationID: "listWebhooks", Tags: tags,
		Summary: "List subscriptions by id, one page at a time",
		Parameters: openapi3.Parameters{{Value: boolParam("enabled", "true: the enabled subscriptions; false: the disabled ones")},
			d.param(paramCursor), d.param(paramLimit)}},
		withJSON(http.StatusOK, "one page; next_cursor is absent on the last", d.ref("WebhookList")),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodGet, "/api/v1/webhooks/{id}", &openapi3.Operation{OperationID: "getWebhook", Tags: tags,
		Summary: "Read a subscription (never its secret)", Parameters: openapi3.Parameters{d.param(paramID)}},
		withResponse(http.StatusOK, jsonResponse("the subscription", d.ref("Webhook"), "ETag")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	d.add(http.MethodPatch, "/api/v1/webhooks/{id}", &openapi3.Operation{OperationID: "updateWebhook", Tags: tags,
		Summary:    "Change a subscription; fields left out keep their value",
		Parameters: openapi3.Parameters{d.param(paramID), d.param(paramIfMatch)}},
		withBody(d.ref("WebhookInput")),
		withResponse(http.StatusOK, jsonResponse("the updated subscription", d.ref("Webhook"), "ETag")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge))
	d.add(http.MethodDelete, "/api/v1/webhooks/{id}", &openapi3.Operation{OperationID: "deleteWebhook", Tags: tags,
		Summary:    "Delete a subscription; its deliveries not yet sent are dropped",
		Parameters: openapi3.Parameters{d.param(paramID), d.param(paramIfMatch)}},
		withResponse(http.StatusNoContent, openapi3.NewResponse().WithDescription("deleted")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusPreconditionFailed))
	d.add(http.MethodPost, "/api/v1/webhooks/{id}/rotate", &openapi3.Operation{OperationID: "rotateWebhookSecret", Tags: tags,
		Summary:    "Give a subscription a new secret, which signs every delivery from now on (retries of earlier ones included)",
		Parameters: openapi3.Parameters{d.param(paramID)}},
		withJSON(http.StatusOK, "the new secret, shown once", recordSchema(reflect.TypeFor[rotatedSecret](), false).NewRef()),
		withErrors(http.StatusBadRequest, http.StatusNotFound))

	body := withCriteria(openapi3.NewObjectSchema()).
		WithProperty("subject", describe(openapi3.NewStringSchema().WithMinLength(1), "template of the subject (one line)")).
		WithProperty("body", describe(openapi3.NewStringSchema().WithMinLength(1), "template of the plain-text body")).
		WithProperty("role", describe(openapi3.NewStringSchema(), "send to the contacts with this title (case ignored); left out: every contact with an e-mail address")).
		WithProperty("dry_run", describe(openapi3.NewBoolSchema(), "render and count, write nothing, and show the first messages")).
		WithRequired([]string{"subject", "body"}).WithoutAdditionalProperties()
	d.add(http.MethodPost, "/api/v1/mailings", &openapi3.Operation{OperationID: "sendMailing", Tags: []string{"mailings"},
		Summary: "E-mail the contacts of the accounts a search selects, from templates with each account's fields",
		Description: "The accounts are those POST /accounts/search would find with the same q, place and filter (none: the whole map), " +
			"among those the caller may change (a manager's team's accounts; not the prospects nobody owns). Subject and body are Go text/template templates over " +
			"{{.Account.Name}}, .Account.Kind, .Account.LegalID, .Account.Segment, .Account.Street, .Account.PostalCode, .Account.City, .Account.Country, " +
			"{{.Contact.Name}}, .Contact.FirstName, .Contact.LastName, .Contact.Title, .Contact.Email, .Contact.Phone, " +
			"{{.Owner.Name}}, .Owner.Email (the account's owner) and {{.Sender.Name}}, .Sender.Email; if, with and functions such as printf " +
			"may be used, range and template may not. A template that does not parse, or names an unknown field, is a 400 naming subject or body. " +
			"Every message is rendered and checked, then all are queued in one transaction (all or none), each with the key " +
			"mailing:<id>:<contact id>. At most 2000 accounts and 5000 messages (422 too_many beyond). Needs e-mail configured on the " +
			"server (409 otherwise) unless dry_run.",
		Parameters: openapi3.Parameters{d.param(paramIdempotencyKey)}},
		withBody(body.NewRef()),
		withJSON(http.StatusOK, "dry run: what would be sent, with the first messages", recordSchema(reflect.TypeFor[mailingOut](), false).NewRef()),
		withJSON(http.StatusAccepted, "queued: the messages leave through the outbox", recordSchema(reflect.TypeFor[mailingOut](), false).NewRef()),
		withErrors(http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity))
}

// withCriteria adds the properties of Criteria to s: the body of the POST
// search and of a mailing.
func withCriteria(s *openapi3.Schema) *openapi3.Schema {
	box := openapi3.NewObjectSchema().
		WithProperty("min", recordSchema(reflect.TypeFor[geo.Point](), false)).
		WithProperty("max", recordSchema(reflect.TypeFor[geo.Point](), false)).
		WithRequired([]string{"min", "max"})
	return s.
		WithProperty("q", describe(openapi3.NewStringSchema().WithMaxLength(accounts.MaxSearchRunes),
			"words that the accounts' visit reports, contact notes or names must hold, as in GET /accounts/search")).
		WithProperty("box", box).
		WithProperty("polygon", describe(openapi3.NewObjectSchema(), "GeoJSON Polygon or MultiPolygon geometry ([lng, lat] positions)")).
		WithProperty("route", describe(openapi3.NewObjectSchema(), "GeoJSON LineString geometry ([lng, lat] positions), at least 2")).
		WithProperty("width_m", describe(openapi3.NewFloat64Schema().WithMin(1).WithMax(geo.MaxWidthM), "route corridor width in metres")).
		WithProperty("filter", recordSchema(reflect.TypeFor[accounts.PlaceFilter](), false))
}

// textPlace is place, an item of a spatial search, with the measures of a
// text match.
func textPlace(place *openapi3.Schema) *openapi3.Schema {
	s := *place
	s.Properties = openapi3.Schemas{}
	for k, v := range place.Properties {
		s.Properties[k] = v
	}
	s.Description = place.Description + "; with q, also its text match"
	return s.
		WithProperty("rank", describe(openapi3.NewFloat64Schema(), "with q: relevance of the best match, higher is better, meaningful within one answer")).
		WithProperty("matches", describe(openapi3.NewIntegerSchema().WithMin(1), "with q: how many of the account's records match, its name counting as one")).
		WithProperty("snippet", describe(openapi3.NewStringSchema(), "with q: HTML excerpt of the best match, the text escaped, the matching words in <mark>")).
		WithProperty("activity_id", describe(openapi3.NewInt64Schema(), "with q, when an activity matches best")).
		WithProperty("contact_id", describe(openapi3.NewInt64Schema(), "with q, when a contact's notes match best"))
}
