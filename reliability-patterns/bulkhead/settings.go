package bulkhead

import (
	"strings"

	"github.com/microservice-patterns/lab/shared/config"
)

// settings are the sizes of the compartments: how many calls a service may
// have in flight to each callee at once (BULKHEAD_<CALLEE>).
type settings map[string]int

// defaultSizes are the sizes unless BULKHEAD_<CALLEE> says otherwise.
var defaultSizes = map[string]int{"customers": 16, "ordering": 16, "warehouse": 16, "shipping": 8, "billing": 8}

// loadSettings reads the compartments' sizes from env.
func loadSettings(env config.Getenv) (settings, error) {
	r := config.NewReader(env)
	s := settings{}
	for name, def := range defaultSizes {
		s[name] = r.Positive("BULKHEAD_"+strings.ToUpper(name), def)
	}
	return s, r.Err()
}

// of is the size of callee's compartment.
func (s settings) of(callee string) int {
	if n, ok := s[callee]; ok {
		return n
	}
	return 16
}
