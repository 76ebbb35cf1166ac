package web

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Record schemas are generated from the Go types, so that a field added to a
// record is documented without anyone remembering to; the types that marshal
// themselves get their schema from customSchemas, which must say what their
// MarshalJSON writes. The response test in openapi_test.go is what keeps the
// two honest.

// serverSet are the fields a store sets: read-only in responses, left out of
// request bodies (the server ignores them there).
var serverSet = []string{"id", "version", "created_at", "updated_at", "last_visit_at", "assignees", "rule_score"}

// weekdays are the day names of opening hours and work days, in the order of
// time.Weekday.
var weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// enums lists the values of the string types that have a fixed set.
var enums = map[reflect.Type][]any{
	reflect.TypeFor[accounts.Role]():              enumOf(accounts.RoleAdmin, accounts.RoleManager, accounts.RoleRep),
	reflect.TypeFor[accounts.Kind]():              enumOf(accounts.KindProspect, accounts.KindClient, accounts.KindFormer),
	reflect.TypeFor[accounts.OpportunityStatus](): enumOf(accounts.StatusOpen, accounts.StatusWon, accounts.StatusLost),
	reflect.TypeFor[accounts.ActivityType]():      enumOf(accounts.ActivityVisit, accounts.ActivityCall, accounts.ActivityEmail, accounts.ActivityNote),
	reflect.TypeFor[accounts.TaskStatus]():        enumOf(accounts.TaskOpen, accounts.TaskDone, accounts.TaskCancelled),
	reflect.TypeFor[accounts.Op]():                enumOf(accounts.OpCreate, accounts.OpUpdate, accounts.OpDelete),
}

