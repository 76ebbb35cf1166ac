package web

import (
	"net/http"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tournee/tournee/accounts"
)

// auth documents sign-in (auth.go) and the credentials every other route
// takes: a bearer token, or the session cookie of a browser.
func (d *apiDoc) auth() {
	d.doc.Components.SecuritySchemes = openapi3.SecuritySchemes{
		"bearer": &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("opaque").
			WithDescription("an access token from POST /api/v1/auth/token, or a personal API token")},
		"session": &openapi3.SecuritySchemeRef{Value: openapi3.NewCSRFSecurityScheme().WithIn("cookie").WithName(sessionCookie).
			WithType("apiKey").WithDescription("the browser session set by POST /api/v1/auth/login")},
	}
	d.doc.Security = openapi3.SecurityRequirements{{"bearer": {}}, {"session": {}}}
	user := recordSchema(reflect.TypeFor[accounts.User](), false).NewRef()
	login := recordSchema(reflect.TypeFor[loginBody](), true).WithRequired([]string{"email", "password"}).NewRef()
	d.add(http.MethodPost, "/api/v1/auth/login", &openapi3.Operation{OperationID: "login", Tags: []string{"auth"},
		Summary: "Sign a browser in: sets the session cookie (HttpOnly, SameSite=Lax; Secure over TLS)",
		Description: "A wrong e-mail and a wrong password get the same 401. Five failures lock the account, twenty an " +
			"address, for 15 minutes (429)."},
		withBody(login),
		withJSON(http.StatusOK, "the signed-in user", user),
		withErrors(http.StatusBadRequest, http.StatusTooManyRequests))
	d.add(http.MethodPost, "/api/v1/auth/logout", &openapi3.Operation{OperationID: "logout", Tags: []string{"auth"},
		Summary: "End the session or revoke the token that signs this request"},
		withResponse(http.StatusNoContent, openapi3.NewResponse().WithDescription("signed out")))
	d.add(http.MethodPost, "/api/v1/auth/token", &openapi3.Operation{OperationID: "token", Tags: []string{"auth"},
		Summary: "Tokens for scripts and mobile clients",
		Description: "With {email, password}, or {refresh_token} to renew: a 15-minute access token and a 30-day refresh " +
			"token, which works once (renewing revokes it and the access token it made)."},
		withBody(recordSchema(reflect.TypeFor[tokenBody](), true).NewRef()),
		withJSON(http.StatusOK, "the tokens", recordSchema(reflect.TypeFor[tokenOut](), false).NewRef()),
		withErrors(http.StatusBadRequest, http.StatusTooManyRequests))
	cred := recordSchema(reflect.TypeFor[accounts.Credential](), false).NewRef()
	d.add(http.MethodGet, "/api/v1/auth/tokens", &openapi3.Operation{OperationID: "listTokens", Tags: []string{"auth"},
		Summary: "The signed-in user's sessions and tokens still running, without secrets"},
		withJSON(http.StatusOK, "sessions and tokens", listSchema(cred).NewRef()))
	d.add(http.MethodPost, "/api/v1/auth/tokens", &openapi3.Operation{OperationID: "createToken", Tags: []string{"auth"},
		Summary: "Create a personal API token", Description: "The token is in this answer only; the server keeps its hash."},
		withBody(recordSchema(reflect.TypeFor[apiTokenBody](), true).NewRef()),
		withJSON(http.StatusCreated, "the token", recordSchema(reflect.TypeFor[apiTokenOut](), false).NewRef()),
		withErrors(http.StatusBadRequest))
	d.add(http.MethodDelete, "/api/v1/auth/tokens/{id}", &openapi3.Operation{OperationID: "revokeToken", Tags: []string{"auth"},
		Summary: "Revoke one of the signed-in user's sessions or tokens", Parameters: openapi3.Parameters{d.param(paramID)}},
		withResponse(http.StatusNoContent, openapi3.NewResponse().WithDescription("revoked")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
	d.add(http.MethodGet, "/api/v1/users/me", &openapi3.Operation{OperationID: "me", Tags: []string{"auth"},
		Summary: "Who is signed in"},
		withJSON(http.StatusOK, "the signed-in user", user))
	d.add(http.MethodPut, "/api/v1/users/{id}/password", &openapi3.Operation{OperationID: "setPassword", Tags: []string{"auth"},
		Summary:     "Set a user's password: one's own, or anyone's for admins",
		Description: "At least 12 characters. Every session and token of the user is revoked.",
		Parameters:  openapi3.Parameters{d.param(paramID)}},
		withBody(recordSchema(reflect.TypeFor[passwordBody](), true).WithRequired([]string{"password"}).NewRef()),
		withResponse(http.StatusNoContent, openapi3.NewResponse().WithDescription("set")),
		withErrors(http.StatusBadRequest, http.StatusNotFound))
}

// audit documents GET /api/v1/audit.
func (d *apiDoc) audit() {
	d.add(http.MethodGet, "/api/v1/audit", &openapi3.Operation{OperationID: "audit", Tags: []string{"audit"},
		Summary: "Who changed what and when: the change feed with the acting user, for admins and managers",
		Description: "Oldest first from after; entity and user_id keep matching rows (a page reads at most a few thousand " +
			"rows looking for them: continue from last_seq).",
		Parameters: openapi3.Parameters{
			{Value: openapi3.NewQueryParameter("after").WithDescription("sequence number already seen").
				WithSchema(openapi3.NewInt64Schema().WithMin(1))},
			{Value: openapi3.NewQueryParameter("limit").WithSchema(openapi3.NewIntegerSchema().WithMin(1).WithMax(maxChangesPage))},
			{Value: openapi3.NewQueryParameter("entity").WithDescription("account, contact, user...").WithSchema(openapi3.NewStringSchema())},
			{Value: openapi3.NewQueryParameter("user_id").WithDescription("changes made by this user").
				WithSchema(openapi3.NewInt64Schema().WithMin(1))},
		}},
		withJSON(http.StatusOK, "one page of the trail", recordSchema(reflect.TypeFor[auditOut](), false).NewRef()),
		withErrors(http.StatusBadRequest))
}
