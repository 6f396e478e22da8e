// Command bulkhead runs one service of the bulkhead variant: the REST baseline in
// which ordering may have only so many calls in flight to each other service.
// Usage: bulkhead <service>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
