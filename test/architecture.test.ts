// The layout's rules, read from the sources: imports between the folders of src/ point one way, and
// views depend on data, not on listeners or services. See "How the code is laid out" in README.md.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../src');

interface ImportEdge {
  /** Importing file, relative to src/. */
  readonly from: string;
  /** Imported file, relative to src/. */
  readonly to: string;
  /** `import type` / `export type`: erased at run time, a dependency on a shape only. */
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// `import … from '…'`, `export … from '…'` (the clause may span lines), side-effect `import '…'`,
// and dynamic `import('…')`. Only relative specifiers name files of src/.
const STATIC_IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What one file imports: files of src/ (`to` relative to src/) and packages (`to` as written). */
function importsOf(file: string): { files: ImportEdge[]; packages: ImportEdge[] } {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  const files: ImportEdge[] = [];
  const packages: ImportEdge[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (specifier.startsWith('.'))
      files.push({ from, to: relative(SRC, resolve(dirname(file), specifier)), typeOnly });
    else packages.push({ from, to: specifier, typeOnly });
  };
  for (const match of text.matchAll(STATIC_IMPORT)) {
    const [, , typeKeyword, , specifier] = match;
    if (specifier !== undefined) add(specifier, typeKeyword !== undefined);
  }
  for (const match of text.matchAll(DYNAMIC_IMPORT)) {
    if (match[1] !== undefined) add(match[1], false);
  }
  return { files, packages };
}

/** The folder right under src/ a file belongs to; files directly in src/ are the composition root, '.'. */
function folderOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 1 ? (parts[0] as string) : '.';
}

/** Folder → folders it imports, with one file-level import as the reason for each arrow. */
function folderGraph(edges: readonly ImportEdge[]): Map<string, Map<string, ImportEdge>> {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    const targets = graph.get(from) ?? new Map<string, ImportEdge>();
    graph.set(from, targets);
    if (from !== to && !targets.has(to)) targets.set(to, edge);
  }
  return graph;
}

