// The NATS contract stays one source of truth: the AsyncAPI document, the JSON
// Schemas it references, the examples, and the C header with the subjects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';

const here = dirname(fileURLToPath(import.meta.url));
const proto = join(here, '..');
const doc = YAML.parse(readFileSync(join(proto, 'asyncapi.yaml'), 'utf8'));
const schemaDir = join(proto, 'schemas');
const schemaNames = readdirSync(schemaDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));

function loadAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const name of schemaNames) {
    const schema = JSON.parse(readFileSync(join(schemaDir, `${name}.json`), 'utf8'));
    ajv.addSchema(schema, `${name}.json`);
  }
  return ajv;
}

// The schema an example belongs to: the longest schema name that prefixes it.
function schemaFor(exampleName) {
  const matches = schemaNames.filter((s) => exampleName === s || exampleName.startsWith(`${s}.`));
  matches.sort((a, b) => b.length - a.length);
  return matches[0];
}

function refsIn(node, out = []) {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

function resolvePointer(ref) {
  return ref.slice(2).split('/').reduce((n, part) => (n ? n[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
}

test('the document is AsyncAPI 3 with channels, operations and messages', () => {
  assert.equal(doc.asyncapi, '3.0.0');
  assert.ok(Object.keys(doc.channels).length > 0);
  for (const [name, ch] of Object.entries(doc.channels)) {
    assert.match(ch.address, /^echochat\./, `channel ${name} address`);
    assert.ok(ch.messages && Object.keys(ch.messages).length > 0, `channel ${name} has messages`);
  }
  for (const [name, op] of Object.entries(doc.operations)) {
    assert.ok(['send', 'receive'].includes(op.action), `operation ${name} action`);
  }
});

test('every internal $ref resolves and every schema file referenced exists', () => {
  for (const ref of refsIn(doc)) {
    if (ref.startsWith('#/')) assert.ok(resolvePointer(ref) !== undefined, `unresolved ${ref}`);
    else assert.ok(existsSync(join(proto, ref)), `missing file ${ref}`);
  }
});

test('every schema compiles and is used by the document or another schema', () => {
  const ajv = loadAjv();
  const used = new Set(refsIn(doc).filter((r) => r.startsWith('./schemas/')).map((r) => r.slice(10, -5)));
  for (const name of schemaNames) {
    const schema = JSON.parse(readFileSync(join(schemaDir, `${name}.json`), 'utf8'));
    assert.ok(ajv.getSchema(`${name}.json`), `${name} compiles`);
    for (const r of refsIn(schema)) used.add(r.replace(/\.json$/, ''));
  }
  for (const name of schemaNames) assert.ok(used.has(name), `schema ${name} is not referenced`);
});

test('every example validates against its schema', () => {
  const ajv = loadAjv();
  const examples = readdirSync(join(proto, 'examples')).filter((f) => f.endsWith('.json'));
  assert.ok(examples.length > 0);
  for (const file of examples) {
    const schema = schemaFor(file.slice(0, -5));
    assert.ok(schema, `example ${file} names no schema`);
    const data = JSON.parse(readFileSync(join(proto, 'examples', file), 'utf8'));
    const validate = ajv.getSchema(`${schema}.json`);
    assert.ok(validate(data), `${file} against ${schema}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('invalid examples are rejected (the validator can fail)', () => {
  const ajv = loadAjv();
  const dir = join(proto, 'examples', 'invalid');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const schema = schemaFor(file.slice(0, -5));
    const data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    assert.equal(ajv.getSchema(`${schema}.json`)(data), false, `${file} should not validate`);
  }
});

test('subjects.h names exactly the subjects and queue groups of the document', () => {
  const header = readFileSync(join(proto, '..', 'common', 'include', 'echo', 'subjects.h'), 'utf8');
  const defines = Object.fromEntries([...header.matchAll(/^#define (\w+) "([^"]+)"/gm)].map((m) => [m[1], m[2]]));
  const addresses = new Set(Object.values(doc.channels).map((c) => c.address));
  const fromHeader = new Set();
  for (const [name, value] of Object.entries(defines)) {
    if (name.startsWith('QUEUE_')) continue;
    const address = name.endsWith('_PREFIX') ? `${value}{room}` : value;
    assert.ok(addresses.has(address), `${name} = ${value} is not a channel of asyncapi.yaml`);
    fromHeader.add(address);
  }
  for (const a of addresses) assert.ok(fromHeader.has(a), `channel ${a} has no define in subjects.h`);
  const queues = new Set(Object.entries(defines).filter(([n]) => n.startsWith('QUEUE_')).map(([, v]) => v));
  const bound = new Set(Object.values(doc.operations).map((o) => o.bindings?.nats?.queue).filter(Boolean));
  assert.deepEqual([...bound].sort(), [...queues].sort());
});
