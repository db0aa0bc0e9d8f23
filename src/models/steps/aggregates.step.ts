import type { PoolClient } from 'pg';
import { writeModelBiAggregates, type TimelineAhead } from '../../warehouse/bi-aggregates.service';

/**
 * The BI summaries of a new model version (timeline, geo, RFM grid, segment overlap, counts by state), written
 * in the version's transaction after its assignments and profiles, so a version is never visible without them.
 */
export async function writeAggregates(client: PoolClient, modelId: number, lap?: (label: string) => void, timelineAhead?: Promise<TimelineAhead | null>): Promise<void> {
  await writeModelBiAggregates(client, modelId, lap, timelineAhead);
}

export { computeTimelineAhead, type TimelineAhead } from '../../warehouse/bi-aggregates.service';
