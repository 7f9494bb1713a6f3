"""The ManagedResource controller: ``reconciler`` runs one MR through source → desired → ssa → inventory →
prune → health; ``controller`` owns the watches, the work queue, its workers and the resync;
``target_cache`` is the target cluster as the controller sees it (watches per kind, what we last applied,
which event means drift); ``garbage_collector`` is GRM's second controller for unreferenced Secrets and
ConfigMaps.

The network shell: the source cluster (MRs, Secrets) and the target cluster (objects).
"""
