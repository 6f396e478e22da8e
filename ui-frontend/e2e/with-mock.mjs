#!/usr/bin/env node
// Runs the end-to-end suite against the in-memory mock lab (e2e/mock-lab.mjs),
// once per mock variant, so the UI can be checked without the Go services.
//
//   node e2e/with-mock.mjs [variant ...]     (needs dist/: npm run build)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const variants = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['rest', 'event-notification', 'event-carried-state-transfer', 'circuit-breaker'];
const port = Number(process.env.MOCK_PORT ?? 8099);
const url = `http://127.0.0.1:${port}`;

/** Runs a command, echoing its output; resolves to its exit code and the counts it printed. */
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('exit', (code) => {
      const m = out.match(/^(\d+) passed, (\d+) failed$/m);
      resolve({ code: code ?? 1, passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : 1 });
    });
  });
}

async function waitFor(target) {
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(`${target}/api/lab/info`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the mock lab did not start on ${target}`);
}

let passed = 0;
let failed = 0;
for (const variant of variants) {
  console.log(`\n== mock variant ${variant}`);
  const mock = spawn(process.execPath, [here('./mock-lab.mjs'), '--variant', variant, '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitFor(url);
    // CI=true so that an unreachable mock counts as a failure, never a skip.
    const result = await run(process.execPath, [here('./run.mjs')], { LAB_URL: url, CI: 'true' });
    passed += result.passed;
    failed += result.failed || (result.code !== 0 ? 1 : 0);
  } catch (err) {
    console.error(String(err));
    failed++;
  } finally {
    mock.kill('SIGTERM');
    await new Promise((r) => mock.once('exit', r));
  }
}
console.log(`\nall mock variants (${variants.join(', ')}):`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
