import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** Approximate centre of a Brazilian state: the location fallback when a zip prefix has no geolocation. */
@Entity('state_centroid')
@Check('state_centroid_lat_check', 'lat BETWEEN -90 AND 90')
@Check('state_centroid_lng_check', 'lng BETWEEN -180 AND 180')
export class StateCentroid {
  @PrimaryColumn('text') state: string;
  @Column('text') name: string;
  @Column('double precision') lat: number;
  @Column('double precision') lng: number;
}
