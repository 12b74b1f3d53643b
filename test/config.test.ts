import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { dealerNode, loadConsortium, parseConsortium, partyIndex } from '../src/config/consortium.js';
import { generateKey, readKeyFile, toHex, writeKeyFile } from '../src/config/keys.js';
import { isConcordError, type ConcordError } from '../src/errors.js';

const mainJs = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const F = 'demo.json';
const keys = Array.from({ length: 4 }, () => generateKey());
const hex = keys.map((k) => toHex(k.publicKey));

function valid(): { consortium: string; parties: Record<string, unknown>[]; dealer?: Record<string, unknown> } {
  return {
    consortium: 'demo',
    parties: [
      { id: 'hospital-a', address: '127.0.0.1:7101', publicKey: hex[0] },
      { id: 'hospital-b', address: '127.0.0.1:7102', publicKey: hex[1] },
      { id: 'hospital-c', address: 'localhost:7103', publicKey: hex[2] },
    ],
    dealer: { id: 'dealer', address: '127.0.0.1:7100', publicKey: hex[3] },
  };
}

function expectConfigError(mutate: (c: ReturnType<typeof valid>) => unknown, re: RegExp, code = 'E_CONFIG'): void {
  const c = valid();
  const json = mutate(c) ?? c;
  try {
    parseConsortium(json, F);
  } catch (e) {
    expect(isConcordError(e), String(e)).to.equal(true);
    expect((e as ConcordError).code).to.equal(code);
    expect((e as Error).message).to.match(re);
    expect((e as Error).message.startsWith(`${F}: `), (e as Error).message).to.equal(true);
    return;
  }
  expect.fail(`expected ${code} matching ${re}`);
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [mainJs, ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('consortium file validation', () => {
  it('accepts the DESIGN.md §7 form, with and without a dealer', () => {
    const c = parseConsortium(valid(), F);
    expect(c.parties.map((p) => p.id)).to.deep.equal(['hospital-a', 'hospital-b', 'hospital-c']);
    expect(c.parties[2]).to.include({ host: 'localhost', port: 7103 });
    const v6 = valid();
    v6.parties[0]!.address = '[::1]:7101';
    expect(parseConsortium(v6, F).parties[0]).to.include({ host: '::1', port: 7101 });
    expect(c.dealer!.id).to.equal('dealer');
    const noDealer = valid();
    delete noDealer.dealer;
    expect(parseConsortium(noDealer, F).dealer).to.equal(undefined);
  });

  it('names the field of each documented error', () => {
    expectConfigError((c) => void delete (c as Partial<typeof c>).consortium, /consortium: missing/);
    expectConfigError((c) => void delete c.parties[1]!.publicKey, /parties\[1\]\.publicKey: missing/);
    expectConfigError((c) => void delete c.parties[0]!.address, /parties\[0\]\.address: missing/);
    expectConfigError((c) => void (c.parties[2]!.publicKey = 'abc'), /parties\[2\]\.publicKey: expected 64 hex characters.*"abc" \(3 characters\)/);
    expectConfigError((c) => void (c.parties[2]!.publicKey = 'zz' + hex[2]!.slice(2)), /parties\[2\]\.publicKey: expected 64 hex/);
    expectConfigError((c) => void (c.dealer!.publicKey = 42), /dealer\.publicKey: expected 64 hex/);
    expectConfigError((c) => void (c.parties[1]!.id = 'hospital-a'), /parties\[1\]\.id: duplicate id "hospital-a" \(already used by parties\[0\]\)/);
    expectConfigError((c) => void (c.dealer!.id = 'hospital-c'), /dealer\.id: duplicate id "hospital-c"/);
    expectConfigError((c) => void (c.parties[2]!.address = '127.0.0.1:7101'), /parties\[2\]\.address: duplicate address 127\.0\.0\.1:7101 \(already used by parties\[0\]\)/);
    expectConfigError((c) => void (c.parties[1]!.publicKey = hex[0]), /parties\[1\]\.publicKey: this public key is already listed for parties\[0\]/);
    expectConfigError((c) => void c.parties.push({ ...c.parties[0]! }), /parties\[3\]\.id: duplicate id/);
    expectConfigError((c) => void ((c as Record<string, unknown>).extra = 1), /extra: unknown field/);
    expectConfigError((c) => void (c.parties[0]!.role = 'x'), /parties\[0\]\.role: unknown field/);
    expectConfigError((c) => void (c.parties[0]!.address = '127.0.0.1'), /parties\[0\]\.address: expected "host:port"/);
    expectConfigError((c) => void (c.parties[0]!.address = '127.0.0.1:70000'), /port in 1\.\.65535/);
    expectConfigError((c) => void (c.parties[0]!.id = ''), /parties\[0\]\.id: expected 1-64 characters/);
    expectConfigError((c) => void (c.parties = c.parties.slice(0, 1)), /parties: expected 2\.\.64 parties, got 1/);
    expectConfigError(() => [], /top level/);
  });

  it('checks my id and that my private key matches my listed public key', () => {
    const c = parseConsortium(valid(), F);
    expect(partyIndex(c, 'hospital-b', keys[1]!)).to.equal(1);
    expect(() => partyIndex(c, 'hospital-x', keys[1]!)).to.throw(/demo\.json: parties: my id "hospital-x" is not listed/);
    try {
      partyIndex(c, 'hospital-b', keys[0]!, 'b.key');
      expect.fail('key mismatch accepted');
    } catch (e) {
      expect(isConcordError(e, 'E_KEY')).to.equal(true);
      expect((e as Error).message).to.match(/demo\.json: parties\[1\]\.publicKey .* does not match the private key in b\.key/);
    }
    expect(dealerNode(c, keys[3]!).id).to.equal('dealer');
    expect(() => dealerNode(c, keys[0]!)).to.throw(/dealer\.publicKey/);
  });

  it('file errors name the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-cfg-'));
    try {
      expect(() => loadConsortium(join(dir, 'missing.json'))).to.throw(/cannot read consortium file .*missing\.json/);
      writeFileSync(join(dir, 'bad.json'), '{"consortium": ');
      expect(() => loadConsortium(join(dir, 'bad.json'))).to.throw(/bad\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('key files and concord keygen', function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'concord-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keygen writes a 0600 key file, prints its 64-hex public key, refuses to overwrite without --force', async () => {
    const file = join(dir, 'a.key');
    const r = await run(['keygen', '--out', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^[0-9a-f]{64}\n$/);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(toHex(readKeyFile(file).publicKey)).to.equal(r.stdout.trim());
    const again = await run(['keygen', '--out', file]);
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.match(/E_KEY: key file .*a\.key already exists.*--force/);
    expect(readFileSync(file, 'utf8')).to.contain(r.stdout.trim());
    chmodSync(file, 0o644);
    const forced = await run(['keygen', '--out', file, '--force']);
    expect(forced.code).to.equal(0);
    expect(forced.stdout.trim()).to.not.equal(r.stdout.trim());
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const noOut = await run(['keygen']);
    expect(noOut.code).to.equal(2);
    expect(noOut.stderr).to.match(/--out is required/);
  });

  it('reading a key file checks mode, format and the public key', () => {
    const file = join(dir, 'k.key');
    writeKeyFile(file, generateKey());
    expect(readKeyFile(file).privateKey).to.have.length(32);
    chmodSync(file, 0o644);
    expect(() => readKeyFile(file)).to.throw(/accessible by other users \(mode 0644\); run chmod 600/);
    chmodSync(file, 0o600);
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    writeFileSync(file, JSON.stringify({ ...j, publicKey: hex[0] }));
    expect(() => readKeyFile(file)).to.throw(/"publicKey" does not belong to "privateKey"/);
    writeFileSync(file, JSON.stringify({ ...j, privateKey: 'xyz' }));
    expect(() => readKeyFile(file)).to.throw(/"privateKey" must be 64 hex/);
    expect(() => readKeyFile(join(dir, 'none.key'))).to.throw(/cannot read key file .*none\.key/);
    expect(existsSync(join(dir, 'none.key'))).to.equal(false);
  });
});
