import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Customer } from './customer.entity';

/** Olist's per-order `customer_id`, mapped to the person. */
@Entity('customer_account')
export class CustomerAccount {
  @PrimaryColumn('text', { name: 'account_id' }) accountId: string;
  @Index('customer_account_customer_idx')
  @Column('integer', { name: 'customer_id' }) customerId: number;
  @ManyToOne(() => Customer, (c) => c.accounts, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'customer_account_customer_id_fkey' })
  customer: Relation<Customer>;
  @Column('text', { name: 'zip_prefix', nullable: true }) zipPrefix: string | null;
  @Column('text', { nullable: true }) city: string | null;
  @Column('text', { nullable: true }) state: string | null;
}
