package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/config"
)

// brokerHelp says how to get a RabbitMQ when none answers.
const brokerHelp = `variant %s needs RabbitMQ, and none answers at %s (%v).
Start one, then run again:
    apt-get install rabbitmq-server && rabbitmq-server -detached
  or
    docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3-management
  or set AMQP_URL to a broker you have.`

// checkBroker dials the broker of amqpURL and, when its management plugin
// answers, returns the plugin's URL.
func checkBroker(variant, amqpURL string) (management string, err error) {
	u, err := url.Parse(amqpURL)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("AMQP_URL %q is not a URL such as amqp://guest:guest@localhost:5672/", config.MaskURL(amqpURL))
	}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "5671", false: "5672"}[u.Scheme == "amqps"]
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(u.Hostname(), port), 2*time.Second)
	if err != nil {
		return "", fmt.Errorf(brokerHelp, variant, config.MaskURL(amqpURL), err)
	}
	_ = conn.Close()
	if err := amqpLogin(amqpURL); err != nil {
		return "", err
	}
	management = "http://" + net.JoinHostPort(u.Hostname(), "15672") + "/"
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get(management)
	if err != nil {
		return "", nil
	}
	_ = resp.Body.Close()
	return management, nil
}

// amqpLogin opens an AMQP connection as amqpURL says and closes it: a broker
// that refuses the user, or a vhost the user may not open, is one line now,
// rather than every service reporting /readyz 503 until the runner gives up.
func amqpLogin(amqpURL string) error {
	conn, err := amqp.DialConfig(amqpURL, amqp.Config{Dial: amqp.DefaultDial(3 * time.Second)})
	if err == nil {
		return conn.Close()
	}
	masked := config.MaskURL(amqpURL)
	var ae *amqp.Error
	switch {
	case errors.As(err, &ae) && ae.Reason == amqp.ErrCredentials.Reason:
		return fmt.Errorf("RabbitMQ refused the login of AMQP_URL %s: %s (set AMQP_URL to a user the broker has; guest:guest works from localhost only)", masked, ae.Reason)
	case errors.As(err, &ae) && ae.Reason == amqp.ErrVhost.Reason:
		return fmt.Errorf("RabbitMQ refused the vhost of AMQP_URL %s: %s (rabbitmqctl set_permissions -p <vhost> <user> '.*' '.*' '.*')", masked, ae.Reason)
	}
	return fmt.Errorf("AMQP_URL %s answers, but not as RabbitMQ: %v", masked, err)
}
