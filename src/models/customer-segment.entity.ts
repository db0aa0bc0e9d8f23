import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { Customer } from '../warehouse/customer.entity';
import { ModelVersion } from './model-version.entity';

/** One customer's place in one model version: cluster, RFM, ABC/XYZ and churn/value estimates. */
@Entity('customer_segment')
@Index('customer_segment_cluster_idx', ['modelVersionId', 'clusterId'])
@Index('customer_segment_rfm_idx', ['modelVersionId', 'rfmSegment'])
// The customer-list sort keys, on (model_version_id, COALESCE(key, '-Infinity'), customer_id): expressions TypeORM
// cannot declare, so the migration owns their definitions and the schema builder leaves them alone.
@Index('customer_segment_priority_key_idx', { synchronize: false })
@Index('customer_segment_clv_key_idx', { synchronize: false })
@Index('customer_segment_churn_key_idx', { synchronize: false })
export class CustomerSegment {
  @ForeignKey(() => ModelVersion, { name: 'customer_segment_model_version_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('integer', { name: 'model_version_id' }) modelVersionId: number;
  @Index('customer_segment_customer_idx')
  @ForeignKey(() => Customer, { name: 'customer_segment_customer_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('integer', { name: 'customer_id' }) customerId: number;
  @Column('integer', { name: 'cluster_id' }) clusterId: number;
  @Column('smallint') r: number;
  @Column('smallint') f: number;
  @Column('smallint') m: number;
  @Column('double precision', { name: 'rfm_score' }) rfmScore: number;
  @Column('text', { name: 'rfm_segment' }) rfmSegment: string;
  @Column('text', { name: 'churn_tier' }) churnTier: string;
  @Column('text') abc: string;
  @Column('text') xyz: string;
  @Column('double precision', { name: 'p_alive', nullable: true }) pAlive: number | null;
  @Column('double precision', { name: 'churn_probability', nullable: true }) churnProbability: number | null;
  @Column('double precision', { name: 'expected_purchases_90d', nullable: true }) expectedPurchases90d: number | null;
  @Column('double precision', { name: 'expected_avg_spend', nullable: true }) expectedAvgSpend: number | null;
  @Column('double precision', { nullable: true }) clv: number | null;
  @Column('double precision', { name: 'priority_score', nullable: true }) priorityScore: number | null;
  /** Expected spend over the CLV horizon if the customer stays (discounted, currency units). */
  @Column('double precision', { name: 'value_if_retained', nullable: true }) valueIfRetained: number | null;
  /** churn_probability × value_if_retained. */
  @Column('double precision', { name: 'value_at_risk', nullable: true }) valueAtRisk: number | null;
}
