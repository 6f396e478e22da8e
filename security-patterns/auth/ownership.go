package auth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// own keeps a customer to their own records, around the service's routes
// and without their knowing: a list is filtered (by its customerId filter,
// or by reading the answer), another customer's resource answers 404 for
// every method — the answer's owner is checked before it leaves, and before
// a change to an order the order's owner is read from the service itself —
// and an order for another customer is refused with 403.
func (g *Guard) own(c *gin.Context, id string) {
	r := c.Request
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // api, <collection>, [<id>, …]
	if len(segs) < 2 || segs[0] != "api" {
		c.Next()
		return
	}
	collection, read := segs[1], r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case len(segs) == 2 && read && (collection == "orders" || collection == "invoices"):
		g.forceFilter(c, id)
	case len(segs) == 2 && read && (collection == "customers" || collection == "shipments"):
		g.filterAnswer(c, id)
	case len(segs) == 2 && collection == "orders" && r.Method == http.MethodPost:
		if owner := ownerOf(readBody(c)); owner != "" && owner != id {
			Forbidden(c, "a customer orders for themselves only")
			return
		}
		c.Next()
	case len(segs) >= 3 && collection == "customers":
		if segs[2] != id {
			notFound(c)
			return
		}
		c.Next()
	case len(segs) == 3 && read && (collection == "orders" || collection == "shipments" || collection == "invoices"):
		g.checkAnswer(c, id)
	case len(segs) > 3 && collection == "orders" || len(segs) == 3 && collection == "orders":
		if !g.ownsOrder(c, segs[2]) {
			notFound(c)
			return
		}
		c.Next()
	default:
		c.Next()
	}
}

func notFound(c *gin.Context) {
	httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound, "no such resource"))
}

// forceFilter sets a list's customerId filter to the customer's own; a
// filter naming another customer finds nothing.
func (g *Guard) forceFilter(c *gin.Context, id string) {
	q := c.Request.URL.Query()
	if other := q.Get("customerId"); other != "" && other != id {
		c.AbortWithStatusJSON(http.StatusOK, []any{})
		return
	}
	q.Set("customerId", id)
	c.Request.URL.RawQuery = q.Encode()
	c.Next()
}

// filterAnswer keeps the customer's own items of a list the service answers.
func (g *Guard) filterAnswer(c *gin.Context, id string) {
	status, body, release := hold(c)
	if status == http.StatusOK {
		if kept, err := filterOwned(body, id); err == nil {
			body = kept
		}
	}
	release(body)
}

// checkAnswer lets a resource through only when it is the customer's.
func (g *Guard) checkAnswer(c *gin.Context, id string) {
	status, body, release := hold(c)
	if status == http.StatusOK && ownerOf(body) != id {
		c.Writer.Header().Del("Content-Type")
		c.Writer.Header().Del("ETag")
		notFound(c)
		return
	}
	release(body)
}

// ownsOrder reads the order from the service itself, with the caller's
// token: the answer passes the owner's check there (checkAnswer) or is a 404.
func (g *Guard) ownsOrder(c *gin.Context, orderID string) bool {
	req, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, g.self+"/api/orders/"+url.PathEscape(orderID), nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", c.Request.Header.Get("Authorization"))
	req.Header.Set(httpx.RequestIDHeader, httpx.RequestID(c.Request.Context()))
	resp, err := g.http.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
