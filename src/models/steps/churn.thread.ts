import type { TransactionModelKind } from '../../churn/bgnbd';
import { fitChurn, type CalibrationSplit, type ChurnEstimates, type ChurnInputs, type ChurnModelInfo } from '../../churn/churn-fit';
import { runWorkerTask, serveWorkerTask } from '../../shared/worker-task';

/**
 * The churn and value fits (BG/NBD, MBG/NBD, Gamma-Gamma and every customer's estimates: seconds of CPU at a
 * million customers) on a worker thread, so that a retrain in the API does not stall requests meanwhile.
 */
export interface ChurnFitOptions {
  model: TransactionModelKind;
  horizonDays: number;
  clvHorizonMonths: number;
  monthlyDiscount: number;
}

interface FitInput {
  inputs: ChurnInputs;
  options: ChurnFitOptions;
  split: CalibrationSplit | null;
}

const fit = ({ inputs, options, split }: FitInput) => fitChurn(inputs, options, split);

export function fitChurnOffThread(inputs: ChurnInputs, options: ChurnFitOptions, split: CalibrationSplit | null = null): Promise<{ info: ChurnModelInfo; estimates: ChurnEstimates }> {
  return runWorkerTask(__filename, { inputs, options, split }, fit);
}

serveWorkerTask(__filename, fit);
