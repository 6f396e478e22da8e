package eventsourcing

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"

	"github.com/microservice-patterns/lab/shared/store"
)

// appendOnly is migration 2 of the event store: triggers that refuse every
// UPDATE and DELETE of order_events, so the log can only grow. The two
// dialects write a trigger differently, hence Go rather than a SQL file.
func appendOnly(d store.Dialect) *goose.Migration {
	up, down := []string{
		`CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
		 BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END`,
		`CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
		 BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END`,
	}, []string{`DROP TRIGGER order_events_no_update`, `DROP TRIGGER order_events_no_delete`}
	if d == store.Postgres {
		up = []string{
			`CREATE FUNCTION order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			 BEGIN RAISE EXCEPTION 'order_events is append-only: % is refused', TG_OP; END $$`,
			`CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
			 FOR EACH ROW EXECUTE FUNCTION order_events_append_only()`,
		}
		down = []string{`DROP TRIGGER order_events_append_only ON order_events`,
			`DROP FUNCTION order_events_append_only()`}
	}
	return goose.NewGoMigration(2, &goose.GoFunc{RunTx: execAll(up)}, &goose.GoFunc{RunTx: execAll(down)})
}

func execAll(stmts []string) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
}
