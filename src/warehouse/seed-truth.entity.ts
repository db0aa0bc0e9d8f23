import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { Customer } from './customer.entity';

/** What the synthetic seed knows about each customer. Evaluation only: feature code never reads it. */
@Entity('seed_truth')
export class SeedTruth {
  @ForeignKey(() => Customer, { name: 'seed_truth_customer_id_fkey', onDelete: 'CASCADE' })
  @PrimaryColumn('integer', { name: 'customer_id' }) customerId: number;
  @Column('text', { name: 'latent_type' }) latentType: string;
  @Column('boolean', { name: 'churned_after_as_of' }) churnedAfterAsOf: boolean;
  @Column('date', { name: 'as_of' }) asOf: string;
  /** Expected spend over a year while alive: the latent purchase rate × the expected order value (currency units). */
  @Column('double precision', { name: 'value_if_retained_yearly', nullable: true }) valueIfRetainedYearly: number | null;
  /** Dropped out for good before as_of + horizon. */
  @Column('boolean', { name: 'dead_by_horizon_end', nullable: true }) deadByHorizonEnd: boolean | null;
}
