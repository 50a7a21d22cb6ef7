"""Seismo's detect package: detectors, calibration, rules, explanations (pure).

Importing the package registers every detector of it in ``seismo.detect.base.REGISTRY``, so
what the registry holds does not depend on which module happened to be imported first. A
module that defines a registered detector is imported here (the contract test fails if one
is missing). Scikit-learn is loaded by the first fit, not by this import.
"""

from seismo.detect import fingerprint_model, metric

__all__ = ["fingerprint_model", "metric"]
