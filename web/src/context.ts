import type { Money } from './money';
import type { SegmentKind, SegmentRow } from './queries';

/** What the panels share: the model on show, cached segment lists, and cross-panel actions. */
export interface DashboardContext {
  /** The active model's id when the page (re)loaded; null when there is none. */
  modelId: string | null;
  /** How many customers the model on show segments. */
  modelCustomers: number | null;
  /** Segments of one kind for the model on show, fetched once per kind. */
  segments(kind: SegmentKind): Promise<SegmentRow[]>;
  /** Currency and CLV horizon of the values on show. */
  money: Money;
  /** Opens the customers of a segment in the drill-down table. */
  openSegment(kind: SegmentKind, key: string): void;
  /** Opens a customer in the lookup panel. */
  lookup(customerId: string): void;
  /** Reloads the active model and every panel (after a retrain or an activation). */
  reloadAll(): Promise<void>;
}
