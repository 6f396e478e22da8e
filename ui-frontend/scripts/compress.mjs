#!/usr/bin/env node
// Compresses the built UI once, at build time: for every text file of dist/ of
// 1 KiB or more it writes name.br (brotli, best quality) and name.gz (gzip,
// level 9) next to it, when they are smaller. The gateway serves the variant
// the browser accepts (shared/gateway/compress.go), so no request compresses anything.
//
//   node scripts/compress.mjs [dist]
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const DIST = process.argv[2] ?? fileURLToPath(new URL('../dist/', import.meta.url));
const TEXT = /\.(html|js|mjs|css|svg|json|txt|map|webmanifest)$/;
const MIN_BYTES = 1024;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

let before = 0;
let afterBr = 0;
let afterGz = 0;
const lines = [];
for (const path of files(DIST)) {
  if (/\.(br|gz)$/.test(path)) {
    unlinkSync(path); // from an earlier run
    continue;
  }
  if (!TEXT.test(path) || statSync(path).size < MIN_BYTES) continue;
  const data = readFileSync(path);
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const gz = gzipSync(data, { level: 9 });
  before += data.length;
  if (br.length < data.length) {
    writeFileSync(`${path}.br`, br);
    afterBr += br.length;
  }
  if (gz.length < data.length) {
    writeFileSync(`${path}.gz`, gz);
    afterGz += gz.length;
  }
  lines.push(`  ${relative(DIST, path).padEnd(36)} ${String(data.length).padStart(8)} B  br ${String(br.length).padStart(7)}  gz ${String(gz.length).padStart(7)}`);
}
console.log(lines.join('\n'));
console.log(`compressed ${lines.length} files: ${before} B → br ${afterBr} B, gz ${afterGz} B`);
