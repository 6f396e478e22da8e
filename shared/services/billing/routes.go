package billing

import (
	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Routes registers the public API of the billing service.
func Routes(r gin.IRouter, s *Service) {
	r.GET("/api/invoices", func(c *gin.Context) {
		orderID, ok := httpx.QueryID(c, "orderId")
		if !ok {
			return
		}
		customerID, ok := httpx.QueryID(c, "customerId")
		if !ok {
			return
		}
		page, ok := httpx.QueryPage(c)
		if !ok {
			return
		}
		list, err := s.Invoices(c.Request.Context(), orderID, customerID, page)
		httpx.ListPage(c, list, err, page, func(v domain.Invoice) string { return v.InvoiceID })
	})
	r.GET("/api/invoices/:invoiceId", httpx.ByID("invoiceId", s.Invoice))
}

// InternalRoutes registers the service-to-service API of the synchronous variants.
func InternalRoutes(r gin.IRouter, s *Service) {
	r.POST("/internal/invoices", httpx.Ensure(func(inv domain.Invoice) string { return "/api/invoices/" + inv.InvoiceID }, s.Create))
}
