import { readFileSync } from 'node:fs';
import { writePrivateFile } from '../config/private-file.js';
import { ConcordError } from '../errors.js';
import { parseArgs, required, type Command } from './args.js';
import { openTable } from '../ml/table.js';
import { fromModelFile, type ModelFile } from '../ml/model.js';
import { modelPreprocessing, predictTable } from '../ml/predict.js';
import { binaryMetrics, type Metrics } from '../ml/metrics.js';

/** Column names that look like a record ID: `id`, `…_id`, `…_number`, `…_no`, `key`, camelCase `…Id`. */
const looksLikeId = (h: string): boolean => /(^|[_\s.-])(id|number|no|nr|key)$|^id[_\s.-]/i.test(h) || /[a-z](Id|ID)$/.test(h);

const USAGE = 'predict --model <model.json> --data <csv> [--out <csv>] [--id <column>] [--json]';

/** The `--json` line of `concord predict`. */
export interface PredictReport {
  model: string;
  data: string;
  rows: number;
  out?: string;
  idColumn?: string;
  /** When the CSV holds the label column: the model's metrics on it (class at 0.5). */
  metrics?: Metrics;
}

/**
 * `concord predict`: apply a saved model to new raw rows, locally (nothing is sent anywhere).
 * The model's preprocessing reads the CSV with the training rules (missing texts, imputation
 * values, categorical levels, standardization, clip bound) and the same errors. Writes one row
 * per input row: the ID column (--id; default the first column the model does not use whose name
 * looks like an ID, else the first column it does not use),
 * `probability`, `class` (1 when probability ≥ 0.5). With the label column present, prints
 * accuracy, ROC AUC, precision, recall and F1.
 */
export const command: Command = {
  summary: 'predict',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, ['model', 'data', 'out', 'id'], ['json'], 'predict');
    if (args.positional.length > 0) throw new ConcordError('E_USAGE', `predict: unexpected argument "${args.positional[0]}"\nusage: concord ${USAGE}`);
    const modelFile = required(args, 'model', 'predict');
    const dataFile = required(args, 'data', 'predict');
    const model = loadModel(modelFile);
    const table = openTable(dataFile);
    const pre = modelPreprocessing(model);
    const used = new Set([...pre.columns.map((c) => c.name), pre.label]);
    const unused = table.header.filter((h) => !used.has(h));
    const idColumn = args.flags.get('id') ?? unused.find(looksLikeId) ?? unused[0];
    const idIdx = idColumn === undefined ? -1 : table.header.indexOf(idColumn);
    if (idColumn !== undefined && idIdx < 0) throw new ConcordError('E_USAGE', `predict: --id ${idColumn}: ${dataFile} has no such column (columns: ${table.header.join(', ')})`);
    const { p, y, kept: ids } = predictTable(model, table, 'optional', idIdx >= 0 ? idIdx : undefined);
    const lines = [[...(idColumn !== undefined ? [idColumn] : []), 'probability', 'class'].join(',')];
    for (let i = 0; i < p.length; i++) lines.push([...(ids ? [ids[i]!] : []), String(p[i]), p[i]! >= 0.5 ? '1' : '0'].join(','));
    const csv = lines.join('\n') + '\n';
    const out = args.flags.get('out');
    const json = args.switches.has('json');
    if (out) {
      // Predictions are about the user's own records: created 0600, like the model file.
      try {
        writePrivateFile(out, csv);
      } catch (e) {
        throw new ConcordError('E_USAGE', `predict: cannot write --out ${out}: ${(e as Error).message}`);
      }
    } else if (!json) process.stdout.write(csv);
    const report: PredictReport = { model: modelFile, data: dataFile, rows: p.length, ...(out ? { out } : {}), ...(idColumn !== undefined ? { idColumn } : {}) };
    // Metrics need both classes (ROC AUC); with one class only, say so instead of failing the predictions.
    if (y) {
      const pos = y.reduce((a, b) => a + b, 0);
      if (pos > 0 && pos < y.length) report.metrics = binaryMetrics(p, y);
      else process.stderr.write(`predict: the label column "${pre.label}" holds one class only; no metrics\n`);
    }
    const m = report.metrics;
    const summary = `predicted ${p.length} rows${out ? ` into ${out}` : ''}${m ? `; accuracy ${m.accuracy.toFixed(4)}, ROC AUC ${m.auc.toFixed(4)}, precision ${m.precision.toFixed(4)}, recall ${m.recall.toFixed(4)}, F1 ${m.f1.toFixed(4)}` : ''}`;
    if (json) process.stdout.write(JSON.stringify(report) + '\n');
    else (out ? process.stdout : process.stderr).write(summary + '\n');
    return 0;
  },
};

/** Read and validate a model file (E_CONFIG naming the file). */
function loadModel(file: string): ModelFile {
  let m: ModelFile;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as ModelFile;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConcordError('E_CONFIG', `${file}: ${code ? `cannot read the model file (${code})` : `not valid JSON (${(e as Error).message})`}`);
  }
  if (typeof m !== 'object' || m === null || !Array.isArray(m.features) || !Array.isArray(m.mean) || !Array.isArray(m.std) || !Array.isArray(m.params)) {
    throw new ConcordError('E_CONFIG', `${file}: not a Concord model file (needs format, model, features, mean, std, params)`);
  }
  fromModelFile(m, file);
  if (m.mean.length !== m.features.length || m.std.length !== m.features.length) throw new ConcordError('E_CONFIG', `${file}: "mean" and "std" need one value per feature (${m.features.length})`);
  return m;
}
