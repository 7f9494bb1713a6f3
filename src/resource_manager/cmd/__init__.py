"""The ``resource-manager`` command line: ``cli`` (the typer app and the ``run`` command), ``install``
(``install-crds``), ``render`` (manifests on disk → Secret(s) + ManagedResource) and ``status``.
Sub-commands import their heavy modules lazily so ``-h`` answers fast.
"""
