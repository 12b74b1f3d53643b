import { expect } from 'chai';
import { validateJob, jobHash, JOB_DEFAULTS } from '../../src/ml/job.js';

describe('ml/job', () => {
  it('fills defaults and hashes canonically (key order does not matter)', () => {
    const a = validateJob({ model: 'mlp', epochs: 3 }, 'j.json');
    const b = validateJob({ epochs: 3, model: 'mlp' }, 'j.json');
    expect(a.batchSize).to.equal(JOB_DEFAULTS.batchSize);
    expect(jobHash(a)).to.equal(jobHash(b)).and.to.match(/^[0-9a-f]{64}$/);
    expect(jobHash(a)).to.not.equal(jobHash(validateJob({ model: 'mlp', epochs: 4 }, 'j.json')));
  });
  const bad: [unknown, RegExp][] = [
    [{ modle: 'logreg' }, /j\.json: unknown field "modle"/],
    [{ model: 'svm' }, /field "model" must be one of "logreg", "mlp"/],
    [{ epochs: 0 }, /field "epochs" must be an integer/],
    [{ lr: -1 }, /field "lr" must be a number/],
    [{ batchSize: 2.5 }, /field "batchSize"/],
    [{ recipients: ['a', 'a'] }, /field "recipients" must be a list of distinct/],
    [{ revealLoss: 'yes' }, /field "revealLoss" must be true or false/],
    [{ partitioning: 'vertical' }, /field "partitioning"/],
    [[1, 2], /must hold one JSON object/],
    [{ model: 'mlp', fracBits: 20 }, /the MLP is exact only up to fracBits 17/],
  ];
  for (const [obj, re] of bad) it(`rejects ${JSON.stringify(obj)}`, () => expect(() => validateJob(obj, 'j.json')).to.throw(re));
});
