import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { numeric } from '../db/numeric.transformer';
import { Order } from './order.entity';
import { Product } from './product.entity';
import { Seller } from './seller.entity';

@Entity('order_item')
@Check('order_item_price_check', 'price >= 0')
@Check('order_item_freight_check', 'freight >= 0')
export class OrderItem {
  @PrimaryColumn('text', { name: 'order_id' }) orderId: string;
  @PrimaryColumn('smallint', { name: 'item_seq' }) itemSeq: number;
  @ManyToOne(() => Order, (o) => o.items, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_item_order_id_fkey' }) order: Relation<Order>;
  @Index('order_item_product_idx')
  @Column('text', { name: 'product_id', nullable: true }) productId: string | null;
  @ManyToOne(() => Product) @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'order_item_product_id_fkey' }) product: Relation<Product> | null;
  @Index('order_item_seller_idx')
  @Column('text', { name: 'seller_id', nullable: true }) sellerId: string | null;
  @ManyToOne(() => Seller) @JoinColumn({ name: 'seller_id', foreignKeyConstraintName: 'order_item_seller_id_fkey' }) seller: Relation<Seller> | null;
  @Column('timestamptz', { name: 'shipping_limit_at', nullable: true }) shippingLimitAt: Date | null;
  @Column('numeric', { precision: 12, scale: 2, transformer: numeric }) price: number;
  @Column('numeric', { precision: 12, scale: 2, default: 0, transformer: numeric }) freight: number;
}
