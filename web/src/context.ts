import type { SegmentKind, SegmentRow } from './queries';

/** What the panels share: the model on show, cached segment lists, and cross-panel actions. */
export interface DashboardContext {
  /** The active model's id when the page (re)loaded; null when there is none. */
  modelId: string | null;
  /** Segments of one kind for the model on show, fetched once per kind. */
  segments(kind: SegmentKind): Promise<SegmentRow[]>;
  /** Opens a customer in the lookup panel. */
  lookup(customerId: string): void;
  /** Reloads the active model and every panel (after a retrain or an activation). */
  reloadAll(): Promise<void>;
}
