"""Reference assessment schemes (参考考核方案), one module per source document.

Each module exposes ``SCHEME`` (or ``SCHEMES``) built from `govflow.scoring` rule types; every
rule cites its seed file and line (``source="seed004:550"``), and every reading chosen where a
document is silent is a named constant in its module. They load with ``govflow --reference``
(`govflow.scoring.loading.REFERENCE_PACKAGE`).
"""
