package app

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// BuildGateway returns the gateway's handler for the variant: the base's
// options, and each pattern's extension of the gateway.
func BuildGateway(v Variant, cfg config.Gateway, env config.Getenv, log *slog.Logger) (http.Handler, func() error, error) {
	cfg.Variant = v.Name
	exts, err := extend(v, "gateway", env, log)
	if err != nil {
		return nil, nil, err
	}
	log = exts.logger(log)
	var opts []gateway.Option
	if b := v.base(); b.Gateway != nil {
		if opts, err = b.Gateway(cfg, log); err != nil {
			exts.close()
			return nil, nil, fmt.Errorf("gateway: %w", err)
		}
	}
	if b := v.base(); b.RefuseAbove != nil {
		n, err := b.RefuseAbove(env)
		if err != nil {
			exts.close()
			return nil, nil, fmt.Errorf("gateway: %w", err)
		}
		opts = append(opts, gateway.WithRefuseAbove(n))
	}
	info := make([]gateway.PatternInfo, 0, len(v.Patterns))
	for _, p := range v.Patterns {
		info = append(info, gateway.PatternInfo{Name: p.Name, Category: p.Category, Description: p.Description})
	}
	opts = append(opts, gateway.WithPatterns(v.base().Name, info, exts.states),
		gateway.WithOrders(v.base().History, v.base().EventualReads()))
	for _, p := range v.Patterns {
		if p.Login != nil {
			opts = append(opts, gateway.WithLogin())
			break
		}
	}
	for _, x := range exts {
		opts = append(opts, gateway.WithStage(httpx.StageTracing, x.Tracing...), gateway.WithStage(httpx.StageMetrics, x.Metrics...),
			gateway.WithStage(httpx.StageAuth, x.Auth...), gateway.WithMiddleware(x.Inbound...))
		if x.Call != nil {
			opts = append(opts, gateway.WithCalls(x.Call))
		}
	}
	h, err := gateway.New(cfg, log, opts...)
	if err != nil {
		exts.close()
		return nil, nil, err
	}
	return h, exts.close, nil
}
