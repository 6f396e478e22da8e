package customers

import (
	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Routes registers the public API of the customers service.
func Routes(r gin.IRouter, s *Service) {
	r.GET("/api/customers", func(c *gin.Context) {
		page, ok := httpx.QueryPage(c)
		if !ok {
			return
		}
		list, err := s.Customers(c.Request.Context(), page)
		httpx.ListPage(c, list, err, page, func(v domain.Customer) string { return v.CustomerID })
	})
	r.GET("/api/customers/:customerId", httpx.ByID("customerId", s.Customer))
	r.POST("/api/customers", httpx.Create(func(c domain.Customer) string { return "/api/customers/" + c.CustomerID }, s.Create))
}
