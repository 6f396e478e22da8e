// Command retry runs one service of the retry variant: the REST baseline whose
// ordering retries its calls to other services when they fail for a reason that
// may pass. Usage: retry <service>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
