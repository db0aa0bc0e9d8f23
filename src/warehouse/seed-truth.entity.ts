import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What the synthetic seed knows about each customer. Evaluation only: feature code never reads it. */
@Entity('seed_truth')
export class SeedTruth {
  @PrimaryColumn('integer', { name: 'customer_id' }) customerId: number;
  @Column('text', { name: 'latent_type' }) latentType: string;
  @Column('boolean', { name: 'churned_after_as_of' }) churnedAfterAsOf: boolean;
  @Column('date', { name: 'as_of' }) asOf: string;
}
