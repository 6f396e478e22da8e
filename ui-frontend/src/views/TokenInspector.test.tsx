import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PatternCell, PatternsReport } from '../types';
import { distinctTokens, TokenInspector, tokenHops } from './TokenInspector';

const SEEN = ['request', 'call', 'sub', 'aud', 'scope', 'act', 'exp', 'jti', 'clientId'];

function report(name: string, own: string[], rows: Record<string, PatternCell[]>): PatternsReport {
  return {
    variant: `rest+${name}`,
    patterns: [
      {
        name,
        category: 'security',
        services: Object.entries(rows).map(([service, row]) => ({ service, columns: [...own, ...SEEN], rows: [row] })),
      },
    ],
  };
}

const EXP = '2030-01-01T00:00:00Z';

// token-exchange: a token per hop, addressed to that hop, with the actors in act.
const exchange = report('token-exchange', ['client', 'exchanges'], {
  billing: ['billing', 0, 'req-9', 'POST /internal/invoices', 'ada', 'billing', 'invoices:internal', 'gateway → ordering', EXP, 'j-bil', 'ordering'],
  gateway: ['gateway', 1, 'req-9', 'POST /api/orders/o1/confirm', 'ada', 'gateway', 'orders:write orders:read', '', EXP, 'j-gw', 'gateway'],
  ordering: ['ordering', 3, 'req-9', 'POST /api/orders/o1/confirm', 'ada', 'ordering', 'orders:write', 'gateway', EXP, 'j-ord', 'gateway'],
  warehouse: ['warehouse', 0, 'req-9', 'POST /internal/reservations/r1/confirm', 'ada', 'warehouse', 'reservations:internal', 'gateway → ordering', EXP, 'j-wh', 'ordering'],
  customers: ['customers', 0, 'req-2', 'GET /api/customers/c1', 'ada', 'customers', 'customers:read', 'gateway → ordering', EXP, 'j-cu', 'ordering'],
  shipping: ['shipping', 0, null, null, null, null, null, null, null, null, null],
});

// token-relay: one token everywhere.
const all = 'gateway customers ordering warehouse shipping billing';
const relay = report('token-relay', [], {
  gateway: ['req-5', 'POST /api/orders/o1/confirm', 'ada', all, 'orders:write', '', EXP, 'j-1', 'gateway'],
  ordering: ['req-5', 'POST /api/orders/o1/confirm', 'ada', all, 'orders:write', '', EXP, 'j-1', 'gateway'],
  shipping: ['req-5', 'POST /internal/shipments', 'ada', all, 'orders:write', '', EXP, 'j-1', 'gateway'],
});

describe('tokenHops', () => {
  it('puts the gateway first, then the services in their order, and marks the request they share', () => {
    const hops = tokenHops(exchange)!;
    expect(hops.map((h) => h.service)).toEqual(['gateway', 'customers', 'ordering', 'warehouse', 'billing']); // shipping has none yet
    expect(hops.filter((h) => h.current).map((h) => h.service)).toEqual(['gateway', 'ordering', 'warehouse', 'billing']);
    expect(hops.find((h) => h.service === 'ordering')!.aud).toEqual(['ordering']);
    expect(hops.find((h) => h.service === 'warehouse')!.act).toBe('gateway → ordering');
    expect(distinctTokens(hops)).toBe(4);
    expect(hops.some((h) => h.sameAsGateway)).toBe(false);
  });

  it('sees one token everywhere in the relay', () => {
    const hops = tokenHops(relay)!;
    expect(distinctTokens(hops)).toBe(1);
    expect(hops.filter((h) => h.sameAsGateway).map((h) => h.service)).toEqual(['ordering', 'shipping']);
  });

  it('is undefined without a security pattern', () => {
    expect(tokenHops({ variant: 'rest+retry', patterns: [{ name: 'retry', category: 'reliability', services: [] }] })).toBeUndefined();
    expect(tokenHops(undefined)).toBeUndefined();
  });
});

describe('TokenInspector', () => {
  it('draws each hop of the last order request with its decoded claims', () => {
    render(<TokenInspector report={exchange} />);
    expect(screen.getByTestId('tokens-summary').textContent).toMatch(/req-9.*4 hops, 4 distinct tokens/);
    const hops = screen.getByRole('list', { name: 'Tokens per hop' });
    const cards = within(hops).getAllByRole('listitem');
    expect(cards.map((c) => c.getAttribute('data-service'))).toEqual(['gateway', 'ordering', 'warehouse', 'billing']);
    expect(cards.map((c) => c.getAttribute('data-aud'))).toEqual(['gateway', 'ordering', 'warehouse', 'billing']);
    const billing = cards[3];
    expect(billing.querySelector('[data-claim="act"]')!.textContent).toBe('gateway → ordering');
    expect(billing.querySelector('[data-claim="scope"]')!.textContent).toBe('invoices:internal');
    expect(billing.querySelector('[data-claim="sub"]')!.textContent).toBe('ada');
    expect(screen.getByText(/From earlier requests \(customers\)/)).toBeTruthy();
  });

  it('says the relay sends the same token everywhere', () => {
    render(<TokenInspector report={relay} />);
    expect(screen.getByTestId('tokens-summary').textContent).toMatch(/3 hops, 1 distinct token — the same token everywhere/);
    expect(screen.getAllByText(/the gateway's token, relayed/)).toHaveLength(2);
  });

  it('asks for an order when none was placed yet', () => {
    render(<TokenInspector report={report('token-relay', [], {})} />);
    expect(screen.getByTestId('tokens-empty')).toBeTruthy();
  });
});

describe('PatternsSection with a security pattern', () => {
  it("leaves the token columns to the inspector and keeps the pattern's own", async () => {
    const { fakeApi } = await import('../test/fakeApi');
    const { PatternsSection } = await import('./LabPanel');
    fakeApi({ 'GET /api/lab/patterns': () => exchange });
    render(<PatternsSection available refreshMs={60000} />);
    const block = await screen.findByText(/in the token inspector below/, undefined, { timeout: 5000 });
    const section = block.closest('[data-pattern]') as HTMLElement;
    const heads = within(section).getAllByRole('columnheader').map((th) => th.textContent);
    expect(heads).toContain('Exchanges');
    expect(heads).not.toContain('Aud');
    expect(heads).not.toContain('Jti');
  });
});
