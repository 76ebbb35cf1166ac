package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiDoc is the OpenAPI 3 document of the API.
type apiDoc struct{}

func newAPIDoc() *apiDoc { return &apiDoc{} }

func (s *Server) openapi(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"openapi": "3.0.3"})
	return nil
}
