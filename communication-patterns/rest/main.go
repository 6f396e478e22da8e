// Command rest runs one service of the synchronous REST variant: the baseline
// every other variant is compared with. Usage: rest <service>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
