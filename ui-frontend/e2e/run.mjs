#!/usr/bin/env node
// End-to-end tests of the UI in headless Chromium against a running lab.
//
//   LAB_URL=http://127.0.0.1:8080 node e2e/run.mjs
//
// The lab's gateway must serve the built UI (npm run build) at "/".
// Without a lab at LAB_URL it skips (exit 0), or fails when CI=true.
// Screenshots go to test-results/. After the tests come the audits: axe-core
// (every rule) over every view, then Lighthouse with its budgets on the shop
// (E2E_LIGHTHOUSE=0 leaves Lighthouse out). `npm run audit:full` audits more:
// axe at 1280 and 375 px, Lighthouse on every list view, median of 3, strict.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { axeAudit } from './axe.mjs';
import { runLighthouse } from './lighthouse.mjs';

const LAB_URL = (process.env.LAB_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const CI = process.env.CI === 'true';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SETTLE_MS = Number(process.env.E2E_SETTLE_MS ?? 60000);
const LIGHTHOUSE = process.env.E2E_LIGHTHOUSE !== '0';
// The widths axe audits every view at (E2E_AXE_WIDTHS=1280,375 for the phone layout too).
const AXE_WIDTHS = (process.env.E2E_AXE_WIDTHS ?? '1280').split(',').map(Number).filter(Boolean);
const OUT = fileURLToPath(new URL('../test-results/', import.meta.url));
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Without a lab (or a browser) the suite skips, except under CI where it fails. */
function unavailable(reason) {
  if (CI) {
    console.error(`error: ${reason}; CI=true, so this is a failure, not a skip`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`skipped: ${reason}`);
  process.exit(0);
}

async function reachable() {
  try {
    const res = await fetch(`${LAB_URL}/api/lab/info`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return { ok: false, why: `GET /api/lab/info answered ${res.status}` };
    return { ok: true, info: await res.json() };
  } catch (err) {
    return { ok: false, why: err.cause?.code ?? err.message };
  }
}

const lab = await reachable();
if (!lab.ok) {
  console.error(`no lab answers at ${LAB_URL} (${lab.why}); start one with "go run ./cmd/lab run rest"`);
  unavailable(`no lab at ${LAB_URL}`);
}
if (!existsSync(CHROMIUM)) {
  unavailable(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}
mkdirSync(OUT, { recursive: true });

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const state = { notes: [] };
const pageErrors = [];
/** Answers of 404 to the lab's own endpoints, which a variant that says what it has should never cause. */
const lab404s = [];
const SERVICES = ['customers', 'ordering', 'warehouse', 'shipping', 'billing'];
const features = lab.info.features && typeof lab.info.features === 'object' ? lab.info.features : undefined;
// An older gateway does not say; then the absence of events says "synchronous".
const NORMAL_FAULTS = { errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' };

async function setFaults(service, settings) {
  const res = await fetch(`${LAB_URL}/api/lab/faults/${service}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...NORMAL_FAULTS, ...settings }),
  });
  if (!res.ok) throw new Error(`PUT /api/lab/faults/${service} answered ${res.status}`);
}

// In a security variant the runner gives an admin's access token for the suite's own calls.
const TOKEN = process.env.LAB_TOKEN ?? '';

async function api(method, path, body) {
  const res = await fetch(`${LAB_URL}${path}`, {
    method,
    headers: {
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function shot(page, name) {
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
}

async function open(page, hash) {
  await page.goto(`${LAB_URL}/${hash}`);
  await page.locator('h1').first().waitFor();
}

/** Waits until no view shows its loading state. */
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('.loading'), null, { timeout: 15000 });
}

/** Every view of the UI, as [name, hash route], on the order the first tests made. */
function everyView() {
  return [
    ['shop', '#/shop'],
    ['order', `#/orders/${state.orderId}`],
    ['orders', '#/orders'],
    ['documents', `#/documents?orderId=${state.orderId}`],
    ['lab', '#/lab'],
  ];
}

async function noHorizontalOverflow(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1)
      .filter((el) => !el.closest('.visually-hidden, thead'))
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, bodyScroll: document.body.scrollWidth, wide };
  });
}

test('the gateway serves the UI at /', async ({ page }) => {
  const res = await page.goto(`${LAB_URL}/`);
  assert(res && res.ok(), `GET / answered ${res?.status()}: does the gateway serve ui-frontend/dist? (npm run build)`);
  await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: 10000 });
});

