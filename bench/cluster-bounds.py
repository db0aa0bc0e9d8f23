#!/usr/bin/env python3
"""
How far any clustering of the seeded store's features can recover its latent customer types: the bound that the
cluster-truth test's recovery target (ARI >= 0.70) is measured against.

For each database given (seeded with `seed --mix ...`, so it has seed_truth, and trained with
`train --single-day-cluster`), it exports the active snapshot's features with each customer's latent type and
cluster, keeps the single-day buyers as one cluster (as the product does), and on the repeat customers measures
ARI against the types, over all customers, of:

- unsupervised models at every k from 2 to 9: KMeans (8 starts), Gaussian mixtures (full and diagonal covariance,
  5 starts), Ward's agglomerative clustering, spectral clustering on a 15-nearest-neighbour graph;
- a supervised bound: a gradient-boosted classifier trained on the true types (5-fold cross-validated
  predictions), which no clustering of the same features is expected to beat;

on two feature sets: the behavioural space the product clusters a transaction log on, and that space with the
basket (items per order, mean item price) and recency in units of the customer's own gap.

Needs psql on the PATH and scikit-learn (Debian: python3-sklearn python3-pandas). Not part of `npm run bench`:
it reads stores made for it, e.g.

  createdb bounds_balanced_11 && DATABASE_URL=postgres://postgres@127.0.0.1:5432/bounds_balanced_11 sh -c \
    'node dist/src/cli.js migrate && node dist/src/cli.js seed --customers 3000 --seed 11 --mix balanced &&
     node dist/src/cli.js train --seed 1 --single-day-cluster'
  python3 bench/cluster-bounds.py postgres://postgres@127.0.0.1:5432/bounds_balanced_11
"""
import io
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering, KMeans, SpectralClustering
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import adjusted_rand_score as ari
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import StratifiedKFold, cross_val_predict

EXPORT = """\\copy (SELECT f.*, st.latent_type, cs.cluster_id FROM customer_features f
  JOIN seed_truth st USING (customer_id)
  JOIN customer_segment cs ON cs.customer_id = f.customer_id
   AND cs.model_version_id = (SELECT id FROM model_version WHERE is_active)
 WHERE f.snapshot_id = (SELECT snapshot_id FROM model_version WHERE is_active)
 ORDER BY f.customer_id) TO STDOUT CSV HEADER"""

BEHAVIOUR = ['recency_days', 'frequency', 'monetary', 'tenure_days', 'gap', 'avg_order_value']
FEATURE_SETS = {'behaviour': BEHAVIOUR, 'behaviour+basket+overdue': BEHAVIOUR + ['items_per_order', 'item_price', 'overdue']}
KS = range(2, 10)


def signed_log(x):
    return np.sign(x) * np.log1p(np.abs(x))


def models(k):
    yield 'kmeans', KMeans(k, n_init=8, random_state=0)
    yield 'gmm-full', GaussianMixture(k, covariance_type='full', n_init=5, random_state=0)
    yield 'gmm-diag', GaussianMixture(k, covariance_type='diag', n_init=5, random_state=0)
    yield 'ward', AgglomerativeClustering(k)
    yield 'spectral', SpectralClustering(k, affinity='nearest_neighbors', n_neighbors=15, random_state=0)


def main(urls):
    for url in urls:
        csv = subprocess.run(['psql', url, '-qAt', '-c', EXPORT], check=True, capture_output=True, text=True).stdout
        d = pd.read_csv(io.StringIO(csv))
        truth = d.latent_type.values
        single = (d.purchase_days == 1).values
        rep = d[~single].copy()
        rep['gap'] = rep.mean_interpurchase_days
        rep['item_price'] = rep.monetary / (rep.frequency * rep.items_per_order)
        rep['overdue'] = rep.recency_days / rep.gap
        ceiling = np.where(single, 'single-day', truth)
        print(f'{url.rsplit("/", 1)[-1]}: {len(d)} customers, {single.sum()} single-day; '
              f'the active model {ari(truth, d.cluster_id):.3f}; repeat customers labelled by their type {ari(truth, ceiling):.3f}')

        def overall(labels):
            out = np.full(len(d), -1, dtype=object)
            out[~single] = labels
            return ari(truth, out.astype(str))

        for name, cols in FEATURE_SETS.items():
            x = signed_log(rep[cols].fillna(rep[cols].median()).values)
            x = (x - x.mean(0)) / x.std(0)
            supervised = cross_val_predict(HistGradientBoostingClassifier(random_state=0), x, rep.latent_type.values,
                                           cv=StratifiedKFold(5, shuffle=True, random_state=0))
            best = {}
            for k in KS:
                for model_name, model in models(k):
                    a = overall(model.fit_predict(x))
                    if a > best.get(model_name, (-1, 0))[0]:
                        best[model_name] = (a, k)
            print(f'  {name}: supervised bound {overall(supervised):.3f}; best unsupervised over k = {KS.start}..{KS.stop - 1}: '
                  + ', '.join(f'{m} {a:.3f} (k = {k})' for m, (a, k) in best.items()))


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: cluster-bounds.py DATABASE_URL [DATABASE_URL ...]')
    main(sys.argv[1:])
