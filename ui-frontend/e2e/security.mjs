// The browser tests of a security variant (token-relay, token-exchange,
// client-credentials): log in at the identity provider's page through the
// gateway's /auth/login, shop as the logged-in customer, see one's own
// orders only, read the token inspector, log out. The browser never holds a
// token: the gateway keeps it and gives a session cookie.

const PASSWORD = process.env.LAB_DEMO_PASSWORD ?? 'lab';
// The seed customers: ada …0001, grace …0002 (CONTRACT.md, Security).
const GRACE = '11111111-1111-4111-8111-000000000002';

export function securityTests({ test, LAB_URL, assert, shot, open, settled, api, axeAudit, state, info, AXE_WIDTHS, SETTLE_MS }) {
  /** Fills the provider's login page the gateway sent the browser to, and waits to be back. */
  async function logIn(page, user) {
    await page.locator('input[name="username"]').waitFor({ timeout: 20000 });
    assert(!page.url().startsWith(LAB_URL), `the login page is at the gateway (${page.url()}), want the provider's`);
    await page.locator('input[name="username"]').fill(user);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(LAB_URL), { timeout: 20000 });
    await page.getByTestId('session-user').waitFor({ timeout: 20000 });
  }

  test('another customer (grace) has an order: made by admin with a bearer token', async () => {
    const order = await api('POST', '/api/orders', { customerId: GRACE, name: 'e2e: grace' });
    state.graceOrderId = order.orderId;
    assert(order.customerId === GRACE, `the order is ${order.customerId}'s`);
  });

  test('a 401 sends the browser to log in; logged in as ada, the header says so', async ({ page }) => {
    const res = await page.context().request.get(`${LAB_URL}/api/lab/session`);
    assert(res.status() === 401, `/api/lab/session answered ${res.status()} before logging in`);
    await page.goto(`${LAB_URL}/#/shop`);
    await logIn(page, 'ada');
    const who = (await page.getByTestId('session-user').textContent()).trim();
    assert(who === 'Ada Lovelace (ada, customer)', `the header says ${who}`);
    assert(new URL(page.url()).hash === '#/shop', `back at ${page.url()}, want #/shop`);
    // No token reaches the browser: only an HttpOnly cookie.
    const cookies = await page.context().cookies(LAB_URL);
    const session = cookies.find((c) => c.name === 'lab_session');
    assert(session && session.httpOnly && session.sameSite === 'Lax', `session cookie: ${JSON.stringify(session)}`);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    assert(!/eyJ[\w-]+\.[\w-]+\./.test(stored), 'a JWT is readable by the page');
    await shot(page, 'security-logged-in');
  });

  test('the shop acts as ada: order, confirm, COMPLETED', async ({ page }) => {
    await open(page, '#/shop');
    const as = page.getByTestId('shop-as');
    await as.getByText('Shopping as Ada Lovelace, the logged-in customer.').waitFor();
    assert((await page.getByLabel('Shop as').count()) === 0, 'a customer may choose whom to shop as');
    await page.getByRole('button', { name: 'Start a new order' }).click();
    await page.getByText(/^Started order/).waitFor();
    const cards = page.locator('.product-grid > li');
    await cards.first().waitFor();
    const stocks = await cards.evaluateAll((els) =>
      els.map((el) => Number((el.querySelector('.stock')?.textContent ?? '').match(/\d+/)?.[0] ?? 0)),
    );
    const card = cards.nth(stocks.findIndex((s) => s >= 10));
    const name = (await card.locator('h3').textContent()).trim();
    await card.getByRole('button', { name: `Add to order: ${name}` }).click();
    await page
      .getByRole('list', { name: 'Items in the current order' })
      .locator('li[data-item-status="RESERVED"]')
      .waitFor({ timeout: SETTLE_MS });
    const href = await page.getByRole('link', { name: 'Review and confirm the order' }).getAttribute('href');
    state.orderId = href.replace('#/orders/', '');
    await page.getByRole('link', { name: 'Review and confirm the order' }).click();
    await page.getByRole('button', { name: 'Confirm order' }).click();
    await page.locator('ol.timeline li[aria-current="step"]', { hasText: 'COMPLETED' }).waitFor({ timeout: SETTLE_MS });
    const customer = await page.locator('.facts').textContent();
    assert(customer.includes('Ada Lovelace'), `the order's customer: ${customer}`);
  });

  test("ada sees her own orders only: grace's is neither listed nor opened", async ({ page }) => {
    await open(page, '#/orders');
    await page.locator(`a[href="#/orders/${state.orderId}"]`).waitFor();
    await settled(page);
    assert((await page.locator(`a[href="#/orders/${state.graceOrderId}"]`).count()) === 0, "grace's order is listed");
    await shot(page, 'security-orders');
    await open(page, `#/orders/${state.graceOrderId}`);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    assert(/no such order/i.test(await alert.textContent()), `grace's order: ${await alert.textContent()}`);
  });

  test('the token inspector shows the token each hop received for the last order request', async ({ page }) => {
    await open(page, '#/lab');
    const inspector = page.locator('section[aria-labelledby="lab-tokens"]');
    await inspector.getByTestId('tokens-summary').waitFor({ timeout: 15000 });
    const hops = inspector.getByRole('list', { name: 'Tokens per hop' }).locator('li.token-hop');
    const cards = await hops.evaluateAll((els) =>
      els.map((el) => ({
        service: el.dataset.service,
        aud: el.dataset.aud.split(' '),
        sub: el.querySelector('[data-claim="sub"]').textContent,
        act: el.querySelector('[data-claim="act"]').textContent,
        jti: el.querySelector('[data-claim="jti"] code').textContent,
      })),
    );
    assert(cards.length >= 3, `hops: ${JSON.stringify(cards)}`);
    assert(cards[0].service === 'gateway' && cards.some((c) => c.service === 'ordering'), `hops: ${cards.map((c) => c.service)}`);
    for (const c of cards) assert(c.aud.includes(c.service), `${c.service}'s token is addressed to ${c.aud.join(' ')}`);
    const patterns = info.patterns ?? [];
    const jtis = new Set(cards.map((c) => c.jti));
    if (patterns.includes('token-exchange')) {
      // One token per hop, addressed to that hop alone, naming who passed it on.
      assert(jtis.size === cards.length, `${jtis.size} tokens for ${cards.length} hops`);
      for (const c of cards) {
        assert(c.aud.length === 1, `${c.service}'s token is addressed to ${c.aud.join(' ')}`);
        assert(c.sub === 'ada', `${c.service}'s token is ${c.sub}'s`);
        if (c.service !== 'gateway') assert(c.act.startsWith('gateway'), `${c.service}'s act: ${c.act}`);
      }
    } else if (patterns.includes('token-relay')) {
      assert(jtis.size === 1, `${jtis.size} tokens in the relay, want one everywhere`);
      await inspector.getByText(/the same token everywhere/).waitFor();
    }
    await shot(page, 'security-tokens');
  });

  test(`axe-core, every rule: no violation on any view logged in, at ${AXE_WIDTHS.join(' and ')} px`, async ({ context }) => {
    const views = [
      ['shop', '#/shop'],
      ['order', `#/orders/${state.orderId}`],
      ['orders', '#/orders'],
      ['lab', '#/lab'],
    ];
    const problems = [];
    for (const width of AXE_WIDTHS) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      for (const [name, hash] of views) {
        await open(page, hash);
        await settled(page);
        await page.waitForTimeout(200);
        const r = await axeAudit(page);
        for (const v of [...r.violations, ...r.contrastIncomplete]) problems.push(`${name} @${width}: ${v}`);
      }
      await page.close();
    }
    assert(problems.length === 0, problems.slice(0, 15).join('\n'));
  });

  test('log out: the session ends at the gateway', async ({ page }) => {
    await open(page, '#/orders');
    await page.getByRole('button', { name: 'Log out' }).click();
    // Back at the shop without a session, whose first call sends the browser to log in again.
    await page.locator('input[name="username"]').waitFor({ timeout: 20000 });
    const res = await page.context().request.get(`${LAB_URL}/api/lab/session`);
    assert(res.status() === 401, `/api/lab/session answered ${res.status()} after logging out`);
    const orders = await page.context().request.get(`${LAB_URL}/api/orders`);
    assert(orders.status() === 401, `/api/orders answered ${orders.status()} after logging out`);
  });

  test('an admin acts as the customer they choose', async ({ page }) => {
    await page.goto(`${LAB_URL}/#/shop`);
    await logIn(page, 'admin');
    const select = page.getByLabel('Act as customer');
    await select.waitFor();
    await select.selectOption(GRACE);
    await page.getByText(/^Ships to:/).waitFor();
    await open(page, '#/orders');
    // An admin sees every order, grace's too.
    await page.locator(`a[href="#/orders/${state.graceOrderId}"]`).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('input[name="username"]').waitFor({ timeout: 20000 });
  });
}
