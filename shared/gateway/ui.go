package gateway

import (
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// ui serves the built UI: a file of the dist folder when one matches, index.html
// for the UI's own routes (paths without an extension), and a problem for the
// rest. When the UI is not built it serves a page that says how to build it.
// The folder is looked at on every request, so a UI built while the lab runs shows up.
func (g *gateway) ui(c *gin.Context) {
	p := c.Request.URL.Path
	if strings.HasPrefix(p+"/", "/api/") || !public(p) || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		notFound(c)
		return
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	spaRoute := path.Ext(name) == ""
	dist := os.DirFS(g.uiDist)
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		if spaRoute || name == "index.html" {
			g.notBuilt(c)
			return
		}
		notFound(c)
		return
	}
	if name == "" || !isFile(dist, name) {
		if !spaRoute {
			notFound(c)
			return
		}
		name = "index.html"
	}
	serveFile(c, dist, name)
}

func isFile(fsys fs.FS, name string) bool {
	fi, err := fs.Stat(fsys, name)
	return err == nil && fi.Mode().IsRegular()
}

// serveFile writes one file with its content type (from its extension), in
// the precompressed variant the browser accepts when the build wrote one, and
// lets the browser keep the content-hashed assets under assets/ for good
// (index.html, which names them, is checked again every time).
func serveFile(c *gin.Context, fsys fs.FS, name string) {
	file, encoding := precompressed(c, fsys, name)
	f, err := fsys.Open(file)
	if err != nil {
		notFound(c)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	rs, ok := f.(io.ReadSeeker)
	if err != nil || !ok {
		_ = c.Error(errors.Join(errors.New("ui: cannot serve "+name), err))
		notFound(c)
		return
	}
	if strings.HasPrefix(name, "assets/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("Content-Type", contentType(name))
	if encoding != "" {
		c.Header("Content-Encoding", encoding)
	}
	http.ServeContent(c.Writer, c.Request, name, fi.ModTime(), rs)
}

// notBuilt answers the page shown when ui-frontend/dist does not exist.
func (g *gateway) notBuilt(c *gin.Context) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-cache")
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	data := struct{ Variant, Origin, Dist string }{g.variant, "http://" + c.Request.Host, g.uiDist}
	if err := notBuiltPage.Execute(c.Writer, data); err != nil {
		_ = c.Error(err)
	}
}

var notBuiltPage = template.Must(template.New("ui").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Lab: {{.Variant}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f4;padding:1rem;overflow-x:auto}code{background:#f4f4f4;padding:0 .2rem}</style></head>
<body>
<h1>Variant <code>{{.Variant}}</code> is running</h1>
<p>The web UI is not built, so this gateway serves the API only (the UI would be in <code>{{.Dist}}</code>).
<code>make ui</code> builds it; it needs Node.js. Then reload this page.</p>
<h2>Use the API with curl</h2>
<pre>
# the variant and the health of each service
curl -s {{.Origin}}/api/lab/info

# customers and products
curl -s {{.Origin}}/api/customers
curl -s {{.Origin}}/api/products

# create an order, add an item, confirm, and watch it complete
curl -s -X POST {{.Origin}}/api/orders -H 'Content-Type: application/json' -d '{"customerId":"CUSTOMER_ID"}'
curl -s -X POST {{.Origin}}/api/orders/ORDER_ID/items -H 'Content-Type: application/json' -d '{"productId":"PRODUCT_ID","quantity":2}'
curl -s -X POST {{.Origin}}/api/orders/ORDER_ID/confirm
curl -s {{.Origin}}/api/orders/ORDER_ID

# what followed
curl -s '{{.Origin}}/api/shipments?orderId=ORDER_ID'
curl -s '{{.Origin}}/api/invoices?orderId=ORDER_ID'
</pre>
</body>
</html>
`))
