/**
 * Every GraphQL operation the dashboard sends, with the shape of its answer. The dashboard uses nothing but
 * these operations over POST /graphql, so this file doubles as a set of examples for any BI client.
 * `modelId` is always passed explicitly (the active model's id) so that every panel shows the same model even
 * when a retrain finishes while the page loads.
 */

export type SegmentKind = 'CLUSTER' | 'RFM' | 'ABC_XYZ';
export type TrainingStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type ChurnTier = 'HIGH' | 'MEDIUM' | 'LOW';

export const ACTIVE_MODEL = /* GraphQL */ `
  query DashboardActiveModel {
    activeModel {
      id
      name
      asOf
      k
      customers
      createdAt
      churnModel { model clvHorizonMonths }
    }
  }
`;
export interface ActiveModelData {
  activeModel: { id: string; name: string; asOf: string; k: number; customers: number; createdAt: string; churnModel: { model: string; clvHorizonMonths: number | null } | null } | null;
}

/** The store's currency (every money label), the CLV horizon, and whether the key sent counts (open mode). */
export const SERVICE_INFO = /* GraphQL */ `
  query DashboardServiceInfo {
    serviceInfo { currency clvHorizonMonths role openMode }
  }
`;
export interface ServiceInfoData {
  serviceInfo: { currency: string; clvHorizonMonths: number; role: string; openMode: boolean };
}

/** The priority board and the cluster profiles: one kind of segment, by priority rank. */
export const SEGMENTS = /* GraphQL */ `
  query DashboardSegments($kind: SegmentKind!, $modelId: ID) {
    segments(kind: $kind, modelId: $modelId) {
      id
      kind
      key
      name
      size
      share
      revenueShare
      churnRisk
      churnRiskSource
      expectedValueTotal
      expectedValueMean
      valueIfRetainedTotal
      valueAtRisk
      growth
      priorityScore
      priorityRank
      recommendedAction
      actionText
      actionReason
      profile { feature mean z }
    }
  }
`;
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

export const SEGMENT_MAP = /* GraphQL */ `
  query DashboardSegmentMap($modelId: ID) {
    segmentMap(modelId: $modelId) {
      modelId
      explainedVariance
      centroids { clusterId name x y }
      points { x y clusterId customerId }
    }
  }
`;
export interface SegmentMapData {
  segmentMap: {
    modelId: string;
    explainedVariance: number[];
    centroids: { clusterId: string; name: string; x: number; y: number }[];
    points: { x: number; y: number; clusterId: string; customerId: string }[];
  };
}

export const CLUSTER_QUALITY = /* GraphQL */ `
  query DashboardClusterQuality($modelId: ID) {
    clusterQuality(modelId: $modelId) {
      k
      chosenBy
      kReason
      silhouette
      inertia
      ariVsPrevious
      allDegenerate
      kSearch { k inertia silhouette largestShare smallestShare degenerate degenerateReason stability gap gapSe bic }
    }
  }
`;
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

export const RFM_GRID = /* GraphQL */ `
  query DashboardRfmGrid($modelId: ID) {
    rfmGrid(modelId: $modelId) { r f segment customers revenue }
  }
`;
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

export const SEGMENT_OVERLAP = /* GraphQL */ `
  query DashboardSegmentOverlap($modelId: ID) {
    segmentOverlap(modelId: $modelId) {
      customers
      adjustedRandIndex
      cells { rfmSegment clusterId clusterName customers }
    }
  }
`;
export interface SegmentOverlapData {
  segmentOverlap: {
    customers: number;
    adjustedRandIndex: number;
    cells: { rfmSegment: string; clusterId: string; clusterName: string; customers: number }[];
  };
}

export const COHORT_RETENTION = /* GraphQL */ `
  query DashboardCohortRetention($cohorts: Int, $by: CohortBy, $state: String) {
    cohortRetention(cohorts: $cohorts, by: $by, state: $state) {
      cohort
      group
      size
      cells { periodOffset active share }
    }
  }
`;
export interface CohortRetentionData {
  cohortRetention: { cohort: string; group: string | null; size: number; cells: { periodOffset: number; active: number; share: number }[] }[];
}

/** The states that have cohorts (the picker's list): the groups only, not every state's cells. */
export const COHORT_STATES = /* GraphQL */ `
  query DashboardCohortStates($cohorts: Int) {
    cohortRetention(cohorts: $cohorts, by: STATE) { group }
  }
`;
export interface CohortStatesData {
  cohortRetention: { group: string | null }[];
}

export const TIMELINE = /* GraphQL */ `
  query DashboardTimeline($modelId: ID, $months: Int) {
    timeline(modelId: $modelId, months: $months) { period series activeCustomers orders revenue }
  }
`;
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

