import { BacktestRun } from './backtest-run.entity';
import { biModelEntities } from './bi-model-aggregate.entity';
import { CustomerSegment } from './customer-segment.entity';
import { ModelVersion } from './model-version.entity';
import { SegmentProfile } from './segment-profile.entity';
import { TrainingRun } from './training-run.entity';

export { BacktestRun, CustomerSegment, ModelVersion, SegmentProfile, TrainingRun };
export const modelEntities = [BacktestRun, CustomerSegment, ModelVersion, SegmentProfile, TrainingRun, ...biModelEntities];
