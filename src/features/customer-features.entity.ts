import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { Customer } from '../warehouse/customer.entity';
import { FeatureSnapshot } from './feature-snapshot.entity';

/** One customer's features in one snapshot. Meanings, units and NULL rules: ./catalogue.ts. */
@Entity('customer_features')
@Index('customer_features_recency_idx', ['snapshotId', 'recencyDays', 'customerId'])
@Index('customer_features_frequency_idx', ['snapshotId', 'frequency', 'customerId'])
// On (snapshot_id, COALESCE(monetary, '-Infinity'), customer_id): an expression TypeORM cannot declare, so the
// migration owns its definition and the schema builder leaves it alone.
@Index('customer_features_monetary_key_idx', { synchronize: false })
export class CustomerFeatures {
  @ForeignKey(() => FeatureSnapshot, { name: 'customer_features_snapshot_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('integer', { name: 'snapshot_id' }) snapshotId: number;
  @Index('customer_features_customer_idx')
  @ForeignKey(() => Customer, { name: 'customer_features_customer_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('integer', { name: 'customer_id' }) customerId: number;
  @Column('double precision', { name: 'recency_days' }) recencyDays: number;
  @Column('integer') frequency: number;
  @Column('integer', { name: 'purchase_days' }) purchaseDays: number;
  @Column('timestamptz', { name: 'first_purchase_at' }) firstPurchaseAt: Date;
  @Column('timestamptz', { name: 'last_purchase_at' }) lastPurchaseAt: Date;
  @Column('double precision', { nullable: true }) monetary: number | null;
  @Column('double precision', { name: 'avg_order_value', nullable: true }) avgOrderValue: number | null;
  @Column('double precision', { name: 'order_value_cv', nullable: true }) orderValueCv: number | null;
  @Column('double precision', { name: 'tenure_days' }) tenureDays: number;
  @Column('double precision', { name: 'mean_interpurchase_days', nullable: true }) meanInterpurchaseDays: number | null;
  @Column('double precision', { name: 'items_per_order', nullable: true }) itemsPerOrder: number | null;
  @Column('integer', { name: 'distinct_categories', nullable: true }) distinctCategories: number | null;
  @Column('text', { name: 'top_category', nullable: true }) topCategory: string | null;
  @Column('double precision', { name: 'avg_review_score', nullable: true }) avgReviewScore: number | null;
  @Column('double precision', { name: 'low_review_share', nullable: true }) lowReviewShare: number | null;
  @Column('double precision', { name: 'avg_delivery_delay_days', nullable: true }) avgDeliveryDelayDays: number | null;
  @Column('double precision', { name: 'late_delivery_share', nullable: true }) lateDeliveryShare: number | null;
  @Column('double precision', { name: 'mean_installments', nullable: true }) meanInstallments: number | null;
  @Column('double precision', { name: 'credit_card_share', nullable: true }) creditCardShare: number | null;
  @Column('integer') returns: number;
  @Column('text', { nullable: true }) state: string | null;
  @Column('double precision', { nullable: true }) lat: number | null;
  @Column('double precision', { nullable: true }) lng: number | null;
  @Column('double precision', { name: 'repeat_monetary_mean', nullable: true }) repeatMonetaryMean: number | null;
}
