package csvimport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/tournee/tournee/accounts"
)

// fold reduces a header name or a keyword to lower-case ASCII letters and
// digits, so that "Code postal", "code_postal" and "CODE-POSTAL" match, and
// "Durée visite" matches "duree visite".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'œ':
			b.WriteString("oe")
		case r == 'æ':
			b.WriteString("ae")
		}
	}
	return b.String()
}

// parseEuros reads an amount in euros as French and English spreadsheets
// write it ("30 000,50", "30000.50", "1.234,5 €", "1,234.50") and returns
// it in cents. A lone comma is a decimal comma, as in France; a separator
// that appears more than once, or before the other one, groups thousands.
// It never goes through float64, so that no cent is lost to rounding.
func parseEuros(field, s string) (int64, error) {
	bad := fmt.Errorf("%s must be an amount in euros, such as 30000 or 30 000,50", field)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '€' || r == '\'' {
			return -1 // spaces, NBSP and narrow NBSP group thousands in French
		}
		return r
	}, s)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "EUR"), "eur")
	neg := strings.HasPrefix(s, "-")
	if neg || strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if s == "" {
		return 0, bad
	}
	dot, comma := strings.Count(s, "."), strings.Count(s, ",")
	var decimal byte
	switch {
	case dot == 0 && comma == 0:
	case dot > 0 && comma > 0:
		// The later one is the decimal separator: "1.234,50" or "1,234.50".
		decimal = s[strings.LastIndexAny(s, ".,")]
		thousands := "."
		if decimal == '.' {
			thousands = ","
		}
		if strings.Count(s, string(decimal)) > 1 {
			return 0, bad
		}
		s = strings.ReplaceAll(s, thousands, "")
	case dot == 1:
		decimal = '.'
	case comma == 1:
		decimal = ','
	default: // "1.234.567" or "1,234,567"
		s = strings.NewReplacer(".", "", ",", "").Replace(s)
	}
	whole, frac := s, ""
	if decimal != 0 {
		whole, frac, _ = strings.Cut(s, string(decimal))
	}
	frac = strings.TrimRight(frac, "0") // "30000.500" is still 30000.50
	if len(frac) > 2 {
		return 0, fmt.Errorf("%s must not have more than 2 decimals", field)
	}
	if whole == "" {
		whole = "0"
	}
	if !digits(whole) || !digits(frac) || len(whole) > 15 {
		return 0, bad
	}
	euros, _ := strconv.ParseInt(whole, 10, 64)
	cents, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	v := euros*100 + cents
	if neg {
		v = -v
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDegrees reads a latitude or longitude, with a decimal point or, as a
// French spreadsheet writes it, a decimal comma.
func parseDegrees(field, s string) (float64, error) {
	s = strings.Replace(s, ",", ".", 1)
	// Only digits with one optional point and sign: ParseFloat alone would
	// also accept "NaN", "Inf", "0x1p3" and "1e3".
	whole, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || len(s)-len(strings.TrimLeft(s, "+-")) > 1 || !digits(whole) || !digits(frac) || whole+frac == "" {
		return 0, fmt.Errorf("%s must be a number in decimal degrees, such as 45.7640", field)
	}
	return v, nil
}

// parseDate reads a day written dd/mm/yyyy (as in France; also with - or .)
// or yyyy-mm-dd.
func parseDate(field, s string) (accounts.Date, error) {
	for _, layout := range []string{"2006-01-02", "2/1/2006", "2-1-2006", "2.1.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return accounts.DateOf(t), nil
		}
	}
	return "", fmt.Errorf("%s must be a date dd/mm/yyyy or yyyy-mm-dd", field)
}

// parseMonth reads a month written YYYY-MM or MM/YYYY. A full date is taken
// for its month, because spreadsheets often turn "03/2024" into "01/03/2024".
func parseMonth(field, s string) (accounts.Month, error) {
	for _, layout := range []string{"2006-01", "1/2006", "1-2006", "2006/1"} {
		if t, err := time.Parse(layout, s); err == nil {
			return accounts.MonthOf(t), nil
		}
	}
	if d, err := parseDate(field, s); err == nil {
		return accounts.Month(d[:7]), nil
	}
	return "", fmt.Errorf("%s must be YYYY-MM or MM/YYYY", field)
}

// kindNames maps folded French and English words to account kinds.
var kindNames = map[string]accounts.Kind{
	"prospect": accounts.KindProspect, "prospects": accounts.KindProspect,
	"client": accounts.KindClient, "clients": accounts.KindClient, "customer": accounts.KindClient,
	"former": accounts.KindFormer, "formerclient": accounts.KindFormer, "formercustomer": accounts.KindFormer,
	"ancien": accounts.KindFormer, "ancienclient": accounts.KindFormer, "exclient": accounts.KindFormer,
}

func parseKind(s string) (accounts.Kind, error) {
	if k, ok := kindNames[fold(s)]; ok {
		return k, nil
	}
	return "", errors.New("kind must be one of prospect, client, former")
}

// parseMinutes reads a visit duration in minutes ("45", "45 min").
func parseMinutes(field, s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(s), "min"), "mn"))
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 12*60 {
		return 0, fmt.Errorf("%s must be a number of minutes between 1 and 720", field)
	}
	return time.Duration(n) * time.Minute, nil
}

// splitTags splits "a|b" or "a, b"; the account's Validate trims, lowers
// and removes duplicates.
func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' })
}

// legalID removes the spaces that people put in SIRET and SIREN numbers
// ("552 100 554 00013"), so that one number is written one way.
func legalID(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
