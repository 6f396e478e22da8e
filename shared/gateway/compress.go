package gateway

import (
	"bufio"
	"compress/gzip"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Compression, two ways. The UI's files are compressed once, when the UI is
// built (ui-frontend/scripts/compress.mjs writes name.br and name.gz next to
// each file), and served as they are to a browser that accepts them. JSON
// answers are compressed on the fly above minCompressSize; the event stream
// (text/event-stream) and every other type pass untouched.

// minCompressSize is the smallest JSON body worth compressing: below it the
// gzip header and the CPU cost more than they save.
const minCompressSize = 1024

// encodings are the precompressed variants the gateway looks for, best first.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// precompressed answers the variant of name to serve for the request's
// Accept-Encoding: its file name, and the Content-Encoding to announce ("" for
// name itself). It sets Vary whenever a variant exists, since the answer then
// depends on the header.
func precompressed(c *gin.Context, fsys fs.FS, name string) (file, encoding string) {
	accepted := acceptedEncodings(c.GetHeader("Accept-Encoding"))
	for _, e := range encodings {
		if !isFile(fsys, name+e.ext) {
			continue
		}
		c.Writer.Header().Add("Vary", "Accept-Encoding")
		for _, e := range encodings {
			if accepted[e.name] && isFile(fsys, name+e.ext) {
				return name + e.ext, e.name
			}
		}
		break
	}
	return name, ""
}

// acceptedEncodings parses an Accept-Encoding header: the codings with a
// non-zero quality ("*" stands for any).
func acceptedEncodings(header string) map[string]bool {
	out := map[string]bool{}
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		out[coding] = q > 0
	}
	if out["*"] {
		for _, e := range encodings {
			if _, named := out[e.name]; !named {
				out[e.name] = true
			}
		}
	}
	return out
}

// acceptsGzip is acceptedEncodings(header)["gzip"] without building the map:
// it runs on every proxied request, most of which (API clients) name no coding.
func acceptsGzip(header string) bool {
	if !strings.Contains(header, "gzip") && !strings.Contains(header, "*") {
		return false
	}
	return acceptedEncodings(header)["gzip"]
}

// contentType is the type of a UI file by its extension.
func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compressJSON gzips JSON answers (application/json, application/problem+json,
// any +json) of minCompressSize bytes or more for clients that accept gzip.
// It decides at the first write, from the answer's Content-Type, so streams
// of another type — the SSE event stream above all — are never buffered.
func compressJSON() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodHead || !acceptsGzip(c.GetHeader("Accept-Encoding")) {
			c.Next()
			return
		}
		w := &jsonGzipWriter{ResponseWriter: c.Writer, status: http.StatusOK}
		c.Writer = w
		defer func() {
			w.finish()
			c.Writer = w.ResponseWriter
		}()
		c.Next()
	}
}

type gzipMode int

const (
	undecided gzipMode = iota
	plain
	compressed
)

// jsonGzipWriter holds back the header and up to minCompressSize bytes of the
// body until it knows whether the answer is JSON and large enough to compress.
type jsonGzipWriter struct {
	gin.ResponseWriter
	mode   gzipMode
	status int
	held   bool // WriteHeader was called and not yet passed on
	buf    []byte
	gz     *gzip.Writer
}

func (w *jsonGzipWriter) WriteHeader(code int) {
	if w.mode != undecided {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		w.mode = plain
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status, w.held = code, true
}

func (w *jsonGzipWriter) WriteHeaderNow() {
	if w.mode == undecided {
		w.decide(false)
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Status answers the status the handler set, even while it is held back.
func (w *jsonGzipWriter) Status() int {
	if w.mode == undecided && w.held {
		return w.status
	}
	return w.ResponseWriter.Status()
}

func (w *jsonGzipWriter) Write(p []byte) (int, error) {
	switch w.mode {
	case plain:
		return w.ResponseWriter.Write(p)
	case compressed:
		return w.gz.Write(p)
	}
	if !w.eligible() {
		w.decide(false)
		return w.ResponseWriter.Write(p)
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= minCompressSize {
		if err := w.decide(true); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *jsonGzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush sends what is held, unless the answer is JSON: a JSON document is not
// a stream, and the reverse proxy flushes after every write of an upstream
// answer without a Content-Length (any large list). Everything else — the
// event stream first — is passed on at once.
func (w *jsonGzipWriter) Flush() {
	switch w.mode {
	case undecided:
		if w.eligible() {
			return
		}
		_ = w.decide(false)
	case compressed:
		return
	}
	w.ResponseWriter.Flush()
}

func (w *jsonGzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.mode == undecided {
		w.mode = plain
	}
	return w.ResponseWriter.Hijack()
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *jsonGzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// eligible tells whether the answer is JSON that nobody has encoded yet.
func (w *jsonGzipWriter) eligible() bool {
	h := w.Header()
	if h.Get("Content-Encoding") != "" {
		return false
	}
	t, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return t == "application/json" || (strings.HasPrefix(t, "application/") && strings.HasSuffix(t, "+json"))
}

// decide passes the held header on, compressed or not, and what was buffered.
func (w *jsonGzipWriter) decide(compress bool) error {
	if compress {
		w.mode = compressed
		h := w.Header()
		h.Del("Content-Length")
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
	} else {
		w.mode = plain
		if w.eligible() {
			w.Header().Add("Vary", "Accept-Encoding")
		}
	}
	if w.held {
		w.ResponseWriter.WriteHeader(w.status)
	}
	if compress {
		w.gz, _ = gzip.NewWriterLevel(w.ResponseWriter, gzip.DefaultCompression)
		_, err := w.gz.Write(w.buf)
		w.buf = nil
		return err
	}
	if len(w.buf) > 0 {
		_, err := w.ResponseWriter.Write(w.buf)
		w.buf = nil
		return err
	}
	return nil
}

// finish ends the answer: what is still held goes out uncompressed (it is
// small), a compressed one gets its gzip trailer.
func (w *jsonGzipWriter) finish() {
	switch w.mode {
	case undecided:
		if w.held || len(w.buf) > 0 {
			_ = w.decide(false)
		}
	case compressed:
		_ = w.gz.Close()
	}
}
