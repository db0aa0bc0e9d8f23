import { Column, Entity, ForeignKey, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, type Relation } from 'typeorm';
import { CustomerAccount } from './customer-account.entity';
import { Customer } from './customer.entity';
import { OrderItem } from './order-item.entity';
import { OrderPayment } from './order-payment.entity';
import { OrderReview } from './order-review.entity';

/** An order of a person. Table `orders` because ORDER is reserved in SQL. */
@Entity('orders')
@Index('orders_customer_purchased_idx', ['customerId', 'purchasedAt'])
// A transaction-log source's orders by id prefix, compared byte by byte (migration 1764000000230): an index on an
// expression, which TypeORM cannot spell, so the schema builder leaves it to the migration.
@Index('orders_txlog_id_idx', { synchronize: false })
export class Order {
  @PrimaryColumn('text') id: string;
  @Column('integer', { name: 'customer_id' }) customerId: number;
  @ManyToOne(() => Customer, (c) => c.orders, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'orders_customer_id_fkey' })
  customer: Relation<Customer>;
  /** Olist's per-order customer_id; null for transaction logs (indexed where present, migration 0200). */
  @Index('orders_account_idx', { where: 'account_id IS NOT NULL' })
  @ForeignKey(() => CustomerAccount, { name: 'orders_account_id_fkey', onDelete: 'SET NULL' })
  @Column('text', { name: 'account_id', nullable: true }) accountId: string | null;
  @Column('text') status: string;
  @Index('orders_purchased_idx')
  @Column('timestamptz', { name: 'purchased_at' }) purchasedAt: Date;
  @Column('timestamptz', { name: 'approved_at', nullable: true }) approvedAt: Date | null;
  @Column('timestamptz', { name: 'delivered_carrier_at', nullable: true }) deliveredCarrierAt: Date | null;
  @Column('timestamptz', { name: 'delivered_customer_at', nullable: true }) deliveredCustomerAt: Date | null;
  @Column('timestamptz', { name: 'estimated_delivery_at', nullable: true }) estimatedDeliveryAt: Date | null;
  @Column('text', { default: 'olist' }) source: string;
  @OneToMany(() => OrderItem, (i) => i.order) items: Relation<OrderItem>[];
  @OneToMany(() => OrderPayment, (p) => p.order) payments: Relation<OrderPayment>[];
  @OneToMany(() => OrderReview, (r) => r.order) reviews: Relation<OrderReview>[];
}
