#!/usr/bin/env node
// Runs the frontend checks and ends with one plain line that CI reads:
//   N passed, N failed
// Usage: node scripts/summary.mjs unit   (vitest only)
//        node scripts/summary.mjs all    (lint + typecheck + vitest)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** @param {string} name */
const bin = (name) => join(root, 'node_modules', '.bin', name);
const mode = process.argv[2] ?? 'unit';

/**
 * @param {string} label
 * @param {string} cmd
 * @param {string[]} args
 */
function run(label, cmd, args) {
  console.log(`\n=== ${label}: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return r.status === 0;
}

let passed = 0;
let failed = 0;

if (mode === 'all') {
  for (const [label, cmd, args] of /** @type {[string, string, string[]][]} */ ([
    ['lint', bin('eslint'), ['--max-warnings=0', '.']],
    ['typecheck (app)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
    ['typecheck (node)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json']],
  ])) {
    if (run(label, cmd, args)) passed += 1;
    else {
      failed += 1;
      console.log(`FAILED: ${label}`);
    }
  }
} else if (mode !== 'unit') {
  console.error(`unknown mode ${mode} (use unit or all)`);
  process.exit(2);
}

const outDir = join(root, 'test-results');
const outFile = join(outDir, 'vitest.json');
mkdirSync(outDir, { recursive: true });
rmSync(outFile, { force: true });
const ok = run('unit tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${outFile}`]);
if (existsSync(outFile)) {
  /** @type {{ numPassedTests?: number, numFailedTests?: number, testResults?: { status: string, assertionResults?: unknown[] }[] }} */
  const report = JSON.parse(readFileSync(outFile, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A suite that failed to load has no tests but must still count as a failure.
  const brokenSuites = (report.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
  failed += brokenSuites;
  if (!ok && (report.numFailedTests ?? 0) === 0 && brokenSuites === 0) failed += 1;
} else {
  failed += 1;
  console.log('FAILED: vitest produced no report');
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
