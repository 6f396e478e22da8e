// Command event-notification runs one service, or the gateway, of the event
// notification variant: thin events over RabbitMQ, and a consumer that needs
// more calls the owner back. Usage: event-notification <service|gateway>.
package main

import "github.com/microservice-patterns/lab/shared/app"

func main() { app.Main(variant) }
