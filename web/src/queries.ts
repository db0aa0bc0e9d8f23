/**
 * Every GraphQL operation the dashboard sends (src/http/dashboard/operations.ts, shared with the service, which
 * runs the reads among them at start), with the shape of its answer.
 */
export {
  COHORT_MONTHS,
  TIMELINE_MONTHS,
  DRILLDOWN_PAGE_SIZE,
  MODEL_VERSIONS_PAGE,
  ACTIVE_MODEL,
  SERVICE_INFO,
  SEGMENTS,
  SEGMENT_MAP,
  CLUSTER_QUALITY,
  RFM_GRID,
  SEGMENT_OVERLAP,
  COHORT_RETENTION,
  COHORT_STATES,
  TIMELINE,
  GEO_SEGMENTS,
  TOP_CUSTOMERS,
  CUSTOMER,
  MODEL_VERSIONS,
  RETRAIN,
  TRAINING_RUN,
  ACTIVATE_MODEL,
  SEGMENT_CUSTOMERS,
  CUSTOMERS_BY_PREFIX,
  MODEL_COMPARISON,
  BACKTESTS,
} from '../../src/http/dashboard/operations';

export type SegmentKind = 'CLUSTER' | 'RFM' | 'ABC_XYZ';
export type TrainingStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type ChurnTier = 'HIGH' | 'MEDIUM' | 'LOW';

export interface ActiveModelData {
  activeModel: { id: string; name: string; asOf: string; k: number; customers: number; createdAt: string; churnModel: { model: string; clvHorizonMonths: number | null } | null } | null;
}

export interface ServiceInfoData {
  serviceInfo: { currency: string; clvHorizonMonths: number; role: string; openMode: boolean };
}

export interface SegmentRow {
  id: string;
  kind: SegmentKind;
  key: string;
  name: string;
  size: number;
  share: number;
  revenueShare: number;
  churnRisk: number | null;
  churnRiskSource: string;
  expectedValueTotal: number | null;
  expectedValueMean: number | null;
  valueIfRetainedTotal: number | null;
  valueAtRisk: number | null;
  growth: boolean;
  priorityScore: number;
  priorityRank: number;
  recommendedAction: string;
  actionText: string;
  actionReason: string | null;
  profile: { feature: string; mean: number | null; z: number | null }[];
}
export interface SegmentsData {
  segments: SegmentRow[];
}

export interface SegmentMapData {
  segmentMap: {
    modelId: string;
    explainedVariance: number[];
    centroids: { clusterId: string; name: string; x: number; y: number }[];
    points: { x: number; y: number; clusterId: string; customerId: string }[];
  };
}

export interface KSearchPoint {
  k: number;
  inertia: number;
  silhouette: number | null;
  largestShare: number;
  smallestShare: number;
  degenerate: boolean;
  degenerateReason: string | null;
  stability: number | null;
  gap: number | null;
  gapSe: number | null;
  bic: number | null;
}
export interface ClusterQualityData {
  clusterQuality: {
    k: number;
    chosenBy: string;
    kReason: string | null;
    silhouette: number | null;
    inertia: number;
    ariVsPrevious: number | null;
    allDegenerate: boolean;
    kSearch: KSearchPoint[];
  };
}

export interface RfmCell {
  r: number;
  f: number;
  segment: string;
  customers: number;
  revenue: number;
}
export interface RfmGridData {
  rfmGrid: RfmCell[];
}

export interface SegmentOverlapData {
  segmentOverlap: {
    customers: number;
    adjustedRandIndex: number;
    cells: { rfmSegment: string; clusterId: string; clusterName: string; customers: number }[];
  };
}

export interface CohortRetentionData {
  cohortRetention: { cohort: string; group: string | null; size: number; cells: { periodOffset: number; active: number; share: number }[] }[];
}

export interface CohortStatesData {
  cohortStates: { state: string | null; customers: number }[];
}

export interface TimelinePoint {
  period: string;
  series: string;
  activeCustomers: number;
  orders: number;
  revenue: number;
}
export interface TimelineData {
  timeline: TimelinePoint[];
}

