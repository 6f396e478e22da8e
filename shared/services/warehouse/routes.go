package warehouse

import (
	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Routes registers the public API of the warehouse service.
func Routes(r gin.IRouter, s *Service) {
	r.GET("/api/products", func(c *gin.Context) {
		code, ok := httpx.QueryText(c, "code")
		if !ok {
			return
		}
		page, ok := httpx.QueryPage(c)
		if !ok {
			return
		}
		list, err := s.Products(c.Request.Context(), code, page)
		httpx.ListPage(c, list, err, page, func(v domain.Product) string { return v.ProductID })
	})
	r.GET("/api/products/:productId", httpx.ByID("productId", s.Product))
	r.POST("/api/products", httpx.Create(func(p domain.Product) string { return "/api/products/" + p.ProductID }, s.CreateProduct))
	r.GET("/api/reservations", func(c *gin.Context) {
		orderID, ok := httpx.QueryID(c, "orderId")
		if !ok {
			return
		}
		page, ok := httpx.QueryPage(c)
		if !ok {
			return
		}
		list, err := s.Reservations(c.Request.Context(), orderID, page)
		httpx.ListPage(c, list, err, page, func(v domain.Reservation) string { return v.ReservationID })
	})
	r.GET("/api/reservations/:reservationId", httpx.ByID("reservationId", s.Reservation))
}

// InternalRoutes registers the service-to-service API of the synchronous variants.
func InternalRoutes(r gin.IRouter, s *Service) {
	r.POST("/internal/reservations", httpx.Ensure(reservationLocation, s.Reserve))
	r.POST("/internal/reservations/:reservationId/confirm", httpx.ByID("reservationId", s.Confirm))
	r.POST("/internal/reservations/:reservationId/cancel", httpx.ByID("reservationId", s.Cancel))
}

func reservationLocation(r domain.Reservation) string { return "/api/reservations/" + r.ReservationID }
