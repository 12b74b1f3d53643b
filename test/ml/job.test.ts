import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateJob, jobHash, JOB_DEFAULTS, loadJob } from '../../src/ml/job.js';

describe('ml/job', () => {
  it('fills defaults and hashes canonically (key order does not matter)', () => {
    const a = validateJob({ model: 'mlp', epochs: 3 }, 'j.json');
    const b = validateJob({ epochs: 3, model: 'mlp' }, 'j.json');
    expect(a.batchSize).to.equal(JOB_DEFAULTS.batchSize);
    expect(jobHash(a)).to.equal(jobHash(b)).and.to.match(/^[0-9a-f]{64}$/);
    expect(jobHash(a)).to.not.equal(jobHash(validateJob({ model: 'mlp', epochs: 4 }, 'j.json')));
  });
  it('preprocessing fields: defaults, and nested values (categorical levels) enter the hash', () => {
    const j = validateJob({}, 'j.json');
    expect([j.positiveClass, j.categorical, j.unknownLevel, j.missing, j.impute, j.clip]).to.deep.equal([null, {}, 'error', ['', '?', 'NA', 'N/A', 'NaN', 'null'], 'mean', 10]);
    const c1 = validateJob({ categorical: { kind: ['A', 'B'] } }, 'j.json');
    const c2 = validateJob({ categorical: { kind: ['A', 'C'] } }, 'j.json');
    expect(jobHash(c1)).to.not.equal(jobHash(c2));
    expect(jobHash(c1)).to.not.equal(jobHash(validateJob({ categorical: { other: ['A', 'B'] } }, 'j.json')));
    expect(validateJob({ positiveClass: 'present', missing: ['-'], impute: 'error', unknownLevel: 'zeros', clip: 64 }, 'j.json').clip).to.equal(64);
  });
  it('the README\'s raw fraud job example and every bundled job file validate', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const m = /```json\n(\{\n {2}"name": "card fraud, raw export"[\s\S]*?)```/.exec(readme);
    expect(m, 'README example').to.not.equal(null);
    expect(validateJob(JSON.parse(m![1]!), 'README.md').positiveClass).to.equal('yes');
    const colic = loadJob(fileURLToPath(new URL('../../../config/jobs/colic-surgical.json', import.meta.url)));
    expect(Object.keys(colic.categorical)).to.have.length(13);
    expect(colic.features).to.not.include('hospital_number').and.not.include('lesion_site').and.not.include('cp_data');
  });
  const bad: [unknown, RegExp][] = [
    [{ modle: 'logreg' }, /j\.json: unknown field "modle"/],
    [{ model: 'svm' }, /field "model" must be one of "logreg", "mlp"/],
    [{ epochs: 0 }, /field "epochs" must be an integer/],
    [{ lr: -1 }, /field "lr" must be a number/],
    [{ batchSize: 2.5 }, /field "batchSize"/],
    [{ recipients: ['a', 'a'] }, /field "recipients" must be a list of distinct/],
    [{ revealLoss: 'yes' }, /field "revealLoss" must be true or false/],
    [{ partitioning: 'diagonal' }, /field "partitioning"/],
    [{ partitioning: 'vertical' }, /field "id" is missing/],
    [{ id: 'customer' }, /field "id" applies only to "partitioning": "vertical"/],
    [[1, 2], /must hold one JSON object/],
    [{ model: 'mlp', fracBits: 20 }, /the MLP is exact only up to fracBits 17/],
    [{ positiveClass: '' }, /field "positiveClass" must be null or a non-empty trimmed string/],
    [{ categorical: ['a'] }, /field "categorical" must be an object/],
    [{ categorical: { c: [] } }, /field "categorical" entry "c" must be a non-empty list/],
    [{ categorical: { c: ['x', 'x'] } }, /entry "c" must be a non-empty list of distinct/],
    [{ features: ['a'], categorical: { b: ['x'] } }, /"categorical" declares "b", which is not in "features"/],
    [{ label: 'y', categorical: { y: ['x'] } }, /declares the label column "y"; use "positiveClass"/],
    [{ features: ['label'] }, /"features" lists the label column "label"/],
    [{ categorical: { c: ['?'] } }, /level "\?" of "c" is also listed in "missing"/],
    [{ missing: 'NA' }, /field "missing" must be a list of strings/],
    [{ impute: 'median' }, /field "impute" must be one of "mean", "error"/],
    [{ unknownLevel: 'ignore' }, /field "unknownLevel" must be one of "error", "zeros"/],
    [{ clip: 100 }, /field "clip" must be a number in \[1, 64\]/],
    [{ maskData: 'lazy' }, /field "maskData" must be one of "once", "perBatch"/],
    [{ partitioning: 'vertical', id: 'k', maskData: 'perBatch' }, /"maskData": "perBatch" applies only to "partitioning": "horizontal"/],
  ];
  for (const [obj, re] of bad) it(`rejects ${JSON.stringify(obj)}`, () => expect(() => validateJob(obj, 'j.json')).to.throw(re));
});
