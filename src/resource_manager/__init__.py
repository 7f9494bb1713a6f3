"""The ManagedResource controller, wire-compatible with the Gardener Resource Manager.

A ManagedResource (MR) names Secrets whose data holds manifests. One reconcile walks this path, one
package or module per step (docs/architecture.md draws it):

    source/      Secret data → manifests (decompress, decode the Go way)               pure
    desired      manifests → desired objects (namespaces, injected labels, origin)      pure
    inventory    widen ``status.resources`` before any write; what left the set        pure
    release      stop managing ``mode: Ignore`` objects (drop our origin)               target cluster
    ssa/         plan each write, skip what has not drifted, order, apply → ChangeSet   target cluster
    prune        delete what left the set (or everything, when the MR goes)            target cluster
    inventory    narrow ``status.resources`` to what is left                            pure
    health/      ``ResourcesHealthy`` (GRM's per-kind checks), ``ResourcesProgressing``  pure
    controller/  the reconciler that runs the steps; watches, work queue, target cache  both clusters
    manager/     the process around it: config, leader election, metrics, probes, Events, logs
    cmd/         the ``resource-manager`` CLI: run, install-crds, render, status
    api/         what every step shares: the CRD, annotations, identities, conditions  pure

Importing this package imports nothing else, so ``import resource_manager`` stays cheap.
"""
