package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// Map holds the settings of the map page.
type Map struct {
	// TilesURL is an XYZ tile URL template such as
	// https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty means no tiles:
	// the page draws accounts and routes on a plain background.
	TilesURL string
	// TilesAttribution is the credit the tile server requires, shown on the map.
	TilesAttribution string
}

// Validate reports whether m's tile URL is an http(s) template with {z}, {x} and {y}.
func (m Map) Validate() error {
	if m.TilesURL == "" {
		return nil
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(m.TilesURL, p) {
			return fmt.Errorf("tile URL %q lacks %s", m.TilesURL, p)
		}
	}
	u, err := url.Parse(strings.ReplaceAll(m.TilesURL, "{s}", "a"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("tile URL %q is not an http or https URL", m.TilesURL)
	}
	return nil
}

// configOut is the body of GET /api/v1/config: what a client needs to draw
// the organisation's map.
type configOut struct {
	TilesURL         string `json:"tiles_url"`
	TilesAttribution string `json:"tiles_attribution"`
	TimeZone         string `json:"time_zone"`
}

// clientConfig answers GET /api/v1/config.
func (s *Server) clientConfig(c *gin.Context) error {
	c.JSON(http.StatusOK, configOut{TilesURL: s.cfg.Map.TilesURL, TilesAttribution: s.cfg.Map.TilesAttribution,
		TimeZone: s.cfg.Planning.TimeZone.String()})
	return nil
}
