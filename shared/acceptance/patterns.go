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

// PatternRow returns the row of a pattern's state at service whose first cell
// is key, as a map from column to cell; it fails the test when there is none.
func (s *Suite) PatternRow(pattern, service, key string) map[string]any {
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
					out := map[string]any{}
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