// enumOf converts typed constants to plain strings: the validator compares
// enum values with decoded JSON, whose strings are untyped.
func enumOf[T ~string](vs ...T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// customSchemas gives the schema of each type that has its own MarshalJSON,
// as it writes it. A function rather than a value so that every use gets its
// own copy to mark nullable or read-only.
func customSchemas(input bool) map[reflect.Type]func() *openapi3.Schema {
	clock := func() *openapi3.Schema {
		s := openapi3.NewStringSchema().WithPattern(`^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$`)
		s.Description = "time of day HH:MM; 24:00 ends a day"
		s.Example = "08:00"
		return s
	}
	interval := func() *openapi3.Schema {
		s := openapi3.NewArraySchema().WithItems(clock()).WithMinItems(2).WithMaxItems(2)
		s.Description = "from (inclusive) and to (exclusive)"
		s.Example = []any{"08:00", "12:00"}
		return s
	}
	area := multiPolygon
	if input {
		area = func() *openapi3.Schema {
			s := openapi3.NewOneOfSchema(polygon(), multiPolygon())
			s.Description = "GeoJSON Polygon or MultiPolygon geometry, [lng, lat] positions; stored and returned as a MultiPolygon"
			return s
		}
	}
	return map[reflect.Type]func() *openapi3.Schema{
		reflect.TypeFor[accounts.Clock]():    clock,
		reflect.TypeFor[accounts.Interval](): interval,
		reflect.TypeFor[accounts.OpeningHours](): func() *openapi3.Schema {
			s := openapi3.NewObjectSchema().WithoutAdditionalProperties()
			for _, d := range weekdays {
				s.WithProperty(d, openapi3.NewArraySchema().WithItems(interval()))
			}
			s.Description = "intervals of each open day; a day left out is closed, no day at all means unknown hours"
			return s
		},
		reflect.TypeFor[accounts.Weekdays](): func() *openapi3.Schema {
			s := openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema().WithEnum(enumOf(weekdays...)...))
			s.UniqueItems = true
			return s
		},
		reflect.TypeFor[accounts.Date](): func() *openapi3.Schema {
			// Not format "date": an empty string means no date.
			s := openapi3.NewStringSchema().WithPattern(`^([0-9]{4}-[0-9]{2}-[0-9]{2})?$`)
			s.Description = "calendar date YYYY-MM-DD, empty for none"
			return s
		},
		reflect.TypeFor[accounts.Month](): func() *openapi3.Schema {
			s := openapi3.NewStringSchema().WithPattern(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
			s.Description = "calendar month YYYY-MM"
			return s
		},
		reflect.TypeFor[geo.Area](): area,
		reflect.TypeFor[geo.Polyline](): func() *openapi3.Schema {
			return geometry("LineString", openapi3.NewArraySchema().WithItems(position()).WithMinItems(2))
		},
	}
}

// position is a GeoJSON [lng, lat] pair.
func position() *openapi3.Schema {
	return openapi3.NewArraySchema().WithItems(openapi3.NewFloat64Schema()).WithMinItems(2).WithMaxItems(2)
}

func polygon() *openapi3.Schema {
	ring := openapi3.NewArraySchema().WithItems(position()).WithMinItems(4)
	return geometry("Polygon", openapi3.NewArraySchema().WithItems(ring).WithMinItems(1))
}

func multiPolygon() *openapi3.Schema {
	return geometry("MultiPolygon", openapi3.NewArraySchema().WithItems(polygon().Properties["coordinates"].Value).WithMinItems(1))
}

func geometry(typ string, coordinates *openapi3.Schema) *openapi3.Schema {
	return openapi3.NewObjectSchema().
		WithProperty("type", openapi3.NewStringSchema().WithEnum(typ)).
		WithProperty("coordinates", coordinates).
		WithRequired([]string{"type", "coordinates"})
}

// recordSchema generates the schema of the Go type t as the API writes it
// (input false: every field present, nothing else) or accepts it in a request
// body (input true: any subset of the writable fields).
func recordSchema(t reflect.Type, input bool) *openapi3.Schema {
	custom := customSchemas(input)
	customize := func(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
		if fn, ok := custom[t]; ok {
			nullable := s.Nullable
			*s = *fn()
			s.Nullable = nullable
			return nil
		}
		if e, ok := enums[t]; ok {
			s.Enum = e
		}
		if t.Kind() == reflect.Map {
			// A record created without them writes its custom fields as
			// null, not {}.
			s.Nullable = true
		}
		if t.Kind() == reflect.Float64 && (name == "lat" || name == "lng") {
			limit := 90.0
			if name == "lng" {
				limit = 180
			}
			s.WithMin(-limit).WithMax(limit)
		}
		if t == reflect.TypeFor[accounts.Account]() {
			// Account.MarshalJSON writes VisitDuration (json:"-") in seconds.
			d := openapi3.NewInt64Schema().WithMin(60).WithMax(43200)
			d.Description = "typical time on site, in seconds"
			s.WithProperty("visit_duration_s", d)
		}
		if t.Kind() == reflect.Struct && s.Properties != nil {
			s.WithoutAdditionalProperties()
			if !input {
				s.Required = required(t, s)
			}
		}
		if name == "_root" {
			for _, p := range serverSet {
				if prop := s.Properties[p]; prop != nil && input {
					delete(s.Properties, p)
				} else if prop != nil {
					prop.Value.ReadOnly = true
				}
			}
		}
		return nil
	}
	ref, err := openapi3gen.NewSchemaRefForValue(reflect.Zero(t).Interface(), nil, openapi3gen.SchemaCustomizer(customize))
	if err != nil {
		// The types are fixed at compile time: this is a programming error,
		// which the tests meet before anyone else does.
		panic(fmt.Sprintf("openapi: schema of %s: %v", t, err))
	}
	return ref.Value
}

// required lists the properties of s that encoding/json always writes for t:
// all but the omitempty ones.
func required(t reflect.Type, s *openapi3.Schema) []string {
	var omit []string
	for _, f := range reflect.VisibleFields(t) {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if slices.Contains(strings.Split(opts, ","), "omitempty") {
			omit = append(omit, name)
		}
	}
	var req []string
	for name := range s.Properties {
		if !slices.Contains(omit, name) {
			req = append(req, name)
		}
	}
	slices.Sort(req)
	return req
}