export const GEO_SEGMENTS = /* GraphQL */ `
  query DashboardGeoSegments($modelId: ID) {
    geoSegments(modelId: $modelId) {
      state
      stateName
      lat
      lng
      customers
      churnRisk
      revenue
      topSegment
    }
  }
`;
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

/** A few ids to offer in the customer lookup: the highest-priority customers. */
export const TOP_CUSTOMERS = /* GraphQL */ `
  query DashboardTopCustomers($modelId: ID) {
    customers(first: 3, modelId: $modelId, orderBy: { field: PRIORITY, direction: DESC }) {
      nodes { id cluster { name } }
    }
  }
`;
export interface TopCustomersData {
  customers: { nodes: { id: string; cluster: { name: string } | null }[] };
}

export const CUSTOMER = /* GraphQL */ `
  query DashboardCustomer($id: ID!, $modelId: ID) {
    customer(id: $id, modelId: $modelId) {
      id
      state
      city
      zipPrefix
      features {
        recencyDays
        frequency
        monetary
        avgOrderValue
        tenureDays
        topCategory
        avgReviewScore
        lateDeliveryShare
        firstPurchaseAt
        lastPurchaseAt
      }
      rfm { r f m score segment churnTier }
      abcXyz { class }
      cluster { id name }
      churn { pAlive churnProbability expectedPurchases90d expectedAvgSpend clv }
      priorityScore
      orders(first: 20) {
        totalCount
        nodes {
          id
          status
          purchasedAt
          value
          items { category categoryEn price }
          review { score }
        }
      }
    }
  }
`;
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

export const MODEL_VERSIONS = /* GraphQL */ `
  query DashboardModelVersions($first: Int) {
    modelVersions(first: $first) {
      totalCount
      nodes {
        id
        name
        status
        isActive
        createdAt
        asOf
        k
        seed
        customers
        classifier { accuracy macroF1 }
        quality { silhouette ariVsPrevious }
        churnModel { model }
        trainingRunId
      }
    }
    trainingRuns(first: 50) {
      nodes { id status progress step note requestedBy }
    }
  }
`;
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

const RUN_FIELDS = `id status progress step error note requestedBy modelVersion { id name isActive }`;

/** Admin only. Starts a background training run and answers at once; poll TRAINING_RUN for its progress. */
export const RETRAIN = /* GraphQL */ `
  mutation DashboardRetrain($input: RetrainInput) {
    retrain(input: $input) { ${RUN_FIELDS} }
  }
`;
export const TRAINING_RUN = /* GraphQL */ `
  query DashboardTrainingRun($id: ID!) {
    trainingRun(id: $id) { ${RUN_FIELDS} }
  }
`;
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

/** Admin only: makes an older (or newer) version the active one. */
export const ACTIVATE_MODEL = /* GraphQL */ `
  mutation DashboardActivateModel($id: ID!) {
    activateModel(id: $id) { id name isActive }
  }
`;
export interface ActivateModelData {
  activateModel: { id: string; name: string; isActive: boolean };
}

/** The drill-down table: one page of a segment's customers, filtered and sorted, with keyset cursors. */
export const SEGMENT_CUSTOMERS = /* GraphQL */ `
  query DashboardSegmentCustomers($modelId: ID, $filter: CustomerFilter, $orderBy: CustomerOrderBy, $first: Int, $after: String) {
    customers(modelId: $modelId, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        state
        cluster { id name }
        rfm { segment }
        churn { churnProbability clv }
        features { recencyDays frequency monetary }
        priorityScore
      }
    }
  }
`;
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

/** Customer lookup by the start of an id. */
export const CUSTOMERS_BY_PREFIX = /* GraphQL */ `
  query DashboardCustomersByPrefix($modelId: ID, $prefix: String!) {
    customers(modelId: $modelId, filter: { idPrefix: $prefix }, first: 10, orderBy: { field: PRIORITY, direction: DESC }) {
      totalCount
      nodes { id cluster { name } }
    }
  }
`;
export interface CustomersByPrefixData {
  customers: { totalCount: number; nodes: { id: string; cluster: { name: string } | null }[] };
}

/** Two versions side by side: segment sizes and the customers that moved between segments. */
export const MODEL_COMPARISON = /* GraphQL */ `
  query DashboardModelComparison($from: ID!, $to: ID!, $kind: SegmentKind) {
    modelComparison(from: $from, to: $to, kind: $kind) {
      from
      to
      kind
      sizes { key name fromSize toSize }
      moves { fromKey toKey customers }
      customersInBoth
      customersMoved
    }
  }
`;
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

/** Stored backtest runs, newest first (the latest one's charts come from backtest-charts.ts). */
export const BACKTESTS = /* GraphQL */ `
  query DashboardBacktests {
    backtests(first: 5) { id status cutoff horizonDays createdAt }
  }
`;
export interface BacktestsData {
  backtests: { id: string; status: string; cutoff: string; horizonDays: number; createdAt: string }[];
}
