import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per zip prefix: the source's many points per prefix are averaged on import. */
@Entity('geolocation')
@Check('geolocation_lat_check', 'lat BETWEEN -90 AND 90')
@Check('geolocation_lng_check', 'lng BETWEEN -180 AND 180')
export class Geolocation {
  @PrimaryColumn('text', { name: 'zip_prefix' }) zipPrefix: string;
  @Column('double precision') lat: number;
  @Column('double precision') lng: number;
  @Column('text', { nullable: true }) city: string | null;
  @Column('text', { nullable: true }) state: string | null;
  @Column('integer', { default: 1 }) points: number;
}