test('shop: pick a customer and add a product to a new order', async ({ page }) => {
  await open(page, '#/shop');
  const select = page.getByLabel('Shop as');
  await select.waitFor();
  const options = await select.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert(options.length > 0, 'no customers to choose from');
  await select.selectOption(options[0]);
  await page.getByText(/^Ships to:/).waitFor();
  await page.getByRole('button', { name: 'Start a new order' }).click();
  await page.getByText(/^Started order/).waitFor();

  // A product with plenty of stock, so the item is reserved.
  const cards = page.locator('.product-grid > li');
  await cards.first().waitFor();
  const stocks = await cards.evaluateAll((els) =>
    els.map((el) => Number((el.querySelector('.stock')?.textContent ?? '').match(/\d+/)?.[0] ?? 0)),
  );
  const index = stocks.findIndex((s) => s >= 10);
  assert(index >= 0, `no product with stock to sell (stocks: ${stocks.join(', ')})`);
  const card = cards.nth(index);
  state.productName = (await card.locator('h3').textContent()).trim();
  await card.getByLabel('Quantity').fill('2');
  await card.getByRole('button', { name: `Add to order: ${state.productName}` }).click();
  await page.getByText(new RegExp(`^Added 2 × .*: (RESERVED|PENDING)\\.`)).waitFor();
  // The quantity field starts again from 1 for the next add.
  const left = await card.getByLabel('Quantity').inputValue();
  assert(left === '1', `the quantity field kept "${left}" after the add`);
  const item = page.getByRole('list', { name: 'Items in the current order' }).locator('li').first();
  const first = await item.getAttribute('data-item-status');
  state.sawPending = first === 'PENDING';
  await page
    .getByRole('list', { name: 'Items in the current order' })
    .locator('li[data-item-status="RESERVED"]')
    .waitFor({ timeout: SETTLE_MS });
  const href = await page.getByRole('link', { name: 'Review and confirm the order' }).getAttribute('href');
  state.orderId = href.replace('#/orders/', '');
  assert(/^[0-9a-f-]{36}$/i.test(state.orderId), `unexpected order link ${href}`);
  // The same product again is a 409: said in words, without the server's ids.
  await card.getByRole('button', { name: `Add to order: ${state.productName}` }).click();
  const conflict = page.getByRole('alert').filter({ hasText: 'already in this order' });
  await conflict.waitFor();
  const words = await conflict.textContent();
  assert(!UUID.test(words), `the 409 shows raw ids: ${words}`);
  assert(/change the quantity/i.test(words), `the 409 does not say how to change the quantity: ${words}`);
  await conflict.getByRole('button', { name: 'Dismiss' }).click();
  await shot(page, 'shop');
});

test('order: confirm and watch it reach COMPLETED', async ({ page }) => {
  assert(state.orderId, 'no order from the shop test');
  await open(page, `#/orders/${state.orderId}`);
  await page.getByText(state.orderId, { exact: true }).waitFor();
  const row = page.locator('tbody tr').first();
  assert((await row.getAttribute('data-item-status')) === 'RESERVED', 'the item is not RESERVED');
  await shot(page, 'order-open');
  await page.getByRole('button', { name: 'Confirm order' }).click();
  await page
    .locator('ol.timeline li[aria-current="step"]', { hasText: 'COMPLETED' })
    .waitFor({ timeout: SETTLE_MS });
  await page.getByText(/nothing more to do/).waitFor();
  await page.locator('#order-docs').waitFor();
  await page.getByText(/^Invoice/).first().waitFor({ timeout: 15000 });
  state.total = (await page.getByTestId('order-total').textContent()).trim();
  assert(state.total !== '€0.00', `the completed order has total ${state.total}`);
  await shot(page, 'order-completed');
});

