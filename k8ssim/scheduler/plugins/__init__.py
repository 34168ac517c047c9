"""In-tree scheduler plugins, one module per upstream plugin (pkg/scheduler/framework/plugins/*).

``registry`` maps plugin names to classes and builds profiles from KubeSchedulerConfiguration-shaped
dicts."""
