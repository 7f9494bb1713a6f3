"""The ManagedResource controller: ``reconciler`` runs one MR through source → desired → ssa → inventory →
prune → health; ``controller`` owns the watches, the work queue, its workers and the resync;
``garbage_collector`` is GRM's second controller for unreferenced Secrets and ConfigMaps.

``target_cache`` is the target cluster as the controller sees it, one object over ``watches`` (started
lazily per type), ``last_applied`` (the records of our writes) and ``drift_events`` (what an event means:
drift, our own write or a health change, and which MR it is for); ``keys`` names their objects.

The network shell: the source cluster (MRs, Secrets) and the target cluster (objects).
"""