test('order: its history and the state at a version, where the variant keeps them', async ({ page }) => {
  assert(state.orderId, 'no order from the shop test');
  await open(page, `#/orders/${state.orderId}`);
  await page.locator('ol.timeline li[aria-current="step"]', { hasText: 'COMPLETED' }).waitFor({ timeout: SETTLE_MS });
  if (features?.history === false) {
    await page.getByTestId('history-absent').getByText(/This variant lacks it/).waitFor();
    return;
  }
  if (features?.history !== true) {
    state.notes.push('the gateway does not say whether the variant keeps history: the history test skipped');
    return;
  }
  const list = page.getByRole('list', { name: "The order's events, oldest first" });
  await list.locator('li').first().waitFor({ timeout: 15000 });
  const types = await list.locator('li').evaluateAll((els) => els.map((el) => el.dataset.eventType));
  assert(types[0] === 'OrderOpened' && types.includes('OrderConfirmed') && types.at(-1) === 'OrderCompleted', `the stream: ${types.join(', ')}`);
  const slider = page.getByLabel(/State at version/);
  assert((await slider.inputValue()) === String(types.length), `the slider starts at ${await slider.inputValue()}`);
  // Back to just before the confirm: the order was OPEN then.
  const before = types.indexOf('OrderConfirmed'); // versions count from 1: this is the one before
  await slider.fill(String(before));
  const then = page.getByTestId('state-at');
  await then.getByText(/the order was/).waitFor({ timeout: 10000 });
  assert((await then.locator('[data-status]').first().textContent()).trim() === 'OPEN', `before the confirm: ${await then.textContent()}`);
  await shot(page, 'order-history');
});

test('order: the trace ids of its creation and confirm, linked to the viewer when one runs', async ({ page }) => {
  const traced = (await fetch(`${LAB_URL}/api/lab/info`)).headers.get('traceparent');
  await open(page, `#/orders/${state.orderId}`);
  await page.getByText(state.orderId, { exact: true }).waitFor();
  if (!traced) {
    assert((await page.getByText(/Trace of its/).count()) === 0, 'trace ids shown in a variant without tracing');
    state.notes.push('no traceparent from the gateway: no tracing in this variant');
    return;
  }
  const fact = page.getByTestId('trace-confirmed');
  await fact.waitFor();
  const id = (await fact.locator('code').textContent()).trim();
  assert(/^[0-9a-f]{32}$/.test(id), `the confirm's trace id: ${id}`);
  if (lab.info.links?.traces) {
    const href = await fact.getByRole('link').getAttribute('href');
    assert(href === `${lab.info.links.traces.replace(/\/+$/, '')}/traces/${id}`, `the trace link: ${href}`);
  }
});

test('lab panel: live charts where metrics run, and words where they do not', async ({ page }) => {
  await open(page, '#/lab');
  const section = page.locator('section[aria-labelledby="lab-metrics"]');
  await section.waitFor();
  if (!features?.metrics) {
    await section.getByTestId('metrics-absent').waitFor();
    return;
  }
  await section.locator('figure.chart').first().waitFor();
  const charts = await section.locator('figure.chart').count();
  assert(charts === 5, `${charts} charts, want 5`);
  await section.locator('figure[data-chart="rate"] .chart-legend li').first().waitFor({ timeout: 30000 });
  await section.locator('figure[data-chart="rate"] canvas').first().waitFor();
  await shot(page, 'lab-metrics');
});

test('orders: the order is listed and opens', async ({ page }) => {
  await open(page, '#/orders');
  const link = page.locator(`a[href="#/orders/${state.orderId}"]`);
  await link.waitFor();
  await shot(page, 'orders');
  await link.click();
  await page.getByText(state.orderId, { exact: true }).waitFor();
});

