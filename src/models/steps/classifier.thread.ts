import { fitWithHoldout, type HoldoutFit } from '../../classifier/holdout';
import type { NaiveBayesOptions, NBRow } from '../../classifier/naive-bayes';
import { runWorkerTask, serveWorkerTask } from '../../shared/worker-task';

/** The classifier's fits and holdout scoring on a worker thread, so that a retrain in the API does not stall requests. */
interface FitInput {
  rows: NBRow[];
  y: number[];
  options: NaiveBayesOptions;
  holdout: { testShare: number; seed: number };
}

const fit = ({ rows, y, options, holdout }: FitInput) => fitWithHoldout(rows, y, options, holdout);

export function fitWithHoldoutOffThread(rows: NBRow[], y: number[], options: NaiveBayesOptions, holdout: { testShare: number; seed: number }): Promise<HoldoutFit> {
  return runWorkerTask(__filename, { rows, y, options, holdout }, fit);
}

serveWorkerTask(__filename, fit);
