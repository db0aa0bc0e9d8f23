import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ProductCategory } from './product-category.entity';

@Entity('product')
export class Product {
  @PrimaryColumn('text') id: string;
  @Index('product_category_idx')
  @Column('text', { name: 'category_name', nullable: true }) categoryName: string | null;
  @ManyToOne(() => ProductCategory) @JoinColumn({ name: 'category_name', foreignKeyConstraintName: 'product_category_name_fkey' }) category: Relation<ProductCategory> | null;
  @Column('integer', { name: 'name_length', nullable: true }) nameLength: number | null;
  @Column('integer', { name: 'description_length', nullable: true }) descriptionLength: number | null;
  @Column('integer', { name: 'photos_qty', nullable: true }) photosQty: number | null;
  @Column('integer', { name: 'weight_g', nullable: true }) weightG: number | null;
  @Column('integer', { name: 'length_cm', nullable: true }) lengthCm: number | null;
  @Column('integer', { name: 'height_cm', nullable: true }) heightCm: number | null;
  @Column('integer', { name: 'width_cm', nullable: true }) widthCm: number | null;
}
