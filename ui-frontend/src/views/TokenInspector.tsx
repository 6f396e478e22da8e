import { byServiceOrder } from '../api';
import { Section } from '../components/common';
import { formatTime } from '../format';
import type { PatternCell, PatternsReport } from '../types';

/** One process's token of the last order request, decoded by the service that verified it. */
export interface TokenHop {
  service: string;
  request: string;
  call: string;
  sub: string;
  aud: string[];
  scope: string[];
  act: string;
  exp: string;
  jti: string;
  clientId: string;
  /** The hop belongs to the gateway's last order request (the same request id). */
  current: boolean;
  /** The same token (jti) as the gateway received: the relay's one token everywhere. */
  sameAsGateway: boolean;
}

/** The columns of the token a process received last (security-patterns/auth's SeenColumns). */
export const TOKEN_COLUMNS = ['request', 'call', 'sub', 'aud', 'scope', 'act', 'exp', 'jti', 'clientId'];

const text = (v: PatternCell | undefined) => (v === null || v === undefined ? '' : String(v));

/**
 * The hops of the last order request from /api/lab/patterns: each security
 * pattern's table carries, per process, the claims of the token it received
 * last on an order's way (columns request, call, sub, aud, scope, act, exp, jti).
 */
export function tokenHops(report: PatternsReport | undefined): TokenHop[] | undefined {
  const pattern = report?.patterns?.find(
    (p) => p.category === 'security' || p.services?.some((s) => s.columns?.includes('aud') && s.columns.includes('jti')),
  );
  if (!pattern) return undefined;
  const hops: TokenHop[] = [];
  for (const part of pattern.services ?? []) {
    const cols = part.columns ?? [];
    const row = part.rows?.[0];
    if (!row || !cols.includes('jti')) continue;
    const cell = (name: string) => text(row[cols.indexOf(name)]);
    if (!cell('jti') && !cell('sub')) continue; // no token yet at this process
    hops.push({
      service: part.service,
      request: cell('request'),
      call: cell('call'),
      sub: cell('sub'),
      aud: cell('aud').split(/\s+/).filter(Boolean),
      scope: cell('scope').split(/\s+/).filter(Boolean),
      act: cell('act'),
      exp: cell('exp'),
      jti: cell('jti'),
      clientId: cell('clientId'),
      current: false,
      sameAsGateway: false,
    });
  }
  const ordered = byServiceOrder(hops, (h) => h.service);
  // The gateway first: its request is "the last order request".
  const gateway = ordered.find((h) => h.service === 'gateway');
  const rest = ordered.filter((h) => h !== gateway);
  const all = gateway ? [gateway, ...rest] : rest;
  for (const h of all) {
    h.current = !!gateway && h.request === gateway.request && h.request !== '';
    h.sameAsGateway = !!gateway && h !== gateway && h.jti !== '' && h.jti === gateway.jti;
  }
  return all;
}

/** How many distinct tokens the current request's hops carried. */
export function distinctTokens(hops: TokenHop[]): number {
  return new Set(hops.filter((h) => h.current).map((h) => h.jti)).size;
}

export function TokenInspector({ report }: { report: PatternsReport | undefined }) {
  const hops = tokenHops(report);
  if (hops === undefined) return null;
  const current = hops.filter((h) => h.current);
  const earlier = hops.filter((h) => !h.current);
  const tokens = distinctTokens(hops);
  return (
    <Section title="Token inspector" id="lab-tokens">
      <p className="hint">
        For the last order request (a change to an order, and the calls it made), the access token each process
        received, as it verified it. The browser never holds one: the gateway keeps it in its session.
      </p>
      {current.length === 0 ? (
        <p className="hint" data-testid="tokens-empty">
          No order request yet. Place an order in the shop and look here.
        </p>
      ) : (
        <>
          <p data-testid="tokens-summary">
            Request <code>{current[0].request}</code> ({current[0].call}): {current.length} hop
            {current.length === 1 ? '' : 's'}, {tokens} distinct token{tokens === 1 ? '' : 's'}
            {tokens === 1 && current.length > 1 ? ' — the same token everywhere' : ''}.
          </p>
          <ol className="token-hops" aria-label="Tokens per hop">
            {current.map((h) => (
              <TokenCard key={h.service} hop={h} />
            ))}
          </ol>
        </>
      )}
      {earlier.length > 0 ? (
        <details>
          <summary>From earlier requests ({earlier.map((h) => h.service).join(', ')})</summary>
          <ol className="token-hops" aria-label="Tokens of earlier requests">
            {earlier.map((h) => (
              <TokenCard key={h.service} hop={h} />
            ))}
          </ol>
        </details>
      ) : null}
    </Section>
  );
}

function TokenCard({ hop }: { hop: TokenHop }) {
  return (
    <li className="token-hop" data-service={hop.service} data-aud={hop.aud.join(' ')}>
      <h3>
        {hop.service} <span className="hint">received, for {hop.call}</span>
      </h3>
      <dl className="token-claims">
        <div>
          <dt>aud</dt>
          <dd data-claim="aud">{hop.aud.join(', ') || '–'}</dd>
        </div>
        <div>
          <dt>sub</dt>
          <dd data-claim="sub">{hop.sub || '–'}</dd>
        </div>
        <div>
          <dt>act</dt>
          <dd data-claim="act">{hop.act || '– (no one passed it on)'}</dd>
        </div>
        <div>
          <dt>scope</dt>
          <dd data-claim="scope">{hop.scope.join(' ') || '–'}</dd>
        </div>
        <div>
          <dt>exp</dt>
          <dd data-claim="exp">{hop.exp ? formatTime(hop.exp) : '–'}</dd>
        </div>
        <div>
          <dt>jti</dt>
          <dd data-claim="jti">
            <code>{hop.jti || '–'}</code>
            {hop.sameAsGateway ? <span className="hint"> (the gateway's token, relayed)</span> : null}
          </dd>
        </div>
      </dl>
    </li>
  );
}
