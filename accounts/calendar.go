package accounts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Clock is a time of day in minutes after midnight, written "HH:MM" in JSON.
// 24:00 is allowed as the end of a day.
type Clock int

// ParseClock reads "HH:MM".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time of day %q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time of day %q is not HH:MM", s)
	}
	return Clock(h*60 + m), nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Duration returns c as the time elapsed since midnight.
func (c Clock) Duration() time.Duration { return time.Duration(c) * time.Minute }

func (c Clock) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

func (c *Clock) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time of day must be a string HH:MM")
	}
	v, err := ParseClock(s)
	*c = v
	return err
}

// Interval is a span of a day, From inclusive and To exclusive; JSON ["08:00","12:00"].
type Interval struct {
	From, To Clock
}

func (iv Interval) MarshalJSON() ([]byte, error) { return json.Marshal([2]Clock{iv.From, iv.To}) }

func (iv *Interval) UnmarshalJSON(b []byte) error {
	var v [2]Clock
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	iv.From, iv.To = v[0], v[1]
	return nil
}

var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// ParseWeekday reads a lower-case English day name.
func ParseWeekday(s string) (time.Weekday, error) {
	i := slices.Index(weekdayNames[:], strings.ToLower(s))
	if i < 0 {
		return 0, fmt.Errorf("unknown day %q", s)
	}
	return time.Weekday(i), nil
}

// OpeningHours are the intervals of each weekday, indexed by time.Weekday.
// When no day has an interval the hours are unknown and constrain nothing;
// otherwise a day without interval is closed. JSON is an object keyed by
// lower-case English day names.
type OpeningHours [7][]Interval

// Known reports whether any day has hours.
func (o OpeningHours) Known() bool {
	for _, d := range o {
		if len(d) > 0 {
			return true
		}
	}
	return false
}

// MarshalJSON writes the days in week order, Monday first, as people read them.
func (o OpeningHours) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i := range 7 {
		d := (i + 1) % 7
		if len(o[d]) == 0 {
			continue
		}
		ivs, err := json.Marshal(o[d])
		if err != nil {
			return nil, err
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(append(append(buf, '"'), weekdayNames[d]...), `":`...)
		buf = append(buf, ivs...)
	}
	return append(buf, '}'), nil
}

func (o *OpeningHours) UnmarshalJSON(b []byte) error {
	var m map[string][]Interval
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*o = OpeningHours{}
	for k, ivs := range m {
		d, err := ParseWeekday(k)
		if err != nil {
			return err
		}
		o[d] = ivs
	}
	return nil
}

// Validate checks that every interval is ordered and that a day's intervals
// do not overlap; it sorts each day's intervals.
func (o *OpeningHours) Validate() error {
	for d := range o {
		ivs := o[d]
		slices.SortFunc(ivs, func(a, b Interval) int { return int(a.From - b.From) })
		for i, iv := range ivs {
			if iv.From < 0 || iv.To > 24*60 || iv.From >= iv.To {
				return invalid("opening_hours", "opening hours on %s: %s-%s is not a time span", weekdayNames[d], iv.From, iv.To)
			}
			if i > 0 && iv.From < ivs[i-1].To {
				return invalid("opening_hours", "opening hours overlap on %s", weekdayNames[d])
			}
		}
	}
	return nil
}

// Weekdays is a set of days written as a list of day names in JSON.
type Weekdays []time.Weekday

func (w Weekdays) MarshalJSON() ([]byte, error) {
	names := make([]string, len(w))
	for i, d := range w {
		names[i] = weekdayNames[d%7]
	}
	return json.Marshal(names)
}

func (w *Weekdays) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*w = (*w)[:0]
	for _, n := range names {
		d, err := ParseWeekday(n)
		if err != nil {
			return err
		}
		if !slices.Contains(*w, d) {
			*w = append(*w, d)
		}
	}
	slices.Sort(*w)
	return nil
}

// Date is a calendar date "YYYY-MM-DD" without time zone; "" means none.
type Date string

// Time returns the date at midnight UTC.
func (d Date) Time() (time.Time, error) { return time.Parse(time.DateOnly, string(d)) }

func (d Date) validate(field string) error {
	if d == "" {
		return nil
	}
	if _, err := d.Time(); err != nil {
		return invalid(field, "%s must be a date YYYY-MM-DD", field)
	}
	return nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Month is a calendar month "YYYY-MM".
type Month string

// Time returns the first day of the month at midnight UTC.
func (m Month) Time() (time.Time, error) { return time.Parse("2006-01", string(m)) }

// MonthOf returns the month of t in t's location.
func MonthOf(t time.Time) Month { return Month(t.Format("2006-01")) }
