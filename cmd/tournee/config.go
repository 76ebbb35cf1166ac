package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/web"
)

// config is the whole configuration of a tournee process: environment
// variables first, flags over them, defaults that run as they are.
type config struct {
	Addr        string        // TOURNEE_ADDR, --addr
	DB          string        // TOURNEE_DB, --db: the SQLite file
	DatabaseURL string        // DATABASE_URL, --database-url: PostgreSQL; overrides DB
	ShutdownIn  time.Duration // how long in-flight requests get on shutdown

	// Planning settings of the organisation.
	TimeZone  string // TOURNEE_TIME_ZONE, --time-zone
	Travel    string // TOURNEE_TRAVEL, --travel: straight, osrm or valhalla
	TravelURL string // TOURNEE_TRAVEL_URL, --travel-url: the routing engine
	Detour    string // TOURNEE_DETOUR, --detour: the straight-line model's detour factor
	// Trip tariff in euro cents: TOURNEE_HOTEL_CENTS, TOURNEE_PER_DIEM_CENTS,
	// TOURNEE_VALUE_PER_POINT_CENTS.
	HotelCents, PerDiemCents, ValuePerPointCents string

	// Alert e-mails: TOURNEE_SMTP_HOST (none: in-app alerts only),
	// TOURNEE_SMTP_PORT, TOURNEE_SMTP_SECURITY (starttls, opportunistic,
	// none or tls), TOURNEE_SMTP_USER, TOURNEE_SMTP_PASSWORD, TOURNEE_SMTP_FROM.
	SMTPHost, SMTPPort, SMTPSecurity, SMTPUser, SMTPPassword, SMTPFrom string

	// OpenVisibility, TOURNEE_OPEN_VISIBILITY=true, lets every user read
	// every account; by default a rep sees the accounts they follow.
	OpenVisibility bool
	// SecureCookies, TOURNEE_SECURE_COOKIES=true, marks the session cookie
	// Secure behind a proxy that ends TLS (it always is over TLS).
	SecureCookies bool

	// Map page: TOURNEE_TILES_URL, an XYZ template (none draws a plain
	// background), and TOURNEE_TILES_ATTRIBUTION, the credit it requires.
	Map web.Map
}

