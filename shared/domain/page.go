package domain

// The bounds of a page of a list (CONTRACT.md, docs/openapi.yaml).
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 500
)

// Page asks for one page of a list in its stable order (newest first: by
// creation time, then id, both descending; products by code): at most Limit
// items after the item whose id is After ("" for the first page). A Limit of
// 0 asks for the whole list (a service's own reads). A repository answers up
// to Limit+1 items, so that its caller can tell whether more remain.
type Page struct {
	Limit int
	After string
}