test('shipments and invoices: the invoice of the order', async ({ page }) => {
  await open(page, '#/documents');
  await page.getByLabel('Order id').fill(state.orderId);
  await page.getByRole('button', { name: 'Filter' }).click();
  const invoice = page.locator(`section[aria-labelledby="invoices-title"] tr[data-order-id="${state.orderId}"]`);
  await invoice.waitFor({ timeout: 15000 });
  const text = await invoice.textContent();
  assert(text.includes('ISSUED'), `the invoice is not ISSUED: ${text}`);
  assert(text.includes(state.total), `the invoice amount differs from the order total ${state.total}: ${text}`);
  const shipment = page.locator(`section[aria-labelledby="shipments-title"] tr[data-order-id="${state.orderId}"]`);
  await shipment.waitFor();
  assert((await shipment.textContent()).includes('SHIPPED'), 'the shipment is not SHIPPED');
  assert((await invoice.count()) === 1, 'more than one invoice for the order');
  await shot(page, 'documents');
  await page.getByRole('button', { name: 'Show all' }).click();
  await page.locator(`tr[data-order-id="${state.orderId}"]`).first().waitFor();
});

test('order: a rejected item shows why, is removed, and the order is cancelled', async ({ page }) => {
  await open(page, '#/shop');
  await page.getByText(/^Ships to:/).waitFor();
  await page.getByRole('button', { name: 'Start a new order' }).click();
  await page.getByText(/^Started order/).waitFor();
  const cards = page.locator('.product-grid > li');
  await cards.first().waitFor();
  const stocks = await cards.evaluateAll((els) =>
    els.map((el) => Number((el.querySelector('.stock')?.textContent ?? '').match(/\d+/)?.[0] ?? 0)),
  );
  const low = Math.min(...stocks);
  assert(low < 1000, `every product has 1000 or more in stock (${stocks.join(', ')})`);
  const card = cards.nth(stocks.indexOf(low));
  const name = (await card.locator('h3').textContent()).trim();
  await card.getByLabel('Quantity').fill(String(low + 1));
  await card.getByRole('button', { name: `Add to order: ${name}` }).click();
  const items = page.getByRole('list', { name: 'Items in the current order' });
  await items.locator('li[data-item-status="REJECTED"]').waitFor({ timeout: SETTLE_MS });
  // A rejection is not announced as a success.
  const notice = page.locator('.notice-area .notice');
  await notice.filter({ hasText: 'REJECTED' }).waitFor({ timeout: SETTLE_MS });
  assert((await notice.getAttribute('data-kind')) === 'warn', `the rejection is shown as "${await notice.getAttribute('data-kind')}"`);
  assert(!/^Added/.test(await notice.textContent()), `the rejection reads as a success: ${await notice.textContent()}`);
  await page.getByRole('link', { name: 'Review and confirm the order' }).click();
  const row = page.locator('tbody tr[data-item-status="REJECTED"]');
  await row.waitFor();
  await row.locator('.reason').waitFor({ timeout: 10000 });
  assert((await page.getByRole('button', { name: 'Confirm order' }).isDisabled()), 'confirm is enabled with a rejected item');
  await shot(page, 'order-rejected');
  await page.getByRole('button', { name: `Remove ${name} from the order` }).click();
  await page.locator('tbody tr[data-item-status="CANCELED"]').waitFor();
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.locator('ol.timeline li[aria-current="step"]', { hasText: 'CANCELED' }).waitFor();
});

