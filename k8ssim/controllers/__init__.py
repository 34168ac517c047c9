"""kube-controller-manager: the algorithmic cores of the workload, node-lifecycle and disruption
controllers as pure functions over typed API objects (``deployment_util``, ``rolling``,
``controller_utils``, ``daemonset_util``, ``job_backoff``, ``disruption_util``, ``nodelifecycle_util``).
The SimPy controllers that watch the store call these; nothing in this package writes to the store."""
