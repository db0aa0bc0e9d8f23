import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One customer's place in one model version: cluster, RFM, ABC/XYZ and churn/value estimates. */
@Entity('customer_segment')
export class CustomerSegment {
  @PrimaryColumn('integer', { name: 'model_version_id' }) modelVersionId: number;
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
