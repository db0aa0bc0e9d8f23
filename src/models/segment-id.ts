import { badInput } from '../shared/errors';
import { parseModelId } from './model-ref';
import { SEGMENT_KINDS, type SegmentKind } from './segment-kind';

export interface SegmentRef {
  modelId: number;
  kind: SegmentKind;
  key: string;
}

export function segmentId(ref: SegmentRef): string {
  return `${ref.modelId}:${ref.kind}:${ref.key}`;
}

/**
 * Parses "<modelId>:<KIND>:<key>". The key is everything after the second colon (RFM names hold spaces and
 * apostrophes). Malformed → BAD_USER_INPUT naming `argument`.
 */
export function parseSegmentId(raw: string, argument = 'id'): SegmentRef {
  const bad = (why: string) =>
    badInput(`${argument} must look like "<modelId>:<KIND>:<key>" (e.g. "3:RFM:At Risk"): ${why}`, { argument });
  if (typeof raw !== 'string' || raw.length > 200) throw bad('too long');
  const first = raw.indexOf(':');
  const second = first < 0 ? -1 : raw.indexOf(':', first + 1);
  if (first < 0 || second < 0) throw bad(`got ${JSON.stringify(raw.slice(0, 60))}`);
  const kind = raw.slice(first + 1, second);
  const key = raw.slice(second + 1);
  if (!(SEGMENT_KINDS as string[]).includes(kind)) throw bad(`kind must be one of ${SEGMENT_KINDS.join(', ')}, got ${JSON.stringify(kind.slice(0, 40))}`);
  if (key.length === 0) throw bad('the key is empty');
  let modelId: number;
  try {
    modelId = parseModelId(raw.slice(0, first), argument);
  } catch {
    throw bad(`the model id ${JSON.stringify(raw.slice(0, first).slice(0, 40))} is not a positive integer`);
  }
  return { modelId, kind: kind as SegmentKind, key };
}
