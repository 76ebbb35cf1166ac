package web

import (
	"net/http"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tournee/tournee/accounts"
)

// plans documents the planning endpoints of plans.go and trips.go, their
// bodies generated from the same Go types the handlers decode and write.
func (d *apiDoc) plans() {
	c := d.doc.Components
	for name, t := range map[string]reflect.Type{
		"DayPlanRequest":  reflect.TypeFor[dayRequest](),
		"TripPlanRequest": reflect.TypeFor[tripRequest](),
		"BookingRequest":  reflect.TypeFor[bookRequest](),
	} {
		c.Schemas[name] = recordSchema(t, true).NewRef()
	}
	for name, t := range map[string]reflect.Type{
		"DayPlan":      reflect.TypeFor[dayPlanOut](),
		"TripPlan":     reflect.TypeFor[tripOut](),
		"TravelLedger": reflect.TypeFor[ledgerOut](),
	} {
		c.Schemas[name] = recordSchema(t, false).NewRef()
	}
	// Inline: the Activity component comes later, with its resource.
	c.Schemas["BookedVisits"] = listSchema(recordSchema(reflect.TypeFor[accounts.Activity](), false).NewRef()).NewRef()

	d.add(http.MethodPost, "/api/v1/plans/day", &openapi3.Operation{OperationID: "planDay", Tags: []string{"plans"},
		Summary: "Plan a day around fixed appointments",
		Description: "Suggests the most valuable accounts near the route from start (the rep's home by default) through the " +
			"appointments (and the visits already planned that day, kept fixed) to the end, with a bookable slot for each: any start " +
			"from slot.earliest to slot.latest within the account's opening hours keeps every other stop. Candidates are the rep's " +
			"accounts and unassigned prospects unless filter says otherwise, within max_detour_s of the route. Alternates are the best " +
			"accounts left out, with the reason: closed, unreachable, no_value, no_time, limit (max_suggestions reached), " +
			"outside_corridor, below_min_score or ranked_out (past the 300 best candidates). Times are in the organisation's zone."},
		withBody(d.ref("DayPlanRequest")),
		withJSON(http.StatusOK, "the day plan", d.ref("DayPlan")),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
			http.StatusBadGateway, http.StatusGatewayTimeout))
	d.add(http.MethodPost, "/api/v1/plans/trip", &openapi3.Operation{OperationID: "planTrip", Tags: []string{"plans"},
		Summary: "Compare driving back the same day with staying overnight",
		Description: "Plans the trip over 1 to max_days days (the nights near the last appointment, then stepping back towards the " +
			"end), prices each option (km × the rep's rate, hotel per night, per diem per day of a trip with a night away) and " +
			"recommends the feasible one with the best value (score × value_per_point_cents) net of cost; why is written " +
			"in the language of Accept-Language.",
		Parameters: openapi3.Parameters{acceptLanguage()}},
		withBody(d.ref("TripPlanRequest")),
		withJSON(http.StatusOK, "the options and the recommendation", d.ref("TripPlan")),
		withErrors(http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
			http.StatusBadGateway, http.StatusGatewayTimeout))
	d.add(http.MethodPost, "/api/v1/plans/book", &openapi3.Operation{OperationID: "bookVisits", Tags: []string{"plans"},
		Summary: "Book chosen visits as planned activities, all or none",
		Description: "409 when a visit no longer fits: another activity of the rep overlaps it, the account is closed then, or " +
			"the drive from the stop before or to the stop after no longer fits. Each visit's subject is written in the " +
			"language of Accept-Language (\"Visite : LAMBDA SARL\").",
		Parameters: openapi3.Parameters{d.param(paramIdempotencyKey), acceptLanguage()}},
		withBody(d.ref("BookingRequest")),
		withJSON(http.StatusCreated, "the planned visits created", d.ref("BookedVisits")),
		withErrors(http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
			http.StatusBadGateway, http.StatusGatewayTimeout))
	d.add(http.MethodGet, "/api/v1/users/{id}/travel", &openapi3.Operation{OperationID: "travelLedger", Tags: []string{"plans"},
		Summary: "Travel km and cost of a user's visit days in a month",
		Description: "Each day with visits goes from home through the visits in time order and back; a done visit that recorded " +
			"travelled_m counts it for its leg, every other leg is estimated by the travel provider.",
		Parameters: openapi3.Parameters{d.param(paramID),
			{Value: openapi3.NewQueryParameter("month").WithDescription("YYYY-MM; default the current month").
				WithSchema(openapi3.NewStringSchema().WithPattern(`^[0-9]{4}-[0-9]{2}$`))}}},
		withJSON(http.StatusOK, "the month's ledger", d.ref("TravelLedger")),
		withErrors(http.StatusBadRequest, http.StatusNotFound, http.StatusBadGateway, http.StatusGatewayTimeout))
}
