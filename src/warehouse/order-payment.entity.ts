import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { numeric } from '../db/numeric.transformer';
import { Order } from './order.entity';

@Entity('order_payment')
@Check('order_payment_installments_check', 'installments >= 0')
@Check('order_payment_value_check', 'value >= 0')
export class OrderPayment {
  @PrimaryColumn('text', { name: 'order_id' }) orderId: string;
  @PrimaryColumn('smallint', { name: 'payment_seq' }) paymentSeq: number;
  @ManyToOne(() => Order, (o) => o.payments, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_payment_order_id_fkey' }) order: Relation<Order>;
  /** credit_card, boleto, voucher, debit_card, not_defined */
  @Column('text') type: string;
  @Column('smallint', { default: 1 }) installments: number;
  @Column('numeric', { precision: 12, scale: 2, transformer: numeric }) value: number;
}