export interface GeoSegment {
  state: string;
  stateName: string | null;
  lat: number | null;
  lng: number | null;
  customers: number;
  churnRisk: number | null;
  revenue: number;
  topSegment: string | null;
}
export interface GeoSegmentsData {
  geoSegments: GeoSegment[];
}

export interface TopCustomersData {
  customers: { nodes: { id: string; cluster: { name: string } | null }[] };
}

export interface CustomerDetail {
  id: string;
  state: string | null;
  city: string | null;
  zipPrefix: string | null;
  features: {
    recencyDays: number;
    frequency: number;
    monetary: number | null;
    avgOrderValue: number | null;
    tenureDays: number;
    topCategory: string | null;
    avgReviewScore: number | null;
    lateDeliveryShare: number | null;
    firstPurchaseAt: string;
    lastPurchaseAt: string;
  } | null;
  rfm: { r: number; f: number; m: number; score: number; segment: string; churnTier: ChurnTier } | null;
  abcXyz: { class: string } | null;
  cluster: { id: string; name: string } | null;
  churn: { pAlive: number | null; churnProbability: number | null; expectedPurchases90d: number | null; expectedAvgSpend: number | null; clv: number | null } | null;
  priorityScore: number | null;
  orders: {
    totalCount: number;
    nodes: {
      id: string;
      status: string;
      purchasedAt: string;
      value: number | null;
      items: { category: string | null; categoryEn: string | null; price: number }[];
      review: { score: number } | null;
    }[];
  };
}
export interface CustomerData {
  customer: CustomerDetail | null;
}

export interface ModelVersionRow {
  id: string;
  name: string;
  status: string;
  isActive: boolean;
  createdAt: string;
  asOf: string;
  k: number;
  seed: number;
  customers: number;
  classifier: { accuracy: number; macroF1: number };
  quality: { silhouette: number | null; ariVsPrevious: number | null };
  churnModel: { model: string } | null;
  trainingRunId: string | null;
}
export interface ModelVersionsData {
  modelVersions: { totalCount: number; nodes: ModelVersionRow[] };
  trainingRuns: { nodes: { id: string; status: TrainingStatus; progress: number; step: string | null; note: string | null; requestedBy: string | null }[] };
}

export interface TrainingRunView {
  id: string;
  status: TrainingStatus;
  progress: number;
  step: string | null;
  error: string | null;
  note: string | null;
  requestedBy: string | null;
  modelVersion: { id: string; name: string; isActive: boolean } | null;
}
export interface RetrainData {
  retrain: TrainingRunView;
}
export interface TrainingRunData {
  trainingRun: TrainingRunView | null;
}

export interface ActivateModelData {
  activateModel: { id: string; name: string; isActive: boolean };
}

export type CustomerSortField = 'PRIORITY' | 'CHURN_PROBABILITY' | 'CLV' | 'RECENCY' | 'FREQUENCY' | 'MONETARY';
export interface CustomerFilterInput {
  clusterId?: string;
  rfmSegment?: string;
  abc?: string;
  xyz?: string;
  state?: string;
  idPrefix?: string;
  churnProbability?: { min?: number; max?: number };
  clv?: { min?: number; max?: number };
}
export interface SegmentCustomerRow {
  id: string;
  state: string | null;
  cluster: { id: string; name: string } | null;
  rfm: { segment: string } | null;
  churn: { churnProbability: number | null; clv: number | null } | null;
  features: { recencyDays: number; frequency: number; monetary: number | null } | null;
  priorityScore: number | null;
}
export interface SegmentCustomersData {
  customers: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: SegmentCustomerRow[] };
}

export interface CustomersByPrefixData {
  customers: { totalCount: number; nodes: { id: string; cluster: { name: string } | null }[] };
}

export interface ModelComparisonData {
  modelComparison: {
    from: string;
    to: string;
    kind: SegmentKind;
    sizes: { key: string; name: string; fromSize: number; toSize: number }[];
    moves: { fromKey: string | null; toKey: string | null; customers: number }[];
    customersInBoth: number;
    customersMoved: number;
  };
}

export interface BacktestsData {
  backtests: { id: string; status: string; cutoff: string; horizonDays: number; createdAt: string }[];
}