test('lab panel: shows the running variant and every part', async ({ page }) => {
  await open(page, '#/lab');
  const name = page.getByTestId('variant-name');
  await name.waitFor();
  const shown = (await name.textContent()).trim();
  assert(shown === lab.info.variant, `the panel shows variant "${shown}", the gateway says "${lab.info.variant}"`);
  for (const id of ['lab-events', 'lab-patterns', 'lab-faults']) {
    await page.locator(`section[aria-labelledby="${id}"]`).waitFor();
  }
  await settled(page);
  const events = page.locator('section[aria-labelledby="lab-events"]');
  state.eventsAbsent = (await events.getByTestId('events-absent').count()) > 0;
  if (!state.eventsAbsent) {
    // Cause a few events (an order created, then cancelled) and watch them arrive.
    await events.getByText('connected').waitFor({ timeout: 10000 });
    const customerId = await page.evaluate(async () => (await (await fetch('/api/customers')).json())[0].customerId);
    const orderId = await page.evaluate(async (customerId) => {
      const res = await fetch('/api/orders', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ customerId, name: 'e2e: event stream check' }),
      });
      return (await res.json()).orderId;
    }, customerId);
    const entry = events.locator('li.event').first();
    await entry.waitFor({ timeout: 15000 });
    await entry.locator('summary').click();
    const size = await entry.locator('.event-size').textContent();
    assert(/\d+(\.\d+)? (B|KiB) payload/.test(size), `no payload size shown: ${size}`);
    await page.evaluate((id) => fetch(`/api/orders/${id}/cancel`, { method: 'POST' }), orderId);
  }
  await shot(page, 'lab');
});

test('a problem is shown in plain words (unknown order)', async ({ page }) => {
  await open(page, '#/orders/00000000-0000-4000-8000-000000000000');
  const alert = page.getByRole('alert').first();
  await alert.waitFor();
  const text = await alert.textContent();
  assert(/no such order/i.test(text) && /404/.test(text), `unexpected text: ${text}`);
});

test('keyboard: the tabs are links reachable with Tab', async ({ page }) => {
  await page.goto('about:blank');
  await open(page, '#/shop');
  let reached = false;
  for (let i = 0; i < 8 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.textContent === 'Orders');
  }
  assert(reached, 'the Orders tab was not reached with Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/orders');
  await settled(page);
  // Focus moves to the new view, so keyboard users land on its content.
  await page.waitForFunction(() => document.activeElement?.id === 'main');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName, outline: el ? getComputedStyle(el).outlineStyle : 'none' };
  });
  assert(focused.outline !== 'none', `the focused ${focused.tag} shows no focus outline`);
});

