// axe-core in a Playwright page: every rule axe has, experimental ones included.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

/**
 * Runs every axe rule over the page. Answers the violations and the
 * incomplete colour-contrast checks (axe could not tell the background), each
 * as "rule: target (summary)" lines, and the number of rules that ran.
 */
export async function axeAudit(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: AXE_PATH });
  }
  const results = await page.evaluate(async () => {
    const rules = window.axe.getRules().map((r) => r.ruleId);
    const r = await window.axe.run(document, {
      runOnly: { type: 'rule', values: rules },
      resultTypes: ['violations', 'incomplete'],
    });
    const lines = (list) =>
      list.flatMap((v) =>
        v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${(n.failureSummary ?? n.any?.[0]?.message ?? '').split('\n').slice(0, 2).join(' ').trim()})`),
      );
    return {
      rules: rules.length,
      violations: lines(r.violations),
      contrastIncomplete: lines(r.incomplete.filter((v) => v.id === 'color-contrast' || v.id === 'color-contrast-enhanced')),
      otherIncomplete: r.incomplete.filter((v) => !v.id.startsWith('color-contrast')).map((v) => `${v.id} ×${v.nodes.length}`),
    };
  });
  return results;
}
