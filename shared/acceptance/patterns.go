package acceptance

import (
	"github.com/microservice-patterns/lab/shared/gateway"
)

// Patterns returns GET /api/lab/patterns.
func (s *Suite) Patterns() gateway.PatternsInfo {
	var out gateway.PatternsInfo
	s.api.Get("/api/lab/patterns", &out)
	return out
}

// Row is one row of a pattern's state, by column.
type Row map[string]any

// Int is the row's number in the column (0 when it has none).
func (r Row) Int(column string) int {
	f, _ := r[column].(float64)
	return int(f)
}

// Text is the row's text in the column ("" when it has none).
func (r Row) Text(column string) string {
	s, _ := r[column].(string)
	return s
}

// PatternRow returns the row of a pattern's state at service whose first cell
// is key; it fails the test when there is none.
func (s *Suite) PatternRow(pattern, service, key string) Row {
	s.t.Helper()
	info := s.Patterns()
	for _, p := range info.Patterns {
		if p.Name != pattern {
			continue
		}
		for _, t := range p.Services {
			if t.Service != service {
				continue
			}
			for _, row := range t.Rows {
				if len(row) > 0 && row[0] == key {
					out := Row{}
					for i, c := range t.Columns {
						if i < len(row) {
							out[c] = row[i]
						}
					}
					return out
				}
			}
		}
	}
	s.t.Fatalf("no row %q of %s at %s in %+v", key, pattern, service, info)
	return nil
}
