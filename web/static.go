package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// static holds the map page: index.html at the root, its scripts, styles
// and the vendored libraries under static/ (served at /static/).
//
//go:embed static
var static embed.FS

// assetPrefix is where the files of static/ are served, index.html aside.
const assetPrefix = "/static/"

// asset is one embedded file, ready to serve.
type asset struct {
	name  string // path under static/, such as "app.js"
	body  []byte
	ctype string
	// etag is a hash of body: the URLs carry no version, so browsers
	// revalidate on each load (Cache-Control: no-cache) and get a 304
	// until a new binary changes the file.
	etag string
}

// assets reads every embedded file but the page itself, in lexical order.
func assets() ([]asset, error) {
	var out []asset
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "static/index.html" {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, newAsset(strings.TrimPrefix(p, "static/"), b))
		return nil
	})
	return out, err
}

func newAsset(name string, b []byte) asset {
	sum := sha256.Sum256(b)
	return asset{name: name, body: b, ctype: contentType(name), etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// contentType is the media type of a file by its extension; files without
// one (licences) are text.
func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "text/plain; charset=utf-8"
}

// serveAssets registers one GET route per embedded file, so that the
// OpenAPI document can list exactly what is served (see apiDoc.static) and
// anything else gets the API's JSON 404.
func (s *Server) serveAssets(e *gin.Engine) {
	files, err := assets()
	if err != nil {
		panic(err) // the files are compiled in: this cannot fail at run time
	}
	for _, a := range files {
		e.GET(assetPrefix+a.name, func(c *gin.Context) { a.serve(c) })
	}
}

func (a asset) serve(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match with 304 and handles ranges.
	http.ServeContent(c.Writer, c.Request, a.name, time.Time{}, bytes.NewReader(a.body))
}

// index serves the map page under a Content-Security-Policy that allows
// scripts and styles from this server only, and images from the tile
// server when one is configured.
func (s *Server) index(c *gin.Context) error {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		return err
	}
	a := newAsset("index.html", page)
	a.ctype = "text/html; charset=utf-8"
	c.Header("Content-Security-Policy", s.contentPolicy())
	c.Header("Referrer-Policy", "same-origin")
	a.serve(c)
	return nil
}

// contentPolicy is the page's Content-Security-Policy. Leaflet positions
// its layers through element.style, which style-src does not restrict, so
// no 'unsafe-inline' is needed.
func (s *Server) contentPolicy() string {
	img := "'self' data:"
	if src := tileSource(s.cfg.Map.TilesURL); src != "" {
		img += " " + src
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
}

// tileSource is the CSP source of a tile URL template: its scheme and
// host, with a {s} subdomain as a wildcard.
func tileSource(template string) string {
	if template == "" {
		return ""
	}
	// A placeholder stands for {s} while parsing: braces are not allowed in a host.
	const sub = "subdomain-placeholder"
	u, err := url.Parse(strings.ReplaceAll(template, "{s}", sub))
	if err != nil || u.Host == "" {
		return ""
	}
	host := u.Host
	if i := strings.Index(host, sub); i >= 0 {
		host = "*" + host[i+len(sub):]
	}
	return u.Scheme + "://" + host
}
