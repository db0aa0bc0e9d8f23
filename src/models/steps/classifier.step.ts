import type { DataSource } from 'typeorm';
import type { NaiveBayesJSON } from '../../classifier/naive-bayes';
import { featureDef } from '../../features/catalogue';
import type { FeatureBatch } from '../../features/feature-matrix.service';
import { fitWithHoldoutOffThread } from './classifier.thread';
import type { FeatureSpace } from '../../segmentation/feature-space';
import { classifierRow, CATEGORICAL_FEATURES } from '../../classifier/classifier-row';

export interface ClassifierMetrics {
  accuracy: number;
  macroF1: number;
  labels: string[];
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  confusionMatrix: number[][];
  features: string[];
  holdoutShare: number;
  trainRows: number;
  testRows: number;
}

export interface ClassifierResult {
  json: NaiveBayesJSON<number>;
  metrics: ClassifierMetrics;
}

/**
 * Trains naive Bayes to reproduce the clustering for customers not in the snapshot (the clusters' own inputs
 * are its features, by design), with a seeded stratified 20% holdout for the reported metrics, then refits on
 * every sampled row for the model that is kept. The fits run on a worker thread.
 */
export async function trainClassifier(
  ds: DataSource,
  snapshotId: number,
  space: FeatureSpace,
  sample: FeatureBatch,
  sampleScaled: Float64Array,
  clusterIdsOfSample: number[],
  seed: number,
): Promise<ClassifierResult> {
  const cols = CATEGORICAL_FEATURES.map((f) => featureDef(f).column);
  const cats: { customer_id: number; state: string | null; top_category: string | null }[] = await ds.query(
    `SELECT customer_id, ${cols.join(', ')} FROM customer_features WHERE snapshot_id = $1 AND customer_id = ANY($2)`,
    [snapshotId, Array.from(sample.customerIds)],
  );
  const byId = new Map(cats.map((c) => [c.customer_id, c]));
  const d = space.featureNames.length;
  const rows = Array.from({ length: sample.rows }, (_, i) => {
    const c = byId.get(sample.customerIds[i]);
    return classifierRow(space, sampleScaled, i * d, { state: c?.state ?? null, topCategory: c?.top_category ?? null });
  });
  const options = { numericFeatures: space.featureNames, categoricalFeatures: [...CATEGORICAL_FEATURES] };
  const { model, report, labels, trainRows, testRows } = await fitWithHoldoutOffThread(rows, clusterIdsOfSample, options, { testShare: 0.2, seed });
  return {
    json: model,
    metrics: {
      accuracy: report.accuracy,
      macroF1: report.macroF1,
      labels: labels.map(String),
      perClass: report.perClass.map((c) => ({ ...c, label: String(c.label) })),
      confusionMatrix: report.confusion.matrix,
      features: [...space.featureNames, ...CATEGORICAL_FEATURES],
      holdoutShare: testRows / rows.length,
      trainRows,
      testRows,
    },
  };
}
