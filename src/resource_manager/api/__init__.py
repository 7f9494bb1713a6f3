"""The wire contract with GRM, shared by every step: the ManagedResource CRD, the ``resources.gardener.cloud``
annotations and labels (``annotations``), resource classes and their finalizers (``classes``), object
identities, the ``origin`` annotation, GroupKind equivalences, reference annotations, and the conditions GRM
writes (``conditions``: their arithmetic and transitions; ``messages``: their reasons and texts).

Pure: no module here does I/O (``crd`` reads the CRD that ships inside the package), so every other package
may import from here and nothing here imports from them.
"""
