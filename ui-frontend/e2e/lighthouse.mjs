#!/usr/bin/env node
// Lighthouse against a running lab, in Debian's Chromium (no browser download),
// with the budgets of the UI: mobile performance ≥ 90, accessibility 100,
// best practices 100, cumulative layout shift < 0.1.
//
//   LAB_URL=http://127.0.0.1:8080 node e2e/lighthouse.mjs [#/view …]
//
// run.mjs calls runLighthouse after the browser tests. Reports go to
// test-results/lighthouse-<view>.json. LIGHTHOUSE_RUNS=n runs each view n
// times and judges the median performance (default 1). Performance is a
// timing, and a busy machine (a parallel build) slows it: when it alone misses
// its budget, the view is measured once more and the better run counts. When
// it still misses while the machine's load average is above twice its cores,
// the miss is reported as a warning, not a failure, since the figure then
// measures the machine (LIGHTHOUSE_STRICT=1 fails anyway). The other budgets
// never get a retry nor a pass.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

/** Scores are 0..1 as Lighthouse reports them. */
export const BUDGETS = { performance: 0.9, accessibility: 1, 'best-practices': 1, cls: 0.1 };

const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

/**
 * Audits each view (a hash route) with Lighthouse's default mobile settings
 * (simulated slow 4G and a 4× slower CPU). Answers a line per view and the
 * budgets it missed.
 */
export async function runLighthouse({
  labUrl,
  chromium = '/usr/bin/chromium',
  views = ['#/shop'],
  runs = 1,
  retries = 1,
  strict = false,
  out = fileURLToPath(new URL('../test-results/', import.meta.url)),
}) {
  mkdirSync(out, { recursive: true });
  // Lighthouse drives a Chromium of its own through chrome-launcher, on a free debugging port.
  const chrome = await chromeLauncher.launch({
    chromePath: chromium,
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    logLevel: 'silent',
  });
  const lines = [];
  const failures = [];
  const warnings = [];
  try {
    for (const view of views) {
      const audit = async () =>
        (
          await lighthouse(`${labUrl}/${view}`, {
            port: chrome.port,
            output: 'json',
            logLevel: 'error',
            onlyCategories: CATEGORIES,
          })
        ).lhr;
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await audit());
      results.sort((a, b) => a.categories.performance.score - b.categories.performance.score);
      let lhr = results[Math.floor(results.length / 2)];
      let again = 0;
      while (lhr.categories.performance.score < BUDGETS.performance && again < retries) {
        again++;
        const next = await audit();
        if (next.categories.performance.score > lhr.categories.performance.score) lhr = next;
      }
      const name = view.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'shop';
      writeFileSync(`${out}lighthouse-${name}.json`, JSON.stringify(lhr));
      const score = (c) => lhr.categories[c].score;
      const cls = lhr.audits['cumulative-layout-shift'].numericValue;
      const ms = (a) => `${Math.round(lhr.audits[a].numericValue)} ms`;
      lines.push(
        `lighthouse ${view} (mobile${runs > 1 ? `, median of ${runs}` : ''}${again ? `, best of ${again + 1} for performance` : ''}): performance ${Math.round(score('performance') * 100)}, ` +
          `accessibility ${Math.round(score('accessibility') * 100)}, best practices ${Math.round(score('best-practices') * 100)}; ` +
          `CLS ${cls.toFixed(3)}, FCP ${ms('first-contentful-paint')}, LCP ${ms('largest-contentful-paint')}, TBT ${ms('total-blocking-time')}`,
      );
      for (const c of CATEGORIES) {
        if (score(c) >= BUDGETS[c]) continue;
        const load = loadavg()[0];
        const busy = load > 2 * availableParallelism();
        const refs = new Set(lhr.categories[c].auditRefs.filter((r) => r.weight > 0).map((r) => r.id));
        const failed = Object.values(lhr.audits)
          .filter((a) => refs.has(a.id) && a.score !== null && a.score < 1)
          .map((a) => `${a.id} (${a.displayValue || a.score})`);
        const miss = `${view}: ${c} ${Math.round(score(c) * 100)} < ${BUDGETS[c] * 100}: ${failed.join(', ')}`;
        if (c === 'performance' && busy && !strict) {
          warnings.push(`${miss} — measured with a load average of ${load.toFixed(1)} on ${availableParallelism()} cores: not judged`);
        } else {
          failures.push(miss);
        }
      }
      if (!(cls < BUDGETS.cls)) failures.push(`${view}: CLS ${cls.toFixed(3)} ≥ ${BUDGETS.cls}`);
    }
  } finally {
    await chrome.kill();
  }
  return { lines, failures, warnings };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const labUrl = (process.env.LAB_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const views = process.argv.slice(2).length ? process.argv.slice(2) : ['#/shop'];
  const { lines, failures, warnings } = await runLighthouse({
    labUrl,
    chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    views,
    runs: Math.max(1, Number(process.env.LIGHTHOUSE_RUNS ?? 1)),
    strict: process.env.LIGHTHOUSE_STRICT === '1',
  });
  console.log(lines.join('\n'));
  for (const w of warnings) console.log(`WARN ${w}`);
  if (failures.length) {
    console.log(`FAIL lighthouse budgets\n     ${failures.join('\n     ')}`);
    process.exit(1);
  }
  console.log('ok   lighthouse budgets');
}
