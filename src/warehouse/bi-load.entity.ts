import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One load of the warehouse as the BI queries see it, written by every loader in its own transaction (see
 * bi-aggregates.service.ts): the warehouse counts, the order date range and the purchase-month bounds. Only
 * the newest load is kept; its number tells which model summaries were built over the same warehouse.
 */
@Entity('bi_load')
export class BiLoad {
  @PrimaryGeneratedColumn('increment', { name: 'load_no', primaryKeyConstraintName: 'bi_load_pkey' }) loadNo: number;
  @Column('timestamptz', { name: 'refreshed_at', default: () => 'now()' }) refreshedAt: Date;
  @Column('integer') customers: number;
  @Column('integer') orders: number;
  @Column('integer', { name: 'order_items' }) orderItems: number;
  @Column('integer') payments: number;
  @Column('integer') reviews: number;
  @Column('timestamptz', { name: 'first_order_at', nullable: true }) firstOrderAt: Date | null;
  @Column('timestamptz', { name: 'last_order_at', nullable: true }) lastOrderAt: Date | null;
  /** First and last UTC month with a purchase order (the month's first day). */
  @Column('date', { name: 'first_purchase_month', nullable: true }) firstPurchaseMonth: string | null;
  @Column('date', { name: 'last_purchase_month', nullable: true }) lastPurchaseMonth: string | null;
  /** The last purchase month as year × 12 + month − 1. */
  @Column('integer', { name: 'last_purchase_month_index', nullable: true }) lastPurchaseMonthIndex: number | null;
  /** bi_write_seq when the load was summed: the summaries are current while the sequence still stands there. */
  @Column('bigint', { name: 'write_no' }) writeNo: string;
  /** The cohort cells and answer rows this load reads: its own number when it built them, else the set it carried over. */
  @Column('integer', { name: 'cells_no' }) cellsNo: number;
}

/**
 * Cohort retention cells of a set (`load_no`: the load that built it; the loads that carried it over name it in
 * bi_load.cells_no): members of the (first-purchase month, state) cohort who purchased in the k-th month after
 * it. `state` is '' for customers with no known state.
 */
@Entity('bi_cohort_cell')
export class BiCohortCell {
  @PrimaryColumn('integer', { name: 'load_no', primaryKeyConstraintName: 'bi_cohort_cell_pkey' }) loadNo: number;
  /** Month index (year × 12 + month − 1) of the cohort's first purchase. */
  @PrimaryColumn('integer', { primaryKeyConstraintName: 'bi_cohort_cell_pkey' }) cohort: number;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'bi_cohort_cell_pkey' }) state: string;
  @PrimaryColumn('integer', { primaryKeyConstraintName: 'bi_cohort_cell_pkey' }) k: number;
  @Column('integer') active: number;
}

/**
 * The cohort query's answer rows of a set of cells (`load_no`, as bi_cohort_cell), as it returns them (`cells` is its JSON text), for every cohort:
 * unsplit (`by_state` false, `state` '') and per state ('' for customers with no known state). A query for
 * the last n cohorts is then a range of these rows.
 */
@Entity('bi_cohort_row')
export class BiCohortRow {
  @PrimaryColumn('integer', { name: 'load_no', primaryKeyConstraintName: 'bi_cohort_row_pkey' }) loadNo: number;
  @PrimaryColumn('boolean', { name: 'by_state', primaryKeyConstraintName: 'bi_cohort_row_pkey' }) byState: boolean;
  /** Month index (year × 12 + month − 1) of the cohort's first purchase. */
  @PrimaryColumn('integer', { primaryKeyConstraintName: 'bi_cohort_row_pkey' }) cohort: number;
  @PrimaryColumn('text', { primaryKeyConstraintName: 'bi_cohort_row_pkey' }) state: string;
  /** The cohort month, "YYYY-MM". */
  @Column('text') label: string;
  @Column('integer') size: number;
  @Column('json') cells: unknown;
  /** The cells' active counts, offset k at index k (filled from `cells` by a trigger; migration 1764000000150). */
  @Column('json') actives: number[];
}

/**
 * What one customer with order_fact rows adds to the load's summaries, as of the newest load: its cohort (month
 * index of its first purchase; null when none of its orders is a purchase), its state group ('' for none), every
 * month index with a purchase (in no particular order), and at the same positions that month's purchase orders
 * and revenue; and its totals over all its orders for the load's counts. Written with the summaries, so that a
 * load can take a touched customer's old contribution out of them (migrations 1764000000140, 1764000000190). Its
 * pages keep room for a load's in-place updates (fillfactor 70, migration 1764000000220; not expressed here).
 */
@Entity('bi_cohort_member')
export class BiCohortMember {
  @PrimaryColumn('integer', { name: 'customer_id', primaryKeyConstraintName: 'bi_cohort_member_pkey' }) customerId: number;
  @Column('integer', { nullable: true }) cohort: number | null;
  @Column('text') state: string;
  @Column('integer', { array: true }) months: number[];
  /** Per month of `months`: its purchase orders and their revenue (the sum of their values, NULLs as 0). */
  @Column('integer', { array: true }) orders: number[];
  @Column('numeric', { array: true }) revenue: string[];
  /** Its order_fact rows (every order, purchase or not), their items and their reviews (NULLs as 0). */
  @Column('integer', { name: 'n_orders', default: 0 }) nOrders: number;
  @Column('integer', { name: 'n_items', default: 0 }) nItems: number;
  @Column('integer', { name: 'n_reviews', default: 0 }) nReviews: number;
}
