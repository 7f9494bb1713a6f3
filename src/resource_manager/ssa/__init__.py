"""Server-side apply into the target cluster: the only package that writes objects there (prune deletes).

``plan`` expresses GRM's update merge as an apply plan, ``drift`` decides locally whether a write is needed
at all, ``fields`` reads and takes over field ownership (``managedFields``), ``order`` sorts objects into
install waves, ``apply`` sends the writes and ``redact`` keeps manifest values out of the error texts.
``crds`` finds the CRD of the same MR that defines an object's kind, and ``established`` waits for it to be
Established before its custom resources are applied.
``changeset`` is what a round did to each object (created, configured, unchanged, deleted, skipped, failed),
which apply and prune return and logs, Events and metrics render; ``errors`` (failures as values with GRM's
text) and ``live`` (one live object, absent as ``None``) serve apply, release and prune alike.
Everything but ``apply``, ``established`` and ``live`` is pure.
"""
