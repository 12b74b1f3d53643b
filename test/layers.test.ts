import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The layering rules of DESIGN.md §2, checked on the import graph of every .ts file in src/,
 * protocols/, bench/, test/, parties/ and config/. An import is any static `import` (type-only
 * included), `export ... from`, `import x = require()`, dynamic `import('...')` with a literal
 * specifier, and `import('...')` in type positions (TypeScript's own pre-processor finds them, so
 * comments and strings do not count). Computed specifiers (a task module or benchmark loaded by
 * name at run time) are not visible here.
 *
 * Layers, lowest first; a file may import its own layer or a lower one, never a higher one:
 *   0 base      src/errors.ts — the one error type every layer throws; it imports nothing
 *   1 ring      src/ring/
 *   2 crypto    src/crypto/
 *   3 net       src/net/
 *   4 session   src/session/
 *   5 protocols protocols/
 *   6 ml        src/ml/
 *   7 config    src/config/ and config/ — DESIGN §2 lists config last, as data that knows nothing:
 *               its loaders (consortium and key files) use crypto and net types, and only the entry
 *               reads consortium and key files, so they sit just below the entry. Job files are
 *               read by src/ml/job.ts as data (no import).
 *   8 entry     src/cli/, src/index.ts (the public face), parties/
 *   9 bench     bench/ — benchmarks drive the entry (party processes) and may use every layer
 *  10 test      test/ — may import anything
 * Also: no import cycle (type-only cycles included); protocols/ never imports node:fs, ws or
 * config; protocols/core/ (the protocol runtime) imports no protocol; bench/ never imports test/; an unknown file or folder fails until it is placed here.
 */

interface Layer {
  name: string;
  rank: number;
}

const LAYERS: readonly { prefix: string; layer: Layer }[] = [
  { prefix: 'src/errors.ts', layer: { name: 'base', rank: 0 } },
  { prefix: 'src/ring/', layer: { name: 'ring', rank: 1 } },
  { prefix: 'src/crypto/', layer: { name: 'crypto', rank: 2 } },
  { prefix: 'src/net/', layer: { name: 'net', rank: 3 } },
  { prefix: 'src/session/', layer: { name: 'session', rank: 4 } },
  { prefix: 'protocols/', layer: { name: 'protocols', rank: 5 } },
  { prefix: 'src/ml/', layer: { name: 'ml', rank: 6 } },
  { prefix: 'src/config/', layer: { name: 'config', rank: 7 } },
  { prefix: 'config/', layer: { name: 'config', rank: 7 } },
  { prefix: 'src/cli/', layer: { name: 'entry', rank: 8 } },
  { prefix: 'src/index.ts', layer: { name: 'entry', rank: 8 } },
  { prefix: 'parties/', layer: { name: 'entry', rank: 8 } },
  { prefix: 'bench/', layer: { name: 'bench', rank: 9 } },
  { prefix: 'test/', layer: { name: 'test', rank: 10 } },
];

/** The layer of a repository path (posix, relative to the root), or undefined if unplaced. */
export function layerOf(path: string): Layer | undefined {
  return LAYERS.find((l) => path === l.prefix || (l.prefix.endsWith('/') && path.startsWith(l.prefix)))?.layer;
}

const FS_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises']);

/** Edges of the graph: file → the repository files it imports (resolved), plus bare module names. */
export interface ImportGraph {
  files: Map<string, { local: string[]; bare: string[] }>;
  problems: string[];
}

/** Parse every file's imports; `exists` answers whether a repository path is a file. */
export function importGraph(sources: ReadonlyMap<string, string>, exists: (path: string) => boolean): ImportGraph {
  const files = new Map<string, { local: string[]; bare: string[] }>();
  const problems: string[] = [];
  for (const [file, text] of sources) {
    const local: string[] = [];
    const bare: string[] = [];
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!spec.startsWith('.')) {
        bare.push(spec);
        continue;
      }
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      // NodeNext: `./x.js` in a .ts file names `./x.ts`; other files (.mjs, .json) are themselves.
      const asTs = target.replace(/\.js$/, '.ts');
      if (sources.has(asTs) || exists(asTs)) local.push(asTs);
      else if (exists(target)) local.push(target);
      else problems.push(`${file}: import '${spec}' names no file (${target})`);
    }
    files.set(file, { local, bare });
  }
  return { files, problems };
}

/** Every violation of the rules above, one line each. */
export function layerViolations(g: ImportGraph): string[] {
  const out = [...g.problems];
  for (const [file, { local, bare }] of g.files) {
    const from = layerOf(file);
    if (!from) {
      out.push(`${file}: not in any layer (place its folder in test/layers.test.ts and DESIGN.md §2)`);
      continue;
    }
    for (const target of local) {
      const to = layerOf(target);
      if (!to) out.push(`${file} imports ${target}, which is in no layer`);
      else if (from.name === 'bench' && to.name === 'test') out.push(`${file} imports ${target}: bench/ must not import test/`);
      else if (to.rank > from.rank) out.push(`${file} (${from.name}) imports ${target} (${to.name}): an import up the layers`);
      if (from.name === 'protocols' && to?.name === 'config') out.push(`${file} imports ${target}: protocols/ must not import config`);
      if (file.startsWith('protocols/core/') && target.startsWith('protocols/') && !target.startsWith('protocols/core/')) out.push(`${file} imports ${target}: protocols/core/ (the runtime) must not import a protocol`);
    }
    if (from.name === 'protocols') {
      for (const m of bare) if (FS_MODULES.has(m) || m === 'ws' || m.startsWith('ws/')) out.push(`${file} imports '${m}': protocols/ must not import node:fs or ws`);
    }
  }
  for (const cycle of importCycles(g)) out.push(`import cycle: ${cycle.join(' → ')} → ${cycle[0]}`);
  return out;
}

