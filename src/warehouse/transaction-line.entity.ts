import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { numeric } from '../db/numeric.transformer';
import { Order } from './order.entity';

/** A line of an imported transaction log; its order groups the lines of one invoice (or one day). */
@Entity('transaction_line')
export class TransactionLine {
  @PrimaryColumn('text', { name: 'order_id' }) orderId: string;
  /** Line number in the source file, so a re-import updates instead of duplicating. */
  @PrimaryColumn('integer', { name: 'line_no' }) lineNo: number;
  @ManyToOne(() => Order, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'transaction_line_order_id_fkey' }) order: Relation<Order>;
  @Column('numeric', { precision: 14, scale: 3, nullable: true, transformer: numeric }) quantity: number | null;
  @Column('numeric', { name: 'unit_price', precision: 14, scale: 4, nullable: true, transformer: numeric }) unitPrice: number | null;
  @Column('numeric', { precision: 14, scale: 2, transformer: numeric }) amount: number;
  @Column('boolean', { name: 'is_return', default: false }) isReturn: boolean;
  @Column('text', { nullable: true }) region: string | null;
}
