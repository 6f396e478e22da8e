package customers

import (
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

var seedTime = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Seed holds the customers every fresh database starts with; their ids are fixed.
var Seed = []domain.Customer{
	{CustomerID: "11111111-1111-4111-8111-000000000001", Name: "Ada Lovelace", Email: "ada@example.com",
		Address: "12 St James's Square, London SW1Y 4JH, United Kingdom", CreatedAt: seedTime},
	{CustomerID: "11111111-1111-4111-8111-000000000002", Name: "Grace Hopper", Email: "grace@example.com",
		Address: "1 Navy Pier, Chicago, IL 60611, United States", CreatedAt: seedTime.Add(time.Minute)},
	{CustomerID: "11111111-1111-4111-8111-000000000003", Name: "Alan Turing", Email: "alan@example.com",
		Address: "Bletchley Park, Sherwood Drive, Milton Keynes MK3 6EB, United Kingdom", CreatedAt: seedTime.Add(2 * time.Minute)},
	{CustomerID: "11111111-1111-4111-8111-000000000004", Name: "Margaret Hamilton", Email: "margaret@example.com",
		Address: "77 Massachusetts Avenue, Cambridge, MA 02139, United States", CreatedAt: seedTime.Add(3 * time.Minute)},
}
