import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Order } from './order.entity';

@Entity('order_review')
@Check('order_review_score_check', 'score BETWEEN 1 AND 5')
export class OrderReview {
  @PrimaryColumn('text', { name: 'order_id' }) orderId: string;
  /** Olist reuses a review id across orders, so the key is (order, review). */
  @PrimaryColumn('text', { name: 'review_id' }) reviewId: string;
  @ManyToOne(() => Order, (o) => o.reviews, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'order_review_order_id_fkey' }) order: Relation<Order>;
  @Column('smallint') score: number;
  @Column('text', { name: 'comment_title', nullable: true }) commentTitle: string | null;
  @Column('text', { name: 'comment_message', nullable: true }) commentMessage: string | null;
  @Column('timestamptz', { name: 'created_at', nullable: true }) createdAt: Date | null;
  @Column('timestamptz', { name: 'answered_at', nullable: true }) answeredAt: Date | null;
}
