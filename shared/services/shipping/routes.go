package shipping

import (
	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Routes registers the public API of the shipping service.
func Routes(r gin.IRouter, s *Service) {
	r.GET("/api/shipments", func(c *gin.Context) {
		orderID, ok := httpx.QueryID(c, "orderId")
		if !ok {
			return
		}
		page, ok := httpx.QueryPage(c)
		if !ok {
			return
		}
		list, err := s.Shipments(c.Request.Context(), orderID, page)
		httpx.ListPage(c, list, err, page, func(v domain.Shipment) string { return v.ShipmentID })
	})
	r.GET("/api/shipments/:shipmentId", httpx.ByID("shipmentId", s.Shipment))
}

// InternalRoutes registers the service-to-service API of the synchronous variants.
func InternalRoutes(r gin.IRouter, s *Service) {
	r.POST("/internal/shipments", httpx.Ensure(func(sh domain.Shipment) string { return "/api/shipments/" + sh.ShipmentID }, s.Create))
}
