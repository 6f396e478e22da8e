package gateway

import (
	"context"
	"log/slog"
)

// promote is a slog.Handler that writes debug records at info level.
type promote struct{ slog.Handler }

func (p promote) Enabled(ctx context.Context, level slog.Level) bool {
	return p.Handler.Enabled(ctx, max(level, slog.LevelInfo))
}

func (p promote) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		r.Level = slog.LevelInfo
	}
	return p.Handler.Handle(ctx, r)
}

func (p promote) WithAttrs(attrs []slog.Attr) slog.Handler {
	return promote{p.Handler.WithAttrs(attrs)}
}

func (p promote) WithGroup(name string) slog.Handler {
	return promote{p.Handler.WithGroup(name)}
}
