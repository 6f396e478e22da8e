import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ListState, ProblemView } from './common';
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
    expect(steps.map((s) => `${s.querySelector('.step-dot')?.getAttribute('data-mark')}${s.textContent}`)).toEqual([
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

describe('ListState', () => {
  const base = { loading: false, error: undefined, reload: () => undefined };

  it('says it is loading until the first data arrives', () => {
    render(<ListState state={{ ...base, loading: true, data: undefined }} what="invoices" empty="No invoices." />);
    expect(screen.getByRole('status').textContent).toContain('Loading invoices');
  });

  it('shows the problem with a retry that reloads', () => {
    const reload = vi.fn();
    render(
      <ListState
        state={{ ...base, reload, data: undefined, error: { title: 'Bad Gateway', status: 502 } }}
        what="invoices"
        empty="No invoices."
      />,
    );
    expect(screen.getByRole('alert').textContent).toContain('Could not load invoices');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(reload).toHaveBeenCalledOnce();
  });

  it('says the list is empty, counting what is shown after filters', () => {
    const { rerender } = render(<ListState state={{ ...base, data: [1, 2] }} what="orders" empty="No orders." />);
    expect(screen.queryByText('No orders.')).toBeNull();
    rerender(<ListState state={{ ...base, data: [1, 2] }} what="orders" empty="No orders." count={0} />);
    expect(screen.getByText('No orders.')).toBeTruthy();
  });
});