test('lab panel: the fault form works on a fresh lab, cards stay live, health says faults injected', async ({ page }) => {
  await open(page, '#/lab');
  await settled(page);
  const faults = page.locator('section[aria-labelledby="lab-faults"]');
  if ((await faults.getByTestId('faults-absent').count()) > 0) {
    state.notes.push('fault injection absent in this variant');
    return;
  }
  try {
    // One service order everywhere.
    const health = await page.locator('section[aria-labelledby="lab-info"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.service));
    const cards = await faults.locator('.fault-card').evaluateAll((cs) => cs.map((c) => c.dataset.service));
    assert(JSON.stringify(health) === JSON.stringify(SERVICES), `health lists ${health.join(', ')}`);
    assert(JSON.stringify(cards) === JSON.stringify(SERVICES), `fault cards list ${cards.join(', ')}`);

    // "refuse connections" is not cut off at 1280 px.
    const down = faults.locator('#fault-shipping-down');
    await down.selectOption('refuse');
    const fit = await down.evaluate((el) => {
      const probe = el.cloneNode(true);
      probe.style.cssText = 'width:auto;max-width:none;position:absolute;visibility:hidden';
      el.parentElement.appendChild(probe);
      probe.value = el.value;
      const need = probe.getBoundingClientRect().width;
      probe.remove();
      return { have: el.getBoundingClientRect().width, need };
    });
    assert(fit.have + 1 >= fit.need, `the Down select is ${fit.have} px wide, its text needs ${fit.need} px`);

    // Apply on a fresh lab: the form is valid as it comes (error status 0 means 503).
    const card = faults.locator('form[data-service="shipping"]');
    await card.getByRole('button', { name: 'Apply faults to shipping' }).click();
    await card.getByText('Applied.').waitFor({ timeout: 5000 });
    await card.locator('.badge[data-status="faulty"]').waitFor();
    const shown = await (await fetch(`${LAB_URL}/api/lab/faults/shipping`)).json();
    assert(shown.down === 'refuse', `the gateway says shipping is down="${shown.down}" after Apply`);
    // Health says what a client sees.
    const row = page.locator('section[aria-labelledby="lab-info"] tr[data-service="shipping"]');
    await row.getByText('healthy (faults injected)').waitFor({ timeout: 5000 });

    // A fault set elsewhere (curl) shows without Reload.
    await setFaults('billing', { errorRate: 0.5 });
    await faults.locator('form[data-service="billing"] .badge[data-status="faulty"]').waitFor({ timeout: 10000 });
    await shot(page, 'lab-faults');
  } finally {
    await setFaults('shipping', {});
    await setFaults('billing', {});
  }
});

test('order: a confirm that fails part-way says what to do in this variant', async ({ page }) => {
  const events = features ? features.events : !state.eventsAbsent;
  if (events) {
    state.notes.push('the failed-confirm wording test is for synchronous variants: skipped');
    return;
  }
  const customers = await api('GET', '/api/customers');
  const products = await api('GET', '/api/products');
  const product = products.find((p) => p.stock >= 10);
  const order = await api('POST', '/api/orders', { customerId: customers[0].customerId, name: 'e2e: failed confirm' });
  await api('POST', `/api/orders/${order.orderId}/items`, { productId: product.productId, quantity: 1 });
  if (features?.faults === false || (await fetch(`${LAB_URL}/api/lab/faults/billing`)).status === 404) {
    state.notes.push('no fault injection: the failed-confirm wording test skipped');
    return;
  }
  await setFaults('billing', { errorRate: 1 });
  try {
    await open(page, `#/orders/${order.orderId}`);
    await page.getByRole('button', { name: 'Confirm order' }).click();
    await page.getByRole('alert').first().waitFor();
    if ((await api('GET', `/api/orders/${order.orderId}`)).status === 'OPEN') {
      state.notes.push('the failed confirm changed nothing (the order is OPEN): no step to resume');
      return;
    }
    const hint = page.getByTestId('resume-hint');
    await hint.waitFor({ timeout: 10000 });
    const text = await hint.textContent();
    assert(/confirm again/i.test(text) && /does not move on by itself/.test(text), `the hint says: ${text}`);
    const claims = await page.getByText(/it moves on by itself|is on its way/).count();
    assert(claims === 0, 'the view says the order moves on by itself');
    await shot(page, 'order-failed-confirm');
  } finally {
    await setFaults('billing', {});
  }
  await page.getByRole('button', { name: 'Confirm again' }).click();
  await page.locator('ol.timeline li[aria-current="step"]', { hasText: 'COMPLETED' }).waitFor({ timeout: SETTLE_MS });
});

test('375 px wide: no horizontal overflow on any view', async ({ context }) => {
  const page = await context.newPage();
  await page.setViewportSize({ width: 375, height: 800 });
  const views = everyView();
  const problems = [];
  for (const [name, hash] of views) {
    await open(page, hash);
    await settled(page);
    await page.waitForTimeout(300);
    const m = await noHorizontalOverflow(page);
    if (m.scrollWidth > m.clientWidth || m.bodyScroll > m.clientWidth || m.wide.length) {
      problems.push(`${name}: scrollWidth ${m.scrollWidth} > ${m.clientWidth} (${m.wide.join(', ')})`);
    }
    await shot(page, `mobile-${name}`);
  }
  await page.close();
  assert(problems.length === 0, problems.join('; '));
});

test(`axe-core, every rule: no violation on any view, at ${AXE_WIDTHS.join(' and ')} px`, async ({ context }) => {
  const views = everyView();
  // An open order too: its stepper has steps still to come.
  const customers = await api('GET', '/api/customers');
  const open_ = await api('POST', '/api/orders', { customerId: customers[0].customerId, name: 'e2e: axe' });
  views.push(['open order', `#/orders/${open_.orderId}`]);
  const problems = [];
  let rules = 0;
  for (const width of AXE_WIDTHS) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    for (const [name, hash] of views) {
      await open(page, hash);
      await settled(page);
      await page.waitForTimeout(200);
      const r = await axeAudit(page);
      rules = r.rules;
      for (const v of [...r.violations, ...r.contrastIncomplete]) problems.push(`${name} @${width}: ${v}`);
      if (r.otherIncomplete.length) state.notes.push(`axe incomplete on ${name} @${width}: ${r.otherIncomplete.join(', ')}`);
    }
    await page.close();
  }
  await api('POST', `/api/orders/${open_.orderId}/cancel`);
  state.notes.push(`axe: ${rules} rules over ${views.length} views at ${AXE_WIDTHS.join(' and ')} px, ${problems.length} problems`);
  assert(problems.length === 0, problems.slice(0, 15).join('\n'));
});

