/**
 * Every GraphQL operation the dashboard (web/src) sends, as the text it sends. The dashboard uses nothing but these
 * operations over POST /graphql (web/src/queries.ts re-exports them beside the shapes of their answers), so this
 * file doubles as a set of examples for any BI client. The service runs the reads among them at start
 * (src/server/warm-up.ts): what a request reuses (its parsed document, its compiled operation, a page's prepared
 * statement) is kept by its text, so the dashboard's own texts are the ones to warm. No imports: esbuild bundles
 * this file into the dashboard as it is.
 * `modelId` is always passed explicitly (the active model's id) so that every panel shows the same model even
 * when a retrain finishes while the page loads.
 */

/** Months of cohorts the retention panel and its state picker ask for. */
export const COHORT_MONTHS = 24;
/** Months the timeline panel asks for. */
export const TIMELINE_MONTHS = 24;
/** Rows of a drill-down page (`first`; a page's LIMIT is part of its prepared statement's text). */
export const DRILLDOWN_PAGE_SIZE = 25;
/** Versions the Models card lists. */
export const MODEL_VERSIONS_PAGE = 20;

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

/** The store's currency (every money label), the CLV horizon, and whether the key sent counts (open mode). */
export const SERVICE_INFO = /* GraphQL */ `
  query DashboardServiceInfo {
    serviceInfo { currency clvHorizonMonths role openMode }
  }
`;

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

export const RFM_GRID = /* GraphQL */ `
  query DashboardRfmGrid($modelId: ID) {
    rfmGrid(modelId: $modelId) { r f segment customers revenue }
  }
`;

export const SEGMENT_OVERLAP = /* GraphQL */ `
  query DashboardSegmentOverlap($modelId: ID) {
    segmentOverlap(modelId: $modelId) {
      customers
      adjustedRandIndex
      cells { rfmSegment clusterId clusterName customers }
    }
  }
`;

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

/** The states that have cohorts (the picker's list): the groups only, not every state's cells. */
export const COHORT_STATES = /* GraphQL */ `
  query DashboardCohortStates($cohorts: Int) {
    cohortStates(cohorts: $cohorts) { state customers }
  }
`;

export const TIMELINE = /* GraphQL */ `
  query DashboardTimeline($modelId: ID, $months: Int) {
    timeline(modelId: $modelId, months: $months) { period series activeCustomers orders revenue }
  }
`;

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

/** A few ids to offer in the customer lookup: the highest-priority customers. */
export const TOP_CUSTOMERS = /* GraphQL */ `
  query DashboardTopCustomers($modelId: ID) {
    customers(first: 3, modelId: $modelId, orderBy: { field: PRIORITY, direction: DESC }) {
      nodes { id cluster { name } }
    }
  }
`;

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

/** Admin only: makes an older (or newer) version the active one. */
export const ACTIVATE_MODEL = /* GraphQL */ `
  mutation DashboardActivateModel($id: ID!) {
    activateModel(id: $id) { id name isActive }
  }
`;

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

/** Customer lookup by the start of an id. */
export const CUSTOMERS_BY_PREFIX = /* GraphQL */ `
  query DashboardCustomersByPrefix($modelId: ID, $prefix: String!) {
    customers(modelId: $modelId, filter: { idPrefix: $prefix }, first: 10, orderBy: { field: PRIORITY, direction: DESC }) {
      totalCount
      nodes { id cluster { name } }
    }
  }
`;

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

/** Stored backtest runs, newest first (the latest one's charts come from backtest-charts.ts). */
export const BACKTESTS = /* GraphQL */ `
  query DashboardBacktests {
    backtests(first: 5) { id status cutoff horizonDays createdAt }
  }
`;
