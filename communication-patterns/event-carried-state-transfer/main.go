// Command event-carried-state-transfer runs one service, or the gateway, of the
// event-carried state transfer variant: fat events over RabbitMQ, and consumers
// that keep local copies and never call back.
// Usage: event-carried-state-transfer <service|gateway>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