// A security variant (features.login) runs the tests of logging in instead of
// the ones above, which shop without a session (e2e/security.mjs).
if (features?.login) {
  const { securityTests } = await import('./security.mjs');
  tests.length = 0;
  securityTests({ test, LAB_URL, assert, shot, open, settled, api, axeAudit, state, info: lab.info, AXE_WIDTHS, SETTLE_MS });
}

test('the UI asks for no endpoint the variant lacks', async () => {
  if (!features) {
    state.notes.push(`the gateway says no features: ${lab404s.length} answers of 404 from /api/lab/ tolerated`);
    return;
  }
  assert(lab404s.length === 0, `404 from ${[...new Set(lab404s)].join(', ')}`);
});

test('no uncaught errors in the page', async () => {
  assert(pageErrors.length === 0, pageErrors.join('\n'));
});

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(20000);
const page = await context.newPage();
const watch = (p) => {
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if (res.status() === 404 && path.startsWith('/api/lab/')) lab404s.push(path);
  });
};
watch(page);
context.on('page', watch);

console.log(`e2e against ${LAB_URL} (variant ${lab.info.variant}), screenshots in test-results/`);
let passed = 0;
let failed = 0;
for (const t of tests) {
  const started = Date.now();
  try {
    await t.fn({ page, context });
    passed++;
    console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${t.name} (${Date.now() - started} ms)\n     ${String(err.message ?? err).split('\n').join('\n     ')}`);
    await shot(page, `failure-${tests.indexOf(t) + 1}`).catch(() => undefined);
  }
}
if (state.sawPending) console.log('note: the item went through PENDING (an asynchronous variant)');
if (state.eventsAbsent !== undefined) console.log(`note: event stream ${state.eventsAbsent ? 'absent in this variant' : 'present'}`);
for (const n of state.notes) console.log(`note: ${n}`);
await browser.close();

if (LIGHTHOUSE) {
  const started = Date.now();
  try {
    const { lines, failures, warnings } = await runLighthouse({
      labUrl: LAB_URL,
      chromium: CHROMIUM,
      views: (process.env.E2E_LIGHTHOUSE_VIEWS ?? '#/shop').split(',').filter(Boolean),
      runs: Math.max(1, Number(process.env.LIGHTHOUSE_RUNS ?? 1)),
      strict: process.env.LIGHTHOUSE_STRICT === '1',
    });
    for (const l of lines) console.log(`note: ${l}`);
    for (const w of warnings) console.log(`WARN ${w}`);
    if (failures.length) {
      failed++;
      console.log(`FAIL lighthouse budgets (${Date.now() - started} ms)\n     ${failures.join('\n     ')}`);
    } else {
      passed++;
      console.log(`ok   lighthouse budgets: performance ≥ 90, accessibility and best practices 100, CLS < 0.1 (${Date.now() - started} ms)`);
    }
  } catch (err) {
    failed++;
    console.log(`FAIL lighthouse (${Date.now() - started} ms)\n     ${err.message ?? err}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
