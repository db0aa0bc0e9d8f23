import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Approximate centre of a Brazilian state: the location fallback when a zip prefix has no geolocation. */
@Entity('state_centroid')
export class StateCentroid {
  @PrimaryColumn('text') state: string;
  @Column('text') name: string;
  @Column('double precision') lat: number;
  @Column('double precision') lng: number;
}
