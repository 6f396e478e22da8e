// Command rate-limiting runs one service, or the gateway, of the rate-limiting
// variant: the REST baseline whose gateway gives each client a token bucket.
// Usage: rate-limiting <service|gateway>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
