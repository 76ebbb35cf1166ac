package web

import (
	"embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed static
var static embed.FS

// index serves the start page.
func (s *Server) index(c *gin.Context) error {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	return nil
}
