"""The paper's cross-validated ridge: RidgeGridCV against scikit-learn's GridSearchCV.

Both fit the same protocol (standardised features and target, Ridge with an
intercept, alpha by k-fold CV over a grid, refit): GridSearchCV refits every
alpha in every fold; RidgeGridCV decomposes each fold's Gram matrix once.
Shapes: the Gay-Berne learning curve's largest fit (2,160 x 343) and the
benzene all-atom SOAP fit (230 x 1,056). CPU seconds, one BLAS thread, median
of ``--runs`` in the same process.

    OPENBLAS_NUM_THREADS=1 python benchmarks/ridge_cv.py --runs 5
"""

import argparse
import statistics
import time

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from anisoap_pipeline.analysis import regression


def grid_search(alphas, folds, seed):
    inner = TransformedTargetRegressor(regressor=Pipeline([("scale", StandardScaler()), ("ridge", Ridge())]),
                                       transformer=StandardScaler())
    return GridSearchCV(inner, {regression.ALPHA_PARAMETER: list(alphas)},
                        cv=KFold(folds, shuffle=True, random_state=seed), scoring="neg_root_mean_squared_error")


def cpu(make, X, y, runs):
    times = []
    for _ in range(runs):
        start = time.process_time()
        make().fit(X, y)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'rows x features':>16} {'alphas':>6} {'GridSearchCV s':>15} {'RidgeGridCV s':>14} {'ratio':>6}")
    for n, p, alphas in ((2160, 343, regression.alpha_grid(-8, 2, 11)), (230, 1056, regression.alpha_grid(-8, 4, 13))):
        X = rng.normal(size=(n, p))
        y = X @ rng.normal(size=p) + rng.normal(size=n)
        old = cpu(lambda: grid_search(alphas, 5, 0), X, y, args.runs)
        new = cpu(lambda: regression.ridge_model(alphas, 5, 0), X, y, args.runs)
        print(f"{f'{n} x {p}':>16} {len(alphas):>6} {old:>15.3f} {new:>14.3f} {old / new:>5.1f}x")


if __name__ == "__main__":
    main()
