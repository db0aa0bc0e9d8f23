import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { CustomerAccount } from './customer-account.entity';
import { Order } from './order.entity';

/** The person (Olist's customer_unique_id, or a transaction log's customer value). */
@Entity('customer')
// text_pattern_ops, for id-prefix lookups (migration 1764000000080); TypeORM cannot spell an operator class, so the
// schema builder is told to leave the index to the migration.
@Index('customer_unique_id_prefix_idx', { synchronize: false })
export class Customer {
  /** Internal surrogate key for joins; the public id is `customerUniqueId`. */
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' }) id: number;
  @Column('text', { name: 'customer_unique_id', unique: true }) customerUniqueId: string;
  @Index('customer_zip_prefix_idx')
  @Column('text', { name: 'zip_prefix', nullable: true }) zipPrefix: string | null;
  @Column('text', { nullable: true }) city: string | null;
  @Index('customer_state_idx')
  @Column('text', { nullable: true }) state: string | null;
  @Column('text', { default: 'olist' }) source: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @OneToMany(() => CustomerAccount, (a) => a.customer) accounts: Relation<CustomerAccount>[];
  @OneToMany(() => Order, (o) => o.customer) orders: Relation<Order>[];
}
