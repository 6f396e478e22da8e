#!/usr/bin/env node
// Parses every ```mermaid block of every README.md of the repository with the
// mermaid package (pinned in package-lock.json) in headless Chromium, so a
// diagram that GitHub could not draw fails the build. Needs no lab.
//
//   node e2e/mermaid.mjs
//
// The READMEs: the root one, and every <area>-patterns/<variant>/README.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const MERMAID = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

/** The READMEs that hold diagrams: the root one and one per variant folder. */
export function readmes(root = ROOT) {
  const out = [join(root, 'README.md')];
  for (const area of readdirSync(root, { withFileTypes: true })) {
    if (!area.isDirectory() || !area.name.endsWith('-patterns')) continue;
    for (const variant of readdirSync(join(root, area.name), { withFileTypes: true })) {
      const file = join(root, area.name, variant.name, 'README.md');
      if (variant.isDirectory() && existsSync(file)) out.push(file);
    }
  }
  return out.filter((f) => existsSync(f));
}

/** The ```mermaid blocks of a Markdown text, with the line each starts on. */
export function mermaidBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*mermaid\s*$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(fence)) body.push(lines[j++]);
    blocks.push({ line: i + 1, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

const files = readmes();
const blocks = files.flatMap((file) =>
  mermaidBlocks(readFileSync(file, 'utf8')).map((b) => ({ ...b, file: relative(ROOT, file) })),
);
if (!existsSync(CHROMIUM)) {
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (CI) {
    console.error(`error: ${reason}; CI=true, so this is a failure, not a skip`);
    process.exit(1);
  }
  console.log(`mermaid: skipped: ${reason}`);
  process.exit(0);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
let failed = 0;
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: MERMAID });
  for (const b of blocks) {
    const error = await page.evaluate(async (text) => {
      window.mermaid.initialize({ startOnLoad: false });
      try {
        await window.mermaid.parse(text);
        return null;
      } catch (err) {
        return String(err?.message ?? err);
      }
    }, b.text);
    if (error) {
      failed++;
      console.log(`FAIL ${b.file}:${b.line}: the diagram does not parse\n     ${error.split('\n').join('\n     ')}`);
    }
  }
} finally {
  await browser.close();
}
console.log(`mermaid: ${blocks.length - failed} of ${blocks.length} diagrams in ${files.length} READMEs parse`);
process.exit(failed ? 1 : 0);
