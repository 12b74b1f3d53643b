import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package as a consumer gets it: `npm pack` in this repository, `npm install <tarball>` in an
 * empty project, then the README's "Use as a library" example (read from README.md, so the two
 * cannot drift) run with node, the `concord` bin, and a TypeScript file compiled against the
 * shipped declarations. The pack skips `prepare` (npm test has just built dist/); the install
 * runs no build at all: the consumer has neither TypeScript nor wabt.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a fresh shell: npm's lifecycle variables of the `npm test` run removed. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_lifecycle_|npm_package_|INIT_CWD$)/.test(k)) env[k] = v;
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The first ```js block after the "## Use as a library" heading of README.md. */
export function readmeExample(readme: string): string {
  const at = readme.indexOf('\n## Use as a library\n');
  if (at < 0) throw new Error('README.md has no "## Use as a library" section');
  const m = /\n```js\n([\s\S]*?)\n```\n/.exec(readme.slice(at));
  if (!m) throw new Error('the "Use as a library" section of README.md has no ```js block');
  return m[1]! + '\n';
}

describe('npm pack: the tarball in an empty project (README "Use as a library")', function () {
  this.timeout(240_000);
  let dir = '';
  let app = '';
  let files: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-pack-'));
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT, 60_000);
    expect(pack.code, pack.stderr).to.equal(0);
    const info = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    files = info.files.map((f) => f.path);
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'concord-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n');
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info.filename)], app, 120_000);
    expect(install.code, install.stderr).to.equal(0);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled dist/, its declarations, the WebAssembly kernels and the bin, and no tests or sources', () => {
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/ring/kernels.wasm', 'dist/protocols/arithmetic/matmul.js', 'dist/src/cli/main.js', 'dist/src/cli/worker.js', 'src/cli/concord.js', 'package.json', 'README.md']) {
      expect(files, f).to.include(f);
    }
    expect(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('test/'))).to.deep.equal([]);
    expect(files.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).to.deep.equal([]);
    // Every compiled file has its source: a file moved or deleted since an old build would ship stale (rebuild from a clean dist/).
    expect(files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !existsSync(join(ROOT, f.slice('dist/'.length).replace(/\.js$/, '.ts'))))).to.deep.equal([]);
    // What was installed is the package alone with its runtime dependencies: no build tooling.
    expect(existsSync(join(app, 'node_modules/concord-mpc/dist/src/index.js'))).to.equal(true);
    for (const dev of ['typescript', 'wabt', 'mocha']) expect(existsSync(join(app, 'node_modules', dev)), dev).to.equal(false);
  });

  it('runs the README example unchanged: three parties, Y = X·W + b', async () => {
    const example = readmeExample(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(example).to.match(/from 'concord-mpc'/);
    writeFileSync(join(app, 'example.js'), example);
    const r = await run(process.execPath, ['example.js'], app, 60_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3).sort()).to.deep.equal(['p0 holds Secret[2×2]', 'p1 holds Secret[2×2]', 'p2 holds Secret[2×2]']);
    expect(lines.slice(3)).to.deep.equal(['Y = X·W + b = 9.5000 26.0000 30.2500 52.0000']);
  });

  it('the concord bin runs from the installed package', async () => {
    const r = await run(join(app, 'node_modules/.bin/concord'), ['--help'], app, 30_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/usage: concord <command>/);
  });

  it('a TypeScript program compiles against the shipped declarations (strict, NodeNext)', async () => {
    writeFileSync(
      join(app, 'check.ts'),
      [
        "import { runInMemory, Secret, ConcordError, isConcordError, matmul, type Session, type ConnectPartyOptions } from 'concord-mpc';",
        'const task = async (s: Session): Promise<number> => {',
        '  const x = Secret.input(s, 0, [1, 1], s.me === 0 ? [2] : undefined);',
        '  const y = Secret.fromShare(s, await matmul(s, x.share, x.share));',
        '  const v = await y.reveal();',
        "  if (!(v instanceof Float64Array)) throw new ConcordError('E_INTERNAL', 'expected reals');",
        '  return v[0]!;',
        '};',
        "const opts: ConnectPartyOptions = { consortium: 'c.json', id: 'a', key: 'a.key', offline: 'ot' };",
        "const out: number[] = await runInMemory(2, task, { offline: 'ot' }).catch((e: unknown) => (isConcordError(e) ? [] : Promise.reject(e)));",
        'console.log(out, opts.id);',
        // A wrong use must be a type error, or this check could not fail.
        '// @ts-expect-error: Secret.input takes a shape array, not a number',
        'export const bad = (s: Session) => Secret.input(s, 0, 3);',
        '',
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node', 'check.ts'];
    const r = await run(process.execPath, args, app, 120_000);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
  });
});
