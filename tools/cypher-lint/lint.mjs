#!/usr/bin/env node
// Lint Cypher files with Neo4j's own Cypher front-end (@neo4j-cypher/language-support).
//
// Usage: node lint.mjs [--schema SCHEMA.json] [--cypher-version 5|25] FILE...
//
// Each FILE holds exactly one query (leading `//` comment lines are fine).
// Prints a JSON array of {file, line, column, severity, message} to stdout
// (line and column are 1-based) and a one-line summary to stderr.
// Exit status: 0 = no error-severity diagnostic, 1 = at least one, 2 = usage error.
//
// Policy:
//  * "Parameter $x is not defined." is ignored: parameters are bound at run time.
//  * Errors (syntax and semantic) fail.
//  * Deprecation warnings fail: they are reported with severity "error".
//  * Without --schema the library does not check labels, relationship types or
//    property keys at all. With --schema (a JSON object with `labels`,
//    `relationshipTypes`, `propertyKeys` and optionally `graphSchema`, a list of
//    {from, to, relType}) the "... is not present in the database" warnings and the
//    "(:A) has no outgoing [:T]" path warnings are reported with severity "error"
//    too (they are almost always typos or impossible patterns).
//  * Other warnings (e.g. unbounded shortestPath performance hints) are reported
//    with severity "warning" and do not fail.
//  * Built-in Neo4j functions are checked (unknown names, arity, deprecation) using
//    the built-in function registry that ships with the package. Procedures are
//    not checked (no registry of the target server is available offline).
import { readFileSync } from 'node:fs';
import {
  lintCypherQuery,
  isNotParamError,
  parseStatementsStrs,
  testData,
} from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const DEPRECATION_RE =
  /deprecated|no longer supported|will be removed|will change in a future version/i;
// Schema warnings: unknown label / relationship type / property key, and (with
// graphSchema) impossible (:Label)-[:TYPE]-(:Label) adjacencies.
const SCHEMA_WARNING_RE = / is not present in the database\. |^\[:.*\] has no |^\(:.*\) has no /;

function usage(msg) {
  if (msg) process.stderr.write(`cypher-lint: ${msg}\n`);
  process.stderr.write(
    'usage: node lint.mjs [--schema SCHEMA.json] [--cypher-version 5|25] FILE...\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { schemaPath: null, version: '5', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--schema') {
      opts.schemaPath = argv[++i] ?? usage('--schema needs a path');
    } else if (a === '--cypher-version') {
      opts.version = argv[++i] ?? usage('--cypher-version needs 5 or 25');
      if (!['5', '25'].includes(opts.version)) usage(`bad --cypher-version ${opts.version}`);
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a === '--') {
      opts.files.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('--')) {
      usage(`unknown option ${a}`);
    } else {
      opts.files.push(a);
    }
  }
  if (opts.files.length === 0) usage('no files given');
  return opts;
}

// Built-in (non-plugin) functions from the registry bundled with the package, so
// that unknown functions (typos, other dialects' functions) are errors.
function builtinFunctions() {
  const registry = testData?.mockSchema?.functions;
  if (!registry) {
    process.stderr.write('cypher-lint: no function registry in this package version; functions are not checked\n');
    return undefined;
  }
  const out = {};
  for (const [version, fns] of Object.entries(registry)) {
    out[version] = Object.fromEntries(Object.entries(fns).filter(([, f]) => f.isBuiltIn));
  }
  return out;
}

function loadSchema(path) {
  let raw;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    usage(`cannot read schema ${path}: ${e.message}`);
  }
  const schema = {};
  for (const key of ['labels', 'relationshipTypes', 'propertyKeys']) {
    if (raw[key] !== undefined) {
      if (!Array.isArray(raw[key])) usage(`schema ${path}: ${key} must be an array of strings`);
      schema[key] = raw[key].map(String);
    }
  }
  if (raw.graphSchema !== undefined) {
    const ok =
      Array.isArray(raw.graphSchema) &&
      raw.graphSchema.every((e) => e && ['from', 'to', 'relType'].every((k) => typeof e[k] === 'string'));
    if (!ok) usage(`schema ${path}: graphSchema must be an array of {from, to, relType}`);
    schema.graphSchema = raw.graphSchema.map(({ from, to, relType }) => ({ from, to, relType }));
  }
  // The library only checks labels when both lists are present.
  if (schema.labels || schema.relationshipTypes) {
    schema.labels ??= [];
    schema.relationshipTypes ??= [];
  }
  return schema;
}

function lintFile(file, dbSchema, withSchema) {
  const out = [];
  const add = (line, column, severity, message) =>
    out.push({ file, line, column, severity, message });

  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    add(1, 1, 'error', `cannot read file: ${e.message}`);
    return out;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  if (text.trim() === '') {
    add(1, 1, 'error', 'file is empty: expected one Cypher query');
    return out;
  }
  const statements = parseStatementsStrs(text);
  if (statements.length > 1) {
    add(1, 1, 'error', `file holds ${statements.length} statements: expected one query per file`);
  }

  const { diagnostics } = lintCypherQuery(text, dbSchema, { consoleCommandsEnabled: false });
  for (const d of diagnostics) {
    if (!isNotParamError(d)) continue; // "Parameter $x is not defined."
    let severity = SEVERITY[d.severity] ?? 'error';
    if (severity === 'warning') {
      const deprecated =
        DEPRECATION_RE.test(d.message) || (d.tags ?? []).includes(2 /* Deprecated */);
      if (deprecated || (withSchema && SCHEMA_WARNING_RE.test(d.message))) severity = 'error';
    }
    const start = d.range?.start ?? { line: 0, character: 0 };
    add(Math.max(0, start.line) + 1, Math.max(0, start.character) + 1, severity, d.message);
  }
  return out;
}

const opts = parseArgs(process.argv.slice(2));
const schema = opts.schemaPath ? loadSchema(opts.schemaPath) : {};
const dbSchema = {
  ...schema,
  functions: builtinFunctions(),
  defaultLanguage: `CYPHER ${opts.version}`,
};

const results = opts.files.flatMap((f) => lintFile(f, dbSchema, Boolean(opts.schemaPath)));
const errors = results.filter((r) => r.severity === 'error').length;
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
process.stderr.write(
  `cypher-lint: ${opts.files.length} file(s), ${errors} error(s), ` +
    `${results.length - errors} other diagnostic(s) (Cypher ${opts.version})\n`,
);
process.exitCode = errors > 0 ? 1 : 0;
