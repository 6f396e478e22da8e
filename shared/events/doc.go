// Package events makes the services announce their state changes. Each
// function here decorates one service's repository: it runs the change and
// publishes the change's events through a messaging.Emitter in the same
// transaction (the transactional outbox), in the emitter's style, thin or fat.
// The services' cores never publish; the asynchronous variants wrap their
// repositories, and the synchronous ones leave them as they are.
package events
