package planner

import (
	"fmt"
	"math"
	"time"
)

// Tariff prices a trip. Money is in euro cents.
type Tariff struct {
	// PerKmCents is what a driven kilometre costs.
	PerKmCents int64
	// HotelCents is the price of one night away.
	HotelCents int64
	// PerDiemCents is the allowance for each day of a trip that spends a
	// night away (meals on the road); a trip back the same day gets none.
	PerDiemCents int64
	// ValuePerPointCents converts priority score into money, so that value
	// collected and cost can be weighed: what visiting an account of score
	// 1 is worth to the organisation.
	ValuePerPointCents int64
	// MaxDriving bounds the driving time of one day; zero means no bound.
	MaxDriving time.Duration
}

// Day sums up one day of a trip option.
type Day struct {
	DistanceM float64
	Driving   time.Duration
	// Working is the time from departure to return.
	Working time.Duration
	Value   float64
	Visits  int
}

// Option is one way of making a trip: one Day per day on the road.
type Option struct {
	Days []Day
	// Infeasible, when set, says why the option cannot be done (the
	// appointment cannot be reached and left within the working day, the
	// next day is not a working day...).
	Infeasible string
}

// Nights is the number of nights the option spends away.
func (o Option) Nights() int { return max(len(o.Days)-1, 0) }

// Costing is the money side of an option.
type Costing struct {
	DistanceM    float64       `json:"distance_m"`
	Driving      time.Duration `json:"-"`
	Working      time.Duration `json:"-"`
	Value        float64       `json:"value"`
	Visits       int           `json:"visits"`
	KmCents      int64         `json:"km_cents"`
	HotelCents   int64         `json:"hotel_cents"`
	PerDiemCents int64         `json:"per_diem_cents"`
	CostCents    int64         `json:"cost_cents"`
	// NetCents is the value collected, priced by ValuePerPointCents, minus
	// the cost: what the recommendation maximises.
	NetCents int64 `json:"net_cents"`
	// TooMuchDriving names the first day (1-based) whose driving exceeds
	// Tariff.MaxDriving, 0 if none.
	TooMuchDriving int `json:"-"`
}

// Cost prices o.
func (t Tariff) Cost(o Option) Costing {
	var c Costing
	for i, d := range o.Days {
		c.DistanceM += d.DistanceM
		c.Driving += d.Driving
		c.Working += d.Working
		c.Value += d.Value
		c.Visits += d.Visits
		if t.MaxDriving > 0 && d.Driving > t.MaxDriving && c.TooMuchDriving == 0 {
			c.TooMuchDriving = i + 1
		}
	}
	nights := int64(o.Nights())
	c.KmCents = int64(math.Round(c.DistanceM / 1000 * float64(t.PerKmCents)))
	c.HotelCents = nights * t.HotelCents
	if nights > 0 {
		c.PerDiemCents = int64(len(o.Days)) * t.PerDiemCents
	}
	c.CostCents = c.KmCents + c.HotelCents + c.PerDiemCents
	c.NetCents = int64(math.Round(c.Value*float64(t.ValuePerPointCents))) - c.CostCents
	return c
}

// Language is the language of the sentences the planner writes for
// people; an unknown one is English.
type Language string

const (
	English Language = "en"
	French  Language = "fr"
)

// wording holds the phrases of Recommend's sentence in one language, as
// fmt formats.
type wording struct {
	best, other, notPossible, overLimit, noneFits, dayOver string
	// reason is an infeasible option and why; then joins them.
	reason, then              string
	sameDay, oneNight, nights string
}

var wordings = map[Language]wording{
	English: {
		best:        "%s: %d visits worth %.0f points for %s, a net value of %s",
		other:       "; %s: %d visits worth %.0f points for %s, net %s",
		notPossible: "; %s is not possible (%s)",
		overLimit:   "; %s drives %s on day %d, over the %s limit",
		noneFits:    "no option fits: ",
		dayOver:     "day %d drives %s, over the %s limit",
		reason:      "%s: %s",
		then:        "; ",
		sameDay:     "driving back the same day",
		oneNight:    "staying one night",
		nights:      "staying %d nights",
	},
	French: {
		best:        "%s : %d visites valant %.0f points pour %s, soit une valeur nette de %s",
		other:       " ; %s : %d visites valant %.0f points pour %s, net %s",
		notPossible: " ; %s est impossible (%s)",
		overLimit:   " ; %s fait rouler %s le jour %d, au-delà de la limite de %s",
		noneFits:    "aucune option ne convient : ",
		dayOver:     "le jour %d fait rouler %s, au-delà de la limite de %s",
		reason:      "%s : %s",
		then:        " ; ",
		sameDay:     "rentrer le soir même",
		oneNight:    "rester une nuit",
		nights:      "rester %d nuits",
	},
}

func wordingOf(l Language) wording {
	if w, ok := wordings[l]; ok {
		return w
	}
	return wordings[English]
}

// Recommend returns the index of the option to take and why, in lang, or
// -1 when none is feasible. Among the feasible options that keep every day
// within the driving limit it takes the highest net value (value priced by
// the tariff minus cost); a tie goes to the shorter trip. The reasons an
// option is infeasible are quoted as they are.
func (t Tariff) Recommend(lang Language, opts []Option) (int, string) {
	w := wordingOf(lang)
	best := -1
	var bc Costing
	for i, o := range opts {
		c := t.Cost(o)
		if o.Infeasible != "" || c.TooMuchDriving > 0 {
			continue
		}
		if best < 0 || c.NetCents > bc.NetCents {
			best, bc = i, c
		}
	}
	if best < 0 {
		return -1, w.noneFits + t.whyNot(w, opts)
	}
	why := fmt.Sprintf(w.best, w.label(opts[best]), bc.Visits, bc.Value, euros(bc.CostCents), euros(bc.NetCents))
	for i, o := range opts {
		if i == best {
			continue
		}
		c := t.Cost(o)
		switch {
		case o.Infeasible != "":
			why += fmt.Sprintf(w.notPossible, w.label(o), o.Infeasible)
		case c.TooMuchDriving > 0:
			why += fmt.Sprintf(w.overLimit, w.label(o),
				Hours(o.Days[c.TooMuchDriving-1].Driving), c.TooMuchDriving, Hours(t.MaxDriving))
		default:
			why += fmt.Sprintf(w.other, w.label(o), c.Visits, c.Value, euros(c.CostCents), euros(c.NetCents))
		}
	}
	return best, why
}

func (t Tariff) whyNot(w wording, opts []Option) string {
	s := ""
	for i, o := range opts {
		if i > 0 {
			s += w.then
		}
		reason := o.Infeasible
		if reason == "" {
			c := t.Cost(o)
			reason = fmt.Sprintf(w.dayOver, c.TooMuchDriving,
				Hours(o.Days[c.TooMuchDriving-1].Driving), Hours(t.MaxDriving))
		}
		s += fmt.Sprintf(w.reason, w.label(o), reason)
	}
	return s
}

// label names an option as a rep would.
func (w wording) label(o Option) string {
	switch n := o.Nights(); n {
	case 0:
		return w.sameDay
	case 1:
		return w.oneNight
	default:
		return fmt.Sprintf(w.nights, n)
	}
}

func euros(cents int64) string {
	return fmt.Sprintf("%d €", int64(math.Round(float64(cents)/100)))
}

// Hours writes a duration as people read a driving time: "6h33".
func Hours(d time.Duration) string {
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02d", int(d.Hours()), int(d.Minutes())%60)
}
