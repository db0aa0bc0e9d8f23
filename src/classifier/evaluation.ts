import { badInput } from '../shared/errors';
import { createRandom } from '../shared/random';
import { orderLabels, type ClassLabel } from './labels';
import { Math } from '../shared/math';

/**
 * Holdout evaluation for classifiers: a seeded stratified split and the usual scores. Precision, recall and F1
 * of a class with no predicted (or no true) members are 0, as scikit-learn's zero_division=0.
 */
export interface Split {
  /** Row indices, ascending. */
  train: number[];
  test: number[];
}

function checkLabels(y: unknown, name: string): void {
  if (!Array.isArray(y)) throw badInput(`${name} must be an array`, { argument: name });
  (y as unknown[]).forEach((v, i) => {
    if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      throw badInput(`${name}[${i}] is ${typeof v === 'number' || v == null ? String(v) : JSON.stringify(v)}, expected a string, number or boolean`, { argument: name, row: i });
    }
  });
}

/**
 * Splits row indices so each class keeps (about) `testShare` of its rows in the test set: round(n_c × share),
 * at least 1 and at most n_c − 1 for a class with ≥ 2 rows; a single-row class stays in training.
 */
export function stratifiedSplit<L extends ClassLabel>(labels: readonly L[], options: { testShare?: number; seed: number }): Split {
  checkLabels(labels, 'labels');
  const share = options.testShare ?? 0.2;
  if (!(share > 0 && share < 1)) throw badInput(`testShare must be in (0, 1), got ${String(options.testShare)}`, { argument: 'testShare' });
  if (!Number.isSafeInteger(options.seed)) throw badInput(`seed must be an integer, got ${String(options.seed)}`, { argument: 'seed' });
  const rng = createRandom(options.seed);
  const byClass = new Map<L, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of orderLabels(labels)) {
    const idx = rng.shuffle([...byClass.get(cls)!]);
    const nTest = idx.length < 2 ? 0 : Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * share)));
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

function checkPair(yTrue: unknown, yPred: unknown): void {
  checkLabels(yTrue, 'yTrue');
  checkLabels(yPred, 'yPred');
  if ((yTrue as unknown[]).length !== (yPred as unknown[]).length) throw badInput(`yTrue has ${(yTrue as unknown[]).length} entries, yPred has ${(yPred as unknown[]).length}`, { argument: 'yPred' });
  if ((yTrue as unknown[]).length === 0) throw badInput('yTrue is empty', { argument: 'yTrue' });
}

export function accuracy<L extends ClassLabel>(yTrue: readonly L[], yPred: readonly L[]): number {
  checkPair(yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

export interface ConfusionMatrix<L extends ClassLabel> {
  labels: L[];
  /** matrix[i][j] = rows of true class labels[i] predicted as labels[j]. */
  matrix: number[][];
}

export function confusionMatrix<L extends ClassLabel>(yTrue: readonly L[], yPred: readonly L[], labels?: readonly L[]): ConfusionMatrix<L> {
  checkPair(yTrue, yPred);
  const ls = labels ? [...labels] : orderLabels(yTrue, yPred);
  const index = new Map<L, number>(ls.map((l, i) => [l, i]));
  const matrix = ls.map(() => new Array<number>(ls.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t === undefined) throw badInput(`yTrue[${i}] = ${JSON.stringify(yTrue[i])} is not among labels`, { argument: 'yTrue', row: i });
    if (p === undefined) throw badInput(`yPred[${i}] = ${JSON.stringify(yPred[i])} is not among labels`, { argument: 'yPred', row: i });
    matrix[t][p]++;
  }
  return { labels: ls, matrix };
}

export interface ClassScores<L extends ClassLabel> {
  label: L;
  precision: number;
  recall: number;
  f1: number;
  /** True rows of the class. */
  support: number;
}

export interface ClassificationReport<L extends ClassLabel> {
  accuracy: number;
  macroF1: number;
  perClass: ClassScores<L>[];
  confusion: ConfusionMatrix<L>;
}

export function classificationReport<L extends ClassLabel>(yTrue: readonly L[], yPred: readonly L[], labels?: readonly L[]): ClassificationReport<L> {
  const confusion = confusionMatrix(yTrue, yPred, labels);
  const { matrix } = confusion;
  const k = matrix.length;
  let correct = 0;
  const perClass = confusion.labels.map((label, c) => {
    const tp = matrix[c][c];
    correct += tp;
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += matrix[j][c];
      support += matrix[c][j];
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  return { accuracy: correct / yTrue.length, macroF1: perClass.reduce((s, c) => s + c.f1, 0) / k, perClass, confusion };
}

/** Unweighted mean of the per-class F1 scores. */
export function macroF1<L extends ClassLabel>(yTrue: readonly L[], yPred: readonly L[], labels?: readonly L[]): number {
  return classificationReport(yTrue, yPred, labels).macroF1;
}
