/**
 * How long-running domain work reports progress without knowing who listens (a CLI bar, a training run
 * row in the database, a test). `total` is optional when the amount of work is unknown up front.
 */
export interface ProgressEvent {
  step: string;
  done: number;
  total?: number;
}
export type ProgressFn = (e: ProgressEvent) => void;
export const noProgress: ProgressFn = () => undefined;
