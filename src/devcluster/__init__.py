"""A real local Kubernetes control plane on 127.0.0.1 for tests and the demo.

etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake nodes whose pods go
Running/Ready) run as child processes tracked by PID files. `Cluster` is the API; the binaries are built
once from the Kubernetes Go modules and cached by version (see `devcluster.build`).
"""

from devcluster.cluster import Cluster, ClusterError, running_cluster

__all__ = ["Cluster", "ClusterError", "running_cluster"]
