package web

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/planner"
)

// The API's messages for machines and integrators (errors, field names)
// are English. The few sentences written for the rep to read as they are —
// the trip recommendation and the subject of a booked visit — follow the
// client's Accept-Language: French or English, French when it names
// neither, as the organisations Tournée serves work in French. This file is
// the one place that decides it.

// language is one the API writes sentences in.
type language string

const (
	french  language = "fr"
	english language = "en"
	// defaultLanguage is for clients that ask for neither.
	defaultLanguage = french
)

// languageOf reads the request's Accept-Language (RFC 9110: tags with
// optional q weights, such as "en-GB,en;q=0.8,fr;q=0.5") and returns the
// first language by weight that the API speaks, and sets Content-Language
// on the response to say which it took.
func languageOf(c *gin.Context) language {
	l := negotiate(c.GetHeader("Accept-Language"))
	c.Header("Content-Language", string(l))
	return l
}

func negotiate(header string) language {
	type choice struct {
		lang language
		q    float64
	}
	var choices []choice
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := language(primary); (l == french || l == english) && q > 0 {
			choices = append(choices, choice{l, q})
		}
	}
	// Stable: of equal weights, the first named wins.
	slices.SortStableFunc(choices, func(a, b choice) int { return cmp.Compare(b.q, a.q) })
	if len(choices) == 0 {
		return defaultLanguage
	}
	return choices[0].lang
}

// planner is the planner's language for l.
func (l language) planner() planner.Language {
	if l == english {
		return planner.English
	}
	return planner.French
}

// visitSubject is the subject of a visit booked at an account.
func (l language) visitSubject(account string) string {
	if l == english {
		return "Visit: " + account
	}
	return "Visite : " + account
}

var frenchDays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// notWorkingDay says that a trip cannot go on over day, a day off.
func (l language) notWorkingDay(day time.Weekday) string {
	if l == english {
		return fmt.Sprintf("%s is not a working day of the rep", day)
	}
	return fmt.Sprintf("le %s n'est pas un jour travaillé du commercial", frenchDays[day])
}

// dayFailed says that day n (1-based) of a trip, on date, cannot be
// planned, and why (the planner's error, in English).
func (l language) dayFailed(n int, date, why string) string {
	if l == english {
		return fmt.Sprintf("day %d (%s): %s", n, date, why)
	}
	return fmt.Sprintf("jour %d (%s) : %s", n, date, why)
}
