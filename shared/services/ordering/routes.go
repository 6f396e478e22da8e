package ordering

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// API is what the public routes serve: the synchronous core (Service) and the
// choreographed one (Choreography) both offer it, so the routes are written once.
type API interface {
	Create(ctx context.Context, in domain.NewOrder) (domain.Order, error)
	Order(ctx context.Context, id string) (domain.Order, error)
	Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]domain.Order, error)
	Item(ctx context.Context, orderID, itemID string) (domain.OrderItem, error)
	AddItem(ctx context.Context, orderID string, in domain.NewItem) (domain.OrderItem, error)
	RemoveItem(ctx context.Context, orderID, itemID string) (domain.Order, error)
	Confirm(ctx context.Context, orderID string) (domain.Order, error)
	Cancel(ctx context.Context, orderID string) (domain.Order, error)
}

// DefaultCommandBudget bounds a command that Commands has detached from its client.
const DefaultCommandBudget = 30 * time.Second

// RouteOption changes what Routes registers.
type RouteOption func(*routeOptions)

type routeOptions struct {
	budget  time.Duration
	queries Queries
}

// Queries answer the two reads of orders, GET /api/orders and GET
// /api/orders/{orderId}, in place of the core: a base whose reads come from a
// model of their own (CQRS) registers them, and the core keeps the commands.
type Queries interface {
	ListOrders(c *gin.Context)
	GetOrder(c *gin.Context)
}

// WithQueries serves the reads of orders from q instead of the core.
func WithQueries(q Queries) RouteOption {
	return func(o *routeOptions) { o.queries = q }
}

// WithCommandBudget sets the server-side deadline of one command (default DefaultCommandBudget).
func WithCommandBudget(d time.Duration) RouteOption {
	return func(o *routeOptions) {
		if d > 0 {
			o.budget = d
		}
	}
}

// Commands detaches every request that may change state (any method but GET
// and HEAD) from its client: a command that has started runs to its end, or to
// its own deadline, budget, whatever the client does. A client that gives up
// half-way (it closes the connection, or the gateway in front of it times out)
// would otherwise cancel ordering's calls and writes between two steps and
// leave the order half-done: an item PENDING for good, stock held for an item
// the order does not have, a confirmed order never shipped.
func Commands(budget time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), budget)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// Routes registers the public API of the ordering service; its commands run
// detached from the client (Commands).
func Routes(router gin.IRouter, s API, opts ...RouteOption) {
	o := routeOptions{budget: DefaultCommandBudget}
	for _, opt := range opts {
		opt(&o)
	}
	r := router.Group("", Commands(o.budget))
	if o.queries != nil {
		r.GET("/api/orders", o.queries.ListOrders)
		r.GET("/api/orders/:orderId", o.queries.GetOrder)
	} else {
		r.GET("/api/orders", func(c *gin.Context) { listOrders(c, s) })
		r.GET("/api/orders/:orderId", func(c *gin.Context) { getOrder(c, s) })
	}
	r.POST("/api/orders", httpx.Create(func(o domain.Order) string { return "/api/orders/" + o.OrderID }, s.Create))
	historyRoutes(r, s)
	r.POST("/api/orders/:orderId/confirm", httpx.ByID("orderId", s.Confirm))
	r.POST("/api/orders/:orderId/cancel", httpx.ByID("orderId", s.Cancel))
	r.POST("/api/orders/:orderId/items", func(c *gin.Context) { addItem(c, s) })
	r.GET("/api/orders/:orderId/items/:itemId", func(c *gin.Context) {
		orderID, itemID, ok := itemIDs(c)
		if ok {
			it, err := s.Item(c.Request.Context(), orderID, itemID)
			httpx.Respond(c, http.StatusOK, it, err)
		}
	})
	r.DELETE("/api/orders/:orderId/items/:itemId", func(c *gin.Context) {
		orderID, itemID, ok := itemIDs(c)
		if ok {
			o, err := s.RemoveItem(c.Request.Context(), orderID, itemID)
			httpx.Respond(c, http.StatusOK, o, err)
		}
	})
}

func listOrders(c *gin.Context, s API) {
	customerID, status, page, ok := ListQuery(c)
	if !ok {
		return
	}
	list, err := s.Orders(c.Request.Context(), customerID, status, page)
	httpx.ListPage(c, list, err, page, func(v domain.Order) string { return v.OrderID })
}

// ListQuery reads the filters and the page of GET /api/orders; a malformed
// one has been answered 400 when ok is false. Queries of their own use it too.
func ListQuery(c *gin.Context) (customerID string, status domain.OrderStatus, page domain.Page, ok bool) {
	if customerID, ok = httpx.QueryID(c, "customerId"); !ok {
		return
	}
	text, ok := httpx.QueryText(c, "status")
	if !ok {
		return
	}
	if text != "" && !domain.ValidOrderStatus(text) {
		httpx.WriteError(c, domain.Invalid(domain.FieldError{Field: "status",
			Message: "must be one of OPEN, CONFIRMED, SHIPPED, COMPLETED, CANCELED"}))
		return "", "", page, false
	}
	page, ok = httpx.QueryPage(c)
	return customerID, domain.OrderStatus(text), page, ok
}

func addItem(c *gin.Context, s API) {
	orderID, ok := httpx.PathID(c, "orderId")
	if !ok {
		return
	}
	var in domain.NewItem
	if !httpx.Bind(c, &in) {
		return
	}
	it, err := s.AddItem(c.Request.Context(), orderID, in)
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	c.Header("Location", "/api/orders/"+orderID+"/items/"+it.ItemID)
	c.JSON(http.StatusCreated, it)
}

func itemIDs(c *gin.Context) (orderID, itemID string, ok bool) {
	if orderID, ok = httpx.PathID(c, "orderId"); !ok {
		return "", "", false
	}
	itemID, ok = httpx.PathID(c, "itemId")
	return orderID, itemID, ok
}
