import { render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { customers, fakeApi, problem, products } from './test/fakeApi';
import type { Session } from './types';

const ada: Session = { user: 'ada', name: 'Ada Lovelace', roles: ['customer'], customerId: customers[0].customerId };
const admin: Session = { user: 'admin', name: 'Administrator', roles: ['admin'] };

function securityLab(session: Session | undefined, extra = {}) {
  return fakeApi({
    'GET /api/lab/info': () => ({
      variant: 'rest+token-exchange',
      services: [],
      features: { events: false, faults: true, patterns: true, login: true, history: false },
    }),
    'GET /api/lab/session': () => (session ? session : problem(401, 'Unauthorized', 'no session: log in at /auth/login')),
    // A customer sees their own record only.
    'GET /api/customers': () =>
      session ? (session.customerId ? customers.filter((c) => c.customerId === session.customerId) : customers) : problem(401, 'Unauthorized'),
    'GET /api/products': () => products,
    ...extra,
  });
}

describe('App in a security variant (features.login)', () => {
  it('shows who is logged in, shops as that customer, and offers to log out', async () => {
    securityLab(ada);
    render(<App navigateTo={vi.fn()} />);
    const bar = await screen.findByTestId('session', undefined, { timeout: 5000 });
    await within(bar).findByText('Ada Lovelace (ada, customer)', undefined, { timeout: 5000 });
    const logout = within(bar).getByRole('button', { name: 'Log out' });
    const form = logout.closest('form')!;
    expect(form.getAttribute('method')).toBe('post');
    expect(form.getAttribute('action')).toBe('/auth/logout');
    const shopAs = await screen.findByTestId('shop-as', undefined, { timeout: 5000 });
    expect(shopAs.textContent).toMatch(/Shopping as Ada Lovelace, the logged-in customer/);
    expect(screen.queryByLabelText('Shop as')).toBeNull(); // no choosing another customer
    expect(window.localStorage.getItem('lab.customerId')).toBe(ada.customerId);
  });

  it('lets an admin choose the customer to act as', async () => {
    securityLab(admin);
    render(<App navigateTo={vi.fn()} />);
    await screen.findByText('Administrator (admin, admin)', undefined, { timeout: 5000 });
    const select = (await screen.findByLabelText('Act as customer', undefined, { timeout: 5000 })) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toContain('Alan Turing (alan@example.org)');
  });

  it('sends a 401 from the API to the login page, coming back to where the user was', async () => {
    window.location.hash = '#/shop';
    const navigateTo = vi.fn();
    securityLab(undefined);
    render(<App navigateTo={navigateTo} />);
    const bar = await screen.findByTestId('session', undefined, { timeout: 5000 });
    await within(bar).findByText('Not logged in.', undefined, { timeout: 5000 });
    expect(within(bar).getByRole('link', { name: 'Log in' }).getAttribute('href')).toBe(
      `/auth/login?returnTo=${encodeURIComponent('/#/shop')}`,
    );
    // The customers' 401 (not the session's) sends the user to log in, once.
    await waitFor(() => expect(navigateTo).toHaveBeenCalledTimes(1));
    expect(navigateTo).toHaveBeenCalledWith(`/auth/login?returnTo=${encodeURIComponent('/#/shop')}`);
  });

  it('does neither in a variant without login', async () => {
    const navigateTo = vi.fn();
    const { calls } = fakeApi({
      'GET /api/lab/info': () => ({ variant: 'rest', services: [], features: { events: false, faults: true, patterns: false } }),
      'GET /api/customers': () => problem(401, 'Unauthorized'),
      'GET /api/products': () => products,
    });
    render(<App navigateTo={navigateTo} />);
    await screen.findByText('rest', undefined, { timeout: 5000 });
    await screen.findByText(/Could not load customers/, undefined, { timeout: 5000 });
    expect(screen.queryByTestId('session')).toBeNull();
    expect(navigateTo).not.toHaveBeenCalled();
    expect(calls.some((c) => c.path === '/api/lab/session')).toBe(false);
  });
});
