// Command timeout runs one service of the timeout variant: the REST baseline in
// which every call ordering makes has a deadline, and every request a budget for
// all its calls. Usage: timeout <service>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
