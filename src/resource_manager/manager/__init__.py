"""The process around the controllers, as controller-runtime's manager provides it: the configuration file
(``configuration``), leader election and the presence check (``presence``), ``sharding`` (which MRs a
process of ``--shard i/N`` serves, and its Lease), Prometheus ``metrics``, the
probe and metrics ``server``, Kubernetes Events (``recorder``), structured ``logs``, and ``run``, which wires
them with the controllers for ``resource-manager run``.
"""
