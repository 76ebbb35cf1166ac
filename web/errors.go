package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/planner"
)

// Errors of the HTTP layer itself, mapped like the domain's.
var (
	errBadRequest          = errors.New("bad request")
	errTooLarge            = errors.New("request body too large")
	errIdempotencyMismatch = errors.New("idempotency key reused")
	errInFlight            = errors.New("request in flight")
	errNoRoute             = errors.New("no such route")
)

// statusTable maps each sentinel error to its HTTP status and error code.
// Anything not listed is an internal error: logged, answered with a 500 and a
// generic message.
var statusTable = []struct {
	err    error
	status int
	code   string
}{
	{accounts.ErrNotFound, http.StatusNotFound, "not_found"},
	{errNoRoute, http.StatusNotFound, "not_found"},
	{accounts.ErrInvalid, http.StatusBadRequest, "invalid"},
	{geo.ErrInvalid, http.StatusBadRequest, "invalid"},
	{errBadRequest, http.StatusBadRequest, "bad_request"},
	{accounts.ErrConflict, http.StatusConflict, "conflict"},
	{errInFlight, http.StatusConflict, "in_flight"},
	{accounts.ErrStale, http.StatusPreconditionFailed, "stale_version"},
	{errUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{accounts.ErrForbidden, http.StatusForbidden, "forbidden"},
	{errTooManyAttempts, http.StatusTooManyRequests, "too_many_attempts"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{errIdempotencyMismatch, http.StatusUnprocessableEntity, "idempotency_key_reused"},
	{accounts.ErrTooMany, http.StatusUnprocessableEntity, "too_many"},
	{planner.ErrInfeasible, http.StatusUnprocessableEntity, "infeasible"},
	{geo.ErrNoRoute, http.StatusUnprocessableEntity, "no_route"},
	{errTravelTimeout, http.StatusGatewayTimeout, "travel_timeout"},
	{geo.ErrUnavailable, http.StatusBadGateway, "travel_unavailable"},
}

// errTravelTimeout marks a travel provider that did not answer in time, so
// that the table tells it (504) from one that answered wrongly (502).
var errTravelTimeout = errors.New("travel-time provider timed out")

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// toResponse turns err into a status and body; ok is false for internal
// errors, whose detail must not leave the server.
func toResponse(err error) (status int, body errorBody, ok bool) {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		err = fmt.Errorf("%w: the limit is %d bytes", errTooLarge, maxErr.Limit)
	}
	if errors.Is(err, geo.ErrUnavailable) && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %w", errTravelTimeout, err)
	}
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			d := errorDetail{Code: e.code, Message: userMessage(err)}
			var fe *accounts.FieldError
			if errors.As(err, &fe) {
				d.Field = fe.Field
			}
			return e.status, errorBody{d}, true
		}
	}
	return http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "internal error"}}, false
}

// userMessage joins the lines of a joined error and drops the bare sentinel
// prefix that wrapping adds ("invalid: ...").
func userMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	for _, e := range statusTable {
		msg = strings.TrimPrefix(msg, e.err.Error()+": ")
	}
	return msg
}

// writeError answers c with err mapped through statusTable.
func (s *Server) writeError(c *gin.Context, err error) {
	status, body, ok := toResponse(err)
	if !ok {
		s.log.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method, "route", c.FullPath(), "err", err)
	}
	c.AbortWithStatusJSON(status, body)
}

// handler is a Gin handler that returns its error instead of writing it.
type handler func(c *gin.Context) error

// h adapts a handler to Gin, sending its error through writeError.
func (s *Server) h(fn handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// decodeJSON reads the request body into v, rejecting unknown fields and
// trailing data, and turns decoder errors into messages that name the field.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: body must hold a single JSON value", errBadRequest)
	}
	return nil
}

// jsonPath drops the Go names of embedded structs from a decoder's field
// path ("Meta.version"): JSON names here are lower case.
func jsonPath(p string) string {
	var keep []string
	for _, seg := range strings.Split(p, ".") {
		if seg != "" && !unicode.IsUpper([]rune(seg)[0]) {
			keep = append(keep, seg)
		}
	}
	return strings.Join(keep, ".")
}

// jsonKind names a Go type as a JSON user would.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

func jsonError(err error) error {
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
		maxErr    *http.MaxBytesError
		fieldErr  *accounts.FieldError
	)
	switch {
	case errors.As(err, &maxErr), errors.As(err, &fieldErr), errors.Is(err, geo.ErrInvalid):
		return err
	case errors.As(err, &typeErr):
		field := jsonPath(typeErr.Field)
		return &accounts.FieldError{Field: field, Message: fmt.Sprintf("%s must be %s", field, jsonKind(typeErr.Type))}
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("%w: malformed JSON at byte %d", errBadRequest, syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: request body is empty", errBadRequest)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: request body is truncated JSON", errBadRequest)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &accounts.FieldError{Field: field, Message: fmt.Sprintf("unknown field %q", field)}
	}
	// Custom unmarshalers (times of day, week days) say what is wrong in
	// their own words.
	return fmt.Errorf("%w: %v", errBadRequest, err)
}
