"""The wire contract with GRM, shared by every step: the ManagedResource CRD, the ``resources.gardener.cloud``
annotations and labels, object identities, the ``origin`` annotation, GroupKind equivalences, reference
annotations, and the conditions and messages GRM writes.

Pure: no module here does I/O (``crd`` reads the CRD that ships inside the package), so every other package
may import from here and nothing here imports from them.
"""
