"""Cost–accuracy sweeps (beyond the paper): AniSOAP hyperparameter grids on any dataset, the
user's own included, with Pareto fronts of test error against cost.

``plan`` (state points), ``steps`` (records + handlers), ``analysis`` (cost, fronts), ``report``,
``figures``, ``summary`` (rows).
"""