func configFromEnv(getenv func(string) string) config {
	c := config{Addr: "127.0.0.1:8080", DB: "./tournee.db", ShutdownIn: 15 * time.Second}
	if v := getenv("TOURNEE_ADDR"); v != "" {
		c.Addr = v
	}
	if v := getenv("TOURNEE_DB"); v != "" {
		c.DB = v
	}
	c.DatabaseURL = getenv("DATABASE_URL")
	c.TimeZone, c.Travel, c.TravelURL = or(getenv("TOURNEE_TIME_ZONE"), "Europe/Paris"), or(getenv("TOURNEE_TRAVEL"), "straight"), getenv("TOURNEE_TRAVEL_URL")
	c.Detour = getenv("TOURNEE_DETOUR")
	c.HotelCents, c.PerDiemCents, c.ValuePerPointCents = getenv("TOURNEE_HOTEL_CENTS"), getenv("TOURNEE_PER_DIEM_CENTS"), getenv("TOURNEE_VALUE_PER_POINT_CENTS")
	c.OpenVisibility = getenv("TOURNEE_OPEN_VISIBILITY") == "true"
	c.SecureCookies = getenv("TOURNEE_SECURE_COOKIES") == "true"
	c.SMTPHost, c.SMTPPort, c.SMTPSecurity = getenv("TOURNEE_SMTP_HOST"), getenv("TOURNEE_SMTP_PORT"), getenv("TOURNEE_SMTP_SECURITY")
	c.SMTPUser, c.SMTPPassword, c.SMTPFrom = getenv("TOURNEE_SMTP_USER"), getenv("TOURNEE_SMTP_PASSWORD"), getenv("TOURNEE_SMTP_FROM")
	c.Map = web.Map{TilesURL: getenv("TOURNEE_TILES_URL"), TilesAttribution: getenv("TOURNEE_TILES_ATTRIBUTION")}
	return c
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// planning builds the organisation's planning settings, naming the setting
// at fault.
func (c config) planning() (web.Planning, error) {
	var p web.Planning
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return p, fmt.Errorf("TOURNEE_TIME_ZONE: %w", err)
	}
	p.TimeZone = loc
	switch c.Travel {
	case "straight":
		sl := geo.StraightLine{}
		if c.Detour != "" {
			if sl.Detour, err = strconv.ParseFloat(c.Detour, 64); err != nil {
				return p, fmt.Errorf("TOURNEE_DETOUR: %q is not a number", c.Detour)
			}
		}
		if err := sl.Validate(); err != nil {
			return p, fmt.Errorf("TOURNEE_DETOUR: %w", err)
		}
		p.Travel = sl
	case "osrm", "valhalla":
		var t interface {
			geo.Travel
			Validate() error
		} = &geo.OSRM{BaseURL: c.TravelURL}
		if c.Travel == "valhalla" {
			t = &geo.Valhalla{BaseURL: c.TravelURL}
		}
		if err := t.Validate(); err != nil {
			return p, fmt.Errorf("TOURNEE_TRAVEL_URL: %w", err)
		}
		p.Travel = t
	default:
		return p, fmt.Errorf("TOURNEE_TRAVEL: %q is not straight, osrm or valhalla", c.Travel)
	}
	t := &p.Tariff
	t.HotelCents, t.PerDiemCents, t.ValuePerPointCents = web.DefaultHotelCents, web.DefaultPerDiemCents, web.DefaultValuePerPointCents
	for _, v := range []struct {
		name, raw string
		dst       *int64
	}{{"TOURNEE_HOTEL_CENTS", c.HotelCents, &t.HotelCents}, {"TOURNEE_PER_DIEM_CENTS", c.PerDiemCents, &t.PerDiemCents},
		{"TOURNEE_VALUE_PER_POINT_CENTS", c.ValuePerPointCents, &t.ValuePerPointCents}} {
		if v.raw == "" {
			continue
		}
		n, err := strconv.ParseInt(v.raw, 10, 64)
		if err != nil || n < 0 {
			return p, fmt.Errorf("%s: %q is not a whole number of cents", v.name, v.raw)
		}
		*v.dst = n
	}
	return p, nil
}

func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (TOURNEE_ADDR)")
	fs.StringVar(&c.DB, "db", c.DB, "SQLite database file (TOURNEE_DB)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; overrides --db (DATABASE_URL)")
	fs.StringVar(&c.TimeZone, "time-zone", c.TimeZone, "the organisation's time zone (TOURNEE_TIME_ZONE)")
	fs.StringVar(&c.Travel, "travel", c.Travel, "travel times: straight, osrm or valhalla (TOURNEE_TRAVEL)")
	fs.StringVar(&c.TravelURL, "travel-url", c.TravelURL, "routing engine URL for osrm or valhalla (TOURNEE_TRAVEL_URL)")
}

// storeName says which store the configuration selects, without secrets.
func (c config) storeName() string {
	if c.DatabaseURL != "" {
		return "postgres " + redactURL(c.DatabaseURL)
	}
	return "sqlite " + c.DB
}

// print writes the configuration with secrets masked.
func (c config) print(w io.Writer) {
	travel := c.Travel
	if c.TravelURL != "" {
		travel += " " + redactURL(c.TravelURL)
	}
	smtp := "none"
	if c.SMTPHost != "" {
		// The password stays out; the user name says which account is used.
		smtp = fmt.Sprintf("%s:%s user=%q", c.SMTPHost, or(c.SMTPPort, "default"), c.SMTPUser)
	}
	fmt.Fprintf(w, "tournee: addr=%s store=%s travel=%s time_zone=%s smtp=%s\n", c.Addr, c.storeName(), travel, c.TimeZone, smtp)
}

// redactURL masks the password of a database URL; an unparsable URL is
// masked whole since it may hold one anywhere.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
