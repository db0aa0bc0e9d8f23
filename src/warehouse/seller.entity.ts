import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('seller')
export class Seller {
  @PrimaryColumn('text') id: string;
  @Column('text', { name: 'zip_prefix', nullable: true }) zipPrefix: string | null;
  @Column('text', { nullable: true }) city: string | null;
  @Column('text', { nullable: true }) state: string | null;
}
