import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('product_category')
export class ProductCategory {
  /** Olist's Portuguese category name, as in the source. */
  @PrimaryColumn('text') name: string;
  @Column('text', { name: 'name_en', nullable: true }) nameEn: string | null;
}
