import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ProblemView } from './common';
import { OrderTimeline } from './Timeline';

describe('ProblemView', () => {
  it('shows title, detail, status and every field error in plain words', () => {
    render(
      <ProblemView
        context="Not done"
        problem={{
          title: 'Validation failed',
          status: 400,
          detail: 'The request has invalid fields.',
          errors: [
            { field: 'quantity', message: 'must be 1..1000' },
            { field: 'productId', message: 'is not a UUID' },
          ],
        }}
      />,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Not done: Validation failed (HTTP 400)');
    expect(alert.textContent).toContain('The request has invalid fields.');
    const errors = screen.getByRole('list', { name: 'Field errors' });
    expect(errors.textContent).toContain('quantity: must be 1..1000');
    expect(errors.textContent).toContain('productId: is not a UUID');
  });

  it('explains a failing downstream service and offers a retry', () => {
    const retry = vi.fn();
    render(<ProblemView problem={{ title: 'Bad Gateway', status: 502, retryAfter: 3 }} onRetry={retry} />);
    expect(screen.getByRole('alert').textContent).toMatch(/service behind the gateway is down/);
    expect(screen.getByRole('alert').textContent).toContain('Try again in 3 s.');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(retry).toHaveBeenCalledOnce();
  });
});

describe('OrderTimeline', () => {
  it('marks done steps and the current one', () => {
    render(<OrderTimeline status="SHIPPED" />);
    const steps = screen.getAllByRole('listitem');
    expect(steps.map((s) => s.textContent)).toEqual([
      '✓OPEN (done)',
      '✓CONFIRMED (done)',
      '3SHIPPED (current)',
      '4COMPLETED (not yet)',
    ]);
    expect(steps[2].getAttribute('aria-current')).toBe('step');
  });

  it('shows a canceled order distinctly', () => {
    render(<OrderTimeline status="CANCELED" />);
    const steps = screen.getAllByRole('listitem');
    expect(steps).toHaveLength(2);
    expect(steps[1].classList.contains('step-canceled')).toBe(true);
    expect(steps[1].textContent).toContain('CANCELED');
  });
});