/** One cycle of the graph as a closed path (first node repeated at the end), or undefined if none. */
export function findCycle(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

const imports = sourceFiles(SRC).map(importsOf);
const edges = imports.flatMap((i) => i.files);
const packageImports = imports.flatMap((i) => i.packages);

describe('the import graph of src/', () => {
  test('is read: every relative import names a file that exists', () => {
    const files = new Set(sourceFiles(SRC).map((file) => relative(SRC, file)));
    const missing = edges.filter((edge) => !files.has(edge.to));
    assert.deepEqual(missing, []);
    // A parser that found nothing would pass every rule below.
    assert.ok(edges.length > 100, `only ${edges.length} imports read`);
    assert.ok(edges.some((edge) => edge.from === 'main.ts' && edge.to === 'slack/createSlackApp.ts'));
  });

  test('has no cycle between folders', () => {
    const graph = folderGraph(edges);
    const cycle = findCycle(graph);
    if (cycle) {
      const steps = cycle.slice(1).map((to, i) => {
        const from = cycle[i] as string;
        const edge = graph.get(from)?.get(to);
        return `  ${from} -> ${to}  (${edge?.from} imports ${edge?.to})`;
      });
      assert.fail(`folders of src/ import each other in a loop:\n${steps.join('\n')}`);
    }
  });

  test('nothing imports the composition root', () => {
    const intoRoot = edges.filter((edge) => folderOf(edge.to) === '.' && folderOf(edge.from) !== '.');
    assert.deepEqual(intoRoot, []);
  });

  test('domain/ imports nothing else of src/', () => {
    const out = edges.filter((edge) => folderOf(edge.from) === 'domain' && folderOf(edge.to) !== 'domain');
    assert.deepEqual(out, []);
  });

  test('views import data: no listener (actions, commands, events), services only as types', () => {
    const listeners = ['slack/actions/', 'slack/commands/', 'slack/events/'];
    const bad = edges.filter(
      (edge) =>
        edge.from.startsWith('slack/views/') &&
        (listeners.some((dir) => edge.to.startsWith(dir)) ||
          (['alerts', 'browse'].includes(folderOf(edge.to)) && !edge.typeOnly)),
    );
    assert.deepEqual(bad, []);
  });

  test('views import no Slack adapter (a module using Bolt) and not the browse views that render through them', () => {
    const adapters = new Set(
      packageImports.filter((edge) => /^@slack\//.test(edge.to)).map((edge) => edge.from),
    );
    assert.ok(adapters.has('slack/SlackPoster.ts'), 'the rule must know the adapters');
    const bad = edges.filter(
      (edge) =>
        edge.from.startsWith('slack/views/') &&
        (adapters.has(edge.to) || edge.to.startsWith('slack/browseViews/')),
    );
    assert.deepEqual(bad, []);
  });
});

describe('outside services are reached through their adapter only', () => {
  const rules: [adapter: string, packages: RegExp][] = [
    ['ivs', /^@aws-sdk\/(?!client-sqs$)/],
    ['sqs', /^@aws-sdk\/client-sqs$/],
    ['store', /^(pg|node:sqlite)$/],
    ['slack', /^@slack\//],
  ];
  for (const [adapter, packages] of rules) {
    test(`${packages.source} only in ${adapter}/`, () => {
      const uses = packageImports.filter((edge) => packages.test(edge.to));
      assert.ok(uses.length > 0, `no import matches ${packages.source}: the rule checks nothing`);
      assert.deepEqual(
        uses.filter((edge) => folderOf(edge.from) !== adapter),
        [],
      );
    });
  }
});

describe('the store is reached through narrow repositories', () => {
  // `import type { A, Store } from '../store/Store.ts'`: the names one import takes from store/Store.ts.
  const FROM_STORE_MODULE = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"][./]*store\/Store\.ts['"]/g;
  const namesFromStoreModule = (text: string): string[] =>
    [...text.matchAll(FROM_STORE_MODULE)].flatMap((match) =>
      (match[1] ?? '').split(',').map((name) => name.replace(/^\s*type\s+/, '').trim()),
    );

  test('reads the names an import takes', () => {
    assert.deepEqual(
      namesFromStoreModule("import type { StoreError, type Store } from '../store/Store.ts';"),
      ['StoreError', 'Store'],
    );
  });

  test('outside store/, only the composition root holds the whole Store; the rest ask for repositories', () => {
    const holders = sourceFiles(SRC)
      .filter((file) => !['store', '.'].includes(folderOf(relative(SRC, file))))
      .filter((file) => namesFromStoreModule(readFileSync(file, 'utf8')).includes('Store'))
      .map((file) => relative(SRC, file));
    assert.deepEqual(holders, []);
  });
});

describe('outside src/: the test kit, the benchmark and the demo', () => {
  const ROOT = resolve(import.meta.dirname, '..');
  /** Top-level folders of the repository that files of `folder` import (relative imports only). */
  const foldersImportedBy = (folder: string): Map<string, string> => {
    const imported = new Map<string, string>();
    for (const file of sourceFiles(join(ROOT, folder))) {
      const text = readFileSync(file, 'utf8');
      const specifiers = [
        ...[...text.matchAll(STATIC_IMPORT)].map((match) => match[4]),
        ...[...text.matchAll(DYNAMIC_IMPORT)].map((match) => match[1]),
      ];
      for (const specifier of specifiers) {
        if (specifier === undefined || !specifier.startsWith('.')) continue;
        const top = relative(ROOT, resolve(dirname(file), specifier)).split('/')[0] as string;
        if (!imported.has(top)) imported.set(top, relative(ROOT, file));
      }
    }
    return imported;
  };

  test('testkit/ imports nothing of src/ or test/: a fake enforces the documented rules, not ours', () => {
    const imported = foldersImportedBy('testkit');
    assert.ok(imported.has('testkit'), 'testkit/ files were read');
    assert.equal(imported.get('src'), undefined);
    assert.equal(imported.get('test'), undefined);
  });

  for (const folder of ['bench', 'demo']) {
    test(`${folder}/ uses the test kit, never test/`, () => {
      const imported = foldersImportedBy(folder);
      assert.ok(imported.has('testkit'), `${folder}/ imports the test kit`);
      assert.equal(imported.get('test'), undefined);
    });
  }
});

describe('findCycle', () => {
  const graphOf = (arrows: Record<string, string[]>) =>
    new Map(Object.entries(arrows).map(([from, to]) => [from, new Map(to.map((t) => [t, true]))]));

  test('finds a loop and names it as a closed path', () => {
    assert.deepEqual(findCycle(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] })), ['a', 'b', 'c', 'a']);
    assert.deepEqual(findCycle(graphOf({ alerts: ['slack'], slack: ['alerts'] })), [
      'alerts',
      'slack',
      'alerts',
    ]);
  });

  test('finds none in layers, even where two paths meet', () => {
    assert.equal(findCycle(graphOf({ top: ['mid', 'low'], mid: ['low'], low: [] })), undefined);
  });
});
