"""Conformance runner: upstream-derived test vectors through k8ssim's own code.

A vector file ``<stem>.json`` is run by the module ``k8ssim.conformance.cases.<stem>``, which exposes
``run(vector: dict, doc: dict) -> None`` and raises :class:`Mismatch` (or AssertionError) when k8ssim
disagrees with ``vector["expected"]``. ``doc`` is the whole file (constants, rules) for context.
Modules may dispatch on ``vector.get("kind")``. The set of vectors in a file is open-ended.
"""
