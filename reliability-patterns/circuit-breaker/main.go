// Command circuit-breaker runs one service of the circuit-breaker variant: the
// REST baseline with a circuit breaker on each of ordering's calls to the
// warehouse, shipping and billing. Usage: circuit-breaker <service>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
