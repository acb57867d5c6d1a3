// `npm run demo` must run from what a clone installs for running the bot: every module it loads at
// run time (following imports from demo/run.ts through demo/, testkit/ and src/) is Node's own or
// a production dependency, never a test tool. Type-only imports are erased, so they do not count.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const STATIC_IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every file loaded at run time from `entry`, and the packages they load, with who loads each. */
function runtimeImports(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...[...text.matchAll(STATIC_IMPORT)].filter((m) => m[2] === undefined).map((m) => m[4]),
      ...[...text.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]),
    ];
    for (const specifier of specifiers) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.set(packageOf(specifier), relative(ROOT, file));
    }
  };
  visit(entry);
  return { files, packages };
}

test('the demo loads only Node’s own modules and production dependencies at run time', () => {
  const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const { files, packages } = runtimeImports(resolve(ROOT, 'demo/run.ts'));
  assert.ok(
    [...files].some((file) => file.endsWith('testkit/ivsSimulator.ts')),
    'the walk reaches the simulator',
  );
  assert.ok(packages.has('@slack/bolt'), 'the walk reaches the bot');
  for (const [name, loader] of packages) {
    assert.ok(name in manifest.dependencies, `${loader} loads ${name}, which is not a production dependency`);
  }
});
