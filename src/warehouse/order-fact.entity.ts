import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { numeric } from '../db/numeric.transformer';
import { Order } from './order.entity';

/**
 * One row per order with its payments, items, transaction lines and reviews summed before anything is joined
 * (migrations 0011 and 0012). The loaders write it (./order-fact.service.ts); the view `order_fact_live` is its
 * reference definition. Read by SQL only: the entity states the table's shape.
 */
@Entity('order_fact')
@Index('order_fact_customer_purchased_idx', ['customerId', 'purchasedAt'])
@Index('order_fact_return_only_idx', ['customerId'], { where: 'is_return_only' })
export class OrderFact {
  @ForeignKey(() => Order, { name: 'order_fact_order_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('text', { name: 'order_id' }) orderId: string;
  /** Not a foreign key: the order's own key already ties the row to a customer. */
  @Column('integer', { name: 'customer_id' }) customerId: number;
  @Column('text') status: string;
  @Column('text') source: string;
  @Index('order_fact_purchased_idx')
  @Column('timestamptz', { name: 'purchased_at' }) purchasedAt: Date;
  @Column('timestamptz', { name: 'delivered_customer_at', nullable: true }) deliveredCustomerAt: Date | null;
  @Column('timestamptz', { name: 'estimated_delivery_at', nullable: true }) estimatedDeliveryAt: Date | null;
  @Column('boolean', { name: 'is_purchase' }) isPurchase: boolean;
  @Column('boolean', { name: 'is_return_only' }) isReturnOnly: boolean;
  @Column('numeric', { nullable: true, transformer: numeric }) value: number | null;
  @Column('numeric', { nullable: true, transformer: numeric }) paid: number | null;
  @Column('smallint', { name: 'max_installments', nullable: true }) maxInstallments: number | null;
  @Column('double precision', { name: 'credit_share', nullable: true }) creditShare: number | null;
  @Column('integer', { name: 'n_items', nullable: true }) nItems: number | null;
  @Column('numeric', { name: 'items_total', nullable: true, transformer: numeric }) itemsTotal: number | null;
  @Column('numeric', { name: 'freight_total', nullable: true, transformer: numeric }) freightTotal: number | null;
  @Column('integer', { name: 'n_lines', nullable: true }) nLines: number | null;
  @Column('integer', { name: 'n_returns', nullable: true }) nReturns: number | null;
  @Column('numeric', { name: 'net_amount', nullable: true, transformer: numeric }) netAmount: number | null;
  @Column('numeric', { name: 'avg_score', nullable: true, transformer: numeric }) avgScore: number | null;
  @Column('integer', { name: 'n_reviews', nullable: true }) nReviews: number | null;
  @Column('double precision', { name: 'delay_days', nullable: true }) delayDays: number | null;
  @Column('integer', { name: 'n_dated_reviews', nullable: true }) nDatedReviews: number | null;
  @Column('integer', { name: 'review_score_sum', nullable: true }) reviewScoreSum: number | null;
  @Column('integer', { name: 'n_low_reviews', nullable: true }) nLowReviews: number | null;
  @Index('order_fact_last_review_idx', { where: 'last_review_at IS NOT NULL' })
  @Column('timestamptz', { name: 'last_review_at', nullable: true }) lastReviewAt: Date | null;
  @Column('text', { name: 'item_categories', array: true, nullable: true }) itemCategories: string[] | null;
  /** 1 for the customer's first UTC purchase day, 2 for the second, …; null for orders that are not purchases. */
  @Column('integer', { name: 'purchase_day_no', nullable: true }) purchaseDayNo: number | null;
  @Column('integer', { name: 'n_categories', nullable: true }) nCategories: number | null;
  @Column('text', { name: 'top_category', nullable: true }) topCategory: string | null;
}
