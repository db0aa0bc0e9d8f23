import { classificationReport, stratifiedSplit, type ClassificationReport } from './evaluation';
import { NaiveBayes, type NaiveBayesJSON, type NaiveBayesOptions, type NBRow } from './naive-bayes';

export interface HoldoutFit {
  /** The model refitted on every row: the one that is kept. */
  model: NaiveBayesJSON<number>;
  /** Scores on the held-out rows of a model fitted on the others. */
  report: ClassificationReport<number>;
  labels: number[];
  trainRows: number;
  testRows: number;
}

/**
 * Naive Bayes with a seeded stratified holdout for the reported metrics, then refitted on every row for the model
 * that is kept.
 */
export function fitWithHoldout(rows: readonly NBRow[], y: readonly number[], options: NaiveBayesOptions, holdout: { testShare: number; seed: number }): HoldoutFit {
  const split = stratifiedSplit(y, holdout);
  const holdoutModel = new NaiveBayes<number>(options).fit(
    split.train.map((i) => rows[i]),
    split.train.map((i) => y[i]),
  );
  const yPred = holdoutModel.predict(split.test.map((i) => rows[i]));
  const labels = [...new Set(y)].sort((a, b) => a - b);
  const report = classificationReport(
    split.test.map((i) => y[i]),
    yPred,
    labels,
  );
  const model = new NaiveBayes<number>(options).fit(rows, y);
  return { model: model.toJSON(), report, labels, trainRows: split.train.length, testRows: split.test.length };
}
