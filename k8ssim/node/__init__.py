"""kubelet and container runtime. ``backoff`` holds client-go's ``flowcontrol.Backoff`` and the
kubelet's CrashLoopBackOff (10 s doubling to 300 s, reset after more than 600 s)."""