/** Strongly connected components with more than one file (or a file importing itself), each as one cycle through it. */
export function importCycles(g: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const sccs: string[][] = [];
  let next = 0;
  const edges = (f: string): string[] => g.files.get(f)?.local.filter((t) => g.files.has(t)) ?? [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || edges(v).includes(v)) sccs.push(scc);
    }
  };
  for (const f of [...g.files.keys()].sort()) if (!index.has(f)) visit(f);
  // Report one concrete cycle per component: a shortest path back to its smallest file.
  return sccs.map((scc) => {
    const members = new Set(scc);
    const start = [...scc].sort()[0]!;
    const prev = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i]!;
      for (const w of edges(v)) {
        if (!members.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
          return path;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return scc;
  });
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['src', 'protocols', 'bench', 'test', 'parties', 'config'];

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(p);
    return /\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function repoGraph(): ImportGraph {
  const sources = new Map<string, string>();
  for (const f of FOLDERS.flatMap((d) => tsFiles(join(ROOT, d)))) sources.set(relative(ROOT, f).split(sep).join('/'), readFileSync(f, 'utf8'));
  return importGraph(sources, (p) => existsSync(join(ROOT, p)) && statSync(join(ROOT, p)).isFile());
}

/** A graph of made-up files, to show each rule can fail. */
function fake(files: Record<string, string>): ImportGraph {
  return importGraph(new Map(Object.entries(files)), () => false);
}

describe('layers (DESIGN.md §2): the import graph of src/, protocols/, bench/, test/', () => {
  it('no upward import, no cycle, protocols/ free of fs, ws and config, bench/ free of test/', () => {
    const g = repoGraph();
    expect(g.files.size).to.be.greaterThan(150);
    // The parser sees every kind of import the repository uses.
    const edges = [...g.files.values()].reduce((a, f) => a + f.local.length, 0);
    expect(edges).to.be.greaterThan(500);
    expect(layerViolations(g)).to.deep.equal([]);
  });

  it('the public entry point src/index.ts is in the entry layer', () => {
    expect(existsSync(join(ROOT, 'src/index.ts'))).to.equal(true);
    expect(layerOf('src/index.ts')?.name).to.equal('entry');
  });

  describe('each rule can fail', () => {
    it('an upward import, static, type-only, re-export or dynamic', () => {
      const g = fake({
        'src/ring/a.ts': "import type { S } from '../session/session.js';",
        'src/session/session.ts': "export * from '../ml/x.js';",
        'src/ml/x.ts': "export const f = () => import('../cli/main.js');",
        'src/cli/main.ts': "type T = import('../../bench/types.js').T;",
        'bench/types.ts': 'export type T = 1;',
      });
      expect(layerViolations(g)).to.deep.equal([
        'src/ring/a.ts (ring) imports src/session/session.ts (session): an import up the layers',
        'src/session/session.ts (session) imports src/ml/x.ts (ml): an import up the layers',
        'src/ml/x.ts (ml) imports src/cli/main.ts (entry): an import up the layers',
        'src/cli/main.ts (entry) imports bench/types.ts (bench): an import up the layers',
      ]);
    });

    it('a cycle, type-only included, reported as a path', () => {
      const g = fake({
        'src/cli/main.ts': "const load = () => import('./party.js');",
        'src/cli/party.ts': "import type { Command } from './main.js';",
        'src/ring/self.ts': "import './self.js';",
        'src/ring/ok.ts': "import './self.js';",
      });
      expect(layerViolations(g)).to.deep.equal([
        'import cycle: src/cli/main.ts → src/cli/party.ts → src/cli/main.ts',
        'import cycle: src/ring/self.ts → src/ring/self.ts',
      ]);
    });

    it('protocols/ importing fs, ws or config; protocols/core/ importing a protocol; bench/ importing test/; unplaced and missing files', () => {
      const g = fake({
        'protocols/a.ts': "import { readFileSync } from 'node:fs';\nimport type { WebSocket } from 'ws';\nimport { loadConsortium } from '../src/config/consortium.js';",
        'protocols/b.ts': "import { readFile } from 'fs/promises';",
        'src/config/consortium.ts': '',
        'bench/x.ts': "import { memorySessions } from '../test/helpers/parties.js';",
        'test/helpers/parties.ts': '',
        'src/misc/y.ts': "import '../ring/gone.js';",
        'protocols/core/run.ts': "import { mulStep } from '../arithmetic/mul.js';",
        'protocols/arithmetic/mul.ts': '',
      });
      expect(layerViolations(g)).to.deep.equal([
        "src/misc/y.ts: import '../ring/gone.js' names no file (src/ring/gone.js)",
        'protocols/a.ts (protocols) imports src/config/consortium.ts (config): an import up the layers',
        'protocols/a.ts imports src/config/consortium.ts: protocols/ must not import config',
        "protocols/a.ts imports 'node:fs': protocols/ must not import node:fs or ws",
        "protocols/a.ts imports 'ws': protocols/ must not import node:fs or ws",
        "protocols/b.ts imports 'fs/promises': protocols/ must not import node:fs or ws",
        'bench/x.ts imports test/helpers/parties.ts: bench/ must not import test/',
        'src/misc/y.ts: not in any layer (place its folder in test/layers.test.ts and DESIGN.md §2)',
        'protocols/core/run.ts imports protocols/arithmetic/mul.ts: protocols/core/ (the runtime) must not import a protocol',
      ]);
    });
  });
});
