package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"
)

// config is the whole configuration of a tournee process: environment
// variables first, flags over them, defaults that run as they are.
type config struct {
	Addr        string        // TOURNEE_ADDR, --addr
	DB          string        // TOURNEE_DB, --db: the SQLite file
	DatabaseURL string        // DATABASE_URL, --database-url: PostgreSQL; overrides DB
	ShutdownIn  time.Duration // how long in-flight requests get on shutdown
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
	return c
}

func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (TOURNEE_ADDR)")
	fs.StringVar(&c.DB, "db", c.DB, "SQLite database file (TOURNEE_DB)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; overrides --db (DATABASE_URL)")
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
	fmt.Fprintf(w, "tournee: addr=%s store=%s\n", c.Addr, c.storeName())
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
