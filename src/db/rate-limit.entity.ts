import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One rate-limit window of one caller (written by rate-limiter-flexible; see src/http/rate-limit.ts). */
@Entity('rate_limit')
export class RateLimitRow {
  @PrimaryColumn('varchar', { length: 255, primaryKeyConstraintName: 'rate_limit_pkey' }) key: string;
  @Column('integer', { default: 0 }) points: number;
  /** End of the window, epoch milliseconds. */
  @Column('bigint', { nullable: true }) expire: string | null;
}
